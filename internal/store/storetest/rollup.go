package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// testRollups covers the campaign roll-ups: a campaign's figures and its reviewers' progress
// agree with its certifications' own counters through generation, decisions, a reassignment
// and a sign-off.
func testRollups(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "rollups"
	bulk := false
	reason := "not needed"
	st := newStore(t)
	mustImport(t, st, importInput(), certsum.ImportOptions{})
	// ceo (carla) reviews ann's ad-admins and dave's ap-ad; mgr (mario) reviews dave's gh-org.
	k := staged(t, st, certsum.Campaign{Name: "Owners", Description: &desc, Type: certsum.CampaignSourceOwner}, "ceo")
	certOf := func(reviewer string) string {
		t.Helper()
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: reviewer}, all())
		mustOK(t, err, "ListCertifications")
		for _, c := range p.Items {
			if c.Campaign.ID == k.ID {
				return c.ID
			}
		}
		t.Fatalf("no certification of %s", reviewer)
		return ""
	}
	ceoCert, mgrCert := certOf("ceo"), certOf("mgr")

	r, err := st.CampaignRollup(ctx, k.ID)
	mustOK(t, err, "CampaignRollup")
	if r.Certifications != (certsum.RollupCertifications{Total: 2, Staged: 2}) || r.Decisions.Total != 3 || r.Decisions.Made != 0 ||
		r.Identities != (certsum.RollupIdentities{Total: 3}) || r.Campaign.Status != certsum.StatusStaged {
		t.Errorf("staged roll-up = %+v", r)
	}

	mustOK(t, st.ActivateCampaign(ctx, k.ID, certsum.NewTime(time.Now().Add(time.Hour))), "ActivateCampaign")
	var ds []certsum.ReviewDecision
	for _, it := range allItems(t, st, ceoCert) {
		d := certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk}
		if it.AccessSummary.Access.Type == certsum.TypeAccessProfile {
			d.Decision, d.Comments = certsum.Revoke, &reason
		}
		ds = append(ds, d)
	}
	_, err = st.Decide(ctx, ceoCert, "ceo", ds)
	mustOK(t, err, "Decide")
	_, err = st.SignOff(ctx, ceoCert, "ceo")
	mustOK(t, err, "SignOff")
	// mgr hands dave over to ann, who has no certification yet: one is made for her.
	sums := allSummaries(t, st, mgrCert)
	_, err = st.Reassign(ctx, mgrCert, "mgr", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{
		{ID: sums[0].ID, Type: certsum.ReassignIdentitySummary}}, ReassignTo: "ann", Reason: "holiday"})
	mustOK(t, err, "Reassign")
	annCert := certOf("ann")

	r, err = st.CampaignRollup(ctx, k.ID)
	mustOK(t, err, "CampaignRollup")
	// What the certifications themselves say, summed.
	var want certsum.Tally
	wantIDs := certsum.RollupIdentities{}
	for _, id := range []string{ceoCert, mgrCert, annCert} {
		c, err := st.GetCertification(ctx, id)
		mustOK(t, err, "GetCertification")
		ds, err := st.DecisionSummary(ctx, id, nil)
		mustOK(t, err, "DecisionSummary")
		want.Plus(ds.Tally())
		wantIDs.Total += c.IdentitiesTotal
		wantIDs.Completed += c.IdentitiesCompleted
	}
	if diff := cmp.Diff(certsum.NewRollupDecisions(want), r.Decisions); diff != "" {
		t.Errorf("decisions (-certifications +roll-up):\n%s", diff)
	}
	wantDecisions := certsum.DecisionFigures{Made: 2, Total: 3, Approved: 1, Revoked: 1, Pending: 1}
	if r.Decisions.DecisionFigures != wantDecisions || r.Identities != wantIDs || wantIDs != (certsum.RollupIdentities{Total: 3, Completed: 2}) {
		t.Errorf("decisions %+v, identities %+v (certifications say %+v)", r.Decisions.DecisionFigures, r.Identities, wantIDs)
	}
	if r.Certifications != (certsum.RollupCertifications{Total: 3, Active: 2, Signed: 1}) {
		t.Errorf("certifications %+v, want 3: 2 active, 1 signed", r.Certifications)
	}
	if r.Remediation.Pending != 1 || r.Remediation.Total != 1 || r.Campaign.ID != k.ID || r.Campaign.Status != certsum.StatusActive {
		t.Errorf("remediation %+v, campaign %+v", r.Remediation, r.Campaign)
	}

	list := func(filter, sorters string, limit, offset int) (ids []string, total int) {
		t.Helper()
		p, err := st.ListReviewerProgress(ctx, k.ID, q(t, certsum.ReviewerProgressSchema, filter, sorters, limit, offset, true))
		mustOK(t, err, "ListReviewerProgress")
		for _, x := range p.Items {
			ids = append(ids, x.Reviewer.ID)
		}
		return ids, p.Total
	}
	p, err := st.ListReviewerProgress(ctx, k.ID, q(t, certsum.ReviewerProgressSchema, "", "", 250, 0, true))
	mustOK(t, err, "ListReviewerProgress")
	byReviewer := map[string]certsum.ReviewerProgress{}
	for _, x := range p.Items {
		byReviewer[x.Reviewer.ID] = x
		c, err := st.GetCertification(ctx, x.CertificationID)
		mustOK(t, err, "GetCertification")
		if x.DecisionsMade != c.DecisionsMade || x.DecisionsTotal != c.DecisionsTotal || x.Phase != c.Phase ||
			x.IdentitiesTotal != c.IdentitiesTotal || x.IdentitiesCompleted != c.IdentitiesCompleted ||
			x.Remaining != c.DecisionsTotal-c.DecisionsMade || x.Reviewer.Name != c.Reviewer.Name {
			t.Errorf("progress of %s = %+v; the certification says %+v", x.Reviewer.ID, x, c)
		}
	}
	if p.Total != 3 || len(p.Items) != 3 {
		t.Fatalf("%d of %d reviewers, want 3", len(p.Items), p.Total)
	}
	if ann := byReviewer["ann"]; ann.ReassignedFrom == nil || ann.ReassignedFrom.CertificationID != mgrCert ||
		ann.ReassignedFrom.Reviewer.ID != "mgr" || ann.Percent != 0 || ann.Remaining != 1 {
		t.Errorf("ann = %+v, want reassigned from mgr's certification, 0 %%, 1 remaining", ann)
	}
	if mgr := byReviewer["mgr"]; len(mgr.ReassignedTo) != 1 || mgr.ReassignedTo[0].CertificationID != annCert ||
		mgr.ReassignedTo[0].Reviewer.Name != "ann" || mgr.Percent != 100 || mgr.ReassignedFrom != nil {
		t.Errorf("mgr = %+v, want reassigned to ann, 100 %% (nothing left)", mgr)
	}
	if ceo := byReviewer["ceo"]; ceo.Signed == nil || ceo.Percent != 100 || len(ceo.ReassignedTo) != 0 || ceo.ReassignedTo == nil {
		t.Errorf("ceo = %+v, want signed, 100 %%, reassigned to nobody ([])", ceo)
	}
	for _, tc := range []struct {
		filter, sorters string
		limit, offset   int
		want            []string
		total           int
	}{
		{"", "reviewer.name", 250, 0, []string{"ann", "ceo", "mgr"}, 3},          // ann, carla, mario
		{`reviewer.id in ("ann", "ceo")`, "", 250, 0, []string{"ann", "ceo"}, 2}, // the default: most remaining first
		{"", "-remaining,reviewer.name", 250, 0, []string{"ann", "ceo", "mgr"}, 3},
		{"", "percent,-reviewer.name", 250, 0, []string{"ann", "mgr", "ceo"}, 3},
		{`phase eq "SIGNED"`, "", 250, 0, []string{"ceo"}, 1},
		{"remaining gt 0", "", 250, 0, []string{"ann"}, 1},
		{`reviewer.name sw "MAR"`, "", 250, 0, []string{"mgr"}, 1},
		{"", "-reviewer.name", 1, 1, []string{"ceo"}, 3},
	} {
		ids, total := list(tc.filter, tc.sorters, tc.limit, tc.offset)
		if !cmp.Equal(ids, tc.want) || total != tc.total {
			t.Errorf("filters %q sorters %q page %d+%d: %v of %d, want %v of %d", tc.filter, tc.sorters, tc.offset, tc.limit,
				ids, total, tc.want, tc.total)
		}
	}

	_, err = st.CampaignRollup(ctx, "no-such-campaign")
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.ListReviewerProgress(ctx, "no-such-campaign", all())
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.ListReviewerProgress(ctx, k.ID, certsum.ListQuery{Limit: certsum.MaxLimit + 1})
	mustCode(t, err, certsum.CodeInvalid)
	mustNoDrift(t, st)
}
