package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// decideAll decides every undecided item of a certification, with comments.
func decideAll(t testing.TB, st certsum.Store, m *model, cert, by string) *certsum.Certification {
	t.Helper()
	var ds []certsum.ReviewDecision
	for i, id := range m.undecided(cert) {
		d := certsum.Approve
		if i%3 == 1 {
			d = certsum.Revoke
		}
		ds = append(ds, decision(id, d, "reviewed"))
	}
	c, err := st.Decide(context.Background(), cert, by, ds)
	mustOK(t, err, "Decide all of "+cert)
	m.decide(ds)
	return c
}

func testSignOff(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()

	t.Run("sign-off needs every item decided, then signs and counts in the campaign", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		_, err := st.SignOff(ctx, certActive, idRita)
		mustCode(t, err, certsum.CodeConflict)
		k0, err := st.GetCampaign(ctx, campaignManager)
		mustOK(t, err, "GetCampaign")
		decided := decideAll(t, st, m, certActive, idRita)
		if !decided.Completed {
			t.Fatalf("certification not completed after deciding every item: %+v", decided)
		}
		v0, _ := st.CertificationVersion(ctx, certActive)
		c, err := st.SignOff(ctx, certActive, idRita)
		mustOK(t, err, "SignOff")
		if c.Phase != certsum.PhaseSigned || c.Signed == nil || c.Signed.Location() != time.UTC ||
			!c.Signed.Equal(c.Modified.Time) || c.Signed.Before(decided.Modified.Time) {
			t.Errorf("signed certification: phase %s, signed %v, modified %v (decided at %v)", c.Phase, c.Signed, c.Modified, decided.Modified)
		}
		if v, _ := st.CertificationVersion(ctx, certActive); v <= v0 {
			t.Errorf("version %d after sign-off, was %d", v, v0)
		}
		k1, err := st.GetCampaign(ctx, campaignManager)
		mustOK(t, err, "GetCampaign")
		if k1.CompletedCertifications != k0.CompletedCertifications+1 || k1.Status != certsum.StatusActive {
			t.Errorf("campaign after one sign-off: %d completed (was %d), status %s", k1.CompletedCertifications, k0.CompletedCertifications, k1.Status)
		}
		_, err = st.SignOff(ctx, certActive, idRita)
		mustCode(t, err, certsum.CodeConflict)
		_, err = st.Decide(ctx, certActive, idRita, []certsum.ReviewDecision{decision(m.certItems(certActive)[0].id, certsum.Revoke, "late")})
		mustCode(t, err, certsum.CodeConflict)
		_, err = st.Reassign(ctx, certActive, idRita, certsum.ReviewReassign{Reason: "late", ReassignTo: idNora,
			Reassign: []certsum.ReassignReference{{ID: m.certItems(certActive)[0].id, Type: certsum.ReassignItem}}})
		mustCode(t, err, certsum.CodeConflict)

		// The campaign completes with its last certification.
		decideAll(t, st, m, certGroup, idGus)
		_, err = st.SignOff(ctx, certGroup, idGus)
		mustOK(t, err, "SignOff "+certGroup)
		k2, err := st.GetCampaign(ctx, campaignManager)
		mustOK(t, err, "GetCampaign")
		if k2.Status != certsum.StatusCompleted || k2.CompletedCertifications != k2.TotalCertifications {
			t.Errorf("campaign after its last sign-off: status %s, %d/%d completed", k2.Status, k2.CompletedCertifications, k2.TotalCertifications)
		}
		mustNoDrift(t, st)
	})

	t.Run("a campaign of one certification completes with it", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		decideAll(t, st, m, certAll, idCara)
		_, err := st.SignOff(ctx, certAll, idCara)
		mustOK(t, err, "SignOff")
		k, err := st.GetCampaign(ctx, campaignAll)
		mustOK(t, err, "GetCampaign")
		if k.Status != certsum.StatusCompleted || k.CompletedCertifications != 1 || k.TotalCertifications != 1 {
			t.Errorf("campaign: status %s, %d/%d completed", k.Status, k.CompletedCertifications, k.TotalCertifications)
		}
	})

	t.Run("only an ACTIVE certification can be signed off", func(t *testing.T) {
		st, _ := fixtureStore(t, newStore)
		for _, cert := range []string{certStaged, certSigned, certDone} {
			_, err := st.SignOff(ctx, cert, idRita)
			mustCode(t, err, certsum.CodeConflict)
		}
	})
}

func summaryIDs(t testing.TB, st certsum.Store, cert string) []string {
	t.Helper()
	var out []string
	for _, s := range allSummaries(t, st, cert) {
		out = append(out, s.ID)
	}
	sort.Strings(out)
	return out
}

func itemIDs(t testing.TB, st certsum.Store, cert string) map[string]certsum.AccessReviewItem {
	t.Helper()
	out := map[string]certsum.AccessReviewItem{}
	for _, it := range allItems(t, st, cert) {
		out[it.ID] = it
	}
	return out
}

func testReassign(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	ref := func(id string, typ certsum.ReassignType) certsum.ReassignReference {
		return certsum.ReassignReference{ID: id, Type: typ}
	}
	body := func(to string, refs ...certsum.ReassignReference) certsum.ReviewReassign {
		return certsum.ReviewReassign{Reassign: refs, ReassignTo: to, Reason: "on leave"}
	}

	t.Run("identity summaries and items move to a new certification of the target", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		src0, err := st.GetCertification(ctx, certActive)
		mustOK(t, err, "GetCertification")
		k0, _ := st.GetCampaign(ctx, campaignManager)
		sums := m.certSummaries(certActive)
		whole := sums[0]
		partial := sums[1]
		var partialItems []string
		for _, it := range m.certItems(certActive) {
			if it.summary == partial {
				partialItems = append(partialItems, it.id)
			}
		}
		movedBefore := itemIDs(t, st, certActive)
		src, err := st.Reassign(ctx, certActive, idRita, body(idNora,
			ref(whole, certsum.ReassignIdentitySummary), ref(partialItems[0], certsum.ReassignItem), ref(whole, certsum.ReassignTargetSummary)))
		mustOK(t, err, "Reassign")
		if src.ID != certActive {
			t.Fatalf("Reassign returned %s, want the source certification", src.ID)
		}
		targets, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: idNora}, all())
		mustOK(t, err, "ListCertifications")
		if len(targets.Items) != 1 {
			t.Fatalf("reassignTo reviews %d certifications, want the one created", len(targets.Items))
		}
		tgt := targets.Items[0]
		if tgt.Campaign.ID != campaignManager || tgt.Phase != certsum.PhaseActive || tgt.Reviewer.ID != idNora ||
			tgt.Reviewer.Type != certsum.TypeIdentity || tgt.Reviewer.Name != "Nora Newcomer" ||
			tgt.Due == nil || src0.Due == nil || !tgt.Due.Equal(src0.Due.Time) || tgt.Reassignment == nil ||
			tgt.Reassignment.From.ID != certActive || tgt.Reassignment.From.Type != certsum.TypeCertification ||
			tgt.Reassignment.From.Name != src0.Name || tgt.Reassignment.From.Reviewer.ID != idRita ||
			tgt.Reassignment.Comment != "on leave" {
			t.Errorf("created certification = %+v (reassignment %+v)", tgt, tgt.Reassignment)
		}
		gotSums := summaryIDs(t, st, tgt.ID)
		if len(gotSums) != 2 || !contains(gotSums, whole) {
			t.Errorf("target identity summaries = %v, want %s (kept) and a new one for %s's identity", gotSums, whole, partial)
		}
		if contains(summaryIDs(t, st, certActive), whole) || !contains(summaryIDs(t, st, certActive), partial) {
			t.Errorf("source identity summaries = %v: %s should have left, %s stayed", summaryIDs(t, st, certActive), whole, partial)
		}
		moved := itemIDs(t, st, tgt.ID)
		wantMoved := map[string]bool{partialItems[0]: true}
		for _, it := range m.certItems(certActive) {
			if it.summary == whole {
				wantMoved[it.id] = true
			}
		}
		if len(moved) != len(wantMoved) {
			t.Errorf("target holds %d items, want %d", len(moved), len(wantMoved))
		}
		for id, it := range moved {
			if !wantMoved[id] {
				t.Errorf("target holds %s, which was not reassigned", id)
			}
			before, ok := movedBefore[id]
			if !ok {
				t.Errorf("target holds %s, which was not in the source", id)
				continue
			}
			if it.Decision != before.Decision || !equalPtr(it.Comments, before.Comments) {
				t.Errorf("moved item %s: decision %q, was %q", id, it.Decision, before.Decision)
			}
			m.items[id].cert = tgt.ID
		}
		k1, _ := st.GetCampaign(ctx, campaignManager)
		if k1.TotalCertifications != k0.TotalCertifications+1 {
			t.Errorf("campaign counts %d certifications, want %d", k1.TotalCertifications, k0.TotalCertifications+1)
		}
		if src.DecisionsTotal != src0.DecisionsTotal-len(moved) || src.IdentitiesTotal != src0.IdentitiesTotal-1 {
			t.Errorf("source counters: %d items, %d identities; want %d, %d", src.DecisionsTotal, src.IdentitiesTotal,
				src0.DecisionsTotal-len(moved), src0.IdentitiesTotal-1)
		}
		// The items' history follows them.
		for id, it := range moved {
			if it.Decision == "" {
				continue
			}
			if h := history(t, st, tgt.ID, id); len(h) == 0 || h[len(h)-1].Decision != it.Decision {
				t.Errorf("history of moved item %s = %+v", id, h)
			}
		}
		mustNoDrift(t, st)
		mustRecount(t, st, certActive)
		mustRecount(t, st, tgt.ID)

		// Moving the partial summary's other items empties and removes it from the source.
		var rest []certsum.ReassignReference
		for _, id := range partialItems[1:] {
			rest = append(rest, ref(id, certsum.ReassignItem))
		}
		_, err = st.Reassign(ctx, certActive, idRita, body(idNora, rest...))
		mustOK(t, err, "Reassign the rest")
		_, err = st.GetIdentitySummary(ctx, certActive, partial)
		mustCode(t, err, certsum.CodeNotFound)
		if got := summaryIDs(t, st, tgt.ID); len(got) != 2 {
			t.Errorf("target identity summaries = %v, want the same two", got)
		}
		targets2, _ := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: idNora}, all())
		if len(targets2.Items) != 1 {
			t.Errorf("a second reassignment created another certification: %d", len(targets2.Items))
		}
		mustNoDrift(t, st)
		mustRecount(t, st, certActive)
		mustRecount(t, st, tgt.ID)
	})

	t.Run("items join the target's existing certification in the campaign", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		before, _ := st.GetCertification(ctx, certActive)
		sid := m.certSummaries(certGroup)[0]
		n := 0
		for _, it := range m.certItems(certGroup) {
			if it.summary == sid {
				n++
			}
		}
		_, err := st.Reassign(ctx, certGroup, idGus, body(idRita, ref(sid, certsum.ReassignIdentitySummary)))
		mustOK(t, err, "Reassign")
		after, _ := st.GetCertification(ctx, certActive)
		if after.DecisionsTotal != before.DecisionsTotal+n || after.Reassignment != nil {
			t.Errorf("%s holds %d items after taking %d (had %d); reassignment %+v", certActive, after.DecisionsTotal, n,
				before.DecisionsTotal, after.Reassignment)
		}
		mustNoDrift(t, st)
		mustRecount(t, st, certActive)
		mustRecount(t, st, certGroup)
	})

	t.Run("bad reassignments fail with the right code and change nothing", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		item := m.certItems(certActive)[0].id
		var many []certsum.ReassignReference
		for i := 0; i <= 50; i++ {
			many = append(many, ref(fmt.Sprintf("it-%d", i), certsum.ReassignItem))
		}
		noReason := body(idNora, ref(item, certsum.ReassignItem))
		noReason.Reason = " "
		cases := []struct {
			name string
			cert string
			r    certsum.ReviewReassign
			want certsum.Code
		}{
			{"no references", certActive, body(idNora), certsum.CodeInvalid},
			{"51 references", certActive, body(idNora, many...), certsum.CodeInvalid},
			{"no reassignTo", certActive, body("", ref(item, certsum.ReassignItem)), certsum.CodeInvalid},
			{"no reason", certActive, noReason, certsum.CodeInvalid},
			{"an unknown reference type", certActive, body(idNora, ref(item, "CAMPAIGN")), certsum.CodeInvalid},
			{"an empty reference id", certActive, body(idNora, ref("", certsum.ReassignItem)), certsum.CodeInvalid},
			{"the current reviewer", certActive, body(idRita, ref(item, certsum.ReassignItem)), certsum.CodeInvalid},
			{"an unknown identity", certActive, body("id-ghost", ref(item, certsum.ReassignItem)), certsum.CodeReference},
			{"an unknown item", certActive, body(idNora, ref("it-ghost", certsum.ReassignItem)), certsum.CodeReference},
			{"another certification's item", certActive, body(idNora, ref(m.certItems(certGroup)[0].id, certsum.ReassignItem)), certsum.CodeReference},
			{"an unknown identity summary", certActive, body(idNora, ref("is-ghost", certsum.ReassignIdentitySummary)), certsum.CodeReference},
			{"a staged certification", certStaged, body(idNora, ref(m.certItems(certStaged)[0].id, certsum.ReassignItem)), certsum.CodeConflict},
			{"a signed certification", certSigned, body(idNora, ref(m.certItems(certSigned)[0].id, certsum.ReassignItem)), certsum.CodeConflict},
			{"a target whose certification is signed", certActive, body(idSam, ref(item, certsum.ReassignItem)), certsum.CodeConflict},
		}
		v0, _ := st.CertificationVersion(ctx, certActive)
		for _, c := range cases {
			_, err := st.Reassign(ctx, c.cert, idRita, c.r)
			if got := certsum.ErrorCode(err); got != c.want {
				t.Errorf("%s: code %q (%v), want %q", c.name, got, err, c.want)
			}
		}
		if v, _ := st.CertificationVersion(ctx, certActive); v != v0 {
			t.Errorf("failed reassignments moved the version from %d to %d", v0, v)
		}
		k, _ := st.GetCampaign(ctx, campaignManager)
		if k.TotalCertifications != len(m.campaigns[campaignManager].certs) {
			t.Errorf("failed reassignments left %d certifications in the campaign", k.TotalCertifications)
		}
		mustNoDrift(t, st)
	})
}
