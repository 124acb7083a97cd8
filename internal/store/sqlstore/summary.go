package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/query"
)

// NarrowsByID reports whether a filter keeps only rows whose id field (one of fields) equals
// one of a few listed values: an eq or in on it, an "and" with such a side, or an "or" of
// such filters. Those filters are answered by looking the ids up, so the list queries then
// mark the certification key term Unindexed, which keeps SQLite from walking the whole
// certification instead: its planner, without statistics, would otherwise prefer that once a
// filter lists about ten ids.
func NarrowsByID(e query.Expr, fields ...string) bool {
	switch n := e.(type) {
	case *query.Compare:
		return n.Op == query.OpEq && slices.Contains(fields, n.Field)
	case *query.List:
		return n.Op == query.OpIn && slices.Contains(fields, n.Field)
	case *query.Logical:
		if n.Op == query.And {
			return NarrowsByID(n.Left, fields...) || NarrowsByID(n.Right, fields...)
		}
		return NarrowsByID(n.Left, fields...) && NarrowsByID(n.Right, fields...)
	}
	return false
}

// KeyTerm is "col = key" for the certification key of a list, with col Unindexed when the
// filter narrows by id (see NarrowsByID).
func KeyTerm(dl Dialect, col string, filter query.Expr, args *sqlq.Args, key any, idFields ...string) string {
	if filter != nil && NarrowsByID(filter, idFields...) {
		col = dl.Unindexed(col)
	}
	return col + " = " + args.Add(key)
}

// DecisionSummary counts a certification's decisions by access type from the stored
// counters: the certification's own row when unfiltered, otherwise the sum over the identity
// summaries that match filter (certsum.DecisionSummarySchema). Errors: not_found, invalid.
func (c *Core[K]) DecisionSummary(ctx context.Context, certID string, filter query.Expr) (*certsum.DecisionSummary, error) {
	var t certsum.Tally
	k := c.B.Keys()
	stmt, args := `SELECT `+CounterList("c")+` FROM certifications c WHERE c.id = `+c.B.Param(1), []any{certID}
	if filter != nil {
		// One statement: the certification row, left-joined to the matching identity
		// summaries, so that an unknown certification is told from a filter that matches
		// nothing.
		a := Args(c.B)
		w, err := sqlq.Where(certsum.DecisionSummarySchema, filter, a)
		if err != nil {
			return nil, fmt.Errorf("decision summary: %w", certsum.Invalidf("filters", "%v", err))
		}
		join := "s." + k.SummaryCert
		if NarrowsByID(filter, "identitySummary.id") {
			join = c.B.Unindexed(join) // look the ids up rather than walk the certification
		}
		join += " = c." + k.Cert
		if w != "" {
			join += " AND (" + w + ")"
		}
		stmt = `SELECT ` + CounterSums(c.B, "s") + `
			FROM certifications c LEFT JOIN identity_summaries s ON ` + join + `
			WHERE c.id = ` + a.Add(certID) + ` GROUP BY c.` + k.Cert
		args = a.Values
	}
	found, err := QueryRow(ctx, c.B.Read(), stmt, args, ScanTally(&t)...)
	if err != nil {
		return nil, fmt.Errorf("decision summary: %w", c.B.Translate(err))
	}
	if !found {
		return nil, certsum.NotFoundf("certification %q not found", certID)
	}
	return t.Summary(), nil
}

// ListIdentitySummaries lists a certification's identity summaries
// (certsum.IdentitySummarySchema). Errors: not_found, invalid.
func (c *Core[K]) ListIdentitySummaries(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
	var page certsum.Page[certsum.IdentitySummary]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}
		var key K
		var total, completed int
		found, err := QueryRow(ctx, tx, `SELECT `+c.B.Keys().Cert+`, identities_total, identities_completed
			FROM certifications WHERE id = `+c.B.Param(1), []any{certID}, &key, &total, &completed)
		if err != nil {
			return err
		}
		if !found {
			return certsum.NotFoundf("certification %q not found", certID)
		}
		l := List{
			Schema:    certsum.IdentitySummarySchema,
			SelectSQL: `SELECT s.id, s.name, s.identity_id, s.completed FROM identity_summaries s`,
			CountSQL:  `SELECT COUNT(*) FROM identity_summaries s`,
			Args:      Args(c.B),
			// The certification's counters answer the usual counts without counting rows.
			Counted: func(f query.Expr) (int, bool) { return CountFromCounters(f, total, completed) },
		}
		l.Where = append(l.Where, KeyTerm(c.B, "s."+c.B.Keys().SummaryCert, q.Filter, l.Args, key, "id"))
		n, err := l.Run(ctx, tx, c.B.SQLQ(), q, func(rows Rows) error {
			var is certsum.IdentitySummary
			if err := rows.Scan(&is.ID, &is.Name, &is.IdentityID, &is.Completed); err != nil {
				return err
			}
			page.Items = append(page.Items, is)
			return nil
		})
		page.Total = n
		return err
	})
	if err != nil {
		return certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}, fmt.Errorf("list identity summaries: %w", err)
	}
	return page, nil
}

// GetIdentitySummary returns one identity summary of the certification. Errors: not_found
// (certification, or summary not in it).
func (c *Core[K]) GetIdentitySummary(ctx context.Context, certID, id string) (*certsum.IdentitySummary, error) {
	var out certsum.IdentitySummary
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		key, err := CertKey[K](ctx, tx, c.B, certID)
		if err != nil {
			return err
		}
		found, err := QueryRow(ctx, tx, `SELECT id, name, identity_id, completed FROM identity_summaries
			WHERE id = `+c.B.Param(1)+` AND `+c.B.Keys().SummaryCert+` = `+c.B.Param(2), []any{id, key},
			&out.ID, &out.Name, &out.IdentityID, &out.Completed)
		if err == nil && !found {
			err = certsum.NotFoundf("identity summary %q not found in certification %q", id, certID)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get identity summary: %w", err)
	}
	return &out, nil
}

// ListAccessSummaries lists the distinct access items of type t (ROLE, ACCESS_PROFILE,
// ENTITLEMENT) among the certification's review items (certsum.AccessSummarySchema), each
// with the access item's details and no account. Errors: not_found, invalid.
func (c *Core[K]) ListAccessSummaries(ctx context.Context, certID string, t certsum.DtoType, q certsum.ListQuery) (certsum.Page[certsum.AccessSummary], error) {
	empty := certsum.Page[certsum.AccessSummary]{Items: []certsum.AccessSummary{}}
	if _, err := certsum.ParseSummaryType(string(t)); err != nil {
		return empty, fmt.Errorf("list access summaries: %w", err)
	}
	var page certsum.Page[certsum.AccessSummary]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = empty
		key, err := CertKey[K](ctx, tx, c.B, certID)
		if err != nil {
			return err
		}
		l := List{
			Schema:    certsum.AccessSummarySchema,
			SelectSQL: `SELECT a.access_type, a.access_id, a.name FROM access_summaries a`,
			CountSQL:  `SELECT COUNT(*) FROM access_summaries a`,
			Args:      Args(c.B),
		}
		// The primary key (certification, access_type, access_id) serves access.id filters too.
		l.Where = append(l.Where, "a."+c.B.Keys().AccessCert+" = "+l.Args.Add(key), "a.access_type = "+l.Args.Add(string(t)))
		var items []AccessItem
		total, err := l.Run(ctx, tx, c.B.SQLQ(), q, func(rows Rows) error {
			var ai AccessItem
			if err := rows.Scan(&ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name); err != nil {
				return err
			}
			items = append(items, ai)
			return nil
		})
		if err != nil {
			return err
		}
		page.Total = total
		d, err := LoadDetails(ctx, tx, c.B, items)
		if err != nil {
			return err
		}
		page.Items = make([]certsum.AccessSummary, 0, len(items))
		for _, it := range items {
			page.Items = append(page.Items, d.Summary(it))
		}
		return nil
	})
	if err != nil {
		return empty, fmt.Errorf("list access summaries: %w", err)
	}
	return page, nil
}
