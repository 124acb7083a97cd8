package sqlite

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/certsum/certsum"
)

// concurrentDataset is one certification of people×perPerson items.
func concurrentDataset(people, perPerson int) *certsum.Dataset {
	d := &certsum.Dataset{}
	d.Identities = []certsum.Identity{{ID: "boss", Name: "Boss"}}
	d.Sources = []certsum.Source{{ID: "src", Name: "Directory"}}
	for e := 0; e < perPerson; e++ {
		d.Entitlements = append(d.Entitlements, certsum.Entitlement{ID: fmt.Sprintf("e%d", e), Name: fmt.Sprintf("Group %d", e), SourceID: "src"})
	}
	cd := certsum.CertificationData{Certification: certsum.Certification{ID: "cert", Name: "Concurrent",
		Reviewer: certsum.Reviewer{ID: "boss", Type: certsum.TypeIdentity}, Phase: certsum.PhaseActive}}
	for p := 0; p < people; p++ {
		id := fmt.Sprintf("p%d", p)
		d.Identities = append(d.Identities, certsum.Identity{ID: id, Name: "Person " + id, ManagerID: "boss"})
		cd.IdentitySummaries = append(cd.IdentitySummaries, certsum.IdentitySummary{ID: "s-" + id, IdentityID: id})
		for e := 0; e < perPerson; e++ {
			cd.Items = append(cd.Items, certsum.ItemData{ID: fmt.Sprintf("i-%d-%d", p, e), IdentitySummaryID: "s-" + id,
				AccessType: certsum.TypeEntitlement, AccessID: fmt.Sprintf("e%d", e)})
		}
	}
	d.Campaigns = []certsum.CampaignData{{
		Campaign:       certsum.Campaign{ID: "k", Name: "Concurrent", Type: certsum.CampaignManager, Status: certsum.StatusActive},
		Certifications: []certsum.CertificationData{cd},
	}}
	return d
}

func TestConcurrentDecisionsAreNeitherLostNorMiscounted(t *testing.T) {
	const people, perPerson, writers, batch = 10, 6, 6, 10
	requests := 15
	if raceEnabled {
		requests = 6
	}
	st := mustOpen(t, newClock())
	mustLoad(t, st, concurrentDataset(people, perPerson))

	var wg sync.WaitGroup
	errs := make(chan error, writers+8)
	stop := make(chan struct{})
	// Readers run alongside the writers.
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := st.DecisionSummary(ctx, "cert", nil); err != nil {
					errs <- err
					return
				}
				if _, err := st.ListIdentitySummaries(ctx, "cert", certsum.ListQuery{Limit: 5, Count: true}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var writersWG sync.WaitGroup
	for g := 0; g < writers; g++ {
		writersWG.Add(1)
		go func(g int) {
			defer writersWG.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for r := 0; r < requests; r++ {
				var body []certsum.ReviewDecision
				for _, k := range rng.Perm(people * perPerson)[:batch] {
					d := []certsum.Decision{certsum.Approve, certsum.Revoke}[rng.IntN(2)]
					body = append(body, certsum.ReviewDecision{
						ID: fmt.Sprintf("i-%d-%d", k/perPerson, k%perPerson), Decision: d, Bulk: ptr(true),
						Comments: ptr(fmt.Sprintf("writer %d request %d", g, r)), // unique: every decision is a change
					})
				}
				if _, err := st.Decide(ctx, "cert", fmt.Sprintf("writer-%d", g), body); err != nil {
					errs <- fmt.Errorf("writer %d request %d: %w", g, r, err)
					return
				}
			}
		}(g)
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	mustNoDrift(t, st)
	hist, err := st.DecisionHistory(ctx, "cert", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != writers*requests*batch {
		t.Fatalf("%d audit records, want one per decision sent (%d)", len(hist), writers*requests*batch)
	}
	last := map[string]certsum.DecisionRecord{}
	for _, h := range hist {
		if prev, ok := last[h.ItemID]; ok && h.PreviousDecision != prev.Decision {
			t.Errorf("%s: record says previous %q, the one before it decided %q", h.ItemID, h.PreviousDecision, prev.Decision)
		}
		last[h.ItemID] = h
	}
	items, err := st.ListReviewItems(ctx, "cert", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	made := 0
	for _, it := range items.Items {
		h, ok := last[it.ID]
		switch {
		case !ok && it.Completed:
			t.Errorf("%s is decided but has no audit record", it.ID)
		case ok && (it.Decision != h.Decision || it.Comments == nil || *it.Comments != *h.Comments):
			t.Errorf("%s holds %s %v, its last audit record %s %q", it.ID, it.Decision, it.Comments, h.Decision, *h.Comments)
		}
		made += b2i(it.Completed)
	}
	if c := mustCert(t, st, "cert"); c.DecisionsMade != made || c.DecisionsTotal != people*perPerson {
		t.Errorf("decisionsMade %d of %d, items say %d of %d", c.DecisionsMade, c.DecisionsTotal, made, people*perPerson)
	}
}
