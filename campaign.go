package certsum

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

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
	SearchCampaignInfo          *SearchCampaignInfo      `json:"searchCampaignInfo,omitempty"`
	MandatoryCommentRequirement CommentRequirement       `json:"mandatoryCommentRequirement"`

	// OwnerID is the identity that created the campaign: it reviews what has no other
	// reviewer. InventoryVersion is the inventory version the campaign was generated from.
	OwnerID          string `json:"-"`
	InventoryVersion int64  `json:"-"`
	// FilterSnapshot is the campaign filter as it was when the campaign was created.
	FilterSnapshot *CampaignFilter `json:"-"`
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

// SearchCampaignInfo is Campaign.searchCampaignInfo: who a SEARCH campaign reviews and who
// reviews them.
type SearchCampaignInfo struct {
	Type              SearchType         `json:"type"`
	Description       *string            `json:"description,omitempty"`
	Reviewer          *SearchReviewer    `json:"reviewer"`
	Query             *string            `json:"query"`
	IdentityIDs       []string           `json:"identityIds"`
	AccessConstraints []AccessConstraint `json:"accessConstraints"`
}

// SearchType is searchCampaignInfo.type.
type SearchType string

// Search campaign types.
const (
	SearchIdentity SearchType = "IDENTITY" // all access of the selected identities
	SearchAccess   SearchType = "ACCESS"   // chosen access, from the identities that hold it
)

// SearchReviewer is searchCampaignInfo.reviewer: one reviewer of every certification.
type SearchReviewer struct {
	Type DtoType `json:"type"` // IDENTITY or GOVERNANCE_GROUP
	ID   string  `json:"id"`
	Name *string `json:"name"`
}

// AccessConstraint narrows a SEARCH campaign to access of one type: all of it, or the
// selected ids.
type AccessConstraint struct {
	Type     DtoType  `json:"type"` // ENTITLEMENT, ACCESS_PROFILE or ROLE
	IDs      []string `json:"ids,omitempty"`
	Operator string   `json:"operator"` // ALL or SELECTED
}

// Access constraint operators.
const (
	ConstraintAll      = "ALL"
	ConstraintSelected = "SELECTED"
)

// Limits of a campaign request.
const (
	MaxCampaignName       = 255
	MaxSearchIdentities   = 10000
	MaxAccessConstraints  = 1000
	MaxConstraintIDs      = 1000
	MaxSourceOwnerSources = 1000
)

// CheckNew applies the rules of a campaign about to be created (createCampaign): the
// required values, the types certsum generates (MANAGER, SOURCE_OWNER, SEARCH), and each
// type's settings. It fills the defaults (CORRELATED, NO_DECISIONS). Errors: invalid,
// naming the field.
func (c *Campaign) CheckNew(now Time) error {
	if strings.TrimSpace(c.Name) == "" {
		return Invalidf("name", "name is required")
	}
	if utf8.RuneCountInString(c.Name) > MaxCampaignName {
		return Invalidf("name", "name is longer than %d characters", MaxCampaignName)
	}
	if c.Description != nil && utf8.RuneCountInString(*c.Description) > MaxTextLength {
		return Invalidf("description", "description is longer than %d characters", MaxTextLength)
	}
	if c.Deadline != nil && !c.Deadline.After(now.Time) {
		return Invalidf("deadline", "deadline %s is not in the future", c.Deadline)
	}
	switch c.MandatoryCommentRequirement {
	case "":
		c.MandatoryCommentRequirement = CommentsNone
	case CommentsAll, CommentsRevokeOnly, CommentsNone:
	default:
		return Invalidf("mandatoryCommentRequirement", "mandatoryCommentRequirement %q is not ALL_DECISIONS, REVOKE_ONLY_DECISIONS or NO_DECISIONS", c.MandatoryCommentRequirement)
	}
	switch c.CorrelatedStatus {
	case "":
		c.CorrelatedStatus = Correlated
	case Correlated:
	case Uncorrelated:
		return Invalidf("correlatedStatus", "certsum generates CORRELATED campaigns only; UNCORRELATED source-owner campaigns are not supported")
	default:
		return Invalidf("correlatedStatus", "correlatedStatus %q is not CORRELATED or UNCORRELATED", c.CorrelatedStatus)
	}
	if c.Filter != nil {
		if c.Filter.ID == "" {
			return Invalidf("filter.id", "filter.id names the campaign filter")
		}
		if c.Filter.Type != "" && c.Filter.Type != "CAMPAIGN_FILTER" {
			return Invalidf("filter.type", "filter.type is CAMPAIGN_FILTER, not %q", c.Filter.Type)
		}
		c.Filter.Type = "CAMPAIGN_FILTER"
	}
	switch c.Type {
	case CampaignManager:
		if c.SourceOwnerCampaignInfo != nil || c.SearchCampaignInfo != nil {
			return Invalidf("type", "a MANAGER campaign takes neither sourceOwnerCampaignInfo nor searchCampaignInfo")
		}
	case CampaignSourceOwner:
		if c.SearchCampaignInfo != nil {
			return Invalidf("searchCampaignInfo", "a SOURCE_OWNER campaign takes no searchCampaignInfo")
		}
		if c.SourceOwnerCampaignInfo == nil {
			c.SourceOwnerCampaignInfo = &SourceOwnerCampaignInfo{SourceIDs: []string{}}
		}
		if len(c.SourceOwnerCampaignInfo.SourceIDs) > MaxSourceOwnerSources {
			return Invalidf("sourceOwnerCampaignInfo.sourceIds", "sourceIds lists more than %d sources", MaxSourceOwnerSources)
		}
		if c.SourceOwnerCampaignInfo.SourceIDs == nil {
			c.SourceOwnerCampaignInfo.SourceIDs = []string{}
		}
		if d := FirstRepeat(c.SourceOwnerCampaignInfo.SourceIDs); d != "" {
			return Invalidf("sourceOwnerCampaignInfo.sourceIds", "source %q is listed twice", d)
		}
	case CampaignSearch:
		if c.SourceOwnerCampaignInfo != nil {
			return Invalidf("sourceOwnerCampaignInfo", "a SEARCH campaign takes no sourceOwnerCampaignInfo")
		}
		if err := c.SearchCampaignInfo.check(); err != nil {
			return err
		}
	case CampaignRoleComposition, CampaignMachineAccount:
		return Invalidf("type", "certsum does not generate %s campaigns; it generates MANAGER, SOURCE_OWNER and SEARCH campaigns", c.Type)
	case "":
		return Invalidf("type", "type is required")
	default:
		return Invalidf("type", "type %q is not MANAGER, SOURCE_OWNER, SEARCH, ROLE_COMPOSITION or MACHINE_ACCOUNT", c.Type)
	}
	return nil
}

// check applies the rules of a SEARCH campaign's settings.
func (s *SearchCampaignInfo) check() error {
	if s == nil {
		return Invalidf("searchCampaignInfo", "a SEARCH campaign needs searchCampaignInfo")
	}
	switch s.Type {
	case SearchIdentity, SearchAccess:
	case "":
		return Invalidf("searchCampaignInfo.type", "searchCampaignInfo.type is required")
	default:
		return Invalidf("searchCampaignInfo.type", "searchCampaignInfo.type %q is not IDENTITY or ACCESS", s.Type)
	}
	hasQuery := s.Query != nil && strings.TrimSpace(*s.Query) != ""
	switch {
	case hasQuery && len(s.IdentityIDs) > 0:
		return Invalidf("searchCampaignInfo", "searchCampaignInfo takes query or identityIds, not both")
	case hasQuery:
		if _, err := ParseSearchQuery(*s.Query); err != nil {
			return err
		}
	case len(s.IdentityIDs) == 0:
		return Invalidf("searchCampaignInfo.identityIds", "searchCampaignInfo needs identityIds (or a query)")
	case len(s.IdentityIDs) > MaxSearchIdentities:
		return Invalidf("searchCampaignInfo.identityIds", "identityIds lists more than %d identities", MaxSearchIdentities)
	}
	if d := FirstRepeat(s.IdentityIDs); d != "" {
		return Invalidf("searchCampaignInfo.identityIds", "identity %q is listed twice", d)
	}
	if len(s.AccessConstraints) > MaxAccessConstraints {
		return Invalidf("searchCampaignInfo.accessConstraints", "accessConstraints lists more than %d constraints", MaxAccessConstraints)
	}
	if s.Type == SearchAccess && len(s.AccessConstraints) == 0 {
		return Invalidf("searchCampaignInfo.accessConstraints", "an ACCESS search campaign needs accessConstraints naming the access to review")
	}
	seen := map[DtoType]bool{}
	for i, a := range s.AccessConstraints {
		field := fmt.Sprintf("searchCampaignInfo.accessConstraints[%d]", i)
		switch a.Type {
		case TypeEntitlement, TypeAccessProfile, TypeRole:
		default:
			return Invalidf(field+".type", "access constraint type %q is not ENTITLEMENT, ACCESS_PROFILE or ROLE", a.Type)
		}
		if seen[a.Type] {
			return Invalidf(field+".type", "two access constraints are of type %s", a.Type)
		}
		seen[a.Type] = true
		switch a.Operator {
		case ConstraintAll:
			if len(a.IDs) > 0 {
				return Invalidf(field+".ids", "ids are given only with the operator SELECTED")
			}
		case ConstraintSelected:
			if len(a.IDs) == 0 {
				return Invalidf(field+".ids", "the operator SELECTED needs ids")
			}
			if len(a.IDs) > MaxConstraintIDs {
				return Invalidf(field+".ids", "ids lists more than %d ids", MaxConstraintIDs)
			}
		default:
			return Invalidf(field+".operator", "operator %q is not ALL or SELECTED", a.Operator)
		}
	}
	if r := s.Reviewer; r != nil {
		if r.Type != TypeIdentity && r.Type != TypeGovernanceGroup {
			return Invalidf("searchCampaignInfo.reviewer.type", "reviewer type %q is not IDENTITY or GOVERNANCE_GROUP", r.Type)
		}
		if r.ID == "" {
			return Invalidf("searchCampaignInfo.reviewer.id", "reviewer id is required")
		}
	}
	if s.AccessConstraints == nil {
		s.AccessConstraints = []AccessConstraint{}
	}
	return nil
}

// Constrains returns the constraint on access of type t and whether there is one; a SEARCH
// campaign with constraints reviews only the access they name.
func (s *SearchCampaignInfo) Constrains(t DtoType) (AccessConstraint, bool) {
	for _, a := range s.AccessConstraints {
		if a.Type == t {
			return a, true
		}
	}
	return AccessConstraint{}, false
}
