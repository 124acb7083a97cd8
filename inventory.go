package certsum

// The identity and access inventory that campaigns are generated from. These types are
// certsum's own (the v2024 summaries API never returns them whole); the Reviewable* types in
// access.go are the wire views of the same objects.

// Identity is a person (or service identity) whose access is reviewed, or who reviews.
type Identity struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"`
	ManagerID string `json:"managerId,omitempty"`
	// Department and Title make the demo organisation and reviewer views realistic.
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// GovernanceGroup is a named set of identities that can review a certification together.
type GovernanceGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	OwnerID     string   `json:"ownerId,omitempty"`
	MemberIDs   []string `json:"memberIds"`
}

// Source is a connected system that holds accounts and entitlements.
type Source struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"` // connector type, e.g. "Active Directory - Direct"
	OwnerID string `json:"ownerId,omitempty"`
}

// Account is an identity's account on a source.
type Account struct {
	ID             string `json:"id"`
	NativeIdentity string `json:"nativeIdentity"`
	Name           string `json:"name"`
	SourceID       string `json:"sourceId"`
	IdentityID     string `json:"identityId"`
	Disabled       bool   `json:"disabled"`
	Locked         bool   `json:"locked"`
	Created        Time   `json:"created"`
	Modified       Time   `json:"modified"`
	// UsageDays is the activity insight: days in the last 90 the account was used, or -1 if unknown.
	UsageDays int `json:"usageDays"`
}

// Entitlement is a grantable permission on a source.
type Entitlement struct {
	ID                     string       `json:"id"`
	Name                   string       `json:"name"`
	Description            *string      `json:"description"`
	SourceID               string       `json:"sourceId"`
	AttributeName          string       `json:"attributeName"`
	AttributeValue         string       `json:"attributeValue"`
	SourceSchemaObjectType string       `json:"sourceSchemaObjectType"`
	OwnerID                string       `json:"ownerId,omitempty"`
	Privileged             bool         `json:"privileged"`
	Revocable              bool         `json:"revocable"`
	CloudGoverned          bool         `json:"cloudGoverned"`
	IsPermission           bool         `json:"isPermission"`
	Permissions            []Permission `json:"permissions"`
	DataAccess             *DataAccess  `json:"dataAccess"`
}

// AccessProfile bundles entitlements of one source.
type AccessProfile struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	SourceID       string   `json:"sourceId"`
	OwnerID        string   `json:"ownerId,omitempty"`
	Privileged     bool     `json:"privileged"`
	CloudGoverned  bool     `json:"cloudGoverned"`
	EntitlementIDs []string `json:"entitlementIds"`
	Created        Time     `json:"created"`
	Modified       Time     `json:"modified"`
}

// Role bundles access profiles and entitlements for a business function.
type Role struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	OwnerID          string   `json:"ownerId,omitempty"`
	Privileged       bool     `json:"privileged"`
	Revocable        bool     `json:"revocable"`
	AccessProfileIDs []string `json:"accessProfileIds"`
	EntitlementIDs   []string `json:"entitlementIds"`
}

// Permission is one right set on a target that an entitlement grants (PermissionDto).
type Permission struct {
	Rights []string `json:"rights"`
	Target string   `json:"target"`
}

// Inventory is a whole identity and access inventory, as imported in bulk.
type Inventory struct {
	Identities       []Identity
	GovernanceGroups []GovernanceGroup
	Sources          []Source
	Accounts         []Account
	Entitlements     []Entitlement
	AccessProfiles   []AccessProfile
	Roles            []Role
}
