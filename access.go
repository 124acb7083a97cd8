package certsum

// DtoType is the spec's DtoType enum; certsum's review items use ROLE, ACCESS_PROFILE,
// ENTITLEMENT and ACCOUNT.
type DtoType string

// Access item types of review items, and other DtoType values certsum writes.
const (
	TypeRole            DtoType = "ROLE"
	TypeAccessProfile   DtoType = "ACCESS_PROFILE"
	TypeEntitlement     DtoType = "ENTITLEMENT"
	TypeAccount         DtoType = "ACCOUNT"
	TypeIdentity        DtoType = "IDENTITY"
	TypeGovernanceGroup DtoType = "GOVERNANCE_GROUP"
	TypeCampaign        DtoType = "CAMPAIGN"
	TypeCertification   DtoType = "CERTIFICATION"
)

// AccessTypes lists the access item types a review item can have, in the order the
// decision summary reports them.
var AccessTypes = []DtoType{TypeEntitlement, TypeAccessProfile, TypeRole, TypeAccount}

// ParseSummaryType reads the {type} path element of getIdentityAccessSummaries: ROLE,
// ACCESS_PROFILE or ENTITLEMENT exactly; anything else is CodeInvalid.
func ParseSummaryType(s string) (DtoType, error) {
	switch t := DtoType(s); t {
	case TypeRole, TypeAccessProfile, TypeEntitlement:
		return t, nil
	}
	return "", Invalidf("type", "access summary type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT", s)
}

// AccessRef is AccessSummary.access: the access item under review.
type AccessRef struct {
	Type DtoType `json:"type"`
	ID   string  `json:"id"`
	Name string  `json:"name"`
}

// AccessSummary is one access item of a certification, with the details of exactly the
// object matching its type; the other two keys are omitted.
type AccessSummary struct {
	Access        AccessRef                `json:"access"`
	Entitlement   *ReviewableEntitlement   `json:"entitlement,omitempty"`
	AccessProfile *ReviewableAccessProfile `json:"accessProfile,omitempty"`
	Role          *ReviewableRole          `json:"role,omitempty"`
}

// IdentityReference is the spec's IdentityReferenceWithNameAndEmail.
type IdentityReference struct {
	Type  DtoType `json:"type"`
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Email *string `json:"email"`
}

// DataAccess is the data-access-security detail of an entitlement.
type DataAccess struct {
	Policies    []DataAccessValue    `json:"policies"`
	Categories  []DataAccessCategory `json:"categories"`
	ImpactScore *DataAccessValue     `json:"impactScore,omitempty"`
}

// DataAccessValue is a {value} object of DataAccess.
type DataAccessValue struct {
	Value string `json:"value"`
}

// DataAccessCategory is a {value, matchCount} object of DataAccess.
type DataAccessCategory struct {
	Value      string `json:"value"`
	MatchCount int    `json:"matchCount"`
}

// ActivityInsights is the usage of an account over the last 90 days.
type ActivityInsights struct {
	AccountID      string `json:"accountID"`
	UsageDays      int    `json:"usageDays"`
	UsageDaysState string `json:"usageDaysState"` // COMPLETE or UNKNOWN
}

// AccountOwner is ReviewableEntitlement.account.owner.
type AccountOwner struct {
	ID          *string `json:"id"`
	Type        DtoType `json:"type"`
	DisplayName *string `json:"displayName"`
}

// EntitlementAccount is ReviewableEntitlement.account: the account through which the
// reviewed identity holds the entitlement.
type EntitlementAccount struct {
	NativeIdentity    string            `json:"nativeIdentity"`
	Disabled          bool              `json:"disabled"`
	Locked            bool              `json:"locked"`
	Type              DtoType           `json:"type"`
	ID                *string           `json:"id"`
	Name              *string           `json:"name"`
	Created           *Time             `json:"created"`
	Modified          *Time             `json:"modified"`
	ActivityInsights  *ActivityInsights `json:"activityInsights,omitempty"`
	Description       *string           `json:"description"`
	GovernanceGroupID *string           `json:"governanceGroupId"`
	Owner             *AccountOwner     `json:"owner"`
}

// ReviewableEntitlement is the spec's ReviewableEntitlement.
type ReviewableEntitlement struct {
	ID                     string              `json:"id"`
	Name                   string              `json:"name"`
	Description            *string             `json:"description"`
	Privileged             bool                `json:"privileged"`
	Owner                  *IdentityReference  `json:"owner"`
	AttributeName          string              `json:"attributeName"`
	AttributeValue         string              `json:"attributeValue"`
	SourceSchemaObjectType string              `json:"sourceSchemaObjectType"`
	SourceName             string              `json:"sourceName"`
	SourceType             string              `json:"sourceType"`
	SourceID               string              `json:"sourceId"`
	HasPermissions         bool                `json:"hasPermissions"`
	IsPermission           bool                `json:"isPermission"`
	Revocable              bool                `json:"revocable"`
	CloudGoverned          bool                `json:"cloudGoverned"`
	ContainsDataAccess     bool                `json:"containsDataAccess"`
	DataAccess             *DataAccess         `json:"dataAccess"`
	Account                *EntitlementAccount `json:"account"`
}

// ReviewableAccessProfile is the spec's ReviewableAccessProfile. Its source name is kept by
// the backends for the accessProfile.sourceName filter but is not part of the body
// (Decision 3).
type ReviewableAccessProfile struct {
	ID            string                  `json:"id"`
	Name          string                  `json:"name"`
	Description   string                  `json:"description"`
	Privileged    bool                    `json:"privileged"`
	CloudGoverned bool                    `json:"cloudGoverned"`
	EndDate       *Time                   `json:"endDate"`
	Owner         *IdentityReference      `json:"owner"`
	Entitlements  []ReviewableEntitlement `json:"entitlements"`
	Created       Time                    `json:"created"`
	Modified      Time                    `json:"modified"`
}

// ReviewableRole is the spec's ReviewableRole. Its endDate is not nullable in the spec, so it
// is omitted when unset.
type ReviewableRole struct {
	ID             string                    `json:"id"`
	Name           string                    `json:"name"`
	Description    string                    `json:"description"`
	Privileged     bool                      `json:"privileged"`
	Owner          *IdentityReference        `json:"owner"`
	Revocable      bool                      `json:"revocable"`
	EndDate        *Time                     `json:"endDate,omitempty"`
	AccessProfiles []ReviewableAccessProfile `json:"accessProfiles"`
	Entitlements   []ReviewableEntitlement   `json:"entitlements"`
}
