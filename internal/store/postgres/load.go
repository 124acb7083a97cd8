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
	total := sqlstore.DatasetRows(d)
	var certIDs []string
	err := s.runTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		phase := time.Now()
		cat, err := sqlstore.NewCatalog(ctx, pgQuerier{tx}, dialect{}, d)
		if err != nil {
			return err
		}
		if err := cat.Validate(); err != nil {
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
		if err := sqlstore.RemediateSigned(ctx, pgQuerier{tx}, dialect{}, w.now); err != nil {
			return fmt.Errorf("remediation items: %w", err)
		}
		if err := sqlstore.RecountCampaignCounters(ctx, pgQuerier{tx}, dialect{}); err != nil {
			return fmt.Errorf("campaign counters: %w", err)
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
		{"identity", "identities", ids(len(d.Identities), func(i int) string { return d.Identities[i].ID })},
		{"governance group", "governance_groups", ids(len(d.GovernanceGroups), func(i int) string { return d.GovernanceGroups[i].ID })},
		{"source", "sources", ids(len(d.Sources), func(i int) string { return d.Sources[i].ID })},
		{"account", "accounts", ids(len(d.Accounts), func(i int) string { return d.Accounts[i].ID })},
		{"entitlement", "entitlements", ids(len(d.Entitlements), func(i int) string { return d.Entitlements[i].ID })},
		{"access profile", "access_profiles", ids(len(d.AccessProfiles), func(i int) string { return d.AccessProfiles[i].ID })},
		{"role", "roles", ids(len(d.Roles), func(i int) string { return d.Roles[i].ID })},
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
	cat         *sqlstore.Catalog
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

func (w *loadWriter) links(table string, columns []string, links []sqlstore.Pair) error {
	return w.copy(table, columns, len(links), func(i int) ([]any, error) {
		l := links[i]
		return []any{l.Parent, l.Child, l.Ord}, nil
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
	err := w.copy("identities", []string{"id", "name", "email", "manager_id", "department", "title"},
		len(d.Identities), func(i int) ([]any, error) {
			x := d.Identities[i]
			return []any{x.ID, x.Name, nullString(x.Email), nullString(x.ManagerID), x.Department, x.Title}, nil
		})
	if err != nil {
		return err
	}
	err = w.copy("governance_groups", []string{"id", "name", "description", "owner_id"},
		len(d.GovernanceGroups), func(i int) ([]any, error) {
			x := d.GovernanceGroups[i]
			return []any{x.ID, x.Name, x.Description, nullString(x.OwnerID)}, nil
		})
	if err != nil {
		return err
	}
	members := sqlstore.Flatten(d.GovernanceGroups, func(g certsum.GovernanceGroup) string { return g.ID },
		func(g certsum.GovernanceGroup) []string { return g.MemberIDs })
	err = w.copy("governance_group_members", []string{"group_id", "identity_id"}, len(members), func(i int) ([]any, error) {
		return []any{members[i].Parent, members[i].Child}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy("sources", []string{"id", "name", "type", "owner_id"}, len(d.Sources), func(i int) ([]any, error) {
		x := d.Sources[i]
		return []any{x.ID, x.Name, x.Type, nullString(x.OwnerID)}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy("accounts", []string{"id", "native_identity", "name", "source_id", "identity_id", "disabled", "locked",
		"created", "modified", "usage_days"}, len(d.Accounts), func(i int) ([]any, error) {
		x := d.Accounts[i]
		created := w.orNow(x.Created)
		return []any{x.ID, x.NativeIdentity, x.Name, x.SourceID, x.IdentityID, x.Disabled, x.Locked,
			created, orCreated(x.Modified, created), int32(x.UsageDays)}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy("entitlements", []string{"id", "name", "description", "source_id", "attribute_name", "attribute_value",
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
	err = w.copy("access_profiles", []string{"id", "name", "description", "source_id", "owner_id", "privileged",
		"cloud_governed", "created", "modified"}, len(d.AccessProfiles), func(i int) ([]any, error) {
		x := d.AccessProfiles[i]
		created := w.orNow(x.Created)
		return []any{x.ID, x.Name, x.Description, x.SourceID, nullString(x.OwnerID), x.Privileged,
			x.CloudGoverned, created, orCreated(x.Modified, created)}, nil
	})
	if err != nil {
		return err
	}
	apEnts := sqlstore.Flatten(d.AccessProfiles, func(a certsum.AccessProfile) string { return a.ID },
		func(a certsum.AccessProfile) []string { return a.EntitlementIDs })
	if err := w.links("access_profile_entitlements", []string{"access_profile_id", "entitlement_id", "ord"}, apEnts); err != nil {
		return err
	}
	err = w.copy("roles", []string{"id", "name", "description", "owner_id", "privileged", "revocable"},
		len(d.Roles), func(i int) ([]any, error) {
			x := d.Roles[i]
			return []any{x.ID, x.Name, x.Description, nullString(x.OwnerID), x.Privileged, x.Revocable}, nil
		})
	if err != nil {
		return err
	}
	roleAPs := sqlstore.Flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.AccessProfileIDs })
	if err := w.links("role_access_profiles", []string{"role_id", "access_profile_id", "ord"}, roleAPs); err != nil {
		return err
	}
	roleEnts := sqlstore.Flatten(d.Roles, func(r certsum.Role) string { return r.ID },
		func(r certsum.Role) []string { return r.EntitlementIDs })
	if err := w.links("role_entitlements", []string{"role_id", "entitlement_id", "ord"}, roleEnts); err != nil {
		return err
	}
	return w.writeCampaigns(d)
}

func (w *loadWriter) writeCampaigns(d *certsum.Dataset) error {
	err := w.copy("campaigns", sqlstore.CampaignColumns, len(d.Campaigns), func(i int) ([]any, error) {
		k := d.Campaigns[i].Campaign
		w.campaignIDs = append(w.campaignIDs, k.ID)
		return sqlstore.CampaignRow(dialect{}, k, w.now)
	})
	if err != nil {
		return err
	}
	certs := sqlstore.Certifications(d)
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
			c := certs[i].Data.Certification
			created := w.orNow(c.Created)
			ra, err := sqlstore.JSONText(c.Reassignment)
			if err != nil {
				return nil, err
			}
			w.certIDs = append(w.certIDs, c.ID)
			return []any{c.ID, certs[i].Campaign, c.Name, c.Reviewer.ID, string(c.Reviewer.Type), string(c.Phase),
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
		for i, is := range cr.Data.IdentitySummaries {
			sums = append(sums, summaryRef{cr.Data, i})
			identityOf[is.ID] = is.IdentityID
		}
		for i, it := range cr.Data.Items {
			items = append(items, itemRef{cr.Data, i})
			if it.Decision != nil {
				decided = append(decided, itemRef{cr.Data, i})
			}
		}
	}
	err = w.copy("load_identity_summaries", []string{"id", "cert_id", "identity_id", "name"}, len(sums), func(i int) ([]any, error) {
		r := sums[i]
		is := r.cert.IdentitySummaries[r.i]
		return []any{is.ID, r.cert.Certification.ID, is.IdentityID, w.cat.IdentityName(is.IdentityID)}, nil
	})
	if err != nil {
		return err
	}
	err = w.copy("review_items", []string{"id", "cert_id", "identity_summary_id", "access_type", "access_id",
		"access_name", "ent_source_name", "ap_source_name", "account_id", "new_access", "decision", "comments",
		"proposed_end_date", "bulk", "recommendation"}, len(items), func(i int) ([]any, error) {
		r := items[i]
		it := r.cert.Items[r.i]
		name, entSource, apSource, account := w.cat.Describe(it, identityOf[it.IdentitySummaryID])
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
