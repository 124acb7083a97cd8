package inventory

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// A baton sync, imported as a source beside an organisation's identities, is reviewed in a
// campaign, and the revocations name the baton grant ids a connector's --revoke-grant takes.
func TestAC1ZImportIsReviewedAndItsRevocationsNameTheBatonGrants(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	people := &certsum.InventoryInput{FormatVersion: 1, Identities: []certsum.InputIdentity{
		{ID: "ada", Name: "ada", Email: "ada@example.com"},
		{ID: "grace", Name: "grace", Email: "grace@example.com", ManagerID: "ada"},
	}}
	people.Cover(certsum.KindIdentity)
	if _, err := st.ImportInventory(ctx, people, certsum.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ids, err := st.LiveIdentities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := ReadC1Z(ctx, writeC1Z(t), C1ZOptions{SourceID: "github", SourceOwner: "ada",
		Correlate: NewCorrelation(ids, nil).Identity})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.ImportInventory(ctx, in, certsum.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts[certsum.KindIdentity].Removed != 0 || r.Counts[certsum.KindAssignment].Created != 2 {
		t.Fatalf("the c1z import: %+v", r.Counts)
	}

	k := &certsum.Campaign{Name: "GitHub", Type: certsum.CampaignManager, Deadline: certsum.TimePtr(time.Now().Add(time.Hour))}
	if err := st.CreateCampaign(ctx, k, "ada"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GenerateCampaign(ctx, k.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.ActivateCampaign(ctx, k.ID, *k.Deadline); err != nil {
		t.Fatal(err)
	}
	certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "ada"}, certsum.ListQuery{Limit: 10})
	if err != nil || len(certs.Items) != 1 {
		t.Fatalf("ada's certifications: %+v, %v", certs, err)
	}
	cert := certs.Items[0].ID
	items, err := st.ListReviewItems(ctx, cert, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 10})
	if err != nil || len(items.Items) != 2 {
		t.Fatalf("grace's items: %+v, %v", items, err)
	}
	bulk := false
	var ds []certsum.ReviewDecision
	for _, it := range items.Items {
		ds = append(ds, certsum.ReviewDecision{ID: it.ID, Decision: certsum.Revoke, Bulk: &bulk})
	}
	if _, err := st.Decide(ctx, cert, "ada", ds); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignOff(ctx, cert, "ada"); err != nil {
		t.Fatal(err)
	}
	rems, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: k.ID})
	if err != nil {
		t.Fatal(err)
	}
	var grants []string
	for _, x := range rems {
		if x.BatonGrantID == nil || x.SourceID == nil || *x.SourceID != "github" || x.NativeIdentity == nil {
			t.Fatalf("remediation item without its grant, source or account: %+v", x)
		}
		grants = append(grants, *x.BatonGrantID)
	}
	sort.Strings(grants)
	if len(grants) != 2 || grants[0] != "team:dev:admin:user:ghopper" || grants[1] != "team:dev:member:user:ghopper" {
		t.Errorf("baton grant ids: %v", grants)
	}
}
