package certsum

import (
	"context"

	"github.com/certsum/certsum/query"
)

// Campaign roll-ups (certsum's own extension, docs/rollups.md): a campaign's figures in one
// call and its reviewers' progress, summed from the counters every write maintains on each
// certification, so that no review item is read.

// CampaignRollup is a campaign's figures.
type CampaignRollup struct {
	Campaign       RollupCampaign       `json:"campaign"`
	Certifications RollupCertifications `json:"certifications"`
	Decisions      RollupDecisions      `json:"decisions"`
	Identities     RollupIdentities     `json:"identities"`
	Remediation    RemediationCounts    `json:"remediation"`
}

// RollupCampaign names the campaign a roll-up is of.
type RollupCampaign struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Type     CampaignType   `json:"type"`
	Status   CampaignStatus `json:"status"`
	Created  Time           `json:"created"`
	Deadline *Time          `json:"deadline"`
}

// RollupCertifications counts a campaign's certifications by phase.
type RollupCertifications struct {
	Total  int `json:"total"`
	Staged int `json:"staged"`
	Active int `json:"active"`
	Signed int `json:"signed"`
}

// DecisionFigures are the decisions of some review items: made of total, and how many of
// those made approve or revoke. Pending is Total − Made.
type DecisionFigures struct {
	Made     int `json:"made"`
	Total    int `json:"total"`
	Approved int `json:"approved"`
	Revoked  int `json:"revoked"`
	Pending  int `json:"pending"`
}

// TypeDecisionFigures are the decision figures of the review items of one access type.
type TypeDecisionFigures struct {
	Type DtoType `json:"type"`
	DecisionFigures
}

// RollupDecisions are a campaign's decision figures, in all and per item type (ROLE,
// ACCESS_PROFILE, ENTITLEMENT, ACCOUNT, always all four, in that order).
type RollupDecisions struct {
	DecisionFigures
	ByType []TypeDecisionFigures `json:"byType"`
}

// RollupIdentities counts a campaign's identity summaries and those whose every item is
// decided.
type RollupIdentities struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
}

// RollupTypes is the order of RollupDecisions.ByType.
var RollupTypes = []DtoType{TypeRole, TypeAccessProfile, TypeEntitlement, TypeAccount}

// NewRollupDecisions turns a tally of a campaign's certification counters into its decision
// figures.
func NewRollupDecisions(t Tally) RollupDecisions {
	d := RollupDecisions{ByType: make([]TypeDecisionFigures, 0, len(RollupTypes))}
	for _, typ := range RollupTypes {
		c := t[TallyIndex(typ)]
		total, approved, revoked := c[0], c[1], c[2]
		made := approved + revoked
		f := TypeDecisionFigures{Type: typ, DecisionFigures: DecisionFigures{Made: made, Total: total,
			Approved: approved, Revoked: revoked, Pending: total - made}}
		d.ByType = append(d.ByType, f)
		d.Made += f.Made
		d.Total += f.Total
		d.Approved += f.Approved
		d.Revoked += f.Revoked
		d.Pending += f.Pending
	}
	return d
}

// ReviewerProgress is one certification of a campaign as its reviewer's progress.
type ReviewerProgress struct {
	CertificationID     string           `json:"certificationId"`
	CertificationName   string           `json:"certificationName"`
	Reviewer            RollupReviewer   `json:"reviewer"`
	Phase               Phase            `json:"phase"`
	Due                 *Time            `json:"due"`
	Signed              *Time            `json:"signed"`
	DecisionsMade       int              `json:"decisionsMade"`
	DecisionsTotal      int              `json:"decisionsTotal"`
	Remaining           int              `json:"remaining"`
	Percent             float64          `json:"percent"`
	IdentitiesCompleted int              `json:"identitiesCompleted"`
	IdentitiesTotal     int              `json:"identitiesTotal"`
	ReassignedFrom      *ReassignedCert  `json:"reassignedFrom"`
	ReassignedTo        []ReassignedCert `json:"reassignedTo"`
}

// ReassignedCert names the other side of a reassignment: the certification items came from
// (reassignedFrom) or went to (reassignedTo), and its reviewer.
type ReassignedCert struct {
	CertificationID string         `json:"certificationId"`
	Reviewer        RollupReviewer `json:"reviewer"`
}

// RollupReviewer is who reviews a certification: an identity (with its email) or a
// governance group.
type RollupReviewer struct {
	Type  DtoType `json:"type"`
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Email *string `json:"email"`
}

// PercentDone is the share of decisions made, in percent with one decimal; a certification
// with nothing to decide is 100 % done.
func PercentDone(made, total int) float64 {
	if total == 0 {
		return 100
	}
	return float64(made*1000/total) / 10
}

// ReviewerProgressSchema is the filters and sorters of listCampaignReviewers.
var ReviewerProgressSchema = &query.Schema{
	Name: "listCampaignReviewers",
	Fields: []query.Field{
		{Name: "certificationId", Type: query.TypeString, Ops: eqIn, Column: "c.id"},
		{Name: "reviewer.id", Type: query.TypeString, Ops: eqIn, Column: "c.reviewer_id"},
		{Name: "reviewer.name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "COALESCE(ri.name, rg.name, '')"},
		{Name: "reviewer.type", Type: query.TypeString, Ops: eqIn, Column: "c.reviewer_type"},
		{Name: "phase", Type: query.TypeString, Ops: eqIn, Sortable: true, Column: "c.phase"},
		{Name: "due", Type: query.TypeDateTime, Sortable: true, Nullable: true, Column: "c.due"},
		{Name: "signed", Type: query.TypeDateTime, Sortable: true, Nullable: true, Column: "c.signed"},
		{Name: "decisionsMade", Type: query.TypeNumber, Sortable: true, Column: "c.decisions_made"},
		{Name: "decisionsTotal", Type: query.TypeNumber, Sortable: true, Column: "c.decisions_total"},
		{Name: "remaining", Type: query.TypeNumber, Ops: []query.Op{query.OpEq, query.OpGt, query.OpGe, query.OpLt, query.OpLe},
			Sortable: true, Column: "(c.decisions_total - c.decisions_made)"},
		{Name: "percent", Type: query.TypeNumber, Sortable: true,
			Column: "(CASE WHEN c.decisions_total = 0 THEN 1000 ELSE c.decisions_made * 1000 / c.decisions_total END)"},
	},
	// Most remaining work first: the question a campaign's owner asks, answered from an index.
	DefaultSort: []query.SortKey{{Field: "remaining", Desc: true}},
	IDColumn:    "c.id",
	IDField:     "certificationId",
}

// RollupStore answers the campaign roll-ups.
type RollupStore interface {
	// CampaignRollup returns a campaign's figures. Errors: not_found.
	CampaignRollup(ctx context.Context, campaignID string) (*CampaignRollup, error)
	// ListReviewerProgress lists a campaign's certifications as their reviewers' progress
	// (ReviewerProgressSchema). Errors: not_found, invalid.
	ListReviewerProgress(ctx context.Context, campaignID string, q ListQuery) (Page[ReviewerProgress], error)
}
