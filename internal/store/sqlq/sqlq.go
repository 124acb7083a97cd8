// Package sqlq compiles a validated filter AST, sort keys and a page into SQL fragments for
// one dialect. Column expressions come only from the schema's attribute → column table and
// every value is a bound argument; no input is ever concatenated into SQL.
package sqlq

import (
	"errors"

	"github.com/certsum/certsum/query"
)

// Dialect is the SQL dialect to write.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// Args collects bound arguments and hands out placeholders ("?" for SQLite, "$n" for
// PostgreSQL, numbered from where the statement's earlier arguments end).
type Args struct {
	Dialect Dialect
	Values  []any
}

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	panic("sqlq: not implemented yet")
}

// Where compiles e (nil for no filter) into a boolean SQL expression over s's columns, adding
// its values to args. It returns "" for a nil filter. The filter must have been validated
// against s; an attribute missing from s is an error, never passed through.
func Where(s *query.Schema, e query.Expr, args *Args) (string, error) {
	return "", errors.New("sqlq: not implemented yet")
}

// OrderBy returns "ORDER BY …" for keys (s.DefaultSort when empty), always ending with s's
// id column so the order is total.
func OrderBy(d Dialect, s *query.Schema, keys []query.SortKey) (string, error) {
	return "", errors.New("sqlq: not implemented yet")
}

// Page returns "LIMIT x OFFSET y" with both bound through args.
func Page(limit, offset int, args *Args) string {
	panic("sqlq: not implemented yet")
}
