package readmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
	"github.com/certsum/certsum/query"
)

// fixtureNow anchors the demo dataset and the stores' clocks.
var fixtureNow = time.Date(2026, time.November, 16, 9, 0, 0, 0, time.UTC)

// mustStore opens a SQLite store on path that stamps writes with clock.
func mustStore(tb testing.TB, path string, clock func() time.Time) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: clock})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// mustDemo fills a fresh database file with the demo organisation of n identities, in its
// fixed form (demo.Generate, written with Load): the read model's tests compare runs by seed,
// so they need the same ids every run, which demo.Fill's campaign engine does not give.
func mustDemo(tb testing.TB, n int, seed int64) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "certsum.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Load(context.Background(), demo.Generate(demo.Options{Identities: n, Seed: seed, Now: fixtureNow}), nil); err != nil {
		tb.Fatal(err)
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// differ compares the read model with the store it wraps, call by call.
type differ struct {
	t       *testing.T
	ctx     context.Context
	rng     *rand.Rand
	m       *Model
	st      certsum.Store // the store of record, read directly
	certs   []string
	reads   int
	compare int
}

// same fails the test unless the model's and the store's answers agree: the same error code,
// or byte-identical JSON and the same total.
func (d *differ) same(what string, got []byte, gotTotal int, gotErr error, want any, wantTotal int, wantErr error) {
	d.t.Helper()
	d.reads++
	if gotErr != nil || wantErr != nil {
		if certsum.ErrorCode(gotErr) != certsum.ErrorCode(wantErr) {
			d.t.Fatalf("%s: model error %v, store error %v", what, gotErr, wantErr)
		}
		return
	}
	wb, err := json.Marshal(want)
	if err != nil {
		d.t.Fatal(err)
	}
	if !bytes.Equal(got, wb) {
		d.t.Fatalf("%s: bodies differ\nmodel: %.3000s\nstore: %.3000s", what, got, wb)
	}
	if gotTotal != wantTotal {
		d.t.Fatalf("%s: model total %d, store total %d", what, gotTotal, wantTotal)
	}
	d.compare++
}

// typed is same for the model's struct methods: their values encode to the store's JSON.
func (d *differ) typed(what string, got any, gotTotal int, gotErr error, want any, wantTotal int, wantErr error) {
	d.t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		d.t.Fatal(err)
	}
	d.same(what+" (struct)", b, gotTotal, gotErr, want, wantTotal, wantErr)
}

func items[T any](p certsum.Page[T]) []T {
	if p.Items == nil {
		return []T{}
	}
	return p.Items
}

func total[T any](p certsum.Page[T], q certsum.ListQuery) int {
	if !q.Count {
		return -1
	}
	return p.Total
}

// query returns a random page request with a filter from g (or none) and random sorters.
func (d *differ) query(s *query.Schema, g *filterGen, size int) certsum.ListQuery {
	raw := ""
	if d.rng.IntN(4) > 0 {
		raw = g.expr(2)
	}
	filter, err := certsum.ParseFilter(raw, s)
	if err != nil {
		d.t.Fatalf("filter %q: %v", raw, err)
	}
	keys, err := certsum.ParseSorters(sortersFor(d.rng, s), s)
	if err != nil {
		d.t.Fatal(err)
	}
	q := certsum.ListQuery{Filter: filter, Sort: keys, Limit: d.rng.IntN(60), Count: d.rng.IntN(2) == 0}
	if size > 0 {
		q.Offset = d.rng.IntN(size + 2)
	}
	if d.rng.IntN(3) == 0 {
		q.Offset = 0
	}
	return q
}

// cert picks a certification; now and then one that does not exist.
func (d *differ) cert() string {
	if d.rng.IntN(40) == 0 {
		return certsum.NewID()
	}
	return d.certs[d.rng.IntN(len(d.certs))]
}

// readAll compares one random read of every kind.
func (d *differ) readAll() {
	ctx, rng := d.ctx, d.rng
	certID := d.cert()
	sums, _ := d.st.ListIdentitySummaries(ctx, certID, certsum.ListQuery{Limit: 250})
	var ids, names []string
	for _, s := range sums.Items {
		ids, names = append(ids, s.ID), append(names, s.Name)
	}
	if len(ids) == 0 {
		ids, names = []string{"nobody"}, []string{"Nobody"}
	}
	pick := func(vals []string) string { return vals[rng.IntN(len(vals))] }

	// Identity summaries.
	g := &filterGen{rng: rng, terms: []func() string{
		func() string {
			return fmt.Sprintf("completed %s %t", []string{"eq", "ne"}[rng.IntN(2)], rng.IntN(2) == 0)
		},
		func() string { return "name sw " + quote(randomPrefix(rng, names)) },
		func() string { return "name eq " + quote(randomCase(rng, pick(names))) },
		func() string { return "id eq " + quote(randomCase(rng, pick(ids))) },
		func() string { return fmt.Sprintf("id in (%s, %s)", quote(pick(ids)), quote(pick(ids))) },
	}}
	q := d.query(certsum.IdentitySummarySchema, g, len(ids))
	b, n, err := d.m.AppendIdentitySummaries(ctx, nil, certID, q)
	p, werr := d.st.ListIdentitySummaries(ctx, certID, q)
	d.same(fmt.Sprintf("identity summaries of %s %+v", certID, q), b, n, err, items(p), total(p, q), werr)
	tp, err := d.m.ListIdentitySummaries(ctx, certID, q)
	d.typed(fmt.Sprintf("identity summaries of %s %+v", certID, q), items(tp), total(tp, q), err, items(p), total(p, q), werr)

	// One identity summary, present or not.
	sid := pick(ids)
	if rng.IntN(5) == 0 {
		sid = certsum.NewID()
	}
	b, err = d.m.AppendIdentitySummary(ctx, nil, certID, sid)
	s, werr := d.st.GetIdentitySummary(ctx, certID, sid)
	d.same("identity summary "+sid, b, 0, err, s, 0, werr)
	ts, err := d.m.GetIdentitySummary(ctx, certID, sid)
	d.typed("identity summary "+sid, ts, 0, err, s, 0, werr)

	// Decision summary, whole or for some identity summaries.
	raw := ""
	switch rng.IntN(3) {
	case 1:
		raw = "identitySummary.id eq " + quote(randomCase(rng, pick(ids)))
	case 2:
		raw = fmt.Sprintf("identitySummary.id in (%s, %s, %s) or not identitySummary.id eq %s",
			quote(pick(ids)), quote(pick(ids)), quote(pick(ids)), quote(pick(ids)))
	}
	filter, err := certsum.ParseFilter(raw, certsum.DecisionSummarySchema)
	if err != nil {
		d.t.Fatal(err)
	}
	b, err = d.m.AppendDecisionSummary(ctx, nil, certID, filter)
	ds, werr := d.st.DecisionSummary(ctx, certID, filter)
	d.same("decision summary "+raw, b, 0, err, ds, 0, werr)
	tds, err := d.m.DecisionSummary(ctx, certID, filter)
	d.typed("decision summary "+raw, tds, 0, err, ds, 0, werr)

	// Access summaries of one type.
	typ := []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement}[rng.IntN(3)]
	acc, _ := d.st.ListAccessSummaries(ctx, certID, typ, certsum.ListQuery{Limit: 250})
	accIDs, accNames := []string{"none"}, []string{"None"}
	srcs := []string{"Active Directory", "Workday", "GitHub", "aws"}
	for _, a := range acc.Items {
		accIDs, accNames = append(accIDs, a.Access.ID), append(accNames, a.Access.Name)
		if a.Entitlement != nil {
			srcs = append(srcs, a.Entitlement.SourceName)
		}
	}
	ga := &filterGen{rng: rng, terms: []func() string{
		func() string {
			return fmt.Sprintf("completed %s %t", []string{"eq", "ne"}[rng.IntN(2)], rng.IntN(2) == 0)
		},
		func() string { return "access.name sw " + quote(randomPrefix(rng, accNames)) },
		func() string { return "access.name eq " + quote(randomCase(rng, pick(accNames))) },
		func() string { return "access.id in (" + quote(pick(accIDs)) + ", " + quote(pick(accIDs)) + ")" },
		func() string { return "entitlement.sourceName sw " + quote(randomPrefix(rng, srcs)) },
		func() string { return "accessProfile.sourceName eq " + quote(randomCase(rng, pick(srcs))) },
	}}
	q = d.query(certsum.AccessSummarySchema, ga, len(accIDs))
	b, n, err = d.m.AppendAccessSummaries(ctx, nil, certID, typ, q)
	ap, werr := d.st.ListAccessSummaries(ctx, certID, typ, q)
	d.same(fmt.Sprintf("%s access summaries of %s %+v", typ, certID, q), b, n, err, items(ap), total(ap, q), werr)
	tap, err := d.m.ListAccessSummaries(ctx, certID, typ, q)
	d.typed(fmt.Sprintf("%s access summaries of %s %+v", typ, certID, q), items(tap), total(tap, q), err, items(ap), total(ap, q), werr)

	// Review items, sometimes narrowed to access ids.
	ri, _ := d.st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250, Offset: rng.IntN(2000)})
	itemIDs := []string{"none"}
	for _, it := range ri.Items {
		itemIDs = append(itemIDs, it.ID)
		if it.AccessSummary.Entitlement != nil {
			srcs = append(srcs, it.AccessSummary.Entitlement.SourceName)
		}
	}
	gi := &filterGen{rng: rng, terms: []func() string{
		func() string {
			return fmt.Sprintf("completed %s %t", []string{"eq", "ne"}[rng.IntN(2)], rng.IntN(2) == 0)
		},
		func() string {
			return "id in (" + quote(pick(itemIDs)) + ", " + quote(randomCase(rng, pick(itemIDs))) + ")"
		},
		func() string {
			return fmt.Sprintf("%s eq %q", []string{"type", "access.type"}[rng.IntN(2)],
				[]string{"ROLE", "ACCESS_PROFILE", "ENTITLEMENT", "ACCOUNT", "account"}[rng.IntN(5)])
		},
		func() string { return "identitySummary.id eq " + quote(pick(ids)) },
		func() string { return "identitySummary.name sw " + quote(randomPrefix(rng, names)) },
		func() string { return "access.id in (" + quote(pick(accIDs)) + ")" },
		func() string { return "access.name sw " + quote(randomPrefix(rng, accNames)) },
		func() string { return "access.name eq " + quote(randomCase(rng, pick(accNames))) },
		func() string { return "entitlement.sourceName eq " + quote(randomCase(rng, pick(srcs))) },
		func() string { return "accessProfile.sourceName sw " + quote(randomPrefix(rng, srcs)) },
	}}
	q = d.query(certsum.ReviewItemSchema, gi, 3000)
	var f certsum.ReviewItemFilter
	if rng.IntN(4) == 0 {
		f = certsum.ReviewItemFilter{AccessType: typ, AccessIDs: []string{pick(accIDs), pick(accIDs)}}
	}
	b, n, err = d.m.AppendReviewItems(ctx, nil, certID, f, q)
	rp, werr := d.st.ListReviewItems(ctx, certID, f, q)
	d.same(fmt.Sprintf("review items of %s %+v %+v", certID, f, q), b, n, err, items(rp), total(rp, q), werr)
	trp, err := d.m.ListReviewItems(ctx, certID, f, q)
	d.typed(fmt.Sprintf("review items of %s %+v %+v", certID, f, q), items(trp), total(trp, q), err, items(rp), total(rp, q), werr)

	// Certifications.
	all, _ := d.st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	var certIDs, campaigns, reviewers []string
	for _, c := range all.Items {
		certIDs, campaigns, reviewers = append(certIDs, c.ID), append(campaigns, c.Campaign.ID), append(reviewers, c.Reviewer.ID)
	}
	reviewers = append(reviewers, ids...)
	gc := &filterGen{rng: rng, terms: []func() string{
		func() string { return fmt.Sprintf("completed eq %t", rng.IntN(2) == 0) },
		func() string {
			return "phase eq " + quote([]string{"ACTIVE", "SIGNED", "STAGED", "active"}[rng.IntN(4)])
		},
		func() string {
			return "id in (" + quote(pick(certIDs)) + ", " + quote(randomCase(rng, pick(certIDs))) + ")"
		},
		func() string { return "campaign.id eq " + quote(pick(campaigns)) },
	}}
	q = d.query(certsum.CertificationSchema, gc, len(certIDs))
	var cf certsum.CertificationFilter
	if rng.IntN(3) == 0 {
		cf.ReviewerID = pick(reviewers)
	}
	b, n, err = d.m.AppendCertifications(ctx, nil, cf, q)
	cp, werr := d.st.ListCertifications(ctx, cf, q)
	d.same(fmt.Sprintf("certifications %+v %+v", cf, q), b, n, err, items(cp), total(cp, q), werr)
	tcp, err := d.m.ListCertifications(ctx, cf, q)
	d.typed(fmt.Sprintf("certifications %+v %+v", cf, q), items(tcp), total(tcp, q), err, items(cp), total(cp, q), werr)

	b, err = d.m.AppendCertification(ctx, nil, certID)
	c, werr := d.st.GetCertification(ctx, certID)
	d.same("certification "+certID, b, 0, err, c, 0, werr)
	tc, err := d.m.GetCertification(ctx, certID)
	d.typed("certification "+certID, tc, 0, err, c, 0, werr)
	v, err := d.m.CertificationVersion(ctx, certID)
	wv, werr := d.st.CertificationVersion(ctx, certID)
	if certsum.ErrorCode(err) != certsum.ErrorCode(werr) || v != wv {
		d.t.Fatalf("version of %s: model %d %v, store %d %v", certID, v, err, wv, werr)
	}
	who := pick(reviewers)
	ok, err := d.m.IsReviewer(ctx, certID, who)
	wok, werr := d.st.IsReviewer(ctx, certID, who)
	if certsum.ErrorCode(err) != certsum.ErrorCode(werr) || ok != wok {
		d.t.Fatalf("is %s reviewer of %s: model %t %v, store %t %v", who, certID, ok, err, wok, werr)
	}

	// The struct methods answer what the store answers.
	if rng.IntN(4) == 0 {
		q := certsum.ListQuery{Limit: 20, Offset: rng.IntN(len(ids) + 1), Count: true}
		got, err := d.m.ListIdentitySummaries(ctx, certID, q)
		want, werr := d.st.ListIdentitySummaries(ctx, certID, q)
		if certsum.ErrorCode(err) != certsum.ErrorCode(werr) || (err == nil && !cmp.Equal(got, want)) {
			d.t.Fatalf("ListIdentitySummaries: %s", cmp.Diff(want, got))
		}
		gotI, err := d.m.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, q)
		wantI, werr := d.st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, q)
		if certsum.ErrorCode(err) != certsum.ErrorCode(werr) || (err == nil && !cmp.Equal(gotI, wantI)) {
			d.t.Fatalf("ListReviewItems: %s", cmp.Diff(wantI, gotI))
		}
	}
}

// comments are decision comments, with characters that JSON escapes.
var comments = []string{"No longer on the payroll team", `Needs "read" only <b>&</b>`, "Zugriff prüfen ✓", "line\nbreak\ttab", "\u2028 separator", ""}

// write makes one random write through w: decisions (most of the time), a sign-off of a
// certification whose items are all decided, or a reassignment.
func (d *differ) write(w certsum.Store, by string) {
	ctx, rng := d.ctx, d.rng
	certID := d.certs[rng.IntN(len(d.certs))]
	c, err := d.st.GetCertification(ctx, certID)
	if err != nil || c.Phase != certsum.PhaseActive {
		return
	}
	switch k := rng.IntN(20); {
	case k < 16:
		page, err := d.st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{},
			certsum.ListQuery{Limit: 250, Offset: rng.IntN(max(1, c.DecisionsTotal))})
		if err != nil || len(page.Items) == 0 {
			return
		}
		var ds []certsum.ReviewDecision
		seen := map[string]bool{}
		for i := 1 + rng.IntN(6); i > 0; i-- {
			it := page.Items[rng.IntN(len(page.Items))]
			if seen[it.ID] {
				continue
			}
			seen[it.ID] = true
			bulk := rng.IntN(2) == 0
			comment := comments[rng.IntN(len(comments))]
			if comment == "" {
				comment = "ok"
			}
			dec := certsum.Approve
			if rng.IntN(3) == 0 {
				dec = certsum.Revoke
			}
			ds = append(ds, certsum.ReviewDecision{ID: it.ID, Decision: dec, Bulk: &bulk, Comments: &comment})
		}
		if _, err := w.Decide(ctx, certID, by, ds); err != nil {
			d.t.Fatalf("decide: %v", err)
		}
	case k < 18:
		if c.DecisionsTotal > 300 {
			return
		}
		page, err := d.st.ListReviewItems(ctx, certID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250})
		if err != nil {
			return
		}
		var ds []certsum.ReviewDecision
		for _, it := range page.Items {
			bulk, comment := true, "all reviewed"
			ds = append(ds, certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk, Comments: &comment})
		}
		if len(ds) == 0 || len(ds) < c.DecisionsTotal {
			return
		}
		if _, err := w.Decide(ctx, certID, by, ds); err != nil {
			d.t.Fatalf("decide all: %v", err)
		}
		if _, err := w.SignOff(ctx, certID, by); err != nil {
			d.t.Fatalf("sign off: %v", err)
		}
	default:
		sums, err := d.st.ListIdentitySummaries(ctx, certID, certsum.ListQuery{Limit: 250})
		if err != nil || len(sums.Items) < 2 {
			return
		}
		from := sums.Items[rng.IntN(len(sums.Items))]
		to := sums.Items[rng.IntN(len(sums.Items))].IdentityID
		if to == c.Reviewer.ID {
			return
		}
		_, err = w.Reassign(ctx, certID, by, certsum.ReviewReassign{
			Reassign: []certsum.ReassignReference{{ID: from.ID, Type: certsum.ReassignIdentitySummary}}, ReassignTo: to, Reason: "workload"})
		switch certsum.ErrorCode(err) {
		case "", certsum.CodeInvalid, certsum.CodeReference, certsum.CodeConflict:
		default:
			d.t.Fatalf("reassign: %v", err)
		}
	}
}

// TestReadPathAgreesWithStore is the differential test of the read path: random reads of
// every kind, filters, sorters and pages, through the model and straight from SQLite,
// interleaved with random decisions, sign-offs and reassignments made through the model
// (this process) and through a second store on the same file (another process). Every
// answer must be byte-identical.
func TestReadPathAgreesWithStore(t *testing.T) {
	path := mustDemo(t, 100, 11)
	clock := func() time.Time { return fixtureNow.Add(time.Hour) }
	differential(t, mustStore(t, path, clock), mustStore(t, path, clock))
}

// differential runs the differential test over st, the store the model wraps, and other, a
// second store on the same database written to as another process would.
func differential(t *testing.T, st, other certsum.Store) {
	rounds := 400
	if testing.Short() {
		rounds = 80
	}
	m, err := New(st, Options{Budget: 1 << 30, ColdWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	// CERTSUM_DIFF_SEED picks another sequence of reads and writes (7 by default), to explore
	// beyond the one CI runs.
	seed := uint64(7)
	if v := os.Getenv("CERTSUM_DIFF_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CERTSUM_DIFF_SEED: %v", err)
		}
		seed = n
	}
	d := &differ{t: t, ctx: ctx, rng: rand.New(rand.NewPCG(seed, 8)), m: m, st: st}
	all, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all.Items {
		d.certs = append(d.certs, c.ID)
	}
	slices.Sort(d.certs)
	for round := 0; round < rounds; round++ {
		d.readAll()
		switch d.rng.IntN(4) {
		case 0:
			d.write(m, "reviewer")
		case 1:
			d.write(other, "elsewhere")
		}
	}
	s := m.Stats()
	t.Logf("%d reads, %d compared bodies; models built %d, writes applied in place %d, stale models %d, store fallbacks %d, version reads %d, mark reads %d",
		d.reads, d.compare, s.Builds.Load(), s.Applied.Load(), s.Stale.Load(), s.Fallbacks.Load(), s.VersionRead.Load(), s.MarkReads.Load())
	if s.Applied.Load() == 0 || s.Stale.Load() == 0 || s.Builds.Load() == 0 {
		t.Errorf("the run did not exercise in-place writes (%d), foreign writes (%d) and builds (%d)",
			s.Applied.Load(), s.Stale.Load(), s.Builds.Load())
	}
	if s.Fallbacks.Load() > int64(d.reads)/10 {
		t.Errorf("%d of %d reads fell back to the store", s.Fallbacks.Load(), d.reads)
	}
}

// TestRawJSONDecodes checks that JSON strings the model writes itself decode to the input.
func TestRawJSONDecodes(t *testing.T) {
	for _, s := range append(comments, "plain", "<>&", "\x7f", "bad \xff utf8") {
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want, _ := json.Marshal(s)
		if !bytes.Equal(appendString(nil, s), want) {
			t.Errorf("%q: got %s, want %s", s, appendString(nil, s), want)
		}
		_ = strings.ToUpper(back)
	}
}
