package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// SelectiveType is how many items of one access type a certification may hold for a filter
// on that type to start from the items' access index (and sort what it finds) rather than
// from the identity summaries in name order.
const SelectiveType = 20000

// ListReviewItems lists a certification's review items (certsum.ReviewItemSchema),
// optionally only those whose access is of f.AccessType and one of f.AccessIDs. Errors:
// not_found, invalid.
func (c *Core[K]) ListReviewItems(ctx context.Context, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) (certsum.Page[certsum.AccessReviewItem], error) {
	empty := certsum.Page[certsum.AccessReviewItem]{Items: []certsum.AccessReviewItem{}}
	if f.AccessType != "" && certsum.TallyIndex(f.AccessType) < 0 {
		return empty, certsum.Invalidf("type", "access type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT, ACCOUNT", f.AccessType)
	}
	dl := c.B
	var page certsum.Page[certsum.AccessReviewItem]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = empty
		// The certification's per-type counters answer most counts and tell how selective
		// an access type filter is.
		var key K
		var t certsum.Tally
		found, err := QueryRow(ctx, tx, `SELECT c.`+dl.Keys().Cert+`, `+CounterList("c")+` FROM certifications c WHERE c.id = `+dl.Param(1),
			[]any{certID}, append([]any{&key}, ScanTally(&t)...)...)
		if err != nil {
			return err
		}
		if !found {
			return certsum.NotFoundf("certification %q not found", certID)
		}
		if err := q.CheckPage(); err != nil {
			return err
		}
		typ, typed := filterType(q.Filter)
		if typed && t[certsum.TallyIndex(typ)][0] == 0 {
			page.Total = -1
			if q.Count {
				page.Total = 0
			}
			return nil // no item of that type: nothing to walk
		}
		driver, from := itemDriver(dl, f, q, typed && t[certsum.TallyIndex(typ)][0] <= SelectiveType)
		l := List{
			Schema: certsum.ReviewItemSchema,
			SelectSQL: `SELECT i.id, i.access_type, i.access_id, i.access_name, i.account_id, i.new_access,
				i.decision, i.comments, s.id, s.name, s.identity_id, s.completed` + from,
			CountSQL: `SELECT COUNT(*)` + from,
			Args:     Args(dl),
		}
		l.Where = append(l.Where, driver+" = "+l.Args.Add(key))
		if f.AccessType != "" {
			l.Where = append(l.Where, "i.access_type = "+l.Args.Add(string(f.AccessType))+" AND "+
				dl.AnyOf("i.access_id", l.Args.Add(dl.IDs(f.AccessIDs))))
		} else {
			l.Counted = func(filter query.Expr) (int, bool) { return itemCountFromCounters(filter, t) }
		}
		var items []AccessItem
		total, err := l.Run(ctx, tx, dl.SQLQ(), q, func(rows Rows) error {
			var it certsum.AccessReviewItem
			var ai AccessItem
			var decision, account *string
			if err := rows.Scan(&it.ID, &ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name, &account, &it.NewAccess,
				&decision, &it.Comments, &it.IdentitySummary.ID, &it.IdentitySummary.Name,
				&it.IdentitySummary.IdentityID, &it.IdentitySummary.Completed); err != nil {
				return err
			}
			if decision != nil {
				it.Decision = certsum.Decision(*decision)
				it.Completed = true
			}
			if account != nil {
				ai.AccountID = *account
			}
			page.Items = append(page.Items, it)
			items = append(items, ai)
			return nil
		})
		if err != nil {
			return err
		}
		page.Total = total
		d, err := LoadDetails(ctx, tx, dl, items)
		if err != nil {
			return err
		}
		for i := range page.Items {
			page.Items[i].AccessSummary = d.Summary(items[i])
		}
		return nil
	})
	if err != nil {
		return empty, fmt.Errorf("list review items: %w", err)
	}
	return page, nil
}

// itemDriver returns the certification-key column that a review item list constrains and
// the FROM clause, which together decide where the database starts: the review items by
// their access index (an entitlements/access-profiles/roles parameter, a filter on a type
// the certification holds few items of, or sorting by anything but identity name), the
// identity summaries in name order (the default sort, so that a first page reads one page's
// worth of rows however big the certification, rather than sorting every item: the
// dialect's SummaryOrderedItems), or neither when the filter names item or identity summary
// ids to look up (the key column Unindexed). An item's certification is always its identity
// summary's, so either column selects the same rows.
func itemDriver(dl Dialect, f certsum.ReviewItemFilter, q certsum.ListQuery, fewOfType bool) (column, from string) {
	k := dl.Keys()
	itemsFirst := ` FROM ` + k.ItemRows + ` i JOIN identity_summaries s ON s.` + k.Summary + ` = i.` + k.ItemSummary
	first := certsum.ReviewItemSchema.DefaultSort[0].Field
	if len(q.Sort) > 0 {
		first = q.Sort[0].Field
	}
	switch {
	case q.Filter != nil && NarrowsByID(q.Filter, "id", "identitySummary.id"):
		return dl.Unindexed("i." + k.ItemCert), itemsFirst
	case f.AccessType != "" || fewOfType:
		return "i." + k.ItemCert, itemsFirst
	case first == "identitySummary.name":
		return "s." + k.SummaryCert, dl.SummaryOrderedItems()
	}
	return "i." + k.ItemCert, itemsFirst
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
func itemCountFromCounters(filter query.Expr, t certsum.Tally) (n int, ok bool) {
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
		c := t[certsum.TallyIndex(typ)]
		return CountFromCounters(other, c[0], c[1]+c[2])
	}
	if typ, okType := typeTest(filter); okType {
		return t[certsum.TallyIndex(typ)][0], true
	}
	return CountFromCounters(filter, t.Total(), t.Decided())
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
