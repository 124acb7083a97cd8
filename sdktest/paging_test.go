package sdktest

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/certsum/certsum"
	sailpoint "github.com/sailpoint-oss/golang-sdk/v2"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// TestGoSDKPaginator walks collections with the SDK's own paginator, which stops at the first
// page shorter than its step: certsum must return full pages while more remain.
func TestGoSDKPaginator(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	// Three pages of the default 250: the paginator must not stop early.
	big := mustCertificationOver(t, s, 2*certsum.MaxLimit)
	owner := newSDK(t, s, reviewerOf(t, s, big)).V2024
	admin := newSDK(t, s, s.Admin).V2024

	t.Run("PaginateWithDefaults walks every review item of a certification three pages long", func(t *testing.T) {
		seen := s.requestCount()
		got, resp, err := sailpoint.PaginateWithDefaults[v2024.AccessReviewItem](owner.CertificationsAPI.ListIdentityAccessReviewItems(ctx, big.ID))
		mustOK(t, "PaginateWithDefaults", resp, err)
		want := mustAllItems(t, s, big.ID, certsum.ListQuery{})
		if len(got) != big.DecisionsTotal || len(want) != big.DecisionsTotal {
			t.Fatalf("the paginator returned %d items, the store %d, the certification says %d", len(got), len(want), big.DecisionsTotal)
		}
		mustAgree(t, "every review item", got, want)
		// One request per 250 items, offsets 0, 250, 500…
		var offsets []string
		for _, r := range s.since(seen) {
			if r.Path == "/v2024/certifications/"+big.ID+"/access-review-items" {
				q, _ := url.ParseQuery(r.RawQuery)
				if q.Get("limit") != "250" {
					t.Errorf("page request %q", r.RawQuery)
				}
				offsets = append(offsets, q.Get("offset"))
			}
		}
		pages := (big.DecisionsTotal + certsum.MaxLimit) / certsum.MaxLimit // a last empty page when the total is a multiple of 250
		if len(offsets) != pages || offsets[len(offsets)-1] != fmt.Sprint((pages-1)*certsum.MaxLimit) {
			t.Errorf("page offsets %v for %d items", offsets, big.DecisionsTotal)
		}
	})

	t.Run("Paginate with small steps walks identity summaries, access summaries, certifications and reviewers", func(t *testing.T) {
		sums, resp, err := sailpoint.Paginate[v2024.CertificationIdentitySummary](
			owner.CertificationSummariesAPI.GetIdentitySummaries(ctx, big.ID).Sorters("-name"), 0, 40, 10000)
		mustOK(t, "identity summaries", resp, err)
		wantSums := mustWalk(t, mustQuery(t, certsum.IdentitySummarySchema, map[string]string{"sorters": "-name"}),
			func(q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
				return s.Store.ListIdentitySummaries(ctx, big.ID, q)
			})
		if len(wantSums) <= 2*40 {
			t.Fatalf("%d identity summaries; the walk needs three pages", len(wantSums))
		}
		mustAgree(t, "identity summaries", sums, wantSums)

		ents, resp, err := sailpoint.Paginate[v2024.AccessSummary](
			owner.CertificationSummariesAPI.GetIdentityAccessSummaries(ctx, big.ID, "ENTITLEMENT"), 0, 7, 10000)
		mustOK(t, "access summaries", resp, err)
		wantEnts := mustWalk(t, certsum.ListQuery{}, func(q certsum.ListQuery) (certsum.Page[certsum.AccessSummary], error) {
			return s.Store.ListAccessSummaries(ctx, big.ID, certsum.TypeEntitlement, q)
		})
		if len(wantEnts) <= 7 {
			t.Fatalf("%d entitlement summaries; the walk needs more than one page", len(wantEnts))
		}
		mustAgree(t, "entitlement summaries", ents, wantEnts)

		certs, resp, err := sailpoint.Paginate[v2024.IdentityCertificationDto](
			admin.CertificationsAPI.ListIdentityCertifications(ctx).Sorters("-due"), 0, 10, 10000)
		mustOK(t, "certifications", resp, err)
		wantCerts := mustWalk(t, mustQuery(t, certsum.CertificationSchema, map[string]string{"sorters": "-due"}),
			func(q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
				return s.Store.ListCertifications(ctx, certsum.CertificationFilter{}, q)
			})
		if len(wantCerts) <= 10 {
			t.Fatalf("%d certifications; the walk needs more than one page", len(wantCerts))
		}
		mustAgree(t, "certifications", certs, wantCerts)

		group := mustGroupCertification(t, s)
		reviewers, resp, err := sailpoint.Paginate[v2024.IdentityReferenceWithNameAndEmail](
			admin.CertificationsAPI.ListCertificationReviewers(ctx, group.ID), 0, 1, 10000)
		mustOK(t, "reviewers", resp, err)
		wantReviewers := mustWalk(t, certsum.ListQuery{}, func(q certsum.ListQuery) (certsum.Page[certsum.IdentityReference], error) {
			return s.Store.ListReviewers(ctx, group.ID, q)
		})
		if len(wantReviewers) < 2 {
			t.Fatalf("%d reviewers; the walk needs more than one page", len(wantReviewers))
		}
		mustAgree(t, "reviewers", reviewers, wantReviewers)
	})

	t.Run("X-Total-Count equals the number of items a full walk returns", func(t *testing.T) {
		_, resp, err := owner.CertificationsAPI.ListIdentityAccessReviewItems(ctx, big.ID).Limit(0).Count(true).Execute()
		mustOK(t, "limit=0&count=true", resp, err)
		if n := totalCount(t, resp); n != big.DecisionsTotal {
			t.Errorf("X-Total-Count %d, the certification has %d items", n, big.DecisionsTotal)
		}
		_, resp, err = owner.CertificationsAPI.ListIdentityAccessReviewItems(ctx, big.ID).
			Filters(`access.type eq "ENTITLEMENT"`).Offset(int32(big.DecisionsTotal)).Count(true).Execute()
		mustOK(t, "offset past the end", resp, err)
		want := mustAllItems(t, s, big.ID, mustQuery(t, certsum.ReviewItemSchema, map[string]string{"filters": `access.type eq "ENTITLEMENT"`}))
		if n := totalCount(t, resp); n != len(want) {
			t.Errorf("X-Total-Count %d, the store lists %d entitlement items", n, len(want))
		}
	})
}

// mustCertificationOver returns the certification with the fewest review items above n.
func mustCertificationOver(t testing.TB, s *server, n int) certsum.Certification {
	t.Helper()
	var best *certsum.Certification
	for _, c := range mustAllCerts(t, s, certsum.CertificationFilter{}) {
		if c.DecisionsTotal > n && c.Reviewer.Type == certsum.TypeIdentity && (best == nil || c.DecisionsTotal < best.DecisionsTotal) {
			best = &c
		}
	}
	if best == nil {
		t.Fatalf("the demo dataset has no certification with more than %d review items", n)
	}
	return *best
}
