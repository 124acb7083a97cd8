package certsum

// CampaignType is the kind of a campaign.
type CampaignType string

// Campaign types of the spec.
const (
	CampaignManager         CampaignType = "MANAGER"
	CampaignSourceOwner     CampaignType = "SOURCE_OWNER"
	CampaignSearch          CampaignType = "SEARCH"
	CampaignRoleComposition CampaignType = "ROLE_COMPOSITION"
	CampaignMachineAccount  CampaignType = "MACHINE_ACCOUNT"
)

// CampaignStatus is a campaign's lifecycle status.
type CampaignStatus string

// Campaign statuses of the spec. certsum moves PENDING → STAGED → ACTIVE → COMPLETED and
// records failures as ERROR; CANCELING and ARCHIVED are never set.
const (
	StatusPending    CampaignStatus = "PENDING"
	StatusStaged     CampaignStatus = "STAGED"
	StatusCanceling  CampaignStatus = "CANCELING"
	StatusActivating CampaignStatus = "ACTIVATING"
	StatusActive     CampaignStatus = "ACTIVE"
	StatusCompleting CampaignStatus = "COMPLETING"
	StatusCompleted  CampaignStatus = "COMPLETED"
	StatusError      CampaignStatus = "ERROR"
	StatusArchived   CampaignStatus = "ARCHIVED"
)

// CorrelatedStatus says whether a campaign covers correlated or uncorrelated accounts.
type CorrelatedStatus string

// Correlated statuses.
const (
	Correlated   CorrelatedStatus = "CORRELATED"
	Uncorrelated CorrelatedStatus = "UNCORRELATED"
)

// CommentRequirement is a campaign's mandatoryCommentRequirement.
type CommentRequirement string

// Comment requirements.
const (
	CommentsAll        CommentRequirement = "ALL_DECISIONS"
	CommentsRevokeOnly CommentRequirement = "REVOKE_ONLY_DECISIONS"
	CommentsNone       CommentRequirement = "NO_DECISIONS"
)

// CampaignAlert is an alert attached to a campaign.
type CampaignAlert struct {
	Level         string         `json:"level"` // ERROR, WARN or INFO
	Localizations []ErrorMessage `json:"localizations"`
}

// ErrorMessage is the spec's ErrorMessageDto.
type ErrorMessage struct {
	Locale       *string `json:"locale"`
	LocaleOrigin *string `json:"localeOrigin"` // DEFAULT, REQUEST or null
	Text         string  `json:"text"`
}

// SourceOwnerCampaignInfo is Campaign.sourceOwnerCampaignInfo.
type SourceOwnerCampaignInfo struct {
	SourceIDs []string `json:"sourceIds"`
}

// CampaignFilterRef is Campaign.filter.
type CampaignFilterRef struct {
	ID   string `json:"id"`
	Type string `json:"type"` // CAMPAIGN_FILTER
	Name string `json:"name"`
}

// Campaign is the spec's Campaign (detail=FULL); its first fields are SlimCampaign's.
type Campaign struct {
	ID                       string           `json:"id"`
	Name                     string           `json:"name"`
	Description              *string          `json:"description"`
	Deadline                 *Time            `json:"deadline"`
	Type                     CampaignType     `json:"type"`
	EmailNotificationEnabled bool             `json:"emailNotificationEnabled"`
	AutoRevokeAllowed        bool             `json:"autoRevokeAllowed"`
	RecommendationsEnabled   bool             `json:"recommendationsEnabled"`
	Status                   CampaignStatus   `json:"status"`
	CorrelatedStatus         CorrelatedStatus `json:"correlatedStatus"`
	Created                  Time             `json:"created"`
	TotalCertifications      int              `json:"totalCertifications"`
	CompletedCertifications  int              `json:"completedCertifications"`
	Alerts                   []CampaignAlert  `json:"alerts"`

	Modified                    Time                     `json:"modified"`
	Filter                      *CampaignFilterRef       `json:"filter,omitempty"`
	SunsetCommentsRequired      bool                     `json:"sunsetCommentsRequired"`
	SourceOwnerCampaignInfo     *SourceOwnerCampaignInfo `json:"sourceOwnerCampaignInfo,omitempty"`
	MandatoryCommentRequirement CommentRequirement       `json:"mandatoryCommentRequirement"`
}

// SlimCampaign is the spec's SlimCampaign (detail=SLIM).
type SlimCampaign struct {
	ID                       string           `json:"id"`
	Name                     string           `json:"name"`
	Description              *string          `json:"description"`
	Deadline                 *Time            `json:"deadline"`
	Type                     CampaignType     `json:"type"`
	EmailNotificationEnabled bool             `json:"emailNotificationEnabled"`
	AutoRevokeAllowed        bool             `json:"autoRevokeAllowed"`
	RecommendationsEnabled   bool             `json:"recommendationsEnabled"`
	Status                   CampaignStatus   `json:"status"`
	CorrelatedStatus         CorrelatedStatus `json:"correlatedStatus"`
	Created                  Time             `json:"created"`
	TotalCertifications      int              `json:"totalCertifications"`
	CompletedCertifications  int              `json:"completedCertifications"`
	Alerts                   []CampaignAlert  `json:"alerts"`
}

// Slim returns the SlimCampaign view of c.
func (c *Campaign) Slim() SlimCampaign {
	return SlimCampaign{
		ID: c.ID, Name: c.Name, Description: c.Description, Deadline: c.Deadline, Type: c.Type,
		EmailNotificationEnabled: c.EmailNotificationEnabled, AutoRevokeAllowed: c.AutoRevokeAllowed,
		RecommendationsEnabled: c.RecommendationsEnabled, Status: c.Status,
		CorrelatedStatus: c.CorrelatedStatus, Created: c.Created,
		TotalCertifications: c.TotalCertifications, CompletedCertifications: c.CompletedCertifications,
		Alerts: c.Alerts,
	}
}

// CampaignReference is IdentityCertificationDto.campaign; every key is required.
type CampaignReference struct {
	ID                          string             `json:"id"`
	Name                        string             `json:"name"`
	Type                        DtoType            `json:"type"` // always CAMPAIGN
	CampaignType                CampaignType       `json:"campaignType"`
	Description                 *string            `json:"description"`
	CorrelatedStatus            CorrelatedStatus   `json:"correlatedStatus"`
	MandatoryCommentRequirement CommentRequirement `json:"mandatoryCommentRequirement"`
}

// Ref returns the CampaignReference of c.
func (c *Campaign) Ref() CampaignReference {
	return CampaignReference{
		ID: c.ID, Name: c.Name, Type: TypeCampaign, CampaignType: c.Type, Description: c.Description,
		CorrelatedStatus: c.CorrelatedStatus, MandatoryCommentRequirement: c.MandatoryCommentRequirement,
	}
}
