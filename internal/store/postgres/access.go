package postgres

import (
	"context"
	"strconv"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// dialect is PostgreSQL's side of the shared SQL (sqlstore.Dialect): id lists travel as one
// text[] argument, times as timestamptz, JSON as jsonb that pgx decodes itself.
type dialect struct{}

func (dialect) Param(n int) string                   { return "$" + strconv.Itoa(n) }
func (dialect) OrderedParam(n int) string            { return "$" + strconv.Itoa(n) }
func (dialect) NewIDExpr() string                    { return "replace(gen_random_uuid()::text, '-', '')" }
func (dialect) AnyOf(column, ph string) string       { return column + " = ANY(" + ph + ")" }
func (dialect) IDs(ids []string) any                 { return ids }
func (dialect) JSONArrayLength(column string) string { return "jsonb_array_length(" + column + ")" }
func (dialect) Time(dst *certsum.Time) any           { return timeCol{dst} }
func (dialect) JSON(dst any) any                     { return dst }
func (dialect) Int(expr string) string               { return "(" + expr + ")::integer" }
func (dialect) NullTime(dst **certsum.Time) any      { return nullTimeCol{dst} }
func (dialect) TimeArg(t certsum.Time) any           { return pgTime(t) }
func (dialect) NullTimeArg(t *certsum.Time) any      { return pgNullTime(t) }
func (dialect) Keys() sqlstore.Keys                  { return keys }
func (dialect) Unindexed(column string) string       { return column }

// SummaryOrderedItems starts from the identity summaries, whose (cert_id, name, id) index
// gives the default order, so that a first page reads one page's worth of rows.
func (dialect) SummaryOrderedItems() string {
	return ` FROM identity_summaries s JOIN review_items i ON i.identity_summary_id = s.id`
}

// StringList stores a list as text[].
func (dialect) StringList(v []string) any  { return strs(v) }
func (dialect) SQLQ() sqlq.Dialect         { return sqlq.Postgres }
func (dialect) ForUpdate(of string) string { return " FOR NO KEY UPDATE OF " + of }

// keys are PostgreSQL's key columns: every certification table is keyed by its id.
var keys = sqlstore.Keys{Cert: "id", Summary: "id", Item: "id",
	ItemCert: "cert_id", ItemSummary: "identity_summary_id", SummaryCert: "cert_id", AccessCert: "cert_id",
	ItemRows: "review_items", KeyOrder: "seq"}

// pgQuerier adapts a pool or transaction of pgx to sqlstore.Querier.
type pgQuerier struct{ q querier }

func (p pgQuerier) Query(ctx context.Context, stmt string, args ...any) (sqlstore.Rows, error) {
	return p.q.Query(ctx, stmt, args...)
}

func (p pgQuerier) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	tag, err := p.q.Exec(ctx, stmt, args...)
	return tag.RowsAffected(), err
}
