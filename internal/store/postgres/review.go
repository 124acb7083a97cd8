package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/query"
)

// ListReviewItems lists a certification's review items (certsum.ReviewItemSchema),
// optionally only those whose access is of f.AccessType and one of f.AccessIDs. Errors:
// not_found, invalid.
func (s *Store) ListReviewItems(ctx context.Context, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) (certsum.Page[certsum.AccessReviewItem], error) {
	empty := certsum.Page[certsum.AccessReviewItem]{Items: []certsum.AccessReviewItem{}}
	if f.AccessType != "" && typeIndex(f.AccessType) < 0 {
		return empty, certsum.Invalidf("type", "access type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT, ACCOUNT", f.AccessType)
	}
	page := empty
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		total, decided, _, _, err := certCounters(ctx, tx, certID)
		if err != nil {
			return err
		}
		const from = ` FROM review_items i JOIN identity_summaries s ON s.id = i.identity_summary_id`
		l := listQuery{
			Schema: certsum.ReviewItemSchema,
			SelectSQL: `SELECT i.id, i.access_type, i.access_id, i.access_name, i.account_id, i.new_access,
				i.decision, i.comments, s.id, s.name, s.identity_id, s.completed` + from,
			CountSQL: `SELECT COUNT(*)` + from,
			Args:     newArgs(),
		}
		l.Where = append(l.Where, "i.cert_id = "+l.Args.Add(certID))
		if f.AccessType != "" {
			l.Where = append(l.Where, fmt.Sprintf("i.access_type = %s AND i.access_id = ANY(%s)",
				l.Args.Add(string(f.AccessType)), l.Args.Add(strs(f.AccessIDs))))
		} else {
			l.Counted = func(f query.Expr) (int, bool) { return sqlstore.CountFromCounters(f, total, decided) }
		}
		var items []sqlstore.AccessItem
		count, err := l.Run(ctx, pgQuerier{tx}, sqlq.Postgres, q, func(rows sqlstore.Rows) error {
			var it certsum.AccessReviewItem
			var ai sqlstore.AccessItem
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
		page.Total = count
		d, err := sqlstore.LoadDetails(ctx, pgQuerier{tx}, dialect{}, items)
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

// WriteDecisions updates the changed review items and appends their audit records with one
// statement each, over arrays.
func (w writes) WriteDecisions(ctx context.Context, c *certState, by string, now certsum.Time, changes []sqlstore.Change[string]) error {
	n := len(changes)
	ids, decisions, recIDs := make([]string, n), make([]string, n), make([]string, n)
	comments, recs, prev := make([]*string, n), make([]*string, n), make([]*string, n)
	ends, bulk := make([]*time.Time, n), make([]bool, n)
	for i, ch := range changes {
		d := ch.Decision
		ids[i], decisions[i], recIDs[i] = d.ID, string(d.Decision), ch.RecordID
		comments[i], recs[i], bulk[i] = d.Comments, ch.Rec, *d.Bulk
		if ch.Item.Decision != "" {
			p := string(ch.Item.Decision)
			prev[i] = &p
		}
		if d.ProposedEndDate != nil {
			t := pgTime(*d.ProposedEndDate)
			ends[i] = &t
		}
	}
	if _, err := w.tx.Exec(ctx, `UPDATE review_items i SET decision = d.decision, comments = d.comments,
			proposed_end_date = d.end_date, bulk = d.bulk, recommendation = d.rec::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[])
			AS d(id, decision, comments, end_date, bulk, rec)
		WHERE i.id = d.id`, ids, decisions, comments, ends, bulk, recs); err != nil {
		return fmt.Errorf("update review items: %w", err)
	}
	if _, err := w.tx.Exec(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at,
			decision, previous_decision, bulk, comments, proposed_end_date, recommendation)
		SELECT d.id, $1, d.item_id, $2, $3, d.decision, d.prev, d.bulk, d.comments, d.end_date, d.rec::jsonb
		FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::timestamptz[], $11::text[])
			WITH ORDINALITY AS d(id, item_id, decision, prev, bulk, comments, end_date, rec, ord)
		ORDER BY d.ord`, c.ID, by, pgTime(now),
		recIDs, ids, decisions, prev, bulk, comments, ends, recs); err != nil {
		return fmt.Errorf("record decisions: %w", err)
	}
	return nil
}
