package query

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Expr is a node of a parsed filter. The set of node types is closed: only this package
// implements Expr (*Logical, *Not, *Compare, *List and *Presence).
type Expr interface {
	// String renders the node in canonical filter syntax; Parse(e.String()) equals e.
	String() string
	expr()
}

// LogicOp is a binary composite operator.
type LogicOp string

// Binary composite operators.
const (
	And LogicOp = "and"
	Or  LogicOp = "or"
)

// Logical is "Left and Right" or "Left or Right". Chains associate to the left:
// "a and b and c" is And(And(a, b), c).
type Logical struct {
	Op          LogicOp
	Left, Right Expr
}

// Not is "not X".
type Not struct {
	X Expr
}

// Compare is a predicate with one value: Field Op Value, where Op is eq, ne, gt, ge, lt, le,
// co or sw. The parser also builds a Compare for a value operator written in the wrong case
// ("EQ") or for the unsupported "ew", keeping the spelling, so that Validate can report it
// together with every other violation.
type Compare struct {
	Field string
	Op    Op
	Value Literal
}

// List is a predicate with a parenthesised list of values: Field in (...) or Field ca (...).
// Op keeps its spelling as written, like Compare's.
type List struct {
	Field  string
	Op     Op
	Values []Literal
}

// Presence is a predicate without a value: "pr Field" (also accepted as "Field pr") or
// "Field isnull". Op keeps its spelling as written, like Compare's.
type Presence struct {
	Field string
	Op    Op
}

func (*Logical) expr()  {}
func (*Not) expr()      {}
func (*Compare) expr()  {}
func (*List) expr()     {}
func (*Presence) expr() {}

// String renders "left op right", parenthesising a child only where the grammar's
// precedence (and over or) and left associativity would otherwise regroup it.
func (e *Logical) String() string {
	var left, right bool
	switch e.Op {
	case And:
		left = isLogical(e.Left, Or)
		right = isLogical(e.Right, Or) || isLogical(e.Right, And)
	default:
		right = isLogical(e.Right, Or)
	}
	var b strings.Builder
	writeChild(&b, e.Left, left)
	b.WriteString(" ")
	b.WriteString(string(e.Op))
	b.WriteString(" ")
	writeChild(&b, e.Right, right)
	return b.String()
}

func isLogical(e Expr, op LogicOp) bool {
	l, ok := e.(*Logical)
	return ok && l.Op == op
}

func writeChild(b *strings.Builder, e Expr, parens bool) {
	if parens {
		b.WriteString("(")
	}
	b.WriteString(exprString(e))
	if parens {
		b.WriteString(")")
	}
}

// exprString renders e, tolerating nil children in hand-built trees.
func exprString(e Expr) string {
	if e == nil {
		return "<nil>"
	}
	return e.String()
}

// String renders "not X", grouping X when it is an and/or.
func (e *Not) String() string {
	var b strings.Builder
	b.WriteString("not ")
	_, logical := e.X.(*Logical)
	writeChild(&b, e.X, logical)
	return b.String()
}

// String renders "Field Op Value".
func (e *Compare) String() string {
	return e.Field + " " + string(e.Op) + " " + literalString(e.Value)
}

// String renders "Field Op (v1, v2, …)".
func (e *List) String() string {
	var b strings.Builder
	b.WriteString(e.Field)
	b.WriteString(" ")
	b.WriteString(string(e.Op))
	b.WriteString(" (")
	for i, v := range e.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(literalString(v))
	}
	b.WriteString(")")
	return b.String()
}

// String renders "pr Field" (the documented prefix form) or "Field isnull"; an operator in
// the wrong case is rendered postfix, the only place the parser accepts it.
func (e *Presence) String() string {
	if e.Op == OpPr {
		return "pr " + e.Field
	}
	return e.Field + " " + string(e.Op)
}

// Literal is a typed value in a filter. The set is closed: StringLit, NumberLit, BoolLit
// and TimeLit.
type Literal interface {
	// Type is the literal's type.
	Type() Type
	// String renders the literal in canonical filter syntax.
	String() string
	literal()
}

// StringLit is a double-quoted string.
type StringLit struct{ Value string }

// NumberLit is a bare number.
type NumberLit struct{ Value float64 }

// BoolLit is true or false.
type BoolLit struct{ Value bool }

// TimeLit is a bare RFC 3339 date-time, held in UTC at millisecond precision (the
// precision certsum stores; finer digits are truncated when parsing).
type TimeLit struct{ Value time.Time }

func (StringLit) literal() {}
func (NumberLit) literal() {}
func (BoolLit) literal()   {}
func (TimeLit) literal()   {}

// Type returns TypeString.
func (StringLit) Type() Type { return TypeString }

// Type returns TypeNumber.
func (NumberLit) Type() Type { return TypeNumber }

// Type returns TypeBool.
func (BoolLit) Type() Type { return TypeBool }

// Type returns TypeDateTime.
func (TimeLit) Type() Type { return TypeDateTime }

// String renders the value in double quotes, escaping only '"' and '\'.
func (l StringLit) String() string {
	var b strings.Builder
	b.Grow(len(l.Value) + 2)
	b.WriteByte('"')
	for i := 0; i < len(l.Value); i++ {
		c := l.Value[i]
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// String renders the number in its shortest exact form, plain ("0.25", "1500") or with an
// integer mantissa and exponent ("15e-8"), whichever is shorter.
func (l NumberLit) String() string { return formatNumber(l.Value) }

// String renders "true" or "false".
func (l BoolLit) String() string { return strconv.FormatBool(l.Value) }

// String renders the instant in UTC, RFC 3339 with as many fraction digits as needed.
func (l TimeLit) String() string { return l.Value.UTC().Format(time.RFC3339Nano) }

func literalString(l Literal) string {
	if l == nil {
		return "<nil>"
	}
	return l.String()
}

// formatNumber returns the shorter of the plain decimal form and the integer-mantissa
// exponent form of v; both round-trip exactly through strconv.ParseFloat, and neither is
// longer than any other way of writing v in the filter grammar.
func formatNumber(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		// Never produced by the parser; rendered so hand-built trees still print.
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	plain := strconv.FormatFloat(v, 'f', -1, 64)
	sci := strconv.FormatFloat(v, 'e', -1, 64) // "-d.ddde±XX"
	mant, expText, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expText)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	exp -= len(frac)
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	alt := digits
	if exp != 0 {
		alt += "e" + strconv.Itoa(exp)
	}
	if neg {
		alt = "-" + alt
	}
	if len(alt) < len(plain) {
		return alt
	}
	return plain
}
