package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
		err := s.pool.QueryRow(ctx, `SELECT `+sqlstore.CounterList("c")+` FROM certifications c WHERE c.id = $1`, certID).
			Scan(sqlstore.ScanTally(&t)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, certsum.NotFoundf("certification %q not found", certID)
		}
		if err != nil {
			return nil, fmt.Errorf("decision summary: %w", translate(err))
		}
		return t.Summary(), nil
	}
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		if err := certExists(ctx, tx, certID); err != nil {
			return err
		}
		args := newArgs()
		cond := "s.cert_id = " + args.Add(certID)
		w, err := sqlq.Where(certsum.DecisionSummarySchema, filter, args)
		if err != nil {
			return certsum.Invalidf("filters", "%v", err)
		}
		if w != "" {
			cond += " AND (" + w + ")"
		}
		return tx.QueryRow(ctx, `SELECT `+sqlstore.CounterSums(dialect{}, "s")+` FROM identity_summaries s WHERE `+cond,
			args.Values...).Scan(sqlstore.ScanTally(&t)...)
	})
	if err != nil {
		return nil, fmt.Errorf("decision summary: %w", err)
	}
	return t.Summary(), nil
}

// ListIdentitySummaries lists a certification's identity summaries
// (certsum.IdentitySummarySchema). Errors: not_found, invalid.
func (s *Store) ListIdentitySummaries(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
	page := certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		_, _, total, done, err := certCounters(ctx, tx, certID)
		if err != nil {
			return err
		}
		l := listQuery{
			Schema:    certsum.IdentitySummarySchema,
			SelectSQL: `SELECT s.id, s.name, s.identity_id, s.completed FROM identity_summaries s`,
			CountSQL:  `SELECT COUNT(*) FROM identity_summaries s`,
			Args:      newArgs(),
			Counted:   func(f query.Expr) (int, bool) { return sqlstore.CountFromCounters(f, total, done) },
		}
		l.Where = append(l.Where, "s.cert_id = "+l.Args.Add(certID))
		count, err := l.Run(ctx, pgQuerier{tx}, sqlq.Postgres, q, func(rows sqlstore.Rows) error {
			var is certsum.IdentitySummary
			if err := rows.Scan(&is.ID, &is.Name, &is.IdentityID, &is.Completed); err != nil {
				return err
			}
			page.Items = append(page.Items, is)
			return nil
		})
		page.Total = count
		return err
	})
	if err != nil {
		return certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}, fmt.Errorf("list identity summaries: %w", err)
	}
	return page, nil
}

// GetIdentitySummary returns one identity summary of the certification. Errors: not_found
// (certification, or summary not in it).
func (s *Store) GetIdentitySummary(ctx context.Context, certID, id string) (*certsum.IdentitySummary, error) {
	var out certsum.IdentitySummary
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		if err := certExists(ctx, tx, certID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id, name, identity_id, completed FROM identity_summaries
			WHERE id = $1 AND cert_id = $2`, id, certID).Scan(&out.ID, &out.Name, &out.IdentityID, &out.Completed)
		if errors.Is(err, pgx.ErrNoRows) {
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
	empty := certsum.Page[certsum.AccessSummary]{Items: []certsum.AccessSummary{}}
	if _, err := certsum.ParseSummaryType(string(t)); err != nil {
		return empty, fmt.Errorf("list access summaries: %w", err)
	}
	page := empty
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		if err := certExists(ctx, tx, certID); err != nil {
			return err
		}
		l := listQuery{
			Schema:    certsum.AccessSummarySchema,
			SelectSQL: `SELECT a.access_type, a.access_id, a.name FROM access_summaries a`,
			CountSQL:  `SELECT COUNT(*) FROM access_summaries a`,
			Args:      newArgs(),
		}
		l.Where = append(l.Where, "a.cert_id = "+l.Args.Add(certID), "a.access_type = "+l.Args.Add(string(t)))
		var items []sqlstore.AccessItem
		total, err := l.Run(ctx, pgQuerier{tx}, sqlq.Postgres, q, func(rows sqlstore.Rows) error {
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
		d, err := sqlstore.LoadDetails(ctx, pgQuerier{tx}, dialect{}, items)
		if err != nil {
			return err
		}
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
