package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/certsum/certsum"
)

// GetIdentityAccessSummaries lists the distinct access items of type t (ROLE,
// ACCESS_PROFILE or ENTITLEMENT) under review in a certification
// (getIdentityAccessSummaries), filtered by o.Filters (attributes of
// certsum.AccessSummarySchema, completed included). The server rejects any other type with
// CodeInvalid.
func (c *Client) GetIdentityAccessSummaries(ctx context.Context, certID string, t certsum.DtoType, o ListOptions) (certsum.Page[certsum.AccessSummary], error) {
	const op = "getIdentityAccessSummaries"
	p, err := pathOf(op, "/certifications/{id}/access-summaries/{type}", certID, string(t))
	if err != nil {
		return certsum.Page[certsum.AccessSummary]{}, err
	}
	return list[certsum.AccessSummary](ctx, c, op, p, o.values())
}

// AllIdentityAccessSummaries walks every access summary GetIdentityAccessSummaries would
// list.
func (c *Client) AllIdentityAccessSummaries(ctx context.Context, certID string, t certsum.DtoType, o ListOptions) iter.Seq2[certsum.AccessSummary, error] {
	return walk(ctx, o, func(x certsum.AccessSummary) string { return string(x.Access.Type) + "\x00" + x.Access.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.AccessSummary], error) {
			return c.GetIdentityAccessSummaries(ctx, certID, t, pageOptions(o, offset, limit, count))
		})
}

// GetIdentityDecisionSummary counts a certification's decisions by access type
// (getIdentityDecisionSummary), restricted to some identity summaries by o.Filters.
func (c *Client) GetIdentityDecisionSummary(ctx context.Context, certID string, o DecisionSummaryOptions) (*certsum.DecisionSummary, error) {
	const op = "getIdentityDecisionSummary"
	p, err := pathOf(op, "/certifications/{id}/decision-summary", certID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if strings.TrimSpace(o.Filters) != "" {
		q.Set("filters", o.Filters)
	}
	var out certsum.DecisionSummary
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, query: q, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetIdentitySummaries lists the identities under review in a certification
// (getIdentitySummaries), filtered by o.Filters (attributes of
// certsum.IdentitySummarySchema).
func (c *Client) GetIdentitySummaries(ctx context.Context, certID string, o ListOptions) (certsum.Page[certsum.IdentitySummary], error) {
	const op = "getIdentitySummaries"
	p, err := pathOf(op, "/certifications/{id}/identity-summaries", certID)
	if err != nil {
		return certsum.Page[certsum.IdentitySummary]{}, err
	}
	return list[certsum.IdentitySummary](ctx, c, op, p, o.values())
}

// AllIdentitySummaries walks every identity summary GetIdentitySummaries would list.
func (c *Client) AllIdentitySummaries(ctx context.Context, certID string, o ListOptions) iter.Seq2[certsum.IdentitySummary, error] {
	return walk(ctx, o, func(x certsum.IdentitySummary) string { return x.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.IdentitySummary], error) {
			return c.GetIdentitySummaries(ctx, certID, pageOptions(o, offset, limit, count))
		})
}

// GetIdentitySummary returns one identity summary of a certification (getIdentitySummary).
// summaryID is the summary's id, not the identity's. Errors: not_found.
func (c *Client) GetIdentitySummary(ctx context.Context, certID, summaryID string) (*certsum.IdentitySummary, error) {
	const op = "getIdentitySummary"
	p, err := pathOf(op, "/certifications/{id}/identity-summaries/{identitySummaryId}", certID, summaryID)
	if err != nil {
		return nil, err
	}
	var out certsum.IdentitySummary
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
