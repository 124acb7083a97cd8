package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	sailpoint "github.com/sailpoint-oss/golang-sdk/v2"
	beta "github.com/sailpoint-oss/golang-sdk/v2/api_beta"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
	v2025 "github.com/sailpoint-oss/golang-sdk/v2/api_v2025"
	v2026 "github.com/sailpoint-oss/golang-sdk/v2/api_v2026"
	v3 "github.com/sailpoint-oss/golang-sdk/v2/api_v3"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// generationSDK is one generation's package of the official Go SDK behind the operations
// the flow uses. Each function calls the SDK and returns what it decoded (the flow reads it
// as certsum's wire type with mustAs), the response and the error. A nil function is an
// operation the generation does not have; the flow then uses v2024's package, as an
// integrator on that generation would.
type generationSDK struct {
	name string
	// campaignsAt and summariesAt are where the generation's campaign and summary calls go.
	campaignsAt, summariesAt string

	createCampaign   func(c *caller, name, typ string, deadline time.Time, autoRevoke bool) (any, *http.Response, error)
	getCampaign      func(c *caller, id string) (any, *http.Response, error)
	activeCampaigns  func(c *caller, filters string) ([]any, *http.Response, error)
	startCampaign    func(c *caller, id string) (*http.Response, error)
	completeCampaign func(c *caller, id, action string) (*http.Response, error)
	deleteCampaigns  func(c *caller, ids []string) (*http.Response, error)

	myCertifications  func(c *caller) ([]any, *http.Response, error)
	reviewItems       func(c *caller, cert string) ([]any, *http.Response, error)
	decide            func(c *caller, cert string, items []string) (any, *http.Response, error)
	reassign          func(c *caller, cert, item, to, reason string) (any, *http.Response, error)
	signOff           func(c *caller, cert string) (any, *http.Response, error)
	reviewers         func(c *caller, cert string) ([]any, *http.Response, error)
	permissions       func(c *caller, cert, item string) ([]any, *http.Response, error)
	decisionSummary   func(c *caller, cert string) (any, *http.Response, error)
	identitySummaries func(c *caller, cert string) ([]any, *http.Response, error)
	identitySummary   func(c *caller, cert, id string) (any, *http.Response, error)
	accessSummaries   func(c *caller, cert, typ string) ([]any, *http.Response, error)
}

// each turns a slice the SDK decoded into values to read with mustAs (pointers, so that
// models whose MarshalJSON has a pointer receiver marshal what they decoded).
func each[T any](s []T, resp *http.Response, err error) ([]any, *http.Response, error) {
	out := make([]any, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out, resp, err
}

func discard[T any](_ T, resp *http.Response, err error) (*http.Response, error) { return resp, err }

var ctxBG = context.Background()

// The three generations with the whole certification API. Their packages are generated
// from the same models, so the adapters read alike; each is its own Go type.
var sdkV3 = generationSDK{
	name:        "v3",
	campaignsAt: "/v3/campaigns",
	summariesAt: "/v3/certifications/",
	createCampaign: func(c *caller, name, typ string, deadline time.Time, autoRevoke bool) (any, *http.Response, error) {
		k := v3.NewCampaign(name, *v3.NewNullableString(nil), typ)
		k.SetDeadline(v3.SailPointTime{Time: deadline})
		k.SetAutoRevokeAllowed(autoRevoke)
		return c.api().V3.CertificationCampaignsAPI.CreateCampaign(ctxBG).Campaign(*k).Execute()
	},
	getCampaign: func(c *caller, id string) (any, *http.Response, error) {
		return c.api().V3.CertificationCampaignsAPI.GetCampaign(ctxBG, id).Detail("FULL").Execute()
	},
	activeCampaigns: func(c *caller, filters string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationCampaignsAPI.GetActiveCampaigns(ctxBG).Filters(filters).Sorters("name").Count(true).Execute())
	},
	startCampaign: func(c *caller, id string) (*http.Response, error) {
		return discard(c.api().V3.CertificationCampaignsAPI.StartCampaign(ctxBG, id).Execute())
	},
	completeCampaign: func(c *caller, id, action string) (*http.Response, error) {
		o := v3.NewCampaignCompleteOptions()
		o.SetAutoCompleteAction(action)
		return discard(c.api().V3.CertificationCampaignsAPI.CompleteCampaign(ctxBG, id).CampaignCompleteOptions(*o).Execute())
	},
	deleteCampaigns: func(c *caller, ids []string) (*http.Response, error) {
		d := v3.NewCampaignsDeleteRequest()
		d.SetIds(ids)
		return discard(c.api().V3.CertificationCampaignsAPI.DeleteCampaigns(ctxBG).CampaignsDeleteRequest(*d).Execute())
	},
	myCertifications: func(c *caller) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationsAPI.ListIdentityCertifications(ctxBG).ReviewerIdentity("me").Execute())
	},
	reviewItems: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationsAPI.ListIdentityAccessReviewItems(ctxBG, cert).Execute())
	},
	decide: func(c *caller, cert string, items []string) (any, *http.Response, error) {
		var ds []v3.ReviewDecision
		for _, id := range items {
			ds = append(ds, *v3.NewReviewDecision(id, v3.CERTIFICATIONDECISION_APPROVE, false))
		}
		return c.api().V3.CertificationsAPI.MakeIdentityDecision(ctxBG, cert).ReviewDecision(ds).Execute()
	},
	reassign: func(c *caller, cert, item, to, reason string) (any, *http.Response, error) {
		r := v3.NewReviewReassign([]v3.ReassignReference{*v3.NewReassignReference(item, "ITEM")}, to, reason)
		return c.api().V3.CertificationsAPI.ReassignIdentityCertifications(ctxBG, cert).ReviewReassign(*r).Execute()
	},
	signOff: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V3.CertificationsAPI.SignOffIdentityCertification(ctxBG, cert).Execute()
	},
	reviewers: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationsAPI.ListCertificationReviewers(ctxBG, cert).Execute())
	},
	permissions: func(c *caller, cert, item string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationsAPI.GetIdentityCertificationItemPermissions(ctxBG, cert, item).Execute())
	},
	decisionSummary: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V3.CertificationSummariesAPI.GetIdentityDecisionSummary(ctxBG, cert).Execute()
	},
	identitySummaries: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationSummariesAPI.GetIdentitySummaries(ctxBG, cert).Execute())
	},
	identitySummary: func(c *caller, cert, id string) (any, *http.Response, error) {
		return c.api().V3.CertificationSummariesAPI.GetIdentitySummary(ctxBG, cert, id).Execute()
	},
	accessSummaries: func(c *caller, cert, typ string) ([]any, *http.Response, error) {
		return each(c.api().V3.CertificationSummariesAPI.GetIdentityAccessSummaries(ctxBG, cert, typ).Execute())
	},
}

var sdkV2025 = generationSDK{
	name:        "v2025",
	campaignsAt: "/v2025/campaigns",
	summariesAt: "/v2025/certifications/",
	createCampaign: func(c *caller, name, typ string, deadline time.Time, autoRevoke bool) (any, *http.Response, error) {
		k := v2025.NewCampaign(name, *v2025.NewNullableString(nil), typ)
		k.SetDeadline(v2025.SailPointTime{Time: deadline})
		k.SetAutoRevokeAllowed(autoRevoke)
		return c.api().V2025.CertificationCampaignsAPI.CreateCampaign(ctxBG).Campaign(*k).Execute()
	},
	getCampaign: func(c *caller, id string) (any, *http.Response, error) {
		return c.api().V2025.CertificationCampaignsAPI.GetCampaign(ctxBG, id).Detail("FULL").Execute()
	},
	activeCampaigns: func(c *caller, filters string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationCampaignsAPI.GetActiveCampaigns(ctxBG).Filters(filters).Sorters("name").Count(true).Execute())
	},
	startCampaign: func(c *caller, id string) (*http.Response, error) {
		return discard(c.api().V2025.CertificationCampaignsAPI.StartCampaign(ctxBG, id).Execute())
	},
	completeCampaign: func(c *caller, id, action string) (*http.Response, error) {
		o := v2025.NewCampaignCompleteOptions()
		o.SetAutoCompleteAction(action)
		return discard(c.api().V2025.CertificationCampaignsAPI.CompleteCampaign(ctxBG, id).CampaignCompleteOptions(*o).Execute())
	},
	deleteCampaigns: func(c *caller, ids []string) (*http.Response, error) {
		d := v2025.NewCampaignsDeleteRequest()
		d.SetIds(ids)
		return discard(c.api().V2025.CertificationCampaignsAPI.DeleteCampaigns(ctxBG).CampaignsDeleteRequest(*d).Execute())
	},
	myCertifications: func(c *caller) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationsAPI.ListIdentityCertifications(ctxBG).ReviewerIdentity("me").Execute())
	},
	reviewItems: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationsAPI.ListIdentityAccessReviewItems(ctxBG, cert).Execute())
	},
	decide: func(c *caller, cert string, items []string) (any, *http.Response, error) {
		var ds []v2025.ReviewDecision
		for _, id := range items {
			ds = append(ds, *v2025.NewReviewDecision(id, v2025.CERTIFICATIONDECISION_APPROVE, false))
		}
		return c.api().V2025.CertificationsAPI.MakeIdentityDecision(ctxBG, cert).ReviewDecision(ds).Execute()
	},
	reassign: func(c *caller, cert, item, to, reason string) (any, *http.Response, error) {
		r := v2025.NewReviewReassign([]v2025.ReassignReference{*v2025.NewReassignReference(item, "ITEM")}, to, reason)
		return c.api().V2025.CertificationsAPI.ReassignIdentityCertifications(ctxBG, cert).ReviewReassign(*r).Execute()
	},
	signOff: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2025.CertificationsAPI.SignOffIdentityCertification(ctxBG, cert).Execute()
	},
	reviewers: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationsAPI.ListCertificationReviewers(ctxBG, cert).Execute())
	},
	permissions: func(c *caller, cert, item string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationsAPI.GetIdentityCertificationItemPermissions(ctxBG, cert, item).Execute())
	},
	decisionSummary: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2025.CertificationSummariesAPI.GetIdentityDecisionSummary(ctxBG, cert).Execute()
	},
	identitySummaries: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationSummariesAPI.GetIdentitySummaries(ctxBG, cert).Execute())
	},
	identitySummary: func(c *caller, cert, id string) (any, *http.Response, error) {
		return c.api().V2025.CertificationSummariesAPI.GetIdentitySummary(ctxBG, cert, id).Execute()
	},
	accessSummaries: func(c *caller, cert, typ string) ([]any, *http.Response, error) {
		return each(c.api().V2025.CertificationSummariesAPI.GetIdentityAccessSummaries(ctxBG, cert, typ).Execute())
	},
}

var sdkV2026 = generationSDK{
	name:        "v2026",
	campaignsAt: "/v2026/campaigns",
	summariesAt: "/v2026/certifications/",
	createCampaign: func(c *caller, name, typ string, deadline time.Time, autoRevoke bool) (any, *http.Response, error) {
		k := v2026.NewCampaign(name, *v2026.NewNullableString(nil), typ)
		k.SetDeadline(v2026.SailPointTime{Time: deadline})
		k.SetAutoRevokeAllowed(autoRevoke)
		return c.api().V2026.CertificationCampaignsAPI.CreateCampaign(ctxBG).Campaign(*k).Execute()
	},
	getCampaign: func(c *caller, id string) (any, *http.Response, error) {
		return c.api().V2026.CertificationCampaignsAPI.GetCampaign(ctxBG, id).Detail("FULL").Execute()
	},
	activeCampaigns: func(c *caller, filters string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationCampaignsAPI.GetActiveCampaigns(ctxBG).Filters(filters).Sorters("name").Count(true).Execute())
	},
	startCampaign: func(c *caller, id string) (*http.Response, error) {
		return discard(c.api().V2026.CertificationCampaignsAPI.StartCampaign(ctxBG, id).Execute())
	},
	completeCampaign: func(c *caller, id, action string) (*http.Response, error) {
		o := v2026.NewCampaignCompleteOptions()
		o.SetAutoCompleteAction(action)
		return discard(c.api().V2026.CertificationCampaignsAPI.CompleteCampaign(ctxBG, id).CampaignCompleteOptions(*o).Execute())
	},
	deleteCampaigns: func(c *caller, ids []string) (*http.Response, error) {
		d := v2026.NewCampaignsDeleteRequest()
		d.SetIds(ids)
		return discard(c.api().V2026.CertificationCampaignsAPI.DeleteCampaigns(ctxBG).CampaignsDeleteRequest(*d).Execute())
	},
	myCertifications: func(c *caller) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationsAPI.ListIdentityCertifications(ctxBG).ReviewerIdentity("me").Execute())
	},
	reviewItems: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationsAPI.ListIdentityAccessReviewItems(ctxBG, cert).Execute())
	},
	decide: func(c *caller, cert string, items []string) (any, *http.Response, error) {
		var ds []v2026.ReviewDecision
		for _, id := range items {
			ds = append(ds, *v2026.NewReviewDecision(id, v2026.CERTIFICATIONDECISION_APPROVE, false))
		}
		return c.api().V2026.CertificationsAPI.MakeIdentityDecision(ctxBG, cert).ReviewDecision(ds).Execute()
	},
	reassign: func(c *caller, cert, item, to, reason string) (any, *http.Response, error) {
		r := v2026.NewReviewReassign([]v2026.ReassignReference{*v2026.NewReassignReference(item, "ITEM")}, to, reason)
		return c.api().V2026.CertificationsAPI.ReassignIdentityCertifications(ctxBG, cert).ReviewReassign(*r).Execute()
	},
	signOff: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2026.CertificationsAPI.SignOffIdentityCertification(ctxBG, cert).Execute()
	},
	reviewers: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationsAPI.ListCertificationReviewers(ctxBG, cert).Execute())
	},
	permissions: func(c *caller, cert, item string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationsAPI.GetIdentityCertificationItemPermissions(ctxBG, cert, item).Execute())
	},
	decisionSummary: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2026.CertificationSummariesAPI.GetIdentityDecisionSummary(ctxBG, cert).Execute()
	},
	identitySummaries: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationSummariesAPI.GetIdentitySummaries(ctxBG, cert).Execute())
	},
	identitySummary: func(c *caller, cert, id string) (any, *http.Response, error) {
		return c.api().V2026.CertificationSummariesAPI.GetIdentitySummary(ctxBG, cert, id).Execute()
	},
	accessSummaries: func(c *caller, cert, typ string) ([]any, *http.Response, error) {
		return each(c.api().V2026.CertificationSummariesAPI.GetIdentityAccessSummaries(ctxBG, cert, typ).Execute())
	},
}

// beta has the campaign operations, the reviewers and the permissions; the rest of the
// flow goes through v2024.
var sdkBeta = generationSDK{
	name:        "beta",
	campaignsAt: "/beta/campaigns",
	createCampaign: func(c *caller, name, typ string, deadline time.Time, autoRevoke bool) (any, *http.Response, error) {
		k := beta.NewCampaign(name, "", typ)
		k.SetDeadline(beta.SailPointTime{Time: deadline})
		k.SetAutoRevokeAllowed(autoRevoke)
		return c.api().Beta.CertificationCampaignsAPI.CreateCampaign(ctxBG).Campaign(*k).Execute()
	},
	getCampaign: func(c *caller, id string) (any, *http.Response, error) {
		return c.api().Beta.CertificationCampaignsAPI.GetCampaign(ctxBG, id).Execute()
	},
	activeCampaigns: func(c *caller, filters string) ([]any, *http.Response, error) {
		return each(c.api().Beta.CertificationCampaignsAPI.GetActiveCampaigns(ctxBG).Filters(filters).Sorters("name").Count(true).Execute())
	},
	startCampaign: func(c *caller, id string) (*http.Response, error) {
		return discard(c.api().Beta.CertificationCampaignsAPI.StartCampaign(ctxBG, id).Execute())
	},
	completeCampaign: func(c *caller, id, action string) (*http.Response, error) {
		o := beta.NewCompleteCampaignOptions()
		o.SetAutoCompleteAction(action)
		return discard(c.api().Beta.CertificationCampaignsAPI.CompleteCampaign(ctxBG, id).CompleteCampaignOptions(*o).Execute())
	},
	deleteCampaigns: func(c *caller, ids []string) (*http.Response, error) {
		d := beta.NewDeleteCampaignsRequest()
		d.SetIds(ids)
		return discard(c.api().Beta.CertificationCampaignsAPI.DeleteCampaigns(ctxBG).DeleteCampaignsRequest(*d).Execute())
	},
	reviewers: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().Beta.CertificationsAPI.ListCertificationReviewers(ctxBG, cert).Execute())
	},
	permissions: func(c *caller, cert, item string) ([]any, *http.Response, error) {
		return each(c.api().Beta.CertificationsAPI.GetIdentityCertificationItemPermissions(ctxBG, cert, item).Execute())
	},
}

// withV2024 fills the operations g lacks with v2024's package.
func withV2024(g generationSDK) generationSDK {
	if g.myCertifications == nil {
		g.myCertifications = func(c *caller) ([]any, *http.Response, error) {
			return each(c.api().V2024.CertificationsAPI.ListIdentityCertifications(ctxBG).ReviewerIdentity("me").Execute())
		}
	}
	if g.reviewItems == nil {
		g.reviewItems = func(c *caller, cert string) ([]any, *http.Response, error) {
			return each(c.api().V2024.CertificationsAPI.ListIdentityAccessReviewItems(ctxBG, cert).Execute())
		}
	}
	if g.decide == nil {
		g.decide = sdkV2024.decide
		g.reassign = sdkV2024.reassign
		g.signOff = sdkV2024.signOff
	}
	if g.decisionSummary == nil {
		g.summariesAt = "/v2024/certifications/"
		g.decisionSummary = sdkV2024.decisionSummary
		g.identitySummaries = sdkV2024.identitySummaries
		g.identitySummary = sdkV2024.identitySummary
		g.accessSummaries = sdkV2024.accessSummaries
	}
	return g
}

// caller is one client of certsum in the flow: its credentials, and the clients built
// for them when first used.
type caller struct {
	t     testing.TB
	base  string
	creds auth.Credentials
	sdk   *sailpoint.APIClient
	v1    *v1Clients
}

func newCaller(t testing.TB, base string, c auth.Credentials) *caller {
	return &caller{t: t, base: base, creds: c}
}

// api is the official SDK for the caller, configured as from SAIL_BASE_URL,
// SAIL_CLIENT_ID and SAIL_CLIENT_SECRET but without the environment, so that the
// generations run side by side.
func (c *caller) api() *sailpoint.APIClient {
	if c.sdk == nil {
		c.sdk = sailpoint.NewAPIClient(sailpoint.NewConfiguration(sailpoint.ClientConfiguration{
			BaseURL: c.base, ClientId: c.creds.Client.ID, ClientSecret: c.creds.Secret, TokenURL: c.base + "/oauth/token"}))
	}
	return c.sdk
}

// TestEveryGenerationRunsACampaign drives the same flow through the v3, v2025, v2026 and
// beta packages of the official Go SDK, and through the service-versioned generation's
// client generated from its spec (v1_test.go): a campaign created, generated and
// activated; the reviewer's certification, review items, reviewers, permissions and the four
// summaries, each equal to what the store holds; decide, reassign and sign-off until the
// campaign completes; a second campaign completed by the administrator past its deadline;
// both listed and deleted. Each generation runs on its own server, side by side.
func TestEveryGenerationRunsACampaign(t *testing.T) {
	for _, g := range []generationSDK{sdkV3, sdkV2025, sdkV2026, withV2024(sdkBeta), sdkV1} {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			runGenerationFlow(t, g)
		})
	}
}

func runGenerationFlow(t *testing.T, g generationSDK) {
	runGenerationFlowOn(t, mustStartImported(t, backends["sqlite"](t)), g)
}

func runGenerationFlowOn(t *testing.T, s *campaignServer, g generationSDK) {
	ctx := context.Background()
	admin := newCaller(t, s.URL, s.Admin)

	created, resp, err := g.createCampaign(admin, "Manager review", "MANAGER", time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond), false)
	mustOK(t, "createCampaign", resp, err)
	if p := resp.Request.URL.Path; !strings.HasPrefix(p, g.campaignsAt) {
		t.Fatalf("the %s package called %s", g.name, p)
	}
	k := mustAs[certsum.Campaign](t, created)
	if resp.StatusCode != 202 || k.Status != certsum.StatusPending || k.ID == "" {
		t.Fatalf("createCampaign: %d, %+v", resp.StatusCode, k)
	}
	staged := waitCampaignVia(t, g, admin, k.ID)
	want, err := s.Store.GetCampaign(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if staged.Status != certsum.StatusStaged || staged.TotalCertifications != 1 || staged.Name != want.Name {
		t.Fatalf("generated: %+v; the store has %+v", staged, want)
	}
	resp, err = g.startCampaign(admin, k.ID)
	mustOK(t, "startCampaign", resp, err)
	resp, err = g.startCampaign(admin, k.ID)
	mustErrorBody(t, "a second startCampaign", 400, resp, err)

	// ada reviews grace's role and alan's GitHub team.
	ada := newCaller(t, s.URL, s.reviewer(t, "ada"))
	mine, resp, err := g.myCertifications(ada)
	mustOK(t, "listIdentityCertifications", resp, err)
	if len(mine) != 1 {
		t.Fatalf("ada has %d certifications", len(mine))
	}
	cert := mustAs[certsum.Certification](t, mine[0])
	wantCert, err := s.Store.GetCertification(ctx, cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustAgree(t, "ada's certification", mine[0], *wantCert)

	items, resp, err := g.reviewItems(ada, cert.ID)
	mustOK(t, "listIdentityAccessReviewItems", resp, err)
	wantItems, err := s.Store.ListReviewItems(ctx, cert.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || len(wantItems.Items) != 2 {
		t.Fatalf("%d review items, the store has %d", len(items), len(wantItems.Items))
	}
	var role, ent string
	for i, it := range items {
		mustAgree(t, "review item", it, wantItems.Items[i])
		switch got := mustAs[certsum.AccessReviewItem](t, it); got.AccessSummary.Access.Type {
		case certsum.TypeRole:
			role = got.ID
		case certsum.TypeEntitlement:
			ent = got.ID
		}
	}
	if role == "" || ent == "" {
		t.Fatalf("ada's items are not grace's role and alan's entitlement")
	}

	reviewers, resp, err := g.reviewers(ada, cert.ID)
	mustOK(t, "listCertificationReviewers", resp, err)
	if len(reviewers) != 1 || mustAs[certsum.IdentityReference](t, reviewers[0]).ID != wantCert.Reviewer.ID {
		t.Errorf("reviewers: %+v", reviewers)
	}
	perms, resp, err := g.permissions(ada, cert.ID, ent)
	mustOK(t, "getIdentityCertificationItemPermissions", resp, err)
	wantPerms, err := s.Store.ListItemPermissions(ctx, cert.ID, ent, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	mustAgree(t, "permissions", perms, nonNil(wantPerms.Items))

	checkSummaries := func(stage string) {
		t.Helper()
		sum, resp, err := g.decisionSummary(ada, cert.ID)
		mustOK(t, "getIdentityDecisionSummary", resp, err)
		if !strings.HasPrefix(resp.Request.URL.Path, g.summariesAt) {
			t.Fatalf("the decision summary came from %s, want %s…", resp.Request.URL.Path, g.summariesAt)
		}
		wantSum, err := s.Store.DecisionSummary(ctx, cert.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, stage+": decision summary", sum, *wantSum)
		ids, resp, err := g.identitySummaries(ada, cert.ID)
		mustOK(t, "getIdentitySummaries", resp, err)
		wantIDs, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: 250})
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, stage+": identity summaries", ids, nonNil(wantIDs.Items))
		for _, w := range wantIDs.Items {
			one, resp, err := g.identitySummary(ada, cert.ID, w.ID)
			mustOK(t, "getIdentitySummary", resp, err)
			mustAgree(t, stage+": identity summary", one, w)
		}
		for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeEntitlement, certsum.TypeAccessProfile} {
			got, resp, err := g.accessSummaries(ada, cert.ID, string(typ))
			mustOK(t, "getIdentityAccessSummaries", resp, err)
			wantAS, err := s.Store.ListAccessSummaries(ctx, cert.ID, typ, certsum.ListQuery{Limit: 250})
			if err != nil {
				t.Fatal(err)
			}
			mustAgree(t, stage+": access summaries of "+string(typ), got, nonNil(wantAS.Items))
		}
	}
	checkSummaries("before deciding")

	// ada approves the role and hands alan's team to grace, then signs off.
	_, resp, err = g.decide(ada, cert.ID, []string{role})
	mustOK(t, "makeIdentityDecision", resp, err)
	_, resp, err = g.reassign(ada, cert.ID, ent, "grace", "grace owns GitHub")
	mustOK(t, "reassignIdentityCertifications", resp, err)
	checkSummaries("after a decision and a reassignment")
	_, resp, err = g.signOff(ada, cert.ID)
	mustOK(t, "signOffIdentityCertification", resp, err)

	grace := newCaller(t, s.URL, s.reviewer(t, "grace"))
	hers, resp, err := g.myCertifications(grace)
	mustOK(t, "listIdentityCertifications", resp, err)
	if len(hers) != 1 {
		t.Fatalf("grace has %d certifications after the reassignment", len(hers))
	}
	gc := mustAs[certsum.Certification](t, hers[0])
	_, resp, err = g.decide(grace, gc.ID, []string{ent})
	mustOK(t, "makeIdentityDecision", resp, err)
	_, resp, err = g.signOff(grace, gc.ID)
	mustOK(t, "signOffIdentityCertification", resp, err)
	if done := waitCampaignVia(t, g, admin, k.ID); done.Status != certsum.StatusCompleted || done.CompletedCertifications != 2 {
		t.Errorf("after the last sign-off: %s, %d of %d completed", done.Status, done.CompletedCertifications, done.TotalCertifications)
	}

	// A source-owner campaign, completed by the administrator past its deadline.
	due := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Millisecond)
	created2, resp, err := g.createCampaign(admin, "Source owners", "SOURCE_OWNER", due, true)
	mustOK(t, "createCampaign", resp, err)
	k2 := mustAs[certsum.Campaign](t, created2)
	if st := waitCampaignVia(t, g, admin, k2.ID); st.Status != certsum.StatusStaged {
		t.Fatalf("source-owner campaign: %s", st.Status)
	}
	resp, err = g.startCampaign(admin, k2.ID)
	mustOK(t, "startCampaign", resp, err)
	resp, err = g.completeCampaign(admin, k2.ID, "REVOKE")
	mustErrorBody(t, "completeCampaign before the deadline", 400, resp, err)
	time.Sleep(time.Until(due) + 50*time.Millisecond)
	resp, err = g.completeCampaign(admin, k2.ID, "REVOKE")
	mustOK(t, "completeCampaign", resp, err)
	if st := waitCampaignVia(t, g, admin, k2.ID); st.Status != certsum.StatusCompleted {
		t.Errorf("after completeCampaign: %s", st.Status)
	}

	list, resp, err := g.activeCampaigns(admin, `status eq "COMPLETED"`)
	mustOK(t, "getActiveCampaigns", resp, err)
	var names []string
	for _, c := range list {
		names = append(names, mustAs[certsum.SlimCampaign](t, c).Name)
	}
	if strings.Join(names, ",") != "Manager review,Source owners" || resp.Header.Get("X-Total-Count") != "2" {
		t.Errorf("completed campaigns: %v (X-Total-Count %q)", names, resp.Header.Get("X-Total-Count"))
	}
	resp, err = g.deleteCampaigns(admin, []string{k.ID, k2.ID})
	mustOK(t, "deleteCampaigns", resp, err)
	_, resp, err = g.getCampaign(admin, k.ID)
	mustErrorBody(t, "getCampaign after delete", 404, resp, err)
	if drifts, err := s.Store.Verify(ctx, false); err != nil || len(drifts) != 0 {
		t.Errorf("verify after the campaigns: %v %+v", err, drifts)
	}
}

// sdkV2024 is v2024's package behind the operations beta lacks.
var sdkV2024 = generationSDK{
	decide: func(c *caller, cert string, items []string) (any, *http.Response, error) {
		var ds []v2024.ReviewDecision
		for _, id := range items {
			ds = append(ds, *v2024.NewReviewDecision(id, v2024.CERTIFICATIONDECISION_APPROVE, false))
		}
		return c.api().V2024.CertificationsAPI.MakeIdentityDecision(ctxBG, cert).ReviewDecision(ds).Execute()
	},
	reassign: func(c *caller, cert, item, to, reason string) (any, *http.Response, error) {
		r := v2024.NewReviewReassign([]v2024.ReassignReference{*v2024.NewReassignReference(item, "ITEM")}, to, reason)
		return c.api().V2024.CertificationsAPI.ReassignIdentityCertifications(ctxBG, cert).ReviewReassign(*r).Execute()
	},
	signOff: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2024.CertificationsAPI.SignOffIdentityCertification(ctxBG, cert).Execute()
	},
	decisionSummary: func(c *caller, cert string) (any, *http.Response, error) {
		return c.api().V2024.CertificationSummariesAPI.GetIdentityDecisionSummary(ctxBG, cert).Execute()
	},
	identitySummaries: func(c *caller, cert string) ([]any, *http.Response, error) {
		return each(c.api().V2024.CertificationSummariesAPI.GetIdentitySummaries(ctxBG, cert).Execute())
	},
	identitySummary: func(c *caller, cert, id string) (any, *http.Response, error) {
		return c.api().V2024.CertificationSummariesAPI.GetIdentitySummary(ctxBG, cert, id).Execute()
	},
	accessSummaries: func(c *caller, cert, typ string) ([]any, *http.Response, error) {
		return each(c.api().V2024.CertificationSummariesAPI.GetIdentityAccessSummaries(ctxBG, cert, typ).Execute())
	},
}

// nonNil is an empty list where the store has none, as the API sends it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// waitCampaignVia polls the generation's getCampaign until the campaign is neither PENDING
// nor between phases.
func waitCampaignVia(t *testing.T, g generationSDK, c *caller, id string) certsum.Campaign {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, resp, err := g.getCampaign(c, id)
		mustOK(t, "getCampaign", resp, err)
		k := mustAs[certsum.Campaign](t, got)
		if k.ID != id {
			t.Fatalf("getCampaign decoded %+v", got)
		}
		switch k.Status {
		case certsum.StatusPending, certsum.StatusActivating, certsum.StatusCompleting:
		default:
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s still %s after 30 s", id, k.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mustErrorBody fails unless the SDK returned an error with the given status whose body is
// a complete ErrorResponseDto, whichever generation's package decoded it.
func mustErrorBody(t testing.TB, what string, want int, resp *http.Response, err error) {
	t.Helper()
	if err == nil || status(resp) != want {
		t.Fatalf("%s: status %d, error %v; want %d", what, status(resp), err, want)
	}
	var withBody interface{ Body() []byte }
	if !errors.As(err, &withBody) {
		t.Fatalf("%s: error %T %v carries no body", what, err, err)
	}
	var dto struct {
		DetailCode string `json:"detailCode"`
		TrackingID string `json:"trackingId"`
		Messages   []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(withBody.Body(), &dto); err != nil || !strings.HasPrefix(dto.DetailCode, strconv.Itoa(want)) ||
		dto.TrackingID == "" || len(dto.Messages) == 0 || dto.Messages[0].Text == "" {
		t.Errorf("%s: not a complete ErrorResponseDto: %s", what, withBody.Body())
	}
}
