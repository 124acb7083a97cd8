package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/query"
)

// The benchmarks run over the demo dataset (CERTSUM_BENCH_IDENTITIES identities, 100,000 by
// default, seed 1) in the database of CERTSUM_TEST_POSTGRES. The dataset is loaded into a
// schema of its own once per run; when CERTSUM_BENCH_PG_SCHEMA names a schema, that schema
// is kept, and reused as it is by later runs once it holds the dataset:
//
//	CERTSUM_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	CERTSUM_BENCH_PG_SCHEMA=certsum_bench_100k \
//	go test -run '^$' -bench . -benchtime 2s ./internal/store/postgres/
//
// BenchmarkDecide250 writes to the schema; it flips items that are already decided between
// APPROVE and REVOKE, so the numbers of decided items and completed summaries that the read
// benchmarks see stay as loaded.

const benchSeed = 1

var (
	benchOnce  sync.Once
	benchDSN   string
	benchErr   error
	benchClean func()
)

func benchIdentities() int {
	if v, err := strconv.Atoi(os.Getenv("CERTSUM_BENCH_IDENTITIES")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

// benchSchemaDSN returns the DSN of the schema holding the benchmark dataset, loading it on
// first use.
func benchSchemaDSN(b *testing.B) string {
	b.Helper()
	dsn := testDSN(b)
	benchOnce.Do(func() {
		ctx := context.Background()
		schema := os.Getenv("CERTSUM_BENCH_PG_SCHEMA")
		keep := schema != ""
		if !keep {
			schema = newSchemaName()
		}
		benchDSN = withSchema(dsn, schema)
		st, err := Open(ctx, benchDSN, Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer st.Close()
		if !keep {
			benchClean = func() {
				conn, err := pgx.Connect(context.Background(), dsn)
				if err == nil {
					_, _ = conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+quoteIdent(schema)+` CASCADE`)
					_ = conn.Close(context.Background())
				}
			}
		}
		n, err := st.CountIdentities(ctx)
		if err != nil {
			benchErr = err
			return
		}
		if n > 0 {
			fmt.Fprintf(os.Stderr, "reusing schema %s: %d identities\n", schema, n)
			return
		}
		start := time.Now()
		ds := demo.Generate(demo.Options{Identities: benchIdentities(), Seed: benchSeed})
		generated := time.Since(start)
		start = time.Now()
		if err := st.Load(ctx, ds, nil); err != nil {
			benchErr = err
			return
		}
		loaded := time.Since(start)
		s := demo.Summarize(ds)
		fmt.Fprintf(os.Stderr, "loaded schema %s: %d identities, %d certifications, %d review items; generate %s, load %s\n",
			schema, s.Identities, s.Certifications, s.Items, generated.Round(time.Millisecond), loaded.Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("load the benchmark schema: %v", benchErr)
	}
	return benchDSN
}

// TestMain drops the benchmark schema after a run that made a temporary one.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchClean != nil {
		benchClean()
	}
	os.Exit(code)
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	st, err := Open(context.Background(), benchSchemaDSN(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

func benchFilter(b *testing.B, src string, s *query.Schema) query.Expr {
	b.Helper()
	e, err := query.ParseFor(src, s)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// largest returns the certification with the most review items and the ids of its identity
// summaries in name order.
func largest(b *testing.B, st *Store) (string, []string) {
	b.Helper()
	ctx := context.Background()
	var id string
	if err := st.pool.QueryRow(ctx, `SELECT id FROM certifications ORDER BY decisions_total DESC, id LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	rows, err := st.pool.Query(ctx, `SELECT id FROM identity_summaries WHERE cert_id = $1 ORDER BY name, id`, id)
	if err != nil {
		b.Fatal(err)
	}
	sids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	return id, sids
}

func BenchmarkDecisionSummary(b *testing.B) {
	st := benchStore(b)
	cert, sids := largest(b, st)
	ten := `identitySummary.id in (`
	for i := 0; i < 10 && i < len(sids); i++ {
		if i > 0 {
			ten += ", "
		}
		ten += strconv.Quote(sids[i*len(sids)/10])
	}
	ten += ")"
	filter := benchFilter(b, ten, certsum.DecisionSummarySchema)
	b.Run("unfiltered", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.DecisionSummary(context.Background(), cert, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("10 identity summaries", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.DecisionSummary(context.Background(), cert, filter); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIdentitySummaries(b *testing.B) {
	st := benchStore(b)
	cert, sids := largest(b, st)
	open := benchFilter(b, `completed eq false`, certsum.IdentitySummarySchema)
	var openCount int
	if err := st.pool.QueryRow(context.Background(),
		`SELECT COUNT(*) FROM identity_summaries WHERE cert_id = $1 AND NOT completed`, cert).Scan(&openCount); err != nil {
		b.Fatal(err)
	}
	last := func(n int) int { return max(0, (n-1)/certsum.MaxLimit*certsum.MaxLimit) }
	cases := []struct {
		name string
		q    certsum.ListQuery
	}{
		{"first page", certsum.ListQuery{Limit: 250, Count: true}},
		{"last page", certsum.ListQuery{Limit: 250, Offset: last(len(sids)), Count: true}},
		{"first page completed eq false", certsum.ListQuery{Limit: 250, Count: true, Filter: open}},
		{"last page completed eq false", certsum.ListQuery{Limit: 250, Offset: last(openCount), Count: true, Filter: open}},
		{"first page no count", certsum.ListQuery{Limit: 250}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				p, err := st.ListIdentitySummaries(context.Background(), cert, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Items) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
	b.Logf("largest certification %s: %d identity summaries, %d open", cert, len(sids), openCount)
}

func BenchmarkAccessSummaries(b *testing.B) {
	st := benchStore(b)
	cert, _ := largest(b, st)
	for _, t := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		b.Run(string(t)+" first page", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.ListAccessSummaries(context.Background(), cert, t, certsum.ListQuery{Limit: 250, Count: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ENTITLEMENT completed eq false count only", func(b *testing.B) {
		q := certsum.ListQuery{Limit: 0, Count: true, Filter: benchFilter(b, `completed eq false`, certsum.AccessSummarySchema)}
		for b.Loop() {
			if _, err := st.ListAccessSummaries(context.Background(), cert, certsum.TypeEntitlement, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReviewItemsFirstPage(b *testing.B) {
	st := benchStore(b)
	cert, _ := largest(b, st)
	for b.Loop() {
		if _, err := st.ListReviewItems(context.Background(), cert, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250, Count: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecide250 decides 250 decided items of the largest certification per operation,
// alternating APPROVE and REVOKE so that every decision changes the approved and revoked
// counters of the item's identity summary and certification.
func BenchmarkDecide250(b *testing.B) {
	st := benchStore(b)
	cert, _ := largest(b, st)
	rows, err := st.pool.Query(context.Background(),
		`SELECT id, decision FROM review_items WHERE cert_id = $1 AND decision IS NOT NULL ORDER BY id`, cert)
	if err != nil {
		b.Fatal(err)
	}
	type item struct {
		id       string
		decision certsum.Decision
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.decision); err != nil {
			b.Fatal(err)
		}
		items = append(items, it)
	}
	rows.Close()
	if len(items) < 250 {
		b.Skipf("the largest certification has only %d decided items", len(items))
	}
	bulk, comments := true, "benchmark"
	round := 0
	for b.Loop() {
		start := (round * 250) % (len(items) - 249)
		body := make([]certsum.ReviewDecision, 250)
		for i := range body {
			it := &items[start+i]
			if it.decision == certsum.Approve {
				it.decision = certsum.Revoke
			} else {
				it.decision = certsum.Approve
			}
			body[i] = certsum.ReviewDecision{ID: it.id, Decision: it.decision, Bulk: &bulk, Comments: &comments}
		}
		round++
		if _, err := st.Decide(context.Background(), cert, "bench", body); err != nil {
			b.Fatal(err)
		}
	}
}
