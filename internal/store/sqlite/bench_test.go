package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/storetest"
)

// The benchmarks run over the demo dataset (CERTSUM_BENCH_IDENTITIES identities, 100,000 by
// default, seed 1). The database is built once and cached in os.TempDir() under a name keyed
// by seed, size and the migrations, or kept at CERTSUM_BENCH_DB when that is set.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/store/sqlite/

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// migrationsHash names the schema the cached database was built with.
func migrationsHash() string {
	h := sha256.New()
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := migrationFS.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// benchDB returns the path of the cached demo database, building it on first use.
func benchDB(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		n := storetest.BenchIdentities()
		benchPath = os.Getenv("CERTSUM_BENCH_DB")
		if benchPath == "" {
			benchPath = filepath.Join(os.TempDir(), fmt.Sprintf("certsum-bench-seed%d-%d-%s.db", storetest.BenchSeed, n, migrationsHash()))
		}
		if _, err := os.Stat(benchPath); err == nil {
			return
		}
		start := time.Now()
		ds := demo.Generate(demo.Options{Identities: n, Seed: storetest.BenchSeed})
		generated := time.Since(start)
		tmp := benchPath + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(tmp + suffix)
		}
		st, err := Open(context.Background(), tmp, Options{})
		if err != nil {
			benchErr = err
			return
		}
		start = time.Now()
		if err := st.Load(context.Background(), ds, nil); err != nil {
			_ = st.Close()
			benchErr = err
			return
		}
		loaded := time.Since(start)
		if _, err := st.write.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			benchErr = err
		}
		_ = st.Close()
		if benchErr == nil {
			benchErr = os.Rename(tmp, benchPath)
		}
		s := demo.Summarize(ds)
		fmt.Fprintf(os.Stderr, "built %s: %d identities, %d certifications, %d review items; generate %s, load %s\n",
			benchPath, s.Identities, s.Certifications, s.Items, generated.Round(time.Millisecond), loaded.Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("build benchmark database: %v", benchErr)
	}
	return benchPath
}

// benchStore opens the cached database. Benchmarks that write get their own copy.
func benchStore(b *testing.B, writable bool) *Store {
	b.Helper()
	path := benchDB(b)
	if writable {
		dst := filepath.Join(b.TempDir(), "bench.db")
		if err := copyFile(path, dst); err != nil {
			b.Fatal(err)
		}
		path = dst
	}
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o600)
}

// largest returns the certification with the most review items and the ids of its identity
// summaries in name order.
func largest(b *testing.B, st *Store) (string, []string) {
	b.Helper()
	var id string
	var key int64
	if err := st.read.QueryRowContext(context.Background(),
		`SELECT id, key FROM certifications ORDER BY decisions_total DESC, id LIMIT 1`).Scan(&id, &key); err != nil {
		b.Fatal(err)
	}
	rows, err := st.read.QueryContext(context.Background(),
		`SELECT id FROM identity_summaries WHERE cert_key = ? ORDER BY name, id`, key)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var sids []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		sids = append(sids, s)
	}
	return id, sids
}

// bench returns the benchmark database with its largest certification.
func bench(b *testing.B, writable bool) (*Store, storetest.Bench) {
	st := benchStore(b, writable)
	cert, sids := largest(b, st)
	return st, storetest.Bench{Store: st, Cert: cert, Summaries: sids}
}

// BenchmarkReads runs the read benchmarks of storetest.Bench.
func BenchmarkReads(b *testing.B) {
	_, x := bench(b, false)
	x.Reads(b)
}

// BenchmarkDecide250 decides 250 items of the largest certification per operation, in id
// order, on a copy of the benchmark database (storetest.Bench.Decide250).
func BenchmarkDecide250(b *testing.B) {
	st, x := bench(b, true)
	rows, err := st.read.QueryContext(context.Background(), `SELECT id, COALESCE(decision, '') FROM review_items
		WHERE cert_key = (SELECT key FROM certifications WHERE id = ?) ORDER BY id`, x.Cert)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	x.Decide250(b, storetest.ScanDecisions(b, rows))
}

// BenchmarkPrepare compares a query prepared per call with a prepared statement, the cost
// that statement caching saves.
func BenchmarkPrepare(b *testing.B) {
	st := benchStore(b, false)
	cert, _ := largest(b, st)
	const q = `SELECT ` + "ent_total, ent_approved, ent_revoked" + ` FROM certifications WHERE id = ?`
	b.Run("per call", func(b *testing.B) {
		storetest.Loop(b, func() error {
			var x, y, z int
			return st.read.QueryRowContext(context.Background(), q, cert).Scan(&x, &y, &z)
		})
	})
	b.Run("prepared", func(b *testing.B) {
		stmt, err := st.read.PrepareContext(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		storetest.Loop(b, func() error {
			var x, y, z int
			return stmt.QueryRowContext(context.Background(), cert).Scan(&x, &y, &z)
		})
	})
}

// BenchmarkChangeMark is the read path's per-request freshness check, both ways a SQLite
// store offers it: the wal-index header mapped through the store's own descriptor of the
// -shm file, and PRAGMA data_version on a dedicated connection.
func BenchmarkChangeMark(b *testing.B) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "mark.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateIdentity(ctx, &certsum.Identity{ID: "x", Name: "X"}); err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"wal-index", "data_version"} {
		b.Run(kind, func(b *testing.B) {
			cm, err := st.OpenChangeMark(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer cm.Close()
			d := cm.(*dataVersion)
			if kind == "data_version" {
				_ = d.idx.close()
				d.idx = nil
			} else if d.idx == nil {
				b.Fatal("the wal-index header was not mapped")
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cm.Mark(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImport imports a million assignments over 100,000 identities into a fresh
// database file (storetest.BenchImport).
func BenchmarkImport(b *testing.B) {
	storetest.BenchImport(b, func(t testing.TB) certsum.Store {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "import.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// BenchmarkGenerate generates a MANAGER campaign over 100,000 imported identities
// (storetest.BenchGenerate).
func BenchmarkGenerate(b *testing.B) {
	storetest.BenchGenerate(b, func(t testing.TB) certsum.Store {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "generate.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// BenchmarkEvidence writes the evidence ZIP of the largest certification (storetest.Bench).
func BenchmarkEvidence(b *testing.B) {
	_, x := bench(b, false)
	x.Evidence(b)
}
