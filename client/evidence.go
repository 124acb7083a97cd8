package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/certsum/certsum"
)

// Evidence downloads the audit evidence ZIP of a campaign or a certification
// (GET /certsum/v1/evidence, docs/evidence.md) into w and returns its size. It is not
// retried: a download that broke off has written part of w. Errors: invalid, not_found,
// forbidden, and a broken download (internal).
func (c *Client) Evidence(ctx context.Context, scope certsum.EvidenceScope, w io.Writer) (int64, error) {
	const op = "getEvidence"
	if err := scope.Check(); err != nil {
		return 0, err
	}
	q := url.Values{}
	if scope.CampaignID != "" {
		q.Set("campaignId", scope.CampaignID)
	} else {
		q.Set("certificationId", scope.CertificationID)
	}
	d := &download{w: w}
	_, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/evidence", query: q, admin: true}, d)
	return d.n, err
}
