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

// sortedIDs returns the keys of a set, sorted.
func sortedIDs(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteDecisions updates each changed review item and appends its audit record, one
// prepared statement each.
func (w writes) WriteDecisions(ctx context.Context, c *certState, by string, now certsum.Time, changes []sqlstore.Change[int64]) error {
	upd, err := w.tx.PrepareContext(ctx, `UPDATE review_items SET decision = ?, comments = ?, proposed_end_date = ?,
		bulk = ?, recommendation = ? WHERE key = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	audit, err := w.tx.PrepareContext(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at,
		decision, previous_decision, bulk, comments, proposed_end_date, recommendation)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer audit.Close()
	nowText := timeText(now)
	for _, ch := range changes {
		d, it := ch.Decision, ch.Item
		endDate := nullTimeText(d.ProposedEndDate)
		if _, err := upd.ExecContext(ctx, string(d.Decision), d.Comments, endDate, *d.Bulk, ch.Rec, it.Key); err != nil {
			return fmt.Errorf("update review item %s: %w", d.ID, err)
		}
		if _, err := audit.ExecContext(ctx, ch.RecordID, c.ID, it.ID, by, nowText, string(d.Decision),
			nullString(string(it.Decision)), *d.Bulk, d.Comments, endDate, ch.Rec); err != nil {
			return fmt.Errorf("record decision on %s: %w", d.ID, err)
		}
	}
	return nil
}
