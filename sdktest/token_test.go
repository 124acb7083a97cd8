package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/certsum/certsum"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// TestGoSDKTokenAndRequests checks how the SDK talks to certsum: one token for every call,
// the SDK's headers, its '+' and "%2B" query encoding, and what a wrong secret leads to.
func TestGoSDKTokenAndRequests(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeEntitlement)

	t.Run("one token serves every call and requests carry the SDK's headers", func(t *testing.T) {
		tokens, seen := s.tokenCount(), s.requestCount()
		sdk := newSDK(t, s, reviewerOf(t, s, cert)).V2024
		for range 3 {
			_, resp, err := sdk.CertificationsAPI.GetIdentityCertification(ctx, cert.ID).Execute()
			mustOK(t, "getIdentityCertification", resp, err)
		}
		_, resp, err := sdk.CertificationSummariesAPI.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
		mustOK(t, "getIdentityDecisionSummary", resp, err)
		if n := s.tokenCount() - tokens; n != 1 {
			t.Errorf("the SDK asked for %d tokens for four calls, want 1", n)
		}
		var api int
		for _, r := range s.since(seen) {
			if !strings.HasPrefix(r.Path, "/v2024/") {
				continue
			}
			api++
			if !strings.HasPrefix(r.UserAgent, "SailPoint-SDK-Go/2.7.106") || !strings.HasPrefix(r.Authorization, "Bearer ey") {
				t.Errorf("%s %s: User-Agent %q, Authorization %.12q…", r.Method, r.Path, r.UserAgent, r.Authorization)
			}
		}
		if api != 4 {
			t.Errorf("%d API requests recorded, want 4", api)
		}
	})

	t.Run("spaces sent as '+' and a literal '+' sent as %2B are read as the SDK meant them", func(t *testing.T) {
		sdk := newSDK(t, s, s.Admin).V2024.CertificationSummariesAPI
		open, err := s.Store.ListIdentitySummaries(ctx, cert.ID, mustQuery(t, certsum.IdentitySummarySchema,
			map[string]string{"filters": "completed eq false"}))
		if err != nil || len(open.Items) == 0 {
			t.Fatalf("open identity summaries: %v (%d)", err, len(open.Items))
		}
		initial := strings.ToLower(open.Items[0].Name[:1])
		seen := s.requestCount()
		p := map[string]string{"filters": `completed eq false and name sw "` + initial + `"`, "count": "true"}
		got, resp, err := withParams(t, sdk.GetIdentitySummaries(ctx, cert.ID), p).Execute()
		mustOK(t, "getIdentitySummaries", resp, err)
		want, err := s.Store.ListIdentitySummaries(ctx, cert.ID, mustQuery(t, certsum.IdentitySummarySchema, p))
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Items) == 0 {
			t.Fatal("the store lists nothing; the case proves nothing")
		}
		mustAgree(t, "identity summaries", got, want.Items)
		plus := `name eq "a+b" or name sw "` + want.Items[0].Name + `"`
		got, resp, err = sdk.GetIdentitySummaries(ctx, cert.ID).Filters(plus).Execute()
		mustOK(t, "getIdentitySummaries with a plus", resp, err)
		want, err = s.Store.ListIdentitySummaries(ctx, cert.ID, mustQuery(t, certsum.IdentitySummarySchema, map[string]string{"filters": plus}))
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Items) == 0 {
			t.Fatal("the store lists nothing; the case proves nothing")
		}
		mustAgree(t, "identity summaries with a plus", got, want.Items)
		var raw []string
		for _, r := range s.since(seen) {
			if strings.HasPrefix(r.Path, "/v2024/") {
				raw = append(raw, r.RawQuery)
			}
		}
		if len(raw) != 2 || !strings.Contains(raw[0], "filters=completed+eq+false+and+name+sw+%22"+initial+"%22") ||
			!strings.Contains(raw[1], "%22a%2Bb%22") {
			t.Errorf("the SDK no longer encodes as this test assumes: %q", raw)
		}
	})

	t.Run("a base URL ending in a slash works for the token, GETs and POSTs", func(t *testing.T) {
		tokens, seen := s.tokenCount(), s.requestCount()
		api := newSDKAt(t, s.URL+"/", reviewerOf(t, s, cert)).V2024.CertificationsAPI
		got, resp, err := api.GetIdentityCertification(ctx, cert.ID).Execute()
		mustOK(t, "getIdentityCertification", resp, err)
		mustAgree(t, "certification", got, cert)
		var open certsum.AccessReviewItem
		for _, it := range mustAllItems(t, s, cert.ID, certsum.ListQuery{}) {
			if !it.Completed {
				open = it
				break
			}
		}
		after, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision([]v2024.ReviewDecision{
			*v2024.NewReviewDecision(open.ID, v2024.CERTIFICATIONDECISION_APPROVE, false)}).Execute()
		mustOK(t, "makeIdentityDecision", resp, err)
		if after.GetDecisionsMade() != int32(cert.DecisionsMade+1) {
			t.Errorf("decisionsMade %d after one decision, was %d", after.GetDecisionsMade(), cert.DecisionsMade)
		}
		if n := s.tokenCount() - tokens; n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		for _, r := range s.since(seen) {
			if !strings.HasPrefix(r.Path, "//") {
				t.Errorf("%s %s: the SDK did not send the doubled slash this test is about", r.Method, r.Path)
			}
		}
	})

	t.Run("a wrong secret gets no token and every call is 401", func(t *testing.T) {
		tokens := s.tokenCount()
		bad := s.Admin
		bad.Secret = "not-the-secret"
		sdk := newSDK(t, s, bad).V2024.CertificationsAPI
		for range 2 {
			_, resp, err := sdk.ListIdentityCertifications(ctx).Execute()
			if err == nil || status(resp) != 401 {
				t.Fatalf("status %d, error %v; want 401", status(resp), err)
			}
			var oe *v2024.GenericOpenAPIError
			if !errors.As(err, &oe) {
				t.Fatalf("error %T %v", err, err)
			}
			// Decision 4: the body is the documented {"error": "<text>"}; the SDK's model wants
			// an object there, so it reports a decoding error, but the status stands.
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(oe.Body(), &body); err != nil || body.Error == "" {
				t.Errorf("401 body %s: %v", oe.Body(), err)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("401 Content-Type %q", ct)
			}
		}
		// The SDK ignores the token endpoint's 401, keeps an empty token and asks again on
		// the next call (docs/api.md).
		if n := s.tokenCount() - tokens; n != 2 {
			t.Errorf("%d token requests for two calls with a wrong secret, want 2", n)
		}
	})

}
