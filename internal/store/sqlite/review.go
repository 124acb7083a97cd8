package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/query"
)

// itemRow is a review item as the write paths see it.
type itemRow struct {
	key          int64
	id           string
	certKey      int64
	summaryKey   int64
	summaryDone  bool // the identity summary's completed flag
	identityID   string
	identityName string
	accessType   certsum.DtoType
	accessID     string
	accessName   string
	entSource    *string
	apSource     *string
	decision     certsum.Decision
	comments     *string
	endDate      *string
	bulk         bool
	rec          *string
}

// access is the access item of a review item, as the ledger counts it.
func (it itemRow) access() sqlstore.ItemAccess {
	return sqlstore.ItemAccess{Type: it.accessType, ID: it.accessID, Name: it.accessName,
		EntSource: it.entSource, APSource: it.apSource}
}

// itemColumns are the columns scanItem reads; the query must join identity_summaries as s.
const itemColumns = `i.key, i.id, i.cert_key, i.summary_key, s.completed, s.identity_id, s.name,
	i.access_type, i.access_id, i.access_name, i.ent_source_name, i.ap_source_name,
	i.decision, i.comments, i.proposed_end_date, i.bulk, i.recommendation`

func scanItem(r rowScanner) (itemRow, error) {
	var it itemRow
	var decision sql.NullString
	err := r.Scan(&it.key, &it.id, &it.certKey, &it.summaryKey, &it.summaryDone, &it.identityID, &it.identityName,
		&it.accessType, &it.accessID, &it.accessName, &it.entSource, &it.apSource,
		&decision, &it.comments, &it.endDate, &it.bulk, &it.rec)
	it.decision = certsum.Decision(decision.String)
	return it, err
}

// itemsByID reads review items by id, in any certification.
func itemsByID(ctx context.Context, q querier, ids []string) (map[string]itemRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemColumns+`
		FROM review_items i JOIN identity_summaries s ON s.key = i.summary_key
		WHERE i.id IN (SELECT value FROM json_each(?))`, idList(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]itemRow, len(ids))
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out[it.id] = it
	}
	return out, rows.Err()
}

// ListReviewItems lists a certification's review items (certsum.ReviewItemSchema),
// optionally only those whose access is of f.AccessType and one of f.AccessIDs. Errors:
// not_found, invalid.
func (s *Store) ListReviewItems(ctx context.Context, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) (certsum.Page[certsum.AccessReviewItem], error) {
	page := certsum.Page[certsum.AccessReviewItem]{Items: []certsum.AccessReviewItem{}}
	if f.AccessType != "" && typeIndex(f.AccessType) < 0 {
		return page, certsum.Invalidf("type", "access type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT, ACCOUNT", f.AccessType)
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		// The certification's per-type counters answer most counts and tell how selective
		// an access type filter is.
		var key int64
		var t tally
		err := tx.QueryRowContext(ctx, `SELECT c.Key, `+sqlstore.CounterList("c")+` FROM certifications c WHERE c.ID = ?`,
			certID).Scan(append([]any{&key}, sqlstore.ScanTally(&t)...)...)
		if errors.Is(err, sql.ErrNoRows) {
			return certsum.NotFoundf("certification %q not found", certID)
		}
		if err != nil {
			return err
		}
		if err := q.CheckPage(); err != nil {
			return err
		}
		typ, typed := filterType(q.Filter)
		if typed && t[typeIndex(typ)][0] == 0 {
			page.Total = -1
			if q.Count {
				page.Total = 0
			}
			return nil // no item of that type: nothing to walk
		}
		driver, from := itemDriver(f, q, typed && t[typeIndex(typ)][0] <= selectiveType)
		l := listQuery{
			Schema: certsum.ReviewItemSchema,
			SelectSQL: `SELECT i.id, i.access_type, i.access_id, i.access_name, i.account_id, i.new_access,
				i.decision, i.comments, s.id, s.name, s.identity_id, s.completed` + from,
			CountSQL: `SELECT COUNT(*)` + from,
			Args:     newArgs(),
		}
		l.Where = append(l.Where, driver+" = "+l.Args.Add(key))
		if f.AccessType != "" {
			l.Where = append(l.Where, fmt.Sprintf("i.access_type = %s AND i.access_id IN (SELECT value FROM json_each(%s))",
				l.Args.Add(string(f.AccessType)), l.Args.Add(idList(f.AccessIDs))))
		}
		known := -1
		if q.Count && f.AccessType == "" {
			if n, ok := itemCountFromCounters(q.Filter, t); ok {
				known, q.Count = n, false
			}
		}
		var items []sqlstore.AccessItem
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
			var it certsum.AccessReviewItem
			var ai sqlstore.AccessItem
			var decision sql.NullString
			if err := rows.Scan(&it.ID, &ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name, nullStr{&ai.AccountID}, &it.NewAccess,
				&decision, &it.Comments, &it.IdentitySummary.ID, &it.IdentitySummary.Name,
				&it.IdentitySummary.IdentityID, &it.IdentitySummary.Completed); err != nil {
				return err
			}
			it.Decision = certsum.Decision(decision.String)
			it.Completed = decision.Valid
			page.Items = append(page.Items, it)
			items = append(items, ai)
			return nil
		})
		if err != nil {
			return err
		}
		if known >= 0 {
			total = known
		}
		page.Total = total
		d, err := sqlstore.LoadDetails(ctx, sqlQuerier{tx}, dialect{}, items)
		if err != nil {
			return err
		}
		for i := range page.Items {
			page.Items[i].AccessSummary = d.Summary(items[i])
		}
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("list review items: %w", err)
	}
	return page, nil
}

// selectiveType is how many items of one access type a certification may hold for a filter
// on that type to start from the items' access index (and sort what it finds) rather than
// from the identity summaries in name order.
const selectiveType = 20000

// itemDriver returns the certification-key column that a review item list constrains and
// the FROM clause, which together decide where SQLite starts: the review items by their
// access index (an entitlements/access-profiles/roles parameter, a filter on a type the
// certification holds few items of, or sorting by anything but identity name), the
// identity summaries in name order (the default sort, so that a first page reads one page's
// worth of rows however big the certification; CROSS JOIN and INDEXED BY fix that plan,
// which SQLite, without statistics on how big a certification is, would otherwise trade for
// a sort of every item), or neither when the filter names item or identity summary ids to
// look up (a unary + keeps the term off every index). An item's certification is always its
// identity summary's, so either column selects the same rows.
func itemDriver(f certsum.ReviewItemFilter, q certsum.ListQuery, fewOfType bool) (column, from string) {
	const itemsFirst = ` FROM review_item_rows i JOIN identity_summaries s ON s.key = i.summary_key`
	first := certsum.ReviewItemSchema.DefaultSort[0].Field
	if len(q.Sort) > 0 {
		first = q.Sort[0].Field
	}
	switch {
	case q.Filter != nil && narrowsByID(q.Filter, "id", "identitySummary.id"):
		return "+i.cert_key", itemsFirst
	case f.AccessType != "" || fewOfType:
		return "i.cert_key", itemsFirst
	case first == "identitySummary.name":
		return "s.cert_key", ` FROM identity_summaries s INDEXED BY identity_summaries_name
			CROSS JOIN review_item_rows i ON s.key = i.summary_key`
	}
	return "i.cert_key", itemsFirst
}

// filterType returns the access type a filter requires: "access.type eq X" (or "type eq
// X") alone or as one side of an "and".
func filterType(e query.Expr) (certsum.DtoType, bool) {
	if t, ok := typeTest(e); ok {
		return t, true
	}
	if l, ok := e.(*query.Logical); ok && l.Op == query.And {
		if t, ok := filterType(l.Left); ok {
			return t, true
		}
		return filterType(l.Right)
	}
	return "", false
}

// itemCountFromCounters answers the count of a certification's review items from its
// per-type counters t when the filter is absent, tests completed, tests the access type, or
// is the "and" of one of each; ok is false for any other filter.
func itemCountFromCounters(filter query.Expr, t tally) (n int, ok bool) {
	if l, isAnd := filter.(*query.Logical); isAnd && l.Op == query.And {
		typ, okType := typeTest(l.Left)
		other := l.Right
		if !okType {
			typ, okType = typeTest(l.Right)
			other = l.Left
		}
		if !okType {
			return 0, false
		}
		c := t[typeIndex(typ)]
		return sqlstore.CountFromCounters(other, c[0], c[1]+c[2])
	}
	if typ, okType := typeTest(filter); okType {
		return t[typeIndex(typ)][0], true
	}
	return sqlstore.CountFromCounters(filter, t.Total(), t.Decided())
}

// typeTest reports whether e is "access.type eq X" (or "type eq X") for a known access type,
// compared case-insensitively as the filter language does.
func typeTest(e query.Expr) (certsum.DtoType, bool) {
	c, ok := e.(*query.Compare)
	if !ok || c.Op != query.OpEq || (c.Field != "access.type" && c.Field != "type") {
		return "", false
	}
	v, ok := c.Value.(query.StringLit)
	if !ok {
		return "", false
	}
	for _, t := range certsum.AccessTypes {
		if strings.EqualFold(string(t), v.Value) {
			return t, true
		}
	}
	return "", false
}

// Decide applies 1..250 decisions made by identity `by`, all or nothing, and returns the
// updated certification. A decision identical to the item's current one (decision,
// comments, proposedEndDate, bulk and recommendation) changes nothing and is not recorded
// again. Errors: not_found, invalid, reference, conflict.
func (s *Store) Decide(ctx context.Context, certID, by string, ds []certsum.ReviewDecision) (*certsum.Certification, error) {
	if err := certsum.ValidateDecisions(ds, s.now()); err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	var out *certsum.Certification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := lockCertification(ctx, tx, certID)
		if err != nil {
			return err
		}
		if err := certsum.CheckComments(c.Requirement, ds); err != nil {
			return err
		}
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.ID
		}
		items, err := itemsByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range ids {
			if it, ok := items[id]; !ok || it.certKey != c.Key {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return certsum.Errorf(certsum.CodeReference, "review items not found in certification %s: %s", certID, strings.Join(missing, ", "))
		}
		if c.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; decisions can be made only while it is ACTIVE", certID, c.Phase)
		}
		now := s.stamp()
		nowText := timeText(now)
		upd, err := tx.PrepareContext(ctx, `UPDATE review_items SET decision = ?, comments = ?, proposed_end_date = ?,
			bulk = ?, recommendation = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		audit, err := tx.PrepareContext(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at,
			decision, previous_decision, bulk, comments, proposed_end_date, recommendation)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer audit.Close()
		led := newLedger()
		for _, d := range ds {
			it := items[d.ID]
			rec, err := sqlstore.JSONText(d.Recommendation)
			if err != nil {
				return certsum.Invalidf("recommendation", "decision for %s: %v", d.ID, err)
			}
			endDate := nullTimeText(d.ProposedEndDate)
			if it.decision == d.Decision && sameText(it.comments, d.Comments) && sameAny(it.endDate, endDate) &&
				it.bulk == *d.Bulk && sameAny(it.rec, rec) {
				continue // an identical decision: nothing to change, nothing to record
			}
			if _, err := upd.ExecContext(ctx, string(d.Decision), d.Comments, endDate, *d.Bulk, rec, d.ID); err != nil {
				return fmt.Errorf("update review item %s: %w", d.ID, err)
			}
			if _, err := audit.ExecContext(ctx, certsum.NewID(), c.ID, it.id, by, nowText, string(d.Decision),
				nullString(string(it.decision)), *d.Bulk, d.Comments, endDate, rec); err != nil {
				return fmt.Errorf("record decision on %s: %w", d.ID, err)
			}
			led.Cert(c.Key)
			if it.decision != d.Decision {
				led.Item(c.Key, it.summaryKey, it.summaryDone, it.access(), it.decision, -1)
				led.Item(c.Key, it.summaryKey, it.summaryDone, it.access(), d.Decision, +1)
			}
		}
		if err := apply(ctx, tx, led, now); err != nil {
			return err
		}
		out, err = getCertification(ctx, tx, certID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	return out, nil
}

// sameText compares a stored nullable text with an incoming nullable string.
func sameText(stored, in *string) bool {
	if stored == nil || in == nil {
		return stored == nil && in == nil
	}
	return *stored == *in
}

// sameAny compares a stored nullable text with a value about to be bound (nil or string).
func sameAny(stored *string, in any) bool {
	s, ok := in.(string)
	if stored == nil || !ok {
		return stored == nil && !ok
	}
	return *stored == s
}

// DecisionHistory returns the audit trail of a certification, or of one of its items when
// itemID is set (including decisions made on it in a certification it was reassigned from),
// oldest first. Errors: not_found.
func (s *Store) DecisionHistory(ctx context.Context, certID, itemID string) ([]certsum.DecisionRecord, error) {
	out := []certsum.DecisionRecord{}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		key, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		var canonical string // the audit trail holds ids as stored
		if err := tx.QueryRowContext(ctx, `SELECT id FROM certifications WHERE key = ?`, key).Scan(&canonical); err != nil {
			return err
		}
		const cols = `SELECT id, cert_id, item_id, decided_by, decided_at, decision, previous_decision, bulk,
			comments, proposed_end_date, recommendation FROM decisions`
		var rows *sql.Rows
		if itemID != "" {
			var item string
			err := tx.QueryRowContext(ctx, `SELECT id FROM review_items WHERE id = ? AND cert_key = ?`, itemID, key).Scan(&item)
			if errors.Is(err, sql.ErrNoRows) {
				return certsum.NotFoundf("review item %q not found in certification %q", itemID, certID)
			}
			if err != nil {
				return err
			}
			rows, err = tx.QueryContext(ctx, cols+` WHERE item_id = ? ORDER BY seq`, item)
			if err != nil {
				return err
			}
		} else {
			rows, err = tx.QueryContext(ctx, cols+` WHERE cert_id = ? ORDER BY seq`, canonical)
			if err != nil {
				return err
			}
		}
		defer rows.Close()
		for rows.Next() {
			var r certsum.DecisionRecord
			var prev sql.NullString
			var rec *certsum.Recommendation
			if err := rows.Scan(&r.ID, &r.CertificationID, &r.ItemID, &r.DecidedBy, timeCol{&r.DecidedAt},
				&r.Decision, &prev, &r.Bulk, &r.Comments, nullTimeCol{&r.ProposedEndDate}, jsonCol{&rec}); err != nil {
				return err
			}
			r.PreviousDecision = certsum.Decision(prev.String)
			r.Recommendation = rec
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("decision history: %w", err)
	}
	return out, nil
}

// permissionSource is the rows behind alias p of certsum.PermissionSchema: the permissions
// of one entitlement, numbered in stored order.
const permissionSource = `(SELECT CAST(je.key AS INTEGER) AS id,
	COALESCE(json_extract(je.value, '$.target'), '') AS target,
	COALESCE(json_extract(je.value, '$.rights'), '[]') AS rights
	FROM entitlements e, json_each(e.permissions) je WHERE e.id = %s) p`

// ListItemPermissions lists the permissions of a review item's entitlement
// (certsum.PermissionSchema); items of other types have none. Errors: not_found.
func (s *Store) ListItemPermissions(ctx context.Context, certID, itemID string, q certsum.ListQuery) (certsum.Page[certsum.Permission], error) {
	page := certsum.Page[certsum.Permission]{Items: []certsum.Permission{}, Total: -1}
	if err := q.CheckPage(); err != nil {
		return page, fmt.Errorf("list item permissions: %w", err)
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		key, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		var typ certsum.DtoType
		var accessID string
		err = tx.QueryRowContext(ctx, `SELECT access_type, access_id FROM review_items WHERE id = ? AND cert_key = ?`,
			itemID, key).Scan(&typ, &accessID)
		if errors.Is(err, sql.ErrNoRows) {
			return certsum.NotFoundf("review item %q not found in certification %q", itemID, certID)
		}
		if err != nil {
			return err
		}
		if typ != certsum.TypeEntitlement {
			if q.Count {
				page.Total = 0
			}
			return nil
		}
		l := listQuery{Schema: certsum.PermissionSchema, Args: newArgs()}
		src := fmt.Sprintf(permissionSource, l.Args.Add(accessID))
		l.SelectSQL = `SELECT p.target, p.rights FROM ` + src
		l.CountSQL = `SELECT COUNT(*) FROM ` + src
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
			p := certsum.Permission{Rights: []string{}}
			if err := rows.Scan(&p.Target, jsonCol{&p.Rights}); err != nil {
				return err
			}
			if p.Rights == nil {
				p.Rights = []string{}
			}
			page.Items = append(page.Items, p)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list item permissions: %w", err)
	}
	return page, nil
}

// sortedIDs returns the keys of a set, sorted.
func sortedIDs(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
