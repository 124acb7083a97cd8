package readmodel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// The tests in this file measure the read model on a large database built with
// `certsum demo --identities 100000 --db FILE`: CERTSUM_READMODEL_DB=FILE enables them.

// mustBigDB opens the database named by CERTSUM_READMODEL_DB and finds its largest
// certification, or skips.
func mustBigDB(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	path := os.Getenv("CERTSUM_READMODEL_DB")
	if path == "" {
		tb.Skip("set CERTSUM_READMODEL_DB to a database built by `certsum demo --identities 100000` to run this measurement")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	ix, err := st.ReadCertificationIndex(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	best, most := "", -1
	for _, c := range ix {
		if c.Certification.DecisionsTotal > most {
			best, most = c.Certification.ID, c.Certification.DecisionsTotal
		}
	}
	return st, best
}

// cpuTime is the process's user and system CPU time so far, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestBigCertification reports the build time and memory of the largest certification's
// model, with and without its review items.
func TestBigCertification(t *testing.T) {
	st, certID := mustBigDB(t)
	ctx := context.Background()
	for _, items := range bigItems() {
		before := heapInUse()
		m, err := New(st, Options{Budget: 8 << 30})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := m.Warm(ctx, certID, items); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		after := heapInUse()
		t.Logf("items=%t: built in %s; heap in use +%d MiB; estimated %d MiB", items, took.Round(time.Millisecond),
			(int64(after)-int64(before))>>20, m.UsedBytes()>>20)
		b, total, err := m.AppendIdentitySummaries(ctx, nil, certID, certsum.ListQuery{Limit: 250, Offset: 99000, Count: true})
		if err != nil || total <= 0 || len(b) < 100 {
			t.Fatalf("page: %d bytes, total %d, %v", len(b), total, err)
		}
		_ = m.Close()
	}
}

// bigItems lists the variants TestBigCertification builds (CERTSUM_READMODEL_ITEMS=only
// builds the one with review items, =no the one without).
func bigItems() []bool {
	switch os.Getenv("CERTSUM_READMODEL_ITEMS") {
	case "only":
		return []bool{true}
	case "no":
		return []bool{false}
	}
	return []bool{false, true}
}

// BenchmarkHTTPBigCertification measures whole requests through httpapi (middleware chain,
// token verification, the read model) on the largest certification of CERTSUM_READMODEL_DB,
// without the network: the server's own cost per request for each endpoint shape.
func BenchmarkHTTPBigCertification(b *testing.B) {
	st, certID := mustBigDB(b)
	ctx := context.Background()
	m, err := New(st, Options{Budget: 4 << 30})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	if err := m.Warm(ctx, certID, false); err != nil {
		b.Fatal(err)
	}
	svc, err := auth.New(auth.Options{Store: st, Issuer: "bench", Sealer: auth.EphemeralSealer()})
	if err != nil {
		b.Fatal(err)
	}
	admin, err := svc.EnsureAdminIdentity(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := svc.CreateClient(ctx, auth.ClientSpec{Identity: admin.ID, Levels: []string{certsum.LevelOrgAdmin}})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.Issue(ctx, c.ID, secret, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := httpapi.New(httpapi.Options{Store: m, Auth: svc})
	base := "/v2024/certifications/" + certID
	sum, err := m.ListIdentitySummaries(ctx, certID, certsum.ListQuery{Limit: 1, Offset: 5000})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"decision-summary", "/decision-summary"},
		{"identity-summary", "/identity-summaries/" + sum.Items[0].ID},
		{"page-first", "/identity-summaries?limit=250&offset=0&sorters=name&count=true"},
		{"page-99500", "/identity-summaries?limit=250&offset=99500&sorters=name&count=true"},
		{"page-incomplete-50000", "/identity-summaries?limit=250&offset=50000&sorters=name&count=true&filters=completed%20eq%20false"},
		{"page-sw-J", "/identity-summaries?limit=250&offset=5000&sorters=name&count=true&filters=name%20sw%20%22J%22"},
		{"page-complete-sw-M", "/identity-summaries?limit=250&offset=500&sorters=name&count=true&filters=completed%20eq%20true%20and%20name%20sw%20%22M%22"},
		{"access-entitlements", "/access-summaries/ENTITLEMENT?limit=250&offset=0&sorters=access.name&count=true"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, base+bc.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.path, w.Code, w.Body.String())
				}
			}
			// The machine is shared: CPU time per request says more than wall time.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
