-- A campaign's decision and identity counters, kept beside its certifications' so that its
-- roll-up (docs/rollups.md) reads a few rows instead of one per certification. Each write that
-- changes a certification's counters adds the same change to one of its campaign's stripes
-- (chosen by the certification), so that writers to different certifications of one campaign
-- seldom wait for each other; a campaign's counters are the sum of its stripes. Bulk writes
-- (load, generation, completion, repair) rewrite a campaign's stripes from its certifications.
CREATE TABLE campaign_counters (
	campaign_id          TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	stripe               INTEGER NOT NULL,
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
	identities_total     INTEGER NOT NULL DEFAULT 0,
	identities_completed INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (campaign_id, stripe)
);

INSERT INTO campaign_counters (campaign_id, stripe, ent_total, ent_approved, ent_revoked, ap_total, ap_approved,
	ap_revoked, role_total, role_approved, role_revoked, acct_total, acct_approved, acct_revoked, identities_total,
	identities_completed)
SELECT campaign_id, 0, SUM(ent_total), SUM(ent_approved), SUM(ent_revoked), SUM(ap_total), SUM(ap_approved),
	SUM(ap_revoked), SUM(role_total), SUM(role_approved), SUM(role_revoked), SUM(acct_total), SUM(acct_approved),
	SUM(acct_revoked), SUM(identities_total), SUM(identities_completed)
FROM certifications GROUP BY campaign_id;
