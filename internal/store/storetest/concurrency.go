package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/certsum/certsum"
)

// testConcurrency runs many goroutines against one certification at once: deciders that
// decide, change and repeat decisions on overlapping items (each request with a comment of
// its own), a reassigner that moves identity summaries and single items out, and a finisher
// that decides whatever is left and signs off while the others are still at work. Every
// call must either succeed or fail for a reason the race explains (reference: the item
// moved away; conflict: the certification was signed). Afterwards every counter equals its
// recount, every successful decision is in the audit trail, every item's trail is an
// unbroken chain (each record's previous decision is the record before it), and every
// item's current decision is its trail's last record.
func testConcurrency(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)
	items := m.certItems(certActive)
	sums := m.certSummaries(certActive)
	workers, ops := 8, 12
	if testing.Short() {
		workers, ops = 4, 6
	}

	var mu sync.Mutex
	sent := map[string]map[string]int{} // comment → item → successful sends
	record := func(comment string, ds []certsum.ReviewDecision) {
		mu.Lock()
		defer mu.Unlock()
		if sent[comment] == nil {
			sent[comment] = map[string]int{}
		}
		for _, d := range ds {
			sent[comment][d.ID]++
		}
	}
	allowed := func(err error, codes ...certsum.Code) bool {
		if err == nil {
			return true
		}
		for _, c := range codes {
			if certsum.ErrorCode(err) == c {
				return true
			}
		}
		return false
	}

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w)+1, 99))
			for op := 0; op < ops; op++ {
				comment := fmt.Sprintf("worker %d op %d", w, op)
				n := 1 + rng.IntN(6)
				seen := map[string]bool{}
				var ds []certsum.ReviewDecision
				for len(ds) < n {
					it := items[rng.IntN(len(items))]
					if seen[it.id] {
						continue
					}
					seen[it.id] = true
					d := certsum.Approve
					if rng.IntN(2) == 0 {
						d = certsum.Revoke
					}
					ds = append(ds, decision(it.id, d, comment))
				}
				repeats := 1 + rng.IntN(2)
				for r := 0; r < repeats; r++ {
					_, err := st.Decide(ctx, certActive, fmt.Sprintf("worker-%d", w), ds)
					if err == nil {
						record(comment, ds)
					} else if !allowed(err, certsum.CodeReference, certsum.CodeConflict) {
						t.Errorf("worker %d: Decide: %v", w, err)
						return
					}
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() { // the reassigner
		defer wg.Done()
		refs := [][]certsum.ReassignReference{
			{{ID: sums[0], Type: certsum.ReassignIdentitySummary}},
			{{ID: items[len(items)-1].id, Type: certsum.ReassignItem}, {ID: items[len(items)-2].id, Type: certsum.ReassignItem}},
			{{ID: sums[2], Type: certsum.ReassignTargetSummary}},
			{{ID: sums[4], Type: certsum.ReassignIdentitySummary}, {ID: sums[5], Type: certsum.ReassignIdentitySummary}},
		}
		for _, r := range refs {
			_, err := st.Reassign(ctx, certActive, idRita, certsum.ReviewReassign{Reassign: r, ReassignTo: idNora, Reason: "busy"})
			if !allowed(err, certsum.CodeReference, certsum.CodeConflict) {
				t.Errorf("reassigner: Reassign: %v", err)
				return
			}
		}
	}()
	signed := make(chan bool, 1)
	open := q(t, certsum.ReviewItemSchema, "completed eq false", "", certsum.MaxLimit, 0, false)
	wg.Add(1)
	go func() { // the finisher
		defer wg.Done()
		for attempt := 0; attempt < 20; attempt++ {
			var ds []certsum.ReviewDecision
			p, err := st.ListReviewItems(ctx, certActive, certsum.ReviewItemFilter{}, open)
			if err != nil {
				t.Errorf("finisher: ListReviewItems: %v", err)
				signed <- false
				return
			}
			for _, it := range p.Items {
				ds = append(ds, decision(it.ID, certsum.Approve, "finisher"))
			}
			if len(ds) > 0 {
				_, err := st.Decide(ctx, certActive, idRita, ds)
				if err == nil {
					record("finisher", ds)
				} else if !allowed(err, certsum.CodeReference, certsum.CodeConflict) {
					t.Errorf("finisher: Decide: %v", err)
					signed <- false
					return
				}
			}
			_, err = st.SignOff(ctx, certActive, idRita)
			if err == nil {
				signed <- true
				return
			}
			if !allowed(err, certsum.CodeConflict) {
				t.Errorf("finisher: SignOff: %v", err)
				signed <- false
				return
			}
		}
		signed <- false
	}()
	wg.Wait()
	if t.Failed() {
		return
	}
	if !<-signed {
		t.Errorf("the finisher never managed to sign %s off", certActive)
	}

	mustNoDrift(t, st)
	certs := []string{certActive}
	targets, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: idNora}, all())
	mustOK(t, err, "ListCertifications")
	for _, c := range targets.Items {
		certs = append(certs, c.ID)
	}
	if len(certs) > 2 {
		t.Errorf("reassignment made %d target certifications, want at most 1", len(certs)-1)
	}
	final, err := st.GetCertification(ctx, certActive)
	mustOK(t, err, "GetCertification")
	if final.Phase != certsum.PhaseSigned || !final.Completed {
		t.Errorf("%s ended %s, completed %t; want SIGNED and completed", certActive, final.Phase, final.Completed)
	}
	recorded := map[string]map[string]int{}
	seenItems := 0
	for _, c := range certs {
		mustRecount(t, st, c)
		for _, it := range allItems(t, st, c) {
			seenItems++
			h := history(t, st, c, it.ID)
			for i, r := range h {
				if i > 0 && r.PreviousDecision != h[i-1].Decision {
					t.Errorf("item %s: record %d says the previous decision was %q, record %d says %q: a decision was lost",
						it.ID, i, r.PreviousDecision, i-1, h[i-1].Decision)
				}
				if r.Comments != nil {
					if recorded[*r.Comments] == nil {
						recorded[*r.Comments] = map[string]int{}
					}
					recorded[*r.Comments][it.ID]++
				}
			}
			if len(h) == 0 {
				if it.Decision != "" {
					t.Errorf("item %s: decided but no history", it.ID)
				}
				continue
			}
			last := h[len(h)-1]
			if last.Decision != it.Decision || !equalPtr(last.Comments, it.Comments) {
				t.Errorf("item %s holds %s %q but its last committed decision is %s %q", it.ID, it.Decision, deref(it.Comments),
					last.Decision, deref(last.Comments))
			}
		}
	}
	if seenItems != len(items) {
		t.Errorf("%d items across %v, want the %d the certification started with", seenItems, certs, len(items))
	}
	for comment, byItem := range sent {
		for item, n := range byItem {
			got := recorded[comment][item]
			if got < 1 || got > n {
				t.Errorf("item %s: %d history records with comment %q after %d successful sends, want 1..%d", item, got, comment, n, n)
			}
		}
	}
	for comment, byItem := range recorded {
		if _, ok := sent[comment]; ok {
			continue
		}
		for item := range byItem {
			if m.items[item].comments == nil || *m.items[item].comments != comment {
				t.Errorf("item %s: history holds comment %q that no successful request sent", item, comment)
			}
		}
	}
}
