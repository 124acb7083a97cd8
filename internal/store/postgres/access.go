package postgres

import (
	"context"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// dialect is PostgreSQL's side of the shared SQL (sqlstore.Dialect): id lists travel as one
// text[] argument, times as timestamptz, JSON as jsonb that pgx decodes itself.
type dialect struct{}

func (dialect) AnyOf(column string) string           { return column + " = ANY($1)" }
func (dialect) IDs(ids []string) any                 { return ids }
func (dialect) JSONArrayLength(column string) string { return "jsonb_array_length(" + column + ")" }
func (dialect) Time(dst *certsum.Time) any           { return timeCol{dst} }
func (dialect) JSON(dst any) any                     { return dst }

// pgQuerier adapts a pool or transaction of pgx to sqlstore.Querier.
type pgQuerier struct{ q querier }

func (p pgQuerier) Query(ctx context.Context, stmt string, args ...any) (sqlstore.Rows, error) {
	return p.q.Query(ctx, stmt, args...)
}
