package sdktest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/inventory"
	"github.com/certsum/certsum/internal/lifecycle"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/postgres/pgtest"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// campaignServer is certsum serving an organisation's own inventory (docs/import/example:
// ada manages grace and alan and owns Active Directory; grace owns GitHub), with campaign
// generation running, on one backend.
type campaignServer struct {
	URL   string
	Store certsum.Store
	Auth  *auth.Service
	Admin auth.Credentials
}

// backends opens a fresh store of each backend: SQLite always, PostgreSQL in the database
// of CERTSUM_TEST_POSTGRES (skipped without it, unless CERTSUM_TEST_REQUIRE_SERVICES=1).
var backends = map[string]func(t *testing.T) certsum.Store{
	"sqlite": func(t *testing.T) certsum.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	},
	"postgres": func(t *testing.T) certsum.Store {
		st, err := postgres.Open(context.Background(), pgtest.SchemaDSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	},
}

// mustStartImported imports docs/import/example.json into st and serves it.
func mustStartImported(t *testing.T, st certsum.Store) *campaignServer {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(filepath.Join("..", "docs", "import", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := inventory.ParseJSON(f, "example.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportInventory(ctx, in, certsum.ImportOptions{}); err != nil {
		t.Fatalf("import: %v", err)
	}
	svc, err := auth.New(auth.Options{Store: st, Issuer: "certsum", TokenTTL: time.Hour, Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatal(err)
	}
	s := &campaignServer{Store: st, Auth: svc}
	if s.Admin, err = svc.CreateAdminClient(ctx, "sdk", nil); err != nil {
		t.Fatal(err)
	}
	runner := lifecycle.New(st, lifecycle.Options{Every: -1})
	t.Cleanup(runner.Close)
	hs := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Auth: svc, Runner: runner}))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// reviewer registers a USER personal access token of an identity.
func (s *campaignServer) reviewer(t *testing.T, identity string) auth.Credentials {
	t.Helper()
	c, secret, err := s.Auth.CreateClient(context.Background(), auth.ClientSpec{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	return auth.Credentials{Client: c, Secret: secret}
}

// waitStaged polls getCampaign through the SDK until the campaign leaves PENDING.
func waitStaged(t *testing.T, api *v2024.CertificationCampaignsAPIService, id string) *v2024.Campaign {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, resp, err := api.GetCampaign(context.Background(), id).Detail("FULL").Execute()
		mustOK(t, "getCampaign", resp, err)
		if got.Campaign == nil {
			t.Fatalf("getCampaign detail=FULL decoded no Campaign: %+v", got)
		}
		if got.Campaign.GetStatus() != "PENDING" {
			return got.Campaign
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s still PENDING after 30 s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestGoSDKRunsACampaign drives a campaign's whole life through the official Go SDK on both
// backends: create (PENDING) → generated (STAGED) → activate → the reviewer decides and
// signs off → COMPLETED; a second one is completed by the administrator past its deadline,
// revoking what was left undecided, and both are deleted.
func TestGoSDKRunsACampaign(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			s := mustStartImported(t, open(t))
			ctx := context.Background()
			admin := newSDKAt(t, s.URL, s.Admin).V2024.CertificationCampaignsAPI

			desc := *v2024.NewNullableString(nil)
			k := v2024.NewCampaign("Manager review", desc, "MANAGER")
			k.SetDeadline(v2024.SailPointTime{Time: time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)})
			created, resp, err := admin.CreateCampaign(ctx).Campaign(*k).Execute()
			mustOK(t, "createCampaign", resp, err)
			if resp.StatusCode != 202 || created.GetStatus() != "PENDING" || created.GetId() == "" {
				t.Fatalf("createCampaign: %d, status %q, id %q", resp.StatusCode, created.GetStatus(), created.GetId())
			}
			staged := waitStaged(t, admin, created.GetId())
			if staged.GetStatus() != "STAGED" || staged.GetTotalCertifications() != 1 || len(staged.GetAlerts()) != 1 {
				t.Fatalf("generated: %s with %d certifications and alerts %+v", staged.GetStatus(), staged.GetTotalCertifications(), staged.GetAlerts())
			}
			want, err := s.Store.GetCampaign(ctx, created.GetId())
			if err != nil {
				t.Fatal(err)
			}
			mustAgree(t, "staged campaign", staged, *want)

			opts := v2024.NewActivateCampaignOptions()
			opts.SetTimeZone("-05:00")
			_, resp, err = admin.StartCampaign(ctx, created.GetId()).ActivateCampaignOptions(*opts).Execute()
			mustOK(t, "startCampaign", resp, err)
			if _, resp, err = admin.StartCampaign(ctx, created.GetId()).Execute(); err == nil || resp.StatusCode != 400 {
				t.Errorf("a second startCampaign: %v, want 400", err)
			}

			// ada reviews grace's role and alan's GitHub team, and signs off.
			certs := newSDKAt(t, s.URL, s.reviewer(t, "ada")).V2024.CertificationsAPI
			mine, resp, err := certs.ListIdentityCertifications(ctx).ReviewerIdentity("me").Execute()
			mustOK(t, "listIdentityCertifications", resp, err)
			if len(mine) != 1 || mine[0].GetPhase() != "ACTIVE" {
				t.Fatalf("ada's certifications: %+v", mine)
			}
			certID := mine[0].GetId()
			items, resp, err := certs.ListIdentityAccessReviewItems(ctx, certID).Execute()
			mustOK(t, "listIdentityAccessReviewItems", resp, err)
			if len(items) != 2 {
				t.Fatalf("ada's certification has %d items, want grace's role and alan's entitlement", len(items))
			}
			var decisions []v2024.ReviewDecision
			for _, it := range items {
				decisions = append(decisions, *v2024.NewReviewDecision(it.GetId(), v2024.CERTIFICATIONDECISION_APPROVE, true))
			}
			_, resp, err = certs.MakeIdentityDecision(ctx, certID).ReviewDecision(decisions).Execute()
			mustOK(t, "makeIdentityDecision", resp, err)
			_, resp, err = certs.SignOffIdentityCertification(ctx, certID).Execute()
			mustOK(t, "signOffIdentityCertification", resp, err)
			done := waitStaged(t, admin, created.GetId())
			if done.GetStatus() != "COMPLETED" || done.GetCompletedCertifications() != 1 {
				t.Errorf("after the last sign-off: %s, %d completed", done.GetStatus(), done.GetCompletedCertifications())
			}

			// A source-owner campaign, completed past its deadline with REVOKE.
			so := v2024.NewCampaign("Source owners", *v2024.NewNullableString(nil), "SOURCE_OWNER")
			so.SetAutoRevokeAllowed(true)
			due := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Millisecond)
			so.SetDeadline(v2024.SailPointTime{Time: due})
			created2, resp, err := admin.CreateCampaign(ctx).Campaign(*so).Execute()
			mustOK(t, "createCampaign", resp, err)
			if st := waitStaged(t, admin, created2.GetId()); st.GetStatus() != "STAGED" || st.GetTotalCertifications() != 2 {
				t.Fatalf("source-owner campaign: %s with %d certifications", st.GetStatus(), st.GetTotalCertifications())
			}
			_, resp, err = admin.StartCampaign(ctx, created2.GetId()).Execute()
			mustOK(t, "startCampaign", resp, err)
			if _, resp, err = admin.CompleteCampaign(ctx, created2.GetId()).Execute(); err == nil || resp.StatusCode != 400 {
				t.Errorf("completeCampaign before the deadline: %v, want 400", err)
			}
			time.Sleep(time.Until(due) + 50*time.Millisecond)
			revoke := v2024.NewCampaignCompleteOptions()
			revoke.SetAutoCompleteAction("REVOKE")
			_, resp, err = admin.CompleteCampaign(ctx, created2.GetId()).CampaignCompleteOptions(*revoke).Execute()
			mustOK(t, "completeCampaign", resp, err)
			if st := waitStaged(t, admin, created2.GetId()); st.GetStatus() != "COMPLETED" {
				t.Errorf("after completeCampaign: %s", st.GetStatus())
			}

			list, resp, err := admin.GetActiveCampaigns(ctx).Filters(`status eq "COMPLETED"`).Sorters("name").Count(true).Execute()
			mustOK(t, "getActiveCampaigns", resp, err)
			if len(list) != 2 || resp.Header.Get("X-Total-Count") != "2" {
				t.Errorf("completed campaigns: %d (X-Total-Count %q)", len(list), resp.Header.Get("X-Total-Count"))
			}
			var names []string
			for _, c := range list {
				b, err := json.Marshal(&c) // the anyOf wrapper marshals the model it decoded
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, mustAs[certsum.SlimCampaign](t, json.RawMessage(b)).Name)
			}
			if len(names) != 2 || names[0] != "Manager review" || names[1] != "Source owners" {
				t.Errorf("campaigns by name: %v", names)
			}

			del := v2024.NewCampaignsDeleteRequest()
			del.SetIds([]string{created.GetId(), created2.GetId()})
			_, resp, err = admin.DeleteCampaigns(ctx).CampaignsDeleteRequest(*del).Execute()
			mustOK(t, "deleteCampaigns", resp, err)
			if _, resp, err = admin.GetCampaign(ctx, created.GetId()).Execute(); err == nil || resp.StatusCode != 404 {
				t.Errorf("getCampaign after delete: %v, want 404", err)
			}
			drifts, err := s.Store.Verify(ctx, false)
			if err != nil || len(drifts) != 0 {
				t.Errorf("verify after the campaigns: %v %+v", err, drifts)
			}
		})
	}
}
