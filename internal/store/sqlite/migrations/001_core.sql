-- certsum core schema: the identity and access inventory, campaigns, certifications, identity
-- summaries, review items, the append-only decision audit trail and per-certification access
-- summaries. Times are TEXT in certsum.TimeLayout (UTC, milliseconds); booleans are 0/1.
-- Column names match the Column strings of certsum's query schemas (schema.go), so the SQL
-- compiled by sqlq plugs into the list queries unchanged (review items through the
-- review_item_rows view). Derived flags (completed, made, totals) are generated columns so
-- that they can never disagree with the counters.

CREATE TABLE identities (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	email      TEXT,
	manager_id TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	department TEXT NOT NULL DEFAULT '',
	title      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identities_name ON identities(name);
CREATE INDEX identities_manager ON identities(manager_id);

CREATE TABLE governance_groups (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	owner_id    TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE governance_group_members (
	group_id    TEXT NOT NULL REFERENCES governance_groups(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	identity_id TEXT NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	PRIMARY KEY (group_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX governance_group_members_identity ON governance_group_members(identity_id, group_id);

CREATE TABLE sources (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	type     TEXT NOT NULL DEFAULT '',
	owner_id TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE accounts (
	id              TEXT PRIMARY KEY,
	native_identity TEXT NOT NULL,
	name            TEXT NOT NULL,
	source_id       TEXT NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	identity_id     TEXT NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	disabled        INTEGER NOT NULL DEFAULT 0,
	locked          INTEGER NOT NULL DEFAULT 0,
	created         TEXT NOT NULL,
	modified        TEXT NOT NULL,
	usage_days      INTEGER NOT NULL DEFAULT -1 -- -1: unknown
);
CREATE INDEX accounts_identity_source ON accounts(identity_id, source_id);

-- permissions is a JSON array of {"rights": [...], "target": "..."}; data_access is the
-- DataAccess object as JSON, or NULL.
CREATE TABLE entitlements (
	id                        TEXT PRIMARY KEY,
	name                      TEXT NOT NULL,
	description               TEXT,
	source_id                 TEXT NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	attribute_name            TEXT NOT NULL DEFAULT '',
	attribute_value           TEXT NOT NULL DEFAULT '',
	source_schema_object_type TEXT NOT NULL DEFAULT '',
	owner_id                  TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged                INTEGER NOT NULL DEFAULT 0,
	revocable                 INTEGER NOT NULL DEFAULT 0,
	cloud_governed            INTEGER NOT NULL DEFAULT 0,
	is_permission             INTEGER NOT NULL DEFAULT 0,
	permissions               TEXT NOT NULL DEFAULT '[]',
	data_access               TEXT
);

CREATE TABLE access_profiles (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	description    TEXT NOT NULL DEFAULT '',
	source_id      TEXT NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	owner_id       TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged     INTEGER NOT NULL DEFAULT 0,
	cloud_governed INTEGER NOT NULL DEFAULT 0,
	created        TEXT NOT NULL,
	modified       TEXT NOT NULL
);

CREATE TABLE access_profile_entitlements (
	access_profile_id TEXT NOT NULL REFERENCES access_profiles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	entitlement_id    TEXT NOT NULL REFERENCES entitlements(id) DEFERRABLE INITIALLY DEFERRED,
	ord               INTEGER NOT NULL,
	PRIMARY KEY (access_profile_id, entitlement_id)
) WITHOUT ROWID;

CREATE TABLE roles (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	owner_id    TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	privileged  INTEGER NOT NULL DEFAULT 0,
	revocable   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE role_access_profiles (
	role_id           TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	access_profile_id TEXT NOT NULL REFERENCES access_profiles(id) DEFERRABLE INITIALLY DEFERRED,
	ord               INTEGER NOT NULL,
	PRIMARY KEY (role_id, access_profile_id)
) WITHOUT ROWID;

CREATE TABLE role_entitlements (
	role_id        TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	entitlement_id TEXT NOT NULL REFERENCES entitlements(id) DEFERRABLE INITIALLY DEFERRED,
	ord            INTEGER NOT NULL,
	PRIMARY KEY (role_id, entitlement_id)
) WITHOUT ROWID;

-- alerts is a JSON array of CampaignAlert; filter and source_owner_campaign_info are JSON or NULL.
CREATE TABLE campaigns (
	id                            TEXT PRIMARY KEY COLLATE NOCASE,
	name                          TEXT NOT NULL,
	description                   TEXT,
	deadline                      TEXT,
	type                          TEXT NOT NULL,
	email_notification_enabled    INTEGER NOT NULL DEFAULT 0,
	auto_revoke_allowed           INTEGER NOT NULL DEFAULT 0,
	recommendations_enabled       INTEGER NOT NULL DEFAULT 0,
	status                        TEXT NOT NULL,
	correlated_status             TEXT NOT NULL,
	created                       TEXT NOT NULL,
	modified                      TEXT NOT NULL,
	total_certifications          INTEGER NOT NULL DEFAULT 0,
	completed_certifications      INTEGER NOT NULL DEFAULT 0,
	alerts                        TEXT NOT NULL DEFAULT '[]',
	filter                        TEXT,
	sunset_comments_required      INTEGER NOT NULL DEFAULT 1,
	source_owner_campaign_info    TEXT,
	mandatory_comment_requirement TEXT NOT NULL
);
CREATE INDEX campaigns_name ON campaigns(name, id COLLATE BINARY);
CREATE INDEX campaigns_created ON campaigns(created, id COLLATE BINARY);
CREATE INDEX campaigns_status ON campaigns(status);

-- The public ids of certifications, identity summaries and review items are TEXT; the big
-- tables refer to their parents by the integer key, which keeps rows and indexes small.
-- Every id a filter can name is COLLATE NOCASE, the comparison the filter language uses, so
-- that eq and in filters on ids are index lookups.

-- One reviewer's certification. The per-type counters (ent_* entitlements, ap_* access
-- profiles, role_*, acct_* accounts) count review items: total, approved, revoked. They answer
-- the unfiltered decision summary from one row. reassignment is the Reassignment as JSON.
CREATE TABLE certifications (
	key                  INTEGER PRIMARY KEY,
	id                   TEXT NOT NULL UNIQUE COLLATE NOCASE,
	campaign_id          TEXT NOT NULL COLLATE NOCASE REFERENCES campaigns(id) ON DELETE CASCADE,
	name                 TEXT NOT NULL,
	reviewer_id          TEXT NOT NULL,
	reviewer_type        TEXT NOT NULL CHECK (reviewer_type IN ('IDENTITY', 'GOVERNANCE_GROUP')),
	phase                TEXT NOT NULL CHECK (phase IN ('STAGED', 'ACTIVE', 'SIGNED')),
	created              TEXT NOT NULL,
	modified             TEXT NOT NULL,
	due                  TEXT,
	signed               TEXT,
	has_errors           INTEGER NOT NULL DEFAULT 0,
	error_message        TEXT,
	reassignment         TEXT,
	version              INTEGER NOT NULL DEFAULT 1,
	identities_total     INTEGER NOT NULL DEFAULT 0,
	identities_completed INTEGER NOT NULL DEFAULT 0,
	ent_total            INTEGER NOT NULL DEFAULT 0,
	ent_approved         INTEGER NOT NULL DEFAULT 0,
	ent_revoked          INTEGER NOT NULL DEFAULT 0,
	ap_total             INTEGER NOT NULL DEFAULT 0,
	ap_approved          INTEGER NOT NULL DEFAULT 0,
	ap_revoked           INTEGER NOT NULL DEFAULT 0,
	role_total           INTEGER NOT NULL DEFAULT 0,
	role_approved        INTEGER NOT NULL DEFAULT 0,
	role_revoked         INTEGER NOT NULL DEFAULT 0,
	acct_total           INTEGER NOT NULL DEFAULT 0,
	acct_approved        INTEGER NOT NULL DEFAULT 0,
	acct_revoked         INTEGER NOT NULL DEFAULT 0,
	decisions_total      INTEGER GENERATED ALWAYS AS (ent_total + ap_total + role_total + acct_total) VIRTUAL,
	decisions_made       INTEGER GENERATED ALWAYS AS (ent_approved + ent_revoked + ap_approved + ap_revoked + role_approved + role_revoked + acct_approved + acct_revoked) VIRTUAL,
	completed            INTEGER GENERATED ALWAYS AS (decisions_made = decisions_total) VIRTUAL
);
CREATE INDEX certifications_campaign ON certifications(campaign_id, reviewer_type, reviewer_id);
CREATE INDEX certifications_reviewer ON certifications(reviewer_id);
CREATE INDEX certifications_name ON certifications(name, id COLLATE BINARY);
CREATE INDEX certifications_due ON certifications(due, id COLLATE BINARY);
CREATE INDEX certifications_signed ON certifications(signed, id COLLATE BINARY);

-- One identity under review in one certification, with the same per-type counters over that
-- identity's review items. name is the identity's name, copied for filters and sorting.
CREATE TABLE identity_summaries (
	key           INTEGER PRIMARY KEY,
	id            TEXT NOT NULL UNIQUE COLLATE NOCASE,
	cert_key      INTEGER NOT NULL REFERENCES certifications(key) ON DELETE CASCADE,
	identity_id   TEXT NOT NULL REFERENCES identities(id),
	name          TEXT NOT NULL,
	ent_total     INTEGER NOT NULL DEFAULT 0,
	ent_approved  INTEGER NOT NULL DEFAULT 0,
	ent_revoked   INTEGER NOT NULL DEFAULT 0,
	ap_total      INTEGER NOT NULL DEFAULT 0,
	ap_approved   INTEGER NOT NULL DEFAULT 0,
	ap_revoked    INTEGER NOT NULL DEFAULT 0,
	role_total    INTEGER NOT NULL DEFAULT 0,
	role_approved INTEGER NOT NULL DEFAULT 0,
	role_revoked  INTEGER NOT NULL DEFAULT 0,
	acct_total    INTEGER NOT NULL DEFAULT 0,
	acct_approved INTEGER NOT NULL DEFAULT 0,
	acct_revoked  INTEGER NOT NULL DEFAULT 0,
	items_total   INTEGER GENERATED ALWAYS AS (ent_total + ap_total + role_total + acct_total) VIRTUAL,
	items_decided INTEGER GENERATED ALWAYS AS (ent_approved + ent_revoked + ap_approved + ap_revoked + role_approved + role_revoked + acct_approved + acct_revoked) VIRTUAL,
	completed     INTEGER GENERATED ALWAYS AS (items_decided = items_total) VIRTUAL,
	UNIQUE (cert_key, identity_id)
);
-- Both list indexes cover the listed columns, so a page (or a deep offset) never reads rows.
CREATE INDEX identity_summaries_name ON identity_summaries(cert_key, name, id COLLATE BINARY, identity_id, completed);
CREATE INDEX identity_summaries_completed ON identity_summaries(cert_key, completed, name, id COLLATE BINARY, identity_id);

-- One identity × one access item. access_name, ent_source_name (entitlement items) and
-- ap_source_name (access-profile items) are copied from the inventory for filters and sorting.
-- account_id is the account through which the identity holds an entitlement, or the account
-- under review for ACCOUNT items. The decision columns hold the current decision only; the
-- history is in decisions.
CREATE TABLE review_items (
	key               INTEGER PRIMARY KEY,
	id                TEXT NOT NULL UNIQUE COLLATE NOCASE,
	cert_key          INTEGER NOT NULL REFERENCES certifications(key) ON DELETE CASCADE,
	summary_key       INTEGER NOT NULL REFERENCES identity_summaries(key),
	access_type       TEXT NOT NULL CHECK (access_type IN ('ENTITLEMENT', 'ACCESS_PROFILE', 'ROLE', 'ACCOUNT')),
	access_id         TEXT NOT NULL COLLATE NOCASE,
	access_name       TEXT NOT NULL,
	ent_source_name   TEXT,
	ap_source_name    TEXT,
	account_id        TEXT REFERENCES accounts(id),
	new_access        INTEGER NOT NULL DEFAULT 0,
	decision          TEXT CHECK (decision IN ('APPROVE', 'REVOKE')),
	comments          TEXT,
	proposed_end_date TEXT,
	bulk              INTEGER NOT NULL DEFAULT 0,
	recommendation    TEXT,
	completed         INTEGER GENERATED ALWAYS AS (decision IS NOT NULL) VIRTUAL
);
CREATE INDEX review_items_access ON review_items(cert_key, access_type, access_id, decision);
CREATE INDEX review_items_summary ON review_items(summary_key, access_type, decision);
CREATE INDEX review_items_name ON review_items(cert_key, access_name);

-- review_item_rows is review_items with the identity summary's public id, the columns that
-- certsum.ReviewItemSchema names under alias i.
CREATE VIEW review_item_rows AS
SELECT r.key, r.id, r.cert_key, r.summary_key, ss.id AS identity_summary_id, r.access_type, r.access_id,
	r.access_name, r.ent_source_name, r.ap_source_name, r.account_id, r.new_access, r.decision, r.comments,
	r.proposed_end_date, r.bulk, r.recommendation, r.completed
FROM review_items r JOIN identity_summaries ss ON ss.key = r.summary_key;

-- The append-only audit trail of decisions. It names certifications and items by their
-- public ids and has no foreign keys, so that it outlives what it describes; triggers refuse
-- updates and deletes.
CREATE TABLE decisions (
	seq               INTEGER PRIMARY KEY,
	id                TEXT NOT NULL,
	cert_id           TEXT NOT NULL,
	item_id           TEXT NOT NULL,
	decided_by        TEXT NOT NULL,
	decided_at        TEXT NOT NULL,
	decision          TEXT NOT NULL,
	previous_decision TEXT,
	bulk              INTEGER NOT NULL,
	comments          TEXT,
	proposed_end_date TEXT,
	recommendation    TEXT
);
CREATE INDEX decisions_cert ON decisions(cert_id, seq);
CREATE INDEX decisions_item ON decisions(item_id, seq);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
	SELECT RAISE(ABORT, 'the decision audit trail is append-only');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
	SELECT RAISE(ABORT, 'the decision audit trail is append-only');
END;

-- One distinct access item (type + id) of a certification with how many of the
-- certification's review items target it and how many of those are decided. Accounts have
-- none: the API lists access summaries of roles, access profiles and entitlements only.
-- A certification holds at most one row per catalog item, so these lists stay short.
CREATE TABLE access_summaries (
	cert_key        INTEGER NOT NULL REFERENCES certifications(key) ON DELETE CASCADE,
	access_type     TEXT NOT NULL CHECK (access_type IN ('ENTITLEMENT', 'ACCESS_PROFILE', 'ROLE')),
	access_id       TEXT NOT NULL COLLATE NOCASE,
	name            TEXT NOT NULL,
	ent_source_name TEXT,
	ap_source_name  TEXT,
	items_total     INTEGER NOT NULL DEFAULT 0,
	items_decided   INTEGER NOT NULL DEFAULT 0,
	completed       INTEGER GENERATED ALWAYS AS (items_decided = items_total) VIRTUAL,
	PRIMARY KEY (cert_key, access_type, access_id)
) WITHOUT ROWID;
CREATE INDEX access_summaries_name ON access_summaries(cert_key, access_type, name, access_id COLLATE BINARY);
CREATE INDEX access_summaries_completed ON access_summaries(cert_key, access_type, completed, name, access_id COLLATE BINARY);
