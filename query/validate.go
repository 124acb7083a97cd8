package query

import (
	"fmt"
	"strings"
)

// Violation is one reason a filter or sorter list is not acceptable for a schema.
type Violation struct {
	// Pos is the byte offset of the offending predicate or sort key in the source text, or
	// -1 when the expression was not parsed from text (Validate on a tree).
	Pos int
	// Field is the attribute concerned ("" for rules about the whole filter).
	Field string
	// Op is the operator concerned, if any.
	Op Op
	// Msg describes the problem, naming the field and operator.
	Msg string
}

// String returns "offset N: message", or the message alone when Pos is unknown.
func (v Violation) String() string {
	if v.Pos >= 0 {
		return fmt.Sprintf("offset %d: %s", v.Pos, v.Msg)
	}
	return v.Msg
}

// ValidationError lists every violation found in a filter or a sorter list, in source
// order. It is never returned with an empty list.
type ValidationError struct {
	Violations []Violation
}

// Error joins the violations with "; ".
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// ParseFor parses src and validates it against s. Errors are a *SyntaxError or a
// *ValidationError whose violations carry source offsets.
func ParseFor(src string, s *Schema) (Expr, error) {
	p := parser{src: src, pos: map[Expr]int{}}
	e, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := validate(e, s, p.pos); err != nil {
		return nil, err
	}
	return e, nil
}

// Validate checks e against s and reports every violation as a *ValidationError: unknown
// fields, fields that are not filterable, operators not allowed on a field (including
// "ew" and operators in the wrong case), values of the wrong type, lists on fields that
// need one value and the reverse, and the schema's composite rules (MaxBinary,
// DistinctFields). It returns nil when e is acceptable; a nil e is acceptable.
func Validate(e Expr, s *Schema) error {
	return validate(e, s, nil)
}

type validator struct {
	s      *Schema
	pos    map[Expr]int
	out    []Violation
	binary int
}

func validate(e Expr, s *Schema, pos map[Expr]int) error {
	if e == nil {
		return nil
	}
	v := validator{s: s, pos: pos}
	v.walk(e)
	if len(v.out) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.out}
}

func (v *validator) at(e Expr) int {
	if p, ok := v.pos[e]; ok {
		return p
	}
	// A composite node: the offset of its first predicate.
	switch n := e.(type) {
	case *Logical:
		return v.at(n.Left)
	case *Not:
		return v.at(n.X)
	}
	return -1
}

func (v *validator) add(e Expr, field string, op Op, format string, args ...any) {
	v.out = append(v.out, Violation{Pos: v.at(e), Field: field, Op: op, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) walk(e Expr) {
	switch n := e.(type) {
	case *Logical:
		v.walk(n.Left)
		v.walk(n.Right)
		v.binary++
		if v.s.MaxBinary > 0 && v.binary == v.s.MaxBinary+1 {
			v.add(e, "", Op(n.Op), "%s allows at most %d 'and'/'or' in a filter", v.s.Name, v.s.MaxBinary)
		}
		if v.s.DistinctFields {
			right := map[string]bool{}
			for _, f := range fieldsOf(n.Right) {
				right[f] = true
			}
			for _, f := range fieldsOf(n.Left) {
				if right[f] {
					v.add(e, f, Op(n.Op), "%s does not allow '%s' between two filters on field %q", v.s.Name, n.Op, f)
					break
				}
			}
		}
	case *Not:
		v.walk(n.X)
	case *Compare:
		if f, ok := v.checkField(e, n.Field, n.Op); ok {
			v.checkValue(e, f, n.Op, n.Value)
		}
	case *List:
		if f, ok := v.checkField(e, n.Field, n.Op); ok {
			for _, val := range n.Values {
				v.checkValue(e, f, n.Op, val)
			}
		}
	case *Presence:
		v.checkField(e, n.Field, n.Op)
	case nil:
		v.add(e, "", "", "empty filter node")
	default:
		v.add(e, "", "", "unknown filter node %T", e)
	}
}

// checkField checks the field and the operator, reporting a badly spelled operator and an
// unknown field separately; it returns the field when the value(s) are worth checking too.
func (v *validator) checkField(e Expr, name string, op Op) (Field, bool) {
	opOK := true
	lower := Op(strings.ToLower(string(op)))
	switch {
	case lower != op && isOperator(lower):
		v.add(e, name, op, "operator %q must be written in lower case (%q)", op, lower)
		opOK = false
	case lower == "ew":
		v.add(e, name, op, "operator %q (ends with) is not supported", op)
		opOK = false
	case !isOperator(op):
		v.add(e, name, op, "unknown operator %q", op)
		opOK = false
	}
	f, ok := v.s.Field(name)
	switch {
	case !ok:
		v.add(e, name, op, "unknown field %q", name)
		return f, false
	case len(f.Ops) == 0:
		v.add(e, name, op, "field %q cannot be filtered", name)
		return f, false
	case !opOK:
		// The operator is wrong whatever the field; the values can still be wrong too.
		return f, true
	case !f.Allows(op):
		v.add(e, name, op, "field %q does not support operator %q; it supports %s", name, op, quoteOps(f.Ops))
		return f, true
	}
	// The schema allows op; still refuse combinations no backend can compile, so a
	// mistaken schema entry fails loudly instead of matching nothing.
	switch op {
	case OpCa:
		if !f.Collection {
			v.add(e, name, op, "operator %q needs a collection field; %q is not one", op, name)
			return f, false
		}
	case OpCo, OpSw:
		if f.Type != TypeString || f.Collection {
			v.add(e, name, op, "operator %q needs a string field; %q is %s", op, name, f.Type)
			return f, false
		}
	case OpGt, OpGe, OpLt, OpLe:
		if f.Type == TypeBool || f.Collection {
			v.add(e, name, op, "operator %q needs an ordered field; %q is %s", op, name, f.Type)
			return f, false
		}
	case OpEq, OpNe, OpIn:
		if f.Collection {
			v.add(e, name, op, "operator %q cannot be used on collection field %q; use \"ca\"", op, name)
			return f, false
		}
	}
	return f, true
}

func (v *validator) checkValue(e Expr, f Field, op Op, val Literal) {
	if val == nil {
		v.add(e, f.Name, op, "missing value for field %q", f.Name)
		return
	}
	if val.Type() != f.Type {
		v.add(e, f.Name, op, "field %q takes a %s value, not a %s", f.Name, f.Type, val.Type())
	}
}

func isOperator(op Op) bool {
	switch op {
	case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe, OpCo, OpSw, OpIn, OpCa, OpPr, OpIsNull:
		return true
	}
	return false
}

func quoteOps(ops []Op) string {
	q := make([]string, len(ops))
	for i, o := range ops {
		q[i] = fmt.Sprintf("%q", o)
	}
	return strings.Join(q, ", ")
}

// fieldsOf lists the fields e's predicates refer to.
func fieldsOf(e Expr) []string {
	var out []string
	var walk func(Expr)
	walk = func(e Expr) {
		switch n := e.(type) {
		case *Logical:
			walk(n.Left)
			walk(n.Right)
		case *Not:
			walk(n.X)
		case *Compare:
			out = append(out, n.Field)
		case *List:
			out = append(out, n.Field)
		case *Presence:
			out = append(out, n.Field)
		}
	}
	walk(e)
	return out
}
