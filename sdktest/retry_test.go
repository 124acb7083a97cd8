package sdktest

import (
	"context"
	"testing"
	"time"

	"github.com/certsum/certsum"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// rateLimited is the spec's 429 body (responses/429.yaml), spaces included.
const rateLimited = `{"message":" Rate Limit Exceeded "}`

// TestGoSDKRetriesRateLimit answers one request with 429 and Retry-After: 1 before letting
// it through to certsum, and checks that the SDK's retryablehttp waits and retries: a GET
// and a POST decide, which certsum must apply once.
func TestGoSDKRetriesRateLimit(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeEntitlement)
	api := newSDK(t, s, reviewerOf(t, s, cert)).V2024.CertificationsAPI
	path := "/v2024/certifications/" + cert.ID

	// Fetch the token first so that the timing below covers the retry alone.
	_, resp, err := api.ListCertificationReviewers(ctx, cert.ID).Execute()
	mustOK(t, "listCertificationReviewers", resp, err)

	t.Run("a GET answered 429 is retried after Retry-After", func(t *testing.T) {
		s.inject(fault{method: "GET", pathPrefix: path, status: 429, retryAfter: "1", body: rateLimited})
		seen, start := s.requestCount(), time.Now()
		got, resp, err := api.GetIdentityCertification(ctx, cert.ID).Execute()
		elapsed := time.Since(start)
		mustOK(t, "getIdentityCertification after a 429", resp, err)
		mustAgree(t, "certification", got, cert)
		if n := len(s.since(seen)); n != 2 {
			t.Errorf("%d requests reached the server, want the 429 and one retry", n)
		}
		if elapsed < 900*time.Millisecond {
			t.Errorf("the SDK retried after %v, before Retry-After: 1 had passed", elapsed)
		}
	})

	t.Run("a decide answered 429 is retried and applied once", func(t *testing.T) {
		var open []certsum.AccessReviewItem
		for _, it := range mustAllItems(t, s, cert.ID, certsum.ListQuery{}) {
			if !it.Completed && len(open) < 2 {
				open = append(open, it)
			}
		}
		if len(open) < 2 {
			t.Fatalf("certification %s has %d open items", cert.ID, len(open))
		}
		s.inject(fault{method: "POST", pathPrefix: path + "/decide", status: 429, retryAfter: "1", body: rateLimited})
		seen := s.requestCount()
		got, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision([]v2024.ReviewDecision{
			*v2024.NewReviewDecision(open[0].ID, v2024.CERTIFICATIONDECISION_APPROVE, false),
			*v2024.NewReviewDecision(open[1].ID, v2024.CERTIFICATIONDECISION_APPROVE, false),
		}).Execute()
		mustOK(t, "makeIdentityDecision after a 429", resp, err)
		after, err := s.Store.GetCertification(ctx, cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, "certification after decide", got, *after)
		if after.DecisionsMade != cert.DecisionsMade+2 {
			t.Errorf("decisionsMade went from %d to %d for two decisions", cert.DecisionsMade, after.DecisionsMade)
		}
		posts := 0
		for _, r := range s.since(seen) {
			if r.Method == "POST" && r.Path == path+"/decide" {
				posts++
			}
		}
		if posts != 2 {
			t.Errorf("%d decide requests reached the server, want the 429 and one retry", posts)
		}
	})
}
