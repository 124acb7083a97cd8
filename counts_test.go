package certsum_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// A tally counts per access type and converts to the API's decision summary; its arithmetic
// (Plus, Neg) is what reassignment and loads apply to stored counters.
func TestTally(t *testing.T) {
	var a certsum.Tally
	a.Add(certsum.TypeEntitlement, "", 3)
	a.Add(certsum.TypeEntitlement, certsum.Approve, 2)
	a.Add(certsum.TypeRole, certsum.Revoke, 1)
	a.Add(certsum.TypeAccount, certsum.Approve, 1)
	a.Add("IDENTITY", certsum.Approve, 5) // not an access type: ignored
	if a.Total() != 7 || a.Decided() != 4 || a.IsZero() {
		t.Fatalf("total %d decided %d zero %t", a.Total(), a.Decided(), a.IsZero())
	}
	want := certsum.DecisionSummary{EntitlementDecisionsTotal: 5, EntitlementDecisionsMade: 2, EntitlementsApproved: 2,
		RoleDecisionsTotal: 1, RoleDecisionsMade: 1, RolesRevoked: 1,
		AccountDecisionsTotal: 1, AccountDecisionsMade: 1, AccountsApproved: 1}
	if diff := cmp.Diff(&want, a.Summary()); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if back := want.Tally(); back != a {
		t.Errorf("DecisionSummary.Tally = %v, want the tally it came from, %v", back, a)
	}
	if v := a.Values(); len(v) != len(certsum.TallyCounters) || v[0] != 5 || v[1] != 2 || v[8] != 1 {
		t.Errorf("Values = %v", v)
	}
	b := a
	b.Plus(a.Neg())
	if !b.IsZero() {
		t.Errorf("a + -a = %v", b)
	}
	if certsum.TallyIndex(certsum.TypeAccessProfile) != 1 || certsum.TallyIndex("X") != -1 {
		t.Error("TallyIndex")
	}
}
