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
func (e *Logical) String() string { return render(e) }

// String renders "not X", grouping X when it is an and/or.
func (e *Not) String() string { return render(e) }

// String renders "Field Op Value".
func (e *Compare) String() string { return render(e) }

// String renders "Field Op (v1, v2, …)".
func (e *List) String() string { return render(e) }

// String renders "pr Field" (the documented prefix form) or "Field isnull"; an operator in
// the wrong case is rendered postfix, the only place the parser accepts it.
func (e *Presence) String() string { return render(e) }

// render returns the canonical text of e: tokens separated by single spaces, except inside
// parentheses and before commas. Should that exceed MaxFilterLength, which only happens
// when the source left out optional spaces, it returns the compact form instead — spaces
// only between two words — which is never longer than any text that parses to e, so
// Parse(e.String()) equals e for every e that Parse returns.
func render(e Expr) string {
	var w tokenWriter
	w.expr(e)
	if s := w.join(false); len(s) <= MaxFilterLength {
		return s
	}
	return w.join(true)
}

// tokenWriter collects the tokens of a canonical rendering.
type tokenWriter struct{ toks []token }

func (w *tokenWriter) add(kind tokKind, text string) {
	w.toks = append(w.toks, token{kind: kind, text: text})
}

func (w *tokenWriter) lit(l Literal) {
	switch l.(type) {
	case StringLit:
		w.add(tString, l.String())
	case NumberLit:
		w.add(tNumber, l.String())
	case TimeLit:
		w.add(tTime, l.String())
	case nil:
		w.add(tIdent, "<nil>")
	default:
		w.add(tIdent, l.String())
	}
}

func (w *tokenWriter) group(e Expr, parens bool) {
	if parens {
		w.add(tLParen, "(")
	}
	w.expr(e)
	if parens {
		w.add(tRParen, ")")
	}
}

func (w *tokenWriter) expr(e Expr) {
	switch n := e.(type) {
	case *Logical:
		var left, right bool
		switch n.Op {
		case And:
			left = isLogical(n.Left, Or)
			right = isLogical(n.Right, Or) || isLogical(n.Right, And)
		default:
			right = isLogical(n.Right, Or)
		}
		w.group(n.Left, left)
		w.add(tIdent, string(n.Op))
		w.group(n.Right, right)
	case *Not:
		w.add(tIdent, "not")
		_, logical := n.X.(*Logical)
		w.group(n.X, logical)
	case *Compare:
		w.add(tIdent, n.Field)
		w.add(tIdent, string(n.Op))
		w.lit(n.Value)
	case *List:
		w.add(tIdent, n.Field)
		w.add(tIdent, string(n.Op))
		w.add(tLParen, "(")
		for i, v := range n.Values {
			if i > 0 {
				w.add(tComma, ",")
			}
			w.lit(v)
		}
		w.add(tRParen, ")")
	case *Presence:
		if n.Op == OpPr {
			w.add(tIdent, string(n.Op))
			w.add(tIdent, n.Field)
		} else {
			w.add(tIdent, n.Field)
			w.add(tIdent, string(n.Op))
		}
	default:
		// nil, in a hand-built tree.
		w.add(tIdent, "<nil>")
	}
}

// join separates the tokens; see render.
func (w *tokenWriter) join(compact bool) string {
	var b strings.Builder
	for i, t := range w.toks {
		if i > 0 && space(w.toks[i-1], t, compact) {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// space reports whether a space goes between tokens a and b.
func space(a, b token, compact bool) bool {
	if !compact {
		return a.kind != tLParen && b.kind != tRParen && b.kind != tComma
	}
	word := func(k tokKind) bool { return k == tIdent || k == tNumber || k == tTime }
	if !word(a.kind) || !word(b.kind) {
		return false
	}
	// "eq-1" lexes as "eq" and "-1": an identifier stops at '-'.
	return !(a.kind == tIdent && b.kind == tNumber && strings.HasPrefix(b.text, "-"))
}

func isLogical(e Expr, op LogicOp) bool {
	l, ok := e.(*Logical)
	return ok && l.Op == op
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
