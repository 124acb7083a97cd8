package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func cmp(field string, op Op, v Literal) *Compare { return &Compare{Field: field, Op: op, Value: v} }
func and(l, r Expr) *Logical                      { return &Logical{Op: And, Left: l, Right: r} }
func or(l, r Expr) *Logical                       { return &Logical{Op: Or, Left: l, Right: r} }
func str(s string) StringLit                      { return StringLit{Value: s} }
func num(f float64) NumberLit                     { return NumberLit{Value: f} }

func mustTime(tb testing.TB, s string) TimeLit {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return TimeLit{Value: t.UTC()}
}

// parseCases are valid filters, their AST and their canonical form. They also seed
// FuzzParse.
var parseCases = []struct {
	name      string
	src       string
	want      func(testing.TB) Expr
	canonical string
}{
	{"an equality on a quoted string", `name eq "Raj"`,
		func(testing.TB) Expr { return cmp("name", OpEq, str("Raj")) }, `name eq "Raj"`},
	{"a dotted field path", `identitySummary.id eq "2c91"`,
		func(testing.TB) Expr { return cmp("identitySummary.id", OpEq, str("2c91")) }, `identitySummary.id eq "2c91"`},
	{"every value operator", `a ne 1 or a gt 1 or a ge 1 or a lt 1 or a le 1 or a co "x" or a sw "x"`,
		func(testing.TB) Expr {
			return or(or(or(or(or(or(cmp("a", OpNe, num(1)), cmp("a", OpGt, num(1))), cmp("a", OpGe, num(1))),
				cmp("a", OpLt, num(1))), cmp("a", OpLe, num(1))), cmp("a", OpCo, str("x"))), cmp("a", OpSw, str("x")))
		}, `a ne 1 or a gt 1 or a ge 1 or a lt 1 or a le 1 or a co "x" or a sw "x"`},
	{"an in list", `id in ("a","b" , "c")`,
		func(testing.TB) Expr {
			return &List{Field: "id", Op: OpIn, Values: []Literal{str("a"), str("b"), str("c")}}
		},
		`id in ("a", "b", "c")`},
	{"a contains-all list", `rights ca ("CREATE")`,
		func(testing.TB) Expr { return &List{Field: "rights", Op: OpCa, Values: []Literal{str("CREATE")}} },
		`rights ca ("CREATE")`},
	{"prefix pr", `pr accountRequestInfo`,
		func(testing.TB) Expr { return &Presence{Field: "accountRequestInfo", Op: OpPr} }, `pr accountRequestInfo`},
	{"postfix pr becomes prefix", `accountRequestInfo pr`,
		func(testing.TB) Expr { return &Presence{Field: "accountRequestInfo", Op: OpPr} }, `pr accountRequestInfo`},
	{"postfix isnull", `lastUsed isnull`,
		func(testing.TB) Expr { return &Presence{Field: "lastUsed", Op: OpIsNull} }, `lastUsed isnull`},
	{"booleans", `completed eq true and completed ne false`,
		func(testing.TB) Expr {
			return and(cmp("completed", OpEq, BoolLit{true}), cmp("completed", OpNe, BoolLit{false}))
		},
		`completed eq true and completed ne false`},
	{"numbers in many forms", `n eq -0.5 or n eq 7 or n eq 1e5 or n eq 1.5E-7 or n eq 1234567`,
		func(testing.TB) Expr {
			return or(or(or(or(cmp("n", OpEq, num(-0.5)), cmp("n", OpEq, num(7))), cmp("n", OpEq, num(1e5))),
				cmp("n", OpEq, num(1.5e-7))), cmp("n", OpEq, num(1234567)))
		}, `n eq -0.5 or n eq 7 or n eq 1e5 or n eq 15e-8 or n eq 1234567`},
	{"a bare date-time with an offset is held in UTC", `created gt 2018-12-18T23:05:55+01:00`,
		func(tb testing.TB) Expr { return cmp("created", OpGt, mustTime(tb, "2018-12-18T22:05:55Z")) },
		`created gt 2018-12-18T22:05:55Z`},
	{"date-time fractions are truncated to milliseconds", `created le 2018-12-18T23:05:55.1239Z`,
		func(tb testing.TB) Expr { return cmp("created", OpLe, mustTime(tb, "2018-12-18T23:05:55.123Z")) },
		`created le 2018-12-18T23:05:55.123Z`},
	{"escaped quotes and backslashes", `name eq "\"Employees\" \\ all"`,
		func(testing.TB) Expr { return cmp("name", OpEq, str(`"Employees" \ all`)) }, `name eq "\"Employees\" \\ all"`},
	{"non-ASCII text in a string", `name sw "Zoë 名"`,
		func(testing.TB) Expr { return cmp("name", OpSw, str("Zoë 名")) }, `name sw "Zoë 名"`},
	{"not binds tighter than and, and tighter than or", `not a eq 1 or b eq 2 and c eq 3`,
		func(testing.TB) Expr {
			return or(&Not{X: cmp("a", OpEq, num(1))}, and(cmp("b", OpEq, num(2)), cmp("c", OpEq, num(3))))
		}, `not a eq 1 or b eq 2 and c eq 3`},
	{"parentheses override precedence", `(a eq 1 or b eq 2) and not (c eq 3 and d eq 4)`,
		func(testing.TB) Expr {
			return and(or(cmp("a", OpEq, num(1)), cmp("b", OpEq, num(2))),
				&Not{X: and(cmp("c", OpEq, num(3)), cmp("d", OpEq, num(4)))})
		}, `(a eq 1 or b eq 2) and not (c eq 3 and d eq 4)`},
	{"and and or associate to the left", `a eq 1 and b eq 2 and c eq 3`,
		func(testing.TB) Expr {
			return and(and(cmp("a", OpEq, num(1)), cmp("b", OpEq, num(2))), cmp("c", OpEq, num(3)))
		},
		`a eq 1 and b eq 2 and c eq 3`},
	{"a right-nested group keeps its parentheses", `a eq 1 or (b eq 2 or c eq 3)`,
		func(testing.TB) Expr {
			return or(cmp("a", OpEq, num(1)), or(cmp("b", OpEq, num(2)), cmp("c", OpEq, num(3))))
		},
		`a eq 1 or (b eq 2 or c eq 3)`},
	{"redundant parentheses disappear", `((a eq 1)) and (not (b pr))`,
		func(testing.TB) Expr { return and(cmp("a", OpEq, num(1)), &Not{X: &Presence{Field: "b", Op: OpPr}}) },
		`a eq 1 and not pr b`},
	{"double negation is kept", `not not a eq 1`,
		func(testing.TB) Expr { return &Not{X: &Not{X: cmp("a", OpEq, num(1))}} }, `not not a eq 1`},
	{"any whitespace separates tokens", "a\teq\n1\r\nand b eq\"x\"",
		func(testing.TB) Expr { return and(cmp("a", OpEq, num(1)), cmp("b", OpEq, str("x"))) }, `a eq 1 and b eq "x"`},
	{"an upper-case operator is kept for Validate to reject", `name EQ "x"`,
		func(testing.TB) Expr { return cmp("name", "EQ", str("x")) }, `name EQ "x"`},
	{"ew is kept for Validate to reject", `name ew "x"`,
		func(testing.TB) Expr { return cmp("name", "ew", str("x")) }, `name ew "x"`},
	{"an upper-case presence operator stays postfix", `name PR`,
		func(testing.TB) Expr { return &Presence{Field: "name", Op: "PR"} }, `name PR`},
	{"a field may contain keywords after a dot", `a.and eq 1`,
		func(testing.TB) Expr { return cmp("a.and", OpEq, num(1)) }, `a.and eq 1`},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.src)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.src, err)
			}
			if want := tc.want(t); !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tc.src, dump(got), dump(want))
			}
			if s := got.String(); s != tc.canonical {
				t.Errorf("String() = %q, want %q", s, tc.canonical)
			}
			again, err := Parse(got.String())
			if err != nil {
				t.Fatalf("Parse(String()) = %v", err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("Parse(String()) = %s, want %s", dump(again), dump(got))
			}
		})
	}
}

// syntaxCases are filters the parser rejects, with the exact error. They also seed
// FuzzParse.
var syntaxCases = []struct {
	name, src, want string
}{
	{"an empty filter", ``, `offset 0: expected a filter`},
	{"a blank filter", `   `, `offset 3: expected a filter`},
	{"a missing value", `access.name sw "a" and name eq`, `offset 30: expected a value after 'eq', found the end of the filter`},
	{"a missing value before and", `name eq and b eq 1`, `offset 8: expected a value after 'eq', found "and"`},
	{"an unquoted string", `name eq Raj`, `offset 8: expected a value after 'eq', found "Raj" (strings are double-quoted)`},
	{"an upper-case value keyword", `completed eq TRUE`, `offset 13: expected a value after 'eq', found "TRUE" (operators and keywords are lower case)`},
	{"an upper-case and", `a eq 1 AND b eq 2`, `offset 7: expected 'and', 'or' or the end of the filter, found "AND" (operators and keywords are lower case)`},
	{"an upper-case not", `NOT a eq 1`, `offset 4: expected an operator after "NOT", found "a"`},
	{"an unknown operator", `name like "x"`, `offset 5: expected an operator after "name", found "like"`},
	{"a missing operator", `name`, `offset 4: expected an operator after "name", found the end of the filter`},
	{"an unterminated string", `name eq "abc`, `offset 8: unterminated string`},
	{"a string ending in a backslash", `name eq "abc\`, `offset 8: unterminated string`},
	{"an unknown escape", `name eq "a\nb"`, `offset 10: unknown escape '\n' in string (only \" and \\ are allowed)`},
	{"a NUL byte in a string", "name eq \"a\x00\"", `offset 10: NUL byte in string`},
	{"invalid UTF-8", "name eq \"a\xff\"", `offset 10: filter is not valid UTF-8`},
	{"an unbalanced parenthesis", `(a eq 1`, `offset 7: expected 'and', 'or' or ')', found the end of the filter`},
	{"a stray closing parenthesis", `a eq 1)`, `offset 6: expected 'and', 'or' or the end of the filter, found ')'`},
	{"an empty list", `id in ()`, `offset 7: expected a value in the list, found ')'`},
	{"a list without parentheses", `id in "a"`, `offset 6: expected '(' after 'in', found a string`},
	{"an unterminated list", `id in ("a", "b"`, `offset 15: expected ',' or ')' in the list, found the end of the filter`},
	{"a trailing comma in a list", `id in ("a",)`, `offset 11: expected a value in the list, found ')'`},
	{"a keyword as a field", `and eq 1`, `offset 0: expected a field, 'not', 'pr' or '(', found "and"`},
	{"pr without a field", `pr`, `offset 2: expected a field after 'pr', found the end of the filter`},
	{"pr followed by a string", `pr "x"`, `offset 3: expected a field after 'pr', found a string`},
	{"a field path ending in a dot", `access. eq 1`, `offset 7: expected a name after '.' in field "access."`},
	{"a bad number", `n eq 1.`, `offset 5: invalid number "1."`},
	{"a number glued to a word", `n eq 12abc`, `offset 5: invalid number "12abc"`},
	{"a number out of range", `n eq 1e999`, `offset 5: number "1e999" is out of range`},
	{"a date without a time", `due gt 2018-12-18`, `offset 7: invalid date-time "2018-12-18" (want RFC 3339, e.g. 2018-12-18T23:05:55Z)`},
	{"a date-time without a zone", `due gt 2018-12-18T23:05:55`, `offset 7: invalid date-time "2018-12-18T23:05:55" (want RFC 3339, e.g. 2018-12-18T23:05:55Z)`},
	{"a one-digit hour", `due gt 2018-12-18T3:05:55Z`, `offset 7: invalid date-time "2018-12-18T3:05:55Z" (want RFC 3339, e.g. 2018-12-18T23:05:55Z)`},
	{"a fraction without digits", `due gt 2018-12-18T23:05:55.Z`, `offset 7: invalid date-time "2018-12-18T23:05:55.Z" (want RFC 3339, e.g. 2018-12-18T23:05:55Z)`},
	{"a null literal", `name eq null`, `offset 8: expected a value after 'eq', found "null" (strings are double-quoted)`},
	{"an unexpected character", `name eq 'x'`, `offset 8: unexpected character '\''`},
	{"two predicates without and", `a eq 1 b eq 2`, `offset 7: expected 'and', 'or' or the end of the filter, found "b"`},
}

func TestParseRejects(t *testing.T) {
	for _, tc := range syntaxCases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tc.src, e, err)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", tc.src, err, tc.want)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	pred := `name eq "x"`
	chain := func(n int) string { return strings.TrimSuffix(strings.Repeat(pred+" or ", n), " or ") }
	longString := `name eq "` + strings.Repeat("a", MaxFilterLength-10) + `"`
	list := func(n int) string { return "id in (" + strings.TrimSuffix(strings.Repeat(`"a",`, n), ",") + ")" }
	nest := func(n int) string { return strings.Repeat("(", n) + pred + strings.Repeat(")", n) }
	nots := func(n int) string { return strings.Repeat("not ", n) + pred }
	tests := []struct {
		name, src, wantErr string
	}{
		{"a filter of exactly the maximum length is accepted", longString, ""},
		{"a filter one byte too long is rejected before parsing", longString + " ", "offset 4096: filter is longer than 4096 bytes"},
		{"an over-long filter is rejected even when it is garbage", strings.Repeat("(", 5000), "offset 4096: filter is longer than 4096 bytes"},
		{"a long flat chain of or is not nesting", chain(250), ""},
		{"32 nested parentheses are accepted", nest(32), ""},
		{"33 nested parentheses are rejected at the 33rd", nest(33), "offset 32: filter nests deeper than 32 levels"},
		{"32 nested nots are accepted", nots(32), ""},
		{"33 nested nots are rejected", nots(33), "offset 128: filter nests deeper than 32 levels"},
		{"parentheses and nots count together", nest(16) + " and " + nots(0) + " or " + strings.Repeat("not (", 17) + pred + strings.Repeat(")", 17), "offset 143: filter nests deeper than 32 levels"},
		{"a list of 250 values is accepted", list(250), ""},
		{"a list of 251 values is rejected at the 251st", list(251), "offset 1007: list after 'in' has more than 250 values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("Parse error = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

func TestNumberCanonicalFormIsShortestAndExact(t *testing.T) {
	for _, src := range []string{"0", "-0", "7", "-12", "0.001", "1e-3", "100", "1e2", "12e3", "1.5e3",
		"1234567", "1e21", "123456789e20", "0.1", "3.141592653589793", "1.5e-9", "5e-324", "1.7976931348623157e308"} {
		t.Run(src, func(t *testing.T) {
			e, err := Parse("n eq " + src)
			if err != nil {
				t.Fatal(err)
			}
			lit := e.(*Compare).Value.(NumberLit)
			out := lit.String()
			if len(out) > len(src) {
				t.Errorf("%s renders as the longer %s", src, out)
			}
			back, err := Parse("n eq " + out)
			if err != nil {
				t.Fatal(err)
			}
			if got := back.(*Compare).Value.(NumberLit); got != lit {
				t.Errorf("%s renders as %s, which parses as %v, not %v", src, out, got.Value, lit.Value)
			}
		})
	}
}

func TestCanonicalFormFallsBackToCompactAtTheLengthLimit(t *testing.T) {
	// Without optional spaces this filter fits the limit; its spaced rendering would not.
	pred := `a eq"x"or `
	src := strings.Repeat(pred, MaxFilterLength/len(pred)-1) + `a eq"x"`
	if len(src) > MaxFilterLength {
		t.Fatalf("test input is %d bytes", len(src))
	}
	e, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	out := e.String()
	if len(out) > MaxFilterLength || strings.Contains(out, `eq "x"`) {
		t.Fatalf("String() is %d bytes and not compact: %.40s…", len(out), out)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(String()): %v", err)
	}
	if !reflect.DeepEqual(again, e) {
		t.Fatal("the compact rendering parses to a different tree")
	}
	if short := cmp("a", OpEq, str("x")).String(); short != `a eq "x"` {
		t.Fatalf("a short filter renders as %q, want the spaced form", short)
	}
}
