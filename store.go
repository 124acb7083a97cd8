package certsum

import (
	"context"
	"time"

	"github.com/certsum/certsum/query"
)

// Paging limits of every list endpoint.
const (
	MaxLimit     = 250
	DefaultLimit = 250
)

// ListQuery is a validated list request: a filter already checked against the endpoint's
// schema (nil for none), sort keys (empty for the schema's default order), a page, and
// whether the total is wanted. Backends always finish the order with the schema's id column
// so paging is deterministic.
type ListQuery struct {
	Filter query.Expr
	Sort   []query.SortKey
	Limit  int
	Offset int
	Count  bool
}

// CheckPage refuses a page outside the limits of every list: a limit from 0 to MaxLimit and
// an offset that is not negative. Errors: invalid, naming limit or offset.
func (q ListQuery) CheckPage() error {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return Invalidf("limit", "limit must be between 0 and %d, not %d", MaxLimit, q.Limit)
	}
	if q.Offset < 0 {
		return Invalidf("offset", "offset must not be negative, not %d", q.Offset)
	}
	return nil
}

// Page is one page of a list. Total is the size of the filtered collection, set only when
// the query asked for a count (-1 otherwise). Items is never nil.
type Page[T any] struct {
	Items []T
	Total int
}

// CertificationFilter narrows listIdentityCertifications beyond its filters.
type CertificationFilter struct {
	// ReviewerID, when set, keeps the certifications this identity reviews, directly or as a
	// member of the reviewing governance group.
	ReviewerID string
}

// ReviewItemFilter is the entitlements / access-profiles / roles parameter of
// listIdentityAccessReviewItems: items whose access is of AccessType and one of AccessIDs.
type ReviewItemFilter struct {
	AccessType DtoType
	AccessIDs  []string
}

// CertificationStore reads and changes certifications and their review items.
type CertificationStore interface {
	// GetCertification returns one certification with its live counters. Errors: not_found.
	GetCertification(ctx context.Context, id string) (*Certification, error)
	// ListCertifications lists certifications (CertificationSchema).
	ListCertifications(ctx context.Context, f CertificationFilter, q ListQuery) (Page[Certification], error)
	// ListReviewItems lists a certification's review items (ReviewItemSchema). Errors: not_found.
	ListReviewItems(ctx context.Context, certID string, f ReviewItemFilter, q ListQuery) (Page[AccessReviewItem], error)
	// Decide applies 1..250 decisions made by identity `by`, all or nothing, and returns the
	// updated certification. Repeating an identical decision changes nothing but is recorded
	// in neither counters nor history twice. Errors: not_found (certification), invalid (bad
	// decision, comment missing under the campaign's requirement, proposedEndDate with
	// APPROVE, duplicate ids in one request), reference (an id not in the certification),
	// conflict (certification not ACTIVE, e.g. signed or staged).
	Decide(ctx context.Context, certID, by string, decisions []ReviewDecision) (*Certification, error)
	// SignOff signs the certification off when every item is decided; when it is the last of
	// its campaign the campaign becomes COMPLETED. Errors: not_found, conflict (open items,
	// already signed, not active).
	SignOff(ctx context.Context, certID, by string) (*Certification, error)
	// Reassign moves review items (ITEM), identity summaries with all their items
	// (IDENTITY_SUMMARY, TARGET_SUMMARY) into reassignTo's certification of the same
	// campaign, creating it when needed, and returns the source certification. Errors:
	// not_found, invalid (more than 50 references, empty reason, reassign to the current
	// reviewer), reference (unknown item, summary or identity), conflict (not ACTIVE).
	Reassign(ctx context.Context, certID, by string, r ReviewReassign) (*Certification, error)
	// ListReviewers lists the identities who review a certification: its reviewer, or the
	// members of its reviewing governance group (ReviewerSchema). Errors: not_found.
	ListReviewers(ctx context.Context, certID string, q ListQuery) (Page[IdentityReference], error)
	// ListItemPermissions lists the permissions of a review item's entitlement
	// (PermissionSchema). Errors: not_found (certification or item).
	ListItemPermissions(ctx context.Context, certID, itemID string, q ListQuery) (Page[Permission], error)
	// IsReviewer reports whether identityID reviews the certification, directly or as a
	// member of its governance group. Errors: not_found.
	IsReviewer(ctx context.Context, certID, identityID string) (bool, error)
	// DecisionHistory returns the audit trail of a certification (of one item when itemID is
	// set), oldest first. Errors: not_found.
	DecisionHistory(ctx context.Context, certID, itemID string) ([]DecisionRecord, error)
	// CertificationVersion returns a number that grows with every committed change to the
	// certification (decide, sign-off, reassign in or out). Errors: not_found.
	CertificationVersion(ctx context.Context, certID string) (int64, error)
}

// SummaryStore answers the four certification-summary operations from counters maintained
// on every write; no method scans all review items of a certification.
type SummaryStore interface {
	// DecisionSummary counts a certification's decisions; filter (DecisionSummarySchema, nil
	// for none) restricts the count to matching identity summaries. Errors: not_found.
	DecisionSummary(ctx context.Context, certID string, filter query.Expr) (*DecisionSummary, error)
	// ListIdentitySummaries lists a certification's identity summaries
	// (IdentitySummarySchema). Errors: not_found.
	ListIdentitySummaries(ctx context.Context, certID string, q ListQuery) (Page[IdentitySummary], error)
	// GetIdentitySummary returns one identity summary of the certification. Errors:
	// not_found (certification, or summary not in it).
	GetIdentitySummary(ctx context.Context, certID, id string) (*IdentitySummary, error)
	// ListAccessSummaries lists the distinct access items of type t (ROLE, ACCESS_PROFILE,
	// ENTITLEMENT) in the certification (AccessSummarySchema). Errors: not_found, invalid.
	ListAccessSummaries(ctx context.Context, certID string, t DtoType, q ListQuery) (Page[AccessSummary], error)
}

// CampaignStore reads campaigns.
type CampaignStore interface {
	// GetCampaign returns one campaign with its certification counters. Errors: not_found.
	GetCampaign(ctx context.Context, id string) (*Campaign, error)
	// ListCampaigns lists campaigns (CampaignSchema).
	ListCampaigns(ctx context.Context, q ListQuery) (Page[Campaign], error)
	// CreateCampaign stores a new campaign, PENDING, owned by identity owner (who reviews
	// what has no other reviewer), and sets its id, status and times. Errors: invalid
	// (Campaign.CheckNew), reference (an identity, source or reviewer it names is not in the
	// inventory).
	CreateCampaign(ctx context.Context, k *Campaign, owner string) error
	// GenerateCampaign generates a PENDING campaign's certifications from the live
	// inventory, all in one transaction, and leaves it STAGED, or ERROR with an alert when
	// it has nothing to review; a campaign no longer PENDING is left alone. progress, when
	// set, sees the identities read and their total. Errors: not_found.
	GenerateCampaign(ctx context.Context, id string, progress func(done, total int)) (*Campaign, error)
	// PendingCampaigns returns the ids of the PENDING campaigns, oldest first.
	PendingCampaigns(ctx context.Context) ([]string, error)
	// OverdueCampaigns returns the ids of the ACTIVE campaigns past their deadline.
	OverdueCampaigns(ctx context.Context) ([]string, error)
	// ActivateCampaign makes a STAGED campaign and its certifications ACTIVE, due at
	// deadline. Errors: not_found, conflict (not STAGED, deadline not in the future).
	ActivateCampaign(ctx context.Context, id string, deadline Time) error
	// CompleteCampaign completes an ACTIVE campaign past its deadline: undecided items get
	// action (made by identity by), open certifications are signed, the campaign is
	// COMPLETED. Errors: not_found, conflict (not ACTIVE, not past due, REVOKE without
	// autoRevokeAllowed), invalid (another action).
	CompleteCampaign(ctx context.Context, id string, action Decision, by string) error
	// DeleteCampaigns deletes campaigns with their certifications, all or none; the decision
	// audit trail stays. Errors: invalid (no ids, a repeat), not_found.
	DeleteCampaigns(ctx context.Context, ids []string) error
}

// InventoryStore reads and writes identities.
type InventoryStore interface {
	// FindIdentity returns the identity with this id or, failing that, exactly this name.
	// Errors: not_found, invalid (the name is ambiguous).
	FindIdentity(ctx context.Context, idOrName string) (*Identity, error)
	// CreateIdentity adds an identity. Errors: invalid, conflict (id taken).
	CreateIdentity(ctx context.Context, id *Identity) error
	// CountIdentities returns how many identities the inventory holds (removed ones left out).
	CountIdentities(ctx context.Context) (int, error)
}

// ClientStore keeps OAuth2 clients.
type ClientStore interface {
	// CreateClient stores a client. Errors: conflict (id taken), reference (unknown identity).
	CreateClient(ctx context.Context, c *OAuthClient) error
	// GetClient returns a client. Errors: not_found.
	GetClient(ctx context.Context, id string) (*OAuthClient, error)
	// ListClients returns every client, oldest first.
	ListClients(ctx context.Context) ([]OAuthClient, error)
	// DeleteClient removes a client. Errors: not_found.
	DeleteClient(ctx context.Context, id string) error
}

// KeyStore keeps token-signing keys.
type KeyStore interface {
	// AddSigningKey stores a new key. Errors: conflict (kid taken).
	AddSigningKey(ctx context.Context, k *SigningKey) error
	// RetireSigningKey marks a key as no longer signing, verifying until notAfter.
	// Errors: not_found.
	RetireSigningKey(ctx context.Context, kid string, retired, notAfter Time) error
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// DeleteSigningKeys removes keys whose NotAfter is before t and returns how many.
	DeleteSigningKeys(ctx context.Context, before Time) (int, error)
	// ResealSigningKey replaces the stored private half of key kid with sealed, if it is
	// still old (compare and swap). Errors: not_found (no key kid holds old).
	ResealSigningKey(ctx context.Context, kid string, old, sealed []byte) error
}

// Drift is one stored counter that differs from its recount.
type Drift struct {
	Kind    string // "certification", "identity summary", "access summary", "campaign", "remediation"
	ID      string
	Counter string
	Stored  int
	Actual  int
}

// AdminStore holds bulk and maintenance operations.
type AdminStore interface {
	// Load writes a whole dataset in one transaction and computes every counter; progress,
	// when set, is called with rows written so far and the total. Errors: invalid, conflict.
	Load(ctx context.Context, d *Dataset, progress func(done, total int)) error
	// Verify recounts every counter from the review items and returns the differences;
	// with fix it also repairs them, in one transaction.
	Verify(ctx context.Context, fix bool) ([]Drift, error)
	// Health reports whether the backend can serve: nil when it can, an unavailable error
	// when the database cannot be reached or reported an I/O fault in the last
	// HealthFaultWindow.
	Health(ctx context.Context) error
}

// HealthFaultWindow is how long a storage I/O fault keeps a store unhealthy after it was
// last seen: long enough for a readiness probe polled every few seconds to see it.
const HealthFaultWindow = 30 * time.Second

// Store is everything a backend provides.
type Store interface {
	CertificationStore
	SummaryStore
	CampaignStore
	InventoryStore
	ImportStore
	RemediationStore
	CampaignFilterStore
	RollupStore
	EvidenceStore
	SessionStore
	ClientStore
	KeyStore
	AdminStore
	// Close releases the backend's resources.
	Close() error
}

// Dataset is a whole inventory and its campaigns, as the demo generator builds it and
// Store.Load writes it.
type Dataset struct {
	Inventory
	Campaigns []CampaignData
}

// CampaignData is one campaign with its certifications. Counters are ignored and recomputed.
type CampaignData struct {
	Campaign       Campaign
	Certifications []CertificationData
}

// CertificationData is one certification with its identity summaries and review items.
// Counters, completed flags and Campaign references are ignored and recomputed; the
// reviewer is given by Reviewer.ID and Reviewer.Type (IDENTITY or GOVERNANCE_GROUP).
type CertificationData struct {
	Certification     Certification
	IdentitySummaries []IdentitySummary
	Items             []ItemData
}

// ItemData is one review item: identity summary × access item, with its current decision.
type ItemData struct {
	ID                string
	IdentitySummaryID string
	AccessType        DtoType
	AccessID          string // role, access profile, entitlement or account id
	AccountID         string // the account the identity holds an entitlement through ("" if none)
	NewAccess         bool
	// Decision, when set, is the item's current decision; it is also written to the audit
	// trail (CertificationID and ItemID are filled in).
	Decision *DecisionRecord
}
