package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// itemState is everything about an item's current decision that makes a repeat identical.
type itemState struct {
	decision certsum.Decision
	comments *string
	bulk     bool
	end      *time.Time
	rec      string // canonical JSON, "" for none
}

func recJSON(r *certsum.Recommendation) string {
	if r == nil {
		return ""
	}
	b, _ := json.Marshal(r)
	var back certsum.Recommendation
	_ = json.Unmarshal(b, &back)
	b, _ = json.Marshal(back)
	return string(b)
}

func stateOf(d certsum.ReviewDecision) itemState {
	s := itemState{decision: d.Decision, comments: d.Comments, bulk: *d.Bulk, rec: recJSON(d.Recommendation)}
	if d.ProposedEndDate != nil {
		e := d.ProposedEndDate.UTC().Truncate(time.Millisecond)
		s.end = &e
	}
	return s
}

func (a itemState) same(b itemState) bool {
	sameEnd := (a.end == nil) == (b.end == nil) && (a.end == nil || a.end.Equal(*b.end))
	return a.decision == b.decision && equalPtr(a.comments, b.comments) && a.bulk == b.bulk && sameEnd && a.rec == b.rec
}

// testProperty applies a random sequence of new, changed, repeated and failing decisions to
// two certifications and checks after every step that the returned counters equal the
// model's, that the version moves exactly with effective changes, and regularly that every
// counter equals its recount; at the end every item's audit trail holds exactly one record
// per effective change, the last being its current decision.
func testProperty(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)
	rng := rand.New(rand.NewPCG(20260301, 7))
	steps := 80
	if testing.Short() {
		steps = 25
	}
	state := map[string]itemState{}
	for _, kd := range Fixture().Campaigns {
		for _, cd := range kd.Certifications {
			for _, it := range cd.Items {
				if r := it.Decision; r != nil {
					bulk := r.Bulk
					s := stateOf(certsum.ReviewDecision{Decision: r.Decision, Comments: r.Comments, Bulk: &bulk,
						ProposedEndDate: r.ProposedEndDate, Recommendation: r.Recommendation})
					state[it.ID] = s
				}
			}
		}
	}
	baseline := map[string]int{}
	changes := map[string]int{}
	certs := []string{certActive, certGroup}
	for _, c := range certs {
		for _, r := range history(t, st, c, "") {
			baseline[r.ItemID]++
		}
	}
	last := map[string][]certsum.ReviewDecision{}
	end := certsum.NewTime(time.Date(2036, 12, 31, 0, 0, 0, 0, time.UTC))
	rec := &certsum.Recommendation{Recommendation: strPtr("REVOKE"), Reasons: []string{"unused"}}
	comments := []*string{nil, strPtr("ok"), strPtr("checked with the manager")}

	randomBody := func(cert string) []certsum.ReviewDecision {
		items := m.certItems(cert)
		n := 1 + rng.IntN(8)
		seen := map[string]bool{}
		var ds []certsum.ReviewDecision
		for len(ds) < n {
			it := items[rng.IntN(len(items))]
			if seen[it.id] {
				continue
			}
			seen[it.id] = true
			bulk := rng.IntN(2) == 0
			d := certsum.ReviewDecision{ID: it.id, Decision: certsum.Approve, Bulk: &bulk, Comments: comments[rng.IntN(len(comments))]}
			if rng.IntN(2) == 0 {
				d.Decision = certsum.Revoke
				if rng.IntN(2) == 0 {
					d.ProposedEndDate = &end
				}
			}
			if rng.IntN(3) == 0 {
				d.Recommendation = rec
			}
			ds = append(ds, d)
		}
		return ds
	}

	for step := 0; step < steps; step++ {
		cert := certs[rng.IntN(len(certs))]
		var ds []certsum.ReviewDecision
		failing := false
		switch op := rng.IntN(10); {
		case op < 5 || last[cert] == nil:
			ds = randomBody(cert)
		case op < 7:
			ds = last[cert] // an exact repeat
		case op < 9:
			for _, d := range last[cert] { // change every decision of the last body
				d2 := d
				if d.Decision == certsum.Approve {
					d2.Decision = certsum.Revoke
				} else {
					d2.Decision, d2.ProposedEndDate = certsum.Approve, nil
				}
				ds = append(ds, d2)
			}
		default:
			ds = append(randomBody(cert), decision("it-not-there", certsum.Approve, ""))
			failing = true
		}
		v0, err := st.CertificationVersion(ctx, cert)
		mustOK(t, err, "CertificationVersion")
		c, err := st.Decide(ctx, cert, "id-property", ds)
		if failing {
			mustCode(t, err, certsum.CodeReference)
		} else {
			mustOK(t, err, fmt.Sprintf("step %d: Decide", step))
			effective := false
			for _, d := range ds {
				s := stateOf(d)
				if prev, ok := state[d.ID]; ok && prev.same(s) {
					continue
				}
				state[d.ID] = s
				changes[d.ID]++
				effective = true
			}
			m.decide(ds)
			mustCounters(t, m, c)
			v1, err := st.CertificationVersion(ctx, cert)
			mustOK(t, err, "CertificationVersion")
			if effective != (v1 > v0) || v1 < v0 {
				t.Errorf("step %d: version %d → %d, effective change %t", step, v0, v1, effective)
			}
			last[cert] = ds
		}
		if step%10 == 9 {
			mustNoDrift(t, st)
			mustRecount(t, st, cert)
		}
		if t.Failed() {
			t.Fatalf("stopping at step %d", step)
		}
	}
	mustNoDrift(t, st)
	for _, c := range certs {
		mustRecount(t, st, c)
		for _, it := range allItems(t, st, c) {
			h := history(t, st, c, it.ID)
			if len(h) != baseline[it.ID]+changes[it.ID] {
				t.Errorf("item %s: %d history records, want %d loaded + %d effective changes", it.ID, len(h), baseline[it.ID], changes[it.ID])
			}
			if len(h) > 0 {
				r := h[len(h)-1]
				if r.Decision != it.Decision || !equalPtr(r.Comments, it.Comments) {
					t.Errorf("item %s: last record %s %v, item holds %s %v", it.ID, r.Decision, deref(r.Comments), it.Decision, deref(it.Comments))
				}
			}
			for i := 1; i < len(h); i++ {
				if h[i].PreviousDecision != h[i-1].Decision {
					t.Errorf("item %s record %d: previous decision %q, the record before says %q", it.ID, i, h[i].PreviousDecision, h[i-1].Decision)
				}
			}
		}
	}
}
