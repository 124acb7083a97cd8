package certsum

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the write requests. Every layer that checks a request (the HTTP handlers, both
// storage backends, the client and the CLI) uses these, so a request is refused the same way
// wherever it enters.
const (
	// MaxDecisions is how many decisions one decide request may carry (the spec's maxItems).
	MaxDecisions = 250
	// MaxReassignReferences is how many items or identity summaries one reassign request may
	// move (the spec's maxItems).
	MaxReassignReferences = 50
	// MaxAccessFilterIDs is how many ids the entitlements, access-profiles and roles
	// parameters of listIdentityAccessReviewItems may list.
	MaxAccessFilterIDs = 250
	// MaxTextLength is the most characters (Unicode code points) of any free-text field a
	// client writes: decision comments, a reassignment's reason, each reason of a
	// recommendation. SailPoint does not publish a bound; certsum chooses one that fits
	// every real comment and keeps the append-only audit trail from being used as a dump.
	MaxTextLength = 4096
	// MaxRecommendationReasons is how many reasons a decision's recommendation may carry.
	MaxRecommendationReasons = 20
	// MaxIDLength is the longest id a request may name; longer ones cannot exist.
	MaxIDLength = 255
)

// RecommendationValues are the values ReviewRecommendation.recommendation may take besides
// null: the decision the recommendation advised (APPROVE, REVOKE, as certifications show
// it) and the answers of SailPoint's recommendation service (YES, NO, MAYBE, NOT_FOUND).
var RecommendationValues = []string{"APPROVE", "REVOKE", "YES", "NO", "MAYBE", "NOT_FOUND"}

// decisionAt names decision i of a request the one way certsum's messages do.
func decisionAt(i int) string { return fmt.Sprintf("decision %d", i) }

// decisionField is the Field of an error about a key of decision i.
func decisionField(i int, key string) string { return fmt.Sprintf("[%d].%s", i, key) }

// CheckText refuses a free-text value longer than MaxTextLength characters; what names the
// value in the message ("decision 2: comments", "reason").
func CheckText(field, what, s string) error {
	if len(s) > MaxTextLength && utf8.RuneCountInString(s) > MaxTextLength {
		return Invalidf(field, "%s has %d characters; at most %d are allowed", what, utf8.RuneCountInString(s), MaxTextLength)
	}
	return nil
}

// ValidateDecisions checks a decide request without the stored certification: 1 to
// MaxDecisions decisions; each with an id, APPROVE or REVOKE and bulk; proposedEndDate only
// on REVOKE and after now (the spec: "the date at which a user's access should be taken
// away"); comments and recommendation reasons within MaxTextLength; a recommendation of
// RecommendationValues or null; no item twice. Errors are CodeInvalid with Field "[i].key"
// and a message that starts "decision i: ".
func ValidateDecisions(ds []ReviewDecision, now time.Time) error {
	if len(ds) == 0 {
		return Invalidf("body", "the body must list at least one decision")
	}
	if len(ds) > MaxDecisions {
		return Invalidf("body", "the body lists %d decisions; at most %d are allowed", len(ds), MaxDecisions)
	}
	seen := make(map[string]int, len(ds))
	for i, d := range ds {
		at := decisionAt(i)
		switch {
		case strings.TrimSpace(d.ID) == "":
			return Invalidf(decisionField(i, "id"), "%s: id must not be empty", at)
		case len(d.ID) > MaxIDLength:
			return Invalidf(decisionField(i, "id"), "%s: id has %d bytes; ids have at most %d", at, len(d.ID), MaxIDLength)
		case !d.Decision.Valid():
			return Invalidf(decisionField(i, "decision"), "%s: decision must be APPROVE or REVOKE, not %q", at, d.Decision)
		case d.Bulk == nil:
			return Invalidf(decisionField(i, "bulk"), "%s: bulk is required", at)
		case d.ProposedEndDate != nil && d.Decision != Revoke:
			return Invalidf(decisionField(i, "proposedEndDate"), "%s: proposedEndDate may only be set on a REVOKE decision", at)
		case d.ProposedEndDate != nil && !d.ProposedEndDate.After(now):
			return Invalidf(decisionField(i, "proposedEndDate"), "%s: proposedEndDate %s is not in the future", at, d.ProposedEndDate)
		}
		if d.Comments != nil {
			if err := CheckText(decisionField(i, "comments"), at+": comments", *d.Comments); err != nil {
				return err
			}
		}
		if err := checkRecommendation(i, d.Recommendation); err != nil {
			return err
		}
		if j, dup := seen[d.ID]; dup {
			return Invalidf(decisionField(i, "id"), "%s: item %s is already decided by decision %d of this request", at, d.ID, j)
		}
		seen[d.ID] = i
	}
	return nil
}

// checkRecommendation checks the recommendation of decision i (nil is allowed).
func checkRecommendation(i int, r *Recommendation) error {
	if r == nil {
		return nil
	}
	at := decisionAt(i)
	if r.Recommendation != nil {
		ok := false
		for _, v := range RecommendationValues {
			if *r.Recommendation == v {
				ok = true
				break
			}
		}
		if !ok {
			return Invalidf(decisionField(i, "recommendation.recommendation"), "%s: recommendation must be one of %s or null, not %q",
				at, strings.Join(RecommendationValues, ", "), *r.Recommendation)
		}
	}
	if len(r.Reasons) > MaxRecommendationReasons {
		return Invalidf(decisionField(i, "recommendation.reasons"), "%s: recommendation lists %d reasons; at most %d are allowed",
			at, len(r.Reasons), MaxRecommendationReasons)
	}
	for j, reason := range r.Reasons {
		if err := CheckText(decisionField(i, "recommendation.reasons"), fmt.Sprintf("%s: recommendation reason %d", at, j), reason); err != nil {
			return err
		}
	}
	return nil
}

// CheckComments enforces a campaign's mandatoryCommentRequirement on a decide request;
// blank comments count as missing.
func CheckComments(req CommentRequirement, ds []ReviewDecision) error {
	for i, d := range ds {
		if d.Comments != nil && strings.TrimSpace(*d.Comments) != "" {
			continue
		}
		switch {
		case req == CommentsAll:
			return Invalidf(decisionField(i, "comments"), "%s: this campaign requires comments on every decision", decisionAt(i))
		case req == CommentsRevokeOnly && d.Decision == Revoke:
			return Invalidf(decisionField(i, "comments"), "%s: this campaign requires comments on every REVOKE decision", decisionAt(i))
		}
	}
	return nil
}

// ValidateReassign checks a reassign request without the stored certification: 1 to
// MaxReassignReferences references, each with an id and a known type; a target identity;
// a reason that is not blank and within MaxTextLength.
func ValidateReassign(r ReviewReassign) error {
	switch {
	case len(r.Reassign) == 0:
		return Invalidf("reassign", "reassign must list at least one reference")
	case len(r.Reassign) > MaxReassignReferences:
		return Invalidf("reassign", "reassign lists %d references; at most %d are allowed", len(r.Reassign), MaxReassignReferences)
	case strings.TrimSpace(r.ReassignTo) == "":
		return Invalidf("reassignTo", "reassignTo is required: the id of the identity to reassign to")
	case len(r.ReassignTo) > MaxIDLength:
		return Invalidf("reassignTo", "reassignTo has %d bytes; ids have at most %d", len(r.ReassignTo), MaxIDLength)
	case strings.TrimSpace(r.Reason) == "":
		return Invalidf("reason", "reason is required and must not be empty")
	}
	if err := CheckText("reason", "reason", r.Reason); err != nil {
		return err
	}
	for i, ref := range r.Reassign {
		at := fmt.Sprintf("reassign[%d]", i)
		switch {
		case strings.TrimSpace(ref.ID) == "":
			return Invalidf(at+".id", "%s: id must not be empty", at)
		case len(ref.ID) > MaxIDLength:
			return Invalidf(at+".id", "%s: id has %d bytes; ids have at most %d", at, len(ref.ID), MaxIDLength)
		case !ref.Type.Valid():
			return Invalidf(at+".type", "%s: type must be TARGET_SUMMARY, ITEM or IDENTITY_SUMMARY, not %q", at, ref.Type)
		}
	}
	return nil
}

// CheckNewClient refuses an OAuth client a store cannot keep: none at all, or one without an
// id, a name or a secret hash. Errors: invalid, naming the field.
func CheckNewClient(c *OAuthClient) error {
	switch {
	case c == nil:
		return Invalidf("client", "no client given")
	case strings.TrimSpace(c.ID) == "":
		return Invalidf("id", "a client needs an id")
	case strings.TrimSpace(c.Name) == "":
		return Invalidf("name", "a client needs a name")
	case len(c.SecretHash) == 0:
		return Invalidf("secretHash", "a client needs a secret hash")
	}
	return nil
}

// CheckNewIdentity refuses an identity a store cannot create: none at all, or one without a
// name. Errors: invalid, naming the field.
func CheckNewIdentity(id *Identity) error {
	switch {
	case id == nil:
		return Invalidf("identity", "no identity given")
	case strings.TrimSpace(id.Name) == "":
		return Invalidf("name", "an identity needs a name")
	}
	return nil
}

// CheckNewSigningKey refuses a token-signing key a store cannot keep: none at all, or one
// without a kid, an algorithm or both halves of its key material. Errors: invalid, naming
// the field.
func CheckNewSigningKey(k *SigningKey) error {
	switch {
	case k == nil:
		return Invalidf("key", "no signing key given")
	case strings.TrimSpace(k.ID) == "":
		return Invalidf("kid", "a signing key needs a kid")
	case strings.TrimSpace(k.Algorithm) == "":
		return Invalidf("alg", "a signing key needs an algorithm")
	case len(k.PrivateKey) == 0 || len(k.PublicKey) == 0:
		return Invalidf("key", "a signing key needs its private and public key")
	}
	return nil
}
