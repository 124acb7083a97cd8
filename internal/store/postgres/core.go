package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// core is the shared store over PostgreSQL's ids; Store embeds it.
type core = sqlstore.Core[string]

// backend is PostgreSQL's side of sqlstore.Backend: its dialect, its pool and its clock.
type backend struct {
	dialect
	s *Store
}

func (b backend) Read() sqlstore.Querier { return pgQuerier{b.s.pool} }

func (b backend) ReadTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inReadTx(ctx, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
}

func (b backend) WriteTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inTx(ctx, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
}

// BulkTx is WriteTx: the certification tables declare no foreign keys on PostgreSQL.
func (b backend) BulkTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.WriteTx(ctx, fn)
}

// Analyze runs ANALYZE on the tables: PostgreSQL plans by statistics, and those of a table
// that just grew by a million rows would send generation into a nested loop.
func (b backend) Analyze(ctx context.Context, tables ...string) {
	if _, err := b.s.pool.Exec(ctx, `ANALYZE `+strings.Join(tables, ", ")); err != nil {
		b.s.log.Warn("cannot refresh planner statistics", "tables", tables, "err", err)
	}
}

func (b backend) Translate(err error) error { return translate(err) }
func (b backend) Now() certsum.Time         { return b.s.stamp() }
func (b backend) Log() *slog.Logger         { return b.s.log }

// PermissionSource numbers an entitlement's permissions by their position in the stored
// array, as zero-padded text so that the id tie-breaker (which sqlq orders byte-wise) keeps
// the stored order.
func (backend) PermissionSource() string {
	return `(SELECT lpad((je.ord - 1)::text, 10, '0') COLLATE "C" AS id,
	COALESCE(je.value->>'target', '') COLLATE "C" AS target,
	COALESCE(je.value->'rights', '[]'::jsonb) AS rights
	FROM entitlements e, jsonb_array_elements(e.permissions) WITH ORDINALITY AS je(value, ord) WHERE e.id = %s) p`
}

// Fetch reads the query through a cursor, n rows at a time: a pgx connection serves one
// result set at a time, so flush can write only between two fetches.
func (backend) Fetch(ctx context.Context, tx sqlstore.Querier, stmt string, args []any, n int,
	scan func(sqlstore.Rows) error, flush func() error) error {
	if _, err := tx.Exec(ctx, `DECLARE certsum_fetch NO SCROLL CURSOR FOR `+stmt, args...); err != nil {
		return err
	}
	for {
		got := 0
		err := sqlstore.Each(ctx, tx, `FETCH `+strconv.Itoa(n)+` FROM certsum_fetch`, nil, func(rows sqlstore.Rows) error {
			got++
			return scan(rows)
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		if got < n {
			_, err := tx.Exec(ctx, `CLOSE certsum_fetch`)
			return err
		}
	}
}

// writesIn returns PostgreSQL's writes in the write transaction tx.
func writesIn(tx sqlstore.Querier) sqlstore.Writes[string] {
	return writes{tx.(pgQuerier).q.(pgx.Tx)}
}

// certState is what the write paths need to know about a certification before they change it.
type certState = sqlstore.CertState[string]
