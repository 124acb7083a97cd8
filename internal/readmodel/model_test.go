package readmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// largestCerts returns the ids of the certifications with the most review items, largest
// first.
func largestCerts(t *testing.T, st certsum.Store, n int) []string {
	t.Helper()
	p, err := st.ListCertifications(context.Background(), certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	certs := p.Items
	for i := range certs {
		for j := i + 1; j < len(certs); j++ {
			if certs[j].DecisionsTotal > certs[i].DecisionsTotal {
				certs[i], certs[j] = certs[j], certs[i]
			}
		}
	}
	var out []string
	for _, c := range certs[:n] {
		out = append(out, c.ID)
	}
	return out
}

// mustSamePage fails unless the model's identity summary page equals the store's.
func mustSamePage(t *testing.T, m *Model, st certsum.Store, certID string) {
	t.Helper()
	ctx := context.Background()
	q := certsum.ListQuery{Limit: 50, Offset: 3, Count: true}
	got, n, err := m.AppendIdentitySummaries(ctx, nil, certID, q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.ListIdentitySummaries(ctx, certID, q)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(p.Items)
	if !bytes.Equal(got, want) || n != p.Total {
		t.Fatalf("page of %s differs:\nmodel %d %s\nstore %d %s", certID, n, got, p.Total, want)
	}
}

// TestBudgetEvictsLeastRecentlyUsed reads two certifications under a budget that holds only
// one: each read evicts the other, which is rebuilt when read again, and every answer stays
// the store's.
func TestBudgetEvictsLeastRecentlyUsed(t *testing.T) {
	path := mustDemo(t, 100, 5)
	st := mustStore(t, path, nil)
	ctx := context.Background()
	certs := largestCerts(t, st, 2)
	sizes := map[string]int64{}
	for _, c := range certs {
		probe, err := New(st, Options{Budget: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		if err := probe.Warm(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		sizes[c] = probe.UsedBytes()
		_ = probe.Close()
	}
	budget := max(sizes[certs[0]], sizes[certs[1]]) + 1
	if budget >= sizes[certs[0]]+sizes[certs[1]] {
		t.Fatalf("sizes %v leave no room for a budget that holds one model only", sizes)
	}
	m, err := New(st, Options{Budget: budget, ColdWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	for i := 0; i < 4; i++ {
		mustSamePage(t, m, st, certs[i%2])
		if used := m.UsedBytes(); used > budget {
			t.Fatalf("models use %d bytes, over the budget of %d", used, budget)
		}
	}
	s := m.Stats()
	if s.Evictions.Load() < 3 || s.Builds.Load() < 4 || s.Fallbacks.Load() != 0 {
		t.Errorf("evictions %d, builds %d, fallbacks %d; want at least 3 evictions and 4 builds, no fallback",
			s.Evictions.Load(), s.Builds.Load(), s.Fallbacks.Load())
	}

	// A budget smaller than any model keeps none; the store answers every read.
	tiny, err := New(st, Options{Budget: 1024, ColdWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tiny.Close() })
	mustSamePage(t, tiny, st, certs[0])
	if tiny.UsedBytes() != 0 || tiny.Stats().Fallbacks.Load() != 1 {
		t.Errorf("tiny budget: %d bytes kept, %d fallbacks; want none kept and the store answering", tiny.UsedBytes(), tiny.Stats().Fallbacks.Load())
	}
	if err := tiny.Warm(ctx, certs[0], false); certsum.ErrorCode(err) != certsum.CodeInvalid {
		t.Errorf("Warm under a tiny budget: %v, want an invalid error saying it does not fit", err)
	}
}

// gatedStore holds bulk reads until its gate opens, like a certification whose build takes
// longer than a request may wait.
type gatedStore struct {
	*sqlite.Store
	gate chan struct{}
}

func (g *gatedStore) ReadCertification(ctx context.Context, certID string, items func(certsum.ItemRecord) error) (*certsum.CertificationSnapshot, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Store.ReadCertification(ctx, certID, items)
}

// TestColdStartServesFromStoreWhileBuilding: while a certification's model is being built the
// store answers its reads at once; once built, the model does.
func TestColdStartServesFromStoreWhileBuilding(t *testing.T) {
	path := mustDemo(t, 100, 6)
	st := mustStore(t, path, nil)
	g := &gatedStore{Store: st, gate: make(chan struct{})}
	m, err := New(g, Options{Budget: 1 << 30, ColdWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	certID := largestCerts(t, st, 1)[0]
	start := time.Now()
	mustSamePage(t, m, st, certID)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the first read took %s while the build was held", took)
	}
	if f, b := m.Stats().Fallbacks.Load(), m.Stats().Builds.Load(); f != 1 || b != 0 {
		t.Fatalf("before the build: %d fallbacks, %d builds; want 1 and 0", f, b)
	}
	close(g.gate)
	if err := m.Warm(context.Background(), certID, false); err != nil {
		t.Fatal(err)
	}
	mustSamePage(t, m, st, certID)
	if f, b := m.Stats().Fallbacks.Load(), m.Stats().Builds.Load(); f != 1 || b != 1 {
		t.Fatalf("after the build: %d fallbacks, %d builds; want 1 and 1", f, b)
	}
}

// lateStore reads a certification's snapshot at once but hands it over only when its gate
// opens: a build that takes long while writes go on.
type lateStore struct {
	*sqlite.Store
	read chan struct{} // receives when a snapshot was read
	gate chan struct{}
}

func (l *lateStore) ReadCertification(ctx context.Context, certID string, items func(certsum.ItemRecord) error) (*certsum.CertificationSnapshot, error) {
	snap, err := l.Store.ReadCertification(ctx, certID, items)
	l.read <- struct{}{}
	<-l.gate
	return snap, err
}

// TestBuildCatchesUpWithWrites: decisions made through the model while its build is under
// way are replayed onto the built model, which is then current — no second build — and
// answers what the store answers.
func TestBuildCatchesUpWithWrites(t *testing.T) {
	path := mustDemo(t, 100, 12)
	st := mustStore(t, path, func() time.Time { return fixtureNow.Add(time.Hour) })
	ls := &lateStore{Store: st, read: make(chan struct{}, 4), gate: make(chan struct{})}
	m, err := New(ls, Options{Budget: 1 << 30, ColdWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	certID := largestCerts(t, st, 1)[0]
	mustSameItems := func() {
		t.Helper()
		q := certsum.ListQuery{Limit: 100, Count: true, Filter: nil}
		got, n, err := m.AppendReviewItems(ctx, nil, certID, certsum.ReviewItemFilter{}, q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(p.Items)
		if !bytes.Equal(got, want) || n != p.Total {
			t.Fatalf("review items differ:\nmodel %d %.500s\nstore %d %.500s", n, got, p.Total, want)
		}
		mustSamePage(t, m, st, certID)
	}
	mustSameItems() // starts the build, answered by the store
	<-ls.read       // the snapshot is taken; decide while the build holds it
	items, err := st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 30})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var ds []certsum.ReviewDecision
		for _, it := range items.Items[10*i : 10*i+10] {
			bulk, comment := false, "checked during the build"
			ds = append(ds, certsum.ReviewDecision{ID: it.ID, Decision: certsum.Revoke, Bulk: &bulk, Comments: &comment})
		}
		if _, err := m.Decide(ctx, certID, "reviewer", ds); err != nil {
			t.Fatal(err)
		}
	}
	close(ls.gate)
	if err := m.Warm(ctx, certID, true); err != nil {
		t.Fatal(err)
	}
	fallbacks := m.Stats().Fallbacks.Load()
	mustSameItems()
	s := m.Stats()
	if s.Builds.Load() != 1 || s.Stale.Load() != 0 || s.Fallbacks.Load() != fallbacks {
		t.Errorf("builds %d, stale %d, fallbacks %d→%d: the built model did not catch up with the writes",
			s.Builds.Load(), s.Stale.Load(), fallbacks, s.Fallbacks.Load())
	}
}

// indexStore counts the certification lists and index reads that reach the store, and holds
// index reads until its gate opens.
type indexStore struct {
	*sqlite.Store
	gate         chan struct{}
	lists, reads atomic.Int64
}

func (s *indexStore) ListCertifications(ctx context.Context, f certsum.CertificationFilter, q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
	s.lists.Add(1)
	return s.Store.ListCertifications(ctx, f, q)
}

func (s *indexStore) ReadCertificationIndex(ctx context.Context) ([]certsum.IndexedCertification, error) {
	s.reads.Add(1)
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.ReadCertificationIndex(ctx)
}

// TestAStaleIndexIsReloadedInTheBackground: a read that finds the certification index
// behind (or missing) is answered by the store at once while one reload runs in the
// background; once it is in, the index answers; a write makes it stale again.
func TestAStaleIndexIsReloadedInTheBackground(t *testing.T) {
	path := mustDemo(t, 60, 12)
	st := mustStore(t, path, nil)
	s := &indexStore{Store: st, gate: make(chan struct{})}
	m, err := New(s, Options{Budget: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	all := certsum.ListQuery{Limit: 250, Count: true}
	list := func() certsum.Page[certsum.Certification] {
		t.Helper()
		// A read that waited for the held index load would fail here instead of hanging.
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		p, err := m.ListCertifications(lctx, certsum.CertificationFilter{}, all)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	want, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	// The index read is held: every read meanwhile is the store's, and one load runs.
	for i := 0; i < 5; i++ {
		if got := list(); !cmp.Equal(got, want) {
			t.Fatalf("list while the index loads: %s", cmp.Diff(want, got))
		}
	}
	if l, r := s.lists.Load(), s.reads.Load(); l != 5 || r != 1 {
		t.Fatalf("while the index loads: %d store lists, %d index reads; want 5 and 1", l, r)
	}
	close(s.gate)
	deadline := time.Now().Add(10 * time.Second)
	for m.Stats().IndexLoads.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if m.Stats().IndexLoads.Load() != 1 {
		t.Fatal("the index was not loaded in the background")
	}
	if got := list(); !cmp.Equal(got, want) || s.lists.Load() != 5 {
		t.Fatalf("once loaded, the index answers: %d store lists (want 5); %s", s.lists.Load(), cmp.Diff(want, got))
	}
	// A decision makes the index stale: the store answers, with the new counts.
	var c certsum.Certification
	for _, x := range want.Items {
		if x.Phase == certsum.PhaseActive && x.DecisionsTotal > 0 {
			c = x
			break
		}
	}
	items, err := st.ListReviewItems(ctx, c.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 1})
	if err != nil || len(items.Items) == 0 {
		t.Fatalf("items of %s: %v", c.ID, err)
	}
	d := certsum.Approve
	if items.Items[0].Decision == certsum.Approve {
		d = certsum.Revoke
	}
	bulk, why := false, "checked"
	if _, err := m.Decide(ctx, c.ID, "reviewer", []certsum.ReviewDecision{{ID: items.Items[0].ID, Decision: d, Bulk: &bulk, Comments: &why}}); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetCertification(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, _ := st.GetCertification(ctx, c.ID); !cmp.Equal(got, fresh) {
		t.Fatalf("certification after a write: %s", cmp.Diff(fresh, got))
	}
	if got := list(); s.lists.Load() != 6 {
		t.Fatalf("after a write the list is the store's: %d store lists, want 6 (%d items)", s.lists.Load(), len(got.Items))
	}
}
