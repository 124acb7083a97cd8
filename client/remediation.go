package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/certsum/certsum"
)

// Remediation: certsum's own routes under /certsum/v1, for ORG_ADMIN and CERT_ADMIN callers.

// ListRemediations returns the remediation items f selects (every revocation of a signed
// certification), oldest first.
func (c *Client) ListRemediations(ctx context.Context, f certsum.RemediationFilter) ([]certsum.RemediationItem, error) {
	q := url.Values{}
	if f.CampaignID != "" {
		q.Set("campaignId", f.CampaignID)
	}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	var out []certsum.RemediationItem
	if _, err := c.do(ctx, call{op: "listRemediations", method: http.MethodGet, path: "/remediations", query: q, admin: true,
		retry: true}, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []certsum.RemediationItem{}
	}
	return out, nil
}

// CountRemediations counts a campaign's remediation items ("" for all) by status.
func (c *Client) CountRemediations(ctx context.Context, campaignID string) (*certsum.RemediationCounts, error) {
	q := url.Values{}
	if campaignID != "" {
		q.Set("campaignId", campaignID)
	}
	var out certsum.RemediationCounts
	if _, err := c.do(ctx, call{op: "countRemediations", method: http.MethodGet, path: "/remediations/summary", query: q,
		admin: true, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CompleteRemediations marks PENDING remediation items COMPLETED (carried out in the source)
// and returns how many changed.
func (c *Client) CompleteRemediations(ctx context.Context, ids []string) (int, error) {
	const op = "completeRemediations"
	body, err := json.Marshal(map[string][]string{"ids": ids})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, certsum.Errorf(certsum.CodeInvalid, "encode body: %v", err))
	}
	var out struct {
		Completed int `json:"completed"`
	}
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/remediations/complete", body: body, admin: true, retry: true},
		&out); err != nil {
		return 0, err
	}
	return out.Completed, nil
}
