-- certsum: foreign keys off
-- The imported inventory (docs/import.md): the values an import keeps beside those the review
-- views read, a content hash and a soft-removal time on every imported object, the
-- assignments campaigns are generated from, and the inventory versions and import reports.
-- hash is the content hash of the object as last imported (NULL for objects that no import
-- wrote); deleted_at is when a snapshot import removed it (NULL while it is in the
-- inventory). Removed objects stay, because past campaigns name them.
--
-- The first line asks the migration runner to apply this file with foreign keys off and to
-- check them all before it commits: accounts is rebuilt so that an account can belong to no
-- identity (an uncorrelated account), and SQLite cannot drop a NOT NULL in place.

ALTER TABLE identities ADD COLUMN display_name TEXT;
ALTER TABLE identities ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive'));
ALTER TABLE identities ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE identities ADD COLUMN hash TEXT;
ALTER TABLE identities ADD COLUMN deleted_at TEXT;
-- Generation reads identities in manager order, then by id.
DROP INDEX identities_manager;
CREATE INDEX identities_manager ON identities(manager_id, id);

ALTER TABLE sources ADD COLUMN authoritative INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN hash TEXT;
ALTER TABLE sources ADD COLUMN deleted_at TEXT;

CREATE TABLE accounts_rebuilt (
	id              TEXT PRIMARY KEY,
	native_identity TEXT NOT NULL,
	name            TEXT NOT NULL,
	source_id       TEXT NOT NULL REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED,
	identity_id     TEXT REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	disabled        INTEGER NOT NULL DEFAULT 0,
	locked          INTEGER NOT NULL DEFAULT 0,
	created         TEXT NOT NULL,
	modified        TEXT NOT NULL,
	usage_days      INTEGER NOT NULL DEFAULT -1, -- -1: unknown
	attributes      TEXT NOT NULL DEFAULT '{}',
	hash            TEXT,
	deleted_at      TEXT
);
INSERT INTO accounts_rebuilt (id, native_identity, name, source_id, identity_id, disabled, locked, created, modified, usage_days)
	SELECT id, native_identity, name, source_id, identity_id, disabled, locked, created, modified, usage_days FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE INDEX accounts_identity_source ON accounts(identity_id, source_id);
CREATE INDEX accounts_source ON accounts(source_id);

ALTER TABLE entitlements ADD COLUMN hash TEXT;
ALTER TABLE entitlements ADD COLUMN deleted_at TEXT;
CREATE INDEX entitlements_source ON entitlements(source_id);
ALTER TABLE access_profiles ADD COLUMN hash TEXT;
ALTER TABLE access_profiles ADD COLUMN deleted_at TEXT;
ALTER TABLE roles ADD COLUMN hash TEXT;
ALTER TABLE roles ADD COLUMN deleted_at TEXT;
ALTER TABLE governance_groups ADD COLUMN hash TEXT;
ALTER TABLE governance_groups ADD COLUMN deleted_at TEXT;

-- Access an identity holds: a role or access profile assigned to it, or an entitlement held
-- through one of its accounts (account_id is '' for roles and access profiles). source_id is
-- the source of an entitlement or access profile (NULL for a role): a scoped snapshot removes
-- the assignments of its sources only.
CREATE TABLE assignments (
	identity_id TEXT NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	access_type TEXT NOT NULL CHECK (access_type IN ('ROLE', 'ACCESS_PROFILE', 'ENTITLEMENT')),
	access_id   TEXT NOT NULL,
	account_id  TEXT NOT NULL DEFAULT '',
	source_id   TEXT,
	assigned    TEXT,
	end_date    TEXT,
	external_id TEXT,
	hash        TEXT NOT NULL,
	deleted_at  TEXT,
	PRIMARY KEY (identity_id, access_type, access_id, account_id)
) WITHOUT ROWID;
CREATE INDEX assignments_access ON assignments(access_type, access_id);

-- Every import that changed the inventory, numbered in order; campaigns name the version they
-- were generated from. counts is the import's report counts as JSON.
CREATE TABLE inventory_versions (
	version   INTEGER PRIMARY KEY,
	import_id TEXT NOT NULL,
	created   TEXT NOT NULL,
	counts    TEXT NOT NULL DEFAULT '{}'
);

-- The report of every import, kept for GET /certsum/v1/inventory/imports/{id}. report is the
-- certsum.ImportReport as JSON.
CREATE TABLE inventory_imports (
	id      TEXT PRIMARY KEY,
	created TEXT NOT NULL,
	status  TEXT NOT NULL,
	report  TEXT NOT NULL
);
CREATE INDEX inventory_imports_created ON inventory_imports(created, id);

-- A campaign's owner (the identity that created it: it reviews what has no other reviewer),
-- its SEARCH settings (JSON), and the inventory version it was generated from.
ALTER TABLE campaigns ADD COLUMN owner_id TEXT;
ALTER TABLE campaigns ADD COLUMN search_campaign_info TEXT;
-- filter_snapshot is the campaign filter (certsum.CampaignFilter) as it was when the
-- campaign was created: editing the filter later does not change the campaign.
ALTER TABLE campaigns ADD COLUMN filter_snapshot TEXT;
ALTER TABLE campaigns ADD COLUMN inventory_version INTEGER;

-- One revoked review item of a signed certification, to be carried out in the source: made
-- at sign-off (and when a campaign is completed) for every REVOKE, with what the reviewer
-- decided and what the access is. status is PENDING until an operator marks it COMPLETED
-- (completed_by, completed_at), or VERIFIED once an import no longer shows the access
-- (verified_at). auto_decided marks a revocation made by completing the campaign.
-- external_id is the source's id of the grant (a baton grant id) where the import gave one.
CREATE TABLE remediation_items (
	id                TEXT PRIMARY KEY,
	campaign_id       TEXT NOT NULL,
	cert_id           TEXT NOT NULL,
	item_id           TEXT NOT NULL UNIQUE,
	identity_id       TEXT NOT NULL,
	access_type       TEXT NOT NULL,
	access_id         TEXT NOT NULL,
	access_name       TEXT NOT NULL,
	account_id        TEXT,
	source_id         TEXT,
	reviewer_id       TEXT NOT NULL,
	decided_by        TEXT NOT NULL,
	decided_at        TEXT NOT NULL,
	comments          TEXT,
	proposed_end_date TEXT,
	auto_decided      INTEGER NOT NULL,
	external_id       TEXT,
	status            TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'VERIFIED')),
	created           TEXT NOT NULL,
	completed_by      TEXT,
	completed_at      TEXT,
	verified_at       TEXT
);
CREATE INDEX remediation_items_campaign ON remediation_items(campaign_id, status);
CREATE INDEX remediation_items_status ON remediation_items(status, identity_id);

-- Campaign filters (certsum.CampaignFilter); filter is the whole filter as JSON.
CREATE TABLE campaign_filters (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	filter   TEXT NOT NULL,
	created  TEXT NOT NULL,
	modified TEXT NOT NULL
);
CREATE INDEX campaign_filters_name ON campaign_filters(name, id);
