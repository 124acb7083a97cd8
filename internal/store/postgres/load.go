package postgres

import (
	"context"
	"log/slog"

	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// maxLoadErrors is how many problems a rejected dataset reports at most.
const maxLoadErrors = 10

// progressEvery is how many rows Load writes between two progress calls.
const progressEvery = 20000

// analyzeAfter is the number of rows above which Load refreshes the planner's statistics of
// the tables it filled (and vacuums the summary tables), so that the first requests after a
// big import are planned well.
const analyzeAfter = 10000

// Load writes a whole dataset in one transaction: references are checked first against the
// dataset and the inventory already stored (any problem rejects the whole dataset with
// nothing written), the rows go in with COPY — certifications and identity summaries through
// staging tables — then set-based SQL writes certifications, identity summaries and access
// summaries with their counters computed from the copied review items, each row once. progress, when set, is called with rows written so far and the total. Errors:
// invalid, conflict (an id already stored).
func (s *Store) Load(ctx context.Context, d *certsum.Dataset, progress func(done, total int)) error {
	if d == nil {
		return certsum.Invalidf("dataset", "no dataset given")
	}
	start := time.Now()
	total := datasetRows(d)
	var certIDs []string
	err := s.runTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		phase := time.Now()
		cat, err := newCatalog(ctx, tx, d)
		if err != nil {
			return err
		}
		if err := cat.validate(); err != nil {
			return err
		}
		s.log.Debug("load: checked references", "took", time.Since(phase).Round(time.Millisecond))
		phase = time.Now()
		if err := checkStored(ctx, tx, d); err != nil {
			return err
		}
		s.log.Debug("load: checked ids against stored rows", "took", time.Since(phase).Round(time.Millisecond))
		w := &loadWriter{ctx: ctx, tx: tx, log: s.log, cat: cat, progress: progress, now: s.stamp(), total: total}
		if err := w.write(d); err != nil {
			return err
		}
		certIDs = w.certIDs
		if err := materialize(ctx, tx, s.log, w.campaignIDs); err != nil {
			return fmt.Errorf("compute counters: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load: %w", translate(err))
	}
	if progress != nil {
		progress(total, total)
	}
	if total >= analyzeAfter {
		// Statistics for the planner everywhere; the summary tables are also vacuumed, so
		// that their counts and pages are index-only scans from the first request on (the
		// big tables are left to autovacuum).
		start := time.Now()
		for _, stmt := range []string{
			`VACUUM (ANALYZE) campaigns, certifications, identity_summaries, access_summaries`,
			`ANALYZE identities, accounts, review_items, decisions`,
		} {
			if _, err := s.pool.Exec(ctx, stmt); err != nil {
				s.log.Warn("cannot refresh planner statistics after load", "err", err)
			}
		}
		s.log.Debug("load: vacuumed and analyzed", "took", time.Since(start).Round(time.Millisecond))
	}
	s.log.Info("loaded dataset", "identities", len(d.Identities), "campaigns", len(d.Campaigns),
		"certifications", len(certIDs), "rows", total, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// datasetRows counts the rows Load writes, for progress reports.
func datasetRows(d *certsum.Dataset) int {
	n := len(d.Identities) + len(d.GovernanceGroups) + len(d.Sources) + len(d.Accounts) +
		len(d.Entitlements) + len(d.AccessProfiles) + len(d.Roles) + len(d.Campaigns)
	for _, g := range d.GovernanceGroups {
		n += len(g.MemberIDs)
	}
	for _, a := range d.AccessProfiles {
		n += len(a.EntitlementIDs)
	}
	for _, r := range d.Roles {
		n += len(r.AccessProfileIDs) + len(r.EntitlementIDs)
	}
	for _, k := range d.Campaigns {
		n += len(k.Certifications)
		for _, c := range k.Certifications {
			n += len(c.IdentitySummaries) + len(c.Items)
			for _, it := range c.Items {
				if it.Decision != nil {
					n++
				}
			}
		}
	}
	return n
}

// named is an inventory object's name and source.
type named struct {
	name     string
	sourceID string
}

// Inventory tables a dataset refers to.
const (
	tIdentities     = "identities"
	tGroups         = "governance_groups"
	tSources        = "sources"
	tAccounts       = "accounts"
	tEntitlements   = "entitlements"
	tAccessProfiles = "access_profiles"
	tRoles          = "roles"
)

// catalog resolves the ids a dataset refers to: first within the dataset, then among the
// rows already stored, which it reads with one query per table for all the ids the dataset
// does not define.
type catalog struct {
	ctx context.Context
	tx  pgx.Tx
	d   *certsum.Dataset

	objs         map[string]map[string]named // table → id → name (and source)
	accountOwner map[string]string           // account id → identity id
	accountOf    map[[2]string]string        // (identity, source) → account id

	problems []string
}

func newCatalog(ctx context.Context, tx pgx.Tx, d *certsum.Dataset) (*catalog, error) {
	c := &catalog{ctx: ctx, tx: tx, d: d, objs: map[string]map[string]named{},
		accountOwner: map[string]string{}, accountOf: map[[2]string]string{}}
	for _, t := range []string{tIdentities, tGroups, tSources, tAccounts, tEntitlements, tAccessProfiles, tRoles} {
		c.objs[t] = map[string]named{}
	}
	for _, i := range d.Identities {
		c.addLocal("identity", tIdentities, i.ID, named{name: i.Name})
	}
	for _, g := range d.GovernanceGroups {
		c.addLocal("governance group", tGroups, g.ID, named{name: g.Name})
	}
	for _, src := range d.Sources {
		c.addLocal("source", tSources, src.ID, named{name: src.Name})
	}
	for _, a := range d.Accounts {
		if c.addLocal("account", tAccounts, a.ID, named{name: a.Name, sourceID: a.SourceID}) {
			c.accountOwner[a.ID] = a.IdentityID
			k := [2]string{a.IdentityID, a.SourceID}
			if prev, ok := c.accountOf[k]; !ok || a.ID < prev {
				c.accountOf[k] = a.ID
			}
		}
	}
	for _, e := range d.Entitlements {
		c.addLocal("entitlement", tEntitlements, e.ID, named{name: e.Name, sourceID: e.SourceID})
	}
	for _, a := range d.AccessProfiles {
		c.addLocal("access profile", tAccessProfiles, a.ID, named{name: a.Name, sourceID: a.SourceID})
	}
	for _, r := range d.Roles {
		c.addLocal("role", tRoles, r.ID, named{name: r.Name})
	}
	if err := c.fetchStored(); err != nil {
		return nil, err
	}
	return c, nil
}

// addLocal records a dataset object, reporting an empty or repeated id.
func (c *catalog) addLocal(kind, table, id string, v named) bool {
	m := c.objs[table]
	switch {
	case strings.TrimSpace(id) == "":
		c.problem("a %s has no id", kind)
		return false
	case hasKey(m, id):
		c.problem("%s id %q appears more than once", kind, id)
		return false
	}
	m[id] = v
	return true
}

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

func (c *catalog) problem(format string, args ...any) {
	if len(c.problems) < maxLoadErrors {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// refs walks every reference of the dataset: ref is called with the table, the id, a
// description of what refers to it, and whether an empty id is allowed.
func (c *catalog) refs(ref func(table, kind, id, where string, optional bool)) {
	d := c.d
	for _, i := range d.Identities {
		ref(tIdentities, "manager", i.ManagerID, "identity "+i.ID, true)
	}
	for _, g := range d.GovernanceGroups {
		ref(tIdentities, "owner", g.OwnerID, "governance group "+g.ID, true)
		for _, m := range g.MemberIDs {
			ref(tIdentities, "member", m, "governance group "+g.ID, false)
		}
	}
	for _, src := range d.Sources {
		ref(tIdentities, "owner", src.OwnerID, "source "+src.ID, true)
	}
	for _, a := range d.Accounts {
		ref(tSources, "source", a.SourceID, "account "+a.ID, false)
		ref(tIdentities, "identity", a.IdentityID, "account "+a.ID, false)
	}
	for _, e := range d.Entitlements {
		ref(tSources, "source", e.SourceID, "entitlement "+e.ID, false)
		ref(tIdentities, "owner", e.OwnerID, "entitlement "+e.ID, true)
	}
	for _, a := range d.AccessProfiles {
		ref(tSources, "source", a.SourceID, "access profile "+a.ID, false)
		ref(tIdentities, "owner", a.OwnerID, "access profile "+a.ID, true)
		for _, e := range a.EntitlementIDs {
			ref(tEntitlements, "entitlement", e, "access profile "+a.ID, false)
		}
	}
	for _, r := range d.Roles {
		ref(tIdentities, "owner", r.OwnerID, "role "+r.ID, true)
		for _, a := range r.AccessProfileIDs {
			ref(tAccessProfiles, "access profile", a, "role "+r.ID, false)
		}
		for _, e := range r.EntitlementIDs {
			ref(tEntitlements, "entitlement", e, "role "+r.ID, false)
		}
	}
	for _, k := range d.Campaigns {
		for _, cd := range k.Certifications {
			cert := cd.Certification
			where := "certification " + cert.ID
			switch cert.Reviewer.Type {
			case certsum.TypeIdentity:
				ref(tIdentities, "reviewer identity", cert.Reviewer.ID, where, false)
			case certsum.TypeGovernanceGroup:
				ref(tGroups, "reviewer governance group", cert.Reviewer.ID, where, false)
			}
			for _, is := range cd.IdentitySummaries {
				ref(tIdentities, "identity", is.IdentityID, "identity summary "+is.ID, false)
			}
			for _, it := range cd.Items {
				iw := "review item " + it.ID
				switch it.AccessType {
				case certsum.TypeEntitlement:
					ref(tEntitlements, "entitlement", it.AccessID, iw, false)
				case certsum.TypeAccessProfile:
					ref(tAccessProfiles, "access profile", it.AccessID, iw, false)
				case certsum.TypeRole:
					ref(tRoles, "role", it.AccessID, iw, false)
				case certsum.TypeAccount:
					ref(tAccounts, "account", it.AccessID, iw, false)
				}
				ref(tAccounts, "account", it.AccountID, iw, true)
			}
		}
	}
}

// fetchStored reads the stored rows of every id the dataset refers to but does not define,
// then the sources of stored entitlements and access profiles it refers to.
func (c *catalog) fetchStored() error {
	wanted := map[string]map[string]bool{}
	want := func(table, id string) {
		if id == "" || hasKey(c.objs[table], id) {
			return
		}
		if wanted[table] == nil {
			wanted[table] = map[string]bool{}
		}
		wanted[table][id] = true
	}
	c.refs(func(table, _, id, _ string, _ bool) { want(table, id) })
	if err := c.fetch(wanted); err != nil {
		return err
	}
	// The names of the sources of entitlements and access profiles, dataset or stored.
	wanted = map[string]map[string]bool{}
	for _, t := range []string{tEntitlements, tAccessProfiles, tAccounts} {
		for _, v := range c.objs[t] {
			want(tSources, v.sourceID)
		}
	}
	return c.fetch(wanted)
}

func (c *catalog) fetch(wanted map[string]map[string]bool) error {
	for table, set := range wanted {
		ids := make([]string, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		var stmt string
		switch table {
		case tAccounts:
			stmt = `SELECT id, name, source_id, identity_id FROM accounts WHERE id = ANY($1)`
		case tEntitlements, tAccessProfiles:
			stmt = `SELECT id, name, source_id, '' FROM ` + table + ` WHERE id = ANY($1)`
		default:
			stmt = `SELECT id, name, '', '' FROM ` + table + ` WHERE id = ANY($1)`
		}
		rows, err := c.tx.Query(c.ctx, stmt, ids)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, owner string
			var v named
			if err := rows.Scan(&id, &v.name, &v.sourceID, &owner); err != nil {
				rows.Close()
				return err
			}
			c.objs[table][id] = v
			if table == tAccounts {
				c.accountOwner[id] = owner
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// resolveAccounts finds, for entitlement review items that name no account, the stored
// account through which the identity holds access on the entitlement's source, when the
// dataset has none.
func (c *catalog) resolveAccounts() error {
	type pair = [2]string
	need := map[pair]bool{}
	for _, k := range c.d.Campaigns {
		for _, cd := range k.Certifications {
			identityOf := make(map[string]string, len(cd.IdentitySummaries))
			for _, is := range cd.IdentitySummaries {
				identityOf[is.ID] = is.IdentityID
			}
			for _, it := range cd.Items {
				if it.AccessType != certsum.TypeEntitlement || it.AccountID != "" {
					continue
				}
				p := pair{identityOf[it.IdentitySummaryID], c.objs[tEntitlements][it.AccessID].sourceID}
				if _, ok := c.accountOf[p]; !ok {
					need[p] = true
				}
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var identities, sources []string
	for p := range need {
		identities = append(identities, p[0])
		sources = append(sources, p[1])
		c.accountOf[p] = ""
	}
	rows, err := c.tx.Query(c.ctx, `SELECT DISTINCT ON (a.identity_id, a.source_id) a.identity_id, a.source_id, a.id
		FROM accounts a JOIN unnest($1::text[], $2::text[]) AS w(identity_id, source_id)
			ON a.identity_id = w.identity_id AND a.source_id = w.source_id
		ORDER BY a.identity_id, a.source_id, a.id`, identities, sources)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p pair
		var id string
		if err := rows.Scan(&p[0], &p[1], &id); err != nil {
			return err
		}
		c.accountOf[p] = id
	}
	return rows.Err()
}

// validate checks every reference and value of the dataset and returns every problem (up to
// maxLoadErrors) as one invalid error.
func (c *catalog) validate() error {
	c.refs(func(table, kind, id, where string, optional bool) {
		if id == "" && optional {
			return
		}
		if !hasKey(c.objs[table], id) {
			c.problem("%s: unknown %s %q", where, kind, id)
		}
	})
	d := c.d
	for _, i := range d.Identities {
		if strings.TrimSpace(i.Name) == "" {
			c.problem("identity %q has no name", i.ID)
		}
	}
	for _, g := range d.GovernanceGroups {
		if dup := firstDuplicate(g.MemberIDs); dup != "" {
			c.problem("governance group %s: member %q appears more than once", g.ID, dup)
		}
	}
	for _, a := range d.AccessProfiles {
		if dup := firstDuplicate(a.EntitlementIDs); dup != "" {
			c.problem("access profile %s: entitlement %q appears more than once", a.ID, dup)
		}
	}
	for _, r := range d.Roles {
		if dup := firstDuplicate(r.AccessProfileIDs); dup != "" {
			c.problem("role %s: access profile %q appears more than once", r.ID, dup)
		}
		if dup := firstDuplicate(r.EntitlementIDs); dup != "" {
			c.problem("role %s: entitlement %q appears more than once", r.ID, dup)
		}
	}
	c.validateCampaigns()
	if len(c.problems) > 0 {
		return certsum.Invalidf("dataset", "the dataset is invalid: %s", strings.Join(c.problems, "; "))
	}
	return c.resolveAccounts()
}

func (c *catalog) validateCampaigns() {
	campaigns, certs, summaries, items := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, k := range c.d.Campaigns {
		kc := k.Campaign
		switch {
		case strings.TrimSpace(kc.ID) == "":
			c.problem("a campaign has no id")
		case campaigns[kc.ID]:
			c.problem("campaign id %q appears more than once", kc.ID)
		}
		campaigns[kc.ID] = true
		if strings.TrimSpace(kc.Name) == "" {
			c.problem("campaign %s has no name", kc.ID)
		}
		if kc.Type == "" {
			c.problem("campaign %s has no type", kc.ID)
		}
		if kc.Status == "" {
			c.problem("campaign %s has no status", kc.ID)
		}
		switch kc.MandatoryCommentRequirement {
		case "", certsum.CommentsAll, certsum.CommentsRevokeOnly, certsum.CommentsNone:
		default:
			c.problem("campaign %s: mandatoryCommentRequirement %q is not ALL_DECISIONS, REVOKE_ONLY_DECISIONS or NO_DECISIONS",
				kc.ID, kc.MandatoryCommentRequirement)
		}
		for _, cd := range k.Certifications {
			cert := cd.Certification
			where := "certification " + cert.ID
			switch {
			case strings.TrimSpace(cert.ID) == "":
				c.problem("a certification of campaign %s has no id", kc.ID)
			case certs[cert.ID]:
				c.problem("certification id %q appears more than once", cert.ID)
			}
			certs[cert.ID] = true
			switch cert.Phase {
			case certsum.PhaseStaged, certsum.PhaseActive, certsum.PhaseSigned:
			default:
				c.problem("%s: phase %q is not STAGED, ACTIVE or SIGNED", where, cert.Phase)
			}
			switch cert.Reviewer.Type {
			case certsum.TypeIdentity, certsum.TypeGovernanceGroup:
			default:
				c.problem("%s: reviewer type %q is not IDENTITY or GOVERNANCE_GROUP", where, cert.Reviewer.Type)
			}
			local := map[string]bool{}
			identities := map[string]bool{}
			for _, is := range cd.IdentitySummaries {
				switch {
				case strings.TrimSpace(is.ID) == "":
					c.problem("%s: an identity summary has no id", where)
				case summaries[is.ID]:
					c.problem("identity summary id %q appears more than once", is.ID)
				}
				summaries[is.ID] = true
				local[is.ID] = true
				if identities[is.IdentityID] {
					c.problem("%s: identity %q has more than one identity summary", where, is.IdentityID)
				}
				identities[is.IdentityID] = true
			}
			for _, it := range cd.Items {
				iw := "review item " + it.ID
				switch {
				case strings.TrimSpace(it.ID) == "":
					c.problem("%s: a review item has no id", where)
				case items[it.ID]:
					c.problem("review item id %q appears more than once", it.ID)
				}
				items[it.ID] = true
				if !local[it.IdentitySummaryID] {
					c.problem("%s: identity summary %q is not in %s", iw, it.IdentitySummaryID, where)
				}
				switch it.AccessType {
				case certsum.TypeEntitlement, certsum.TypeAccessProfile, certsum.TypeRole, certsum.TypeAccount:
				default:
					c.problem("%s: access type %q is not ENTITLEMENT, ACCESS_PROFILE, ROLE or ACCOUNT", iw, it.AccessType)
				}
				if it.Decision != nil {
					if !it.Decision.Decision.Valid() {
						c.problem("%s: decision %q is not APPROVE or REVOKE", iw, it.Decision.Decision)
					}
					if it.Decision.ProposedEndDate != nil && it.Decision.Decision != certsum.Revoke {
						c.problem("%s: proposedEndDate is only allowed with REVOKE", iw)
					}
				}
			}
		}
	}
}

func firstDuplicate(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}

// checkStored returns a conflict naming the first object of the dataset whose id is already
// stored. Tables without rows are not searched.
func checkStored(ctx context.Context, tx pgx.Tx, d *certsum.Dataset) error {
	ids := func(n int, id func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	var certIDs, summaryIDs, itemIDs, decisionIDs []string
	for _, k := range d.Campaigns {
		for _, cd := range k.Certifications {
			certIDs = append(certIDs, cd.Certification.ID)
			for _, is := range cd.IdentitySummaries {
				summaryIDs = append(summaryIDs, is.ID)
			}
			for _, it := range cd.Items {
				itemIDs = append(itemIDs, it.ID)
				if it.Decision != nil && it.Decision.ID != "" {
					decisionIDs = append(decisionIDs, it.Decision.ID)
				}
			}
		}
	}
	checks := []struct {
		kind, table string
		ids         []string
	}{
		{"identity", tIdentities, ids(len(d.Identities), func(i int) string { return d.Identities[i].ID })},
		{"governance group", tGroups, ids(len(d.GovernanceGroups), func(i int) string { return d.GovernanceGroups[i].ID })},
		{"source", tSources, ids(len(d.Sources), func(i int) string { return d.Sources[i].ID })},
		{"account", tAccounts, ids(len(d.Accounts), func(i int) string { return d.Accounts[i].ID })},
		{"entitlement", tEntitlements, ids(len(d.Entitlements), func(i int) string { return d.Entitlements[i].ID })},
		{"access profile", tAccessProfiles, ids(len(d.AccessProfiles), func(i int) string { return d.AccessProfiles[i].ID })},
		{"role", tRoles, ids(len(d.Roles), func(i int) string { return d.Roles[i].ID })},
		{"campaign", "campaigns", ids(len(d.Campaigns), func(i int) string { return d.Campaigns[i].Campaign.ID })},
		{"certification", "certifications", certIDs},
		{"identity summary", "identity_summaries", summaryIDs},
		{"review item", "review_items", itemIDs},
		{"decision", "decisions", decisionIDs},
	}
	for _, ch := range checks {
		if len(ch.ids) == 0 {
			continue
		}
		// The first load into an empty table need not send every id.
		if has, err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM `+ch.table+`)`); err != nil {
			return err
		} else if !has {
			continue
		}
		var found *string
		err := tx.QueryRow(ctx, `SELECT (SELECT id FROM `+ch.table+` WHERE id = ANY($1) ORDER BY id LIMIT 1)`, ch.ids).Scan(&found)
		if err != nil {
			return err
		}
		if found != nil {
			return certsum.Conflictf("%s %q already exists", ch.kind, *found)
		}
	}
	return nil
}

// loadWriter copies a validated dataset into the tables.
type loadWriter struct {
	ctx         context.Context
	tx          pgx.Tx
	log         *slog.Logger
	cat         *catalog
	progress    func(done, total int)
	now         certsum.Time
	done, total int
	certIDs     []string
	campaignIDs []string
}

// rowSource is a pgx.CopyFromSource over n rows built on demand, which reports progress
// every progressEvery rows.
type rowSource struct {
	w    *loadWriter
	n, i int
	row  func(i int) ([]any, error)
	cur  []any
	err  error
}

func (r *rowSource) Next() bool {
	if r.err != nil || r.i >= r.n {
		return false
	}
	r.cur, r.err = r.row(r.i)
	r.i++
	if r.err != nil {
		return false
	}
	r.w.done++
	if r.w.progress != nil && r.w.done%progressEvery == 0 {
		r.w.progress(r.w.done, r.w.total)
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.cur, nil }
func (r *rowSource) Err() error             { return r.err }

// copy writes n rows into table with COPY.
func (w *loadWriter) copy(table string, columns []string, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	start := time.Now()
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{table}, columns, &rowSource{w: w, n: n, row: row}); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	w.log.Debug("load: copied rows", "table", table, "rows", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// pair is a (parent, child, position) link row.
type pair struct {
	parent, child string
	ord           int
}

func flatten[T any](xs []T, parent func(T) string, children func(T) []string) []pair {
	var out []pair
	for _, x := range xs {
		for i, c := range children(x) {
			out = append(out, pair{parent(x), c, i})
		}
	}
	return out
}

func (w *loadWriter) links(table string, columns []string, links []pair) error {
	return w.copy(table, columns, len(links), func(i int) ([]any, error) {
		l := links[i]
		return []any{l.parent, l.child, l.ord}, nil
	})
}

// orNow returns t as stored, or the load time when t is zero.
func (w *loadWriter) orNow(t certsum.Time) time.Time {
	if t.IsZero() {
		return pgTime(w.now)
	}
	return pgTime(t)
}

// orCreated returns a modified time: t, or created when t is zero.
func orCreated(t certsum.Time, created time.Time) time.Time {
	if t.IsZero() {
		return created
	}
	return pgTime(t)
}

func (w *loadWriter) write(d *certsum.Dataset) error {
	err := w.copy(tIdentities, []string{"id", "name", "email", "manager_id", "department", "title"},
		len(d.Identities), func(i int) ([]any, error) {
			x := d.Identities[i]
			return []any{x.ID, x.Name, nullString(x.Email), nullString(x.ManagerID), x.Department, x.Title}, nil
		})
	if err != nil {
		return err
	}
	err = w.copy(tGroups, []string{"id", "name", "description", "owner_id"},
		len(d.GovernanceGroups), func(i int) ([]any, error) {
			x := d.GovernanceGroups[i]
			return []any{x.ID, x.Name, x.Description, nullString(x.OwnerID)}, nil
		})
	if err != nil {
		return err
	}
	members := flatten(d.GovernanceGroups, func(g certsum.GovernanceGroup) string { return g.ID },
		func(g certsum.GovernanceGroup) []string { return g.MemberIDs })
	err = w.copy("governance_group_members", []string{"group_id", "identity_id"}, len(members), func(i int) ([]any, error) {
		return []any{members[i].parent, members[i].child}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy(tSources, []string{"id", "name", "type", "owner_id"}, len(d.Sources), func(i int) ([]any, error) {
		x := d.Sources[i]
		return []any{x.ID, x.Name, x.Type, nullString(x.OwnerID)}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy(tAccounts, []string{"id", "native_identity", "name", "source_id", "identity_id", "disabled", "locked",
		"created", "modified", "usage_days"}, len(d.Accounts), func(i int) ([]any, error) {
		x := d.Accounts[i]
		created := w.orNow(x.Created)
		return []any{x.ID, x.NativeIdentity, x.Name, x.SourceID, x.IdentityID, x.Disabled, x.Locked,
			created, orCreated(x.Modified, created), int32(x.UsageDays)}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy(tEntitlements, []string{"id", "name", "description", "source_id", "attribute_name", "attribute_value",
		"source_schema_object_type", "owner_id", "privileged", "revocable", "cloud_governed", "is_permission",
		"permissions", "data_access"}, len(d.Entitlements), func(i int) ([]any, error) {
		x := d.Entitlements[i]
		perms := x.Permissions
		if perms == nil {
			perms = []certsum.Permission{}
		}
		for j := range perms {
			if perms[j].Rights == nil {
				perms = append([]certsum.Permission(nil), perms...)
				perms[j].Rights = []string{}
			}
		}
		pj, err := sqlstore.JSONText(perms)
		if err != nil {
			return nil, err
		}
		var da any
		if x.DataAccess != nil {
			if da, err = sqlstore.JSONText(x.DataAccess); err != nil {
				return nil, err
			}
		}
		return []any{x.ID, x.Name, x.Description, x.SourceID, x.AttributeName, x.AttributeValue,
			x.SourceSchemaObjectType, nullString(x.OwnerID), x.Privileged, x.Revocable, x.CloudGoverned,
			x.IsPermission, pj, da}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy(tAccessProfiles, []string{"id", "name", "description", "source_id", "owner_id", "privileged",
		"cloud_governed", "created", "modified"}, len(d.AccessProfiles), func(i int) ([]any, error) {
		x := d.AccessProfiles[i]
		created := w.orNow(x.Created)
		return []any{x.ID, x.Name, x.Description, x.SourceID, nullString(x.OwnerID), x.Privileged,
			x.CloudGoverned, created, orCreated(x.Modified, created)}, nil
	})
	if err != nil {
		return err
	}
	apEnts := flatten(d.AccessProfiles, func(a certsum.AccessProfile) string { return a.ID },
		func(a certsum.AccessProfile) []string { return a.EntitlementIDs })
	if err := w.links("access_profile_entitlements", []string{"access_profile_id", "entitlement_id", "ord"}, apEnts); err != nil {
		return err
	}
	err = w.copy(tRoles, []string{"id", "name", "description", "owner_id", "privileged", "revocable"},
		len(d.Roles), func(i int) ([]any, error) {
			x := d.Roles[i]
			return []any{x.ID, x.Name, x.Description, nullString(x.OwnerID), x.Privileged, x.Revocable}, nil
		})
	if err != nil {
		return err
	}
	roleAPs := flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.AccessProfileIDs })
	if err := w.links("role_access_profiles", []string{"role_id", "access_profile_id", "ord"}, roleAPs); err != nil {
		return err
	}
	roleEnts := flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.EntitlementIDs })
	if err := w.links("role_entitlements", []string{"role_id", "entitlement_id", "ord"}, roleEnts); err != nil {
		return err
	}
	return w.writeCampaigns(d)
}

func (w *loadWriter) writeCampaigns(d *certsum.Dataset) error {
	err := w.copy("campaigns", []string{"id", "name", "description", "deadline", "type", "email_notification_enabled",
		"auto_revoke_allowed", "recommendations_enabled", "status", "correlated_status", "created", "modified", "alerts",
		"filter", "sunset_comments_required", "source_owner_campaign_info", "mandatory_comment_requirement"},
		len(d.Campaigns), func(i int) ([]any, error) {
			k := d.Campaigns[i].Campaign
			created := w.orNow(k.Created)
			alerts := k.Alerts
			if alerts == nil {
				alerts = []certsum.CampaignAlert{}
			}
			aj, err := sqlstore.JSONText(alerts)
			if err != nil {
				return nil, err
			}
			var filter, so any
			if k.Filter != nil {
				if filter, err = sqlstore.JSONText(k.Filter); err != nil {
					return nil, err
				}
			}
			if k.SourceOwnerCampaignInfo != nil {
				if so, err = sqlstore.JSONText(k.SourceOwnerCampaignInfo); err != nil {
					return nil, err
				}
			}
			corr := k.CorrelatedStatus
			if corr == "" {
				corr = certsum.Correlated
			}
			req := k.MandatoryCommentRequirement
			if req == "" {
				req = certsum.CommentsNone
			}
			w.campaignIDs = append(w.campaignIDs, k.ID)
			return []any{k.ID, k.Name, k.Description, pgNullTime(k.Deadline), string(k.Type),
				k.EmailNotificationEnabled, k.AutoRevokeAllowed, k.RecommendationsEnabled, string(k.Status), string(corr),
				created, orCreated(k.Modified, created), aj, filter, k.SunsetCommentsRequired, so, string(req)}, nil
		})
	if err != nil {
		return err
	}
	type certRow struct {
		campaign string
		cd       *certsum.CertificationData
	}
	var certs []certRow
	for i := range d.Campaigns {
		for j := range d.Campaigns[i].Certifications {
			certs = append(certs, certRow{d.Campaigns[i].Campaign.ID, &d.Campaigns[i].Certifications[j]})
		}
	}
	// Certifications and identity summaries go to staging tables first and reach their real
	// tables once, with their counters, in materialize.
	if _, err := w.tx.Exec(w.ctx, `CREATE TEMP TABLE load_certifications (id text, campaign_id text, name text,
			reviewer_id text, reviewer_type text, phase text, created timestamptz, modified timestamptz, due timestamptz,
			signed timestamptz, has_errors boolean, error_message text, reassignment jsonb) ON COMMIT DROP;
		CREATE TEMP TABLE load_identity_summaries (id text, cert_id text, identity_id text, name text) ON COMMIT DROP`); err != nil {
		return err
	}
	err = w.copy("load_certifications", []string{"id", "campaign_id", "name", "reviewer_id", "reviewer_type", "phase",
		"created", "modified", "due", "signed", "has_errors", "error_message", "reassignment"},
		len(certs), func(i int) ([]any, error) {
			c := certs[i].cd.Certification
			created := w.orNow(c.Created)
			ra, err := sqlstore.JSONText(c.Reassignment)
			if err != nil {
				return nil, err
			}
			w.certIDs = append(w.certIDs, c.ID)
			return []any{c.ID, certs[i].campaign, c.Name, c.Reviewer.ID, string(c.Reviewer.Type), string(c.Phase),
				created, orCreated(c.Modified, created), pgNullTime(c.Due), pgNullTime(c.Signed), c.HasErrors,
				c.ErrorMessage, ra}, nil
		})
	if err != nil {
		return err
	}

	// Identity summaries, review items and decisions of every certification, each table in
	// one COPY.
	type summaryRef struct {
		cert *certsum.CertificationData
		i    int
	}
	var sums []summaryRef
	identityOf := map[string]string{}
	type itemRef struct {
		cert *certsum.CertificationData
		i    int
	}
	var items, decided []itemRef
	for _, cr := range certs {
		for i, is := range cr.cd.IdentitySummaries {
			sums = append(sums, summaryRef{cr.cd, i})
			identityOf[is.ID] = is.IdentityID
		}
		for i, it := range cr.cd.Items {
			items = append(items, itemRef{cr.cd, i})
			if it.Decision != nil {
				decided = append(decided, itemRef{cr.cd, i})
			}
		}
	}
	err = w.copy("load_identity_summaries", []string{"id", "cert_id", "identity_id", "name"}, len(sums), func(i int) ([]any, error) {
		r := sums[i]
		is := r.cert.IdentitySummaries[r.i]
		return []any{is.ID, r.cert.Certification.ID, is.IdentityID, w.cat.objs[tIdentities][is.IdentityID].name}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy("review_items", []string{"id", "cert_id", "identity_summary_id", "access_type", "access_id",
		"access_name", "ent_source_name", "ap_source_name", "account_id", "new_access", "decision", "comments",
		"proposed_end_date", "bulk", "recommendation"}, len(items), func(i int) ([]any, error) {
		r := items[i]
		it := r.cert.Items[r.i]
		name, entSource, apSource, account := w.describe(it, identityOf[it.IdentitySummaryID])
		var decision, comments, endDate, rec any
		bulk := false
		if dr := it.Decision; dr != nil {
			decision, endDate, bulk = string(dr.Decision), pgNullTime(dr.ProposedEndDate), dr.Bulk
			if dr.Comments != nil {
				comments = *dr.Comments
			}
			var err error
			if rec, err = sqlstore.JSONText(dr.Recommendation); err != nil {
				return nil, err
			}
		}
		return []any{it.ID, r.cert.Certification.ID, it.IdentitySummaryID, string(it.AccessType), it.AccessID, name,
			entSource, apSource, account, it.NewAccess, decision, comments, endDate, bulk, rec}, nil
	})
	if err != nil {
		return err
	}
	return w.copy("decisions", []string{"id", "cert_id", "item_id", "decided_by", "decided_at", "decision",
		"previous_decision", "bulk", "comments", "proposed_end_date", "recommendation"}, len(decided), func(i int) ([]any, error) {
		ref := decided[i]
		c := ref.cert.Certification
		it := ref.cert.Items[ref.i]
		r := *it.Decision
		if r.ID == "" {
			r.ID = certsum.NewID()
		}
		decidedAt := w.orNow(r.DecidedAt)
		by := r.DecidedBy
		if by == "" {
			by = c.Reviewer.ID
		}
		rec, err := sqlstore.JSONText(r.Recommendation)
		if err != nil {
			return nil, err
		}
		var comments any
		if r.Comments != nil {
			comments = *r.Comments
		}
		return []any{r.ID, c.ID, it.ID, by, decidedAt, string(r.Decision), nullString(string(r.PreviousDecision)),
			r.Bulk, comments, pgNullTime(r.ProposedEndDate), rec}, nil
	})
}

// describe returns the copied columns of a review item: the access item's name, the source
// name of an entitlement or access profile, and the account through which the identity
// holds it (the given one, or the identity's account on the entitlement's source).
func (w *loadWriter) describe(it certsum.ItemData, identity string) (name string, entSource, apSource, account any) {
	c := w.cat
	var v named
	switch it.AccessType {
	case certsum.TypeEntitlement:
		v = c.objs[tEntitlements][it.AccessID]
	case certsum.TypeAccessProfile:
		v = c.objs[tAccessProfiles][it.AccessID]
	case certsum.TypeRole:
		v = c.objs[tRoles][it.AccessID]
	case certsum.TypeAccount:
		v = c.objs[tAccounts][it.AccessID]
	}
	name = v.name
	switch it.AccessType {
	case certsum.TypeEntitlement:
		entSource = c.objs[tSources][v.sourceID].name
	case certsum.TypeAccessProfile:
		apSource = c.objs[tSources][v.sourceID].name
	}
	switch {
	case it.AccountID != "":
		account = it.AccountID
	case it.AccessType == certsum.TypeAccount:
		account = it.AccessID
	case it.AccessType == certsum.TypeEntitlement:
		account = nullString(c.accountOf[[2]string{identity, v.sourceID}])
	}
	return name, entSource, apSource, account
}

// zeroCounters is "COALESCE(a.ent_total, 0), …": the counters of alias a, 0 when a is
// missing.
var zeroCounters = func() string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = "COALESCE(a." + c + ", 0)"
	}
	return strings.Join(parts, ", ")
}()

// materialize writes the staged certifications and identity summaries of a load into their
// tables, each row once and with its counters computed by set-based SQL from the review items
// just copied; then the load's access summaries and its campaigns' certification counts.
func materialize(ctx context.Context, tx pgx.Tx, log *slog.Logger, campaignIDs []string) error {
	counters := strings.Join(counterColumns, ", ")
	stmts := []struct {
		name string
		sql  string
		args []any
	}{
		{"identity summaries", `INSERT INTO identity_summaries (id, cert_id, identity_id, name, ` + counters + `)
			SELECT st.id, st.cert_id, st.identity_id, st.name, ` + zeroCounters + `
			FROM load_identity_summaries st
			LEFT JOIN (SELECT identity_summary_id AS sid, ` + sqlstore.Aggregates(dialect{}) + `
				FROM review_items WHERE cert_id IN (SELECT id FROM load_certifications) GROUP BY identity_summary_id) a
				ON a.sid = st.id`, nil},
		{"certifications", `INSERT INTO certifications (id, campaign_id, name, reviewer_id, reviewer_type, phase, created,
				modified, due, signed, has_errors, error_message, reassignment, identities_total, identities_completed, ` + counters + `)
			SELECT st.id, st.campaign_id, st.name, st.reviewer_id, st.reviewer_type, st.phase, st.created, st.modified,
				st.due, st.signed, st.has_errors, st.error_message, st.reassignment, COALESCE(a.n, 0), COALESCE(a.done, 0),
				` + zeroCounters + `
			FROM load_certifications st
			LEFT JOIN (SELECT cert_id, ` + sqlstore.CounterSums(dialect{}, "s") + `, COUNT(*)::integer AS n,
					(COUNT(*) FILTER (WHERE s.completed))::integer AS done
				FROM identity_summaries s WHERE cert_id IN (SELECT id FROM load_certifications) GROUP BY cert_id) a
				ON a.cert_id = st.id`, nil},
		{"access summaries", `INSERT INTO access_summaries
				(cert_id, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
			SELECT cert_id, access_type, access_id, MIN(access_name), MIN(ent_source_name), MIN(ap_source_name),
				COUNT(*), COUNT(decision)
			FROM review_items WHERE cert_id IN (SELECT id FROM load_certifications) AND access_type <> 'ACCOUNT'
			GROUP BY cert_id, access_type, access_id`, nil},
		{"campaigns", `UPDATE campaigns k SET total_certifications = a.n, completed_certifications = a.signed
			FROM (SELECT campaign_id, COUNT(*)::integer AS n, (COUNT(*) FILTER (WHERE phase = 'SIGNED'))::integer AS signed
				FROM certifications WHERE campaign_id = ANY($1) GROUP BY campaign_id) AS a
			WHERE k.id = a.campaign_id`, []any{strs(campaignIDs)}},
	}
	for _, st := range stmts {
		start := time.Now()
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		log.Debug("load: wrote counted rows", "of", st.name, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
