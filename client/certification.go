package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/certsum/certsum"
)

// ListIdentityCertifications lists certifications (listIdentityCertifications): every
// certification for an administrator, the caller's own otherwise, narrowed by
// o.ReviewerIdentity and o.Filters (attributes of certsum.CertificationSchema).
func (c *Client) ListIdentityCertifications(ctx context.Context, o CertificationListOptions) (certsum.Page[certsum.Certification], error) {
	q := o.values()
	if o.ReviewerIdentity != "" {
		q.Set("reviewer-identity", o.ReviewerIdentity)
	}
	return list[certsum.Certification](ctx, c, "listIdentityCertifications", "/certifications", q)
}

// AllIdentityCertifications walks every certification ListIdentityCertifications would
// list, page by page (see ListOptions.Progress).
func (c *Client) AllIdentityCertifications(ctx context.Context, o CertificationListOptions) iter.Seq2[certsum.Certification, error] {
	return walk(ctx, o.ListOptions, func(x certsum.Certification) string { return x.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.Certification], error) {
			p := o
			p.ListOptions = pageOptions(o.ListOptions, offset, limit, count)
			return c.ListIdentityCertifications(ctx, p)
		})
}

// GetIdentityCertification returns one certification (getIdentityCertification). Errors:
// not_found, forbidden.
func (c *Client) GetIdentityCertification(ctx context.Context, id string) (*certsum.Certification, error) {
	const op = "getIdentityCertification"
	p, err := pathOf(op, "/certifications/{id}", id)
	if err != nil {
		return nil, err
	}
	var out certsum.Certification
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListIdentityAccessReviewItems lists a certification's review items
// (listIdentityAccessReviewItems), filtered by o.Filters (attributes of
// certsum.ReviewItemSchema) and by at most one of o.Entitlements, o.AccessProfiles, o.Roles.
func (c *Client) ListIdentityAccessReviewItems(ctx context.Context, certID string, o ReviewItemListOptions) (certsum.Page[certsum.AccessReviewItem], error) {
	const op = "listIdentityAccessReviewItems"
	p, err := pathOf(op, "/certifications/{id}/access-review-items", certID)
	if err != nil {
		return certsum.Page[certsum.AccessReviewItem]{}, err
	}
	q := o.values()
	for name, ids := range map[string][]string{"entitlements": o.Entitlements, "access-profiles": o.AccessProfiles, "roles": o.Roles} {
		if len(ids) > 0 {
			q.Set(name, strings.Join(ids, ","))
		}
	}
	return list[certsum.AccessReviewItem](ctx, c, op, p, q)
}

// AllIdentityAccessReviewItems walks every review item ListIdentityAccessReviewItems would
// list, page by page.
func (c *Client) AllIdentityAccessReviewItems(ctx context.Context, certID string, o ReviewItemListOptions) iter.Seq2[certsum.AccessReviewItem, error] {
	return walk(ctx, o.ListOptions, func(x certsum.AccessReviewItem) string { return x.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.AccessReviewItem], error) {
			p := o
			p.ListOptions = pageOptions(o.ListOptions, offset, limit, count)
			return c.ListIdentityAccessReviewItems(ctx, certID, p)
		})
}

// MakeIdentityDecision records 1 to 250 decisions on review items of a certification
// (makeIdentityDecision), all or nothing, and returns the updated certification. A decision
// whose Bulk is nil is sent with bulk false (the key is required). The server makes decide
// idempotent, so the request is retried after 5xx and connection errors like a read.
// Errors: invalid, reference (an id not in the certification), conflict (not active,
// signed), not_found, forbidden.
func (c *Client) MakeIdentityDecision(ctx context.Context, certID string, decisions []certsum.ReviewDecision) (*certsum.Certification, error) {
	const op = "makeIdentityDecision"
	p, err := pathOf(op, "/certifications/{id}/decide", certID)
	if err != nil {
		return nil, err
	}
	body := make([]certsum.ReviewDecision, len(decisions))
	copy(body, decisions)
	for i := range body {
		if body[i].Bulk == nil {
			f := false
			body[i].Bulk = &f
		}
	}
	return c.postCertification(ctx, call{op: op, method: http.MethodPost, path: p, retry: true}, body)
}

// SignOffIdentityCertification signs a certification off once every item is decided
// (signOffIdentityCertification) and returns it. It is not retried: a second sign-off is an
// error. Errors: conflict (open items, already signed), not_found, forbidden.
func (c *Client) SignOffIdentityCertification(ctx context.Context, certID string) (*certsum.Certification, error) {
	const op = "signOffIdentityCertification"
	p, err := pathOf(op, "/certifications/{id}/sign-off", certID)
	if err != nil {
		return nil, err
	}
	return c.postCertification(ctx, call{op: op, method: http.MethodPost, path: p}, nil)
}

// ReassignIdentityCertifications moves review items or identity summaries to another
// reviewer's certification in the same campaign (reassignIdentityCertifications) and returns
// the source certification. It is not retried. Errors: invalid, reference, conflict,
// not_found, forbidden.
func (c *Client) ReassignIdentityCertifications(ctx context.Context, certID string, r certsum.ReviewReassign) (*certsum.Certification, error) {
	const op = "reassignIdentityCertifications"
	p, err := pathOf(op, "/certifications/{id}/reassign", certID)
	if err != nil {
		return nil, err
	}
	if r.Reassign == nil {
		r.Reassign = []certsum.ReassignReference{}
	}
	return c.postCertification(ctx, call{op: op, method: http.MethodPost, path: p}, r)
}

// postCertification sends body as JSON (none when nil) and decodes a certification.
func (c *Client) postCertification(ctx context.Context, cl call, body any) (*certsum.Certification, error) {
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cl.op, certsum.Errorf(certsum.CodeInvalid, "encode body: %v", err))
		}
		cl.body = b
	}
	var out certsum.Certification
	if _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListCertificationReviewers lists the identities who review a certification
// (listCertificationReviewers), filtered by o.Filters (attributes of certsum.ReviewerSchema).
func (c *Client) ListCertificationReviewers(ctx context.Context, certID string, o ListOptions) (certsum.Page[certsum.IdentityReference], error) {
	const op = "listCertificationReviewers"
	p, err := pathOf(op, "/certifications/{id}/reviewers", certID)
	if err != nil {
		return certsum.Page[certsum.IdentityReference]{}, err
	}
	return list[certsum.IdentityReference](ctx, c, op, p, o.values())
}

// AllCertificationReviewers walks every reviewer ListCertificationReviewers would list.
func (c *Client) AllCertificationReviewers(ctx context.Context, certID string, o ListOptions) iter.Seq2[certsum.IdentityReference, error] {
	return walk(ctx, o, func(x certsum.IdentityReference) string { return x.ID },
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.IdentityReference], error) {
			return c.ListCertificationReviewers(ctx, certID, pageOptions(o, offset, limit, count))
		})
}

// GetIdentityCertificationItemPermissions lists the permissions of a review item's
// entitlement (getIdentityCertificationItemPermissions), filtered by o.Filters (one target
// and one rights filter at most, joined by and/or). The operation has no sorters: setting
// o.Sorters is a CodeInvalid error.
func (c *Client) GetIdentityCertificationItemPermissions(ctx context.Context, certID, itemID string, o ListOptions) (certsum.Page[certsum.Permission], error) {
	const op = "getIdentityCertificationItemPermissions"
	if o.Sorters != "" {
		return certsum.Page[certsum.Permission]{}, fmt.Errorf("%s: %w", op,
			certsum.Invalidf("sorters", "permissions cannot be sorted; they come in target order"))
	}
	p, err := pathOf(op, "/certifications/{certificationId}/access-review-items/{itemId}/permissions", certID, itemID)
	if err != nil {
		return certsum.Page[certsum.Permission]{}, err
	}
	return list[certsum.Permission](ctx, c, op, p, o.values())
}

// AllIdentityCertificationItemPermissions walks every permission
// GetIdentityCertificationItemPermissions would list. Permissions have no id, so a
// collection that changes while it is walked may yield one twice.
func (c *Client) AllIdentityCertificationItemPermissions(ctx context.Context, certID, itemID string, o ListOptions) iter.Seq2[certsum.Permission, error] {
	return walk(ctx, o, nil,
		func(ctx context.Context, offset, limit int, count bool) (certsum.Page[certsum.Permission], error) {
			return c.GetIdentityCertificationItemPermissions(ctx, certID, itemID, pageOptions(o, offset, limit, count))
		})
}

// list fetches one page of a collection.
func list[T any](ctx context.Context, c *Client, op, path string, q url.Values) (certsum.Page[T], error) {
	var items []T
	h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q, retry: true}, &items)
	if err != nil {
		return certsum.Page[T]{}, err
	}
	if items == nil {
		items = []T{}
	}
	total := -1
	if q.Get("count") == "true" {
		if total, err = totalCount(h); err != nil {
			return certsum.Page[T]{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return certsum.Page[T]{Items: items, Total: total}, nil
}

// pathOf fills the {…} placeholders of a path template with the escaped args, in order. An
// empty argument is a CodeInvalid error naming the placeholder: sending it would address a
// different resource (an empty id turns /certifications/{id} into the list).
func pathOf(op, template string, args ...string) (string, error) {
	var b strings.Builder
	rest := template
	for _, a := range args {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			panic("client: path template " + template + " has fewer placeholders than arguments")
		}
		name := rest[i+1 : j]
		if strings.TrimSpace(a) == "" {
			return "", fmt.Errorf("%s: %w", op, certsum.Invalidf(name, "%s must not be empty", name))
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(a))
		rest = rest[j+1:]
	}
	b.WriteString(rest)
	return b.String(), nil
}
