package sdktest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// tsExpected is what the TypeScript test compares the SDK's answers with: the store's values
// in certsum's wire format.
type tsExpected struct {
	CertificationID         string                             `json:"certificationId"`
	Certifications          []certsum.Certification            `json:"certifications"`
	Certification           certsum.Certification              `json:"certification"`
	AccessSummaries         map[string][]certsum.AccessSummary `json:"accessSummaries"`
	DecisionSummary         certsum.DecisionSummary            `json:"decisionSummary"`
	FilteredDecisionSummary tsFilteredSummary                  `json:"filteredDecisionSummary"`
	IdentitySummaries       []certsum.IdentitySummary          `json:"identitySummariesByNameDesc"`
	ReviewItemIDs           []string                           `json:"reviewItemIds"`
	Decide                  []certsum.ReviewDecision           `json:"decide"`
	DecisionsMadeAfter      int                                `json:"decisionsMadeAfter"`
	UnknownID               string                             `json:"unknownId"`
}

// tsFilteredSummary is a decision summary with the filter that selects it.
type tsFilteredSummary struct {
	Filters string                  `json:"filters"`
	Summary certsum.DecisionSummary `json:"summary"`
}

// TestTypeScriptSDK runs ts/sdk.test.mjs, SailPoint's TypeScript SDK under node:test, against
// certsum as one reviewer. It needs node and `npm ci` in ts/; without them it skips, unless
// CERTSUM_SDKTEST_TS=1 (set by CI after npm ci) makes that a failure.
func TestTypeScriptSDK(t *testing.T) {
	node := mustNode(t)
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement)
	rev := reviewerOf(t, s, cert)

	exp := tsExpected{CertificationID: cert.ID, Certification: cert, UnknownID: "2c9180835d2e5168015d32f890ca1581",
		Certifications:  mustAllCerts(t, s, certsum.CertificationFilter{ReviewerID: rev.Client.IdentityID}),
		AccessSummaries: map[string][]certsum.AccessSummary{}}
	for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		exp.AccessSummaries[string(typ)] = mustWalk(t, certsum.ListQuery{}, func(q certsum.ListQuery) (certsum.Page[certsum.AccessSummary], error) {
			return s.Store.ListAccessSummaries(ctx, cert.ID, typ, q)
		})
	}
	ds, err := s.Store.DecisionSummary(ctx, cert.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	exp.DecisionSummary = *ds
	exp.IdentitySummaries = mustWalk(t, mustQuery(t, certsum.IdentitySummarySchema, map[string]string{"sorters": "-name"}),
		func(q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
			return s.Store.ListIdentitySummaries(ctx, cert.ID, q)
		})
	f := fmt.Sprintf(`identitySummary.id in ("%s","%s")`, exp.IdentitySummaries[0].ID, exp.IdentitySummaries[1].ID)
	fs, err := s.Store.DecisionSummary(ctx, cert.ID, mustQuery(t, certsum.DecisionSummarySchema, map[string]string{"filters": f}).Filter)
	if err != nil {
		t.Fatal(err)
	}
	exp.FilteredDecisionSummary = tsFilteredSummary{Filters: f, Summary: *fs}
	bulk, comment := false, "Unused access; not needed for the current role"
	for _, it := range mustAllItems(t, s, cert.ID, certsum.ListQuery{}) {
		exp.ReviewItemIDs = append(exp.ReviewItemIDs, it.ID)
		if !it.Completed && len(exp.Decide) < 2 {
			d := certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk}
			if len(exp.Decide) == 1 {
				d.Decision, d.Comments = certsum.Revoke, &comment
			}
			exp.Decide = append(exp.Decide, d)
		}
	}
	if len(exp.Decide) < 2 {
		t.Fatalf("certification %s has fewer than two open items", cert.ID)
	}
	exp.DecisionsMadeAfter = cert.DecisionsMade + len(exp.Decide)
	b, err := json.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "expected.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, node, "--test", "sdk.test.mjs")
	cmd.Dir = "ts"
	cmd.Env = append(os.Environ(), "SAIL_BASE_URL="+s.URL, "SAIL_CLIENT_ID="+rev.Client.ID,
		"SAIL_CLIENT_SECRET="+rev.Secret, "CERTSUM_SDKTEST_EXPECTED="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test sdk.test.mjs: %v\n%s", err, out)
	}
	t.Logf("node --test sdk.test.mjs:\n%s", out)

	// The decisions the SDK sent are in the store.
	for _, d := range exp.Decide {
		items := mustAllItems(t, s, cert.ID, mustQuery(t, certsum.ReviewItemSchema, map[string]string{"filters": fmt.Sprintf(`id eq "%s"`, d.ID)}))
		if len(items) != 1 || items[0].Decision != d.Decision {
			t.Errorf("item %s after the TypeScript SDK decided %s: %+v", d.ID, d.Decision, items)
		}
	}
}

// TestTypeScriptSDKRunsACampaign runs ts/campaigns.test.mjs, a campaign's life through the
// official TypeScript SDK, against certsum over an imported inventory on both backends.
func TestTypeScriptSDKRunsACampaign(t *testing.T) {
	node := mustNode(t)
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			s := mustStartImported(t, open(t))
			rev := s.reviewer(t, "ada")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "campaigns.test.mjs")
			cmd.Dir = "ts"
			cmd.Env = append(os.Environ(), "CERTSUM_BASE_URL="+s.URL,
				"CERTSUM_ADMIN_ID="+s.Admin.Client.ID, "CERTSUM_ADMIN_SECRET="+s.Admin.Secret,
				"CERTSUM_REVIEWER_ID="+rev.Client.ID, "CERTSUM_REVIEWER_SECRET="+rev.Secret)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node --test campaigns.test.mjs: %v\n%s", err, out)
			}
			t.Logf("node --test campaigns.test.mjs:\n%s", out)
			if drifts, err := s.Store.Verify(context.Background(), false); err != nil || len(drifts) != 0 {
				t.Errorf("verify after the campaign: %v %+v", err, drifts)
			}
		})
	}
}

// TestTypeScriptSDKEveryGeneration runs ts/generations.test.mjs: the same review through
// the TypeScript SDK's v3 and beta clients, against certsum over an imported inventory.
func TestTypeScriptSDKEveryGeneration(t *testing.T) {
	node := mustNode(t)
	s := mustStartImported(t, backends["sqlite"](t))
	ada, grace := s.reviewer(t, "ada"), s.reviewer(t, "grace")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "generations.test.mjs")
	cmd.Dir = "ts"
	cmd.Env = append(os.Environ(), "CERTSUM_BASE_URL="+s.URL,
		"CERTSUM_ADMIN_ID="+s.Admin.Client.ID, "CERTSUM_ADMIN_SECRET="+s.Admin.Secret,
		"CERTSUM_ADA_ID="+ada.Client.ID, "CERTSUM_ADA_SECRET="+ada.Secret,
		"CERTSUM_GRACE_ID="+grace.Client.ID, "CERTSUM_GRACE_SECRET="+grace.Secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test generations.test.mjs: %v\n%s", err, out)
	}
	t.Logf("node --test generations.test.mjs:\n%s", out)
	if drifts, err := s.Store.Verify(context.Background(), false); err != nil || len(drifts) != 0 {
		t.Errorf("verify after the reviews: %v %+v", err, drifts)
	}
}

// mustNode returns node's path when the TypeScript SDK is installed in ts/, and skips the
// test otherwise, unless CERTSUM_SDKTEST_TS=1 (set by CI after npm ci) makes that a failure.
func mustNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("ts", "node_modules", "sailpoint-api-client", "package.json"))
	}
	if err != nil {
		if os.Getenv("CERTSUM_SDKTEST_TS") == "1" {
			t.Fatalf("CERTSUM_SDKTEST_TS=1 but the TypeScript SDK cannot run: %v", err)
		}
		t.Skipf("TypeScript SDK not installed (%v); run `npm ci` in sdktest/ts and set CERTSUM_SDKTEST_TS=1 to require it", err)
	}
	return node
}
