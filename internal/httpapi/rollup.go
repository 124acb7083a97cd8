package httpapi

import (
	"net/http"

	"github.com/certsum/certsum"
)

// The campaign roll-ups (docs/rollups.md, docs/openapi/certsum-rollups.openapi.json): a
// campaign's figures in one call and its reviewers' progress, for the users who may list
// campaigns (campaignReaders).

// getCampaignRollup serves GET /certsum/v1/campaigns/{id}/rollup.
func (s *server) getCampaignRollup(w http.ResponseWriter, r *http.Request) error {
	rollup, err := s.store.CampaignRollup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rollup, -1)
}

// listCampaignReviewers serves GET /certsum/v1/campaigns/{id}/reviewers: limit, offset,
// count, filters and sorters of certsum.ReviewerProgressSchema.
func (s *server) listCampaignReviewers(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseListParams(queryValues(r), certsum.ReviewerProgressSchema)
	if err != nil {
		return err
	}
	page, err := s.store.ListReviewerProgress(r.Context(), r.PathValue("id"), q)
	if err != nil {
		return err
	}
	total := -1
	if q.Count {
		total = page.Total
	}
	return writeJSON(w, http.StatusOK, page.Items, total)
}
