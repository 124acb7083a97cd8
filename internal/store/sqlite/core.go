package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// core is the shared store over SQLite's integer keys; Store embeds it.
type core = sqlstore.Core[int64]

// backend is SQLite's side of sqlstore.Backend: its dialect, its two pools and its clock.
type backend struct {
	dialect
	s *Store
}

func (b backend) Read() sqlstore.Querier { return sqlQuerier{b.s.read} }

func (b backend) ReadTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inReadTx(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) })
}

func (b backend) WriteTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inTx(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) })
}

func (b backend) BulkTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inTx(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) }, bulkSetup)
}

// bulkSetup runs a bulk write without per-row foreign-key lookups, and with a page cache
// large enough that the transaction's index pages stay in memory instead of spilling to the
// write-ahead log and being read back from it.
var bulkSetup = connSetup{
	before: []string{`PRAGMA foreign_keys = OFF`, fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB)},
	after:  []string{`PRAGMA foreign_keys = ON`, fmt.Sprintf(`PRAGMA cache_size = -%d`, cacheKiB)},
}

// bulkCacheKiB is the page cache of a bulk write.
const bulkCacheKiB = 512 << 10

// Analyze does nothing: without statistics tables SQLite plans by its indexes alone, which
// suits certsum's queries.
func (backend) Analyze(context.Context, ...string) {}

func (b backend) Translate(err error) error { return b.s.translate(err) }
func (b backend) Now() certsum.Time         { return b.s.stamp() }
func (b backend) Log() *slog.Logger         { return b.s.log }

// PermissionSource numbers an entitlement's permissions by their position in the stored
// JSON array.
func (backend) PermissionSource() string {
	return `(SELECT CAST(je.key AS INTEGER) AS id,
	COALESCE(json_extract(je.value, '$.target'), '') AS target,
	COALESCE(json_extract(je.value, '$.rights'), '[]') AS rights
	FROM entitlements e, json_each(e.permissions) je WHERE e.id = %s) p`
}

// Fetch reads the query's rows while flushing every n of them: SQLite lets a transaction
// write while one of its statements is still reading.
func (backend) Fetch(ctx context.Context, tx sqlstore.Querier, stmt string, args []any, n int,
	scan func(sqlstore.Rows) error, flush func() error) error {
	seen := 0
	err := sqlstore.Each(ctx, tx, stmt, args, func(rows sqlstore.Rows) error {
		if err := scan(rows); err != nil {
			return err
		}
		if seen++; seen%n == 0 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// writesIn returns SQLite's writes in the write transaction tx.
func writesIn(tx sqlstore.Querier) sqlstore.Writes[int64] {
	return writes{tx.(sqlQuerier).q.(*sql.Tx)}
}

// certState is what the write paths need to know about a certification before they change it.
type certState = sqlstore.CertState[int64]
