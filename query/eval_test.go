package query

import (
	"strings"
	"testing"
	"time"
)

func TestEval(t *testing.T) {
	due := time.Date(2030, 1, 2, 3, 4, 5, 123_900_000, time.UTC) // sub-millisecond digits are ignored
	rec := Map{
		"id": "ID-1", "name": "Rôle_Admin%", "done": false, "size": 3, "due": due,
		"tags": []string{"Read", "write"}, "owner.name": nil,
	}
	nullName := Map{"id": "ID-2", "name": nil, "done": true, "size": int64(10), "due": nil, "tags": nil, "owner.name": nil}
	tests := []struct {
		name   string
		rec    Map
		filter string
		want   bool
	}{
		{"eq ignores ASCII case", rec, `name eq "rôle_admin%"`, true},
		{"eq does not fold non-ASCII letters", rec, `name eq "RÔLE_ADMIN%"`, false},
		{"ne is the negation of eq", rec, `name ne "RôLE_ADMIN%"`, false},
		{"sw ignores ASCII case", rec, `name sw "rô"`, true},
		{"sw treats % and _ literally", rec, `name sw "R_le"`, false},
		{"co finds a substring", rec, `name co "_admin%"`, true},
		{"co finds nothing for a missing substring", rec, `name co "user"`, false},
		{"gt compares strings byte-wise", rec, `name gt "Q"`, true},
		{"gt is case-sensitive", rec, `name gt "r"`, false},
		{"in matches any listed value", rec, `id in ("x", "id-1")`, true},
		{"in matches none", rec, `id in ("x", "y")`, false},
		{"booleans compare exactly", rec, `done eq false`, true},
		{"numbers compare numerically", rec, `size gt 2.5 and size le 3`, true},
		{"int64 values compare as numbers", nullName, `size eq 10`, true},
		{"date-times compare at millisecond precision", rec, `due ge 2030-01-02T03:04:05.123Z and due lt 2030-01-02T03:04:05.124Z`, true},
		{"date-times compare as instants across offsets", rec, `due ge 2030-01-02T04:04:05.123+01:00`, true},
		{"ca needs every value, ignoring ASCII case", rec, `tags ca ("read", "WRITE")`, true},
		{"ca fails when one value is missing", rec, `tags ca ("read", "delete")`, false},
		{"pr matches a value", rec, `pr name`, true},
		{"isnull does not match a value", rec, `name isnull`, false},
		{"pr does not match null", nullName, `name pr`, false},
		{"isnull matches null", nullName, `name isnull`, true},
		{"eq never matches null", nullName, `name eq "x"`, false},
		{"ne always matches null", nullName, `name ne "x"`, true},
		{"not of a predicate on null is true", nullName, `not name sw "x"`, true},
		{"ordering never matches null", nullName, `due lt 2099-01-01T00:00:00Z or due ge 1970-01-01T00:00:00Z`, false},
		{"in never matches null", nullName, `name in ("x")`, false},
		{"ca never matches a null collection", nullName, `tags ca ("x")`, false},
		{"not binds tighter than and", rec, `not done eq true and size eq 3`, true},
		{"and binds tighter than or", rec, `size eq 1 and done eq true or size eq 3`, true},
		{"parentheses group", rec, `size eq 1 and (done eq true or size eq 3)`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseFor(tc.filter, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Eval(e, tc.rec)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tc.want {
				t.Errorf("Eval(%s) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

func TestEvalMatchesEverythingWithoutAFilter(t *testing.T) {
	ok, err := Eval(nil, Map{})
	if !ok || err != nil {
		t.Fatalf("Eval(nil) = %v, %v; want true, nil", ok, err)
	}
}

func TestEvalReportsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		rec    Map
		want   string
	}{
		{"a field the record lacks", `name eq "x"`, Map{}, `query: record has no field "name"`},
		{"a value of the wrong type", `name eq "x"`, Map{"name": 3}, `query: field "name" holds float64, which cannot be compared with a string`},
		{"an unsupported Go type", `name eq "x"`, Map{"name": []int{1}}, `query: field "name" has a value of unsupported type []int`},
		{"an upper-case operator", `name EQ "x"`, Map{"name": "x"}, `query: field "name": unknown operator "EQ"`},
		{"ends-with", `name ew "x"`, Map{"name": "x"}, `query: field "name": unknown operator "ew"`},
		{"a bad right operand even when the left decides", `name eq "x" or size eq 1`, Map{"name": "x"}, `query: record has no field "size"`},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is an error", func(t *testing.T) {
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Eval(e, tc.rec)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Eval = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestFoldASCII(t *testing.T) {
	for in, want := range map[string]string{"": "", "abc": "abc", "ABC xyz": "abc xyz", "ÀÉÎ Zoë": "ÀÉÎ zoë", "İ": "İ"} {
		if got := FoldASCII(in); got != want {
			t.Errorf("FoldASCII(%q) = %q, want %q", in, got, want)
		}
	}
	if s := "no upper case"; FoldASCII(s) != s || !strings.EqualFold(s, FoldASCII(strings.ToUpper(s))) {
		t.Error("FoldASCII changed a lower-case string")
	}
}

func TestEvalFollowsPointersAndTreatsNilAsNull(t *testing.T) {
	name, size, due := "Ann", int64(4), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	set := Map{"id": "1", "name": &name, "done": new(bool), "size": &size, "due": &due, "tags": []string{}}
	unset := Map{"id": "2", "name": (*string)(nil), "done": (*bool)(nil), "size": (*int64)(nil), "due": (*time.Time)(nil), "tags": []string(nil)}
	tests := []struct {
		name   string
		rec    Map
		filter string
		want   bool
	}{
		{"a *string is its string", set, `name eq "ann"`, true},
		{"a *bool is its bool", set, `done eq false`, true},
		{"a *int64 is its number", set, `size gt 3`, true},
		{"a *time.Time is its instant", set, `due lt 2030-01-01T00:00:00.001Z`, true},
		{"an empty collection is present", set, `pr tags`, true},
		{"a nil *string is null", unset, `name isnull`, true},
		{"a nil *time.Time is null", unset, `due ge 1970-01-01T00:00:00Z`, false},
		{"a nil collection is null", unset, `tags isnull`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseFor(tc.filter, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := Eval(e, tc.rec); err != nil || got != tc.want {
				t.Fatalf("Eval(%s) = %v, %v; want %v", tc.filter, got, err, tc.want)
			}
		})
	}
	// Sorting sees the same values: the null name sorts first.
	rs := []Map{set, unset}
	Sort(testSchema, nil, rs)
	if rs[0]["id"] != "2" {
		t.Errorf("a nil *string did not sort as null")
	}
}
