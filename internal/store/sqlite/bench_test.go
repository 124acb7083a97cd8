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
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
)

// The benchmarks run over the demo dataset (CERTSUM_BENCH_IDENTITIES identities, 100,000 by
// default, seed 1). The database is built once and cached in os.TempDir() under a name keyed
// by seed, size and the migrations, or kept at CERTSUM_BENCH_DB when that is set.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/store/sqlite/

const benchSeed = 1

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func benchIdentities() int {
	if v, err := strconv.Atoi(os.Getenv("CERTSUM_BENCH_IDENTITIES")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

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
		n := benchIdentities()
		benchPath = os.Getenv("CERTSUM_BENCH_DB")
		if benchPath == "" {
			benchPath = filepath.Join(os.TempDir(), fmt.Sprintf("certsum-bench-seed%d-%d-%s.db", benchSeed, n, migrationsHash()))
		}
		if _, err := os.Stat(benchPath); err == nil {
			return
		}
		start := time.Now()
		ds := demo.Generate(demo.Options{Identities: n, Seed: benchSeed})
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

// loop runs fn b.N times and also reports the process CPU time per operation, which is what
// an operation costs whatever else the (shared) machine is doing.
func loop(b *testing.B, fn func() error) {
	b.Helper()
	start := cpuTime()
	for b.Loop() {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

func BenchmarkDecisionSummary(b *testing.B) {
	st := benchStore(b, false)
	cert, sids := largest(b, st)
	ten := `identitySummary.id in (`
	for i := 0; i < 10 && i < len(sids); i++ {
		if i > 0 {
			ten += ", "
		}
		ten += strconv.Quote(sids[i*len(sids)/10])
	}
	ten += ")"
	filter := mustFilter(b, ten, certsum.DecisionSummarySchema)
	b.Run("unfiltered", func(b *testing.B) {
		loop(b, func() error {
			_, err := st.DecisionSummary(context.Background(), cert, nil)
			return err
		})
	})
	b.Run("10 identity summaries", func(b *testing.B) {
		loop(b, func() error {
			_, err := st.DecisionSummary(context.Background(), cert, filter)
			return err
		})
	})
}

func BenchmarkIdentitySummaries(b *testing.B) {
	st := benchStore(b, false)
	cert, sids := largest(b, st)
	open := mustFilter(b, `completed eq false`, certsum.IdentitySummarySchema)
	var openCount int
	if err := st.read.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM identity_summaries WHERE cert_key = (SELECT key FROM certifications WHERE id = ?) AND completed = 0`, cert).Scan(&openCount); err != nil {
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
		{"first page name sw with count", certsum.ListQuery{Limit: 250, Count: true,
			Filter: mustFilter(b, `name sw "a"`, certsum.IdentitySummarySchema)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			loop(b, func() error {
				p, err := st.ListIdentitySummaries(context.Background(), cert, tc.q)
				if err == nil && len(p.Items) == 0 {
					err = fmt.Errorf("empty page")
				}
				return err
			})
		})
	}
	b.Logf("largest certification %s: %d identity summaries, %d open", cert, len(sids), openCount)
}

func BenchmarkAccessSummaries(b *testing.B) {
	st := benchStore(b, false)
	cert, _ := largest(b, st)
	for _, t := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		b.Run(string(t)+" first page", func(b *testing.B) {
			loop(b, func() error {
				_, err := st.ListAccessSummaries(context.Background(), cert, t, certsum.ListQuery{Limit: 250, Count: true})
				return err
			})
		})
	}
	b.Run("ENTITLEMENT completed eq false count only", func(b *testing.B) {
		q := certsum.ListQuery{Limit: 0, Count: true, Filter: mustFilter(b, `completed eq false`, certsum.AccessSummarySchema)}
		loop(b, func() error {
			_, err := st.ListAccessSummaries(context.Background(), cert, certsum.TypeEntitlement, q)
			return err
		})
	})
}

func BenchmarkReviewItems(b *testing.B) {
	st := benchStore(b, false)
	cert, sids := largest(b, st)
	cases := []struct {
		name string
		q    certsum.ListQuery
	}{
		{"first page", certsum.ListQuery{Limit: 250, Count: true}},
		{"one identity summary", certsum.ListQuery{Limit: 250, Count: true,
			Filter: mustFilter(b, `identitySummary.id eq `+strconv.Quote(sids[len(sids)/2]), certsum.ReviewItemSchema)}},
		{"first page access.type eq ROLE with count", certsum.ListQuery{Limit: 250, Count: true,
			Filter: mustFilter(b, `access.type eq "ROLE"`, certsum.ReviewItemSchema)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			loop(b, func() error {
				_, err := st.ListReviewItems(context.Background(), cert, certsum.ReviewItemFilter{}, tc.q)
				return err
			})
		})
	}
}

// BenchmarkDecide250 decides 250 open items of the largest certification per operation,
// alternating APPROVE and REVOKE so that every decision changes every counter.
func BenchmarkDecide250(b *testing.B) {
	st := benchStore(b, true)
	cert, _ := largest(b, st)
	rows, err := st.read.QueryContext(context.Background(),
		`SELECT id FROM review_items WHERE cert_key = (SELECT key FROM certifications WHERE id = ?) ORDER BY id`, cert)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 250 {
		b.Skipf("the largest certification has only %d items", len(ids))
	}
	round := 0
	loop(b, func() error {
		start := (round * 250) % (len(ids) - 249)
		body := make([]certsum.ReviewDecision, 250)
		for i := range body {
			d := certsum.Approve
			if (i+round)%2 == 0 {
				d = certsum.Revoke
			}
			body[i] = certsum.ReviewDecision{ID: ids[start+i], Decision: d, Bulk: ptr(true), Comments: ptr("benchmark")}
		}
		round++
		_, err := st.Decide(context.Background(), cert, "bench", body)
		return err
	})
}

// BenchmarkPrepare compares a query prepared per call with a prepared statement, the cost
// that statement caching saves.
func BenchmarkPrepare(b *testing.B) {
	st := benchStore(b, false)
	cert, _ := largest(b, st)
	const q = `SELECT ` + "ent_total, ent_approved, ent_revoked" + ` FROM certifications WHERE id = ?`
	b.Run("per call", func(b *testing.B) {
		loop(b, func() error {
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
		loop(b, func() error {
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
