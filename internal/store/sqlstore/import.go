package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/certsum/certsum"
)

// An import (certsum.ImportStore) reads what the stored inventory holds of every kind — id,
// content hash, whether it is live, its source — checks the input against it, computes the
// change set, and writes only the changed rows, all in one transaction: a refused or failed
// import applies nothing, and an import that changes nothing bumps no version.

// storedObject is what an import needs to know of a stored object.
type storedObject struct {
	hash   string
	live   bool
	source string
	// identity is an account's identity.
	identity string
}

// storedInventory is the stored objects of every kind by id (assignments by
// certsum.AssignmentKey).
type storedInventory map[string]map[string]storedObject

// storedQueries read each kind's objects: id, hash, live, source, identity.
var storedQueries = map[string]string{
	certsum.KindIdentity:        `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, '', '' FROM identities`,
	certsum.KindSource:          `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, '', '' FROM sources`,
	certsum.KindAccount:         `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, source_id, COALESCE(identity_id, '') FROM accounts`,
	certsum.KindEntitlement:     `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, source_id, '' FROM entitlements`,
	certsum.KindAccessProfile:   `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, source_id, '' FROM access_profiles`,
	certsum.KindRole:            `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, '', '' FROM roles`,
	certsum.KindGovernanceGroup: `SELECT id, COALESCE(hash, ''), deleted_at IS NULL, '', '' FROM governance_groups`,
}

// loadStored reads the stored inventory.
func loadStored(ctx context.Context, tx Querier) (storedInventory, error) {
	st := storedInventory{}
	for kind, q := range storedQueries {
		m := map[string]storedObject{}
		err := Each(ctx, tx, q, nil, func(rows Rows) error {
			var id string
			var o storedObject
			if err := rows.Scan(&id, &o.hash, &o.live, &o.source, &o.identity); err != nil {
				return err
			}
			m[id] = o
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read stored %s: %w", kind, err)
		}
		st[kind] = m
	}
	m := map[string]storedObject{}
	err := Each(ctx, tx, `SELECT identity_id, access_type, access_id, account_id, hash, deleted_at IS NULL,
		COALESCE(source_id, '') FROM assignments`, nil, func(rows Rows) error {
		var identity, typ, access, account string
		var o storedObject
		if err := rows.Scan(&identity, &typ, &access, &account, &o.hash, &o.live, &o.source); err != nil {
			return err
		}
		m[certsum.AssignmentKey(identity, certsum.DtoType(typ), access, account)] = o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored assignments: %w", err)
	}
	st[certsum.KindAssignment] = m
	return st, nil
}

// importPlan is an import's change set.
type importPlan struct {
	in     *certsum.InventoryInput
	st     storedInventory
	inputs map[string]map[string]bool
	// write holds, per kind, the ids to insert or update with their content hash (computed
	// once, by diff); remove those to remove.
	write  map[string]map[string]string
	remove map[string][]string
}

// inputIDs returns the ids of every kind the input lists.
func inputIDs(in *certsum.InventoryInput) map[string]map[string]bool {
	ids := map[string]map[string]bool{}
	set := func(kind string, n int, id func(i int) string) {
		m := make(map[string]bool, n)
		for i := range n {
			m[id(i)] = true
		}
		ids[kind] = m
	}
	set(certsum.KindIdentity, len(in.Identities), func(i int) string { return in.Identities[i].ID })
	set(certsum.KindSource, len(in.Sources), func(i int) string { return in.Sources[i].ID })
	set(certsum.KindEntitlement, len(in.Entitlements), func(i int) string { return in.Entitlements[i].ID })
	set(certsum.KindAccessProfile, len(in.AccessProfiles), func(i int) string { return in.AccessProfiles[i].ID })
	set(certsum.KindRole, len(in.Roles), func(i int) string { return in.Roles[i].ID })
	set(certsum.KindGovernanceGroup, len(in.GovernanceGroups), func(i int) string { return in.GovernanceGroups[i].ID })
	relistAccounts(in, ids)
	return ids
}

// relistAccounts lists the input's accounts and assignments again, the kinds that
// ResolveAccounts changes.
func relistAccounts(in *certsum.InventoryInput, ids map[string]map[string]bool) {
	accounts := make(map[string]bool, len(in.Accounts))
	for _, x := range in.Accounts {
		accounts[x.ID] = true
	}
	assignments := make(map[string]bool, len(in.Assignments))
	for _, x := range in.Assignments {
		assignments[certsum.AssignmentKey(x.IdentityID, x.AccessType, x.AccessID, x.AccountID)] = true
	}
	ids[certsum.KindAccount], ids[certsum.KindAssignment] = accounts, assignments
}

// removed reports whether the import removes the stored object kind/id. Only objects an
// import wrote (those with a content hash) are removed: certsum's own administrator and
// anything else certsum created itself stay whatever an import lists.
func (p *importPlan) removed(kind, id string) bool {
	o, ok := p.st[kind][id]
	return ok && o.live && o.hash != "" && !p.inputs[kind][id] && p.in.Removes(kind, o.source)
}

// live reports whether a stored object is in the inventory after the import, whatever the
// input says of it.
func (p *importPlan) live(kind, id string) bool {
	o, ok := p.st[kind][id]
	return ok && o.live && !p.removed(kind, id)
}

// check resolves the accounts of entitlement assignments and applies the input's rules
// against the stored inventory.
func (p *importPlan) check() error {
	byOwner := map[[2]string][]string{}
	for id, o := range p.st[certsum.KindAccount] {
		if o.identity != "" && p.live(certsum.KindAccount, id) && !p.inputs[certsum.KindAccount][id] {
			k := [2]string{o.identity, o.source}
			byOwner[k] = append(byOwner[k], id)
		}
	}
	err := p.in.ResolveAccounts(func(identity, source string) []string {
		return byOwner[[2]string{identity, source}]
	}, func(id string) string {
		if p.live(certsum.KindEntitlement, id) {
			return p.st[certsum.KindEntitlement][id].source
		}
		return ""
	})
	if err != nil {
		return err
	}
	// Resolving gave assignments their accounts (and added accounts): list those again.
	relistAccounts(p.in, p.inputs)
	return p.in.Check(p.live)
}

// diff fills the change set and counts it into the report.
func (p *importPlan) diff(r *certsum.ImportReport) {
	p.write = map[string]map[string]string{}
	p.remove = map[string][]string{}
	note := func(kind, id, hash string) {
		o, ok := p.st[kind][id]
		action := ""
		switch {
		case !ok:
			action = certsum.ChangeCreated
		case !o.live || o.hash != hash:
			action = certsum.ChangeUpdated
		}
		if action != "" {
			if p.write[kind] == nil {
				p.write[kind] = map[string]string{}
			}
			p.write[kind][id] = hash
		}
		r.Count(kind, id, action)
	}
	in := p.in
	for _, x := range in.Identities {
		note(certsum.KindIdentity, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.Sources {
		note(certsum.KindSource, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.Accounts {
		note(certsum.KindAccount, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.Entitlements {
		note(certsum.KindEntitlement, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.AccessProfiles {
		note(certsum.KindAccessProfile, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.Roles {
		note(certsum.KindRole, x.ID, certsum.ContentHash(x))
	}
	for _, x := range in.Assignments {
		note(certsum.KindAssignment, certsum.AssignmentKey(x.IdentityID, x.AccessType, x.AccessID, x.AccountID), certsum.ContentHash(x))
	}
	for _, x := range in.GovernanceGroups {
		note(certsum.KindGovernanceGroup, x.ID, certsum.ContentHash(x))
	}
	for _, kind := range certsum.ImportKinds {
		var ids []string
		for id := range p.st[kind] {
			if p.removed(kind, id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			r.Count(kind, id, certsum.ChangeRemoved)
		}
		p.remove[kind] = ids
	}
}

// ImportInventory checks the input against itself and the stored inventory and applies it
// in one transaction (with opts.DryRun, only computes the report). The report is kept
// whatever the outcome. Errors: invalid (REFUSED, the problems as certsum.InputProblems in
// the chain).
func (c *Core[K]) ImportInventory(ctx context.Context, in *certsum.InventoryInput, opts certsum.ImportOptions) (*certsum.ImportReport, error) {
	in.Apply(opts)
	in.Normalize()
	r := certsum.NewImportReport(in, opts, c.now(ctx))
	run := c.B.WriteTx
	if opts.DryRun {
		run = c.B.ReadTx
	}
	written := 0
	err := run(ctx, func(tx Querier) error {
		st, err := loadStored(ctx, tx)
		if err != nil {
			return err
		}
		p := &importPlan{in: in, st: st, inputs: inputIDs(in)}
		if err := p.check(); err != nil {
			return err
		}
		p.diff(r)
		version, err := inventoryVersion(ctx, tx)
		if err != nil {
			return err
		}
		r.InventoryVersion = version
		if opts.DryRun || !r.Changed {
			return nil
		}
		r.InventoryVersion = version + 1
		w := &importWriter{dl: c.B, tx: tx, p: p, now: c.now(ctx), progress: opts.Progress}
		if err := w.apply(ctx); err != nil {
			return err
		}
		written = w.done
		verified, err := verifyRemediations(ctx, tx, c.B, w.now)
		if err != nil {
			return err
		}
		r.RemediationsVerified = int(verified)
		counts, err := json.Marshal(r.Counts)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO inventory_versions (version, import_id, created, counts) VALUES (`+
			Params(c.B, 1, 4)+`)`, r.InventoryVersion, r.ID, c.B.TimeArg(w.now), string(counts))
		if err != nil {
			return err
		}
		r.Finish(certsum.ImportSucceeded, c.now(ctx))
		return saveReport(ctx, tx, c.B, r)
	})
	if err == nil && written >= AnalyzeAfter {
		c.B.Analyze(ctx, "identities", "sources", "accounts", "entitlements", "access_profiles", "roles",
			"governance_groups", "assignments")
	}
	var problems certsum.InputProblems
	switch {
	case errors.As(err, &problems):
		r.Problems = problems
		r.Changes, r.ChangesOmitted, r.Changed = []certsum.ImportChange{}, 0, false
		r.Finish(certsum.ImportRefused, c.now(ctx))
		err = &certsum.Error{Code: certsum.CodeInvalid, Message: problems.Error(), Cause: problems}
	case err != nil:
		r.Finish(certsum.ImportFailed, c.now(ctx))
		r.Error = certsum.ErrorText(c.B.Translate(err))
		err = fmt.Errorf("import inventory: %w", c.B.Translate(err))
	case r.Status == certsum.ImportRunning:
		// A dry run, or an import that changed nothing: the transaction wrote no report.
		r.Finish(certsum.ImportSucceeded, c.now(ctx))
	default:
		return r, nil
	}
	if serr := c.SaveImportReport(ctx, r); serr != nil && err == nil {
		err = serr
	}
	return r, err
}

// inventoryVersion reads the newest inventory version through q.
func inventoryVersion(ctx context.Context, q Querier) (int64, error) {
	var v int64
	_, err := QueryRow(ctx, q, `SELECT COALESCE(MAX(version), 0) FROM inventory_versions`, nil, &v)
	return v, err
}

// InventoryVersion returns the newest inventory version, 0 before the first import.
func (c *Core[K]) InventoryVersion(ctx context.Context) (int64, error) {
	v, err := inventoryVersion(ctx, c.B.Read())
	if err != nil {
		return 0, fmt.Errorf("inventory version: %w", c.B.Translate(err))
	}
	return v, nil
}

// saveReport writes a report through q, replacing the report of the same id.
func saveReport(ctx context.Context, q Querier, dl Dialect, r *certsum.ImportReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO inventory_imports (id, created, status, report) VALUES (`+Params(dl, 1, 4)+`)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, report = excluded.report`,
		r.ID, dl.TimeArg(r.Created), r.Status, string(b))
	return err
}

// SaveImportReport keeps a report, replacing the report of the same id.
func (c *Core[K]) SaveImportReport(ctx context.Context, r *certsum.ImportReport) error {
	err := c.B.WriteTx(ctx, func(tx Querier) error { return saveReport(ctx, tx, c.B, r) })
	if err != nil {
		return fmt.Errorf("save import report: %w", err)
	}
	return nil
}

// GetImportReport returns a kept report. Errors: not_found.
func (c *Core[K]) GetImportReport(ctx context.Context, id string) (*certsum.ImportReport, error) {
	var raw string
	found, err := QueryRow(ctx, c.B.Read(), `SELECT CAST(report AS TEXT) FROM inventory_imports WHERE id = `+c.B.Param(1),
		[]any{id}, &raw)
	if err != nil {
		return nil, fmt.Errorf("get import report: %w", c.B.Translate(err))
	}
	if !found {
		return nil, certsum.NotFoundf("import %q not found", id)
	}
	var r certsum.ImportReport
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return nil, fmt.Errorf("get import report %s: %w", id, err)
	}
	return &r, nil
}
