package certsum

import "context"

// Remediation: certsum drives no connector, so every revocation of a signed certification
// becomes a remediation item that an operator carries out in the source and marks done, or
// that a later import confirms by no longer showing the access (INVENTORY.md §4.2).

// RemediationStatus is where a remediation item stands.
type RemediationStatus string

// Remediation statuses.
const (
	RemediationPending   RemediationStatus = "PENDING"   // to be carried out
	RemediationCompleted RemediationStatus = "COMPLETED" // an operator says it is done
	RemediationVerified  RemediationStatus = "VERIFIED"  // an import no longer shows the access
)

func (s RemediationStatus) String() string { return string(s) }

// Valid reports whether s is a remediation status.
func (s RemediationStatus) Valid() bool {
	return s == RemediationPending || s == RemediationCompleted || s == RemediationVerified
}

// RemediationItem is one revoked access to remove.
type RemediationItem struct {
	ID              string            `json:"id"`
	CampaignID      string            `json:"campaignId"`
	CampaignName    string            `json:"campaignName"`
	CertificationID string            `json:"certificationId"`
	ReviewItemID    string            `json:"reviewItemId"`
	ReviewerID      string            `json:"reviewerId"`
	ReviewerName    string            `json:"reviewerName"`
	IdentityID      string            `json:"identityId"`
	IdentityName    string            `json:"identityName"`
	SourceID        *string           `json:"sourceId"`
	SourceName      *string           `json:"sourceName"`
	AccountID       *string           `json:"accountId"`
	NativeIdentity  *string           `json:"accountNativeIdentity"`
	AccessType      DtoType           `json:"accessType"`
	AccessID        string            `json:"accessId"`
	AccessName      string            `json:"accessName"`
	Attribute       *string           `json:"attribute"`
	Value           *string           `json:"value"`
	AutoDecided     bool              `json:"autoDecided"`
	DecidedBy       string            `json:"decidedBy"`
	DecidedAt       Time              `json:"decidedAt"`
	Comments        *string           `json:"comments"`
	ProposedEndDate *Time             `json:"proposedEndDate"`
	Status          RemediationStatus `json:"status"`
	Created         Time              `json:"created"`
	CompletedBy     *string           `json:"completedBy"`
	CompletedAt     *Time             `json:"completedAt"`
	VerifiedAt      *Time             `json:"verifiedAt"`
	// BatonGrantID is the source's id of the grant where the access came from a baton
	// .c1z file: what the connector's --revoke-grant takes.
	BatonGrantID *string `json:"batonGrantId"`
}

// RemediationFilter narrows a list of remediation items; empty fields do not.
type RemediationFilter struct {
	CampaignID string
	Status     RemediationStatus
}

// RemediationCounts counts a campaign's (or every) remediation items by status.
type RemediationCounts struct {
	CampaignID string `json:"campaignId,omitempty"`
	Total      int    `json:"total"`
	Pending    int    `json:"pending"`
	Completed  int    `json:"completed"`
	Verified   int    `json:"verified"`
}

// MaxRemediationBatch is how many items one request may mark done.
const MaxRemediationBatch = 1000

// RemediationStore keeps remediation items. Sign-off and campaign completion create them;
// imports verify them.
type RemediationStore interface {
	// ListRemediations returns the remediation items f selects, oldest first. Errors:
	// invalid (an unknown status).
	ListRemediations(ctx context.Context, f RemediationFilter) ([]RemediationItem, error)
	// CountRemediations counts the items of a campaign ("" for all) by status.
	CountRemediations(ctx context.Context, campaignID string) (*RemediationCounts, error)
	// CompleteRemediations marks PENDING items COMPLETED by identity by, all or none;
	// COMPLETED and VERIFIED items stay as they are. It returns how many changed. Errors:
	// invalid (no ids, more than MaxRemediationBatch, a repeat), not_found.
	CompleteRemediations(ctx context.Context, ids []string, by string) (int, error)
}
