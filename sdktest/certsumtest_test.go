package sdktest

import (
	"context"
	"strings"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/certsumtest"
	sailpoint "github.com/sailpoint-oss/golang-sdk/v2"
)

// TestCertsumtestDrivesTheGoSDK is certsumtest's example: a Go integrator starts a real
// certsum for the test and points the official SDK at it through the environment, as in
// production.
func TestCertsumtestDrivesTheGoSDK(t *testing.T) {
	srv := certsumtest.New(t, certsumtest.Demo(200))
	ctx := context.Background()
	use := func(c certsumtest.Credentials) *sailpoint.APIClient {
		for _, kv := range c.Env(srv) {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		return sailpoint.NewAPIClient(sailpoint.NewDefaultConfiguration())
	}

	admin := use(srv.Admin)
	campaigns, resp, err := admin.V2024.CertificationCampaignsAPI.GetActiveCampaigns(ctx).Execute()
	mustOK(t, "getActiveCampaigns", resp, err)
	if len(campaigns) != 4 {
		t.Fatalf("the demo has %d campaigns through the SDK, want 4", len(campaigns))
	}

	// A reviewer of the manager review sees their own certification and its figures.
	certs, err := srv.Store.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	var cert certsum.Certification
	for _, c := range certs.Items {
		if c.Phase == certsum.PhaseActive && c.Campaign.CampaignType == certsum.CampaignManager {
			cert = c
			break
		}
	}
	reviewer := use(srv.Reviewer(cert.Reviewer.ID))
	mine, resp, err := reviewer.V2024.CertificationsAPI.ListIdentityCertifications(ctx).ReviewerIdentity("me").Execute()
	mustOK(t, "listIdentityCertifications", resp, err)
	found := false
	for _, c := range mine {
		found = found || c.GetId() == cert.ID
	}
	if !found {
		t.Fatalf("the reviewer's certifications through the SDK lack %s", cert.ID)
	}
	sum, resp, err := reviewer.V2024.CertificationSummariesAPI.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
	mustOK(t, "getIdentityDecisionSummary", resp, err)
	want, err := srv.Store.DecisionSummary(ctx, cert.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if int(sum.GetEntitlementDecisionsTotal()) != want.EntitlementDecisionsTotal || int(sum.GetRoleDecisionsMade()) != want.RoleDecisionsMade {
		t.Errorf("the SDK's decision summary %+v; the store says %+v", sum, want)
	}

	// The same credentials serve every generation's package.
	sum3, resp, err := reviewer.V3.CertificationSummariesAPI.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
	mustOK(t, "v3 getIdentityDecisionSummary", resp, err)
	sum2026, resp, err := reviewer.V2026.CertificationSummariesAPI.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
	mustOK(t, "v2026 getIdentityDecisionSummary", resp, err)
	mustAgree(t, "v3 decision summary", sum3, *want)
	mustAgree(t, "v2026 decision summary", sum2026, *want)
	betaCampaigns, resp, err := admin.Beta.CertificationCampaignsAPI.GetActiveCampaigns(ctx).Execute()
	mustOK(t, "beta getActiveCampaigns", resp, err)
	if len(betaCampaigns) != len(campaigns) {
		t.Errorf("beta lists %d campaigns, v2024 %d", len(betaCampaigns), len(campaigns))
	}
}
