package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// fixtureStore returns a fresh store with the fixture loaded, and the model of it.
func fixtureStore(t testing.TB, newStore func(testing.TB) certsum.Store) (certsum.Store, *model) {
	t.Helper()
	st := newStore(t)
	d := Fixture()
	if err := st.Load(context.Background(), d, nil); err != nil {
		t.Fatalf("Load(Fixture()): %v", err)
	}
	return st, newModel(Fixture())
}

// mustCode fails unless err carries the certsum error code want.
func mustCode(t testing.TB, err error, want certsum.Code) {
	t.Helper()
	if got := certsum.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// mustOK fails on any error.
func mustOK(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// all is a ListQuery for a whole (small) collection, with its count.
func all() certsum.ListQuery {
	return certsum.ListQuery{Limit: certsum.MaxLimit, Count: true}
}

// q parses a filter and sorters for schema s into a ListQuery; a bad case is a bug in the
// suite.
func q(t testing.TB, s *query.Schema, filter, sorters string, limit, offset int, count bool) certsum.ListQuery {
	t.Helper()
	lq := certsum.ListQuery{Limit: limit, Offset: offset, Count: count}
	var err error
	if filter != "" {
		if lq.Filter, err = query.ParseFor(filter, s); err != nil {
			t.Fatalf("suite bug: filter %q for %s: %v", filter, s.Name, err)
		}
	}
	if lq.Sort, err = query.ParseSort(sorters, s); err != nil {
		t.Fatalf("suite bug: sorters %q for %s: %v", sorters, s.Name, err)
	}
	return lq
}

// allItems lists every review item of a certification, page by page.
func allItems(t testing.TB, st certsum.Store, cert string) []certsum.AccessReviewItem {
	t.Helper()
	var out []certsum.AccessReviewItem
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListReviewItems(context.Background(), cert, certsum.ReviewItemFilter{},
			certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		mustOK(t, err, "ListReviewItems "+cert)
		out = append(out, p.Items...)
		if len(p.Items) < certsum.MaxLimit {
			return out
		}
	}
}

// allSummaries lists every identity summary of a certification, page by page.
func allSummaries(t testing.TB, st certsum.Store, cert string) []certsum.IdentitySummary {
	t.Helper()
	var out []certsum.IdentitySummary
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListIdentitySummaries(context.Background(), cert, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		mustOK(t, err, "ListIdentitySummaries "+cert)
		out = append(out, p.Items...)
		if len(p.Items) < certsum.MaxLimit {
			return out
		}
	}
}

// mustNoDrift fails when Verify finds any stored counter that differs from its recount.
func mustNoDrift(t testing.TB, st certsum.Store) {
	t.Helper()
	drifts, err := st.Verify(context.Background(), false)
	mustOK(t, err, "Verify")
	for _, d := range drifts {
		t.Errorf("Verify: %s %s counter %s stored %d, recount %d", d.Kind, d.ID, d.Counter, d.Stored, d.Actual)
	}
}

// mustRecount recounts a certification from its listed review items — independently of the
// store's Verify — and fails when the certification's counters, its unfiltered and
// per-identity decision summaries, its identity summaries' completed flags or its access
// summaries' completed filter disagree.
func mustRecount(t testing.TB, st certsum.Store, cert string) {
	t.Helper()
	ctx := context.Background()
	items := allItems(t, st, cert)
	var want certsum.DecisionSummary
	made := 0
	perSummary := map[string]*certsum.DecisionSummary{}
	open := map[string]bool{}       // identity summary → has undecided items
	accessOpen := map[string]bool{} // type/id → has undecided items
	accessAll := map[string]bool{}  // type/id seen
	for _, it := range items {
		want.Add(it.AccessSummary.Access.Type, it.Decision, 1)
		ps := perSummary[it.IdentitySummary.ID]
		if ps == nil {
			ps = &certsum.DecisionSummary{}
			perSummary[it.IdentitySummary.ID] = ps
		}
		ps.Add(it.AccessSummary.Access.Type, it.Decision, 1)
		key := string(it.AccessSummary.Access.Type) + "/" + it.AccessSummary.Access.ID
		accessAll[key] = true
		if it.Decision != "" {
			made++
			if !it.Completed {
				t.Errorf("%s: item %s has decision %s but completed=false", cert, it.ID, it.Decision)
			}
		} else {
			open[it.IdentitySummary.ID] = true
			accessOpen[key] = true
			if it.Completed {
				t.Errorf("%s: item %s has no decision but completed=true", cert, it.ID)
			}
		}
	}
	c, err := st.GetCertification(ctx, cert)
	mustOK(t, err, "GetCertification")
	summaries := allSummaries(t, st, cert)
	done := 0
	for _, s := range summaries {
		if perSummary[s.ID] == nil {
			t.Errorf("%s: identity summary %s has no review items", cert, s.ID)
		}
		if s.Completed != !open[s.ID] {
			t.Errorf("%s: identity summary %s completed=%t, its items say %t", cert, s.ID, s.Completed, !open[s.ID])
		}
		if !open[s.ID] {
			done++
		}
	}
	if len(summaries) != len(perSummary) {
		t.Errorf("%s: %d identity summaries listed, items name %d", cert, len(summaries), len(perSummary))
	}
	got := [5]int{c.DecisionsMade, c.DecisionsTotal, c.IdentitiesTotal, c.IdentitiesCompleted, b2i(c.Completed)}
	exp := [5]int{made, len(items), len(perSummary), done, b2i(made == len(items))}
	if got != exp {
		t.Errorf("%s: counters (made, total, identities, identities completed, completed) = %v, recount %v", cert, got, exp)
	}
	ds, err := st.DecisionSummary(ctx, cert, nil)
	mustOK(t, err, "DecisionSummary")
	if diff := cmp.Diff(want, *ds); diff != "" {
		t.Errorf("%s: decision summary differs from the recount (-recount +store):\n%s", cert, diff)
	}
	ids := make([]string, 0, len(perSummary))
	for id := range perSummary {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		if i >= 3 {
			break
		}
		f, err := query.ParseFor(fmt.Sprintf("identitySummary.id eq %s", query.StringLit{Value: id}), certsum.DecisionSummarySchema)
		mustOK(t, err, "parse")
		one, err := st.DecisionSummary(ctx, cert, f)
		mustOK(t, err, "DecisionSummary filtered")
		if diff := cmp.Diff(*perSummary[id], *one); diff != "" {
			t.Errorf("%s: decision summary of %s differs from the recount (-recount +store):\n%s", cert, id, diff)
		}
	}
	for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		wantOpen, wantAll := 0, 0
		for k := range accessAll {
			if len(k) > len(typ) && k[:len(typ)+1] == string(typ)+"/" {
				wantAll++
				if accessOpen[k] {
					wantOpen++
				}
			}
		}
		p, err := st.ListAccessSummaries(ctx, cert, typ, q(t, certsum.AccessSummarySchema, "completed eq false", "", 0, 0, true))
		mustOK(t, err, "ListAccessSummaries")
		pa, err := st.ListAccessSummaries(ctx, cert, typ, certsum.ListQuery{Count: true})
		mustOK(t, err, "ListAccessSummaries")
		if p.Total != wantOpen || pa.Total != wantAll {
			t.Errorf("%s: %s access summaries: %d open of %d, recount %d of %d", cert, typ, p.Total, pa.Total, wantOpen, wantAll)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decision builds one ReviewDecision.
func decision(id string, d certsum.Decision, comments string) certsum.ReviewDecision {
	bulk := false
	rd := certsum.ReviewDecision{ID: id, Decision: d, Bulk: &bulk}
	if comments != "" {
		rd.Comments = &comments
	}
	return rd
}

// undecided returns the ids of a certification's undecided items in the model.
func (m *model) undecided(cert string) []string {
	var out []string
	for _, it := range m.certItems(cert) {
		if it.decision == "" {
			out = append(out, it.id)
		}
	}
	return out
}

// isCode reports whether err carries code.
func isCode(err error, code certsum.Code) bool {
	var e *certsum.Error
	return errors.As(err, &e) && e.Code == code
}
