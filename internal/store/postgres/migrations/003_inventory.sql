-- The imported inventory (docs/import.md): the values an import keeps beside those the review
-- views read, a content hash and a soft-removal time on every imported object, the
-- assignments campaigns are generated from, and the inventory versions and import reports.
-- hash is the content hash of the object as last imported (NULL for objects that no import
-- wrote); deleted_at is when a snapshot import removed it (NULL while it is in the
-- inventory). Removed objects stay, because past campaigns name them. An account can belong
-- to no identity (an uncorrelated account).

ALTER TABLE identities ADD COLUMN display_name text;
ALTER TABLE identities ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive'));
ALTER TABLE identities ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE identities ADD COLUMN hash text;
ALTER TABLE identities ADD COLUMN deleted_at timestamptz;
-- Generation reads identities in manager order, then by id.
DROP INDEX identities_manager;
CREATE INDEX identities_manager ON identities(manager_id, id);

ALTER TABLE sources ADD COLUMN authoritative boolean NOT NULL DEFAULT false;
ALTER TABLE sources ADD COLUMN description text NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN hash text;
ALTER TABLE sources ADD COLUMN deleted_at timestamptz;

ALTER TABLE accounts ALTER COLUMN identity_id DROP NOT NULL;
ALTER TABLE accounts ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN hash text;
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
CREATE INDEX accounts_source ON accounts(source_id);

ALTER TABLE entitlements ADD COLUMN hash text;
ALTER TABLE entitlements ADD COLUMN deleted_at timestamptz;
CREATE INDEX entitlements_source ON entitlements(source_id);
ALTER TABLE access_profiles ADD COLUMN hash text;
ALTER TABLE access_profiles ADD COLUMN deleted_at timestamptz;
ALTER TABLE roles ADD COLUMN hash text;
ALTER TABLE roles ADD COLUMN deleted_at timestamptz;
ALTER TABLE governance_groups ADD COLUMN hash text;
ALTER TABLE governance_groups ADD COLUMN deleted_at timestamptz;

-- Access an identity holds: a role or access profile assigned to it, or an entitlement held
-- through one of its accounts (account_id is '' for roles and access profiles). source_id is
-- the source of an entitlement or access profile (NULL for a role): a scoped snapshot removes
-- the assignments of its sources only.
CREATE TABLE assignments (
	identity_id text COLLATE "C" NOT NULL REFERENCES identities(id) DEFERRABLE INITIALLY DEFERRED,
	access_type text NOT NULL CHECK (access_type IN ('ROLE', 'ACCESS_PROFILE', 'ENTITLEMENT')),
	access_id   text COLLATE "C" NOT NULL,
	account_id  text COLLATE "C" NOT NULL DEFAULT '',
	source_id   text COLLATE "C",
	assigned    timestamptz,
	end_date    timestamptz,
	external_id text,
	hash        text NOT NULL,
	deleted_at  timestamptz,
	PRIMARY KEY (identity_id, access_type, access_id, account_id)
);
CREATE INDEX assignments_access ON assignments(access_type, access_id);

-- Every import that changed the inventory, numbered in order; campaigns name the version they
-- were generated from. counts is the import's report counts.
CREATE TABLE inventory_versions (
	version   bigint PRIMARY KEY,
	import_id text NOT NULL,
	created   timestamptz NOT NULL,
	counts    jsonb NOT NULL DEFAULT '{}'
);

-- The report of every import, kept for GET /certsum/v1/inventory/imports/{id}. report is the
-- certsum.ImportReport.
CREATE TABLE inventory_imports (
	id      text COLLATE "C" PRIMARY KEY,
	created timestamptz NOT NULL,
	status  text NOT NULL,
	report  jsonb NOT NULL
);
CREATE INDEX inventory_imports_created ON inventory_imports(created, id);

-- A campaign's owner (the identity that created it: it reviews what has no other reviewer),
-- its SEARCH settings (JSON), and the inventory version it was generated from.
ALTER TABLE campaigns ADD COLUMN owner_id text;
ALTER TABLE campaigns ADD COLUMN search_campaign_info jsonb;
-- filter_snapshot is the campaign filter (certsum.CampaignFilter) as it was when the
-- campaign was created: editing the filter later does not change the campaign.
ALTER TABLE campaigns ADD COLUMN filter_snapshot jsonb;
ALTER TABLE campaigns ADD COLUMN inventory_version bigint;

-- One revoked review item of a signed certification, to be carried out in the source: made
-- at sign-off (and when a campaign is completed) for every REVOKE, with what the reviewer
-- decided and what the access is. status is PENDING until an operator marks it COMPLETED
-- (completed_by, completed_at), or VERIFIED once an import no longer shows the access
-- (verified_at). auto_decided marks a revocation made by completing the campaign.
-- external_id is the source's id of the grant (a baton grant id) where the import gave one.
CREATE TABLE remediation_items (
	id                text COLLATE "C" PRIMARY KEY,
	campaign_id       text COLLATE "C" NOT NULL,
	cert_id           text COLLATE "C" NOT NULL,
	item_id           text COLLATE "C" NOT NULL UNIQUE,
	identity_id       text COLLATE "C" NOT NULL,
	access_type       text NOT NULL,
	access_id         text COLLATE "C" NOT NULL,
	access_name       text NOT NULL,
	account_id        text COLLATE "C",
	source_id         text COLLATE "C",
	reviewer_id       text COLLATE "C" NOT NULL,
	decided_by        text NOT NULL,
	decided_at        timestamptz NOT NULL,
	comments          text,
	proposed_end_date timestamptz,
	auto_decided      boolean NOT NULL,
	external_id       text,
	status            text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'VERIFIED')),
	created           timestamptz NOT NULL,
	completed_by      text,
	completed_at      timestamptz,
	verified_at       timestamptz
);
CREATE INDEX remediation_items_campaign ON remediation_items(campaign_id, status);
CREATE INDEX remediation_items_status ON remediation_items(status, identity_id);

-- Campaign filters (certsum.CampaignFilter); filter is the whole filter as JSON.
CREATE TABLE campaign_filters (
	id       text COLLATE "C" PRIMARY KEY,
	name     text COLLATE "C" NOT NULL,
	filter   jsonb NOT NULL,
	created  timestamptz NOT NULL,
	modified timestamptz NOT NULL
);
CREATE INDEX campaign_filters_name ON campaign_filters(name, id);
