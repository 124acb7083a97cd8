package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
)

// Item is a review item as the write paths read it, with its identity summary's state.
type Item[K Key] struct {
	Key          K // the item's row key
	ID           string
	Cert         K // its certification's key
	Summary      K // its identity summary's key
	SummaryID    string
	SummaryDone  bool
	IdentityID   string
	IdentityName string
	Access       ItemAccess
	Decision     certsum.Decision
	Comments     *string
	EndDate      *certsum.Time
	Bulk         bool
	Rec          *certsum.Recommendation
}

// ItemColumns are the columns ScanItem reads; the query joins review_items as i to
// identity_summaries as s.
func ItemColumns(dl Dialect) string {
	k := dl.Keys()
	return `i.` + k.Item + `, i.id, i.` + k.ItemCert + `, i.` + k.ItemSummary + `, s.id, s.completed, s.identity_id, s.name,
	i.access_type, i.access_id, i.access_name, i.ent_source_name, i.ap_source_name,
	i.decision, i.comments, i.proposed_end_date, i.bulk, i.recommendation`
}

// ItemJoin is the FROM clause of ItemColumns.
func ItemJoin(dl Dialect) string {
	k := dl.Keys()
	return ` FROM review_items i JOIN identity_summaries s ON s.` + k.Summary + ` = i.` + k.ItemSummary
}

// ScanItem reads a row of ItemColumns.
func ScanItem[K Key](dl Dialect, r Scanner) (Item[K], error) {
	var it Item[K]
	var decision *string
	err := r.Scan(&it.Key, &it.ID, &it.Cert, &it.Summary, &it.SummaryID, &it.SummaryDone, &it.IdentityID, &it.IdentityName,
		&it.Access.Type, &it.Access.ID, &it.Access.Name, &it.Access.EntSource, &it.Access.APSource,
		&decision, &it.Comments, dl.NullTime(&it.EndDate), &it.Bulk, dl.JSON(&it.Rec))
	if decision != nil {
		it.Decision = certsum.Decision(*decision)
	}
	return it, err
}

// ScanItems reads every row of a query of ItemColumns.
func ScanItems[K Key](ctx context.Context, q Querier, dl Dialect, stmt string, args ...any) ([]Item[K], error) {
	rows, err := q.Query(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item[K]
	for rows.Next() {
		it, err := ScanItem[K](dl, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ItemsByID reads review items by id, in any certification.
func ItemsByID[K Key](ctx context.Context, q Querier, dl Dialect, ids []string) (map[string]Item[K], error) {
	out := make(map[string]Item[K], len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	items, err := ScanItems[K](ctx, q, dl, `SELECT `+ItemColumns(dl)+ItemJoin(dl)+` WHERE `+dl.AnyOf("i.id", dl.Param(1)), dl.IDs(ids))
	for _, it := range items {
		out[it.ID] = it
	}
	return out, err
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

// SameDecision reports whether d repeats the item's current decision exactly (decision,
// comments, proposedEndDate, bulk and recommendation).
func (it Item[K]) SameDecision(d certsum.ReviewDecision) (bool, error) {
	if it.Decision != d.Decision || it.Bulk != *d.Bulk || !sameText(it.Comments, d.Comments) {
		return false, nil
	}
	switch {
	case it.EndDate == nil && d.ProposedEndDate != nil, it.EndDate != nil && d.ProposedEndDate == nil:
		return false, nil
	case it.EndDate != nil && !it.EndDate.Equal(certsum.NewTime(d.ProposedEndDate.Time).Time):
		return false, nil
	}
	stored, err := canonicalJSON(it.Rec)
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

// Change is one decision that changes a review item: what Decide writes to the item and
// records in the audit trail.
type Change[K Key] struct {
	Item     Item[K]
	Decision certsum.ReviewDecision
	Rec      *string // the recommendation's JSON text
	RecordID string  // the id of its audit record
}

// Decide applies 1..250 decisions made by identity `by`, all or nothing, and returns the
// updated certification. A decision identical to the item's current one (decision,
// comments, proposedEndDate, bulk and recommendation) changes nothing and is not recorded
// again. The certification's lock makes concurrent Decide calls on it run one after the
// other. Errors: not_found, invalid, reference, conflict.
func (c *Core[K]) Decide(ctx context.Context, certID, by string, ds []certsum.ReviewDecision) (*certsum.Certification, error) {
	if err := certsum.ValidateDecisions(ds, c.now(ctx).Time); err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	return c.certWrite(ctx, "decide", certID, false, func(tx Querier, st *CertState[K]) error {
		if err := certsum.CheckComments(st.Requirement, ds); err != nil {
			return err
		}
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.ID
		}
		items, err := ItemsByID[K](ctx, tx, c.B, ids)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range ids {
			if it, ok := items[id]; !ok || it.Cert != st.Key {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return certsum.Errorf(certsum.CodeReference, "review items not found in certification %s: %s", certID, strings.Join(missing, ", "))
		}
		if st.Phase != certsum.PhaseActive {
			return certsum.Conflictf("certification %q is %s; decisions can be made only while it is ACTIVE", certID, st.Phase)
		}
		led := NewLedger[K]()
		var changes []Change[K]
		for _, d := range ds {
			it := items[d.ID]
			same, err := it.SameDecision(d)
			if err != nil {
				return certsum.Invalidf("recommendation", "decision for %s: %v", d.ID, err)
			}
			if same {
				continue // an identical decision: nothing to change, nothing to record
			}
			rec, err := JSONText(d.Recommendation)
			if err != nil {
				return certsum.Invalidf("recommendation", "decision for %s: %v", d.ID, err)
			}
			ch := Change[K]{Item: it, Decision: d, RecordID: certsum.NewID()}
			if rec != nil {
				r := rec.(string)
				ch.Rec = &r
			}
			changes = append(changes, ch)
			led.Cert(st.Key)
			if it.Decision != d.Decision {
				led.Item(st.Key, it.Summary, it.SummaryDone, it.Access, it.Decision, -1)
				led.Item(st.Key, it.Summary, it.SummaryDone, it.Access, d.Decision, +1)
			}
		}
		now := c.now(ctx)
		w := c.W(tx)
		if len(changes) > 0 {
			if err := w.WriteDecisions(ctx, st, by, now, changes); err != nil {
				return err
			}
		}
		return led.Apply(ctx, tx, c.B, w, now)
	})
}

// DecisionHistory returns the audit trail of a certification, or of one of its items when
// itemID is set (including decisions made on it in a certification it was reassigned from),
// oldest first. Errors: not_found.
func (c *Core[K]) DecisionHistory(ctx context.Context, certID, itemID string) ([]certsum.DecisionRecord, error) {
	var out []certsum.DecisionRecord
	dl := c.B
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		out = []certsum.DecisionRecord{}
		var key K
		var canonical string // the audit trail holds ids as stored
		found, err := QueryRow(ctx, tx, `SELECT `+dl.Keys().Cert+`, id FROM certifications WHERE id = `+dl.Param(1),
			[]any{certID}, &key, &canonical)
		if err != nil {
			return err
		}
		if !found {
			return certsum.NotFoundf("certification %q not found", certID)
		}
		const cols = `SELECT id, cert_id, item_id, decided_by, decided_at, decision, previous_decision, bulk,
			comments, proposed_end_date, recommendation FROM decisions`
		stmt, arg := cols+` WHERE cert_id = `+dl.Param(1)+` ORDER BY seq`, canonical
		if itemID != "" {
			var item string
			found, err := QueryRow(ctx, tx, `SELECT id FROM review_items WHERE id = `+dl.Param(1)+
				` AND `+dl.Keys().ItemCert+` = `+dl.Param(2), []any{itemID, key}, &item)
			if err != nil {
				return err
			}
			if !found {
				return certsum.NotFoundf("review item %q not found in certification %q", itemID, certID)
			}
			stmt, arg = cols+` WHERE item_id = `+dl.Param(1)+` ORDER BY seq`, item
		}
		rows, err := tx.Query(ctx, stmt, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r certsum.DecisionRecord
			var prev *string
			var rec *certsum.Recommendation
			if err := rows.Scan(&r.ID, &r.CertificationID, &r.ItemID, &r.DecidedBy, dl.Time(&r.DecidedAt),
				&r.Decision, &prev, &r.Bulk, &r.Comments, dl.NullTime(&r.ProposedEndDate), dl.JSON(&rec)); err != nil {
				return err
			}
			if prev != nil {
				r.PreviousDecision = certsum.Decision(*prev)
			}
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

// ListItemPermissions lists the permissions of a review item's entitlement
// (certsum.PermissionSchema); items of other types have none. Errors: not_found, invalid.
func (c *Core[K]) ListItemPermissions(ctx context.Context, certID, itemID string, q certsum.ListQuery) (certsum.Page[certsum.Permission], error) {
	empty := certsum.Page[certsum.Permission]{Items: []certsum.Permission{}, Total: -1}
	if err := q.CheckPage(); err != nil {
		return empty, fmt.Errorf("list item permissions: %w", err)
	}
	var page certsum.Page[certsum.Permission]
	dl := c.B
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = empty
		key, err := CertKey[K](ctx, tx, dl, certID)
		if err != nil {
			return err
		}
		var typ certsum.DtoType
		var accessID string
		found, err := QueryRow(ctx, tx, `SELECT access_type, access_id FROM review_items WHERE id = `+dl.Param(1)+
			` AND `+dl.Keys().ItemCert+` = `+dl.Param(2), []any{itemID, key}, &typ, &accessID)
		if err != nil {
			return err
		}
		if !found {
			return certsum.NotFoundf("review item %q not found in certification %q", itemID, certID)
		}
		if typ != certsum.TypeEntitlement {
			if q.Count {
				page.Total = 0
			}
			return nil
		}
		l := List{Schema: certsum.PermissionSchema, Args: Args(dl)}
		src := fmt.Sprintf(c.B.PermissionSource(), l.Args.Add(accessID))
		l.SelectSQL = `SELECT p.target, p.rights FROM ` + src
		l.CountSQL = `SELECT COUNT(*) FROM ` + src
		total, err := l.Run(ctx, tx, dl.SQLQ(), q, func(rows Rows) error {
			p := certsum.Permission{}
			if err := rows.Scan(&p.Target, dl.JSON(&p.Rights)); err != nil {
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
