package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// progressEvery is how many rows Load writes between two progress calls.
const progressEvery = 20000

// Load writes a whole dataset in one transaction with prepared multi-row statements, then
// computes every counter with set-based SQL. References are checked first against the
// dataset and the inventory already stored; any problem rejects the whole dataset with
// nothing written. The secondary indexes of tables that were empty are built once, after
// their rows are in. progress, when set, is called with rows written so far and the total
// (which it reports once more when the counters are done). Errors: invalid, conflict (an id
// already stored, or repeated within the dataset).
func (s *Store) Load(ctx context.Context, d *certsum.Dataset, progress func(done, total int)) error {
	if d == nil {
		return certsum.Invalidf("dataset", "no dataset given")
	}
	started := time.Now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cat, err := sqlstore.NewCatalog(ctx, sqlQuerier{tx}, dialect{}, d)
		if err != nil {
			return err
		}
		if err := cat.Validate(); err != nil {
			return err
		}
		var fresh bool
		if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM review_items)
			AND NOT EXISTS (SELECT 1 FROM identity_summaries) AND NOT EXISTS (SELECT 1 FROM certifications)`).Scan(&fresh); err != nil {
			return err
		}
		indexes, err := dropSecondaryIndexes(ctx, tx)
		if err != nil {
			return fmt.Errorf("prepare bulk load: %w", err)
		}
		validated := time.Now()
		w := &loadWriter{ctx: ctx, tx: tx, cat: cat, progress: progress, now: s.stamp(), total: sqlstore.DatasetRows(d)}
		if err := w.write(d); err != nil {
			return err
		}
		written := time.Now()
		// The counters are recounted from the review items' covering indexes, so those are
		// built first; every other index is built after the recount has written the counter
		// columns (which the identity summary indexes cover), so that it is written once.
		rebuild := func(items bool) error {
			for _, ix := range indexes {
				if (ix.table == "review_items") == items {
					if _, err := tx.ExecContext(ctx, ix.def); err != nil {
						return fmt.Errorf("rebuild index: %w", err)
					}
				}
			}
			return nil
		}
		if err := rebuild(true); err != nil {
			return err
		}
		indexed := time.Now()
		if err := recount(ctx, tx, w.certKeys, w.campaignIDs, fresh); err != nil {
			return fmt.Errorf("compute counters: %w", err)
		}
		counted := time.Now()
		if err := rebuild(false); err != nil {
			return err
		}
		if err := sqlstore.RemediateSigned(ctx, sqlQuerier{tx}, dialect{}, w.now); err != nil {
			return fmt.Errorf("remediation items: %w", err)
		}
		if err := sqlstore.RecountCampaignCounters(ctx, sqlQuerier{tx}, dialect{}); err != nil {
			return fmt.Errorf("campaign counters: %w", err)
		}
		s.log.Debug("load phases", "validate", validated.Sub(started), "write", written.Sub(validated),
			"item indexes", indexed.Sub(written), "recount", counted.Sub(indexed), "other indexes", time.Since(counted),
			"fresh", fresh, "rebuilt indexes", len(indexes))
		if progress != nil {
			progress(w.total, w.total)
		}
		s.log.Info("loaded dataset", "identities", len(d.Identities), "campaigns", len(d.Campaigns),
			"certifications", len(w.certKeys), "rows", w.total)
		return nil
	}, loadSetup)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

// loadSetup runs a load without per-row foreign-key lookups (every reference is checked
// against the dataset and the stored inventory before anything is written, and the
// certification structure cannot dangle) and lets the index builds sort through temporary
// files rather than the heap.
var loadSetup = connSetup{
	before: []string{`PRAGMA foreign_keys = OFF`, `PRAGMA temp_store = FILE`},
	after:  []string{`PRAGMA foreign_keys = ON`, `PRAGMA temp_store = MEMORY`},
}

// loadWriter inserts a validated dataset.
type loadWriter struct {
	ctx         context.Context
	tx          *sql.Tx
	cat         *sqlstore.Catalog
	progress    func(done, total int)
	now         certsum.Time
	done, total int
	certKeys    []int64
	campaignIDs []string
}

// batchRows is how many rows one INSERT statement of a bulk load carries. Multi-row
// statements cut the per-statement cost of database/sql and the driver, which dominates a
// load of millions of small rows.
const batchRows = 64

// batch inserts rows through one multi-row INSERT statement, batchRows at a time.
type batch struct {
	w      *loadWriter
	kind   string
	single string // the one-row statement
	head   string // "INSERT INTO … VALUES "
	tuple  string // "(?, ?, …)"
	full   *sql.Stmt
	args   []any
	ids    []string
}

// newBatch prepares a batch for the one-row statement stmt ("INSERT INTO … VALUES (?, …)").
func (w *loadWriter) newBatch(kind, stmt string) (*batch, error) {
	i := strings.LastIndex(stmt, "VALUES")
	if i < 0 {
		return nil, fmt.Errorf("bulk insert of %s: no VALUES in %q", kind, stmt)
	}
	b := &batch{w: w, kind: kind, single: stmt, head: stmt[:i+len("VALUES")] + " ", tuple: strings.TrimSpace(stmt[i+len("VALUES"):])}
	full, err := w.tx.PrepareContext(w.ctx, b.statement(batchRows))
	if err != nil {
		return nil, err
	}
	b.full = full
	return b, nil
}

func (b *batch) statement(rows int) string {
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.tuple)
	}
	return sb.String()
}

// add queues one row, writing a full batch when there is one.
func (b *batch) add(id string, args []any) error {
	b.args = append(b.args, args...)
	b.ids = append(b.ids, id)
	if len(b.ids) == batchRows {
		return b.exec(b.full)
	}
	return nil
}

// flush writes the queued rows and releases the statement.
func (b *batch) flush() error {
	defer b.full.Close()
	if len(b.ids) == 0 {
		return nil
	}
	st, err := b.w.tx.PrepareContext(b.w.ctx, b.statement(len(b.ids)))
	if err != nil {
		return err
	}
	defer st.Close()
	return b.exec(st)
}

func (b *batch) exec(st *sql.Stmt) error {
	if _, err := st.ExecContext(b.w.ctx, b.args...); err != nil {
		if certsum.ErrorCode(classify(err)) == certsum.CodeConflict {
			return b.conflict()
		}
		return fmt.Errorf("insert %s: %w", b.kind, err)
	}
	n := len(b.ids)
	b.args, b.ids = b.args[:0], b.ids[:0]
	w := b.w
	for i := 0; i < n; i++ {
		w.done++
		if w.progress != nil && w.done%progressEvery == 0 {
			w.progress(w.done, w.total)
		}
	}
	return nil
}

// conflict finds the row of a failed batch whose id is already stored (the failed statement
// wrote nothing; the transaction is rolled back anyway).
func (b *batch) conflict() error {
	per := len(b.args) / len(b.ids)
	for i, id := range b.ids {
		_, err := b.w.tx.ExecContext(b.w.ctx, b.single, b.args[i*per:(i+1)*per]...)
		if certsum.ErrorCode(classify(err)) == certsum.CodeConflict {
			return certsum.Conflictf("%s %q already exists", b.kind, id)
		}
	}
	return certsum.Conflictf("a %s already exists", b.kind)
}

// insert writes n rows with one batch.
func (w *loadWriter) insert(kind, stmt string, n int, row func(i int) (id string, args []any, err error)) error {
	if n == 0 {
		return nil
	}
	b, err := w.newBatch(kind, stmt)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		id, args, err := row(i)
		if err == nil {
			err = b.add(id, args)
		}
		if err != nil {
			b.full.Close()
			return err
		}
	}
	return b.flush()
}

func (w *loadWriter) write(d *certsum.Dataset) error {
	now := timeText(w.now)
	orNow := func(t certsum.Time) string {
		if t.IsZero() {
			return now
		}
		return timeText(t)
	}
	err := w.insert("identity", `INSERT INTO identities (id, name, email, manager_id, department, title) VALUES (?, ?, ?, ?, ?, ?)`,
		len(d.Identities), func(i int) (string, []any, error) {
			x := d.Identities[i]
			return x.ID, []any{x.ID, x.Name, nullString(x.Email), nullString(x.ManagerID), x.Department, x.Title}, nil
		})
	if err != nil {
		return err
	}
	err = w.insert("governance group", `INSERT INTO governance_groups (id, name, description, owner_id) VALUES (?, ?, ?, ?)`,
		len(d.GovernanceGroups), func(i int) (string, []any, error) {
			x := d.GovernanceGroups[i]
			return x.ID, []any{x.ID, x.Name, x.Description, nullString(x.OwnerID)}, nil
		})
	if err != nil {
		return err
	}
	members := sqlstore.Flatten(d.GovernanceGroups, func(g certsum.GovernanceGroup) string { return g.ID },
		func(g certsum.GovernanceGroup) []string { return g.MemberIDs })
	err = w.insert("governance group member", `INSERT INTO governance_group_members (group_id, identity_id) VALUES (?, ?)`,
		len(members), func(i int) (string, []any, error) {
			return members[i].Parent + "/" + members[i].Child, []any{members[i].Parent, members[i].Child}, nil
		})
	if err != nil {
		return err
	}
	err = w.insert("source", `INSERT INTO sources (id, name, type, owner_id) VALUES (?, ?, ?, ?)`,
		len(d.Sources), func(i int) (string, []any, error) {
			x := d.Sources[i]
			return x.ID, []any{x.ID, x.Name, x.Type, nullString(x.OwnerID)}, nil
		})
	if err != nil {
		return err
	}
	err = w.insert("account", `INSERT INTO accounts (id, native_identity, name, source_id, identity_id, disabled, locked,
		created, modified, usage_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(d.Accounts), func(i int) (string, []any, error) {
			x := d.Accounts[i]
			created := orNow(x.Created)
			modified := created
			if !x.Modified.IsZero() {
				modified = timeText(x.Modified)
			}
			return x.ID, []any{x.ID, x.NativeIdentity, x.Name, x.SourceID, x.IdentityID, x.Disabled, x.Locked,
				created, modified, x.UsageDays}, nil
		})
	if err != nil {
		return err
	}
	err = w.insert("entitlement", `INSERT INTO entitlements (id, name, description, source_id, attribute_name, attribute_value,
		source_schema_object_type, owner_id, privileged, revocable, cloud_governed, is_permission, permissions, data_access)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(d.Entitlements), func(i int) (string, []any, error) {
			x := d.Entitlements[i]
			perms := x.Permissions
			if perms == nil {
				perms = []certsum.Permission{}
			}
			pj, err := sqlstore.JSONText(perms)
			if err != nil {
				return x.ID, nil, err
			}
			var da any
			if x.DataAccess != nil {
				if da, err = sqlstore.JSONText(x.DataAccess); err != nil {
					return x.ID, nil, err
				}
			}
			return x.ID, []any{x.ID, x.Name, x.Description, x.SourceID, x.AttributeName, x.AttributeValue,
				x.SourceSchemaObjectType, nullString(x.OwnerID), x.Privileged, x.Revocable, x.CloudGoverned,
				x.IsPermission, pj, da}, nil
		})
	if err != nil {
		return err
	}
	err = w.insert("access profile", `INSERT INTO access_profiles (id, name, description, source_id, owner_id, privileged,
		cloud_governed, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(d.AccessProfiles), func(i int) (string, []any, error) {
			x := d.AccessProfiles[i]
			created := orNow(x.Created)
			modified := created
			if !x.Modified.IsZero() {
				modified = timeText(x.Modified)
			}
			return x.ID, []any{x.ID, x.Name, x.Description, x.SourceID, nullString(x.OwnerID), x.Privileged,
				x.CloudGoverned, created, modified}, nil
		})
	if err != nil {
		return err
	}
	apEnts := sqlstore.Flatten(d.AccessProfiles, func(a certsum.AccessProfile) string { return a.ID },
		func(a certsum.AccessProfile) []string { return a.EntitlementIDs })
	if err := w.insertLinks("access profile entitlement",
		`INSERT INTO access_profile_entitlements (access_profile_id, entitlement_id, ord) VALUES (?, ?, ?)`, apEnts); err != nil {
		return err
	}
	err = w.insert("role", `INSERT INTO roles (id, name, description, owner_id, privileged, revocable) VALUES (?, ?, ?, ?, ?, ?)`,
		len(d.Roles), func(i int) (string, []any, error) {
			x := d.Roles[i]
			return x.ID, []any{x.ID, x.Name, x.Description, nullString(x.OwnerID), x.Privileged, x.Revocable}, nil
		})
	if err != nil {
		return err
	}
	roleAPs := sqlstore.Flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.AccessProfileIDs })
	if err := w.insertLinks("role access profile",
		`INSERT INTO role_access_profiles (role_id, access_profile_id, ord) VALUES (?, ?, ?)`, roleAPs); err != nil {
		return err
	}
	roleEnts := sqlstore.Flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.EntitlementIDs })
	if err := w.insertLinks("role entitlement",
		`INSERT INTO role_entitlements (role_id, entitlement_id, ord) VALUES (?, ?, ?)`, roleEnts); err != nil {
		return err
	}
	return w.writeCampaigns(d, orNow)
}

func (w *loadWriter) insertLinks(kind, stmt string, links []sqlstore.Pair) error {
	return w.insert(kind, stmt, len(links), func(i int) (string, []any, error) {
		l := links[i]
		return l.Parent + "/" + l.Child, []any{l.Parent, l.Child, l.Ord}, nil
	})
}

func (w *loadWriter) writeCampaigns(d *certsum.Dataset, orNow func(certsum.Time) string) error {
	err := w.insert("campaign", `INSERT INTO campaigns (`+strings.Join(sqlstore.CampaignColumns, ", ")+`)
		VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(sqlstore.CampaignColumns)), ", ")+`)`,
		len(d.Campaigns), func(i int) (string, []any, error) {
			k := d.Campaigns[i].Campaign
			w.campaignIDs = append(w.campaignIDs, k.ID)
			row, err := sqlstore.CampaignRow(dialect{}, k, w.now)
			return k.ID, row, err
		})
	if err != nil {
		return err
	}
	certs := sqlstore.Certifications(d)
	// Certifications and identity summaries get their integer keys here, after the largest
	// stored one, so that the review items can name them without reading them back.
	var base int64
	if err := w.tx.QueryRowContext(w.ctx, `SELECT COALESCE(MAX(key), 0) FROM certifications`).Scan(&base); err != nil {
		return err
	}
	err = w.insert("certification", `INSERT INTO certifications (key, id, campaign_id, name, reviewer_id, reviewer_type, phase,
		created, modified, due, signed, has_errors, error_message, reassignment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(certs), func(i int) (string, []any, error) {
			c := certs[i].Data.Certification
			created := orNow(c.Created)
			modified := created
			if !c.Modified.IsZero() {
				modified = timeText(c.Modified)
			}
			ra, err := sqlstore.JSONText(c.Reassignment)
			if err != nil {
				return c.ID, nil, err
			}
			key := base + int64(i) + 1
			w.certKeys = append(w.certKeys, key)
			return c.ID, []any{key, c.ID, certs[i].Campaign, c.Name, c.Reviewer.ID, string(c.Reviewer.Type), string(c.Phase),
				created, modified, nullTimeText(c.Due), nullTimeText(c.Signed), c.HasErrors, c.ErrorMessage, ra}, nil
		})
	if err != nil {
		return err
	}
	cds := make([]*certsum.CertificationData, len(certs))
	for i, cr := range certs {
		cds[i] = cr.Data
	}
	return w.writeCertifications(cds, w.certKeys)
}

// writeCertifications inserts the certifications' identity summaries, then their review
// items (with names copied from the inventory), then the audit records of the items'
// decisions, each kind through one batch.
func (w *loadWriter) writeCertifications(cds []*certsum.CertificationData, certKeys []int64) error {
	type summaryRef struct {
		key      int64
		identity string
	}
	summaryOf := map[string]summaryRef{}
	var base int64
	if err := w.tx.QueryRowContext(w.ctx, `SELECT COALESCE(MAX(key), 0) FROM identity_summaries`).Scan(&base); err != nil {
		return err
	}
	summaries, err := w.newBatch("identity summary", `INSERT INTO identity_summaries (key, id, cert_key, identity_id, name) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for c, cd := range cds {
		for _, is := range cd.IdentitySummaries {
			base++
			summaryOf[is.ID] = summaryRef{base, is.IdentityID}
			if err := summaries.add(is.ID, []any{base, is.ID, certKeys[c], is.IdentityID, w.cat.IdentityName(is.IdentityID)}); err != nil {
				summaries.full.Close()
				return err
			}
		}
	}
	if err := summaries.flush(); err != nil {
		return err
	}
	items, err := w.newBatch("review item", `INSERT INTO review_items (id, cert_key, summary_key, access_type, access_id,
		access_name, ent_source_name, ap_source_name, account_id, new_access, decision, comments, proposed_end_date, bulk,
		recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for c, cd := range cds {
		for _, it := range cd.Items {
			sum := summaryOf[it.IdentitySummaryID]
			if err := w.addItem(items, certKeys[c], sum.key, it, sum.identity); err != nil {
				items.full.Close()
				return err
			}
		}
	}
	if err := items.flush(); err != nil {
		return err
	}
	decisions, err := w.newBatch("decision", `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at, decision,
		previous_decision, bulk, comments, proposed_end_date, recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, cd := range cds {
		for _, it := range cd.Items {
			if it.Decision == nil {
				continue
			}
			if err := w.addDecision(decisions, cd.Certification, it); err != nil {
				decisions.full.Close()
				return err
			}
		}
	}
	return decisions.flush()
}

func (w *loadWriter) addItem(b *batch, certKey, summaryKey int64, it certsum.ItemData, identity string) error {
	name, entSource, apSource, account := w.cat.Describe(it, identity)
	var decision, comments, endDate, rec any
	bulk := false
	if r := it.Decision; r != nil {
		decision, comments, endDate, bulk = string(r.Decision), r.Comments, nullTimeText(r.ProposedEndDate), r.Bulk
		if r.Recommendation != nil {
			var err error
			if rec, err = sqlstore.JSONText(r.Recommendation); err != nil {
				return err
			}
		}
	}
	return b.add(it.ID, []any{it.ID, certKey, summaryKey, string(it.AccessType), it.AccessID, name,
		entSource, apSource, account, it.NewAccess, decision, comments, endDate, bulk, rec})
}

func (w *loadWriter) addDecision(b *batch, c certsum.Certification, it certsum.ItemData) error {
	r := *it.Decision
	if r.ID == "" {
		r.ID = certsum.NewID()
	}
	decidedAt := timeText(w.now)
	if !r.DecidedAt.IsZero() {
		decidedAt = timeText(r.DecidedAt)
	}
	by := r.DecidedBy
	if by == "" {
		by = c.Reviewer.ID
	}
	var rec any
	if r.Recommendation != nil {
		var err error
		if rec, err = sqlstore.JSONText(r.Recommendation); err != nil {
			return err
		}
	}
	return b.add(r.ID, []any{r.ID, c.ID, it.ID, by, decidedAt, string(r.Decision),
		nullString(string(r.PreviousDecision)), r.Bulk, r.Comments, nullTimeText(r.ProposedEndDate), rec})
}

// setFrom is "ent_total = a.ent_total, …".
var setFrom = func() string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = a." + c
	}
	return strings.Join(parts, ", ")
}()

// accessSummarySource is the SELECT that counts a certification's review items per distinct
// access item (accounts have no access summaries) and names each from the inventory, as the
// review items' copied names were. %s is the scope condition on review_items.
const accessSummarySource = `SELECT a.cert_key, a.access_type, a.access_id,
		COALESCE(e.name, p.name, r.name, ''),
		CASE WHEN a.access_type = 'ENTITLEMENT' THEN es.name END,
		CASE WHEN a.access_type = 'ACCESS_PROFILE' THEN ps.name END,
		a.total, a.decided
	FROM (SELECT cert_key, access_type, access_id, COUNT(*) AS total, COUNT(decision) AS decided
		FROM review_items WHERE access_type != 'ACCOUNT' AND %s
		GROUP BY cert_key, access_type, access_id) AS a
	LEFT JOIN entitlements e ON a.access_type = 'ENTITLEMENT' AND e.id = a.access_id
	LEFT JOIN sources es ON es.id = e.source_id
	LEFT JOIN access_profiles p ON a.access_type = 'ACCESS_PROFILE' AND p.id = a.access_id
	LEFT JOIN sources ps ON ps.id = p.source_id
	LEFT JOIN roles r ON a.access_type = 'ROLE' AND r.id = a.access_id`

// recount computes, with set-based SQL, every counter of the given (new) certifications and
// campaigns from their review items: identity summaries, access summaries, certifications,
// campaigns. With all, it counts every row of the tables instead, which lets SQLite read
// whole covering indexes in order (the first load into an empty database).
func recount(ctx context.Context, tx *sql.Tx, certKeys []int64, campaignIDs []string, all bool) error {
	var args []any
	certScope, campaignScope := "1", "1"
	if !all {
		certScope = "cert_key IN (SELECT value FROM json_each(?))"
		campaignScope = "campaign_id IN (SELECT value FROM json_each(?))"
		keys, err := json.Marshal(certKeys)
		if err != nil {
			return err
		}
		args = []any{string(keys), idList(campaignIDs)}
	}
	arg := func(i int) []any {
		if all {
			return nil
		}
		return args[i : i+1]
	}
	stmts := []struct {
		name string
		sql  string
		args []any
	}{
		{"identity summaries", `UPDATE identity_summaries SET ` + setFrom + `
			FROM (SELECT summary_key AS sk, ` + sqlstore.Aggregates(dialect{}) + `
				FROM review_items WHERE ` + certScope + ` GROUP BY summary_key) AS a
			WHERE identity_summaries.key = a.sk`, arg(0)},
		{"access summaries", `INSERT INTO access_summaries
				(cert_key, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided) ` +
			fmt.Sprintf(accessSummarySource, certScope), arg(0)},
		{"certifications", `UPDATE certifications SET ` + setFrom + `, identities_total = a.n, identities_completed = a.done
			FROM (SELECT cert_key, ` + sqlstore.CounterSums(dialect{}, "s") + `, COUNT(*) AS n, SUM(s.completed) AS done
				FROM identity_summaries s WHERE ` + certScope + ` GROUP BY cert_key) AS a
			WHERE certifications.key = a.cert_key`, arg(0)},
		{"campaigns", `UPDATE campaigns SET total_certifications = a.n, completed_certifications = a.signed
			FROM (SELECT campaign_id, COUNT(*) AS n, SUM(phase = 'SIGNED') AS signed
				FROM certifications WHERE ` + campaignScope + ` GROUP BY campaign_id) AS a
			WHERE campaigns.id = a.campaign_id`, arg(1)},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
	}
	return nil
}

// loadTables are the tables Load writes, in the order it writes them.
var loadTables = []string{
	"identities", "governance_groups", "governance_group_members", "sources", "accounts", "entitlements",
	"access_profiles", "access_profile_entitlements", "roles", "role_access_profiles", "role_entitlements",
	"campaigns", "certifications", "identity_summaries", "review_items", "decisions", "access_summaries",
}

// secondaryIndex is the definition of an index dropped for a bulk load.
type secondaryIndex struct {
	table, def string
}

// dropSecondaryIndexes drops the explicitly created indexes of every load table that holds
// no rows yet and returns their definitions, so that they are built once, sorted, after the
// rows are in instead of being updated row by row. Primary keys and UNIQUE constraints stay.
func dropSecondaryIndexes(ctx context.Context, tx *sql.Tx) ([]secondaryIndex, error) {
	var defs []secondaryIndex
	var names []string
	for _, t := range loadTables {
		var has bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&has); err != nil {
			return nil, err
		}
		if has {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
			WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, secondaryIndex{t, def})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(n, `"`, `""`)+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}
