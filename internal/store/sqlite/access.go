package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// dialect is SQLite's side of the shared SQL (sqlstore.Dialect): id lists travel as one JSON
// array argument, times as text, JSON as text.
type dialect struct{}

func (dialect) Param(n int) string      { return "?" + strconv.Itoa(n) }
func (dialect) OrderedParam(int) string { return "?" }
func (dialect) NewIDExpr() string       { return "lower(hex(randomblob(16)))" }
func (dialect) AnyOf(column, ph string) string {
	return column + " IN (SELECT value FROM json_each(" + ph + "))"
}
func (dialect) IDs(ids []string) any                 { return idList(ids) }
func (dialect) JSONArrayLength(column string) string { return "json_array_length(" + column + ")" }
func (dialect) Time(dst *certsum.Time) any           { return timeCol{dst} }
func (dialect) JSON(dst any) any                     { return jsonCol{dst} }
func (dialect) Int(expr string) string               { return expr }
func (dialect) NullTime(dst **certsum.Time) any      { return nullTimeCol{dst} }
func (dialect) TimeArg(t certsum.Time) any           { return timeText(t) }
func (dialect) NullTimeArg(t *certsum.Time) any      { return nullTimeText(t) }
func (dialect) Keys() sqlstore.Keys                  { return keys }
func (dialect) Unindexed(column string) string       { return "+" + column }

// SummaryOrderedItems fixes the plan that walks the identity summaries by name: SQLite,
// without statistics on how big a certification is, would otherwise trade it for a sort of
// every item.
func (dialect) SummaryOrderedItems() string {
	return ` FROM identity_summaries s INDEXED BY identity_summaries_name
			CROSS JOIN review_item_rows i ON s.key = i.summary_key`
}

// StringList stores a list as JSON text.
func (dialect) StringList(v []string) any { return idList(v) }
func (dialect) SQLQ() sqlq.Dialect        { return sqlq.SQLite }
func (dialect) ForUpdate(string) string   { return "" } // the write transaction holds the database

// keys are SQLite's key columns: every certification table is keyed by an integer.
var keys = sqlstore.Keys{Cert: "key", Summary: "key", Item: "key",
	ItemCert: "cert_key", ItemSummary: "summary_key", SummaryCert: "cert_key", AccessCert: "cert_key",
	ItemRows: "review_item_rows", KeyOrder: "rowid"}

// sqlQuerier adapts a connection, pool or transaction of database/sql to sqlstore.Querier.
type sqlQuerier struct{ q querier }

// Prepare prepares a statement in the transaction; it is closed when the transaction ends.
func (s sqlQuerier) Prepare(ctx context.Context, stmt string) (func(context.Context, ...any) error, error) {
	tx, ok := s.q.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("prepare outside a transaction")
	}
	st, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, args ...any) error {
		_, err := st.ExecContext(ctx, args...)
		return err
	}, nil
}

func (s sqlQuerier) Query(ctx context.Context, stmt string, args ...any) (sqlstore.Rows, error) {
	rows, err := s.q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (s sqlQuerier) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// sqlRows is *sql.Rows with the Close of sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
