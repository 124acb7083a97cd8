package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// testHistory covers what an organisation's recorded history needs: the details an import
// gives reach the review items as given, and work done under certsum.AsOf is stamped with
// that time, through the same operations and rules as live work.
func testHistory(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "history"

	t.Run("an import's entitlement details, account activity and profile times reach the review items", func(t *testing.T) {
		st := newStore(t)
		in := importInput()
		usage := 12
		in.Accounts[0].UsageDays = &usage // ad:ann
		admins := &in.Entitlements[0]     // ad-admins
		admins.CloudGoverned, admins.IsPermission = true, true
		admins.Permissions = []certsum.Permission{{Rights: []string{"READ", "WRITE"}, Target: "CN=Domain,DC=corp"}}
		admins.DataAccess = &certsum.DataAccess{Policies: []certsum.DataAccessValue{{Value: "GDPR"}},
			Categories: []certsum.DataAccessCategory{{Value: "PII", MatchCount: 7}}, ImpactScore: &certsum.DataAccessValue{Value: "High"}}
		created := certsum.NewTime(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC))
		in.AccessProfiles[0].CloudGoverned, in.AccessProfiles[0].Created, in.AccessProfiles[0].Modified = true, &created, &created
		in.GovernanceGroups[0].Description, in.GovernanceGroups[0].OwnerID = "Security reviewers", "ceo"
		mustImport(t, st, in, certsum.ImportOptions{})
		k := staged(t, st, certsum.Campaign{Name: "Ann and Dave", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, IdentityIDs: []string{"ann", "dave"}}}, "ceo")
		certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "mgr"}, all())
		mustOK(t, err, "ListCertifications")
		if len(certs.Items) != 1 || certs.Items[0].Campaign.ID != k.ID {
			t.Fatalf("mgr reviews %d certifications, want the campaign's one", len(certs.Items))
		}
		cert := certs.Items[0].ID
		var ent *certsum.ReviewableEntitlement
		var ap *certsum.ReviewableAccessProfile
		var entItem string
		for _, it := range allItems(t, st, cert) {
			if e := it.AccessSummary.Entitlement; e != nil && e.ID == "ad-admins" {
				ent, entItem = e, it.ID
			}
			if a := it.AccessSummary.AccessProfile; a != nil && a.ID == "ap-ad" {
				ap = a
			}
		}
		if ent == nil || ap == nil {
			t.Fatalf("the certification lacks ann's ad-admins or dave's ap-ad")
		}
		if !ent.CloudGoverned || !ent.IsPermission || !ent.HasPermissions || !ent.ContainsDataAccess {
			t.Errorf("ad-admins cloudGoverned %v, isPermission %v, hasPermissions %v, containsDataAccess %v; want all true",
				ent.CloudGoverned, ent.IsPermission, ent.HasPermissions, ent.ContainsDataAccess)
		}
		if diff := cmp.Diff(admins.DataAccess, ent.DataAccess); diff != "" {
			t.Errorf("dataAccess (-imported +item):\n%s", diff)
		}
		if a := ent.Account; a == nil || a.ActivityInsights == nil || a.ActivityInsights.UsageDays != 12 ||
			a.ActivityInsights.UsageDaysState != "COMPLETE" {
			t.Errorf("ad:ann activity = %+v, want 12 days, COMPLETE", a)
		}
		perms, err := st.ListItemPermissions(ctx, cert, entItem, all())
		mustOK(t, err, "ListItemPermissions")
		if diff := cmp.Diff(admins.Permissions, perms.Items); diff != "" {
			t.Errorf("permissions (-imported +item):\n%s", diff)
		}
		if !ap.CloudGoverned || !ap.Created.Equal(created.Time) {
			t.Errorf("ap-ad cloudGoverned %v, created %v; want true, %v", ap.CloudGoverned, ap.Created, created)
		}
		// The same input again is the same content: the new details are part of the hash.
		again := mustImport(t, st, in, certsum.ImportOptions{})
		if again.Changed || again.InventoryVersion != 1 {
			t.Errorf("the same input again: changed %v, version %d; want unchanged, 1", again.Changed, again.InventoryVersion)
		}
		usage = 30
		changed := mustImport(t, st, in, certsum.ImportOptions{})
		if c := changed.Counts[certsum.KindAccount]; c.Updated != 1 {
			t.Errorf("a changed usageDays updated %d accounts, want 1", c.Updated)
		}
	})

	t.Run("work done as of a past time is stamped with it and follows the live rules", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		created := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		past := certsum.AsOf(ctx, created)
		k := certsum.Campaign{Name: "Last quarter", Description: &desc, Type: certsum.CampaignManager}
		mustOK(t, st.CreateCampaign(past, &k, "ceo"), "CreateCampaign")
		if !k.Created.Equal(created) {
			t.Errorf("created %v, want %v", k.Created, created)
		}
		_, err := st.GenerateCampaign(past, k.ID, nil)
		mustOK(t, err, "GenerateCampaign")
		activated := certsum.AsOf(ctx, created.Add(time.Hour))
		// The deadline is checked against the stamped time, not the wall clock: a deadline
		// before the activation is refused, one after it (long past today) is accepted.
		mustCode(t, st.ActivateCampaign(activated, k.ID, certsum.NewTime(created)), certsum.CodeConflict)
		deadline := certsum.NewTime(created.AddDate(0, 0, 30))
		mustOK(t, st.ActivateCampaign(activated, k.ID, deadline), "ActivateCampaign")
		certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "mgr"}, all())
		mustOK(t, err, "ListCertifications")
		cert := certs.Items[0].ID
		decided := created.Add(48 * time.Hour)
		var ds []certsum.ReviewDecision
		for _, it := range allItems(t, st, cert) {
			ds = append(ds, decision(it.ID, certsum.Revoke, "left the team"))
		}
		_, err = st.Decide(certsum.AsOf(ctx, decided), cert, "mgr", ds)
		mustOK(t, err, "Decide")
		signed := created.Add(72 * time.Hour)
		c, err := st.SignOff(certsum.AsOf(ctx, signed), cert, "mgr")
		mustOK(t, err, "SignOff")
		if c.Signed == nil || !c.Signed.Equal(signed) {
			t.Errorf("signed %v, want %v", c.Signed, signed)
		}
		hist, err := st.DecisionHistory(ctx, cert, "")
		mustOK(t, err, "DecisionHistory")
		if len(hist) != len(ds) {
			t.Fatalf("history has %d records, want %d", len(hist), len(ds))
		}
		for _, h := range hist {
			if !h.DecidedAt.Equal(decided) {
				t.Errorf("decision %s made at %v, want %v", h.ItemID, h.DecidedAt, decided)
			}
		}
		got, err := st.GetCampaign(ctx, k.ID)
		mustOK(t, err, "GetCampaign")
		if got.Status != certsum.StatusCompleted || !got.Modified.Equal(signed) {
			t.Errorf("campaign %s modified %v, want COMPLETED at %v", got.Status, got.Modified, signed)
		}
		rem, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: k.ID})
		mustOK(t, err, "ListRemediations")
		if len(rem) != len(ds) {
			t.Errorf("%d remediation items, want one per revoked item (%d)", len(rem), len(ds))
		}
		mustNoDrift(t, st)
	})
}
