package demo_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

func mustOpenSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestFillBuildsTheDemoThroughTheImportAndTheEngine: Fill imports the inventory and runs the
// four campaigns through the engine and the reviewers' operations, at the times the story
// gives, and everything it reports is what the store holds.
func TestFillBuildsTheDemoThroughTheImportAndTheEngine(t *testing.T) {
	ctx := context.Background()
	st := mustOpenSQLite(t)
	opts := demo.Options{Identities: 300, Seed: 9}
	steps := map[string][2]int{}
	sum, err := demo.Fill(ctx, st, opts, func(step string, done, total int) { steps[step] = [2]int{done, total} })
	if err != nil {
		t.Fatalf("Fill: %v", err)
	}
	in := demo.Inventory(opts)
	if imp := steps["importing the inventory"]; imp[1] <= 0 || imp[0] != imp[1] {
		t.Errorf("import progress ended at %v", imp)
	}
	if n, err := st.CountIdentities(ctx); err != nil || n != 300 || sum.Identities != 300 || len(in.Identities) != 300 {
		t.Fatalf("CountIdentities = %d, %v; summary %d, inventory %d; want 300", n, err, sum.Identities, len(in.Identities))
	}
	if v, err := st.InventoryVersion(ctx); err != nil || v != 1 {
		t.Errorf("inventory version %d, %v; want 1: the demo is one import", v, err)
	}
	campaigns, err := st.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]certsum.Campaign{}
	for _, k := range campaigns.Items {
		byType[string(k.Type)+" "+string(k.Status)] = k
		if step := steps["generating "+k.Name]; step[1] != 300 {
			t.Errorf("generation of %s reported %v, want the 300 identities", k.Name, step)
		}
	}
	if len(campaigns.Items) != 4 || sum.Campaigns != 4 {
		t.Fatalf("%d campaigns (summary %d), want 4", len(campaigns.Items), sum.Campaigns)
	}
	sox, mgr, infra, priv := byType["SOURCE_OWNER COMPLETED"], byType["MANAGER ACTIVE"], byType["SOURCE_OWNER ACTIVE"], byType["SEARCH STAGED"]
	for name, k := range map[string]certsum.Campaign{"completed source-owner": sox, "manager": mgr, "infrastructure": infra, "staged search": priv} {
		if k.ID == "" {
			t.Fatalf("no %s campaign: %v", name, byType)
		}
	}
	anchor := demo.DefaultNow
	if !sox.Created.Before(anchor.AddDate(0, -2, 0)) || !mgr.Created.Equal(anchor.AddDate(0, 0, -10)) ||
		!infra.Created.Equal(anchor.AddDate(0, 0, -6)) || !priv.Created.Equal(anchor.AddDate(0, 0, -2)) {
		t.Errorf("created %v, %v, %v, %v: not the story's times", sox.Created, mgr.Created, infra.Created, priv.Created)
	}
	if sox.CompletedCertifications != sox.TotalCertifications || sox.TotalCertifications == 0 {
		t.Errorf("the completed campaign has %d of %d certifications signed", sox.CompletedCertifications, sox.TotalCertifications)
	}
	if mgr.CompletedCertifications != 2 {
		t.Errorf("the manager review has %d certifications signed, want 2", mgr.CompletedCertifications)
	}

	// Every certification, as the store counts it, adds up to the summary.
	var items, decided, certs, signed int
	var groupReviewed bool
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			certs++
			items += c.DecisionsTotal
			decided += c.DecisionsMade
			if c.Phase == certsum.PhaseSigned {
				signed++
				if c.DecisionsMade != c.DecisionsTotal || c.Signed == nil || c.Due == nil || !c.Signed.Before(c.Due.Time) {
					t.Errorf("%s signed at %v (due %v) with %d of %d decided", c.Name, c.Signed, c.Due, c.DecisionsMade, c.DecisionsTotal)
				}
			}
			if c.Campaign.ID == priv.ID {
				groupReviewed = c.Reviewer.Type == certsum.TypeGovernanceGroup && c.Phase == certsum.PhaseStaged && c.DecisionsMade == 0
			}
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	if certs != sum.Certifications || items != sum.Items || decided != sum.Decided {
		t.Errorf("store: %d certifications, %d items, %d decided; summary %d, %d, %d", certs, items, decided,
			sum.Certifications, sum.Items, sum.Decided)
	}
	if share := float64(decided) / float64(items); share < 0.3 || share > 0.6 {
		t.Errorf("%.0f %% of the items decided, want about 40 %%", 100*share)
	}
	if !groupReviewed {
		t.Errorf("the staged privileged review is not one undecided certification of the Security Reviewers")
	}
	if signed != sox.TotalCertifications+2 {
		t.Errorf("%d certifications signed, want the completed campaign's %d and 2", signed, sox.TotalCertifications)
	}

	// The revocations of signed certifications await remediation.
	rem, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: sox.ID})
	if err != nil || len(rem) == 0 {
		t.Errorf("the completed campaign has %d remediation items, %v; want its revocations", len(rem), err)
	}
	drift, err := st.Verify(ctx, false)
	if err != nil || len(drift) != 0 {
		t.Errorf("Verify after Fill: %v, %+v", err, drift)
	}
}

// Every decision Fill makes goes through Decide, in the reviewer's name, at a time inside the
// campaign's review period, with a comment on every revocation.
func TestFillDecidesAsTheReviewersDuringTheReview(t *testing.T) {
	ctx := context.Background()
	st := mustOpenSQLite(t)
	if _, err := demo.Fill(ctx, st, demo.Options{Identities: 150, Seed: 2}, nil); err != nil {
		t.Fatal(err)
	}
	campaigns, err := st.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	started := map[string]certsum.Campaign{}
	for _, k := range campaigns.Items {
		started[k.ID] = k
	}
	n := 0
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			k := started[c.Campaign.ID]
			hist, err := st.DecisionHistory(ctx, c.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range hist {
				n++
				end := demo.DefaultNow
				if c.Signed != nil {
					end = c.Signed.Time
				}
				if d.DecidedBy != c.Reviewer.ID || !d.DecidedAt.After(k.Created.Time) || d.DecidedAt.After(end) {
					t.Errorf("%s: decision by %s at %v; want by %s between %v and %v", c.Name, d.DecidedBy, d.DecidedAt,
						c.Reviewer.ID, k.Created, end)
				}
				if d.Decision == certsum.Revoke && (d.Comments == nil || *d.Comments == "") {
					t.Errorf("%s: a revocation without a comment", c.Name)
				}
			}
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	if n == 0 {
		t.Errorf("no decisions were made")
	}
}

// The fixture Generate builds by hand for Load describes the same organisation Fill builds:
// the MANAGER campaign generated by the engine over Fill's import reviews, for every report,
// the same roles, access profiles and entitlements as the fixture's manager review (which
// adds the accounts themselves as items, which certsum's generation does not).
func TestTheFixturesManagerReviewIsTheEnginesOverTheImportedDemo(t *testing.T) {
	ctx := context.Background()
	st := mustOpenSQLite(t)
	opts := demo.Options{Identities: 300, Seed: 9}
	if _, err := demo.Fill(ctx, st, opts, nil); err != nil {
		t.Fatal(err)
	}
	ds := demo.Generate(opts)
	var demoReview certsum.CampaignData
	for _, k := range ds.Campaigns {
		if k.Campaign.Type == certsum.CampaignManager && k.Campaign.Status == certsum.StatusActive {
			demoReview = k
		}
	}
	key := func(reviewer, identity string, t certsum.DtoType, access, account string) string {
		return reviewer + " " + identity + " " + string(t) + " " + access + " " + account
	}
	want := map[string]bool{}
	for _, c := range demoReview.Certifications {
		identity := map[string]string{}
		for _, s := range c.IdentitySummaries {
			identity[s.ID] = s.IdentityID
		}
		for _, it := range c.Items {
			if it.AccessType != certsum.TypeAccount {
				want[key(c.Certification.Reviewer.ID, identity[it.IdentitySummaryID], it.AccessType, it.AccessID, it.AccountID)] = true
			}
		}
	}
	k := &certsum.Campaign{Name: "Managers again", Type: certsum.CampaignManager}
	if err := st.CreateCampaign(ctx, k, ds.Identities[0].ID); err != nil {
		t.Fatal(err)
	}
	got, err := st.GenerateCampaign(ctx, k.ID, nil)
	if err != nil || got.Status != certsum.StatusStaged {
		t.Fatalf("generate: %v, %+v", err, got)
	}
	have := map[string]bool{}
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			if c.Campaign.ID != k.ID {
				continue
			}
			for ioff := 0; ; ioff += certsum.MaxLimit {
				items, err := st.ListReviewItems(ctx, c.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: ioff})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items.Items {
					account := ""
					if e := it.AccessSummary.Entitlement; e != nil && e.Account != nil && e.Account.ID != nil {
						account = *e.Account.ID
					}
					have[key(c.Reviewer.ID, it.IdentitySummary.IdentityID, it.AccessSummary.Access.Type, it.AccessSummary.Access.ID, account)] = true
				}
				if len(items.Items) < certsum.MaxLimit {
					break
				}
			}
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	missing, extra := 0, 0
	for k := range want {
		if !have[k] {
			missing++
			if missing <= 5 {
				t.Errorf("the demo's review has %s; the generated one does not", k)
			}
		}
	}
	for k := range have {
		if !want[k] {
			extra++
			if extra <= 5 {
				t.Errorf("the generated review has %s; the demo's does not", k)
			}
		}
	}
	if len(want) == 0 || missing+extra > 0 {
		t.Errorf("%d items in the demo's review, %d generated: %d missing, %d extra", len(want), len(have), missing, extra)
	}
}
