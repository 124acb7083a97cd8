package sqlstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestRecountNamesEachDifferingCounter(t *testing.T) {
	var r Recount
	var stored, actual certsum.Tally
	stored.Add(certsum.TypeEntitlement, certsum.Approve, 2)
	actual.Add(certsum.TypeEntitlement, certsum.Approve, 1)
	actual.Add(certsum.TypeRole, "", 1)
	if !r.Compare(KindCertification, "c1", stored, actual) {
		t.Fatal("Compare found no difference")
	}
	if r.Compare(KindCertification, "c2", actual, actual) {
		t.Error("Compare of equal tallies found a difference")
	}
	if !r.Check(KindCampaign, "k1", "totalCertifications", 3, 4) || r.Check(KindCampaign, "k1", "completedCertifications", 1, 1) {
		t.Error("Check")
	}
	want := []certsum.Drift{
		{Kind: KindCertification, ID: "c1", Counter: "entitlementDecisionsTotal", Stored: 2, Actual: 1},
		{Kind: KindCertification, ID: "c1", Counter: "entitlementsApproved", Stored: 2, Actual: 1},
		{Kind: KindCertification, ID: "c1", Counter: "roleDecisionsTotal", Stored: 0, Actual: 1},
		{Kind: KindCampaign, ID: "k1", Counter: "totalCertifications", Stored: 3, Actual: 4},
	}
	if diff := cmp.Diff(want, r.Drifts); diff != "" {
		t.Errorf("drifts (-want +got):\n%s", diff)
	}
}
