package certsum

// Phase is a certification's CertificationPhase.
type Phase string

// Certification phases.
const (
	PhaseStaged Phase = "STAGED"
	PhaseActive Phase = "ACTIVE"
	PhaseSigned Phase = "SIGNED"
)

// Reviewer is the spec's Reviewer: an identity or a governance group.
type Reviewer struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Email    *string `json:"email"`
	Type     DtoType `json:"type"` // IDENTITY or GOVERNANCE_GROUP
	Created  *Time   `json:"created"`
	Modified *Time   `json:"modified"`
}

// CertificationReference is Reassignment.from.
type CertificationReference struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     DtoType  `json:"type"` // always CERTIFICATION
	Reviewer Reviewer `json:"reviewer"`
}

// Reassignment records where a certification's work came from.
type Reassignment struct {
	From    CertificationReference `json:"from"`
	Comment string                 `json:"comment"`
}

// Certification is the spec's IdentityCertificationDto: one reviewer's certification within
// a campaign, with its live counters.
type Certification struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Campaign            CampaignReference `json:"campaign"`
	Completed           bool              `json:"completed"`
	IdentitiesCompleted int               `json:"identitiesCompleted"`
	IdentitiesTotal     int               `json:"identitiesTotal"`
	Created             Time              `json:"created"`
	Modified            Time              `json:"modified"`
	DecisionsMade       int               `json:"decisionsMade"`
	DecisionsTotal      int               `json:"decisionsTotal"`
	Due                 *Time             `json:"due"`
	Signed              *Time             `json:"signed"`
	Reviewer            Reviewer          `json:"reviewer"`
	Reassignment        *Reassignment     `json:"reassignment"`
	HasErrors           bool              `json:"hasErrors"`
	ErrorMessage        *string           `json:"errorMessage"`
	Phase               Phase             `json:"phase"`
}
