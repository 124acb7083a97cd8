package sqlite

import (
	"context"
	"database/sql"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// dialect is SQLite's side of the shared SQL (sqlstore.Dialect): id lists travel as one JSON
// array argument, times as text, JSON as text.
type dialect struct{}

func (dialect) AnyOf(column string) string           { return column + " IN (SELECT value FROM json_each(?))" }
func (dialect) IDs(ids []string) any                 { return idList(ids) }
func (dialect) JSONArrayLength(column string) string { return "json_array_length(" + column + ")" }
func (dialect) Time(dst *certsum.Time) any           { return timeCol{dst} }
func (dialect) JSON(dst any) any                     { return jsonCol{dst} }

// sqlQuerier adapts a connection, pool or transaction of database/sql to sqlstore.Querier.
type sqlQuerier struct{ q querier }

func (s sqlQuerier) Query(ctx context.Context, stmt string, args ...any) (sqlstore.Rows, error) {
	rows, err := s.q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// sqlRows is *sql.Rows with the Close of sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
