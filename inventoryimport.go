package certsum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// This file holds the rules of storing an import (docs/import.md): the defaults an imported
// object takes, the account an entitlement assignment is held through, the content hash
// that tells an unchanged object from a changed one, what a snapshot may remove, and the
// report of an import. The backends apply them through the shared store core.

// The kinds of imported objects, as reports and problems name them.
const (
	KindIdentity        = "identity"
	KindSource          = "source"
	KindAccount         = "account"
	KindEntitlement     = "entitlement"
	KindAccessProfile   = "access profile"
	KindRole            = "role"
	KindAssignment      = "assignment"
	KindGovernanceGroup = "governance group"
)

// ImportKinds lists the kinds in the order reports list them.
var ImportKinds = []string{KindIdentity, KindSource, KindAccount, KindEntitlement, KindAccessProfile,
	KindRole, KindAssignment, KindGovernanceGroup}

// coverKey maps a kind to the key of InventoryInput.Covers (the JSON key of its list).
var coverKey = map[string]string{
	KindIdentity: "identities", KindSource: "sources", KindAccount: "accounts",
	KindEntitlement: "entitlements", KindAccessProfile: "accessProfiles", KindRole: "roles",
	KindAssignment: "assignments", KindGovernanceGroup: "governanceGroups",
}

// SourceScoped reports whether a scoped snapshot limits the removal of a kind to its
// sources: accounts, entitlements, access profiles and the assignments of entitlements and
// access profiles.
func SourceScoped(kind string) bool {
	switch kind {
	case KindAccount, KindEntitlement, KindAccessProfile, KindAssignment:
		return true
	}
	return false
}

// Import report statuses.
const (
	ImportRunning   = "RUNNING"
	ImportSucceeded = "SUCCEEDED"
	ImportRefused   = "REFUSED" // the input broke a rule; nothing was applied
	ImportFailed    = "FAILED"  // storage failed; nothing was applied
)

// MaxReportedChanges is how many changes a report lists one by one; the counts are always
// complete.
const MaxReportedChanges = 1000

// ImportOptions are the choices of one import beside its input.
type ImportOptions struct {
	// DryRun computes the report without writing the inventory.
	DryRun bool
	// Mode, when set, overrides the input's mode.
	Mode ImportMode
	// ScopeSourceIDs, when set, replaces the input's scope.
	ScopeSourceIDs []string
	// Source describes what was imported (a file name) in the report.
	Source string
	// ID is the report's id; a fresh one when empty.
	ID string
	// Progress, when set, is called with the rows written so far and their total.
	Progress func(done, total int)
}

// ImportCounts is what an import did to the objects of one kind.
type ImportCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
}

// Changed reports whether anything was created, updated or removed.
func (c ImportCounts) Changed() bool { return c.Created+c.Updated+c.Removed > 0 }

// Change actions.
const (
	ChangeCreated = "created"
	ChangeUpdated = "updated"
	ChangeRemoved = "removed"
)

// ImportChange is one object an import creates, updates or removes.
type ImportChange struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Action string `json:"action"`
}

// ImportReport is the outcome of one import.
type ImportReport struct {
	ID       string     `json:"id"`
	Status   string     `json:"status"`
	Source   string     `json:"source,omitempty"`
	Mode     ImportMode `json:"mode"`
	DryRun   bool       `json:"dryRun"`
	Scope    []string   `json:"scopeSourceIds,omitempty"`
	Created  Time       `json:"created"`
	Finished *Time      `json:"finished"`
	// InventoryVersion is the version the import made, or the version it left unchanged
	// (Changed false), 0 when nothing was ever imported.
	InventoryVersion int64                   `json:"inventoryVersion"`
	Changed          bool                    `json:"changed"`
	Counts           map[string]ImportCounts `json:"counts"`
	// Changes lists up to MaxReportedChanges changes; ChangesOmitted counts the rest.
	Changes        []ImportChange `json:"changes"`
	ChangesOmitted int            `json:"changesOmitted"`
	Problems       InputProblems  `json:"problems"`
	// RemediationsVerified counts the remediation items the import verified: it no longer
	// shows the revoked access.
	RemediationsVerified int `json:"remediationsVerified"`
	// Error is why a FAILED import failed.
	Error string `json:"error,omitempty"`
}

// NewImportReport starts the report of an import of in with opts at now: its effective
// mode and scope, empty counts for every kind.
func NewImportReport(in *InventoryInput, opts ImportOptions, now Time) *ImportReport {
	mode, scope := in.EffectiveMode(), in.ScopeSources()
	if opts.Mode != "" {
		mode = opts.Mode
	}
	if len(opts.ScopeSourceIDs) > 0 {
		scope = opts.ScopeSourceIDs
	}
	r := &ImportReport{ID: opts.ID, Status: ImportRunning, Source: opts.Source, Mode: mode,
		DryRun: opts.DryRun, Scope: scope, Created: now, Counts: map[string]ImportCounts{},
		Changes: []ImportChange{}, Problems: InputProblems{}}
	if r.ID == "" {
		r.ID = NewID()
	}
	for _, k := range ImportKinds {
		r.Counts[k] = ImportCounts{}
	}
	return r
}

// Count records one object of kind: a change (listed up to MaxReportedChanges) or, with
// action "", an unchanged object.
func (r *ImportReport) Count(kind, id, action string) {
	c := r.Counts[kind]
	switch action {
	case ChangeCreated:
		c.Created++
	case ChangeUpdated:
		c.Updated++
	case ChangeRemoved:
		c.Removed++
	default:
		c.Unchanged++
		r.Counts[kind] = c
		return
	}
	r.Counts[kind] = c
	r.Changed = true
	if len(r.Changes) < MaxReportedChanges {
		r.Changes = append(r.Changes, ImportChange{kind, id, action})
	} else {
		r.ChangesOmitted++
	}
}

// Finish ends the report at now with status.
func (r *ImportReport) Finish(status string, now Time) {
	r.Status = status
	r.Finished = &now
}

// ImportStore stores imported inventories.
type ImportStore interface {
	// ImportInventory checks in against itself and the stored inventory, then applies it in
	// one transaction (nothing with DryRun), and returns its report, which it also keeps.
	// Errors: invalid with the report (REFUSED) when the input breaks a rule, the problems
	// in report.Problems and as the error's InputProblems.
	ImportInventory(ctx context.Context, in *InventoryInput, opts ImportOptions) (*ImportReport, error)
	// SaveImportReport keeps a report (a RUNNING one of an import accepted but not yet
	// applied, or a FAILED one), replacing the report of the same id.
	SaveImportReport(ctx context.Context, r *ImportReport) error
	// GetImportReport returns a kept report. Errors: not_found.
	GetImportReport(ctx context.Context, id string) (*ImportReport, error)
	// InventoryVersion returns the newest inventory version, 0 before the first import.
	InventoryVersion(ctx context.Context) (int64, error)
	// LiveIdentities returns every identity that no import removed (id, name, email,
	// manager), in id order: what a c1z import correlates accounts with.
	LiveIdentities(ctx context.Context) ([]Identity, error)
}

// EffectiveMode is the input's mode, snapshot when unset.
func (in *InventoryInput) EffectiveMode() ImportMode {
	if in.Mode == "" {
		return ImportSnapshot
	}
	return in.Mode
}

// ScopeSources is the sources a scoped snapshot removes from, nil when it is not scoped.
func (in *InventoryInput) ScopeSources() []string {
	if in.Scope == nil || len(in.Scope.SourceIDs) == 0 {
		return nil
	}
	return in.Scope.SourceIDs
}

// Apply sets the options' mode and scope on the input.
func (in *InventoryInput) Apply(opts ImportOptions) {
	if opts.Mode != "" {
		in.Mode = opts.Mode
	}
	if len(opts.ScopeSourceIDs) > 0 {
		in.Scope = &ImportScope{SourceIDs: opts.ScopeSourceIDs}
	}
}

// Removes reports whether the import removes the stored, live objects of kind it does not
// list, those of the scope's sources only when it is scoped (source is the object's
// source, "" for objects of no source).
func (in *InventoryInput) Removes(kind, source string) bool {
	if in.EffectiveMode() != ImportSnapshot || !in.Covers[coverKey[kind]] {
		return false
	}
	scope := in.ScopeSources()
	if scope == nil {
		return true
	}
	if !SourceScoped(kind) || source == "" {
		return false
	}
	for _, s := range scope {
		if s == source {
			return true
		}
	}
	return false
}

// Cover marks kinds as listed by the input (an input built in code rather than parsed).
func (in *InventoryInput) Cover(kinds ...string) {
	if in.Covers == nil {
		in.Covers = map[string]bool{}
	}
	for _, k := range kinds {
		in.Covers[coverKey[k]] = true
	}
}

// Defaults the import gives values the input leaves empty (docs/import.md).
const (
	DefaultSourceType       = "DelimitedFile"
	DefaultEntAttribute     = "groups"
	DefaultSchemaObjectType = "group"
	IdentityActive          = "active"
	IdentityInactive        = "inactive"
)

// Normalize gives every object the defaults of the values it leaves empty, so that the
// content hash of an object does not depend on whether a default was spelled out.
func (in *InventoryInput) Normalize() {
	for i := range in.Identities {
		x := &in.Identities[i]
		if x.Status == "" {
			x.Status = IdentityActive
		}
	}
	for i := range in.Sources {
		if in.Sources[i].Type == "" {
			in.Sources[i].Type = DefaultSourceType
		}
	}
	for i := range in.Accounts {
		if in.Accounts[i].Name == "" {
			in.Accounts[i].Name = in.Accounts[i].NativeIdentity
		}
	}
	yes := true
	for i := range in.Entitlements {
		x := &in.Entitlements[i]
		if x.Attribute == "" {
			x.Attribute = DefaultEntAttribute
		}
		if x.Value == "" {
			x.Value = x.ID
		}
		if x.SchemaObjectType == "" {
			x.SchemaObjectType = DefaultSchemaObjectType
		}
		if x.Revocable == nil {
			x.Revocable = &yes
		}
	}
	for i := range in.Roles {
		if in.Roles[i].Revocable == nil {
			in.Roles[i].Revocable = &yes
		}
	}
}

// StoredAccount is an account an import can hold an entitlement through.
type StoredAccount struct {
	ID, IdentityID, SourceID string
}

// ResolveAccounts gives every entitlement assignment without an account the account it is
// held through: the identity's only account on the entitlement's source (of the input, or
// stored when stored is not nil), or a new account "<source>:<identity>" (native identity:
// the identity's name) that it adds to the input. An identity with several accounts on the
// source is a problem: the assignment must name one. Assignments whose identity or
// entitlement is unknown are left to Check.
func (in *InventoryInput) ResolveAccounts(stored func(identityID, sourceID string) []string, entSource func(id string) string) error {
	type key struct{ identity, source string }
	own := map[key][]string{}
	for _, a := range in.Accounts {
		if a.IdentityID != "" {
			k := key{a.IdentityID, a.SourceID}
			own[k] = append(own[k], a.ID)
		}
	}
	inputEnt := make(map[string]string, len(in.Entitlements))
	for _, e := range in.Entitlements {
		inputEnt[e.ID] = e.SourceID
	}
	names := make(map[string]string, len(in.Identities))
	for _, x := range in.Identities {
		names[x.ID] = x.Name
	}
	accountIDs := make(map[string]bool, len(in.Accounts))
	for _, a := range in.Accounts {
		accountIDs[a.ID] = true
	}
	var p problems
	for i := range in.Assignments {
		x := &in.Assignments[i]
		if x.AccessType != TypeEntitlement || x.AccountID != "" {
			continue
		}
		src, ok := inputEnt[x.AccessID]
		if !ok && entSource != nil {
			src = entSource(x.AccessID)
		}
		if src == "" {
			continue
		}
		k := key{x.IdentityID, src}
		ids, seen := own[k]
		if !seen && stored != nil {
			ids = stored(x.IdentityID, src)
			own[k] = ids
		}
		switch len(ids) {
		case 0:
			id := src + ":" + x.IdentityID
			native := names[x.IdentityID]
			if native == "" {
				native = x.IdentityID
			}
			if !accountIDs[id] {
				in.Accounts = append(in.Accounts, InputAccount{ID: id, SourceID: src, NativeIdentity: native,
					IdentityID: x.IdentityID, Name: native, Pos: x.Pos})
				accountIDs[id] = true
			}
			own[k] = []string{id}
			x.AccountID = id
		case 1:
			x.AccountID = ids[0]
		default:
			sorted := append([]string(nil), ids...)
			sort.Strings(sorted)
			p.add(x.Pos, "identity %q has %d accounts on source %q (%s); accountId must name one",
				x.IdentityID, len(ids), src, strings.Join(sorted, ", "))
		}
	}
	if len(p.list) > 0 {
		return p.list
	}
	return nil
}

// AssignmentKey is the id of an assignment in reports: identity/TYPE/access[/account].
func AssignmentKey(identityID string, t DtoType, accessID, accountID string) string {
	k := identityID + "/" + string(t) + "/" + accessID
	if accountID != "" {
		k += "/" + accountID
	}
	return k
}

// ContentHash is the content hash of an imported object: the SHA-256 of its JSON form (the
// position excluded), 32 hex characters. Two objects with equal values have equal hashes.
func ContentHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Every Input* type marshals; a failure is a programming error.
		panic(fmt.Sprintf("certsum: content hash: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
