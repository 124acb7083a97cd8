package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/certsum/certsum"
)

// CampaignRollup returns a campaign's figures (GET /certsum/v1/campaigns/{id}/rollup).
// Errors: not_found, forbidden.
func (c *Client) CampaignRollup(ctx context.Context, campaignID string) (*certsum.CampaignRollup, error) {
	const op = "getCampaignRollup"
	p, err := pathOf(op, "/campaigns/{id}/rollup", campaignID)
	if err != nil {
		return nil, err
	}
	var out certsum.CampaignRollup
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, admin: true, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListCampaignReviewers returns one page of a campaign's reviewers' progress
// (GET /certsum/v1/campaigns/{id}/reviewers, certsum.ReviewerProgressSchema). Errors:
// not_found, invalid, forbidden.
func (c *Client) ListCampaignReviewers(ctx context.Context, campaignID string, o ListOptions) (certsum.Page[certsum.ReviewerProgress], error) {
	const op = "listCampaignReviewers"
	p, err := pathOf(op, "/campaigns/{id}/reviewers", campaignID)
	if err != nil {
		return certsum.Page[certsum.ReviewerProgress]{}, err
	}
	q := o.values()
	var items []certsum.ReviewerProgress
	h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, query: q, admin: true, retry: true}, &items)
	if err != nil {
		return certsum.Page[certsum.ReviewerProgress]{}, err
	}
	if items == nil {
		items = []certsum.ReviewerProgress{}
	}
	total := -1
	if q.Get("count") == "true" {
		if total, err = totalCount(h); err != nil {
			return certsum.Page[certsum.ReviewerProgress]{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return certsum.Page[certsum.ReviewerProgress]{Items: items, Total: total}, nil
}

// AllCampaignReviewers walks every row ListCampaignReviewers would list.
func (c *Client) AllCampaignReviewers(ctx context.Context, campaignID string, o ListOptions) iter.Seq2[certsum.ReviewerProgress, error] {
	return walk(ctx, o, func(x certsum.ReviewerProgress) string { return x.CertificationID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.ReviewerProgress], error) {
			return c.ListCampaignReviewers(ctx, campaignID, pageOptions(o, offset, limit, count))
		})
}
