-- A campaign's reviewer progress (docs/rollups.md) in its two work orders, and the
-- certifications made by reassignment, straight from indexes: a page of a 10,000-certification
-- campaign reads its 50 rows instead of sorting them all. The expressions are those of
-- certsum.ReviewerProgressSchema's remaining and percent.
CREATE INDEX certifications_remaining ON certifications(campaign_id, (decisions_total - decisions_made) DESC, id COLLATE BINARY);
CREATE INDEX certifications_percent ON certifications(campaign_id,
	(CASE WHEN decisions_total = 0 THEN 1000 ELSE decisions_made * 1000 / decisions_total END), id COLLATE BINARY);
CREATE INDEX certifications_reassigned ON certifications(campaign_id) WHERE reassignment IS NOT NULL;
