-- A campaign's reviewer progress (docs/rollups.md) in its two work orders, and the
-- certifications made by reassignment, straight from indexes: a page of a 10,000-certification
-- campaign reads its 50 rows instead of sorting them all. The expressions and orders are
-- those certsum.ReviewerProgressSchema's remaining and percent compile to.
CREATE INDEX certifications_remaining ON certifications(campaign_id, (decisions_total - decisions_made) DESC NULLS LAST,
	id COLLATE "C" NULLS FIRST);
CREATE INDEX certifications_percent ON certifications(campaign_id,
	(CASE WHEN decisions_total = 0 THEN 1000 ELSE decisions_made * 1000 / decisions_total END) NULLS FIRST,
	id COLLATE "C" NULLS FIRST);
CREATE INDEX certifications_reassigned ON certifications(campaign_id) WHERE reassignment IS NOT NULL;
