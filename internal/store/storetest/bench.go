package storetest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
	"github.com/certsum/certsum/internal/inventory"
	"github.com/certsum/certsum/query"
)

// The store benchmarks, written once for every backend: each backend's bench_test.go opens
// its benchmark database and names the largest certification (Bench), and the benchmarks
// go through certsum.Store alone.

// BenchSeed is the seed of the demo dataset the benchmarks run over.
const BenchSeed = 1

// BenchIdentities is the size of the benchmark dataset: CERTSUM_BENCH_IDENTITIES
// identities, 100,000 by default.
func BenchIdentities() int {
	if v, err := strconv.Atoi(os.Getenv("CERTSUM_BENCH_IDENTITIES")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

// Reads runs every read benchmark as a sub-benchmark.
func (x Bench) Reads(b *testing.B) {
	b.Run("DecisionSummary", x.DecisionSummary)
	b.Run("IdentitySummaries", x.IdentitySummaries)
	b.Run("AccessSummaries", x.AccessSummaries)
	b.Run("ReviewItems", x.ReviewItems)
	b.Run("Rollups", x.Rollups)
}

// Bench is a benchmark database: a store and its largest certification, with the ids of
// that certification's identity summaries in name order.
type Bench struct {
	Store     certsum.Store
	Cert      string
	Summaries []string
}

func benchFilter(b *testing.B, src string, s *query.Schema) query.Expr {
	b.Helper()
	e, err := query.ParseFor(src, s)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// Loop runs fn b.N times and also reports the process CPU time per operation (where the
// system tells it), which is what an operation costs whatever else the shared machine is
// doing.
func Loop(b *testing.B, fn func() error) {
	b.Helper()
	start := cpuTime()
	for b.Loop() {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	if start >= 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

// Rollups benchmarks the roll-ups of the campaign with the most certifications: its figures,
// and pages of its reviewers' progress in the default order and by remaining work.
func (x Bench) Rollups(b *testing.B) {
	ctx := context.Background()
	campaigns, err := x.Store.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		b.Fatal(err)
	}
	var k certsum.Campaign
	for _, c := range campaigns.Items {
		if c.TotalCertifications > k.TotalCertifications {
			k = c
		}
	}
	b.Logf("campaign %s: %d certifications", k.Name, k.TotalCertifications)
	b.Run("campaign figures", func(b *testing.B) {
		Loop(b, func() error {
			_, err := x.Store.CampaignRollup(ctx, k.ID)
			return err
		})
	})
	remaining := []query.SortKey{{Field: "remaining", Desc: true}}
	for _, tc := range []struct {
		name string
		q    certsum.ListQuery
	}{
		{"reviewers first page", certsum.ListQuery{Limit: 50}},
		{"reviewers by remaining with count", certsum.ListQuery{Limit: 50, Sort: remaining, Count: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			Loop(b, func() error {
				_, err := x.Store.ListReviewerProgress(ctx, k.ID, tc.q)
				return err
			})
		})
	}
}

// DecisionSummary benchmarks the decision summary, unfiltered and over 10 identity summaries.
func (x Bench) DecisionSummary(b *testing.B) {
	ten := `identitySummary.id in (`
	for i := 0; i < 10 && i < len(x.Summaries); i++ {
		if i > 0 {
			ten += ", "
		}
		ten += strconv.Quote(x.Summaries[i*len(x.Summaries)/10])
	}
	filter := benchFilter(b, ten+")", certsum.DecisionSummarySchema)
	for _, tc := range []struct {
		name   string
		filter query.Expr
	}{{"unfiltered", nil}, {"10 identity summaries", filter}} {
		b.Run(tc.name, func(b *testing.B) {
			Loop(b, func() error {
				_, err := x.Store.DecisionSummary(context.Background(), x.Cert, tc.filter)
				return err
			})
		})
	}
}

// IdentitySummaries benchmarks pages of identity summaries at the start and the end, open
// or all, with and without a count.
func (x Bench) IdentitySummaries(b *testing.B) {
	ctx := context.Background()
	open := benchFilter(b, `completed eq false`, certsum.IdentitySummarySchema)
	p, err := x.Store.ListIdentitySummaries(ctx, x.Cert, certsum.ListQuery{Limit: 1, Count: true, Filter: open})
	if err != nil {
		b.Fatal(err)
	}
	openCount := p.Total
	last := func(n int) int { return max(0, (n-1)/certsum.MaxLimit*certsum.MaxLimit) }
	cases := []struct {
		name string
		q    certsum.ListQuery
	}{
		{"first page", certsum.ListQuery{Limit: 250, Count: true}},
		{"last page", certsum.ListQuery{Limit: 250, Offset: last(len(x.Summaries)), Count: true}},
		{"first page completed eq false", certsum.ListQuery{Limit: 250, Count: true, Filter: open}},
		{"last page completed eq false", certsum.ListQuery{Limit: 250, Offset: last(openCount), Count: true, Filter: open}},
		{"first page no count", certsum.ListQuery{Limit: 250}},
		{"first page name sw with count", certsum.ListQuery{Limit: 250, Count: true,
			Filter: benchFilter(b, `name sw "a"`, certsum.IdentitySummarySchema)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			Loop(b, func() error {
				p, err := x.Store.ListIdentitySummaries(ctx, x.Cert, tc.q)
				if err == nil && len(p.Items) == 0 {
					err = fmt.Errorf("empty page")
				}
				return err
			})
		})
	}
	b.Logf("largest certification %s: %d identity summaries, %d open", x.Cert, len(x.Summaries), openCount)
}

// AccessSummaries benchmarks the first page of each type and an entitlement count.
func (x Bench) AccessSummaries(b *testing.B) {
	ctx := context.Background()
	for _, t := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		b.Run(string(t)+" first page", func(b *testing.B) {
			Loop(b, func() error {
				_, err := x.Store.ListAccessSummaries(ctx, x.Cert, t, certsum.ListQuery{Limit: 250, Count: true})
				return err
			})
		})
	}
	b.Run("ENTITLEMENT completed eq false count only", func(b *testing.B) {
		q := certsum.ListQuery{Limit: 0, Count: true, Filter: benchFilter(b, `completed eq false`, certsum.AccessSummarySchema)}
		Loop(b, func() error {
			_, err := x.Store.ListAccessSummaries(ctx, x.Cert, certsum.TypeEntitlement, q)
			return err
		})
	})
}

// ReviewItems benchmarks the first page of review items, one identity summary's items and
// the items of one access type.
func (x Bench) ReviewItems(b *testing.B) {
	cases := []struct {
		name string
		q    certsum.ListQuery
	}{
		{"first page", certsum.ListQuery{Limit: 250, Count: true}},
		{"one identity summary", certsum.ListQuery{Limit: 250, Count: true,
			Filter: benchFilter(b, `identitySummary.id eq `+strconv.Quote(x.Summaries[len(x.Summaries)/2]), certsum.ReviewItemSchema)}},
		{"first page access.type eq ROLE with count", certsum.ListQuery{Limit: 250, Count: true,
			Filter: benchFilter(b, `access.type eq "ROLE"`, certsum.ReviewItemSchema)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			Loop(b, func() error {
				_, err := x.Store.ListReviewItems(context.Background(), x.Cert, certsum.ReviewItemFilter{}, tc.q)
				return err
			})
		})
	}
}

// Rows is a result set of either driver.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanDecisions reads rows of (item id, decision or "") for Decide250.
func ScanDecisions(b *testing.B, rows Rows) []certsum.AccessReviewItem {
	b.Helper()
	var items []certsum.AccessReviewItem
	for rows.Next() {
		var it certsum.AccessReviewItem
		if err := rows.Scan(&it.ID, &it.Decision); err != nil {
			b.Fatal(err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return items
}

// Decide250 decides 250 items of the certification per operation, walking items (ids with
// their current decisions) in order and flipping each between APPROVE and REVOKE (an open
// item becomes REVOKE), so that every decision changes the counters of its identity summary
// and certification.
func (x Bench) Decide250(b *testing.B, items []certsum.AccessReviewItem) {
	if len(items) < 250 {
		b.Skipf("the largest certification has only %d such items", len(items))
	}
	bulk, comments := true, "benchmark"
	round := 0
	Loop(b, func() error {
		start := (round * 250) % (len(items) - 249)
		body := make([]certsum.ReviewDecision, 250)
		for i := range body {
			it := &items[start+i]
			if it.Decision == certsum.Revoke {
				it.Decision = certsum.Approve
			} else {
				it.Decision = certsum.Revoke
			}
			body[i] = certsum.ReviewDecision{ID: it.ID, Decision: it.Decision, Bulk: &bulk, Comments: &comments}
		}
		round++
		_, err := x.Store.Decide(context.Background(), x.Cert, "bench", body)
		return err
	})
}

// BenchImport imports inventory.Synthetic(BenchIdentities(), 10) — a million assignments
// over 100,000 identities by default — into a fresh store per operation, then imports it
// again unchanged, reporting that second import as reimport-s.
//
//	go test -run '^$' -bench Import -benchtime 1x ./internal/store/sqlite/
func BenchImport(b *testing.B, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	n := BenchIdentities()
	var reimport time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := newStore(b)
		in := inventory.Synthetic(n, 10, BenchSeed)
		again := inventory.Synthetic(n, 10, BenchSeed)
		b.ReportMetric(float64(len(in.Assignments)), "assignments")
		b.StartTimer()
		r, err := st.ImportInventory(ctx, in, certsum.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !r.Changed {
			b.Fatal("the first import changed nothing")
		}
		b.StopTimer()
		start := time.Now()
		r, err = st.ImportInventory(ctx, again, certsum.ImportOptions{})
		if err != nil || r.Changed {
			b.Fatalf("the repeated import: changed %v, err %v", r != nil && r.Changed, err)
		}
		reimport += time.Since(start)
		_ = st.Close()
	}
	b.ReportMetric(reimport.Seconds()/float64(b.N), "reimport-s")
}

// BenchGenerate generates a MANAGER campaign over inventory.Synthetic(BenchIdentities(),
// 10) per operation (the import is not timed) and reports the campaign's review items and
// the largest heap seen while it ran (peak-heap-MB), which stays flat as identities grow.
//
//	go test -run '^$' -bench Generate -benchtime 1x ./internal/store/sqlite/
func BenchGenerate(b *testing.B, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	n := BenchIdentities()
	desc := "benchmark"
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := newStore(b)
		if _, err := st.ImportInventory(ctx, inventory.Synthetic(n, 10, BenchSeed), certsum.ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		k := &certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager}
		if err := st.CreateCampaign(ctx, k, "u000000"); err != nil {
			b.Fatal(err)
		}
		peak := PeakHeap()
		b.StartTimer()
		got, err := st.GenerateCampaign(ctx, k.ID, nil)
		b.StopTimer()
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		if err != nil || got.Status != certsum.StatusStaged {
			b.Fatalf("generate: %v (%v)", err, got)
		}
		b.ReportMetric(float64(got.TotalCertifications), "certifications")
		_ = st.Close()
	}
}

// PeakHeap starts watching the heap in use (after a collection) and returns a function that
// stops watching and gives the largest value seen.
func PeakHeap() func() uint64 {
	runtime.GC()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max {
				max = ms.HeapInuse
			}
			select {
			case <-stop:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		return <-peak
	}
}

// countingDiscard counts what is written to it.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// Evidence writes the evidence ZIP of the largest certification per operation and reports
// its items, its size and the largest heap seen (peak-heap-MB), which stays flat however many
// items the certification has.
//
//	go test -run '^$' -bench Evidence -benchtime 1x ./internal/store/sqlite/
func (x Bench) Evidence(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		var out countingDiscard
		peak := PeakHeap()
		m, err := evidence.Write(ctx, &out, x.Store, certsum.EvidenceScope{CertificationID: x.Cert}, time.Now())
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		if err != nil {
			b.Fatal(err)
		}
		if !m.ChecksPass {
			b.Fatalf("the evidence's checks fail: %+v", m.Counts)
		}
		b.ReportMetric(float64(m.Counts.Items), "items")
		b.ReportMetric(float64(out.n)/(1<<20), "zip-MB")
	}
}
