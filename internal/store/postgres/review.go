package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/query"
)

// itemRow is a review item as the write paths see it.
type itemRow struct {
	id           string
	certID       string
	summaryID    string
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
	endDate      *certsum.Time
	bulk         bool
	rec          *certsum.Recommendation
}

// access is the access item of a review item, as the ledger counts it.
func (it itemRow) access() sqlstore.ItemAccess {
	return sqlstore.ItemAccess{Type: it.accessType, ID: it.accessID, Name: it.accessName,
		EntSource: it.entSource, APSource: it.apSource}
}

// itemColumns are the columns scanItem reads; the query must join identity_summaries as s.
const itemColumns = `i.id, i.cert_id, i.identity_summary_id, s.completed, s.identity_id, s.name,
	i.access_type, i.access_id, i.access_name, i.ent_source_name, i.ap_source_name,
	i.decision, i.comments, i.proposed_end_date, i.bulk, i.recommendation`

func scanItem(r rowScanner) (itemRow, error) {
	var it itemRow
	var decision *string
	err := r.Scan(&it.id, &it.certID, &it.summaryID, &it.summaryDone, &it.identityID, &it.identityName,
		&it.accessType, &it.accessID, &it.accessName, &it.entSource, &it.apSource,
		&decision, &it.comments, nullTimeCol{&it.endDate}, &it.bulk, &it.rec)
	if decision != nil {
		it.decision = certsum.Decision(*decision)
	}
	return it, err
}

// itemsByID reads review items by id, in any certification.
func itemsByID(ctx context.Context, q querier, ids []string) (map[string]itemRow, error) {
	out := make(map[string]itemRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT `+itemColumns+`
		FROM review_items i JOIN identity_summaries s ON s.id = i.identity_summary_id
		WHERE i.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
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

// canonicalJSON renders a recommendation the way it reads back from storage (through the
// struct, so key order, spacing and time precision agree), for comparing a stored one with a
// requested one. nil renders as "null".
func canonicalJSON(r *certsum.Recommendation) ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var back *certsum.Recommendation
	if err := json.Unmarshal(b, &back); err != nil {
		return nil, err
	}
	return json.Marshal(back)
}

// sameDecision reports whether d repeats the item's current decision exactly (decision,
// comments, proposedEndDate, bulk and recommendation).
func sameDecision(it itemRow, d certsum.ReviewDecision) (bool, error) {
	if it.decision != d.Decision || it.bulk != *d.Bulk || !sameText(it.comments, d.Comments) {
		return false, nil
	}
	switch {
	case it.endDate == nil && d.ProposedEndDate != nil, it.endDate != nil && d.ProposedEndDate == nil:
		return false, nil
	case it.endDate != nil && !it.endDate.Equal(certsum.NewTime(d.ProposedEndDate.Time).Time):
		return false, nil
	}
	stored, err := canonicalJSON(it.rec)
	if err != nil {
		return false, err
	}
	in, err := canonicalJSON(d.Recommendation)
	if err != nil {
		return false, err
	}
	return bytes.Equal(stored, in), nil
}

// sameText compares a stored nullable text with an incoming nullable string.
func sameText(stored, in *string) bool {
	if stored == nil || in == nil {
		return stored == nil && in == nil
	}
	return *stored == *in
}

// Decide applies 1..250 decisions made by identity `by`, all or nothing, and returns the
// updated certification. A decision identical to the item's current one (decision,
// comments, proposedEndDate, bulk and recommendation) changes nothing and is not recorded
// again. The certification's row lock makes concurrent Decide calls on it run one after
// the other. Errors: not_found, invalid, reference, conflict.
func (s *Store) Decide(ctx context.Context, certID, by string, ds []certsum.ReviewDecision) (*certsum.Certification, error) {
	if err := certsum.ValidateDecisions(ds, s.now()); err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	var out *certsum.Certification
	err := s.inTx(ctx, func(tx pgx.Tx) error {
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
			if it, ok := items[id]; !ok || it.certID != certID {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return certsum.Errorf(certsum.CodeReference, "review items not found in certification %s: %s", certID, strings.Join(missing, ", "))
		}
		if c.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; decisions can be made only while it is ACTIVE", certID, c.Phase)
		}
		var (
			upIDs, upDecisions, recIDs []string
			upComments, upRecs, upPrev []*string
			upEnds                     []*time.Time
			upBulk                     []bool
		)
		led := newLedger()
		for _, d := range ds {
			it := items[d.ID]
			same, err := sameDecision(it, d)
			if err != nil {
				return certsum.Invalidf("recommendation", "decision for %s: %v", d.ID, err)
			}
			if same {
				continue // an identical decision: nothing to change, nothing to record
			}
			rec, err := sqlstore.JSONText(d.Recommendation)
			if err != nil {
				return certsum.Invalidf("recommendation", "decision for %s: %v", d.ID, err)
			}
			var recText, prev *string
			if rec != nil {
				r := rec.(string)
				recText = &r
			}
			if it.decision != "" {
				p := string(it.decision)
				prev = &p
			}
			var end *time.Time
			if d.ProposedEndDate != nil {
				t := pgTime(*d.ProposedEndDate)
				end = &t
			}
			upIDs = append(upIDs, d.ID)
			upDecisions = append(upDecisions, string(d.Decision))
			upComments = append(upComments, d.Comments)
			upEnds = append(upEnds, end)
			upBulk = append(upBulk, *d.Bulk)
			upRecs = append(upRecs, recText)
			upPrev = append(upPrev, prev)
			recIDs = append(recIDs, certsum.NewID())
			led.Cert(certID)
			if it.decision != d.Decision {
				led.Item(certID, it.summaryID, it.summaryDone, it.access(), it.decision, -1)
				led.Item(certID, it.summaryID, it.summaryDone, it.access(), d.Decision, +1)
			}
		}
		now := s.stamp()
		if len(upIDs) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE review_items i SET decision = d.decision, comments = d.comments,
					proposed_end_date = d.end_date, bulk = d.bulk, recommendation = d.rec::jsonb
				FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[])
					AS d(id, decision, comments, end_date, bulk, rec)
				WHERE i.id = d.id`, upIDs, upDecisions, upComments, upEnds, upBulk, upRecs); err != nil {
				return fmt.Errorf("update review items: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at,
					decision, previous_decision, bulk, comments, proposed_end_date, recommendation)
				SELECT d.id, $1, d.item_id, $2, $3, d.decision, d.prev, d.bulk, d.comments, d.end_date, d.rec::jsonb
				FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::timestamptz[], $11::text[])
					WITH ORDINALITY AS d(id, item_id, decision, prev, bulk, comments, end_date, rec, ord)
				ORDER BY d.ord`, certID, by, pgTime(now),
				recIDs, upIDs, upDecisions, upPrev, upBulk, upComments, upEnds, upRecs); err != nil {
				return fmt.Errorf("record decisions: %w", err)
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

// DecisionHistory returns the audit trail of a certification, or of one of its items when
// itemID is set (including decisions made on it in a certification it was reassigned from),
// oldest first. Errors: not_found.
func (s *Store) DecisionHistory(ctx context.Context, certID, itemID string) ([]certsum.DecisionRecord, error) {
	out := []certsum.DecisionRecord{}
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		if err := certExists(ctx, tx, certID); err != nil {
			return err
		}
		const cols = `SELECT id, cert_id, item_id, decided_by, decided_at, decision, previous_decision, bulk,
			comments, proposed_end_date, recommendation FROM decisions`
		var rows pgx.Rows
		var err error
		if itemID != "" {
			ok, err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM review_items WHERE id = $1 AND cert_id = $2)`, itemID, certID)
			if err != nil {
				return err
			}
			if !ok {
				return certsum.NotFoundf("review item %q not found in certification %q", itemID, certID)
			}
			rows, err = tx.Query(ctx, cols+` WHERE item_id = $1 ORDER BY seq`, itemID)
			if err != nil {
				return err
			}
		} else {
			rows, err = tx.Query(ctx, cols+` WHERE cert_id = $1 ORDER BY seq`, certID)
			if err != nil {
				return err
			}
		}
		defer rows.Close()
		for rows.Next() {
			var r certsum.DecisionRecord
			var prev *string
			if err := rows.Scan(&r.ID, &r.CertificationID, &r.ItemID, &r.DecidedBy, timeCol{&r.DecidedAt},
				&r.Decision, &prev, &r.Bulk, &r.Comments, nullTimeCol{&r.ProposedEndDate}, &r.Recommendation); err != nil {
				return err
			}
			if prev != nil {
				r.PreviousDecision = certsum.Decision(*prev)
			}
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
// of one entitlement in stored order. The id is the position, zero-padded text so that the
// id tie-breaker (which sqlq orders byte-wise) keeps the stored order.
const permissionSource = `(SELECT lpad((je.ord - 1)::text, 10, '0') COLLATE "C" AS id,
	COALESCE(je.value->>'target', '') COLLATE "C" AS target,
	COALESCE(je.value->'rights', '[]'::jsonb) AS rights
	FROM entitlements e, jsonb_array_elements(e.permissions) WITH ORDINALITY AS je(value, ord) WHERE e.id = %s) p`

// ListItemPermissions lists the permissions of a review item's entitlement
// (certsum.PermissionSchema); items of other types have none. Errors: not_found, invalid.
func (s *Store) ListItemPermissions(ctx context.Context, certID, itemID string, q certsum.ListQuery) (certsum.Page[certsum.Permission], error) {
	empty := certsum.Page[certsum.Permission]{Items: []certsum.Permission{}, Total: -1}
	if err := q.CheckPage(); err != nil {
		return empty, fmt.Errorf("list item permissions: %w", err)
	}
	page := empty
	err := s.inReadTx(ctx, func(tx pgx.Tx) error {
		if err := certExists(ctx, tx, certID); err != nil {
			return err
		}
		var typ certsum.DtoType
		var accessID string
		err := tx.QueryRow(ctx, `SELECT access_type, access_id FROM review_items WHERE id = $1 AND cert_id = $2`,
			itemID, certID).Scan(&typ, &accessID)
		if errors.Is(err, pgx.ErrNoRows) {
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
		total, err := l.Run(ctx, pgQuerier{tx}, sqlq.Postgres, q, func(rows sqlstore.Rows) error {
			p := certsum.Permission{}
			if err := rows.Scan(&p.Target, &p.Rights); err != nil {
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
		return empty, fmt.Errorf("list item permissions: %w", err)
	}
	return page, nil
}
