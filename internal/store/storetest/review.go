package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// itemByID returns one listed review item of a certification.
func itemByID(t testing.TB, st certsum.Store, cert, id string) certsum.AccessReviewItem {
	t.Helper()
	lq := q(t, certsum.ReviewItemSchema, fmt.Sprintf("id eq %q", id), "", 1, 0, false)
	p, err := st.ListReviewItems(context.Background(), cert, certsum.ReviewItemFilter{}, lq)
	mustOK(t, err, "ListReviewItems")
	if len(p.Items) != 1 {
		t.Fatalf("review item %s not listed in %s", id, cert)
	}
	return p.Items[0]
}

// history returns the audit trail of an item (or a certification when item is "").
func history(t testing.TB, st certsum.Store, cert, item string) []certsum.DecisionRecord {
	t.Helper()
	h, err := st.DecisionHistory(context.Background(), cert, item)
	mustOK(t, err, "DecisionHistory")
	return h
}

// mustCounters compares a certification's counters with the model.
func mustCounters(t testing.TB, m *model, c *certsum.Certification) {
	t.Helper()
	made, total, ids, done := m.counts(c.ID)
	got := [5]int{c.DecisionsMade, c.DecisionsTotal, c.IdentitiesTotal, c.IdentitiesCompleted, b2i(c.Completed)}
	want := [5]int{made, total, ids, done, b2i(made == total)}
	if got != want {
		t.Errorf("%s: counters (made, total, identities, identities completed, completed) = %v, want %v", c.ID, got, want)
	}
}

func testDecide(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()

	t.Run("decisions set their items and every counter and are recorded", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		open := m.undecided(certActive)
		before := len(history(t, st, certActive, ""))
		end := certsum.Time{Time: time.Date(2036, 6, 30, 23, 59, 59, 999999999, fixtureZone)}
		ds := []certsum.ReviewDecision{decision(open[0], certsum.Approve, ""), decision(open[1], certsum.Revoke, "leaver")}
		ds[1].ProposedEndDate = &end
		ds[0].Recommendation = &certsum.Recommendation{Recommendation: strPtr("APPROVE"), Reasons: []string{"a", "b"}}
		bulk := true
		ds[1].Bulk = &bulk
		c, err := st.Decide(ctx, certActive, "id-decider", ds)
		mustOK(t, err, "Decide")
		m.decide(ds)
		mustCounters(t, m, c)
		mustRecount(t, st, certActive)
		mustNoDrift(t, st)
		for _, d := range ds {
			it := itemByID(t, st, certActive, d.ID)
			if it.Decision != d.Decision || !it.Completed || !equalPtr(it.Comments, d.Comments) {
				t.Errorf("item %s: decision %q completed %t comments %v, want %q true %v", d.ID, it.Decision, it.Completed,
					deref(it.Comments), d.Decision, deref(d.Comments))
			}
		}
		h := history(t, st, certActive, "")
		if len(h) != before+2 {
			t.Fatalf("history has %d records, want %d", len(h), before+2)
		}
		last := h[len(h)-2:]
		for i, r := range last {
			d := ds[i]
			if r.ItemID != d.ID || r.CertificationID != certActive || r.DecidedBy != "id-decider" || r.Decision != d.Decision ||
				r.PreviousDecision != "" || r.Bulk != *d.Bulk || !equalPtr(r.Comments, d.Comments) || r.ID == "" {
				t.Errorf("history record %d = %+v, want the decision %+v by id-decider", i, r, d)
			}
		}
		if last[1].ProposedEndDate == nil || !last[1].ProposedEndDate.Equal(certsum.NewTime(end.Time).Time) {
			t.Errorf("proposedEndDate = %v, want %v", last[1].ProposedEndDate, certsum.NewTime(end.Time))
		}
		if diff := cmp.Diff(ds[0].Recommendation, last[0].Recommendation); diff != "" {
			t.Errorf("recommendation (-sent +recorded):\n%s", diff)
		}
		if !last[0].DecidedAt.Equal(c.Modified.Time) {
			t.Errorf("decidedAt %v, certification modified %v: want them equal", last[0].DecidedAt, c.Modified)
		}
	})

	t.Run("changing a decision records the previous one and moves the counters", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		id := m.undecided(certActive)[2]
		for _, d := range []certsum.Decision{certsum.Approve, certsum.Revoke, certsum.Approve} {
			c, err := st.Decide(ctx, certActive, idRita, []certsum.ReviewDecision{decision(id, d, "")})
			mustOK(t, err, "Decide")
			m.decide([]certsum.ReviewDecision{decision(id, d, "")})
			mustCounters(t, m, c)
		}
		h := history(t, st, certActive, id)
		var got []string
		for _, r := range h {
			got = append(got, string(r.PreviousDecision)+">"+string(r.Decision))
		}
		if strings.Join(got, " ") != ">APPROVE APPROVE>REVOKE REVOKE>APPROVE" {
			t.Errorf("item history = %v", got)
		}
		mustRecount(t, st, certActive)
		mustNoDrift(t, st)
	})

	t.Run("an identical repeat changes nothing and is not recorded again", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		open := m.undecided(certActive)
		ds := []certsum.ReviewDecision{decision(open[0], certsum.Revoke, "same"), decision(open[1], certsum.Approve, "")}
		end := certsum.NewTime(time.Date(2036, 5, 1, 0, 0, 0, 0, time.UTC))
		ds[0].ProposedEndDate = &end
		ds[0].Recommendation = &certsum.Recommendation{Reasons: []string{"x"}}
		first, err := st.Decide(ctx, certActive, idRita, ds)
		mustOK(t, err, "Decide")
		n := len(history(t, st, certActive, ""))
		again, err := st.Decide(ctx, certActive, idRita, ds)
		mustOK(t, err, "Decide again")
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("the repeat changed the certification (-first +again):\n%s", diff)
		}
		if got := len(history(t, st, certActive, "")); got != n {
			t.Errorf("history grew from %d to %d on an identical repeat", n, got)
		}
		// The same decision with other comments is a change to record, not to count.
		ds[1].Comments = strPtr("now with a reason")
		third, err := st.Decide(ctx, certActive, idRita, ds)
		mustOK(t, err, "Decide with new comments")
		if got := len(history(t, st, certActive, "")); got != n+1 {
			t.Errorf("history has %d records after a comment change, want %d", got, n+1)
		}
		m.decide(ds)
		mustCounters(t, m, third)
		mustNoDrift(t, st)
	})

	t.Run("a bad request body is invalid and changes nothing", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		open := m.undecided(certActive)
		ok := decision(open[0], certsum.Approve, "")
		noBulk := ok
		noBulk.Bulk = nil
		endOnApprove := ok
		end := certsum.NewTime(time.Now())
		endOnApprove.ProposedEndDate = &end
		var tooMany []certsum.ReviewDecision
		for i := 0; i <= 250; i++ {
			tooMany = append(tooMany, decision(fmt.Sprintf("it-%d", i), certsum.Approve, ""))
		}
		cases := map[string][]certsum.ReviewDecision{
			"no decisions":                 {},
			"251 decisions":                tooMany,
			"an unknown decision":          {decision(open[0], "MAYBE", "")},
			"a lower-case decision":        {decision(open[0], "approve", "")},
			"no bulk flag":                 {noBulk},
			"proposedEndDate with APPROVE": {endOnApprove},
			"the same item twice":          {ok, decision(open[0], certsum.Revoke, "")},
			"an empty id":                  {ok, decision("", certsum.Approve, "")},
			"a valid and an invalid entry": {ok, decision(open[1], "", "")},
		}
		v0, _ := st.CertificationVersion(ctx, certActive)
		for name, ds := range cases {
			_, err := st.Decide(ctx, certActive, idRita, ds)
			if certsum.ErrorCode(err) != certsum.CodeInvalid {
				t.Errorf("%s: error %v, want code invalid", name, err)
			}
		}
		if v, _ := st.CertificationVersion(ctx, certActive); v != v0 {
			t.Errorf("invalid requests moved the version from %d to %d", v0, v)
		}
		if it := itemByID(t, st, certActive, open[0]); it.Decision != "" {
			t.Errorf("item %s was decided by an invalid request", open[0])
		}
	})

	t.Run("the campaign's comment requirement is enforced", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		all := m.undecided(certAll)
		revoke := m.undecided(certRevoke)
		for _, c := range []struct {
			cert string
			ds   []certsum.ReviewDecision
			want certsum.Code
		}{
			{certAll, []certsum.ReviewDecision{decision(all[0], certsum.Approve, "")}, certsum.CodeInvalid},
			{certAll, []certsum.ReviewDecision{decision(all[0], certsum.Approve, "  \t")}, certsum.CodeInvalid},
			{certAll, []certsum.ReviewDecision{decision(all[0], certsum.Approve, "fine"), decision(all[1], certsum.Revoke, "")}, certsum.CodeInvalid},
			{certAll, []certsum.ReviewDecision{decision(all[0], certsum.Approve, "fine")}, ""},
			{certRevoke, []certsum.ReviewDecision{decision(revoke[0], certsum.Revoke, "")}, certsum.CodeInvalid},
			{certRevoke, []certsum.ReviewDecision{decision(revoke[0], certsum.Approve, "")}, ""},
			{certRevoke, []certsum.ReviewDecision{decision(revoke[1], certsum.Revoke, "left")}, ""},
		} {
			_, err := st.Decide(ctx, c.cert, idCara, c.ds)
			if got := certsum.ErrorCode(err); got != c.want {
				t.Errorf("Decide(%s, %+v): code %q (%v), want %q", c.cert, c.ds, got, err, c.want)
			}
		}
		mustNoDrift(t, st)
	})

	t.Run("items outside the certification fail the whole request with a reference error", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		open := m.undecided(certActive)
		foreign := m.undecided(certGroup)[0]
		for _, ds := range [][]certsum.ReviewDecision{
			{decision(open[0], certsum.Approve, ""), decision("it-unknown", certsum.Approve, "")},
			{decision(foreign, certsum.Approve, ""), decision(open[0], certsum.Revoke, "")},
		} {
			_, err := st.Decide(ctx, certActive, idRita, ds)
			mustCode(t, err, certsum.CodeReference)
		}
		if it := itemByID(t, st, certActive, open[0]); it.Decision != "" {
			t.Errorf("a rejected request decided %s", open[0])
		}
		if it := itemByID(t, st, certGroup, foreign); it.Decision != "" {
			t.Errorf("a rejected request decided %s in another certification", foreign)
		}
	})

	t.Run("only an ACTIVE certification takes decisions", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		for _, cert := range []string{certStaged, certSigned, certDone} {
			id := m.certItems(cert)[0].id
			_, err := st.Decide(ctx, cert, idRita, []certsum.ReviewDecision{decision(id, certsum.Revoke, "x")})
			mustCode(t, err, certsum.CodeConflict)
		}
		mustNoDrift(t, st)
	})

	t.Run("the audit trail of an item must be asked of its certification", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		_, err := st.DecisionHistory(ctx, certActive, m.certItems(certGroup)[0].id)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.DecisionHistory(ctx, certActive, "it-unknown")
		mustCode(t, err, certsum.CodeNotFound)
		// The loaded decisions are the first records, oldest first, with the loaded times.
		h := history(t, st, certSigned, "")
		decided := 0
		for _, it := range m.certItems(certSigned) {
			if it.decision != "" {
				decided++
			}
		}
		if len(h) != decided {
			t.Errorf("%s: %d history records, want one per loaded decision (%d)", certSigned, len(h), decided)
		}
		for _, r := range h {
			if r.DecidedBy != idSam || r.CertificationID != certSigned || r.Decision != m.items[r.ItemID].decision {
				t.Errorf("loaded history record %+v does not match the fixture", r)
			}
		}
	})
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
