package postgres

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/storetest"
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

var (
	benchOnce  sync.Once
	benchDSN   string
	benchErr   error
	benchClean func()
)

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
		ds := demo.Generate(demo.Options{Identities: storetest.BenchIdentities(), Seed: storetest.BenchSeed})
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

// bench returns the benchmark database with its largest certification.
func bench(b *testing.B) (*Store, storetest.Bench) {
	st := benchStore(b)
	cert, sids := largest(b, st)
	return st, storetest.Bench{Store: st, Cert: cert, Summaries: sids}
}

// BenchmarkReads runs the read benchmarks of storetest.Bench.
func BenchmarkReads(b *testing.B) {
	_, x := bench(b)
	x.Reads(b)
}

// BenchmarkDecide250 decides 250 decided items of the largest certification per operation,
// flipping each between APPROVE and REVOKE, so the numbers of decided items and completed
// summaries that the read benchmarks see stay as loaded (storetest.Bench.Decide250).
func BenchmarkDecide250(b *testing.B) {
	st, x := bench(b)
	rows, err := st.pool.Query(context.Background(),
		`SELECT id, decision FROM review_items WHERE cert_id = $1 AND decision IS NOT NULL ORDER BY id`, x.Cert)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	x.Decide250(b, storetest.ScanDecisions(b, rows))
}

// BenchmarkImport imports a million assignments over 100,000 identities into a fresh
// schema (storetest.BenchImport).
func BenchmarkImport(b *testing.B) {
	storetest.BenchImport(b, func(t testing.TB) certsum.Store { return mustOpen(t, Options{}) })
}

// BenchmarkGenerate generates a MANAGER campaign over 100,000 imported identities
// (storetest.BenchGenerate).
func BenchmarkGenerate(b *testing.B) {
	storetest.BenchGenerate(b, func(t testing.TB) certsum.Store { return mustOpen(t, Options{}) })
}

// BenchmarkEvidence writes the evidence ZIP of the largest certification (storetest.Bench).
func BenchmarkEvidence(b *testing.B) {
	_, x := bench(b)
	x.Evidence(b)
}
