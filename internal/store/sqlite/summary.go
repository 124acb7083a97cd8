package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/query"
)

// DecisionSummary counts a certification's decisions by access type from the stored
// counters: the certification's own row when unfiltered, otherwise the sum over the identity
// summaries that match filter (certsum.DecisionSummarySchema). Errors: not_found, invalid.
func (s *Store) DecisionSummary(ctx context.Context, certID string, filter query.Expr) (*certsum.DecisionSummary, error) {
	var t tally
	if filter == nil {
		err := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.CounterList("c")+` FROM certifications c WHERE c.id = ?`, certID).
			Scan(sqlstore.ScanTally(&t)...)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, certsum.NotFoundf("certification %q not found", certID)
		}
		if err != nil {
			return nil, fmt.Errorf("decision summary: %w", s.translate(err))
		}
		return t.Summary(), nil
	}
	// One statement: the certification row, left-joined to the matching identity summaries,
	// so that an unknown certification is told from a filter that matches nothing.
	args := newArgs()
	w, err := sqlq.Where(certsum.DecisionSummarySchema, filter, args)
	if err != nil {
		return nil, fmt.Errorf("decision summary: %w", certsum.Invalidf("filters", "%v", err))
	}
	join := "s.cert_key = c.key"
	if narrowsByID(filter, "identitySummary.id") {
		join = "+s.cert_key = c.key" // look the ids up rather than walk the certification
	}
	if w != "" {
		join += " AND (" + w + ")"
	}
	var key int64
	err = s.read.QueryRowContext(ctx, `SELECT c.key, `+sqlstore.CounterSums(dialect{}, "s")+`
		FROM certifications c LEFT JOIN identity_summaries s ON `+join+`
		WHERE c.id = `+args.Add(certID)+` GROUP BY c.key`, args.Values...).Scan(append([]any{&key}, sqlstore.ScanTally(&t)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("certification %q not found", certID)
	}
	if err != nil {
		return nil, fmt.Errorf("decision summary: %w", s.translate(err))
	}
	return t.Summary(), nil
}

// ListIdentitySummaries lists a certification's identity summaries
// (certsum.IdentitySummarySchema). Errors: not_found, invalid.
func (s *Store) ListIdentitySummaries(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
	page := certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		key, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		l := listQuery{
			Schema:    certsum.IdentitySummarySchema,
			SelectSQL: `SELECT s.id, s.name, s.identity_id, s.completed FROM identity_summaries s`,
			CountSQL:  `SELECT COUNT(*) FROM identity_summaries s`,
			Args:      newArgs(),
		}
		l.Where = append(l.Where, keyTerm("s.cert_key", q.Filter, l.Args, key, "id"))
		known := -1
		if q.Count {
			// The certification's counters answer the usual counts without counting rows.
			var total, completed int
			if err := tx.QueryRowContext(ctx, `SELECT identities_total, identities_completed FROM certifications WHERE key = ?`,
				key).Scan(&total, &completed); err != nil {
				return err
			}
			if n, ok := sqlstore.CountFromCounters(q.Filter, total, completed); ok {
				known, q.Count = n, false
			}
		}
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
			var is certsum.IdentitySummary
			if err := rows.Scan(&is.ID, &is.Name, &is.IdentityID, &is.Completed); err != nil {
				return err
			}
			page.Items = append(page.Items, is)
			return nil
		})
		if known >= 0 {
			total = known
		}
		page.Total = total
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list identity summaries: %w", err)
	}
	return page, nil
}

// GetIdentitySummary returns one identity summary of the certification. Errors: not_found
// (certification, or summary not in it).
func (s *Store) GetIdentitySummary(ctx context.Context, certID, id string) (*certsum.IdentitySummary, error) {
	var out certsum.IdentitySummary
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		key, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id, name, identity_id, completed FROM identity_summaries
			WHERE id = ? AND cert_key = ?`, id, key).Scan(&out.ID, &out.Name, &out.IdentityID, &out.Completed)
		if errors.Is(err, sql.ErrNoRows) {
			return certsum.NotFoundf("identity summary %q not found in certification %q", id, certID)
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
func (s *Store) ListAccessSummaries(ctx context.Context, certID string, t certsum.DtoType, q certsum.ListQuery) (certsum.Page[certsum.AccessSummary], error) {
	page := certsum.Page[certsum.AccessSummary]{Items: []certsum.AccessSummary{}}
	if _, err := certsum.ParseSummaryType(string(t)); err != nil {
		return page, fmt.Errorf("list access summaries: %w", err)
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		key, err := certKey(ctx, tx, certID)
		if err != nil {
			return err
		}
		l := listQuery{
			Schema:    certsum.AccessSummarySchema,
			SelectSQL: `SELECT a.access_type, a.access_id, a.name FROM access_summaries a`,
			CountSQL:  `SELECT COUNT(*) FROM access_summaries a`,
			Args:      newArgs(),
		}
		// The primary key (cert_key, access_type, access_id) serves access.id filters too.
		l.Where = append(l.Where, "a.cert_key = "+l.Args.Add(key), "a.access_type = "+l.Args.Add(string(t)))
		var items []sqlstore.AccessItem
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
			var ai sqlstore.AccessItem
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
		d, err := sqlstore.LoadDetails(ctx, sqlQuerier{tx}, dialect{}, items)
		if err != nil {
			return err
		}
		for _, it := range items {
			page.Items = append(page.Items, d.Summary(it))
		}
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("list access summaries: %w", err)
	}
	return page, nil
}
