package sqlq

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// Dialect is the SQL dialect to write.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// Args collects bound arguments and hands out placeholders ("?" for SQLite, "$n" for
// PostgreSQL, numbered from where the statement's earlier arguments end). A statement adds
// its own arguments first (e.g. the certification id), then calls Where and Page with the
// same Args, and passes Values to the driver.
type Args struct {
	Dialect Dialect
	Values  []any
}

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.Values = append(a.Values, v)
	if a.Dialect == Postgres {
		return "$" + strconv.Itoa(len(a.Values))
	}
	return "?"
}

// ErrDialect is returned for an Args or Dialect that is neither SQLite nor Postgres.
var ErrDialect = errors.New("sqlq: unknown SQL dialect")

// Where compiles e (nil for no filter) into a boolean SQL expression over s's columns, adding
// its values to args. It returns "" for a nil filter. e is validated against s first (an
// attribute missing from s, or any other violation, is returned as query.Validate's
// *query.ValidationError, never passed through).
//
// The SQL reproduces query.Eval exactly: predicates are two-valued (a nullable column is
// guarded so that "not" and "ne" treat null as Eval does), eq/ne/in/co/sw/ca fold ASCII
// case only, gt/ge/lt/le compare strings byte-wise, and co/sw escape '%', '_' and '\' and
// use LIKE … ESCAPE '\'.
func Where(s *query.Schema, e query.Expr, args *Args) (string, error) {
	if args.Dialect != SQLite && args.Dialect != Postgres {
		return "", ErrDialect
	}
	if e == nil {
		return "", nil
	}
	if err := query.Validate(e, s); err != nil {
		return "", err
	}
	c := compiler{s: s, args: args, d: args.Dialect}
	var b strings.Builder
	if err := c.expr(&b, e); err != nil {
		return "", err
	}
	return b.String(), nil
}

// OrderBy returns "ORDER BY …" for keys (s.DefaultSort when empty), always ending with s's
// id column so the order is total. Strings sort byte-wise (COLLATE BINARY in SQLite,
// COLLATE "C" in PostgreSQL); nulls come first in ascending and last in descending order,
// as query.CompareRecords orders them. Every key must name a field of s (sortability is
// checked by query.ParseSort; default keys need not be sortable).
func OrderBy(d Dialect, s *query.Schema, keys []query.SortKey) (string, error) {
	if d != SQLite && d != Postgres {
		return "", ErrDialect
	}
	if s.IDColumn == "" {
		return "", fmt.Errorf("sqlq: schema %s has no id column", s.Name)
	}
	var b strings.Builder
	b.WriteString("ORDER BY ")
	for _, k := range query.SortKeys(s, keys) {
		f, ok := s.Field(k.Field)
		if !ok {
			return "", fmt.Errorf("sqlq: %s: unknown sort field %q", s.Name, k.Field)
		}
		if f.Collection || f.Column == "" {
			return "", fmt.Errorf("sqlq: %s: field %q cannot be sorted on", s.Name, k.Field)
		}
		writeSortKey(&b, d, f.Column, f.Type, k.Desc)
		b.WriteString(", ")
	}
	idType := query.TypeString
	if f, ok := s.Field(s.IDField); ok {
		idType = f.Type
	}
	writeSortKey(&b, d, s.IDColumn, idType, false)
	return b.String(), nil
}

func writeSortKey(b *strings.Builder, d Dialect, col string, t query.Type, desc bool) {
	b.WriteString(col)
	if t == query.TypeString {
		b.WriteString(binaryCollation(d))
	}
	if desc {
		b.WriteString(" DESC NULLS LAST")
	} else {
		b.WriteString(" ASC NULLS FIRST")
	}
}

func binaryCollation(d Dialect) string {
	if d == Postgres {
		return ` COLLATE "C"`
	}
	return " COLLATE BINARY"
}

// Page returns "LIMIT x OFFSET y" with both bound through args. A negative limit means no
// limit; a negative offset counts as 0. Callers validate the request's limit and offset
// first (httpapi.ParseListParams does).
func Page(limit, offset int, args *Args) string {
	var lim any = int64(limit)
	if limit < 0 {
		if args.Dialect == Postgres {
			lim = nil // LIMIT NULL: no limit
		} else {
			lim = int64(-1) // SQLite: a negative limit has no upper bound
		}
	}
	if offset < 0 {
		offset = 0
	}
	l := args.Add(lim)
	o := args.Add(int64(offset))
	return "LIMIT " + l + " OFFSET " + o
}

// Placeholders counts the placeholders in a compiled SQL fragment: "?" for SQLite and the
// distinct "$n" for PostgreSQL. Fragments never contain quoted text with those characters
// except the LIKE escape '\', so this is exact for sqlq's own output.
func Placeholders(d Dialect, sql string) int {
	if d == SQLite {
		return strings.Count(sql, "?")
	}
	seen := map[string]bool{}
	for i := 0; i < len(sql); i++ {
		if sql[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(sql) && '0' <= sql[j] && sql[j] <= '9' {
			j++
		}
		if j > i+1 {
			seen[sql[i+1:j]] = true
		}
		i = j - 1
	}
	return len(seen)
}

type compiler struct {
	s    *query.Schema
	d    Dialect
	args *Args
}

func (c *compiler) expr(b *strings.Builder, e query.Expr) error {
	switch n := e.(type) {
	case *query.Logical:
		b.WriteString("(")
		if err := c.expr(b, n.Left); err != nil {
			return err
		}
		if n.Op == query.And {
			b.WriteString(" AND ")
		} else {
			b.WriteString(" OR ")
		}
		if err := c.expr(b, n.Right); err != nil {
			return err
		}
		b.WriteString(")")
		return nil
	case *query.Not:
		b.WriteString("NOT ")
		_, composite := n.X.(*query.Logical)
		if !composite {
			b.WriteString("(")
		}
		if err := c.expr(b, n.X); err != nil {
			return err
		}
		if !composite {
			b.WriteString(")")
		}
		return nil
	case *query.Compare:
		f, err := c.field(n.Field)
		if err != nil {
			return err
		}
		return c.compare(b, f, n.Op, n.Value)
	case *query.List:
		f, err := c.field(n.Field)
		if err != nil {
			return err
		}
		if n.Op == query.OpCa {
			return c.containsAll(b, f, n.Values)
		}
		return c.in(b, f, n.Values)
	case *query.Presence:
		f, err := c.field(n.Field)
		if err != nil {
			return err
		}
		if n.Op == query.OpPr {
			b.WriteString(f.Column + " IS NOT NULL")
		} else {
			b.WriteString(f.Column + " IS NULL")
		}
		return nil
	}
	return fmt.Errorf("sqlq: unknown filter node %T", e)
}

func (c *compiler) field(name string) (query.Field, error) {
	f, ok := c.s.Field(name)
	if !ok || f.Column == "" {
		return f, fmt.Errorf("sqlq: %s: unknown field %q", c.s.Name, name)
	}
	return f, nil
}

// guard wraps a predicate on a nullable column so that null gives false (or true for ne)
// instead of SQL's unknown, which "not" would not turn into true.
func guard(b *strings.Builder, f query.Field, op query.Op, pred string) {
	switch {
	case !f.Nullable:
		b.WriteString(pred)
	case op == query.OpNe:
		b.WriteString("(" + f.Column + " IS NULL OR " + pred + ")")
	default:
		b.WriteString("(" + f.Column + " IS NOT NULL AND " + pred + ")")
	}
}

func (c *compiler) compare(b *strings.Builder, f query.Field, op query.Op, v query.Literal) error {
	col := f.Column
	var pred string
	switch op {
	case query.OpEq, query.OpNe:
		sqlOp := " = "
		if op == query.OpNe {
			sqlOp = " <> "
		}
		if f.Type == query.TypeString {
			pred = c.foldedColumn(col) + sqlOp + c.foldedValue(v)
		} else {
			p, err := c.bind(v)
			if err != nil {
				return err
			}
			pred = col + sqlOp + p
		}
	case query.OpGt, query.OpGe, query.OpLt, query.OpLe:
		sqlOp := map[query.Op]string{query.OpGt: " > ", query.OpGe: " >= ", query.OpLt: " < ", query.OpLe: " <= "}[op]
		p, err := c.bind(v)
		if err != nil {
			return err
		}
		if f.Type == query.TypeString {
			if c.d == Postgres {
				pred = col + ` COLLATE "C"` + sqlOp + p
			} else {
				pred = col + sqlOp + p + " COLLATE BINARY"
			}
		} else {
			pred = col + sqlOp + p
		}
	case query.OpCo, query.OpSw:
		s, ok := v.(query.StringLit)
		if !ok {
			return fmt.Errorf("sqlq: %s: %q needs a string", c.s.Name, op)
		}
		pattern := EscapeLike(s.Value) + "%"
		if op == query.OpCo {
			pattern = "%" + pattern
		}
		if c.d == Postgres {
			pred = c.foldedColumn(col) + " LIKE " + c.args.Add(query.FoldASCII(pattern)) + ` ESCAPE '\'`
		} else {
			// SQLite's LIKE folds ASCII case, exactly like query.FoldASCII.
			pred = col + " LIKE " + c.args.Add(pattern) + ` ESCAPE '\'`
		}
	default:
		return fmt.Errorf("sqlq: %s: unsupported operator %q", c.s.Name, op)
	}
	guard(b, f, op, pred)
	return nil
}

// foldedColumn returns the column as the left side of a case-insensitive comparison with a
// value from foldedValue.
func (c *compiler) foldedColumn(col string) string {
	if c.d == Postgres {
		// lower() under the "C" collation folds A–Z only, like query.FoldASCII, whatever
		// the database's own locale.
		return `lower(` + col + ` COLLATE "C")`
	}
	return col
}

// foldedValue binds a string for a case-insensitive comparison: folded in Go for
// PostgreSQL, compared with the NOCASE collation (ASCII folding) in SQLite.
func (c *compiler) foldedValue(v query.Literal) string {
	s, _ := v.(query.StringLit)
	if c.d == Postgres {
		return c.args.Add(query.FoldASCII(s.Value))
	}
	return c.args.Add(s.Value) + " COLLATE NOCASE"
}

func (c *compiler) in(b *strings.Builder, f query.Field, vals []query.Literal) error {
	var pred strings.Builder
	str := f.Type == query.TypeString
	switch {
	case str && c.d == Postgres:
		pred.WriteString(c.foldedColumn(f.Column))
	case str:
		pred.WriteString(f.Column + " COLLATE NOCASE")
	default:
		pred.WriteString(f.Column)
	}
	pred.WriteString(" IN (")
	for i, v := range vals {
		if i > 0 {
			pred.WriteString(", ")
		}
		if str {
			s, _ := v.(query.StringLit)
			val := s.Value
			if c.d == Postgres {
				val = query.FoldASCII(val)
			}
			pred.WriteString(c.args.Add(val))
			continue
		}
		p, err := c.bind(v)
		if err != nil {
			return err
		}
		pred.WriteString(p)
	}
	pred.WriteString(")")
	guard(b, f, query.OpIn, pred.String())
	return nil
}

// containsAll compiles ca as one subquery over the JSON array: the number of distinct
// (ASCII-folded) elements that are among the listed values must equal the number of
// distinct listed values. One subquery keeps a 250-value list cheap to plan; a null
// collection has no elements and so never matches.
func (c *compiler) containsAll(b *strings.Builder, f query.Field, vals []query.Literal) error {
	var want []string
	seen := map[string]bool{}
	for _, v := range vals {
		s, ok := v.(query.StringLit)
		if !ok {
			return fmt.Errorf("sqlq: %s: ca needs strings", c.s.Name)
		}
		if k := query.FoldASCII(s.Value); !seen[k] {
			seen[k] = true
			want = append(want, k)
		}
	}
	if c.d == Postgres {
		b.WriteString(`(SELECT count(DISTINCT lower(sqlq_e.v COLLATE "C")) FROM jsonb_array_elements_text(` + f.Column +
			`) AS sqlq_e(v) WHERE lower(sqlq_e.v COLLATE "C") = ANY(` + c.args.Add(want) + `)) = ` + c.args.Add(int64(len(want))))
		return nil
	}
	// SQLite's built-in lower() folds ASCII letters only, like query.FoldASCII.
	b.WriteString("(SELECT count(DISTINCT lower(sqlq_e.value)) FROM json_each(" + f.Column + ") AS sqlq_e WHERE lower(sqlq_e.value) IN (")
	for i, w := range want {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.args.Add(w))
	}
	b.WriteString(")) = " + c.args.Add(int64(len(want))))
	return nil
}

// bind adds a non-string-folded literal with the dialect's storage conventions: booleans as
// Go bool, numbers as int64 when integral (float64 otherwise), date-times as time.Time
// for PostgreSQL and as certsum.TimeLayout text for SQLite.
func (c *compiler) bind(v query.Literal) (string, error) {
	return c.args.Add(Value(c.d, v)), nil
}

// Value converts a literal to the argument sqlq binds for it in dialect d.
func Value(d Dialect, v query.Literal) any {
	switch l := v.(type) {
	case query.StringLit:
		return l.Value
	case query.BoolLit:
		return l.Value
	case query.NumberLit:
		if l.Value == math.Trunc(l.Value) && math.Abs(l.Value) < 1<<53 {
			return int64(l.Value)
		}
		return l.Value
	case query.TimeLit:
		t := l.Value.UTC().Truncate(time.Millisecond)
		if d == Postgres {
			return t
		}
		return t.Format(certsum.TimeLayout)
	}
	return nil
}

// EscapeLike escapes '\', '%' and '_' in s with a backslash, for LIKE … ESCAPE '\'.
func EscapeLike(s string) string {
	if !strings.ContainsAny(s, `\%_`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '%', '_':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
