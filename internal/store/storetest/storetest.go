package storetest

import (
	"testing"

	"github.com/certsum/certsum"
)

// Run runs the conformance suite against stores made by newStore, which must return a new,
// empty store for every call (see the package documentation). Subtests are named per
// capability; run one with -run 'Conformance/Decide'.
func Run(t *testing.T, newStore func(t testing.TB) certsum.Store) {
	t.Helper()
	if newStore == nil {
		t.Fatal("storetest.Run: newStore is nil")
	}
	capabilities := []struct {
		name string
		fn   func(*testing.T, func(testing.TB) certsum.Store)
	}{
		{"Load", testLoad},
		{"Certifications", testCertifications},
		{"Lists", testLists},
		{"Decide", testDecide},
		{"SignOff", testSignOff},
		{"Reassign", testReassign},
		{"Summaries", testSummaries},
		{"Permissions", testPermissions},
		{"Campaigns", testCampaigns},
		{"Inventory", testInventory},
		{"Import", testImport},
		{"Generation", testGeneration},
		{"History", testHistory},
		{"Rollups", testRollups},
		{"Evidence", testEvidence},
		{"Sessions", testSessions},
		{"Remediation", testRemediation},
		{"CampaignFilters", testCampaignFilters},
		{"Clients", testClients},
		{"SigningKeys", testSigningKeys},
		{"Times", testTimes},
		{"Property", testProperty},
		{"Concurrency", testConcurrency},
	}
	for _, c := range capabilities {
		c := c
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore) })
	}
}
