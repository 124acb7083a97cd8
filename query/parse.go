package query

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Input limits, checked before a filter is evaluated or compiled.
const (
	// MaxFilterLength is the longest filter accepted, in bytes.
	MaxFilterLength = 4096
	// MaxDepth is the deepest nesting of parentheses and "not" accepted.
	MaxDepth = 32
	// MaxListLength is the most values an in or ca list may hold.
	MaxListLength = 250
)

// SyntaxError is a filter that does not follow the grammar or exceeds an input limit.
// Offset is the byte offset in the filter where the problem was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns "offset N: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
}

// Parse parses a filter into its AST. It checks the input limits first and returns a
// *SyntaxError for any input that does not follow the grammar. The result still has to be
// checked against an endpoint's schema with Validate (or use ParseFor, which does both).
func Parse(src string) (Expr, error) {
	p := parser{src: src}
	return p.parse()
}

// keywords are reserved: none of them can be the whole name of a field.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "pr": true, "isnull": true,
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"co": true, "sw": true, "ew": true, "in": true, "ca": true,
	"true": true, "false": true,
}

// opKind tells the parser what follows an operator.
type opKind int

const (
	opNone  opKind = iota // not an operator
	opValue               // one value
	opList                // a parenthesised list
	opBare                // nothing (pr, isnull)
)

// operatorKind classifies an operator word in any letter case, so that "EQ" parses (and
// Validate then rejects it by name) while "foo" is a syntax error. "ew" is parsed like sw.
func operatorKind(word string) opKind {
	switch strings.ToLower(word) {
	case "eq", "ne", "gt", "ge", "lt", "le", "co", "sw", "ew":
		return opValue
	case "in", "ca":
		return opList
	case "pr", "isnull":
		return opBare
	}
	return opNone
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tTime
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	pos  int
	text string // identifier or raw source of the token
	lit  Literal
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tComma:
		return "','"
	case tString:
		return "a string"
	case tNumber, tTime:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src   string
	off   int   // lexer position
	tok   token // current token
	depth int
	// pos, when not nil, records the source offset of every predicate and of every
	// and/or operator, for validation messages.
	pos map[Expr]int
}

func (p *parser) parse() (Expr, error) {
	if len(p.src) > MaxFilterLength {
		return nil, &SyntaxError{Offset: MaxFilterLength, Msg: fmt.Sprintf("filter is longer than %d bytes", MaxFilterLength)}
	}
	if !utf8.ValidString(p.src) {
		i := 0
		for i < len(p.src) {
			r, n := utf8.DecodeRuneInString(p.src[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, &SyntaxError{Offset: i, Msg: "filter is not valid UTF-8"}
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, p.errorf(p.tok.pos, "expected a filter")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("'and', 'or' or the end of the filter")
	}
	return e, nil
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// unexpected reports the current token where want was expected, with a hint when a
// keyword was written in upper case.
func (p *parser) unexpected(want string) error {
	msg := "expected " + want + ", found " + p.tok.describe()
	if p.tok.kind == tIdent {
		if lower := strings.ToLower(p.tok.text); lower != p.tok.text && keywords[lower] {
			msg += " (operators and keywords are lower case)"
		}
	}
	return &SyntaxError{Offset: p.tok.pos, Msg: msg}
}

func (p *parser) isWord(w string) bool { return p.tok.kind == tIdent && p.tok.text == w }

func (p *parser) parseOr() (Expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		at := p.tok.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: Or, Left: left, Right: right}
		p.record(left, at)
	}
	return left, nil
}

func (p *parser) parseAnd() (Expr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		at := p.tok.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: And, Left: left, Right: right}
		p.record(left, at)
	}
	return left, nil
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(off, "filter nests deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) parseUnary() (Expr, error) {
	switch {
	case p.isWord("not"):
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Not{X: x}, nil
	case p.tok.kind == tLParen:
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("'and', 'or' or ')'")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		p.depth--
		return x, nil
	case p.isWord("pr"):
		start := p.tok.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		field, err := p.field("a field after 'pr'")
		if err != nil {
			return nil, err
		}
		e := &Presence{Field: field, Op: OpPr}
		p.record(e, start)
		return e, nil
	}
	return p.predicate()
}

// field consumes a field path.
func (p *parser) field(want string) (string, error) {
	if p.tok.kind != tIdent || keywords[p.tok.text] {
		return "", p.unexpected(want)
	}
	name := p.tok.text
	return name, p.next()
}

func (p *parser) record(e Expr, off int) {
	if p.pos != nil {
		p.pos[e] = off
	}
}

func (p *parser) predicate() (Expr, error) {
	start := p.tok.pos
	field, err := p.field("a field, 'not', 'pr' or '('")
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tIdent || operatorKind(p.tok.text) == opNone {
		return nil, p.unexpected(fmt.Sprintf("an operator after %q", field))
	}
	op := Op(p.tok.text)
	kind := operatorKind(p.tok.text)
	if err := p.next(); err != nil {
		return nil, err
	}
	var e Expr
	switch kind {
	case opBare:
		e = &Presence{Field: field, Op: op}
	case opValue:
		v, err := p.value(fmt.Sprintf("a value after '%s'", op))
		if err != nil {
			return nil, err
		}
		e = &Compare{Field: field, Op: op, Value: v}
	case opList:
		if p.tok.kind != tLParen {
			return nil, p.unexpected(fmt.Sprintf("'(' after '%s'", op))
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		var vals []Literal
		for {
			if len(vals) == MaxListLength {
				return nil, p.errorf(p.tok.pos, "list after '%s' has more than %d values", op, MaxListLength)
			}
			v, err := p.value("a value in the list")
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			if p.tok.kind == tRParen {
				break
			}
			if p.tok.kind != tComma {
				return nil, p.unexpected("',' or ')' in the list")
			}
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		e = &List{Field: field, Op: op, Values: vals}
	}
	p.record(e, start)
	return e, nil
}

func (p *parser) value(want string) (Literal, error) {
	var lit Literal
	switch p.tok.kind {
	case tString, tNumber, tTime:
		lit = p.tok.lit
	case tIdent:
		switch p.tok.text {
		case "true":
			lit = BoolLit{Value: true}
		case "false":
			lit = BoolLit{Value: false}
		default:
			err := p.unexpected(want).(*SyntaxError)
			if !keywords[strings.ToLower(p.tok.text)] {
				err.Msg += " (strings are double-quoted)"
			}
			return nil, err
		}
	default:
		return nil, p.unexpected(want)
	}
	return lit, p.next()
}

// next lexes the following token into p.tok.
func (p *parser) next() error {
	s := p.src
	for p.off < len(s) && isSpace(s[p.off]) {
		p.off++
	}
	start := p.off
	if start >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return nil
	}
	c := s[start]
	switch {
	case c == '(':
		p.off++
		p.tok = token{kind: tLParen, pos: start, text: "("}
	case c == ')':
		p.off++
		p.tok = token{kind: tRParen, pos: start, text: ")"}
	case c == ',':
		p.off++
		p.tok = token{kind: tComma, pos: start, text: ","}
	case c == '"':
		return p.lexString()
	case isIdentStart(c):
		return p.lexIdent()
	case c == '-' || isDigit(c):
		return p.lexNumberOrTime()
	default:
		r, _ := utf8.DecodeRuneInString(s[start:])
		return p.errorf(start, "unexpected character %q", r)
	}
	return nil
}

func (p *parser) lexIdent() error {
	s, start := p.src, p.off
	i := start
	for {
		for i < len(s) && isIdentPart(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' {
			if i+1 >= len(s) || !isIdentStart(s[i+1]) {
				return p.errorf(i+1, "expected a name after '.' in field %q", s[start:i+1])
			}
			i++
			continue
		}
		break
	}
	p.off = i
	p.tok = token{kind: tIdent, pos: start, text: s[start:i]}
	return nil
}

func (p *parser) lexString() error {
	s, start := p.src, p.off
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(s) {
			return p.errorf(start, "unterminated string")
		}
		c := s[i]
		switch c {
		case '"':
			p.off = i + 1
			p.tok = token{kind: tString, pos: start, text: s[start:p.off], lit: StringLit{Value: b.String()}}
			return nil
		case '\\':
			if i+1 >= len(s) {
				return p.errorf(start, "unterminated string")
			}
			e := s[i+1]
			if e != '"' && e != '\\' {
				r, _ := utf8.DecodeRuneInString(s[i+1:])
				return p.errorf(i, "unknown escape '\\%c' in string (only \\\" and \\\\ are allowed)", r)
			}
			b.WriteByte(e)
			i += 2
		case 0:
			return p.errorf(i, "NUL byte in string")
		default:
			b.WriteByte(c)
			i++
		}
	}
}

// lexNumberOrTime lexes a bare literal starting with a digit or '-': an RFC 3339 date-time
// when it looks like one (yyyy-…), a number otherwise.
func (p *parser) lexNumberOrTime() error {
	s, start := p.src, p.off
	i := start
	for i < len(s) && isBarePart(s[i]) {
		i++
	}
	text := s[start:i]
	p.off = i
	if len(text) >= 5 && isDigits(text[:4]) && text[4] == '-' {
		t, err := time.Parse(time.RFC3339Nano, text)
		if err == nil && !isRFC3339(text) {
			// time.Parse also takes a one-digit hour; the grammar does not.
			err = errors.New("not RFC 3339")
		}
		if err != nil {
			return p.errorf(start, "invalid date-time %q (want RFC 3339, e.g. 2018-12-18T23:05:55Z)", text)
		}
		p.tok = token{kind: tTime, pos: start, text: text, lit: TimeLit{Value: t.UTC().Truncate(time.Millisecond)}}
		return nil
	}
	if !isNumber(text) {
		return p.errorf(start, "invalid number %q", text)
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && !math.IsInf(v, 0)) {
		return p.errorf(start, "number %q is out of range", text)
	}
	p.tok = token{kind: tNumber, pos: start, text: text, lit: NumberLit{Value: v}}
	return nil
}

// isRFC3339 reports whether s has the exact shape of an RFC 3339 date-time:
// yyyy-mm-ddThh:mm:ss, an optional fraction, then Z or ±hh:mm.
func isRFC3339(s string) bool {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head)+1 {
		return false
	}
	for i := 0; i < len(head); i++ {
		switch c := s[i]; head[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case 'T':
			if c != 'T' && c != 't' {
				return false
			}
		default:
			if c != head[i] {
				return false
			}
		}
	}
	rest := s[len(head):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	switch {
	case rest == "Z" || rest == "z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		return isDigits(rest[1:3]) && isDigits(rest[4:6])
	}
	return false
}

// isNumber reports whether s is ["-"] digit+ ["." digit+] [("e"|"E") ["+"|"-"] digit+].
func isNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i > j
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// isBarePart reports whether c may appear in a bare number or date-time.
func isBarePart(c byte) bool {
	return isIdentPart(c) || c == '.' || c == ':' || c == '+' || c == '-'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}
