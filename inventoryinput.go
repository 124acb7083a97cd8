package certsum

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// This file is the inventory an organisation imports (docs/import.md): its objects as the
// JSON document and the CSV files spell them, and the rules the whole input must keep before
// anything of it is stored. The parsers (internal/inventory) record where each object stands
// in its file, so that every problem names file, line and column.

// ImportMode says what an import does with stored objects it does not mention.
type ImportMode string

// Import modes.
const (
	// ImportSnapshot upserts every object and removes (softly) the objects of the kinds the
	// input covers that it no longer lists.
	ImportSnapshot ImportMode = "snapshot"
	// ImportMerge only upserts.
	ImportMerge ImportMode = "merge"
)

// InventoryFormatVersion is the version of the import format this certsum reads.
const InventoryFormatVersion = 1

// MaxInputProblems is how many problems a refused import reports at most.
const MaxInputProblems = 100

// MaxUsageDays is the span of an account's activity (InputAccount.UsageDays): the last 90
// days, as ISC's activity insights.
const MaxUsageDays = 90

// InputPos is where an object or value stands in the input: the file, and the 1-based line
// and column (of the object's first byte in JSON, of the cell in CSV).
type InputPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (p InputPos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// InventoryInput is one import: the inventory model of docs/import.md.
type InventoryInput struct {
	FormatVersion    int                    `json:"formatVersion"`
	Mode             ImportMode             `json:"mode,omitempty"`
	Scope            *ImportScope           `json:"scope,omitempty"`
	Identities       []InputIdentity        `json:"identities,omitempty"`
	Sources          []InputSource          `json:"sources,omitempty"`
	Accounts         []InputAccount         `json:"accounts,omitempty"`
	Entitlements     []InputEntitlement     `json:"entitlements,omitempty"`
	AccessProfiles   []InputAccessProfile   `json:"accessProfiles,omitempty"`
	Roles            []InputRole            `json:"roles,omitempty"`
	Assignments      []InputAssignment      `json:"assignments,omitempty"`
	GovernanceGroups []InputGovernanceGroup `json:"governanceGroups,omitempty"`
	// Name names the input in problems about the whole of it (the file or directory).
	Name string `json:"-"`
	// Covers names the kinds the input lists ("identities", "sources", …), present even when
	// empty: a snapshot removes absent objects of those kinds only.
	Covers map[string]bool `json:"-"`
}

// ImportScope limits what a snapshot removes to the objects of some sources.
type ImportScope struct {
	SourceIDs []string `json:"sourceIds"`
}

// InputIdentity is a person (identities.csv).
type InputIdentity struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	DisplayName string            `json:"displayName,omitempty"`
	Email       string            `json:"email,omitempty"`
	ManagerID   string            `json:"managerId,omitempty"`
	Status      string            `json:"status,omitempty"` // active (default) or inactive
	Attributes  map[string]string `json:"attributes,omitempty"`
	Pos         InputPos          `json:"-"`
}

// InputSource is a system access is held on (sources.csv).
type InputSource struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	OwnerID       string   `json:"ownerId,omitempty"`
	Type          string   `json:"type,omitempty"`
	Authoritative bool     `json:"authoritative,omitempty"`
	Description   string   `json:"description,omitempty"`
	Pos           InputPos `json:"-"`
}

// InputAccount is an account on a source, correlated to an identity or not (accounts.csv).
type InputAccount struct {
	ID             string `json:"id"`
	SourceID       string `json:"sourceId"`
	NativeIdentity string `json:"nativeIdentity"`
	IdentityID     string `json:"identityId,omitempty"`
	Name           string `json:"name,omitempty"`
	Disabled       bool   `json:"disabled,omitempty"`
	Locked         bool   `json:"locked,omitempty"`
	Created        *Time  `json:"created,omitempty"`
	Modified       *Time  `json:"modified,omitempty"`
	// UsageDays is the account's activity: on how many of the last 90 days it was used
	// (0 to 90); absent when not known.
	UsageDays  *int              `json:"usageDays,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Pos        InputPos          `json:"-"`
}

// InputEntitlement is a permission on a source (entitlements.csv).
type InputEntitlement struct {
	ID               string `json:"id"`
	SourceID         string `json:"sourceId"`
	Name             string `json:"name"`
	Attribute        string `json:"attribute,omitempty"`
	Value            string `json:"value,omitempty"`
	SchemaObjectType string `json:"schemaObjectType,omitempty"`
	Description      string `json:"description,omitempty"`
	Privileged       bool   `json:"privileged,omitempty"`
	Revocable        *bool  `json:"revocable,omitempty"`
	OwnerID          string `json:"ownerId,omitempty"`
	// CloudGoverned, IsPermission, Permissions and DataAccess are shown on the entitlement's
	// review items as they are given (ReviewableEntitlement).
	CloudGoverned bool         `json:"cloudGoverned,omitempty"`
	IsPermission  bool         `json:"isPermission,omitempty"`
	Permissions   []Permission `json:"permissions,omitempty"`
	DataAccess    *DataAccess  `json:"dataAccess,omitempty"`
	Pos           InputPos     `json:"-"`
}

// InputAccessProfile bundles entitlements of one source (access_profiles.csv).
type InputAccessProfile struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	SourceID       string   `json:"sourceId"`
	OwnerID        string   `json:"ownerId"`
	EntitlementIDs []string `json:"entitlementIds"`
	Description    string   `json:"description,omitempty"`
	Privileged     bool     `json:"privileged,omitempty"`
	CloudGoverned  bool     `json:"cloudGoverned,omitempty"`
	// Created and Modified are the access profile's own times; the import's time when
	// absent.
	Created  *Time    `json:"created,omitempty"`
	Modified *Time    `json:"modified,omitempty"`
	Pos      InputPos `json:"-"`
}

// InputRole bundles access profiles and entitlements (roles.csv).
type InputRole struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	OwnerID          string   `json:"ownerId"`
	AccessProfileIDs []string `json:"accessProfileIds,omitempty"`
	EntitlementIDs   []string `json:"entitlementIds,omitempty"`
	Description      string   `json:"description,omitempty"`
	Privileged       bool     `json:"privileged,omitempty"`
	Revocable        *bool    `json:"revocable,omitempty"`
	Pos              InputPos `json:"-"`
}

// InputAssignment is access an identity holds (assignments.csv): a role or access profile
// assigned to it, or an entitlement held through an account.
type InputAssignment struct {
	IdentityID string  `json:"identityId"`
	AccessType DtoType `json:"accessType"` // ROLE, ACCESS_PROFILE or ENTITLEMENT
	AccessID   string  `json:"accessId"`
	AccountID  string  `json:"accountId,omitempty"` // ENTITLEMENT only
	Assigned   *Time   `json:"assigned,omitempty"`
	EndDate    *Time   `json:"endDate,omitempty"`
	// ExternalID is the id the source knows the grant by (a baton grant id), named in
	// revocation exports.
	ExternalID string   `json:"externalId,omitempty"`
	Pos        InputPos `json:"-"`
}

// InputGovernanceGroup is a named set of identities that can review (governance_groups.csv).
type InputGovernanceGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	MemberIDs   []string `json:"memberIds"`
	Description string   `json:"description,omitempty"`
	OwnerID     string   `json:"ownerId,omitempty"`
	Pos         InputPos `json:"-"`
}

// InputProblem is one thing wrong with an input, where it stands.
type InputProblem struct {
	InputPos
	Message string `json:"message"`
}

// InputProblems are every problem of a refused input (at most MaxInputProblems), in file and
// position order. It is an error.
type InputProblems []InputProblem

func (p InputProblems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the inventory input has %d problem(s)", len(p))
	for i, x := range p {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(p)-i)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", x.InputPos, x.Message)
	}
	return b.String()
}

// problems collects InputProblems up to MaxInputProblems.
type problems struct{ list InputProblems }

func (p *problems) add(pos InputPos, format string, args ...any) {
	if len(p.list) < MaxInputProblems {
		p.list = append(p.list, InputProblem{pos, fmt.Sprintf(format, args...)})
	}
}

// inputIDPattern is the form of every user-chosen id: it appears in query strings, filters
// and paths verbatim.
var inputIDPattern = regexp.MustCompile(`^[A-Za-z0-9._~:@+-]{1,255}$`)

// ValidInputID reports whether id has the form of an imported object's id.
func ValidInputID(id string) bool { return inputIDPattern.MatchString(id) }

// Check applies the rules of the whole input (docs/import.md): the format version and mode,
// every id's form and uniqueness per kind, required values, and every reference — to objects
// of the input, or of the stored inventory when stored is not nil and the input does not
// define them (stored answers whether an object of a kind exists). It returns nil or
// InputProblems.
func (in *InventoryInput) Check(stored func(kind, id string) bool) error {
	var p problems
	top := InputPos{File: in.file()}
	if in.FormatVersion != InventoryFormatVersion {
		p.add(top, "formatVersion is %d; this certsum reads version %d", in.FormatVersion, InventoryFormatVersion)
	}
	switch in.Mode {
	case "", ImportSnapshot, ImportMerge:
	default:
		p.add(top, "mode %q is not snapshot or merge", in.Mode)
	}
	ids := map[string]map[string]InputPos{}
	define := func(kind string, pos InputPos, id string) {
		if !inputIDPattern.MatchString(id) {
			p.add(pos, "%s id %q is not 1 to 255 of the characters A-Z a-z 0-9 . _ ~ : @ + -", kind, id)
			return
		}
		m := ids[kind]
		if m == nil {
			m = map[string]InputPos{}
			ids[kind] = m
		}
		if first, dup := m[id]; dup {
			p.add(pos, "%s id %q is also at %s", kind, id, first)
			return
		}
		m[id] = pos
	}
	exists := func(kind, id string) bool {
		if _, ok := ids[kind][id]; ok {
			return true
		}
		return stored != nil && stored(kind, id)
	}
	need := func(pos InputPos, what, kind, id string, optional bool) {
		if id == "" {
			if !optional {
				p.add(pos, "%s is required", what)
			}
			return
		}
		if !exists(kind, id) {
			p.add(pos, "%s %q names no %s", what, id, kind)
		}
	}
	required := func(pos InputPos, what, v string) {
		if strings.TrimSpace(v) == "" {
			p.add(pos, "%s is required", what)
		}
	}
	for _, x := range in.Identities {
		define("identity", x.Pos, x.ID)
	}
	for _, x := range in.Sources {
		define("source", x.Pos, x.ID)
	}
	for _, x := range in.Accounts {
		define("account", x.Pos, x.ID)
	}
	for _, x := range in.Entitlements {
		define("entitlement", x.Pos, x.ID)
	}
	for _, x := range in.AccessProfiles {
		define("access profile", x.Pos, x.ID)
	}
	for _, x := range in.Roles {
		define("role", x.Pos, x.ID)
	}
	for _, x := range in.GovernanceGroups {
		define("governance group", x.Pos, x.ID)
	}
	for _, x := range in.Identities {
		required(x.Pos, "name", x.Name)
		need(x.Pos, "managerId", "identity", x.ManagerID, true)
		if x.ManagerID != "" && x.ManagerID == x.ID {
			p.add(x.Pos, "identity %q is its own manager", x.ID)
		}
		switch x.Status {
		case "", "active", "inactive":
		default:
			p.add(x.Pos, "status %q is not active or inactive", x.Status)
		}
	}
	for _, x := range in.Sources {
		required(x.Pos, "name", x.Name)
		need(x.Pos, "ownerId", "identity", x.OwnerID, true)
	}
	for _, x := range in.Accounts {
		need(x.Pos, "sourceId", "source", x.SourceID, false)
		required(x.Pos, "nativeIdentity", x.NativeIdentity)
		need(x.Pos, "identityId", "identity", x.IdentityID, true)
		if x.UsageDays != nil && (*x.UsageDays < 0 || *x.UsageDays > MaxUsageDays) {
			p.add(x.Pos, "usageDays %d is not between 0 and %d", *x.UsageDays, MaxUsageDays)
		}
	}
	entSource := map[string]string{}
	for _, x := range in.Entitlements {
		required(x.Pos, "name", x.Name)
		need(x.Pos, "sourceId", "source", x.SourceID, false)
		need(x.Pos, "ownerId", "identity", x.OwnerID, true)
		entSource[x.ID] = x.SourceID
		for i, perm := range x.Permissions {
			if strings.TrimSpace(perm.Target) == "" || len(perm.Rights) == 0 || slices.Contains(perm.Rights, "") {
				p.add(x.Pos, "permission %d needs a target and at least one right, none empty", i+1)
			}
		}
		if d := x.DataAccess; d != nil {
			for _, c := range d.Categories {
				if c.Value == "" || c.MatchCount < 0 {
					p.add(x.Pos, "dataAccess category %q needs a name and a match count that is not negative", c.Value)
				}
			}
		}
	}
	for _, x := range in.AccessProfiles {
		required(x.Pos, "name", x.Name)
		need(x.Pos, "sourceId", "source", x.SourceID, false)
		need(x.Pos, "ownerId", "identity", x.OwnerID, false)
		if len(x.EntitlementIDs) == 0 {
			p.add(x.Pos, "entitlementIds is required")
		}
		for _, e := range x.EntitlementIDs {
			need(x.Pos, "entitlement", "entitlement", e, false)
			if src, ok := entSource[e]; ok && src != x.SourceID {
				p.add(x.Pos, "entitlement %q is on source %q, not on the access profile's source %q", e, src, x.SourceID)
			}
		}
		if d := FirstRepeat(x.EntitlementIDs); d != "" {
			p.add(x.Pos, "entitlement %q is listed twice", d)
		}
	}
	for _, x := range in.Roles {
		required(x.Pos, "name", x.Name)
		need(x.Pos, "ownerId", "identity", x.OwnerID, false)
		for _, a := range x.AccessProfileIDs {
			need(x.Pos, "access profile", "access profile", a, false)
		}
		for _, e := range x.EntitlementIDs {
			need(x.Pos, "entitlement", "entitlement", e, false)
		}
		if d := FirstRepeat(x.AccessProfileIDs); d != "" {
			p.add(x.Pos, "access profile %q is listed twice", d)
		}
		if d := FirstRepeat(x.EntitlementIDs); d != "" {
			p.add(x.Pos, "entitlement %q is listed twice", d)
		}
	}
	for _, x := range in.GovernanceGroups {
		required(x.Pos, "name", x.Name)
		if len(x.MemberIDs) == 0 {
			p.add(x.Pos, "memberIds is required")
		}
		for _, m := range x.MemberIDs {
			need(x.Pos, "member", "identity", m, false)
		}
		need(x.Pos, "ownerId", "identity", x.OwnerID, true)
		if d := FirstRepeat(x.MemberIDs); d != "" {
			p.add(x.Pos, "member %q is listed twice", d)
		}
	}
	in.checkAssignments(&p, need)
	if in.Scope != nil {
		for _, s := range in.Scope.SourceIDs {
			need(top, "scope source", "source", s, false)
		}
	}
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool {
		a, b := p.list[i].InputPos, p.list[j].InputPos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return p.list
}

// checkAssignments checks each assignment's target and account, and that no assignment
// repeats another.
func (in *InventoryInput) checkAssignments(p *problems, need func(pos InputPos, what, kind, id string, optional bool)) {
	accountOwner := map[string]string{}
	accountSource := map[string]string{}
	for _, a := range in.Accounts {
		accountOwner[a.ID], accountSource[a.ID] = a.IdentityID, a.SourceID
	}
	entSource := map[string]string{}
	for _, e := range in.Entitlements {
		entSource[e.ID] = e.SourceID
	}
	type key struct {
		identity string
		typ      DtoType
		access   string
		account  string
	}
	seen := map[key]InputPos{}
	for _, x := range in.Assignments {
		need(x.Pos, "identityId", "identity", x.IdentityID, false)
		switch x.AccessType {
		case TypeRole:
			need(x.Pos, "accessId", "role", x.AccessID, false)
		case TypeAccessProfile:
			need(x.Pos, "accessId", "access profile", x.AccessID, false)
		case TypeEntitlement:
			need(x.Pos, "accessId", "entitlement", x.AccessID, false)
		default:
			p.add(x.Pos, "accessType %q is not ROLE, ACCESS_PROFILE or ENTITLEMENT", x.AccessType)
		}
		if x.AccountID != "" {
			if x.AccessType != TypeEntitlement {
				p.add(x.Pos, "accountId is for ENTITLEMENT assignments only")
			} else {
				need(x.Pos, "accountId", "account", x.AccountID, false)
				if owner, ok := accountOwner[x.AccountID]; ok && owner != x.IdentityID {
					p.add(x.Pos, "account %q belongs to %q, not to %q", x.AccountID, owner, x.IdentityID)
				}
				if src, ok := accountSource[x.AccountID]; ok && entSource[x.AccessID] != "" && src != entSource[x.AccessID] {
					p.add(x.Pos, "account %q is on source %q, the entitlement on %q", x.AccountID, src, entSource[x.AccessID])
				}
			}
		}
		if x.EndDate != nil && x.Assigned != nil && !x.EndDate.After(x.Assigned.Time) {
			p.add(x.Pos, "endDate %s is not after assigned %s", x.EndDate.Format(time.RFC3339), x.Assigned.Format(time.RFC3339))
		}
		k := key{x.IdentityID, x.AccessType, x.AccessID, x.AccountID}
		if first, dup := seen[k]; dup {
			p.add(x.Pos, "the same assignment is also at %s", first)
		} else {
			seen[k] = x.Pos
		}
	}
}

// file names the input for problems about the whole of it.
func (in *InventoryInput) file() string {
	if in.Name != "" {
		return in.Name
	}
	return "input"
}

// FirstRepeat returns the first id that a list repeats, or "".
func FirstRepeat(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}
