package certsum

import (
	"context"
	"strings"
)

// Audit evidence (docs/evidence.md): every review item of a campaign or a certification with
// its decision and who made it, and every certification's sign-off, read from one consistent
// snapshot so that the rows can be checked against the certifications' own counters.

// EvidenceScope is what an evidence export covers: one campaign or one certification.
type EvidenceScope struct {
	CampaignID      string `json:"campaignId,omitempty"`
	CertificationID string `json:"certificationId,omitempty"`
}

// Check refuses a scope that names neither or both. Errors: invalid.
func (s EvidenceScope) Check() error {
	switch {
	case s.CampaignID == "" && s.CertificationID == "":
		return Invalidf("campaignId", "name a campaign (campaignId) or a certification (certificationId)")
	case s.CampaignID != "" && s.CertificationID != "":
		return Invalidf("campaignId", "name a campaign or a certification, not both")
	}
	return nil
}

// Kind is "campaign" or "certification"; ID is the id it names.
func (s EvidenceScope) Kind() string {
	if s.CampaignID != "" {
		return "campaign"
	}
	return "certification"
}

// ID is the campaign's or the certification's id.
func (s EvidenceScope) ID() string {
	if s.CampaignID != "" {
		return s.CampaignID
	}
	return s.CertificationID
}

// EvidenceCertification is one certification in an evidence export: its sign-off row, and
// the counters its item rows are checked against.
type EvidenceCertification struct {
	CertificationID     string         `json:"certificationId"`
	CertificationName   string         `json:"certificationName"`
	CampaignID          string         `json:"campaignId"`
	CampaignName        string         `json:"campaignName"`
	Reviewer            RollupReviewer `json:"reviewer"`
	Phase               Phase          `json:"phase"`
	Due                 *Time          `json:"due"`
	Signed              *Time          `json:"signed"`
	DecisionsMade       int            `json:"decisionsMade"`
	DecisionsTotal      int            `json:"decisionsTotal"`
	IdentitiesCompleted int            `json:"identitiesCompleted"`
	IdentitiesTotal     int            `json:"identitiesTotal"`
	// ReassignedFrom is the certification this one was made from by a reassignment.
	ReassignedFrom string `json:"reassignedFrom,omitempty"`
}

// EvidenceItem is one review item in an evidence export. DecidedBy and DecidedAt come from
// the audit trail's latest record of the item: the person who actually decided, also when
// the item was reassigned since.
type EvidenceItem struct {
	ItemID          string   `json:"itemId"`
	IdentityID      string   `json:"identityId"`
	IdentityName    string   `json:"identityName"`
	AccessType      DtoType  `json:"accessType"`
	AccessID        string   `json:"accessId"`
	AccessName      string   `json:"accessName"`
	SourceName      string   `json:"sourceName"`
	AccountID       string   `json:"accountId"`
	Decision        Decision `json:"decision"`
	DecidedByID     string   `json:"decidedById"`
	DecidedByName   string   `json:"decidedByName"`
	DecidedAt       *Time    `json:"decidedAt"`
	Bulk            bool     `json:"bulk"`
	Comments        *string  `json:"comments"`
	ProposedEndDate *Time    `json:"proposedEndDate"`
}

// EvidenceReader reads one evidence snapshot: the certifications in scope, then the items of
// each, streamed.
type EvidenceReader interface {
	// Certifications returns the certifications in scope, in id order.
	Certifications() []EvidenceCertification
	// Items calls fn for every review item of a certification in scope, in the order
	// generation wrote them; fn's item is reused between calls.
	Items(certificationID string, fn func(*EvidenceItem) error) error
}

// EvidenceStore reads evidence.
type EvidenceStore interface {
	// ReadEvidence calls fn with a reader of one consistent snapshot of the scope. Errors:
	// invalid (EvidenceScope.Check), not_found (the campaign or certification).
	ReadEvidence(ctx context.Context, scope EvidenceScope, fn func(EvidenceReader) error) error
}

// NeutralizeCell makes a CSV cell safe to open in a spreadsheet: a cell that begins with =,
// +, -, @, a tab, a carriage return or NUL (which a spreadsheet may read as a formula) gets a
// leading apostrophe, as OWASP's CSV injection guidance advises. Other cells are unchanged.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\x00", rune(s[0])) {
		return "'" + s
	}
	return s
}
