package httpapi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
)

// oracle checks the summaries the API serves against values derived from the review items
// the API itself lists, never from the summary tables.
type oracle struct {
	t     *testing.T
	e     *env
	admin string
}

// walk reads every page of a list route, checking that pages are full while more remain
// and that X-Total-Count matches what was walked.
func walk[T any](o *oracle, path string, limit int) []T {
	o.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	all := []T{}
	total := -1
	for off := 0; ; off += limit {
		res := o.e.do("GET", fmt.Sprintf("%s%slimit=%d&offset=%d&count=true", path, sep, limit, off), o.admin, nil).mustStatus(o.t, 200)
		var page []T
		res.decode(o.t, &page)
		n, err := strconv.Atoi(res.header.Get("X-Total-Count"))
		if err != nil {
			o.t.Fatalf("%s: X-Total-Count %q", path, res.header.Get("X-Total-Count"))
		}
		if total >= 0 && n != total {
			o.t.Fatalf("%s: total changed from %d to %d while walking", path, total, n)
		}
		total = n
		if want := min(limit, max(total-off, 0)); len(page) != want {
			o.t.Fatalf("%s at offset %d: %d items, want %d of %d", path, off, len(page), want, total)
		}
		all = append(all, page...)
		if len(page) < limit {
			break
		}
	}
	if len(all) != total {
		o.t.Fatalf("%s: walked %d items, X-Total-Count says %d", path, len(all), total)
	}
	return all
}

// items returns every review item of a certification: through the API, or, for a
// certification reviewed by a governance group (whose items the API does not list),
// through the store's item listing.
func (o *oracle) items(c certsum.Certification) []certsum.AccessReviewItem {
	o.t.Helper()
	if c.Reviewer.Type != certsum.TypeGovernanceGroup {
		return walk[certsum.AccessReviewItem](o, certPath(c.ID, "/access-review-items"), 211)
	}
	var all []certsum.AccessReviewItem
	for off := 0; ; off += certsum.MaxLimit {
		p, err := o.e.store.ListReviewItems(context.Background(), c.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			o.t.Fatalf("list items of %s: %v", c.ID, err)
		}
		all = append(all, p.Items...)
		if len(p.Items) < certsum.MaxLimit {
			return all
		}
	}
}

// check verifies every summary of one certification.
func (o *oracle) check(certID string) {
	o.t.Helper()
	var c certsum.Certification
	o.e.do("GET", certPath(certID, ""), o.admin, nil).mustStatus(o.t, 200).decode(o.t, &c)
	items := o.items(c)

	// Expected values, from the items alone.
	var wantSum certsum.DecisionSummary
	type idSum struct {
		sum  certsum.IdentitySummary
		open int
	}
	idents := map[string]*idSum{}
	type accessKey struct {
		t  certsum.DtoType
		id string
	}
	access := map[accessKey]int{} // open items per access item
	names := map[accessKey]string{}
	made := 0
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.ID] {
			o.t.Fatalf("certification %s lists item %s twice", certID, it.ID)
		}
		seen[it.ID] = true
		wantSum.Add(it.AccessSummary.Access.Type, it.Decision, 1)
		if it.Completed != (it.Decision != "") {
			o.t.Errorf("item %s: completed %t with decision %q", it.ID, it.Completed, it.Decision)
		}
		s := idents[it.IdentitySummary.ID]
		if s == nil {
			s = &idSum{sum: it.IdentitySummary}
			s.sum.Completed = true
			idents[it.IdentitySummary.ID] = s
		}
		if it.Decision == "" {
			s.open++
			s.sum.Completed = false
		} else {
			made++
		}
		k := accessKey{it.AccessSummary.Access.Type, it.AccessSummary.Access.ID}
		if it.Decision == "" {
			access[k]++
		} else if _, ok := access[k]; !ok {
			access[k] = 0
		}
		names[k] = it.AccessSummary.Access.Name
	}

	// The certification's counters.
	idsCompleted := 0
	for _, s := range idents {
		if s.sum.Completed {
			idsCompleted++
		}
	}
	if c.DecisionsTotal != len(items) || c.DecisionsMade != made || c.Completed != (made == len(items)) ||
		c.IdentitiesTotal != len(idents) || c.IdentitiesCompleted != idsCompleted {
		o.t.Errorf("certification %s counters: total %d made %d completed %t identities %d/%d; items say %d %d %t %d/%d",
			certID, c.DecisionsTotal, c.DecisionsMade, c.Completed, c.IdentitiesCompleted, c.IdentitiesTotal,
			len(items), made, made == len(items), idsCompleted, len(idents))
	}

	// The decision summary, whole and restricted to some identities.
	var gotSum certsum.DecisionSummary
	o.e.do("GET", certPath(certID, "/decision-summary"), o.admin, nil).mustStatus(o.t, 200).decode(o.t, &gotSum)
	if diff := cmp.Diff(wantSum, gotSum); diff != "" {
		o.t.Errorf("decision summary of %s (-items +served):\n%s", certID, diff)
	}
	if len(idents) > 1 {
		var pick []string
		for id := range idents {
			pick = append(pick, id)
			if len(pick) == 2 {
				break
			}
		}
		var want certsum.DecisionSummary
		for _, it := range items {
			if slices.Contains(pick, it.IdentitySummary.ID) {
				want.Add(it.AccessSummary.Access.Type, it.Decision, 1)
			}
		}
		q := url.Values{"filters": {fmt.Sprintf(`identitySummary.id in ("%s", "%s")`, pick[0], pick[1])}}
		var got certsum.DecisionSummary
		o.e.do("GET", certPath(certID, "/decision-summary?"+q.Encode()), o.admin, nil).mustStatus(o.t, 200).decode(o.t, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			o.t.Errorf("decision summary of %s for %v (-items +served):\n%s", certID, pick, diff)
		}
	}

	// Identity summaries: exactly the distinct identities, completed when all their items are.
	gotIdents := walk[certsum.IdentitySummary](o, certPath(certID, "/identity-summaries"), 50)
	wantIdents := make([]certsum.IdentitySummary, 0, len(idents))
	for _, s := range idents {
		wantIdents = append(wantIdents, s.sum)
	}
	byID := func(a, b certsum.IdentitySummary) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(wantIdents, byID)
	slices.SortFunc(gotIdents, byID)
	if diff := cmp.Diff(wantIdents, gotIdents); diff != "" {
		o.t.Errorf("identity summaries of %s (-items +served):\n%s", certID, diff)
	}
	if len(gotIdents) > 0 {
		var one certsum.IdentitySummary
		o.e.do("GET", certPath(certID, "/identity-summaries/", gotIdents[0].ID), o.admin, nil).mustStatus(o.t, 200).decode(o.t, &one)
		if one != gotIdents[0] {
			o.t.Errorf("identity summary %s: got %+v, listed %+v", gotIdents[0].ID, one, gotIdents[0])
		}
	}

	// Access summaries of each type: exactly the distinct access items of that type, and the
	// completed filter agrees with the items' decisions.
	for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		var want, wantOpen []string
		for k, open := range access {
			if k.t == typ {
				want = append(want, k.id+" "+names[k])
				if open > 0 {
					wantOpen = append(wantOpen, k.id)
				}
			}
		}
		var got, gotOpen []string
		for _, a := range walk[certsum.AccessSummary](o, certPath(certID, "/access-summaries/", string(typ)), 40) {
			if a.Access.Type != typ {
				o.t.Errorf("%s summary of type %s in %s", typ, a.Access.Type, certID)
			}
			got = append(got, a.Access.ID+" "+a.Access.Name)
		}
		for _, a := range walk[certsum.AccessSummary](o, certPath(certID, "/access-summaries/", string(typ), "?filters=completed+eq+false"), 40) {
			gotOpen = append(gotOpen, a.Access.ID)
		}
		for _, l := range [][]string{want, wantOpen, got, gotOpen} {
			slices.Sort(l)
		}
		if !slices.Equal(want, got) {
			o.t.Errorf("%s access summaries of %s:\nitems  %v\nserved %v", typ, certID, want, got)
		}
		if !slices.Equal(wantOpen, gotOpen) {
			o.t.Errorf("open %s access summaries of %s:\nitems  %v\nserved %v", typ, certID, wantOpen, gotOpen)
		}
	}
}

func (o *oracle) certifications() []certsum.Certification {
	o.t.Helper()
	return walk[certsum.Certification](o, v+"/certifications", 50)
}

func (o *oracle) verifyNoDrift() {
	o.t.Helper()
	drift, err := o.e.store.Verify(context.Background(), false)
	if err != nil {
		o.t.Fatalf("verify: %v", err)
	}
	if len(drift) > 0 {
		o.t.Errorf("stored counters drifted: %+v", drift)
	}
}

// TestSummariesAgreeWithItemsThroughRandomChanges is the oracle test of the summary API:
// the demo organisation's summaries must equal what its review items imply, before and
// after random sequences of decide, change, sign-off and reassign through the API.
func TestSummariesAgreeWithItemsThroughRandomChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("the oracle test walks every certification; skipped with -short")
	}
	const seed = 7
	ds := demo.Generate(demo.Options{Identities: 120, Seed: seed, Now: fixtureNow})
	e := mustEnv(t, ds, envOptions{})
	admin := ds.Identities[0].ID
	o := &oracle{t: t, e: e, admin: e.mustToken(admin, []string{certsum.LevelCertAdmin})}

	initial := map[string]bool{}
	for _, c := range o.certifications() {
		initial[c.ID] = true
		o.check(c.ID)
	}
	o.verifyNoDrift()
	if t.Failed() {
		t.FailNow()
	}

	rng := rand.New(rand.NewPCG(seed, 2))
	identities := ds.Identities
	touched := map[string]bool{}
	const rounds = 30
	for round := 0; round < rounds; round++ {
		var active []certsum.Certification
		for _, c := range o.certifications() {
			// The largest certifications are left to the full checks before and after: walking
			// thousands of items every round would only slow the test down.
			if c.Phase == certsum.PhaseActive && c.Reviewer.Type == certsum.TypeIdentity && c.DecisionsTotal > 0 && c.DecisionsTotal <= 400 {
				active = append(active, c)
			}
		}
		if len(active) == 0 {
			break
		}
		c := active[rng.IntN(len(active))]
		items := o.items(c)
		switch op := rng.IntN(10); {
		case op < 5: // decide or change a few items
			n := 1 + rng.IntN(min(len(items), 12))
			var body []map[string]any
			for _, i := range rng.Perm(len(items))[:n] {
				it := items[i]
				d := certsum.Approve
				if it.Decision == certsum.Approve || (it.Decision == "" && rng.IntN(3) == 0) {
					d = certsum.Revoke
				}
				el := map[string]any{"id": it.ID, "decision": d, "bulk": n > 1, "comments": fmt.Sprintf("round %d", round)}
				if d == certsum.Revoke && rng.IntN(2) == 0 {
					el["proposedEndDate"] = "2030-06-01T00:00:00.000Z"
				}
				body = append(body, el)
			}
			e.do("POST", certPath(c.ID, "/decide"), o.admin, body).mustStatus(t, 200)
			touched[c.ID] = true
		case op < 7: // sign off, deciding what is still open first (sometimes too late)
			var body []map[string]any
			for _, it := range items {
				if it.Decision == "" {
					body = append(body, map[string]any{"id": it.ID, "decision": "APPROVE", "bulk": true, "comments": "closing"})
				}
			}
			if len(body) > 0 && rng.IntN(3) == 0 {
				e.do("POST", certPath(c.ID, "/sign-off"), o.admin, nil).mustError(t, 400, detailBadContent, "")
			}
			for len(body) > 0 {
				n := min(len(body), 250)
				e.do("POST", certPath(c.ID, "/decide"), o.admin, body[:n]).mustStatus(t, 200)
				body = body[n:]
			}
			var signed certsum.Certification
			e.do("POST", certPath(c.ID, "/sign-off"), o.admin, nil).mustStatus(t, 200).decode(t, &signed)
			if signed.Phase != certsum.PhaseSigned {
				t.Errorf("signed certification %s has phase %s", c.ID, signed.Phase)
			}
			touched[c.ID] = true
		default: // reassign some items or one identity's items
			var refs []map[string]string
			if rng.IntN(2) == 0 {
				for _, i := range rng.Perm(len(items))[:1+rng.IntN(min(len(items), 3))] {
					refs = append(refs, map[string]string{"id": items[i].ID, "type": "ITEM"})
				}
			} else {
				refs = append(refs, map[string]string{"id": items[rng.IntN(len(items))].IdentitySummary.ID, "type": "IDENTITY_SUMMARY"})
			}
			to := identities[rng.IntN(len(identities))].ID
			for to == c.Reviewer.ID {
				to = identities[rng.IntN(len(identities))].ID
			}
			e.do("POST", certPath(c.ID, "/reassign"), o.admin, map[string]any{"reassign": refs, "reassignTo": to, "reason": "round " + strconv.Itoa(round)}).
				mustStatus(t, 200)
			touched[c.ID] = true
		}
		o.check(c.ID)
		if t.Failed() {
			t.Fatalf("summaries disagree after round %d", round)
		}
	}
	if len(touched) == 0 {
		t.Fatal("no certification was changed; the test proved nothing")
	}
	// Every certification a round changed, and every one a reassignment created, once more;
	// Verify recounts all the others' counters from their items.
	for _, c := range o.certifications() {
		if touched[c.ID] || !initial[c.ID] {
			o.check(c.ID)
		}
	}
	o.verifyNoDrift()
}
