package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
)

// Querier runs the dialect's SQL; both drivers' transactions and pools are adapted to it by
// their backend.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
}

// Preparer is a Querier that can prepare a statement for many executions in its
// transaction (SQLite's; PostgreSQL's driver caches prepared statements itself). The
// statement is released when the transaction ends.
type Preparer interface {
	Prepare(ctx context.Context, sql string) (func(ctx context.Context, args ...any) error, error)
}

// Rows is a result set as both drivers offer it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// QueryRow runs a query that returns at most one row and scans it into dest; found is false
// when it returned none.
func QueryRow(ctx context.Context, q Querier, stmt string, args []any, dest ...any) (found bool, err error) {
	rows, err := q.Query(ctx, stmt, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Err()
}

// Dialect is what the shared SQL needs of a backend's dialect and driver.
type Dialect interface {
	// Param returns the text of the n-th (1-based) statement parameter.
	Param(n int) string
	// OrderedParam is Param for statements that use each parameter once, in order: SQLite
	// binds plain ? placeholders without the name lookup that makes numbered ones slow in
	// statements with thousands of parameters.
	OrderedParam(n int) string
	// AnyOf returns a condition that column is one of the ids passed (through IDs) as the
	// argument of placeholder ph.
	AnyOf(column, ph string) string
	// NewIDExpr is an SQL expression of a fresh certsum id (32 random lowercase hex
	// characters) per row.
	NewIDExpr() string
	// IDs turns ids into the argument AnyOf expects.
	IDs(ids []string) any
	// JSONArrayLength returns the expression of the length of a JSON array column.
	JSONArrayLength(column string) string
	// Int returns an aggregate expression as a plain integer.
	Int(expr string) string
	// Time returns a scan destination that reads a stored time into dst.
	Time(dst *certsum.Time) any
	// NullTime returns a scan destination that reads a nullable stored time into dst.
	NullTime(dst **certsum.Time) any
	// TimeArg and NullTimeArg return a time as a statement argument.
	TimeArg(t certsum.Time) any
	NullTimeArg(t *certsum.Time) any
	// StringList returns a list of strings as a statement argument (a list column's value,
	// never NULL).
	StringList(v []string) any
	// JSON returns a scan destination that decodes a nullable JSON column into dst, a
	// pointer to a pointer (left nil for NULL).
	JSON(dst any) any
	// Keys names the columns that key the certification tables.
	Keys() Keys
	// SummaryOrderedItems is the FROM clause of review items i joined to their identity
	// summaries s that walks the summaries in name order (the default sort of review items).
	SummaryOrderedItems() string
	// Unindexed returns a column reference that the planner cannot serve from an index.
	Unindexed(column string) string
	// SQLQ is the dialect in which sqlq writes filters and sorts.
	SQLQ() sqlq.Dialect
	// ForUpdate is the clause that locks the rows of table alias of a SELECT for the rest of
	// the write transaction ("" where the write transaction already excludes every other
	// writer).
	ForUpdate(of string) string
}

// Keys names the key columns of the certification tables, which differ between the
// backends: SQLite keys its rows by integers, PostgreSQL by their ids.
type Keys struct {
	// Cert, Summary and Item key certifications, identity_summaries and review_items.
	Cert, Summary, Item string
	// ItemCert and ItemSummary are review_items' references to its certification and
	// identity summary; SummaryCert and AccessCert those of identity_summaries and
	// access_summaries to their certification.
	ItemCert, ItemSummary, SummaryCert, AccessCert string
	// KeyOrder is the column that numbers signing_keys rows in the order of insertion.
	KeyOrder string
	// ItemRows is the table or view of review items that names its identity summary by id
	// (identity_summary_id).
	ItemRows string
}

// Params returns "p1, p2, …" for n parameters starting at first.
func Params(dl Dialect, first, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = dl.Param(first + i)
	}
	return strings.Join(parts, ", ")
}

// CounterList is "a.ent_total, a.ent_approved, …" over alias a, in tally order.
func CounterList(alias string) string {
	parts := make([]string, len(CounterColumns))
	for i, c := range CounterColumns {
		parts[i] = alias + "." + c
	}
	return strings.Join(parts, ", ")
}

// CounterSums is the sums of the counters over alias a, named after the columns.
func CounterSums(dl Dialect, alias string) string {
	parts := make([]string, len(CounterColumns))
	for i, c := range CounterColumns {
		parts[i] = dl.Int("COALESCE(SUM("+alias+"."+c+"), 0)") + " AS " + c
	}
	return strings.Join(parts, ", ")
}

// Aggregates is the SELECT list that counts review items into the twelve counters, named
// after the counter columns.
func Aggregates(dl Dialect) string {
	prefix := map[string]certsum.DtoType{"ent": certsum.TypeEntitlement, "ap": certsum.TypeAccessProfile,
		"role": certsum.TypeRole, "acct": certsum.TypeAccount}
	parts := make([]string, 0, len(CounterColumns))
	for _, col := range CounterColumns {
		p, kind, _ := strings.Cut(col, "_")
		cond := fmt.Sprintf("access_type = '%s'", prefix[p])
		switch kind {
		case "approved":
			cond += " AND decision = 'APPROVE'"
		case "revoked":
			cond += " AND decision = 'REVOKE'"
		}
		parts = append(parts, dl.Int("COALESCE(SUM(CASE WHEN "+cond+" THEN 1 ELSE 0 END), 0)")+" AS "+col)
	}
	return strings.Join(parts, ", ")
}

// SetCounters is "ent_total = p, …" with the parameters starting at first; with add, each
// counter grows by its parameter instead.
func SetCounters(dl Dialect, first int, add bool) string {
	parts := make([]string, len(CounterColumns))
	for i, c := range CounterColumns {
		v := dl.Param(first + i)
		if add {
			v = c + " + " + v
		}
		parts[i] = c + " = " + v
	}
	return strings.Join(parts, ", ")
}

// ScanTally returns Scan destinations for the twelve counters of t.
func ScanTally(t *certsum.Tally) []any {
	d := make([]any, 0, len(CounterColumns))
	for i := range t {
		d = append(d, &t[i][0], &t[i][1], &t[i][2])
	}
	return d
}

// B2I is 1 for true.
func B2I(b bool) int {
	if b {
		return 1
	}
	return 0
}
