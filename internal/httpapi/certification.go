package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// listCertifications serves listIdentityCertifications. ORG_ADMIN and CERT_ADMIN see every
// certification; anyone else sees only those they review (Decision 6). reviewer-identity
// narrows the list to one reviewer: "me" is the caller, any other value that identity.
// A caller who is not an admin may name only themselves; naming someone else is 403, which
// says plainly that the question is not theirs to ask instead of answering with an empty
// list that looks like "that reviewer has nothing".
func (s *server) listCertifications(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r.Context())
	if err != nil {
		return err
	}
	v := queryValues(r)
	var f certsum.CertificationFilter
	if v.Has("reviewer-identity") {
		switch rid := strings.TrimSpace(v.Get("reviewer-identity")); rid {
		case "":
			return certsum.Invalidf("reviewer-identity", "reviewer-identity must be an identity id or \"me\"")
		case "me":
			f.ReviewerID = p.IdentityID
		default:
			if rid != p.IdentityID && !p.IsAdmin() {
				return certsum.Errorf(certsum.CodeForbidden,
					"only ORG_ADMIN and CERT_ADMIN may list the certifications of another reviewer")
			}
			f.ReviewerID = rid
		}
	} else if !p.IsAdmin() {
		f.ReviewerID = p.IdentityID
	}
	q, err := ParseListParams(v, certsum.CertificationSchema)
	if err != nil {
		return err
	}
	return writeRaw(w, func(dst []byte) ([]byte, int, error) { return s.reader.AppendCertifications(r.Context(), dst, f, q) })
}

// getCertification serves getIdentityCertification.
func (s *server) getCertification(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	return writeRawValue(w, func(dst []byte) ([]byte, error) { return s.reader.AppendCertification(r.Context(), dst, id) })
}

// listReviewItems serves listIdentityAccessReviewItems.
func (s *server) listReviewItems(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, reviewAccess); err != nil {
		return err
	}
	v := queryValues(r)
	f, err := parseItemFilter(v)
	if err != nil {
		return err
	}
	q, err := ParseListParams(v, certsum.ReviewItemSchema)
	if err != nil {
		return err
	}
	return writeRaw(w, func(dst []byte) ([]byte, int, error) { return s.reader.AppendReviewItems(r.Context(), dst, id, f, q) })
}

// parseItemFilter reads the mutually exclusive entitlements / access-profiles / roles
// parameters: each a comma-separated list of access item ids.
func parseItemFilter(v url.Values) (certsum.ReviewItemFilter, error) {
	params := []struct {
		name string
		t    certsum.DtoType
	}{
		{"entitlements", certsum.TypeEntitlement},
		{"access-profiles", certsum.TypeAccessProfile},
		{"roles", certsum.TypeRole},
	}
	var f certsum.ReviewItemFilter
	var used string
	for _, p := range params {
		if !v.Has(p.name) {
			continue
		}
		if used != "" {
			return f, certsum.Invalidf(p.name, "%s and %s cannot be used together; use one of entitlements, access-profiles, roles", used, p.name)
		}
		if len(v[p.name]) > 1 {
			return f, certsum.Invalidf(p.name, "%s must be given once, as a comma-separated list of ids", p.name)
		}
		used = p.name
		var ids []string
		for _, id := range strings.Split(v.Get(p.name), ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return f, certsum.Invalidf(p.name, "%s must list at least one id", p.name)
		}
		if len(ids) > certsum.MaxAccessFilterIDs {
			return f, certsum.Invalidf(p.name, "%s lists %d ids; at most %d are allowed", p.name, len(ids), certsum.MaxAccessFilterIDs)
		}
		f = certsum.ReviewItemFilter{AccessType: p.t, AccessIDs: ids}
	}
	return f, nil
}

// decisionBody is one ReviewDecision as it arrives, with pointers so that a missing
// required key is told from a zero value.
type decisionBody struct {
	ID              *string                 `json:"id"`
	Decision        *certsum.Decision       `json:"decision"`
	ProposedEndDate *certsum.Time           `json:"proposedEndDate"`
	Bulk            *bool                   `json:"bulk"`
	Recommendation  *certsum.Recommendation `json:"recommendation"`
	Comments        *string                 `json:"comments"`
}

// parseDecisions turns a decide body into decisions: every required key present (id,
// decision, bulk), then the request rules of certsum.ValidateDecisions. The rules that need
// the certification (ids belong to it, the campaign's comment requirement, phase) are the
// store's.
func parseDecisions(in []decisionBody, now time.Time) ([]certsum.ReviewDecision, error) {
	if len(in) > certsum.MaxDecisions {
		return nil, certsum.Invalidf("body", "the body lists %d decisions; at most %d are allowed", len(in), certsum.MaxDecisions)
	}
	out := make([]certsum.ReviewDecision, len(in))
	for i, d := range in {
		field := func(key string) string { return fmt.Sprintf("[%d].%s", i, key) }
		switch {
		case d.ID == nil:
			return nil, certsum.Invalidf(field("id"), "decision %d: id is required", i)
		case d.Decision == nil:
			return nil, certsum.Invalidf(field("decision"), "decision %d: decision is required", i)
		case d.Bulk == nil:
			return nil, certsum.Invalidf(field("bulk"), "decision %d: bulk is required", i)
		}
		out[i] = certsum.ReviewDecision{
			ID: *d.ID, Decision: *d.Decision, ProposedEndDate: d.ProposedEndDate, Bulk: d.Bulk,
			Recommendation: d.Recommendation, Comments: d.Comments,
		}
	}
	if err := certsum.ValidateDecisions(out, now); err != nil {
		return nil, err
	}
	return out, nil
}

// decide serves makeIdentityDecision: all or nothing, idempotent, answered with the updated
// certification.
func (s *server) decide(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	p, _, err := s.authorize(r.Context(), id, reviewAccess)
	if err != nil {
		return err
	}
	var body []decisionBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body == nil {
		return asContent(certsum.Invalidf("body", "the body must be an array of decisions, not null"))
	}
	decisions, err := parseDecisions(body, s.now())
	if err != nil {
		return asContent(err)
	}
	c, err := s.store.Decide(r.Context(), id, p.IdentityID, decisions)
	if err != nil {
		return asContent(err)
	}
	if s.obs != nil {
		s.obs.ObserveDecisions(decisions)
	}
	return writeJSON(w, http.StatusOK, c, -1)
}

// signOff serves signOffIdentityCertification. The operation has no body; one sent anyway is
// ignored.
func (s *server) signOff(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	p, _, err := s.authorize(r.Context(), id, reviewAccess)
	if err != nil {
		return err
	}
	c, err := s.store.SignOff(r.Context(), id, p.IdentityID)
	if err != nil {
		return asContent(err)
	}
	return writeJSON(w, http.StatusOK, c, -1)
}

// reassignBody is ReviewReassign as it arrives; every key is required.
type reassignBody struct {
	Reassign   *[]reassignRefBody `json:"reassign"`
	ReassignTo *string            `json:"reassignTo"`
	Reason     *string            `json:"reason"`
}

// reassignRefBody is one ReassignReference as it arrives.
type reassignRefBody struct {
	ID   *string               `json:"id"`
	Type *certsum.ReassignType `json:"type"`
}

// parseReassign turns a reassign body into a request: every required key present, then the
// request rules of certsum.ValidateReassign.
func parseReassign(b reassignBody) (certsum.ReviewReassign, error) {
	var out certsum.ReviewReassign
	switch {
	case b.Reassign == nil || *b.Reassign == nil:
		return out, certsum.Invalidf("reassign", "reassign is required: a list of the items or identity summaries to reassign")
	case b.ReassignTo == nil:
		return out, certsum.Invalidf("reassignTo", "reassignTo is required: the id of the identity to reassign to")
	case b.Reason == nil:
		return out, certsum.Invalidf("reason", "reason is required and must not be empty")
	case len(*b.Reassign) > certsum.MaxReassignReferences:
		return out, certsum.Invalidf("reassign", "reassign lists %d references; at most %d are allowed", len(*b.Reassign), certsum.MaxReassignReferences)
	}
	out.ReassignTo, out.Reason = *b.ReassignTo, *b.Reason
	out.Reassign = make([]certsum.ReassignReference, len(*b.Reassign))
	for i, ref := range *b.Reassign {
		at := fmt.Sprintf("reassign[%d]", i)
		switch {
		case ref.ID == nil:
			return out, certsum.Invalidf(at+".id", "%s: id is required", at)
		case ref.Type == nil:
			return out, certsum.Invalidf(at+".type", "%s: type is required", at)
		}
		out.Reassign[i] = certsum.ReassignReference{ID: *ref.ID, Type: *ref.Type}
	}
	if err := certsum.ValidateReassign(out); err != nil {
		return out, err
	}
	return out, nil
}

// reassign serves reassignIdentityCertifications and answers with the source certification.
func (s *server) reassign(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	p, _, err := s.authorize(r.Context(), id, reviewAccess)
	if err != nil {
		return err
	}
	var body reassignBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	req, err := parseReassign(body)
	if err != nil {
		return asContent(err)
	}
	c, err := s.store.Reassign(r.Context(), id, p.IdentityID, req)
	if err != nil {
		return asContent(err)
	}
	return writeJSON(w, http.StatusOK, c, -1)
}

// listReviewers serves listCertificationReviewers.
func (s *server) listReviewers(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	q, err := ParseListParams(queryValues(r), certsum.ReviewerSchema)
	if err != nil {
		return err
	}
	page, err := s.store.ListReviewers(r.Context(), id, q)
	if err != nil {
		return err
	}
	return writePage(w, page, q)
}

// listPermissions serves getIdentityCertificationItemPermissions: limit, offset, count and
// filters, but no sorters (PermissionSchema has no sortable field, so any sorter is a 400).
func (s *server) listPermissions(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("certificationId")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	q, err := ParseListParams(queryValues(r), certsum.PermissionSchema)
	if err != nil {
		return err
	}
	page, err := s.store.ListItemPermissions(r.Context(), id, r.PathValue("itemId"), q)
	if err != nil {
		return err
	}
	return writePage(w, page, q)
}
