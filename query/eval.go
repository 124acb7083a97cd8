package query

import (
	"fmt"
	"strings"
	"time"
)

// Record is a resource as Eval and Sort see it. Attr returns the value of a field by its
// schema name and whether the record has that field at all. Values are one of: nil (null),
// string, bool, int, int64, float64, time.Time or []string (a collection), or a pointer to
// one of the scalar types; a nil pointer and a nil []string are null.
type Record interface {
	Attr(name string) (any, bool)
}

// Map is a Record backed by a map from field name to value.
type Map map[string]any

// Attr returns m[name].
func (m Map) Attr(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// Eval reports whether r matches e; a nil e matches everything. It is the reference
// semantics that the SQL compiled by the backends must reproduce:
//
//   - Predicates are two-valued. A null value matches only ne (null is "not equal" to any
//     value), isnull, and not of anything it does not match; pr matches non-null values.
//   - eq, ne, in, co, sw and ca compare strings case-insensitively with ASCII-only case
//     folding (A–Z and a–z); other characters must match exactly.
//   - gt, ge, lt and le compare strings byte-wise, numbers numerically, date-times
//     chronologically and booleans with false < true.
//   - Date-times compare at millisecond precision.
//   - ca matches when the collection holds every listed value.
//
// Eval returns an error for an attribute the record lacks, a value whose type does not
// match the literal, or an operator outside the language; Validate rules all of these out.
func Eval(e Expr, r Record) (bool, error) {
	if e == nil {
		return true, nil
	}
	switch n := e.(type) {
	case *Logical:
		l, err := Eval(n.Left, r)
		if err != nil {
			return false, err
		}
		// Evaluate both sides so that a bad right operand is reported whatever the left.
		rt, err := Eval(n.Right, r)
		if err != nil {
			return false, err
		}
		switch n.Op {
		case And:
			return l && rt, nil
		case Or:
			return l || rt, nil
		}
		return false, fmt.Errorf("query: unknown composite operator %q", n.Op)
	case *Not:
		x, err := Eval(n.X, r)
		return !x, err
	case *Compare:
		v, err := attr(r, n.Field)
		if err != nil {
			return false, err
		}
		return evalCompare(n.Field, n.Op, v, n.Value)
	case *List:
		v, err := attr(r, n.Field)
		if err != nil {
			return false, err
		}
		return evalList(n.Field, n.Op, v, n.Values)
	case *Presence:
		v, err := attr(r, n.Field)
		if err != nil {
			return false, err
		}
		switch n.Op {
		case OpPr:
			return v != nil, nil
		case OpIsNull:
			return v == nil, nil
		}
		return false, fmt.Errorf("query: field %q: unknown operator %q", n.Field, n.Op)
	}
	return false, fmt.Errorf("query: unknown filter node %T", e)
}

func attr(r Record, name string) (any, error) {
	v, ok := r.Attr(name)
	if !ok {
		return nil, fmt.Errorf("query: record has no field %q", name)
	}
	n, ok := normalize(v)
	if !ok {
		return nil, fmt.Errorf("query: field %q has a value of unsupported type %T", name, v)
	}
	return n, nil
}

// normalize maps an attribute value onto the few types Eval and sorting compare: nil,
// string, bool, float64, time.Time (UTC, milliseconds) and []string. Pointers to the scalar
// types are followed (a nil pointer is null) and a nil []string is null, as it is in JSON.
func normalize(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return v, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case time.Time:
		return x.UTC().Truncate(time.Millisecond), true
	case []string:
		if x == nil {
			return nil, true
		}
		return x, true
	case *string:
		if x == nil {
			return nil, true
		}
		return *x, true
	case *bool:
		if x == nil {
			return nil, true
		}
		return *x, true
	case *int:
		if x == nil {
			return nil, true
		}
		return float64(*x), true
	case *int64:
		if x == nil {
			return nil, true
		}
		return float64(*x), true
	case *float64:
		if x == nil {
			return nil, true
		}
		return *x, true
	case *time.Time:
		if x == nil {
			return nil, true
		}
		return x.UTC().Truncate(time.Millisecond), true
	}
	return nil, false
}

func evalCompare(field string, op Op, v any, lit Literal) (bool, error) {
	if v == nil {
		switch op {
		case OpEq, OpGt, OpGe, OpLt, OpLe, OpCo, OpSw:
			return false, nil
		case OpNe:
			return true, nil
		}
		return false, fmt.Errorf("query: field %q: unknown operator %q", field, op)
	}
	switch op {
	case OpEq, OpNe:
		eq, err := equal(field, v, lit)
		return eq == (op == OpEq), err
	case OpGt, OpGe, OpLt, OpLe:
		c, err := compareValue(field, v, lit)
		if err != nil {
			return false, err
		}
		switch op {
		case OpGt:
			return c > 0, nil
		case OpGe:
			return c >= 0, nil
		case OpLt:
			return c < 0, nil
		}
		return c <= 0, nil
	case OpCo, OpSw:
		s, ok := v.(string)
		l, lok := lit.(StringLit)
		if !ok || !lok {
			return false, typeError(field, v, lit)
		}
		s, sub := FoldASCII(s), FoldASCII(l.Value)
		if op == OpSw {
			return strings.HasPrefix(s, sub), nil
		}
		return strings.Contains(s, sub), nil
	}
	return false, fmt.Errorf("query: field %q: unknown operator %q", field, op)
}

func evalList(field string, op Op, v any, lits []Literal) (bool, error) {
	switch op {
	case OpIn:
		if v == nil {
			return false, nil
		}
		for _, l := range lits {
			eq, err := equal(field, v, l)
			if err != nil || eq {
				return eq, err
			}
		}
		return false, nil
	case OpCa:
		if v == nil {
			return false, nil
		}
		coll, ok := v.([]string)
		if !ok {
			return false, fmt.Errorf("query: field %q is not a collection (%T)", field, v)
		}
		for _, l := range lits {
			s, ok := l.(StringLit)
			if !ok {
				return false, fmt.Errorf("query: field %q: ca takes strings, not a %s", field, l.Type())
			}
			want, found := FoldASCII(s.Value), false
			for _, c := range coll {
				if FoldASCII(c) == want {
					found = true
					break
				}
			}
			if !found {
				return false, nil
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("query: field %q: unknown operator %q", field, op)
}

// equal compares a non-null value with a literal of the same type; strings fold ASCII case.
func equal(field string, v any, lit Literal) (bool, error) {
	switch l := lit.(type) {
	case StringLit:
		if s, ok := v.(string); ok {
			return FoldASCII(s) == FoldASCII(l.Value), nil
		}
	case BoolLit:
		if b, ok := v.(bool); ok {
			return b == l.Value, nil
		}
	case NumberLit:
		if f, ok := v.(float64); ok {
			return f == l.Value, nil
		}
	case TimeLit:
		if t, ok := v.(time.Time); ok {
			return t.Equal(l.Value), nil
		}
	}
	return false, typeError(field, v, lit)
}

// compareValue orders a non-null value against a literal of the same type.
func compareValue(field string, v any, lit Literal) (int, error) {
	switch l := lit.(type) {
	case StringLit:
		if s, ok := v.(string); ok {
			return strings.Compare(s, l.Value), nil
		}
	case BoolLit:
		if b, ok := v.(bool); ok {
			return compareBool(b, l.Value), nil
		}
	case NumberLit:
		if f, ok := v.(float64); ok {
			return compareFloat(f, l.Value), nil
		}
	case TimeLit:
		if t, ok := v.(time.Time); ok {
			return t.Compare(l.Value), nil
		}
	}
	return 0, typeError(field, v, lit)
}

func typeError(field string, v any, lit Literal) error {
	if lit == nil {
		return fmt.Errorf("query: field %q: missing value", field)
	}
	return fmt.Errorf("query: field %q holds %T, which cannot be compared with a %s", field, v, lit.Type())
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FoldASCII lower-cases the ASCII letters of s and leaves every other byte alone. It is
// the case folding of every case-insensitive comparison in certsum, because it is what
// SQLite's NOCASE collation and LIKE do; the PostgreSQL backend matches it by folding with
// the "C" collation.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
