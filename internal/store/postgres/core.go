package postgres

import (
	"context"
	"log/slog"

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

// writesIn returns PostgreSQL's writes in the write transaction tx.
func writesIn(tx sqlstore.Querier) sqlstore.Writes[string] {
	return writes{tx.(pgQuerier).q.(pgx.Tx)}
}

// certState is what the write paths need to know about a certification before they change it.
type certState = sqlstore.CertState[string]
