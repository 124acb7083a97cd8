package certsum

// Decision is a reviewer's CertificationDecision.
type Decision string

// Decisions.
const (
	Approve Decision = "APPROVE"
	Revoke  Decision = "REVOKE"
)

// Valid reports whether d is APPROVE or REVOKE.
func (d Decision) Valid() bool { return d == Approve || d == Revoke }

// IdentitySummary is the spec's CertificationIdentitySummary: one identity under review in
// one certification. ID is the summary's own id, not the identity's.
type IdentitySummary struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IdentityID string `json:"identityId"`
	Completed  bool   `json:"completed"`
}

// AccessReviewItem is one identity × one access item in a certification. An undecided item
// omits decision.
type AccessReviewItem struct {
	AccessSummary   AccessSummary   `json:"accessSummary"`
	IdentitySummary IdentitySummary `json:"identitySummary"`
	ID              string          `json:"id"`
	Completed       bool            `json:"completed"`
	NewAccess       bool            `json:"newAccess"`
	Decision        Decision        `json:"decision,omitempty"`
	Comments        *string         `json:"comments"`
}

// Recommendation is the spec's ReviewRecommendation.
type Recommendation struct {
	Recommendation *string  `json:"recommendation"`
	Reasons        []string `json:"reasons"`
	Timestamp      *Time    `json:"timestamp,omitempty"`
}

// ReviewDecision is one element of a decide request body. Bulk is a pointer so that a
// missing required key can be told from false.
type ReviewDecision struct {
	ID              string          `json:"id"`
	Decision        Decision        `json:"decision"`
	ProposedEndDate *Time           `json:"proposedEndDate,omitempty"`
	Bulk            *bool           `json:"bulk"`
	Recommendation  *Recommendation `json:"recommendation,omitempty"`
	Comments        *string         `json:"comments,omitempty"`
}

// ReassignType is ReassignReference.type.
type ReassignType string

// Reassign reference types.
const (
	ReassignTargetSummary   ReassignType = "TARGET_SUMMARY"
	ReassignItem            ReassignType = "ITEM"
	ReassignIdentitySummary ReassignType = "IDENTITY_SUMMARY"
)

// ReassignReference names what to reassign.
type ReassignReference struct {
	ID   string       `json:"id"`
	Type ReassignType `json:"type"`
}

// ReviewReassign is the reassign request body; every key is required.
type ReviewReassign struct {
	Reassign   []ReassignReference `json:"reassign"`
	ReassignTo string              `json:"reassignTo"`
	Reason     string              `json:"reason"`
}

// DecisionRecord is one entry of the audit trail: every decision ever made, never updated
// or deleted.
type DecisionRecord struct {
	ID               string          `json:"id"`
	CertificationID  string          `json:"certificationId"`
	ItemID           string          `json:"itemId"`
	DecidedBy        string          `json:"decidedBy"` // identity id of the caller
	DecidedAt        Time            `json:"decidedAt"`
	Decision         Decision        `json:"decision"`
	PreviousDecision Decision        `json:"previousDecision,omitempty"`
	Bulk             bool            `json:"bulk"`
	Comments         *string         `json:"comments"`
	ProposedEndDate  *Time           `json:"proposedEndDate"`
	Recommendation   *Recommendation `json:"recommendation"`
}

// DecisionSummary is the spec's IdentityCertDecisionSummary. For each access type, Made =
// Approved + Revoked and Total counts every item.
type DecisionSummary struct {
	EntitlementDecisionsMade    int `json:"entitlementDecisionsMade"`
	AccessProfileDecisionsMade  int `json:"accessProfileDecisionsMade"`
	RoleDecisionsMade           int `json:"roleDecisionsMade"`
	AccountDecisionsMade        int `json:"accountDecisionsMade"`
	EntitlementDecisionsTotal   int `json:"entitlementDecisionsTotal"`
	AccessProfileDecisionsTotal int `json:"accessProfileDecisionsTotal"`
	RoleDecisionsTotal          int `json:"roleDecisionsTotal"`
	AccountDecisionsTotal       int `json:"accountDecisionsTotal"`
	EntitlementsApproved        int `json:"entitlementsApproved"`
	EntitlementsRevoked         int `json:"entitlementsRevoked"`
	AccessProfilesApproved      int `json:"accessProfilesApproved"`
	AccessProfilesRevoked       int `json:"accessProfilesRevoked"`
	RolesApproved               int `json:"rolesApproved"`
	RolesRevoked                int `json:"rolesRevoked"`
	AccountsApproved            int `json:"accountsApproved"`
	AccountsRevoked             int `json:"accountsRevoked"`
}

// Add counts one item of type t whose decision is d ("" when undecided).
func (s *DecisionSummary) Add(t DtoType, d Decision, n int) {
	var total, made, approved, revoked *int
	switch t {
	case TypeEntitlement:
		total, made, approved, revoked = &s.EntitlementDecisionsTotal, &s.EntitlementDecisionsMade, &s.EntitlementsApproved, &s.EntitlementsRevoked
	case TypeAccessProfile:
		total, made, approved, revoked = &s.AccessProfileDecisionsTotal, &s.AccessProfileDecisionsMade, &s.AccessProfilesApproved, &s.AccessProfilesRevoked
	case TypeRole:
		total, made, approved, revoked = &s.RoleDecisionsTotal, &s.RoleDecisionsMade, &s.RolesApproved, &s.RolesRevoked
	case TypeAccount:
		total, made, approved, revoked = &s.AccountDecisionsTotal, &s.AccountDecisionsMade, &s.AccountsApproved, &s.AccountsRevoked
	default:
		return
	}
	*total += n
	switch d {
	case Approve:
		*made += n
		*approved += n
	case Revoke:
		*made += n
		*revoked += n
	}
}

// Valid reports whether t is one of the reference types.
func (t ReassignType) Valid() bool {
	return t == ReassignTargetSummary || t == ReassignItem || t == ReassignIdentitySummary
}
