package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

func testRemediation(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "remediation"
	bulk := false
	reason := "left the team"

	// A MANAGER campaign over importInput: mgr reviews ann (role-eng, ad-admins) and dave
	// (ap-ad, gh-org).
	setup := func(t *testing.T, autoRevoke bool) (certsum.Store, *certsum.Campaign, string) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		k := staged(t, st, certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager,
			AutoRevokeAllowed: autoRevoke}, "ceo")
		mustOK(t, st.ActivateCampaign(ctx, k.ID, certsum.NewTime(time.Now().Add(40*time.Millisecond))), "ActivateCampaign")
		certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "mgr"}, all())
		mustOK(t, err, "ListCertifications")
		return st, k, certs.Items[0].ID
	}
	itemOf := func(t *testing.T, st certsum.Store, cert, identity string, typ certsum.DtoType) string {
		for _, it := range allItems(t, st, cert) {
			if it.IdentitySummary.IdentityID == identity && it.AccessSummary.Access.Type == typ {
				return it.ID
			}
		}
		t.Fatalf("suite bug: no %s item of %s", typ, identity)
		return ""
	}

	t.Run("sign-off turns every revocation into a PENDING remediation item", func(t *testing.T) {
		st, k, cert := setup(t, false)
		var ds []certsum.ReviewDecision
		for _, it := range allItems(t, st, cert) {
			d := certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk}
			if it.IdentitySummary.IdentityID == "dave" && it.AccessSummary.Access.Type == certsum.TypeEntitlement {
				d.Decision, d.Comments = certsum.Revoke, &reason
			}
			ds = append(ds, d)
		}
		_, err := st.Decide(ctx, cert, "mgr", ds)
		mustOK(t, err, "Decide")
		none, err := st.ListRemediations(ctx, certsum.RemediationFilter{})
		mustOK(t, err, "ListRemediations")
		if len(none) != 0 {
			t.Fatalf("remediation items before sign-off: %+v", none)
		}
		_, err = st.SignOff(ctx, cert, "mgr")
		mustOK(t, err, "SignOff")
		items, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: k.ID})
		mustOK(t, err, "ListRemediations")
		if len(items) != 1 {
			t.Fatalf("remediation items = %d, want the one revocation", len(items))
		}
		r := items[0]
		str := func(p *string) string {
			if p == nil {
				return "<nil>"
			}
			return *p
		}
		got := []string{r.Status.String(), r.IdentityID, r.IdentityName, string(r.AccessType), r.AccessID, r.AccessName,
			str(r.SourceID), str(r.SourceName), str(r.AccountID), str(r.NativeIdentity), r.ReviewerID, r.ReviewerName, r.DecidedBy,
			str(r.Comments), r.CampaignName}
		want := []string{"PENDING", "dave", "dave", "ENTITLEMENT", "gh-org", "org member", "gh", "GitHub", "gh:dave", "dave",
			"mgr", "mario", "mgr", reason, "Managers"}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("remediation item field %d = %q, want %q (%+v)", i, got[i], want[i], r)
			}
		}
		if r.AutoDecided || r.Created.IsZero() || r.DecidedAt.IsZero() {
			t.Errorf("remediation item: auto %v, created %s, decided %s", r.AutoDecided, r.Created, r.DecidedAt)
		}

		// The operator marks it done; a second time changes nothing.
		n, err := st.CompleteRemediations(ctx, []string{r.ID}, "ceo")
		mustOK(t, err, "CompleteRemediations")
		if n != 1 {
			t.Errorf("CompleteRemediations changed %d, want 1", n)
		}
		if n, _ := st.CompleteRemediations(ctx, []string{r.ID}, "ceo"); n != 0 {
			t.Errorf("completing again changed %d", n)
		}
		_, err = st.CompleteRemediations(ctx, []string{r.ID, "nope"}, "ceo")
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.CompleteRemediations(ctx, nil, "ceo")
		mustCode(t, err, certsum.CodeInvalid)
		counts, err := st.CountRemediations(ctx, k.ID)
		mustOK(t, err, "CountRemediations")
		if *counts != (certsum.RemediationCounts{CampaignID: k.ID, Total: 1, Completed: 1}) {
			t.Errorf("counts = %+v", counts)
		}

		// The next import no longer shows dave's gh-org: verified.
		in := importInput()
		in.Assignments = in.Assignments[:3]
		rep := mustImport(t, st, in, certsum.ImportOptions{})
		if rep.RemediationsVerified != 1 {
			t.Errorf("the import verified %d remediation items, want 1", rep.RemediationsVerified)
		}
		items, err = st.ListRemediations(ctx, certsum.RemediationFilter{Status: certsum.RemediationVerified})
		mustOK(t, err, "ListRemediations")
		if len(items) != 1 || items[0].VerifiedAt == nil || items[0].CompletedBy == nil || *items[0].CompletedBy != "ceo" {
			t.Errorf("verified items: %+v", items)
		}
		_, err = st.ListRemediations(ctx, certsum.RemediationFilter{Status: "DONE"})
		mustCode(t, err, certsum.CodeInvalid)
	})

	t.Run("completing with REVOKE remediates what was left undecided, flagged automatic", func(t *testing.T) {
		st, k, cert := setup(t, true)
		_, err := st.Decide(ctx, cert, "mgr", []certsum.ReviewDecision{
			{ID: itemOf(t, st, cert, "ann", certsum.TypeRole), Decision: certsum.Revoke, Bulk: &bulk},
			{ID: itemOf(t, st, cert, "ann", certsum.TypeEntitlement), Decision: certsum.Approve, Bulk: &bulk}})
		mustOK(t, err, "Decide")
		time.Sleep(60 * time.Millisecond)
		mustOK(t, st.CompleteCampaign(ctx, k.ID, certsum.Revoke, "ceo"), "CompleteCampaign")
		items, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: k.ID})
		mustOK(t, err, "ListRemediations")
		auto := map[string]bool{}
		for _, r := range items {
			auto[r.IdentityID+" "+r.AccessID] = r.AutoDecided
			if r.AutoDecided && r.DecidedBy != "ceo" {
				t.Errorf("an automatic revocation decided by %q, want ceo", r.DecidedBy)
			}
		}
		want := map[string]bool{"ann role-eng": false, "dave ap-ad": true, "dave gh-org": true}
		if len(auto) != len(want) {
			t.Fatalf("remediation items %v, want %v", auto, want)
		}
		for key, w := range want {
			if got, ok := auto[key]; !ok || got != w {
				t.Errorf("%s: automatic %v (present %v), want %v", key, got, ok, w)
			}
		}
		drifts, err := st.Verify(ctx, false)
		mustOK(t, err, "Verify")
		if len(drifts) != 0 {
			t.Errorf("drift: %+v", drifts)
		}
	})
}
