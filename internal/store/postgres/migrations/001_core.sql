-- certsum core schema for PostgreSQL: the identity and access inventory, campaigns,
-- certifications, identity summaries, review items, the append-only decision audit trail and
-- per-certification access summaries. Table and column names are the SQLite backend's, so the
-- SQL that sqlq compiles from certsum's query schemas (schema.go, fixed aliases) plugs into
-- both. Times are timestamptz (certsum stores UTC at millisecond precision), flags boolean,
-- JSON arrays and objects jsonb. Text that is sorted or compared carries COLLATE "C" so that
-- byte-wise ORDER BY (sqlq's `COLLATE "C"`) is served by the indexes whatever the database's
-- locale. The indexes that serve a list's ORDER BY put nulls first, as sqlq orders (ASC NULLS
-- FIRST, or DESC NULLS LAST read backwards), and those of the identity summaries cover the
-- listed columns; sqlq's case-insensitive id filters (lower(id COLLATE "C")) have an
-- expression index where the benchmarks need one. Derived counters (completed, made, totals)
-- are stored generated columns so that they can never disagree with the per-type counters.
--
-- Unlike the SQLite schema, the three tables that grow with the review items (identity
-- summaries, review items, access summaries; decisions has none anyway) declare no foreign
-- keys: PostgreSQL checks a foreign key with one query and one row lock per inserted row,
-- which made loading a 100,000-identity inventory (3.3 million review items) several times
-- slower. Their references are kept by certsum itself: Load checks every reference of a
-- dataset before it writes anything, and the write paths only ever move rows between
-- certifications they hold locked. Whatever deletes a certification must delete its
-- identity summaries, review items and access summaries in the same transaction.

CREATE TABLE identities (
	id         text COLLATE "C" PRIMARY KEY,
	name       text COLLATE "C" NOT NULL,
	email      text COLLATE "C",
	manager_id text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	department text NOT NULL DEFAULT '',
	title      text NOT NULL DEFAULT ''
);
CREATE INDEX identities_name ON identities(name);
CREATE INDEX identities_manager ON identities(manager_id);

CREATE TABLE governance_groups (
	id          text COLLATE "C" PRIMARY KEY,
	name        text COLLATE "C" NOT NULL,
	description text NOT NULL DEFAULT '',
	owner_id    text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE governance_group_members (
	group_id    text COLLATE "C" NOT NULL REFERENCES governance_groups(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	identity_id text COLLATE "C" NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	PRIMARY KEY (group_id, identity_id)
);
CREATE INDEX governance_group_members_identity ON governance_group_members(identity_id, group_id);

CREATE TABLE sources (
	id       text COLLATE "C" PRIMARY KEY,
	name     text COLLATE "C" NOT NULL,
	type     text NOT NULL DEFAULT '',
	owner_id text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE accounts (
	id              text COLLATE "C" PRIMARY KEY,
	native_identity text NOT NULL,
	name            text COLLATE "C" NOT NULL,
	source_id       text COLLATE "C" NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	identity_id     text COLLATE "C" NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	disabled        boolean NOT NULL DEFAULT false,
	locked          boolean NOT NULL DEFAULT false,
	created         timestamptz NOT NULL,
	modified        timestamptz NOT NULL,
	usage_days      integer NOT NULL DEFAULT -1 -- -1: unknown
);
CREATE INDEX accounts_identity_source ON accounts(identity_id, source_id, id);

-- permissions is a JSON array of {"rights": [...], "target": "..."}; data_access is the
-- DataAccess object, or NULL.
CREATE TABLE entitlements (
	id                        text COLLATE "C" PRIMARY KEY,
	name                      text COLLATE "C" NOT NULL,
	description               text,
	source_id                 text COLLATE "C" NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	attribute_name            text NOT NULL DEFAULT '',
	attribute_value           text NOT NULL DEFAULT '',
	source_schema_object_type text NOT NULL DEFAULT '',
	owner_id                  text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged                boolean NOT NULL DEFAULT false,
	revocable                 boolean NOT NULL DEFAULT false,
	cloud_governed            boolean NOT NULL DEFAULT false,
	is_permission             boolean NOT NULL DEFAULT false,
	permissions               jsonb NOT NULL DEFAULT '[]',
	data_access               jsonb
);

CREATE TABLE access_profiles (
	id             text COLLATE "C" PRIMARY KEY,
	name           text COLLATE "C" NOT NULL,
	description    text NOT NULL DEFAULT '',
	source_id      text COLLATE "C" NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	owner_id       text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged     boolean NOT NULL DEFAULT false,
	cloud_governed boolean NOT NULL DEFAULT false,
	created        timestamptz NOT NULL,
	modified       timestamptz NOT NULL
);

CREATE TABLE access_profile_entitlements (
	access_profile_id text COLLATE "C" NOT NULL REFERENCES access_profiles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	entitlement_id    text COLLATE "C" NOT NULL REFERENCES entitlements(id) DEFERRABLE INITIALLY DEFERRED,
	ord               integer NOT NULL,
	PRIMARY KEY (access_profile_id, entitlement_id)
);

CREATE TABLE roles (
	id          text COLLATE "C" PRIMARY KEY,
	name        text COLLATE "C" NOT NULL,
	description text NOT NULL DEFAULT '',
	owner_id    text COLLATE "C" REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged  boolean NOT NULL DEFAULT false,
	revocable   boolean NOT NULL DEFAULT false
);

CREATE TABLE role_access_profiles (
	role_id           text COLLATE "C" NOT NULL REFERENCES roles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	access_profile_id text COLLATE "C" NOT NULL REFERENCES access_profiles(id) DEFERRABLE INITIALLY DEFERRED,
	ord               integer NOT NULL,
	PRIMARY KEY (role_id, access_profile_id)
);

CREATE TABLE role_entitlements (
	role_id        text COLLATE "C" NOT NULL REFERENCES roles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	entitlement_id text COLLATE "C" NOT NULL REFERENCES entitlements(id) DEFERRABLE INITIALLY DEFERRED,
	ord            integer NOT NULL,
	PRIMARY KEY (role_id, entitlement_id)
);

-- alerts is a JSON array of CampaignAlert; filter and source_owner_campaign_info are JSON or NULL.
CREATE TABLE campaigns (
	id                            text COLLATE "C" PRIMARY KEY,
	name                          text COLLATE "C" NOT NULL,
	description                   text,
	deadline                      timestamptz,
	type                          text NOT NULL,
	email_notification_enabled    boolean NOT NULL DEFAULT false,
	auto_revoke_allowed           boolean NOT NULL DEFAULT false,
	recommendations_enabled       boolean NOT NULL DEFAULT false,
	status                        text COLLATE "C" NOT NULL,
	correlated_status             text NOT NULL,
	created                       timestamptz NOT NULL,
	modified                      timestamptz NOT NULL,
	total_certifications          integer NOT NULL DEFAULT 0,
	completed_certifications      integer NOT NULL DEFAULT 0,
	alerts                        jsonb NOT NULL DEFAULT '[]',
	filter                        jsonb,
	sunset_comments_required      boolean NOT NULL DEFAULT true,
	source_owner_campaign_info    jsonb,
	mandatory_comment_requirement text NOT NULL
);
CREATE INDEX campaigns_name ON campaigns(name NULLS FIRST, id NULLS FIRST);
CREATE INDEX campaigns_created ON campaigns(created NULLS FIRST, id NULLS FIRST);
CREATE INDEX campaigns_status ON campaigns(status);

-- One reviewer's certification. The per-type counters (ent_* entitlements, ap_* access
-- profiles, role_*, acct_* accounts) count review items: total, approved, revoked. They answer
-- the unfiltered decision summary from one row. reassignment is the Reassignment as JSON.
-- Every write transaction locks this row first (SELECT … FOR NO KEY UPDATE), which is what
-- keeps concurrent counter deltas from racing.
CREATE TABLE certifications (
	id                   text COLLATE "C" PRIMARY KEY,
	campaign_id          text COLLATE "C" NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	name                 text COLLATE "C" NOT NULL,
	reviewer_id          text COLLATE "C" NOT NULL,
	reviewer_type        text NOT NULL CHECK (reviewer_type IN ('IDENTITY', 'GOVERNANCE_GROUP')),
	phase                text COLLATE "C" NOT NULL CHECK (phase IN ('STAGED', 'ACTIVE', 'SIGNED')),
	created              timestamptz NOT NULL,
	modified             timestamptz NOT NULL,
	due                  timestamptz,
	signed               timestamptz,
	has_errors           boolean NOT NULL DEFAULT false,
	error_message        text,
	reassignment         jsonb,
	version              bigint NOT NULL DEFAULT 1,
	identities_total     integer NOT NULL DEFAULT 0,
	identities_completed integer NOT NULL DEFAULT 0,
	ent_total            integer NOT NULL DEFAULT 0,
	ent_approved         integer NOT NULL DEFAULT 0,
	ent_revoked          integer NOT NULL DEFAULT 0,
	ap_total             integer NOT NULL DEFAULT 0,
	ap_approved          integer NOT NULL DEFAULT 0,
	ap_revoked           integer NOT NULL DEFAULT 0,
	role_total           integer NOT NULL DEFAULT 0,
	role_approved        integer NOT NULL DEFAULT 0,
	role_revoked         integer NOT NULL DEFAULT 0,
	acct_total           integer NOT NULL DEFAULT 0,
	acct_approved        integer NOT NULL DEFAULT 0,
	acct_revoked         integer NOT NULL DEFAULT 0,
	decisions_total      integer GENERATED ALWAYS AS (ent_total + ap_total + role_total + acct_total) STORED,
	decisions_made       integer GENERATED ALWAYS AS (ent_approved + ent_revoked + ap_approved + ap_revoked
		+ role_approved + role_revoked + acct_approved + acct_revoked) STORED,
	completed            boolean GENERATED ALWAYS AS ((ent_approved + ent_revoked + ap_approved + ap_revoked
		+ role_approved + role_revoked + acct_approved + acct_revoked) = (ent_total + ap_total + role_total + acct_total)) STORED
);
CREATE INDEX certifications_campaign ON certifications(campaign_id, reviewer_type, reviewer_id);
CREATE INDEX certifications_reviewer ON certifications(reviewer_id);
CREATE INDEX certifications_name ON certifications(name NULLS FIRST, id NULLS FIRST);
CREATE INDEX certifications_due ON certifications(due NULLS FIRST, id NULLS FIRST);
CREATE INDEX certifications_signed ON certifications(signed NULLS FIRST, id NULLS FIRST);

-- One identity under review in one certification, with the same per-type counters over that
-- identity's review items. name is the identity's name, copied for filters and sorting.
CREATE TABLE identity_summaries (
	id            text COLLATE "C" PRIMARY KEY,
	cert_id       text COLLATE "C" NOT NULL,
	identity_id   text COLLATE "C" NOT NULL,
	name          text COLLATE "C" NOT NULL,
	ent_total     integer NOT NULL DEFAULT 0,
	ent_approved  integer NOT NULL DEFAULT 0,
	ent_revoked   integer NOT NULL DEFAULT 0,
	ap_total      integer NOT NULL DEFAULT 0,
	ap_approved   integer NOT NULL DEFAULT 0,
	ap_revoked    integer NOT NULL DEFAULT 0,
	role_total    integer NOT NULL DEFAULT 0,
	role_approved integer NOT NULL DEFAULT 0,
	role_revoked  integer NOT NULL DEFAULT 0,
	acct_total    integer NOT NULL DEFAULT 0,
	acct_approved integer NOT NULL DEFAULT 0,
	acct_revoked  integer NOT NULL DEFAULT 0,
	items_total   integer GENERATED ALWAYS AS (ent_total + ap_total + role_total + acct_total) STORED,
	items_decided integer GENERATED ALWAYS AS (ent_approved + ent_revoked + ap_approved + ap_revoked
		+ role_approved + role_revoked + acct_approved + acct_revoked) STORED,
	completed     boolean GENERATED ALWAYS AS ((ent_approved + ent_revoked + ap_approved + ap_revoked
		+ role_approved + role_revoked + acct_approved + acct_revoked) = (ent_total + ap_total + role_total + acct_total)) STORED,
	UNIQUE (cert_id, identity_id)
);
CREATE INDEX identity_summaries_name ON identity_summaries(cert_id, name NULLS FIRST, id NULLS FIRST)
	INCLUDE (identity_id, completed);
CREATE INDEX identity_summaries_completed ON identity_summaries(cert_id, completed, name NULLS FIRST, id NULLS FIRST)
	INCLUDE (identity_id);
CREATE INDEX identity_summaries_folded_id ON identity_summaries(cert_id, lower(id COLLATE "C"));

-- One identity × one access item. access_name, ent_source_name (entitlement items) and
-- ap_source_name (access-profile items) are copied from the inventory for filters and sorting.
-- account_id is the account through which the identity holds an entitlement, or the account
-- under review for ACCOUNT items. The decision columns hold the current decision only; the
-- history is in decisions.
CREATE TABLE review_items (
	id                  text COLLATE "C" PRIMARY KEY,
	cert_id             text COLLATE "C" NOT NULL,
	identity_summary_id text COLLATE "C" NOT NULL,
	access_type         text COLLATE "C" NOT NULL CHECK (access_type IN ('ENTITLEMENT', 'ACCESS_PROFILE', 'ROLE', 'ACCOUNT')),
	access_id           text COLLATE "C" NOT NULL,
	access_name         text COLLATE "C" NOT NULL,
	ent_source_name     text COLLATE "C",
	ap_source_name      text COLLATE "C",
	account_id          text COLLATE "C",
	new_access          boolean NOT NULL DEFAULT false,
	decision            text CHECK (decision IN ('APPROVE', 'REVOKE')),
	comments            text,
	proposed_end_date   timestamptz,
	bulk                boolean NOT NULL DEFAULT false,
	recommendation      jsonb,
	completed           boolean GENERATED ALWAYS AS (decision IS NOT NULL) STORED
);
CREATE INDEX review_items_access ON review_items(cert_id, access_type, access_id, decision);
CREATE INDEX review_items_summary ON review_items(identity_summary_id, access_type, decision);
CREATE INDEX review_items_name ON review_items(cert_id, access_name NULLS FIRST, id NULLS FIRST);

-- The append-only audit trail of decisions. It has no foreign keys so that it outlives the
-- certifications it describes; a trigger refuses updates and deletes. seq is the commit order
-- of the decisions on one certification, because every decision is written while holding that
-- certification's row lock.
CREATE TABLE decisions (
	seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                text COLLATE "C" NOT NULL UNIQUE,
	cert_id           text COLLATE "C" NOT NULL,
	item_id           text COLLATE "C" NOT NULL,
	decided_by        text NOT NULL,
	decided_at        timestamptz NOT NULL,
	decision          text NOT NULL,
	previous_decision text,
	bulk              boolean NOT NULL,
	comments          text,
	proposed_end_date timestamptz,
	recommendation    jsonb
);
CREATE INDEX decisions_cert ON decisions(cert_id, seq);
CREATE INDEX decisions_item ON decisions(item_id, seq);

CREATE FUNCTION certsum_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the decision audit trail is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions
	FOR EACH ROW EXECUTE FUNCTION certsum_decisions_append_only();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
	FOR EACH STATEMENT EXECUTE FUNCTION certsum_decisions_append_only();

-- One distinct access item (type + id; roles, access profiles and entitlements — accounts
-- have no access summaries) of a certification with how many of the certification's review
-- items target it and how many of those are decided.
CREATE TABLE access_summaries (
	cert_id         text COLLATE "C" NOT NULL,
	access_type     text COLLATE "C" NOT NULL,
	access_id       text COLLATE "C" NOT NULL,
	name            text COLLATE "C" NOT NULL,
	ent_source_name text COLLATE "C",
	ap_source_name  text COLLATE "C",
	items_total     integer NOT NULL DEFAULT 0,
	items_decided   integer NOT NULL DEFAULT 0,
	completed       boolean GENERATED ALWAYS AS (items_decided = items_total) STORED,
	PRIMARY KEY (cert_id, access_type, access_id)
);
CREATE INDEX access_summaries_name ON access_summaries(cert_id, access_type, name NULLS FIRST, access_id NULLS FIRST);
CREATE INDEX access_summaries_completed ON access_summaries(cert_id, access_type, completed, name NULLS FIRST, access_id NULLS FIRST);
CREATE INDEX access_summaries_ent_source ON access_summaries(cert_id, access_type, ent_source_name);
CREATE INDEX access_summaries_ap_source ON access_summaries(cert_id, access_type, ap_source_name);
