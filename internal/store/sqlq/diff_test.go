package sqlq_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/query"
)

// diffSchema has a field of every type, nullable and not, with every operator the field's
// type supports, over the throw-away table the differential tests create (alias x).
var diffSchema = &query.Schema{
	Name: "differential",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: ops("eq ne gt ge lt le co sw in"), Column: "x.id"},
		{Name: "name", Type: query.TypeString, Ops: ops("eq ne gt ge lt le co sw in pr isnull"), Sortable: true, Nullable: true, Column: "x.name"},
		{Name: "nick", Type: query.TypeString, Ops: ops("eq ne co sw in"), Sortable: true, Column: "x.nick"},
		{Name: "flag", Type: query.TypeBool, Ops: ops("eq ne in"), Sortable: true, Column: "x.flag"},
		{Name: "num", Type: query.TypeNumber, Ops: ops("eq ne gt ge lt le in pr isnull"), Sortable: true, Nullable: true, Column: "x.num"},
		{Name: "due", Type: query.TypeDateTime, Ops: ops("eq ne gt ge lt le in pr isnull"), Sortable: true, Nullable: true, Column: "x.due"},
		{Name: "tags", Type: query.TypeString, Ops: ops("ca pr isnull"), Collection: true, Nullable: true, Column: "x.tags"},
	},
	DefaultSort: []query.SortKey{{Field: "name"}},
	IDColumn:    "x.id",
	IDField:     "id",
}

func ops(s string) []query.Op {
	var out []query.Op
	for _, o := range strings.Fields(s) {
		out = append(out, query.Op(o))
	}
	return out
}

// The random data deliberately mixes ASCII letters of both cases, LIKE metacharacters and
// non-ASCII letters whose case neither SQLite nor certsum folds.
var (
	alphabet = []string{"a", "A", "b", "B", "%", "_", `\`, "é", "É", " "}
	tagPool  = []string{"r", "R", "w", "x%", "É"}
	numPool  = []float64{-2, -1.5, 0, 1, 2.5, 3, 1e10}
	baseTime = time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
)

type generator struct{ r *mrand.Rand }

func (g generator) str(maxLen int) string {
	var b strings.Builder
	for range g.r.IntN(maxLen + 1) {
		b.WriteString(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

func (g generator) time() time.Time {
	return baseTime.Add(time.Duration(g.r.IntN(5)-2) * 90 * time.Minute).Add(time.Duration(g.r.IntN(3)) * time.Millisecond)
}

func (g generator) chance(p float64) bool { return g.r.Float64() < p }

func (g generator) records(n int) []query.Map {
	recs := make([]query.Map, n)
	for i := range recs {
		r := query.Map{
			"id":   fmt.Sprintf("%s#%03d", g.str(2), i),
			"nick": g.str(3),
			"flag": g.chance(0.5),
			"name": nil, "num": nil, "due": nil, "tags": nil,
		}
		if g.chance(0.8) {
			r["name"] = g.str(4)
		}
		if g.chance(0.8) {
			r["num"] = numPool[g.r.IntN(len(numPool))]
		}
		if g.chance(0.8) {
			r["due"] = g.time()
		}
		if g.chance(0.8) {
			tags := []string{}
			for _, t := range tagPool {
				if g.chance(0.4) {
					tags = append(tags, t)
				}
			}
			r["tags"] = tags
		}
		recs[i] = r
	}
	return recs
}

func (g generator) literal(t query.Type, op query.Op) query.Literal {
	switch t {
	case query.TypeBool:
		return query.BoolLit{Value: g.chance(0.5)}
	case query.TypeNumber:
		if g.chance(0.2) {
			return query.NumberLit{Value: float64(g.r.IntN(9) - 4)}
		}
		return query.NumberLit{Value: numPool[g.r.IntN(len(numPool))]}
	case query.TypeDateTime:
		return query.TimeLit{Value: g.time()}
	}
	if op == query.OpCa {
		return query.StringLit{Value: tagPool[g.r.IntN(len(tagPool))]}
	}
	return query.StringLit{Value: g.str(2)}
}

func (g generator) predicate() query.Expr {
	f := diffSchema.Fields[g.r.IntN(len(diffSchema.Fields))]
	op := f.Ops[g.r.IntN(len(f.Ops))]
	switch op {
	case query.OpPr, query.OpIsNull:
		return &query.Presence{Field: f.Name, Op: op}
	case query.OpIn, query.OpCa:
		vals := make([]query.Literal, 1+g.r.IntN(3))
		for i := range vals {
			vals[i] = g.literal(f.Type, op)
		}
		return &query.List{Field: f.Name, Op: op, Values: vals}
	}
	return &query.Compare{Field: f.Name, Op: op, Value: g.literal(f.Type, op)}
}

func (g generator) filter(depth int) query.Expr {
	if depth == 0 || g.chance(0.35) {
		return g.predicate()
	}
	switch g.r.IntN(5) {
	case 0:
		return &query.Not{X: g.filter(depth - 1)}
	case 1, 2:
		return &query.Logical{Op: query.And, Left: g.filter(depth - 1), Right: g.filter(depth - 1)}
	}
	return &query.Logical{Op: query.Or, Left: g.filter(depth - 1), Right: g.filter(depth - 1)}
}

func (g generator) sort() []query.SortKey {
	var keys []query.SortKey
	for _, f := range diffSchema.Fields {
		if f.Sortable && g.chance(0.3) {
			keys = append(keys, query.SortKey{Field: f.Name, Desc: g.chance(0.5)})
		}
	}
	g.r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys
}

// table abstracts the two databases of the differential test: SQLite through
// database/sql, PostgreSQL through a pgx connection.
type table struct {
	d       sqlq.Dialect
	name    string
	timeArg func(time.Time) any
	exec    func(q string, args ...any) error
	// strings runs q and returns its first column, one string per row.
	strings func(q string, args ...any) ([]string, error)
}

func sqlTable(db *sql.DB) table {
	return table{
		d:       sqlq.SQLite,
		timeArg: func(v time.Time) any { return v.UTC().Format(certsum.TimeLayout) },
		exec: func(q string, args ...any) error {
			_, err := db.Exec(q, args...)
			return err
		},
		strings: func(q string, args ...any) ([]string, error) {
			rows, err := db.Query(q, args...)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			out := []string{}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, rows.Err()
		},
	}
}

func pgxTable(conn *pgx.Conn) table {
	ctx := context.Background()
	return table{
		d:       sqlq.Postgres,
		timeArg: func(v time.Time) any { return v },
		exec: func(q string, args ...any) error {
			_, err := conn.Exec(ctx, q, args...)
			return err
		},
		strings: func(q string, args ...any) ([]string, error) {
			rows, err := conn.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			out, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if out == nil {
				out = []string{}
			}
			return out, err
		},
	}
}

func (tb table) insert(t *testing.T, recs []query.Map) {
	t.Helper()
	args := &sqlq.Args{Dialect: tb.d}
	var rows []string
	for _, r := range recs {
		var due, tags any
		if v, ok := r["due"].(time.Time); ok {
			due = tb.timeArg(v)
		}
		if v, ok := r["tags"].([]string); ok {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			tags = string(b)
		}
		ph := []string{args.Add(r["id"]), args.Add(r["name"]), args.Add(r["nick"]), args.Add(r["flag"]), args.Add(r["num"]), args.Add(due)}
		if tb.d == sqlq.Postgres {
			ph = append(ph, args.Add(tags)+"::jsonb")
		} else {
			ph = append(ph, args.Add(tags))
		}
		rows = append(rows, "("+strings.Join(ph, ", ")+")")
	}
	stmt := "INSERT INTO " + tb.name + " (id, name, nick, flag, num, due, tags) VALUES " + strings.Join(rows, ", ")
	if err := tb.exec(stmt, args.Values...); err != nil {
		t.Fatalf("insert: %v", err)
	}
}

func (tb table) list(t *testing.T, e query.Expr, keys []query.SortKey, limit, offset int) ([]string, int) {
	t.Helper()
	args := &sqlq.Args{Dialect: tb.d}
	where, err := sqlq.Where(diffSchema, e, args)
	if err != nil {
		t.Fatalf("Where(%s): %v", e, err)
	}
	if where != "" {
		where = " WHERE " + where
	}
	counts, err := tb.strings("SELECT CAST(count(*) AS TEXT) FROM "+tb.name+" AS x"+where, args.Values...)
	if err != nil || len(counts) != 1 {
		t.Fatalf("count%s: %v", where, err)
	}
	total, err := strconv.Atoi(counts[0])
	if err != nil {
		t.Fatal(err)
	}
	order, err := sqlq.OrderBy(tb.d, diffSchema, keys)
	if err != nil {
		t.Fatal(err)
	}
	page := sqlq.Page(limit, offset, args)
	q := "SELECT x.id FROM " + tb.name + " AS x" + where + " " + order + " " + page
	ids, err := tb.strings(q, args.Values...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return ids, total
}

// runDifferential fills tb with random records and checks, for random filters, sorters and
// pages, that the database returns exactly the ids and total that query.Select returns.
func runDifferential(t *testing.T, tb table, seed uint64, rounds int) {
	g := generator{r: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	recs := g.records(80)
	tb.insert(t, recs)
	matched := 0
	for i := range rounds {
		e := g.filter(3)
		if i%10 == 0 {
			e = nil
		}
		if e != nil {
			// The generated tree must be one the parser could have produced.
			back, err := query.ParseFor(e.String(), diffSchema)
			if err != nil || !reflect.DeepEqual(back, e) {
				t.Fatalf("generated filter %s does not round-trip: %v", e, err)
			}
		}
		keys := g.sort()
		limit, offset := g.r.IntN(len(recs)+5), g.r.IntN(len(recs)/2)
		if g.chance(0.3) {
			limit, offset = len(recs), 0
		}
		want, wantTotal, err := query.Select(diffSchema, recs, e, keys, limit, offset)
		if err != nil {
			t.Fatalf("Select(%s): %v", e, err)
		}
		wantIDs := []string{}
		for _, r := range want {
			wantIDs = append(wantIDs, r["id"].(string))
		}
		gotIDs, gotTotal := tb.list(t, e, keys, limit, offset)
		if gotTotal != wantTotal || !slices.Equal(gotIDs, wantIDs) {
			t.Fatalf("%s: seed %d round %d\nfilters=%v sorters=%v limit=%d offset=%d\n got %d %q\nwant %d %q",
				tb.d, seed, i, e, keys, limit, offset, gotTotal, gotIDs, wantTotal, wantIDs)
		}
		if wantTotal > 0 && wantTotal < len(recs) {
			matched++
		}
	}
	// Guard against a generator that only ever matches everything or nothing.
	if matched < rounds/4 {
		t.Fatalf("only %d of %d filters selected a proper subset; the test proves little", matched, rounds)
	}
}

func TestSQLiteMatchesEval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "diff.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	tb := sqlTable(db)
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			tb.name = fmt.Sprintf("things_%d", seed)
			if err := tb.exec(`CREATE TABLE ` + tb.name + ` (id TEXT PRIMARY KEY, name TEXT, nick TEXT NOT NULL,
				flag INTEGER NOT NULL, num REAL, due TEXT, tags TEXT)`); err != nil {
				t.Fatal(err)
			}
			runDifferential(t, tb, seed, 300)
		})
	}
	t.Run("the largest filters the limits allow run", func(t *testing.T) {
		tb.name = "things_large"
		if err := tb.exec(`CREATE TABLE ` + tb.name + ` (id TEXT PRIMARY KEY, name TEXT, nick TEXT NOT NULL,
			flag INTEGER NOT NULL, num REAL, due TEXT, tags TEXT)`); err != nil {
			t.Fatal(err)
		}
		tb.insert(t, []query.Map{{"id": "a", "name": "a", "nick": "n", "flag": true, "num": 1.0, "due": nil, "tags": []string{"A"}}})
		testLargestFilters(t, tb)
	})
}

// postgresDSN returns CERTSUM_TEST_POSTGRES, skipping the test when it is unset unless
// CERTSUM_TEST_REQUIRE_SERVICES=1 demands it.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("CERTSUM_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CERTSUM_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("CERTSUM_TEST_POSTGRES is not set but CERTSUM_TEST_REQUIRE_SERVICES=1")
		}
		t.Skip("set CERTSUM_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL differential test")
	}
	return dsn
}

func TestPostgresMatchesEval(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, postgresDSN(t))
	if err != nil {
		t.Fatalf("connect to CERTSUM_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tb := pgxTable(conn)
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			suffix := make([]byte, 6)
			if _, err := rand.Read(suffix); err != nil {
				t.Fatal(err)
			}
			tb.name = "sqlq_diff_" + hex.EncodeToString(suffix)
			if err := tb.exec(`CREATE TABLE ` + tb.name + ` (id text PRIMARY KEY, name text, nick text NOT NULL,
				flag boolean NOT NULL, num double precision, due timestamptz, tags jsonb)`); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := tb.exec(`DROP TABLE IF EXISTS ` + tb.name); err != nil {
					t.Errorf("drop %s: %v", tb.name, err)
				}
			})
			runDifferential(t, tb, seed, 300)
		})
	}
	t.Run("the largest filters the limits allow run", func(t *testing.T) {
		tb.name = "sqlq_large_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if err := tb.exec(`CREATE TABLE ` + tb.name + ` (id text PRIMARY KEY, name text, nick text NOT NULL,
			flag boolean NOT NULL, num double precision, due timestamptz, tags jsonb)`); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := tb.exec(`DROP TABLE IF EXISTS ` + tb.name); err != nil {
				t.Errorf("drop %s: %v", tb.name, err)
			}
		})
		tb.insert(t, []query.Map{{"id": "a", "name": "a", "nick": "n", "flag": true, "num": 1.0, "due": nil, "tags": []string{"A"}}})
		testLargestFilters(t, tb)
	})
}

// largestFilters are the biggest filters the parser's limits allow: the longest chains of
// the shortest predicates and the longest lists.
func largestFilters(t *testing.T) []query.Expr {
	t.Helper()
	vals := make([]string, query.MaxListLength)
	for i := range vals {
		vals[i] = fmt.Sprintf(`"%c%d"`, 'a'+i%2*('A'-'a'), i) // "a0","A1",… all distinct
	}
	list := strings.Join(vals, ",")
	var out []query.Expr
	for _, src := range []string{
		strings.TrimSuffix(strings.Repeat("pr num or ", query.MaxFilterLength/10), " or "),
		strings.TrimSuffix(strings.Repeat("not name isnull and ", query.MaxFilterLength/20), " and "),
		strings.Repeat("not (", 16) + "name eq \"a\"" + strings.Repeat(")", 16),
		"tags ca (" + list + ")",
		"name in (" + list + ") or id in (" + list + ")",
	} {
		e, err := query.ParseFor(src, diffSchema)
		if err != nil {
			t.Fatalf("%.40s…: %v", src, err)
		}
		out = append(out, e)
	}
	return out
}

func testLargestFilters(t *testing.T, tb table) {
	for _, e := range largestFilters(t) {
		recs := []query.Map{{"id": "a", "name": "a", "nick": "n", "flag": true, "num": 1.0, "due": nil, "tags": []string{"A"}}}
		want, _, err := query.Select(diffSchema, recs, e, nil, -1, 0)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, _ := tb.list(t, e, nil, 10, 0)
		t.Logf("%s: %.30s… took %v", tb.d, e, time.Since(start))
		if len(got) != len(want) {
			t.Errorf("%.60s…: %d rows, want %d", e, len(got), len(want))
		}
	}
}
