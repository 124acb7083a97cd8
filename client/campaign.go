package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"

	"github.com/certsum/certsum"
)

// The Certification Campaigns operations, for ORG_ADMIN and CERT_ADMIN callers.

// ListCampaigns lists campaigns with every detail (getActiveCampaigns, detail=FULL),
// filtered by o.Filters (attributes of certsum.CampaignSchema: id, name, status) and sorted
// by name or created.
func (c *Client) ListCampaigns(ctx context.Context, o ListOptions) (certsum.Page[certsum.Campaign], error) {
	q := o.values()
	q.Set("detail", "FULL")
	return list[certsum.Campaign](ctx, c, "getActiveCampaigns", "/campaigns", q)
}

// AllCampaigns walks every campaign ListCampaigns would list.
func (c *Client) AllCampaigns(ctx context.Context, o ListOptions) iter.Seq2[certsum.Campaign, error] {
	return walk(ctx, o, func(x certsum.Campaign) string { return x.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.Campaign], error) {
			return c.ListCampaigns(ctx, pageOptions(o, offset, limit, count))
		})
}

// GetCampaign returns one campaign with every detail (getCampaign, detail=FULL). Errors:
// not_found, forbidden.
func (c *Client) GetCampaign(ctx context.Context, id string) (*certsum.Campaign, error) {
	const op = "getCampaign"
	p, err := pathOf(op, "/campaigns/{id}", id)
	if err != nil {
		return nil, err
	}
	var out certsum.Campaign
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, query: map[string][]string{"detail": {"FULL"}},
		retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCampaign creates a campaign (createCampaign) and returns it PENDING; the server
// generates its certifications in the background, after which it is STAGED (or ERROR). It
// is not retried. Errors: invalid, reference, forbidden.
func (c *Client) CreateCampaign(ctx context.Context, k certsum.Campaign) (*certsum.Campaign, error) {
	const op = "createCampaign"
	body, err := json.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, certsum.Errorf(certsum.CodeInvalid, "encode body: %v", err))
	}
	var out certsum.Campaign
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/campaigns", body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StartCampaign activates a STAGED campaign (startCampaign); timeZone may be empty. Errors:
// conflict (not STAGED, no future deadline), not_found, forbidden.
func (c *Client) StartCampaign(ctx context.Context, id, timeZone string) error {
	const op = "startCampaign"
	p, err := pathOf(op, "/campaigns/{id}/activate", id)
	if err != nil {
		return err
	}
	body := []byte("{}")
	if timeZone != "" {
		body, _ = json.Marshal(map[string]string{"timeZone": timeZone})
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: p, body: body}, nil)
	return err
}

// CompleteCampaign completes an ACTIVE campaign past its deadline (completeCampaign): the
// undecided items get action (APPROVE, or REVOKE where the campaign allows it). Errors:
// conflict, not_found, forbidden.
func (c *Client) CompleteCampaign(ctx context.Context, id string, action certsum.Decision) error {
	const op = "completeCampaign"
	p, err := pathOf(op, "/campaigns/{id}/complete", id)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]certsum.Decision{"autoCompleteAction": action})
	_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: p, body: body}, nil)
	return err
}

// DeleteCampaigns deletes campaigns with their certifications (deleteCampaigns). Errors:
// invalid, not_found, forbidden.
func (c *Client) DeleteCampaigns(ctx context.Context, ids []string) error {
	const op = "deleteCampaigns"
	body, _ := json.Marshal(map[string][]string{"ids": ids})
	_, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/campaigns/delete", body: body}, nil)
	return err
}
