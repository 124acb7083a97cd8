package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/certsum/certsum"
)

// importWriter writes an import's change set in the import's transaction: batched
// multi-row upserts (INSERT … ON CONFLICT DO UPDATE, the same on both backends), the member
// lists of changed access profiles, roles and governance groups replaced whole, and removed
// objects stamped with deleted_at.
type importWriter struct {
	dl       Dialect
	tx       Querier
	p        *importPlan
	now      certsum.Time
	progress func(done, total int)
	done     int
	total    int
	prepared map[string]func(context.Context, ...any) error // full-batch statements, where the backend prepares
}

// table is an upserted table: its columns, the conflict key, and the columns an update
// leaves as they are (creation times).
type table struct {
	name       string
	cols       []string
	key        []string
	insertOnly []string
	// add are the columns an update adds to instead of replacing (counters).
	add []string
}

var (
	identitiesTable = table{name: "identities", cols: []string{"id", "name", "email", "manager_id", "department", "title",
		"display_name", "status", "attributes", "hash", "deleted_at"}, key: []string{"id"}}
	sourcesTable = table{name: "sources", cols: []string{"id", "name", "type", "owner_id", "authoritative", "description",
		"hash", "deleted_at"}, key: []string{"id"}}
	accountsTable = table{name: "accounts", cols: []string{"id", "native_identity", "name", "source_id", "identity_id",
		"disabled", "locked", "created", "modified", "usage_days", "attributes", "hash", "deleted_at"}, key: []string{"id"},
		insertOnly: []string{"created"}}
	entitlementsTable = table{name: "entitlements", cols: []string{"id", "name", "description", "source_id", "attribute_name",
		"attribute_value", "source_schema_object_type", "owner_id", "privileged", "revocable", "cloud_governed",
		"is_permission", "permissions", "data_access", "hash", "deleted_at"},
		key: []string{"id"}}
	accessProfilesTable = table{name: "access_profiles", cols: []string{"id", "name", "description", "source_id", "owner_id",
		"privileged", "cloud_governed", "created", "modified", "hash", "deleted_at"}, key: []string{"id"},
		insertOnly: []string{"created"}}
	rolesTable = table{name: "roles", cols: []string{"id", "name", "description", "owner_id", "privileged", "revocable",
		"hash", "deleted_at"}, key: []string{"id"}}
	groupsTable = table{name: "governance_groups", cols: []string{"id", "name", "description", "owner_id", "hash",
		"deleted_at"}, key: []string{"id"}}
	assignmentsTable = table{name: "assignments", cols: []string{"identity_id", "access_type", "access_id", "account_id",
		"source_id", "assigned", "end_date", "external_id", "hash", "deleted_at"},
		key: []string{"identity_id", "access_type", "access_id", "account_id"}}
	apEntitlementsTable   = table{name: "access_profile_entitlements", cols: []string{"access_profile_id", "entitlement_id", "ord"}}
	roleProfilesTable     = table{name: "role_access_profiles", cols: []string{"role_id", "access_profile_id", "ord"}}
	roleEntitlementsTable = table{name: "role_entitlements", cols: []string{"role_id", "entitlement_id", "ord"}}
	groupMembersTable     = table{name: "governance_group_members", cols: []string{"group_id", "identity_id"}}
)

// maxParams bounds the parameters of one statement (SQLite allows 32,766, PostgreSQL 65,535).
const maxParams = 30000

// upsert writes rows into t, batched.
func (w *importWriter) upsert(ctx context.Context, t table, rows [][]any) error {
	per := min(2000, maxParams/len(t.cols))
	var full string
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		stmt := full
		if len(batch) < per || stmt == "" {
			stmt = w.insertSQL(t, len(batch))
			if len(batch) == per {
				full = stmt
			}
		}
		args := make([]any, 0, len(batch)*len(t.cols))
		for _, r := range batch {
			args = append(args, r...)
		}
		if err := w.exec(ctx, stmt, len(batch) == per, args); err != nil {
			return err
		}
		w.done += len(batch)
		if w.progress != nil {
			w.progress(w.done, w.total)
		}
	}
	return nil
}

// exec runs one batch statement; a full batch's statement is prepared once where the
// backend prepares statements, which spares parsing it again for every batch.
func (w *importWriter) exec(ctx context.Context, stmt string, full bool, args []any) error {
	p, ok := w.tx.(Preparer)
	if !full || !ok {
		_, err := w.tx.Exec(ctx, stmt, args...)
		return err
	}
	run, ok := w.prepared[stmt]
	if !ok {
		var err error
		if run, err = p.Prepare(ctx, stmt); err != nil {
			return err
		}
		if w.prepared == nil {
			w.prepared = map[string]func(context.Context, ...any) error{}
		}
		w.prepared[stmt] = run
	}
	return run(ctx, args...)
}

// insertSQL is the statement that upserts n rows into t.
func (w *importWriter) insertSQL(t table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range t.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w.dl.OrderedParam(1 + i*len(t.cols) + j))
		}
		b.WriteByte(')')
	}
	if len(t.key) == 0 {
		return b.String()
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(t.key, ", ") + ") DO UPDATE SET ")
	first := true
	for _, c := range t.cols {
		if containsString(t.key, c) || containsString(t.insertOnly, c) {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		if containsString(t.add, c) {
			b.WriteString(c + " = " + t.name + "." + c + " + excluded." + c)
			continue
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// null is nil for "", the value otherwise.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// attributes is a free-attribute map as a JSON object.
func attributes(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

// apply writes the change set.
func (w *importWriter) apply(ctx context.Context) error {
	p, in, dl := w.p, w.p.in, w.dl
	for _, ids := range p.write {
		w.total += len(ids)
	}
	for _, x := range in.AccessProfiles {
		if p.write[certsum.KindAccessProfile][x.ID] != "" {
			w.total += len(x.EntitlementIDs)
		}
	}
	for _, x := range in.Roles {
		if p.write[certsum.KindRole][x.ID] != "" {
			w.total += len(x.AccessProfileIDs) + len(x.EntitlementIDs)
		}
	}
	for _, x := range in.GovernanceGroups {
		if p.write[certsum.KindGovernanceGroup][x.ID] != "" {
			w.total += len(x.MemberIDs)
		}
	}
	now := dl.TimeArg(w.now)
	// hash is the content hash diff computed for an object to write, "" for one unchanged.
	hash := func(kind, id string) string { return p.write[kind][id] }

	var rows [][]any
	for _, x := range in.Identities {
		if h := hash(certsum.KindIdentity, x.ID); h != "" {
			rows = append(rows, []any{x.ID, x.Name, null(x.Email), null(x.ManagerID), x.Attributes["department"],
				x.Attributes["title"], null(x.DisplayName), x.Status, attributes(x.Attributes), h, nil})
		}
	}
	if err := w.upsert(ctx, identitiesTable, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, x := range in.Sources {
		if h := hash(certsum.KindSource, x.ID); h != "" {
			rows = append(rows, []any{x.ID, x.Name, x.Type, null(x.OwnerID), x.Authoritative, x.Description,
				h, nil})
		}
	}
	if err := w.upsert(ctx, sourcesTable, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, x := range in.Accounts {
		if h := hash(certsum.KindAccount, x.ID); h != "" {
			created, modified := now, now
			if x.Created != nil {
				created = dl.TimeArg(*x.Created)
			}
			if x.Modified != nil {
				modified = dl.TimeArg(*x.Modified)
			}
			usage := -1 // unknown
			if x.UsageDays != nil {
				usage = *x.UsageDays
			}
			rows = append(rows, []any{x.ID, x.NativeIdentity, x.Name, x.SourceID, null(x.IdentityID), x.Disabled, x.Locked,
				created, modified, usage, attributes(x.Attributes), h, nil})
		}
	}
	if err := w.upsert(ctx, accountsTable, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, x := range in.Entitlements {
		if h := hash(certsum.KindEntitlement, x.ID); h != "" {
			perms := x.Permissions
			if perms == nil {
				perms = []certsum.Permission{}
			}
			pj, err := JSONText(perms)
			if err != nil {
				return err
			}
			da, err := JSONText(x.DataAccess)
			if err != nil {
				return err
			}
			rows = append(rows, []any{x.ID, x.Name, null(x.Description), x.SourceID, x.Attribute, x.Value,
				x.SchemaObjectType, null(x.OwnerID), x.Privileged, *x.Revocable, x.CloudGoverned, x.IsPermission, pj, da,
				h, nil})
		}
	}
	if err := w.upsert(ctx, entitlementsTable, rows); err != nil {
		return err
	}
	rows = rows[:0]
	var members [][]any
	var parents []string
	for _, x := range in.AccessProfiles {
		if h := hash(certsum.KindAccessProfile, x.ID); h != "" {
			created, modified := now, now
			if x.Created != nil {
				created = dl.TimeArg(*x.Created)
			}
			if x.Modified != nil {
				modified = dl.TimeArg(*x.Modified)
			}
			rows = append(rows, []any{x.ID, x.Name, x.Description, x.SourceID, null(x.OwnerID), x.Privileged,
				x.CloudGoverned, created, modified, h, nil})
			parents = append(parents, x.ID)
			for i, e := range x.EntitlementIDs {
				members = append(members, []any{x.ID, e, i})
			}
		}
	}
	if err := w.upsert(ctx, accessProfilesTable, rows); err != nil {
		return err
	}
	if err := w.replace(ctx, apEntitlementsTable, "access_profile_id", parents, members); err != nil {
		return err
	}
	rows, members, parents = rows[:0], nil, nil
	var roleEnts [][]any
	for _, x := range in.Roles {
		if h := hash(certsum.KindRole, x.ID); h != "" {
			rows = append(rows, []any{x.ID, x.Name, x.Description, null(x.OwnerID), x.Privileged, *x.Revocable,
				h, nil})
			parents = append(parents, x.ID)
			for i, a := range x.AccessProfileIDs {
				members = append(members, []any{x.ID, a, i})
			}
			for i, e := range x.EntitlementIDs {
				roleEnts = append(roleEnts, []any{x.ID, e, i})
			}
		}
	}
	if err := w.upsert(ctx, rolesTable, rows); err != nil {
		return err
	}
	if err := w.replace(ctx, roleProfilesTable, "role_id", parents, members); err != nil {
		return err
	}
	if err := w.replace(ctx, roleEntitlementsTable, "role_id", parents, roleEnts); err != nil {
		return err
	}
	rows, members, parents = rows[:0], nil, nil
	for _, x := range in.GovernanceGroups {
		if h := hash(certsum.KindGovernanceGroup, x.ID); h != "" {
			rows = append(rows, []any{x.ID, x.Name, x.Description, null(x.OwnerID), h, nil})
			parents = append(parents, x.ID)
			for _, m := range x.MemberIDs {
				members = append(members, []any{x.ID, m})
			}
		}
	}
	if err := w.upsert(ctx, groupsTable, rows); err != nil {
		return err
	}
	if err := w.replace(ctx, groupMembersTable, "group_id", parents, members); err != nil {
		return err
	}
	if err := w.assignments(ctx); err != nil {
		return err
	}
	return w.removals(ctx)
}

// assignments upserts the changed assignments, each with the source of its access.
func (w *importWriter) assignments(ctx context.Context) error {
	p, in, dl := w.p, w.p.in, w.dl
	sourceOf := map[certsum.DtoType]map[string]string{certsum.TypeEntitlement: {}, certsum.TypeAccessProfile: {}}
	for _, x := range in.Entitlements {
		sourceOf[certsum.TypeEntitlement][x.ID] = x.SourceID
	}
	for _, x := range in.AccessProfiles {
		sourceOf[certsum.TypeAccessProfile][x.ID] = x.SourceID
	}
	source := func(t certsum.DtoType, id string) any {
		m, ok := sourceOf[t]
		if !ok {
			return nil // a role spans sources
		}
		if s, ok := m[id]; ok {
			return s
		}
		kind := certsum.KindEntitlement
		if t == certsum.TypeAccessProfile {
			kind = certsum.KindAccessProfile
		}
		return null(p.st[kind][id].source)
	}
	var rows [][]any
	for _, x := range in.Assignments {
		h := p.write[certsum.KindAssignment][certsum.AssignmentKey(x.IdentityID, x.AccessType, x.AccessID, x.AccountID)]
		if h == "" {
			continue
		}
		rows = append(rows, []any{x.IdentityID, string(x.AccessType), x.AccessID, x.AccountID, source(x.AccessType, x.AccessID),
			dl.NullTimeArg(x.Assigned), dl.NullTimeArg(x.EndDate), null(x.ExternalID), h, nil})
	}
	return w.upsert(ctx, assignmentsTable, rows)
}

// replace replaces the member rows of the parents in t (parent column col) with rows.
func (w *importWriter) replace(ctx context.Context, t table, col string, parents []string, rows [][]any) error {
	for start := 0; start < len(parents); start += 5000 {
		batch := parents[start:min(start+5000, len(parents))]
		if _, err := w.tx.Exec(ctx, `DELETE FROM `+t.name+` WHERE `+w.dl.AnyOf(col, w.dl.Param(1)), w.dl.IDs(batch)); err != nil {
			return err
		}
	}
	return w.upsert(ctx, t, rows)
}

// removalTables are the tables of the kinds keyed by one id.
var removalTables = map[string]string{
	certsum.KindIdentity: "identities", certsum.KindSource: "sources", certsum.KindAccount: "accounts",
	certsum.KindEntitlement: "entitlements", certsum.KindAccessProfile: "access_profiles", certsum.KindRole: "roles",
	certsum.KindGovernanceGroup: "governance_groups",
}

// removals stamps the removed objects with deleted_at.
func (w *importWriter) removals(ctx context.Context) error {
	dl := w.dl
	now := dl.TimeArg(w.now)
	for kind, name := range removalTables {
		ids := w.p.remove[kind]
		for start := 0; start < len(ids); start += 5000 {
			batch := ids[start:min(start+5000, len(ids))]
			if _, err := w.tx.Exec(ctx, `UPDATE `+name+` SET deleted_at = `+dl.Param(1)+` WHERE `+dl.AnyOf("id", dl.Param(2)),
				now, dl.IDs(batch)); err != nil {
				return err
			}
		}
	}
	stmt := `UPDATE assignments SET deleted_at = ` + dl.Param(1) + ` WHERE identity_id = ` + dl.Param(2) +
		` AND access_type = ` + dl.Param(3) + ` AND access_id = ` + dl.Param(4) + ` AND account_id = ` + dl.Param(5)
	for _, key := range w.p.remove[certsum.KindAssignment] {
		identity, typ, access, account := splitAssignmentKey(key)
		if _, err := w.tx.Exec(ctx, stmt, now, identity, typ, access, account); err != nil {
			return err
		}
	}
	return nil
}

// splitAssignmentKey reverses certsum.AssignmentKey (ids never hold '/').
func splitAssignmentKey(key string) (identity, typ, access, account string) {
	parts := strings.SplitN(key, "/", 4)
	identity, typ, access = parts[0], parts[1], parts[2]
	if len(parts) == 4 {
		account = parts[3]
	}
	return identity, typ, access, account
}
