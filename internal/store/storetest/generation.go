package storetest

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// generated reads a campaign's certifications back as reviewer → identity → items
// ("TYPE access[@account]", sorted), the form the expected certifications are written in.
func generated(t *testing.T, st certsum.Store, campaignID string) map[string]map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]map[string][]string{}
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		mustOK(t, err, "ListCertifications")
		for _, c := range p.Items {
			if c.Campaign.ID != campaignID {
				continue
			}
			byIdentity := map[string][]string{}
			for _, it := range allItems(t, st, c.ID) {
				s := string(it.AccessSummary.Access.Type) + " " + it.AccessSummary.Access.ID
				if e := it.AccessSummary.Entitlement; e != nil && e.Account != nil && e.Account.ID != nil {
					s += "@" + *e.Account.ID
				}
				byIdentity[it.IdentitySummary.IdentityID] = append(byIdentity[it.IdentitySummary.IdentityID], s)
			}
			for _, list := range byIdentity {
				sort.Strings(list)
			}
			out[c.Reviewer.ID] = byIdentity
		}
		if len(p.Items) < certsum.MaxLimit {
			return out
		}
	}
}

// staged creates and generates a campaign and returns it as generation left it.
func staged(t *testing.T, st certsum.Store, k certsum.Campaign, owner string) *certsum.Campaign {
	t.Helper()
	ctx := context.Background()
	mustOK(t, st.CreateCampaign(ctx, &k, owner), "CreateCampaign")
	if k.Status != certsum.StatusPending {
		t.Fatalf("created campaign is %s, want PENDING", k.Status)
	}
	got, err := st.GenerateCampaign(ctx, k.ID, nil)
	mustOK(t, err, "GenerateCampaign")
	return got
}

func alertTexts(k *certsum.Campaign) []string {
	var out []string
	for _, a := range k.Alerts {
		for _, l := range a.Localizations {
			out = append(out, a.Level+": "+l.Text)
		}
	}
	return out
}

func testGeneration(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "quarterly"
	setup := func(t *testing.T) certsum.Store {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		return st
	}

	t.Run("MANAGER: one certification per manager over the direct reports' folded access", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager}, "ceo")
		// ann holds role-eng (ap-ad → ad-users, gh-org) and ad-admins directly: the role,
		// and ad-admins, which the role does not contain. dave holds ap-ad and gh-org
		// through the account the import made. ceo has no manager and no access: no alert.
		want := map[string]map[string][]string{
			"mgr": {
				"ann":  {"ENTITLEMENT ad-admins@ad:ann", "ROLE role-eng"},
				"dave": {"ACCESS_PROFILE ap-ad", "ENTITLEMENT gh-org@gh:dave"},
			},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("certifications (-want +got):\n%s", diff)
		}
		if k.Status != certsum.StatusStaged || k.TotalCertifications != 1 || k.InventoryVersion != 1 || len(k.Alerts) != 0 {
			t.Errorf("campaign = %s, %d certifications, version %d, alerts %v; want STAGED, 1, 1, none",
				k.Status, k.TotalCertifications, k.InventoryVersion, alertTexts(k))
		}
		drifts, err := st.Verify(ctx, false)
		mustOK(t, err, "Verify")
		if len(drifts) != 0 {
			t.Errorf("counters after generation drift: %+v", drifts)
		}
	})

	t.Run("MANAGER: identities with access but no manager are left out and named", func(t *testing.T) {
		st := newStore(t)
		in := importInput()
		in.Assignments = append(in.Assignments, certsum.InputAssignment{IdentityID: "ceo", AccessType: certsum.TypeRole, AccessID: "role-eng"})
		mustImport(t, st, in, certsum.ImportOptions{})
		k := staged(t, st, certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager}, "ceo")
		got := alertTexts(k)
		if len(got) != 1 || !strings.HasPrefix(got[0], "WARN: 1 identities with access have no manager") || !strings.Contains(got[0], "ceo") {
			t.Errorf("alerts = %v, want one WARN naming ceo", got)
		}
		if _, ok := generated(t, st, k.ID)["ceo"]; ok {
			t.Errorf("ceo reviews something, but nobody reports to ceo with access... except mgr")
		}
	})

	t.Run("SOURCE_OWNER: owners review access profiles and entitlements on their sources, not roles", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Owners", Description: &desc, Type: certsum.CampaignSourceOwner}, "ceo")
		// ad is ceo's: ann's ad-admins (ad-users is inside her role, reviewed nowhere here),
		// dave's ap-ad. gh is mgr's: dave's gh-org.
		want := map[string]map[string][]string{
			"ceo": {"ann": {"ENTITLEMENT ad-admins@ad:ann"}, "dave": {"ACCESS_PROFILE ap-ad"}},
			"mgr": {"dave": {"ENTITLEMENT gh-org@gh:dave"}},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("certifications (-want +got):\n%s", diff)
		}
		k = staged(t, st, certsum.Campaign{Name: "GitHub", Description: &desc, Type: certsum.CampaignSourceOwner,
			SourceOwnerCampaignInfo: &certsum.SourceOwnerCampaignInfo{SourceIDs: []string{"gh"}}}, "ceo")
		if diff := cmp.Diff(map[string]map[string][]string{"mgr": {"dave": {"ENTITLEMENT gh-org@gh:dave"}}}, generated(t, st, k.ID)); diff != "" {
			t.Errorf("gh only (-want +got):\n%s", diff)
		}
	})

	t.Run("SOURCE_OWNER: an owner's own access goes to their manager; ownerless sources are skipped with a warning", func(t *testing.T) {
		st := newStore(t)
		in := importInput()
		in.Sources = append(in.Sources, certsum.InputSource{ID: "hr", Name: "HR system"})
		in.Entitlements = append(in.Entitlements, certsum.InputEntitlement{ID: "hr-view", SourceID: "hr", Name: "view"})
		in.Assignments = append(in.Assignments,
			certsum.InputAssignment{IdentityID: "mgr", AccessType: certsum.TypeEntitlement, AccessID: "gh-org"},
			certsum.InputAssignment{IdentityID: "ann", AccessType: certsum.TypeEntitlement, AccessID: "hr-view"})
		mustImport(t, st, in, certsum.ImportOptions{})
		k := staged(t, st, certsum.Campaign{Name: "Owners", Description: &desc, Type: certsum.CampaignSourceOwner}, "ceo")
		want := map[string]map[string][]string{
			"ceo": {"ann": {"ENTITLEMENT ad-admins@ad:ann"}, "dave": {"ACCESS_PROFILE ap-ad"},
				"mgr": {"ENTITLEMENT gh-org@gh:mgr"}},
			"mgr": {"dave": {"ENTITLEMENT gh-org@gh:dave"}},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("certifications (-want +got):\n%s", diff)
		}
		if got := alertTexts(k); len(got) != 1 || !strings.Contains(got[0], "1 sources have no owner and are not reviewed: hr") {
			t.Errorf("alerts = %v, want one naming hr", got)
		}
		drifts, err := st.Verify(ctx, false)
		mustOK(t, err, "Verify")
		if len(drifts) != 0 {
			t.Errorf("counters after generation drift: %+v", drifts)
		}
	})

	t.Run("SEARCH: identities' access, narrowed by constraints, to one reviewer or each manager", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Search", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, IdentityIDs: []string{"ann", "dave", "ceo"}}}, "ceo")
		want := map[string]map[string][]string{
			"mgr": {
				"ann":  {"ENTITLEMENT ad-admins@ad:ann", "ROLE role-eng"},
				"dave": {"ACCESS_PROFILE ap-ad", "ENTITLEMENT gh-org@gh:dave"},
			},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("by manager (-want +got):\n%s", diff)
		}
		k = staged(t, st, certsum.Campaign{Name: "Admins", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchAccess, IdentityIDs: []string{"ann", "dave"},
				Reviewer: &certsum.SearchReviewer{Type: certsum.TypeGovernanceGroup, ID: "gg-sec"},
				AccessConstraints: []certsum.AccessConstraint{{Type: certsum.TypeEntitlement, Operator: certsum.ConstraintSelected,
					IDs: []string{"ad-admins"}}}}}, "ceo")
		if diff := cmp.Diff(map[string]map[string][]string{"gg-sec": {"ann": {"ENTITLEMENT ad-admins@ad:ann"}}}, generated(t, st, k.ID)); diff != "" {
			t.Errorf("constrained, to a group (-want +got):\n%s", diff)
		}
		// mgr reviewing mgr's own report chain is fine; ann as the reviewer of herself is
		// not: her access goes to her manager.
		k = staged(t, st, certsum.Campaign{Name: "Ann reviews", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, IdentityIDs: []string{"ann", "dave"},
				Reviewer: &certsum.SearchReviewer{Type: certsum.TypeIdentity, ID: "ann"}}}, "ceo")
		want = map[string]map[string][]string{
			"ann": {"dave": {"ACCESS_PROFILE ap-ad", "ENTITLEMENT gh-org@gh:dave"}},
			"mgr": {"ann": {"ENTITLEMENT ad-admins@ad:ann", "ROLE role-eng"}},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("no self-review (-want +got):\n%s", diff)
		}
	})

	t.Run("SEARCH: a query selects the identities by attributes and access", func(t *testing.T) {
		st := setup(t)
		q := `attributes.title:engineer OR (source.id:gh AND NOT name:ann*)`
		k := staged(t, st, certsum.Campaign{Name: "Query", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, Query: &q}}, "ceo")
		want := map[string]map[string][]string{
			"mgr": {
				"ann":  {"ENTITLEMENT ad-admins@ad:ann", "ROLE role-eng"},
				"dave": {"ACCESS_PROFILE ap-ad", "ENTITLEMENT gh-org@gh:dave"},
			},
		}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		none := `email:nobody@*`
		k = staged(t, st, certsum.Campaign{Name: "None", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, Query: &none}}, "ceo")
		if k.Status != certsum.StatusError || len(k.Alerts) != 2 {
			t.Errorf("a query that selects nobody: %s with %v", k.Status, alertTexts(k))
		}
	})

	t.Run("a campaign is a snapshot: a later import changes none of its items", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager}, "ceo")
		before := generated(t, st, k.ID)
		in := importInput()
		in.Assignments = in.Assignments[:1] // ann keeps her role only; dave loses everything
		mustImport(t, st, in, certsum.ImportOptions{})
		if diff := cmp.Diff(before, generated(t, st, k.ID)); diff != "" {
			t.Errorf("the import changed the generated campaign (-before +after):\n%s", diff)
		}
		k2 := staged(t, st, certsum.Campaign{Name: "Again", Description: &desc, Type: certsum.CampaignManager}, "ceo")
		if diff := cmp.Diff(map[string]map[string][]string{"mgr": {"ann": {"ROLE role-eng"}}}, generated(t, st, k2.ID)); diff != "" {
			t.Errorf("a new campaign after the import (-want +got):\n%s", diff)
		}
		if k2.InventoryVersion != 2 {
			t.Errorf("new campaign's inventory version = %d, want 2", k2.InventoryVersion)
		}
	})

	t.Run("a campaign with nothing to review is ERROR with an alert", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Nothing", Description: &desc, Type: certsum.CampaignSearch,
			SearchCampaignInfo: &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, IdentityIDs: []string{"ceo"}}}, "ceo")
		if k.Status != certsum.StatusError || len(k.Alerts) != 1 || k.Alerts[0].Level != "ERROR" {
			t.Errorf("campaign = %s with alerts %v, want ERROR with one ERROR alert", k.Status, alertTexts(k))
		}
	})

	t.Run("creation refuses what the inventory does not hold", func(t *testing.T) {
		st := setup(t)
		for _, k := range []certsum.Campaign{
			{Name: "x", Description: &desc, Type: certsum.CampaignSearch, SearchCampaignInfo: &certsum.SearchCampaignInfo{
				Type: certsum.SearchIdentity, IdentityIDs: []string{"ann", "nobody"}}},
			{Name: "x", Description: &desc, Type: certsum.CampaignSourceOwner, SourceOwnerCampaignInfo: &certsum.SourceOwnerCampaignInfo{
				SourceIDs: []string{"nowhere"}}},
			{Name: "x", Description: &desc, Type: certsum.CampaignSearch, SearchCampaignInfo: &certsum.SearchCampaignInfo{
				Type: certsum.SearchIdentity, IdentityIDs: []string{"ann"}, Reviewer: &certsum.SearchReviewer{Type: certsum.TypeIdentity, ID: "ghost"}}},
		} {
			mustCode(t, st.CreateCampaign(ctx, &k, "ceo"), certsum.CodeReference)
		}
		k := certsum.Campaign{Name: "x", Description: &desc, Type: certsum.CampaignRoleComposition}
		mustCode(t, st.CreateCampaign(ctx, &k, "ceo"), certsum.CodeInvalid)
	})

	t.Run("lifecycle: activate once with a future deadline, complete only past due, delete", func(t *testing.T) {
		st := setup(t)
		k := staged(t, st, certsum.Campaign{Name: "Managers", Description: &desc, Type: certsum.CampaignManager}, "ceo")
		past := certsum.NewTime(time.Now().Add(-time.Hour))
		mustCode(t, st.ActivateCampaign(ctx, k.ID, past), certsum.CodeConflict)
		deadline := certsum.NewTime(time.Now().Add(50 * time.Millisecond))
		mustOK(t, st.ActivateCampaign(ctx, k.ID, deadline), "ActivateCampaign")
		mustCode(t, st.ActivateCampaign(ctx, k.ID, certsum.NewTime(time.Now().Add(time.Hour))), certsum.CodeConflict)
		certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "mgr"}, all())
		mustOK(t, err, "ListCertifications")
		var cert certsum.Certification
		for _, c := range certs.Items {
			if c.Campaign.ID == k.ID {
				cert = c
			}
		}
		if cert.Phase != certsum.PhaseActive || cert.Due == nil || !cert.Due.Equal(deadline.Time) {
			t.Fatalf("certification after activation: phase %s, due %v; want ACTIVE due %s", cert.Phase, cert.Due, deadline)
		}
		// Decide one item, then complete: the rest is approved automatically.
		items := allItems(t, st, cert.ID)
		bulk := false
		_, err = st.Decide(ctx, cert.ID, "mgr", []certsum.ReviewDecision{{ID: items[0].ID, Decision: certsum.Revoke, Bulk: &bulk}})
		mustOK(t, err, "Decide")
		mustCode(t, st.CompleteCampaign(ctx, k.ID, certsum.Revoke, "ceo"), certsum.CodeConflict)
		for time.Now().Before(deadline.Time.Add(10 * time.Millisecond)) {
			time.Sleep(5 * time.Millisecond)
		}
		mustCode(t, st.CompleteCampaign(ctx, k.ID, certsum.Revoke, "ceo"), certsum.CodeConflict) // autoRevokeAllowed is false
		mustOK(t, st.CompleteCampaign(ctx, k.ID, certsum.Approve, "ceo"), "CompleteCampaign")
		done, err := st.GetCampaign(ctx, k.ID)
		mustOK(t, err, "GetCampaign")
		if done.Status != certsum.StatusCompleted || done.CompletedCertifications != 1 {
			t.Errorf("campaign after complete: %s, %d completed", done.Status, done.CompletedCertifications)
		}
		got, err := st.GetCertification(ctx, cert.ID)
		mustOK(t, err, "GetCertification")
		if got.Phase != certsum.PhaseSigned || got.DecisionsMade != got.DecisionsTotal {
			t.Errorf("certification after complete: %s, %d of %d decided", got.Phase, got.DecisionsMade, got.DecisionsTotal)
		}
		sum, err := st.DecisionSummary(ctx, cert.ID, nil)
		mustOK(t, err, "DecisionSummary")
		revoked := sum.EntitlementsRevoked + sum.AccessProfilesRevoked + sum.RolesRevoked
		if revoked != 1 {
			t.Errorf("revoked after complete = %d, want the one manual revoke", revoked)
		}
		hist, err := st.DecisionHistory(ctx, cert.ID, "")
		mustOK(t, err, "DecisionHistory")
		if len(hist) != len(items) || hist[len(hist)-1].DecidedBy != "ceo" {
			t.Errorf("audit trail has %d records (last by %q), want %d, the automatic ones by ceo", len(hist), hist[len(hist)-1].DecidedBy, len(items))
		}
		drifts, err := st.Verify(ctx, false)
		mustOK(t, err, "Verify")
		if len(drifts) != 0 {
			t.Errorf("counters after completion drift: %+v", drifts)
		}
		mustCode(t, st.CompleteCampaign(ctx, k.ID, certsum.Approve, "ceo"), certsum.CodeConflict)
		mustOK(t, st.DeleteCampaigns(ctx, []string{k.ID}), "DeleteCampaigns")
		_, err = st.GetCampaign(ctx, k.ID)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.GetCertification(ctx, cert.ID)
		mustCode(t, err, certsum.CodeNotFound)
		mustCode(t, st.DeleteCampaigns(ctx, []string{k.ID}), certsum.CodeNotFound)
	})
}

func testCampaignFilters(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "filtered"
	str := func(s string) *string { return &s }
	st := newStore(t)
	mustImport(t, st, importInput(), certsum.ImportOptions{})
	withFilter := func(t *testing.T, f certsum.CampaignFilter) map[string]map[string][]string {
		t.Helper()
		mustOK(t, st.CreateCampaignFilter(ctx, &f), "CreateCampaignFilter")
		k := staged(t, st, certsum.Campaign{Name: "Filtered", Description: &desc, Type: certsum.CampaignManager,
			Filter: &certsum.CampaignFilterRef{ID: f.ID, Type: "CAMPAIGN_FILTER"}}, "ceo")
		if k.Filter == nil || k.Filter.Name != f.Name {
			t.Errorf("the campaign's filter reference: %+v", k.Filter)
		}
		return generated(t, st, k.ID)
	}

	t.Run("an inclusion filter keeps only what a criterion matches, without regard to case", func(t *testing.T) {
		got := withFilter(t, certsum.CampaignFilter{Name: "admins", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{
			{Type: "ENTITLEMENT", Value: str("DOMAIN ADMINS")},
			{Type: "ACCESS_PROFILE", Operation: str("STARTS_WITH"), Value: str("ap-")},
		}})
		want := map[string]map[string][]string{"mgr": {"ann": {"ENTITLEMENT ad-admins@ad:ann"}, "dave": {"ACCESS_PROFILE ap-ad"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("an exclusion filter drops what a criterion matches; identity attributes and composites", func(t *testing.T) {
		got := withFilter(t, certsum.CampaignFilter{Name: "no github, no engineers' roles", Mode: certsum.FilterExclusion,
			CriteriaList: []certsum.FilterCriteria{
				{Type: "SOURCE", Value: str("github")},
				{Type: "COMPOSITE", Operation: str("AND"), Children: []certsum.FilterCriteria{
					{Type: "IDENTITY_ATTRIBUTE", Property: str("Title"), Value: str("engineer")},
					{Type: "ROLE", Operation: str("CONTAINS"), Value: str("eng")},
				}},
			}})
		want := map[string]map[string][]string{"mgr": {"ann": {"ENTITLEMENT ad-admins@ad:ann"}, "dave": {"ACCESS_PROFILE ap-ad"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("a campaign keeps its filter as it was; references and criteria are checked", func(t *testing.T) {
		f := certsum.CampaignFilter{Name: "dave only", Mode: certsum.FilterInclusion,
			CriteriaList: []certsum.FilterCriteria{{Type: "IDENTITY", Value: str("dave")}}}
		mustOK(t, st.CreateCampaignFilter(ctx, &f), "CreateCampaignFilter")
		k := certsum.Campaign{Name: "Dave", Description: &desc, Type: certsum.CampaignManager,
			Filter: &certsum.CampaignFilterRef{ID: f.ID}}
		mustOK(t, st.CreateCampaign(ctx, &k, "ceo"), "CreateCampaign")
		f.CriteriaList[0].Value = str("ann")
		mustOK(t, st.UpdateCampaignFilter(ctx, &f), "UpdateCampaignFilter")
		_, err := st.GenerateCampaign(ctx, k.ID, nil)
		mustOK(t, err, "GenerateCampaign")
		want := map[string]map[string][]string{"mgr": {"dave": {"ACCESS_PROFILE ap-ad", "ENTITLEMENT gh-org@gh:dave"}}}
		if diff := cmp.Diff(want, generated(t, st, k.ID)); diff != "" {
			t.Errorf("the campaign followed the edited filter (-want +got):\n%s", diff)
		}
		got, err := st.GetCampaignFilter(ctx, f.ID)
		mustOK(t, err, "GetCampaignFilter")
		if *got.CriteriaList[0].Value != "ann" || *got.CriteriaList[0].Operation != "EQUALS" {
			t.Errorf("stored filter: %+v", got.CriteriaList[0])
		}
		list, total, err := st.ListCampaignFilters(ctx, 10, 0)
		mustOK(t, err, "ListCampaignFilters")
		if total < 1 || len(list) != total {
			t.Errorf("ListCampaignFilters: %d of %d", len(list), total)
		}
		bad := certsum.Campaign{Name: "x", Description: &desc, Type: certsum.CampaignManager, Filter: &certsum.CampaignFilterRef{ID: "nope"}}
		mustCode(t, st.CreateCampaign(ctx, &bad, "ceo"), certsum.CodeReference)
		for _, f := range []certsum.CampaignFilter{
			{Name: "", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{{Type: "IDENTITY", Value: str("a")}}},
			{Name: "x", Mode: "SOMETIMES", CriteriaList: []certsum.FilterCriteria{{Type: "IDENTITY", Value: str("a")}}},
			{Name: "x", Mode: certsum.FilterInclusion},
			{Name: "x", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{{Type: "ACCOUNT", Value: str("a")}}},
			{Name: "x", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{{Type: "IDENTITY_ATTRIBUTE", Value: str("a")}}},
			{Name: "x", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{{Type: "COMPOSITE", Operation: str("XOR")}}},
			{Name: "x", Mode: certsum.FilterInclusion, CriteriaList: []certsum.FilterCriteria{{Type: "ROLE", Operation: str("LIKE"), Value: str("a")}}},
		} {
			mustCode(t, st.CreateCampaignFilter(ctx, &f), certsum.CodeInvalid)
		}
		mustOK(t, st.DeleteCampaignFilters(ctx, []string{f.ID}), "DeleteCampaignFilters")
		_, err = st.GetCampaignFilter(ctx, f.ID)
		mustCode(t, err, certsum.CodeNotFound)
		mustCode(t, st.DeleteCampaignFilters(ctx, []string{f.ID}), certsum.CodeNotFound)
	})
}
