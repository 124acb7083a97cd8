package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// tally is the counters' one shape, certsum.Tally; typeIndex its index of an access type.
type tally = certsum.Tally

// counterColumns are the stored counter columns in tally order.
var counterColumns = sqlstore.CounterColumns

var b2i = sqlstore.B2I

// The statements of a ledger's writes, built once.
var (
	addSummarySQL = `UPDATE identity_summaries SET ` + sqlstore.SetCounters(dialect{}, 1, true) +
		` WHERE key = ? RETURNING items_total, completed`
	addCertificationSQL = `UPDATE certifications SET ` + sqlstore.SetCounters(dialect{}, 1, true) + `,
		identities_total = identities_total + ?, identities_completed = identities_completed + ?,
		version = version + 1, modified = ? WHERE key = ?`
)

// writes writes a ledger with one prepared statement per table, row by row: SQLite runs
// them in process, so a statement per row costs no round trip.
type writes struct{ tx *sql.Tx }

func (w writes) AddSummaries(ctx context.Context, keys []int64, ts []tally) ([]sqlstore.SummaryState, error) {
	upd, err := w.tx.PrepareContext(ctx, addSummarySQL)
	if err != nil {
		return nil, err
	}
	defer upd.Close()
	out := make([]sqlstore.SummaryState, len(keys))
	for i, key := range keys {
		if err := upd.QueryRowContext(ctx, append(sqlstore.TallyArgs(ts[i]), key)...).Scan(&out[i].Total, &out[i].Completed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (w writes) DeleteSummaries(ctx context.Context, keys []int64) error {
	_, err := w.tx.ExecContext(ctx, `DELETE FROM identity_summaries WHERE key IN (SELECT value FROM json_each(?))`, keyList(keys))
	return err
}

func (w writes) AddAccess(ctx context.Context, keys []sqlstore.AccessKey[int64], ds []*sqlstore.AccessDelta) ([]int, error) {
	up, err := w.tx.PrepareContext(ctx, `INSERT INTO access_summaries
		(cert_key, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (cert_key, access_type, access_id) DO UPDATE SET
			items_total = items_total + excluded.items_total,
			items_decided = items_decided + excluded.items_decided
		RETURNING items_total`)
	if err != nil {
		return nil, err
	}
	defer up.Close()
	out := make([]int, len(keys))
	for i, k := range keys {
		a := ds[i]
		if err := up.QueryRowContext(ctx, k.Cert, k.Type, k.ID, a.Name, a.EntSource, a.APSource, a.Total, a.Decided).Scan(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (w writes) DeleteAccess(ctx context.Context, keys []sqlstore.AccessKey[int64]) error {
	for _, k := range keys {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM access_summaries WHERE cert_key = ? AND access_type = ? AND access_id = ?`,
			k.Cert, k.Type, k.ID); err != nil {
			return err
		}
	}
	return nil
}

func (w writes) AddCertification(ctx context.Context, key int64, d sqlstore.CertDelta, now certsum.Time) error {
	res, err := w.tx.ExecContext(ctx, addCertificationSQL,
		append(sqlstore.TallyArgs(d.T), d.Identities, d.Complete, timeText(now), key)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("it does not exist (%d rows, %v)", n, err)
	}
	return nil
}

// keyList binds integer keys as one JSON array argument, as idList does ids.
func keyList(keys []int64) string {
	b, _ := json.Marshal(keys)
	return string(b)
}
