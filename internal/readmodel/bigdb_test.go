package readmodel

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/certsum/certsum"
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
