package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// This file holds SQLite's side of certsum.SnapshotReader (whose bulk reads are
// sqlstore.Core's): the read of every item of a certification and a change mark built on the
// wal-index header and PRAGMA data_version.

var _ certsum.SnapshotReader = (*Store)(nil)

// StreamItems calls fn for every review item of the certification whose key is cert, which
// has about n of them (sqlstore.ItemStreamer). Items are read from the table itself,
// naming identity summaries through a map of their keys instead of a join per row; when the
// certification's items fill most of a run of row keys (a certification loaded in bulk),
// that run is read in key order, which is several times faster than visiting the rows in
// index order.
func (b backend) StreamItems(ctx context.Context, q sqlstore.Querier, cert any, n int, fn func(certsum.ItemRecord) error) error {
	tx, certKey := q.(sqlQuerier).q, cert.(int64)
	summaryIDs := map[int64]string{}
	krows, err := tx.QueryContext(ctx, `SELECT key, id FROM identity_summaries WHERE cert_key = ?`, certKey)
	if err != nil {
		return err
	}
	for krows.Next() {
		var k int64
		var id string
		if err := krows.Scan(&k, &id); err != nil {
			_ = krows.Close()
			return err
		}
		summaryIDs[k] = id
	}
	if err := krows.Close(); err != nil {
		return err
	}
	const cols = `SELECT r.id, r.summary_key, r.access_type, r.access_id, r.account_id, r.new_access, r.decision, r.comments`
	stmt, args := cols+` FROM review_items r WHERE r.cert_key = ?`, []any{certKey}
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(key), max(key) FROM review_items WHERE cert_key = ?`, certKey).Scan(&lo, &hi); err != nil {
		return err
	}
	if lo.Valid && hi.Int64-lo.Int64+1 <= 2*int64(max(n, 1)) {
		stmt, args = cols+` FROM review_items r NOT INDEXED WHERE r.key BETWEEN ? AND ? AND r.cert_key = ?`, []any{lo.Int64, hi.Int64, certKey}
	}
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var it certsum.ItemRecord
		var summaryKey int64
		var decision sql.NullString
		if err := rows.Scan(&it.ID, &summaryKey, &it.AccessType, &it.AccessID, nullStr{&it.AccountID},
			&it.NewAccess, &decision, &it.Comments); err != nil {
			return err
		}
		it.Decision = certsum.Decision(decision.String)
		it.IdentitySummaryID = summaryIDs[summaryKey]
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}

// OpenChangeMark returns the database's change mark. It reads the header of the wal-index
// (see walIndex): two equal reads prove that no connection of any process committed in
// between, for the cost of a few memory loads. Where the header cannot be mapped it reads
// PRAGMA data_version on a connection of its own that never writes, whose value changes
// whenever any other connection — this process's writer or another process — commits. A
// private in-memory database has a single connection that also writes, so it gets no
// change mark (nil).
func (s *Store) OpenChangeMark(ctx context.Context) (certsum.ChangeMark, error) {
	if s.read == s.write {
		return nil, nil
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open change mark: %w", s.translate(err))
	}
	stmt, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("open change mark: %w", s.translate(err))
	}
	d := &dataVersion{conn: conn, stmt: stmt}
	// The first read maps this connection's wal-index, which stays open with it.
	if _, err := d.pragma(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	var mode, path string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err == nil && mode == "wal" {
		if err := conn.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err == nil && path != "" {
			shm, err := s.shmFile(path)
			if err == nil {
				d.idx, err = openWALIndex(path, shm)
			}
			if err != nil {
				s.log.Warn("cannot read the wal-index; the change mark reads PRAGMA data_version", "err", err)
			}
		}
	}
	return d, nil
}

// dataVersion is a certsum.ChangeMark on one dedicated read connection, and on the
// wal-index header when it could be mapped.
type dataVersion struct {
	mu   sync.Mutex
	conn *sql.Conn
	stmt *sql.Stmt
	idx  *walIndex // nil: every mark reads PRAGMA data_version

	hdr  [walHeaderWords]uint32 // the wal-index header at the last mark
	seen bool                   // hdr holds one
	mark uint64
}

// Mark returns the change mark. With the wal-index it is a counter that moves whenever the
// header differs from the last mark's (or could not be read consistently); otherwise it is
// PRAGMA data_version, whose read transaction sees every transaction committed before it
// began.
func (d *dataVersion) Mark(ctx context.Context) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return 0, certsum.Errorf(certsum.CodeUnavailable, "the change mark is closed")
	}
	if d.idx == nil {
		return d.pragma(ctx)
	}
	h, ok := d.idx.header()
	if ok && d.seen && h == d.hdr {
		return d.mark, nil
	}
	d.hdr, d.seen = h, ok
	d.mark++
	return d.mark, nil
}

// pragma reads PRAGMA data_version.
func (d *dataVersion) pragma(ctx context.Context) (uint64, error) {
	var v int64
	if err := d.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("change mark: %w", classify(err))
	}
	return uint64(v), nil
}

// Close unmaps the wal-index and returns the connection to the pool.
func (d *dataVersion) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	var errs []error
	if d.idx != nil {
		errs = append(errs, d.idx.close())
	}
	errs = append(errs, d.stmt.Close(), d.conn.Close())
	d.conn, d.stmt, d.idx = nil, nil, nil
	return errors.Join(errs...)
}
