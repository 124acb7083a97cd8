package readmodel

import (
	"fmt"
	"strings"

	"github.com/certsum/certsum/query"
)

// This file compiles filters into predicates over row numbers. The semantics are
// query.Eval's, the reference the SQL backends also follow: string eq, ne, in, sw and co
// fold ASCII case only; a null matches ne and isnull and nothing else; gt, ge, lt and le
// compare strings byte-wise.

// column is one attribute of a table: a string (str) or a boolean (flag) per row, plus, for
// sortable attributes, the order of two rows (cmp, nulls first).
type column struct {
	str  func(r int32) (string, bool) // value and whether it is not null
	flag func(r int32) bool
	cmp  func(a, b int32) int
	// lookup, when set, returns the rows whose value equals v under ASCII case folding,
	// without scanning (ids).
	lookup func(v string) []int32
}

// lowerASCII returns c folded to lower case when it is an ASCII capital.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether a and b are equal under ASCII case folding.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with prefix under ASCII case folding.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// containsFold reports whether s contains sub under ASCII case folding.
func containsFold(s, sub string) bool {
	return strings.Contains(query.FoldASCII(s), query.FoldASCII(sub))
}

// matcher is a compiled filter.
type matcher func(r int32) bool

// compile turns a validated filter into a predicate over rows of t. It fails on attributes
// the table does not have and on operators or literals the attribute cannot take, which
// validation against the table's schema rules out.
func (t *table) compile(e query.Expr) (matcher, error) {
	switch n := e.(type) {
	case nil:
		return func(int32) bool { return true }, nil
	case *query.Logical:
		l, err := t.compile(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := t.compile(n.Right)
		if err != nil {
			return nil, err
		}
		if n.Op == query.And {
			return func(i int32) bool { return l(i) && r(i) }, nil
		}
		return func(i int32) bool { return l(i) || r(i) }, nil
	case *query.Not:
		x, err := t.compile(n.X)
		if err != nil {
			return nil, err
		}
		return func(i int32) bool { return !x(i) }, nil
	case *query.Presence:
		c, err := t.column(n.Field)
		if err != nil {
			return nil, err
		}
		if c.str == nil && c.flag == nil {
			return nil, fmt.Errorf("field %q cannot be filtered", n.Field)
		}
		if c.str == nil {
			// Booleans are never null.
			return func(int32) bool { return n.Op == query.OpPr }, nil
		}
		want := n.Op == query.OpPr
		return func(i int32) bool { _, ok := c.str(i); return ok == want }, nil
	case *query.Compare:
		c, err := t.column(n.Field)
		if err != nil {
			return nil, err
		}
		return compileCompare(n, c)
	case *query.List:
		c, err := t.column(n.Field)
		if err != nil {
			return nil, err
		}
		if n.Op != query.OpIn || (c.str == nil && c.flag == nil) {
			return nil, fmt.Errorf("field %q does not take %q", n.Field, n.Op)
		}
		if c.flag != nil {
			var vals []bool
			for _, l := range n.Values {
				b, ok := l.(query.BoolLit)
				if !ok {
					return nil, fmt.Errorf("field %q is a boolean", n.Field)
				}
				vals = append(vals, b.Value)
			}
			return func(i int32) bool {
				v := c.flag(i)
				for _, w := range vals {
					if v == w {
						return true
					}
				}
				return false
			}, nil
		}
		var vals []string
		for _, l := range n.Values {
			s, ok := l.(query.StringLit)
			if !ok {
				return nil, fmt.Errorf("field %q is a string", n.Field)
			}
			vals = append(vals, s.Value)
		}
		return func(i int32) bool {
			v, ok := c.str(i)
			if !ok {
				return false
			}
			for _, w := range vals {
				if equalFold(v, w) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("unknown filter node %T", e)
}

func compileCompare(n *query.Compare, c *column) (matcher, error) {
	if c.str == nil && c.flag == nil {
		return nil, fmt.Errorf("field %q cannot be filtered", n.Field)
	}
	if c.flag != nil {
		b, ok := n.Value.(query.BoolLit)
		if !ok {
			return nil, fmt.Errorf("field %q is a boolean", n.Field)
		}
		want := b.Value
		switch n.Op {
		case query.OpEq:
			return func(i int32) bool { return c.flag(i) == want }, nil
		case query.OpNe:
			return func(i int32) bool { return c.flag(i) != want }, nil
		}
		return nil, fmt.Errorf("field %q does not take %q", n.Field, n.Op)
	}
	l, ok := n.Value.(query.StringLit)
	if !ok {
		return nil, fmt.Errorf("field %q is a string", n.Field)
	}
	w := l.Value
	var test func(v string) bool
	switch n.Op {
	case query.OpEq:
		test = func(v string) bool { return equalFold(v, w) }
	case query.OpNe:
		return func(i int32) bool { v, ok := c.str(i); return !ok || !equalFold(v, w) }, nil
	case query.OpSw:
		test = func(v string) bool { return hasPrefixFold(v, w) }
	case query.OpCo:
		test = func(v string) bool { return containsFold(v, w) }
	case query.OpGt:
		test = func(v string) bool { return v > w }
	case query.OpGe:
		test = func(v string) bool { return v >= w }
	case query.OpLt:
		test = func(v string) bool { return v < w }
	case query.OpLe:
		test = func(v string) bool { return v <= w }
	default:
		return nil, fmt.Errorf("field %q does not take %q", n.Field, n.Op)
	}
	return func(i int32) bool { v, ok := c.str(i); return ok && test(v) }, nil
}
