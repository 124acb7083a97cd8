package sqlq_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/query"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var dialects = []sqlq.Dialect{sqlq.SQLite, sqlq.Postgres}

// compileCases are filters over the endpoint schemas whose SQL is pinned in
// testdata/<dialect>.golden. They also seed FuzzCompile.
var compileCases = []struct {
	name   string
	schema *query.Schema
	filter string
	sort   string
}{
	{"identity summaries by name prefix, in the default order", certsum.IdentitySummarySchema, `name sw "Ro%_\\le"`, ""},
	{"identity summaries by id list and completion", certsum.IdentitySummarySchema, `id in ("a","B","c") and completed ne true`, "-name"},
	{"access summaries with a nullable source name", certsum.AccessSummarySchema, `entitlement.sourceName eq "AD" or not accessProfile.sourceName sw "HR"`, "-access.name"},
	{"access summaries that are open", certsum.AccessSummarySchema, `completed eq false`, ""},
	{"certifications of a campaign", certsum.CertificationSchema, `campaign.id eq "k1" and phase eq "ACTIVE"`, "-due,signed,name"},
	{"review items with nested groups", certsum.ReviewItemSchema, `(access.type eq "ROLE" or type eq "ENTITLEMENT") and not (identitySummary.name sw "a" and access.name eq "b")`, "accessProfile.sourceName,-identitySummary.name"},
	{"permissions with both rules", certsum.PermissionSchema, `rights ca ("CREATE","read") and target sw "SYS."`, ""},
	{"the decision summary filter", certsum.DecisionSummarySchema, `identitySummary.id in ("s1","s2")`, ""},
	{"campaigns by status", certsum.CampaignSchema, `status in ("ACTIVE","STAGED") and name sw "Q1"`, "-created"},
	{"reviewers by email", certsum.ReviewerSchema, `email sw "ann@" or name eq "Ann"`, "email"},
	{"no filter at all", certsum.ReviewerSchema, ``, ""},
	{"every operator on every type", diffSchema, `id gt "a" and name co "x" and nick sw "q" and flag ne true and num ge 1.5 and num lt 10 and due le 2030-01-02T03:04:05.006Z and due in (2030-01-01T00:00:00Z) and num in (1, 2) and pr tags and name isnull`, "num,-due"},
}

func TestCompileGolden(t *testing.T) {
	for _, d := range dialects {
		var b strings.Builder
		for _, tc := range compileCases {
			e, err := query.ParseFor(tc.filter, tc.schema)
			if tc.filter == "" {
				e, err = nil, nil
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			keys, err := query.ParseSort(tc.sort, tc.schema)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			args := &sqlq.Args{Dialect: d}
			args.Add("cert-1") // a statement's own argument comes first
			where, err := sqlq.Where(tc.schema, e, args)
			if err != nil {
				t.Fatalf("%s: Where: %v", tc.name, err)
			}
			order, err := sqlq.OrderBy(d, tc.schema, keys)
			if err != nil {
				t.Fatalf("%s: OrderBy: %v", tc.name, err)
			}
			page := sqlq.Page(25, 50, args)
			fmt.Fprintf(&b, "== %s\nfilters=%s sorters=%s\nWHERE %s\n%s\n%s\nargs %#v\n\n", tc.name, tc.filter, tc.sort, where, order, page, args.Values)
			all := where + " " + order + " " + page
			if n := sqlq.Placeholders(d, all) + 1; n != len(args.Values) {
				t.Errorf("%s (%s): %d placeholders for %d arguments", tc.name, d, n, len(args.Values))
			}
		}
		checkGolden(t, d.String()+".golden", b.String())
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s line %d:\n-%s\n+%s", path, i+1, w, g)
			}
		}
	}
}

func TestPostgresPlaceholdersContinueAcrossWhereAndPage(t *testing.T) {
	args := &sqlq.Args{Dialect: sqlq.Postgres}
	if p := args.Add("cert"); p != "$1" {
		t.Fatalf("first placeholder = %s, want $1", p)
	}
	e, err := query.ParseFor(`id in ("a","b") or name eq "c"`, certsum.IdentitySummarySchema)
	if err != nil {
		t.Fatal(err)
	}
	where, err := sqlq.Where(certsum.IdentitySummarySchema, e, args)
	if err != nil {
		t.Fatal(err)
	}
	page := sqlq.Page(10, 20, args)
	if want := `(lower(s.id COLLATE "C") IN ($2, $3) OR lower(s.name COLLATE "C") = $4)`; where != want {
		t.Errorf("Where = %s, want %s", where, want)
	}
	if want := "LIMIT $5 OFFSET $6"; page != want {
		t.Errorf("Page = %s, want %s", page, want)
	}
	want := []any{"cert", "a", "b", "c", int64(10), int64(20)}
	if !reflect.DeepEqual(args.Values, want) {
		t.Errorf("Values = %#v, want %#v", args.Values, want)
	}
}

func TestSQLiteUsesQuestionMarks(t *testing.T) {
	args := &sqlq.Args{Dialect: sqlq.SQLite}
	args.Add(1)
	if p := sqlq.Page(0, 0, args); p != "LIMIT ? OFFSET ?" {
		t.Fatalf("Page = %s", p)
	}
	if len(args.Values) != 3 {
		t.Fatalf("Values = %v", args.Values)
	}
}

func TestPageBoundsItsArguments(t *testing.T) {
	tests := []struct {
		name          string
		d             sqlq.Dialect
		limit, offset int
		want          []any
	}{
		{"a normal page binds both as int64", sqlq.SQLite, 250, 7, []any{int64(250), int64(7)}},
		{"a negative limit is unbounded in SQLite", sqlq.SQLite, -1, 0, []any{int64(-1), int64(0)}},
		{"a negative limit is LIMIT NULL in PostgreSQL", sqlq.Postgres, -1, 0, []any{nil, int64(0)}},
		{"a negative offset counts as zero", sqlq.Postgres, 5, -3, []any{int64(5), int64(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := &sqlq.Args{Dialect: tc.d}
			sqlq.Page(tc.limit, tc.offset, args)
			if !reflect.DeepEqual(args.Values, tc.want) {
				t.Fatalf("Values = %#v, want %#v", args.Values, tc.want)
			}
		})
	}
}

func TestWhereRejectsWhatValidateRejects(t *testing.T) {
	tests := []struct{ name, filter, want string }{
		{"a field missing from the schema", `email eq "x"`, `unknown field "email"`},
		{"an operator the field does not allow", `name co "x"`, `field "name" does not support operator "co"; it supports "eq", "sw"`},
		{"a value of the wrong type", `completed eq "yes"`, `field "completed" takes a boolean value, not a string`},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is never compiled", func(t *testing.T) {
			e, err := query.Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			args := &sqlq.Args{Dialect: sqlq.SQLite}
			sql, err := sqlq.Where(certsum.IdentitySummarySchema, e, args)
			var ve *query.ValidationError
			if !errors.As(err, &ve) || err.Error() != tc.want {
				t.Fatalf("Where = %q, %v; want error %s", sql, err, tc.want)
			}
			if sql != "" || len(args.Values) != 0 {
				t.Fatalf("Where produced %q with %v despite the error", sql, args.Values)
			}
		})
	}
}

func TestUnknownDialectIsAnError(t *testing.T) {
	e, _ := query.Parse(`name eq "x"`)
	if _, err := sqlq.Where(certsum.IdentitySummarySchema, e, &sqlq.Args{}); !errors.Is(err, sqlq.ErrDialect) {
		t.Errorf("Where with no dialect = %v, want ErrDialect", err)
	}
	if _, err := sqlq.OrderBy(0, certsum.IdentitySummarySchema, nil); !errors.Is(err, sqlq.ErrDialect) {
		t.Errorf("OrderBy with no dialect = %v, want ErrDialect", err)
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		name   string
		d      sqlq.Dialect
		schema *query.Schema
		keys   []query.SortKey
		want   string
	}{
		{"no keys use the default sort, then the id", sqlq.SQLite, certsum.ReviewItemSchema, nil,
			"ORDER BY s.name COLLATE BINARY ASC NULLS FIRST, i.access_name COLLATE BINARY ASC NULLS FIRST, i.id COLLATE BINARY ASC NULLS FIRST"},
		{"a schema without a default sort orders by id alone", sqlq.Postgres, certsum.DecisionSummarySchema, nil,
			`ORDER BY s.id COLLATE "C" ASC NULLS FIRST`},
		{"descending keys put nulls last; date-times need no collation", sqlq.Postgres, certsum.CertificationSchema,
			[]query.SortKey{{Field: "due", Desc: true}, {Field: "name"}},
			`ORDER BY c.due DESC NULLS LAST, c.name COLLATE "C" ASC NULLS FIRST, c.id COLLATE "C" ASC NULLS FIRST`},
		{"default keys need not be sortable", sqlq.SQLite, certsum.PermissionSchema, nil,
			"ORDER BY p.target COLLATE BINARY ASC NULLS FIRST, p.id COLLATE BINARY ASC NULLS FIRST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sqlq.OrderBy(tc.d, tc.schema, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("OrderBy =\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}

func TestOrderByRejectsFieldsOutsideTheSchema(t *testing.T) {
	for _, keys := range [][]query.SortKey{
		{{Field: "s.name; DROP TABLE x"}},
		{{Field: "rights"}}, // a collection
	} {
		if got, err := sqlq.OrderBy(sqlq.SQLite, certsum.PermissionSchema, keys); err == nil {
			t.Errorf("OrderBy(%v) = %q, want an error", keys, got)
		}
	}
}

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "50%": `50\%`, "a_b": `a\_b`, `back\slash`: `back\\slash`, `%_\`: `\%\_\\`, "": "",
	} {
		if got := sqlq.EscapeLike(in); got != want {
			t.Errorf("EscapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueBindsByDialectConvention(t *testing.T) {
	ts := time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	tests := []struct {
		name string
		d    sqlq.Dialect
		lit  query.Literal
		want any
	}{
		{"integral numbers bind as int64", sqlq.SQLite, query.NumberLit{Value: 3}, int64(3)},
		{"fractional numbers bind as float64", sqlq.Postgres, query.NumberLit{Value: 2.5}, 2.5},
		{"huge numbers stay float64", sqlq.SQLite, query.NumberLit{Value: 1e300}, 1e300},
		{"booleans bind as bool", sqlq.SQLite, query.BoolLit{Value: true}, true},
		{"date-times bind as text in SQLite", sqlq.SQLite, query.TimeLit{Value: ts}, "2030-01-02T03:04:05.006Z"},
		{"date-times bind as time.Time in PostgreSQL", sqlq.Postgres, query.TimeLit{Value: ts}, ts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqlq.Value(tc.d, tc.lit); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Value = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// FuzzCompile checks that compiling any filter that validates never panics and binds
// exactly one argument per placeholder in both dialects, after a statement's own argument.
func FuzzCompile(f *testing.F) {
	for _, tc := range compileCases {
		f.Add(tc.filter)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := query.Parse(src)
		if err != nil {
			return
		}
		valid := query.Validate(e, diffSchema) == nil
		for _, d := range dialects {
			args := &sqlq.Args{Dialect: d}
			args.Add("first")
			sql, err := sqlq.Where(diffSchema, e, args)
			if !valid {
				if err == nil {
					t.Fatalf("Where compiled invalid filter %q", src)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Where(%q): %v", src, err)
			}
			if n := sqlq.Placeholders(d, sql) + 1; n != len(args.Values) {
				t.Fatalf("%s: %q: %d placeholders, %d arguments\n%s", d, src, n, len(args.Values), sql)
			}
			// The filter's own last argument (when it bound any beyond the statement's) is the
			// highest placeholder; a filter such as "name isnull" binds none.
			if d == sqlq.Postgres && len(args.Values) > 1 && !strings.Contains(sql, fmt.Sprintf("$%d", len(args.Values))) {
				t.Fatalf("postgres: last placeholder $%d missing from %s", len(args.Values), sql)
			}
		}
	})
}
