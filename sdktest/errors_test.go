package sdktest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// sdkCall is one SDK operation reduced to what error checks need.
type sdkCall struct {
	name string
	do   func() (*http.Response, error)
}

// drop discards an SDK call's decoded value.
func drop[T any](_ T, resp *http.Response, err error) (*http.Response, error) { return resp, err }

// TestGoSDKErrors checks that certsum's failures reach the SDK with the status the spec
// lists and an ErrorResponseDto the SDK decodes: 404 for unknown ids, 400 for bad filters,
// sorters, paging and bodies, 403 for another reviewer's certification.
func TestGoSDKErrors(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeEntitlement)
	rev := reviewerOf(t, s, cert)
	reviewer := newSDK(t, s, rev).V2024
	admin := newSDK(t, s, s.Admin).V2024
	items := mustAllItems(t, s, cert.ID, certsum.ListQuery{})
	sums, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	summaryID := sums.Items[0].ID
	const unknown = "2c9180835d2e5168015d32f890ca1581"
	approve := []v2024.ReviewDecision{*v2024.NewReviewDecision(items[0].ID, v2024.CERTIFICATIONDECISION_APPROVE, false)}
	reassign := *v2024.NewReviewReassign([]v2024.ReassignReference{*v2024.NewReassignReference(summaryID, "IDENTITY_SUMMARY")},
		cert.Reviewer.ID, "back to the same reviewer")

	t.Run("unknown certifications, identity summaries and items are 404", func(t *testing.T) {
		c, cs := admin.CertificationsAPI, admin.CertificationSummariesAPI
		for _, call := range []sdkCall{
			{"getIdentityCertification", func() (*http.Response, error) { return drop(c.GetIdentityCertification(ctx, unknown).Execute()) }},
			{"listIdentityAccessReviewItems", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, unknown).Execute())
			}},
			{"listCertificationReviewers", func() (*http.Response, error) { return drop(c.ListCertificationReviewers(ctx, unknown).Execute()) }},
			{"makeIdentityDecision", func() (*http.Response, error) {
				return drop(c.MakeIdentityDecision(ctx, unknown).ReviewDecision(approve).Execute())
			}},
			{"signOffIdentityCertification", func() (*http.Response, error) {
				return drop(c.SignOffIdentityCertification(ctx, unknown).Execute())
			}},
			{"reassignIdentityCertifications", func() (*http.Response, error) {
				return drop(c.ReassignIdentityCertifications(ctx, unknown).ReviewReassign(reassign).Execute())
			}},
			{"getIdentityCertificationItemPermissions of an unknown certification", func() (*http.Response, error) {
				return drop(c.GetIdentityCertificationItemPermissions(ctx, unknown, items[0].ID).Execute())
			}},
			{"getIdentityCertificationItemPermissions of an unknown item", func() (*http.Response, error) {
				return drop(c.GetIdentityCertificationItemPermissions(ctx, cert.ID, unknown).Execute())
			}},
			{"getIdentityAccessSummaries", func() (*http.Response, error) {
				return drop(cs.GetIdentityAccessSummaries(ctx, unknown, "ROLE").Execute())
			}},
			{"getIdentityDecisionSummary", func() (*http.Response, error) { return drop(cs.GetIdentityDecisionSummary(ctx, unknown).Execute()) }},
			{"getIdentitySummaries", func() (*http.Response, error) { return drop(cs.GetIdentitySummaries(ctx, unknown).Execute()) }},
			{"getIdentitySummary of an unknown certification", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummary(ctx, unknown, summaryID).Execute())
			}},
			{"getIdentitySummary of an unknown summary", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummary(ctx, cert.ID, unknown).Execute())
			}},
		} {
			resp, err := call.do()
			mustErrorStatus(t, call.name, 404, resp, err)
		}
	})

	t.Run("bad filters, sorters, paging, path values and bodies are 400 naming the mistake", func(t *testing.T) {
		c, cs := reviewer.CertificationsAPI, reviewer.CertificationSummariesAPI
		cases := []struct {
			call sdkCall
			want string // a word the message must contain
		}{
			{sdkCall{"operator not allowed", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Filters(`name co "a"`).Execute())
			}}, "co"},
			{sdkCall{"upper-case operator", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Filters(`name EQ "a"`).Execute())
			}}, "EQ"},
			{sdkCall{"unknown field", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Filters(`identityId eq "a"`).Execute())
			}}, "identityId"},
			{sdkCall{"unterminated string", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Filters(`name eq "a`).Execute())
			}}, "filters"},
			{sdkCall{"ew is not supported", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, cert.ID).Filters(`access.name ew "a"`).Execute())
			}}, "ew"},
			{sdkCall{"type mismatch", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, cert.ID).Filters(`completed eq "yes"`).Execute())
			}}, "completed"},
			{sdkCall{"unknown sorter", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Sorters("-identityId").Execute())
			}}, "identityId"},
			{sdkCall{"limit above 250", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, cert.ID).Limit(251).Execute())
			}}, "limit"},
			{sdkCall{"negative offset", func() (*http.Response, error) {
				return drop(cs.GetIdentitySummaries(ctx, cert.ID).Offset(-1).Execute())
			}}, "offset"},
			{sdkCall{"decision summary filter on another field", func() (*http.Response, error) {
				return drop(cs.GetIdentityDecisionSummary(ctx, cert.ID).Filters(`identitySummary.name eq "a"`).Execute())
			}}, "identitySummary.name"},
			{sdkCall{"certification filter with an operator phase lacks", func() (*http.Response, error) {
				return drop(c.ListIdentityCertifications(ctx).Filters(`phase in ("ACTIVE")`).Execute())
			}}, "in"},
			{sdkCall{"access summary type ACCOUNT", func() (*http.Response, error) {
				return drop(cs.GetIdentityAccessSummaries(ctx, cert.ID, "ACCOUNT").Execute())
			}}, "ACCOUNT"},
			{sdkCall{"permissions filter joining two rights filters", func() (*http.Response, error) {
				return drop(c.GetIdentityCertificationItemPermissions(ctx, cert.ID, items[0].ID).
					Filters(`rights ca ("READ") and rights ca ("WRITE")`).Execute())
			}}, "rights"},
			{sdkCall{"two access-id parameters", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, cert.ID).Roles("a").Entitlements("b").Execute())
			}}, "roles"},
			{sdkCall{"decision for an item of another certification", func() (*http.Response, error) {
				return drop(c.MakeIdentityDecision(ctx, cert.ID).ReviewDecision([]v2024.ReviewDecision{
					*v2024.NewReviewDecision(unknown, v2024.CERTIFICATIONDECISION_APPROVE, false)}).Execute())
			}}, unknown},
			{sdkCall{"the same item twice in one body", func() (*http.Response, error) {
				return drop(c.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(append(approve, approve...)).Execute())
			}}, items[0].ID},
			{sdkCall{"APPROVE with a proposed end date", func() (*http.Response, error) {
				d := *v2024.NewReviewDecision(items[0].ID, v2024.CERTIFICATIONDECISION_APPROVE, false)
				d.SetProposedEndDate(v2024.SailPointTime{Time: time.Now().AddDate(1, 0, 0)})
				return drop(c.MakeIdentityDecision(ctx, cert.ID).ReviewDecision([]v2024.ReviewDecision{d}).Execute())
			}}, "proposedEndDate"},
			{sdkCall{"reassign to the current reviewer", func() (*http.Response, error) {
				return drop(c.ReassignIdentityCertifications(ctx, cert.ID).ReviewReassign(reassign).Execute())
			}}, cert.Reviewer.ID},
		}
		for _, tc := range cases {
			resp, err := tc.call.do()
			dto := mustErrorStatus(t, tc.call.name, 400, resp, err)
			if text := messageText(dto); !strings.Contains(strings.ToLower(text), strings.ToLower(tc.want)) {
				t.Errorf("%s: message %q does not name %q", tc.call.name, text, tc.want)
			}
		}
	})

	t.Run("another reviewer's certification is 403", func(t *testing.T) {
		var other auth.Credentials
		for _, r := range s.Reviewers {
			if r.Client.IdentityID != rev.Client.IdentityID {
				other = r
				break
			}
		}
		o := newSDK(t, s, other).V2024
		c, cs := o.CertificationsAPI, o.CertificationSummariesAPI
		for _, call := range []sdkCall{
			{"getIdentityCertification", func() (*http.Response, error) { return drop(c.GetIdentityCertification(ctx, cert.ID).Execute()) }},
			{"listIdentityAccessReviewItems", func() (*http.Response, error) {
				return drop(c.ListIdentityAccessReviewItems(ctx, cert.ID).Execute())
			}},
			{"makeIdentityDecision", func() (*http.Response, error) {
				return drop(c.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(approve).Execute())
			}},
			{"signOffIdentityCertification", func() (*http.Response, error) {
				return drop(c.SignOffIdentityCertification(ctx, cert.ID).Execute())
			}},
			{"getIdentityAccessSummaries", func() (*http.Response, error) {
				return drop(cs.GetIdentityAccessSummaries(ctx, cert.ID, "ENTITLEMENT").Execute())
			}},
			{"getIdentityDecisionSummary", func() (*http.Response, error) { return drop(cs.GetIdentityDecisionSummary(ctx, cert.ID).Execute()) }},
			{"getIdentitySummary", func() (*http.Response, error) { return drop(cs.GetIdentitySummary(ctx, cert.ID, summaryID).Execute()) }},
			{"listIdentityCertifications of another reviewer", func() (*http.Response, error) {
				return drop(c.ListIdentityCertifications(ctx).ReviewerIdentity(rev.Client.IdentityID).Execute())
			}},
		} {
			resp, err := call.do()
			mustErrorStatus(t, call.name, 403, resp, err)
		}
		after, err := s.Store.GetCertification(ctx, cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.DecisionsMade != cert.DecisionsMade || after.Phase != cert.Phase {
			t.Errorf("refused calls changed the certification: decisions %d→%d, phase %s→%s",
				cert.DecisionsMade, after.DecisionsMade, cert.Phase, after.Phase)
		}
	})

	t.Run("an API client without user context is 403", func(t *testing.T) {
		c, secret, err := s.Auth.CreateClient(ctx, auth.ClientSpec{Name: "sdk api client"})
		if err != nil {
			t.Fatal(err)
		}
		api := newSDK(t, s, auth.Credentials{Client: c, Secret: secret}).V2024.CertificationsAPI
		_, resp, err := api.ListIdentityCertifications(ctx).Execute()
		mustErrorStatus(t, "listIdentityCertifications without user context", 403, resp, err)
	})
}

// messageText joins the texts of an error's messages and causes.
func messageText(dto v2024.ErrorResponseDto) string {
	var b strings.Builder
	for _, m := range append(dto.GetMessages(), dto.GetCauses()...) {
		fmt.Fprintln(&b, m.GetText())
	}
	return b.String()
}
