package sqlite

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

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
