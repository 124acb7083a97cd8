package sdktest

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/httpapi"
)

// TestGoSDKCertificationSummaries drives the four Certification Summaries operations of
// api_v2024 and checks every answer against the store.
func TestGoSDKCertificationSummaries(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement)
	admin := newSDK(t, s, s.Admin).V2024.CertificationSummariesAPI
	reviewer := newSDK(t, s, reviewerOf(t, s, cert)).V2024.CertificationSummariesAPI
	types := []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement}

	t.Run("access summaries of each type agree with the store and X-Total-Count", func(t *testing.T) {
		for _, typ := range types {
			got, resp, err := admin.GetIdentityAccessSummaries(ctx, cert.ID, string(typ)).Count(true).Execute()
			mustOK(t, "getIdentityAccessSummaries "+string(typ), resp, err)
			want, err := s.Store.ListAccessSummaries(ctx, cert.ID, typ, mustQuery(t, certsum.AccessSummarySchema, map[string]string{"count": "true"}))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Items) == 0 {
				t.Fatalf("the store has no %s access summaries in %s", typ, cert.ID)
			}
			mustAgree(t, "access summaries "+string(typ), got, want.Items)
			if n := totalCount(t, resp); n != want.Total || n != len(got) {
				t.Errorf("%s: X-Total-Count %d, store total %d, items %d", typ, n, want.Total, len(got))
			}
			for _, a := range got {
				if a.Access == nil || string(a.Access.GetType()) != string(typ) {
					t.Fatalf("%s summary with access %+v", typ, a.Access)
				}
				// Exactly the object matching the type is present (docs/api.md).
				present := map[certsum.DtoType]bool{certsum.TypeRole: a.Role.Get() != nil,
					certsum.TypeAccessProfile: a.AccessProfile != nil, certsum.TypeEntitlement: a.Entitlement.Get() != nil}
				for k, v := range present {
					if v != (k == typ) {
						t.Errorf("%s summary %s: %s object present is %v", typ, a.Access.GetId(), k, v)
					}
				}
			}
		}
	})

	t.Run("access summaries with filters, sorters, limit and offset agree with the store", func(t *testing.T) {
		cases := []map[string]string{
			{"filters": `completed eq false`, "sorters": "-access.name", "count": "true"},
			{"filters": `completed eq true or access.name sw "a"`, "limit": "3", "offset": "1", "count": "true"},
			{"filters": `not (completed ne true)`, "sorters": "access.name", "limit": "2"},
			{"filters": `entitlement.sourceName sw "A" or accessProfile.sourceName sw "A"`, "count": "true"},
		}
		for _, typ := range types {
			for _, p := range cases {
				got, resp, err := withParams(t, admin.GetIdentityAccessSummaries(ctx, cert.ID, string(typ)), p).Execute()
				mustOK(t, fmt.Sprint(typ, p), resp, err)
				want, err := s.Store.ListAccessSummaries(ctx, cert.ID, typ, mustQuery(t, certsum.AccessSummarySchema, p))
				if err != nil {
					t.Fatal(err)
				}
				mustAgree(t, fmt.Sprint(typ, p), got, want.Items)
				if p["count"] == "true" && totalCount(t, resp) != want.Total {
					t.Errorf("%s %v: X-Total-Count %s, store total %d", typ, p, resp.Header.Get("X-Total-Count"), want.Total)
				}
			}
		}
	})

	t.Run("the decision summary agrees with the store and with a count of the review items", func(t *testing.T) {
		got, resp, err := admin.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
		mustOK(t, "getIdentityDecisionSummary", resp, err)
		want, err := s.Store.DecisionSummary(ctx, cert.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, "decision summary", got, *want)
		if counted := countItems(t, s, cert.ID, ""); *want != counted {
			t.Errorf("decision summary %+v, but the review items count %+v", *want, counted)
		}
		if made := got.GetEntitlementDecisionsMade() + got.GetAccessProfileDecisionsMade() + got.GetRoleDecisionsMade() +
			got.GetAccountDecisionsMade(); int(made) != cert.DecisionsMade {
			t.Errorf("decisions made %d, certification says %d", made, cert.DecisionsMade)
		}
	})

	t.Run("the decision summary filtered by identitySummary.id counts only those identities", func(t *testing.T) {
		summaries, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: 3})
		if err != nil || len(summaries.Items) < 3 {
			t.Fatalf("identity summaries: %v (%d)", err, len(summaries.Items))
		}
		a, b, c := summaries.Items[0].ID, summaries.Items[1].ID, summaries.Items[2].ID
		for _, f := range []string{
			fmt.Sprintf(`identitySummary.id eq "%s"`, a),
			fmt.Sprintf(`identitySummary.id in ("%s","%s")`, a, b),
			fmt.Sprintf(`identitySummary.id eq "%s" or identitySummary.id in ("%s", "%s")`, a, b, c),
		} {
			got, resp, err := reviewer.GetIdentityDecisionSummary(ctx, cert.ID).Filters(f).Execute()
			mustOK(t, f, resp, err)
			q := mustQuery(t, certsum.DecisionSummarySchema, map[string]string{"filters": f})
			want, err := s.Store.DecisionSummary(ctx, cert.ID, q.Filter)
			if err != nil {
				t.Fatal(err)
			}
			mustAgree(t, f, got, *want)
			if counted := countItems(t, s, cert.ID, f); *want != counted {
				t.Errorf("%s: decision summary %+v, but the review items count %+v", f, *want, counted)
			}
		}
	})

	t.Run("identity summaries with filters, sorters, limit, offset and count agree with the store", func(t *testing.T) {
		all, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil || len(all.Items) < 4 {
			t.Fatalf("identity summaries: %v (%d)", err, len(all.Items))
		}
		first := all.Items[0]
		cases := []map[string]string{
			{},
			{"count": "true"},
			{"filters": `completed eq false`, "sorters": "-name", "count": "true"},
			{"filters": `completed ne false`, "count": "true"},
			{"filters": fmt.Sprintf(`name sw "%s"`, first.Name[:1]), "sorters": "name", "count": "true"},
			{"filters": fmt.Sprintf(`id in ("%s","%s")`, all.Items[1].ID, all.Items[3].ID), "count": "true"},
			{"sorters": "-name", "limit": "2", "offset": "1", "count": "true"},
			{"limit": "0", "count": "true"},
			{"offset": "1000", "count": "true"},
		}
		for _, p := range cases {
			got, resp, err := withParams(t, reviewer.GetIdentitySummaries(ctx, cert.ID), p).Execute()
			mustOK(t, fmt.Sprint(p), resp, err)
			want, err := s.Store.ListIdentitySummaries(ctx, cert.ID, mustQuery(t, certsum.IdentitySummarySchema, p))
			if err != nil {
				t.Fatal(err)
			}
			mustAgree(t, fmt.Sprint("identity summaries ", p), got, want.Items)
			if p["count"] == "true" && totalCount(t, resp) != want.Total {
				t.Errorf("%v: X-Total-Count %s, store total %d", p, resp.Header.Get("X-Total-Count"), want.Total)
			}
		}
		// Without count the header is not promised; with it, the total is the whole collection.
		_, resp, err := reviewer.GetIdentitySummaries(ctx, cert.ID).Limit(1).Count(true).Execute()
		mustOK(t, "count", resp, err)
		if n := totalCount(t, resp); n != cert.IdentitiesTotal {
			t.Errorf("X-Total-Count %d, certification identitiesTotal %d", n, cert.IdentitiesTotal)
		}
	})

	t.Run("each identity summary read alone agrees with the store and with its review items", func(t *testing.T) {
		all, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		items := mustAllItems(t, s, cert.ID, certsum.ListQuery{})
		open := map[string]bool{}
		for _, it := range items {
			if !it.Completed {
				open[it.IdentitySummary.ID] = true
			}
		}
		completed := 0
		for _, want := range all.Items {
			got, resp, err := admin.GetIdentitySummary(ctx, cert.ID, want.ID).Execute()
			mustOK(t, "getIdentitySummary "+want.ID, resp, err)
			mustAgree(t, "identity summary "+want.ID, got, want)
			if got.GetCompleted() == open[want.ID] {
				t.Errorf("identity summary %s: completed %v, but open review items: %v", want.ID, got.GetCompleted(), open[want.ID])
			}
			if got.GetId() == got.GetIdentityId() {
				t.Errorf("identity summary %s: id equals identityId; the summary id must be its own", want.ID)
			}
			if got.GetCompleted() {
				completed++
			}
		}
		if completed != cert.IdentitiesCompleted || len(all.Items) != cert.IdentitiesTotal {
			t.Errorf("%d of %d identity summaries completed; the certification says %d of %d",
				completed, len(all.Items), cert.IdentitiesCompleted, cert.IdentitiesTotal)
		}
	})
}

// countItems recounts a certification's decisions from its review items (those matching
// the identitySummary.id filter f when it is not empty), independently of the summary
// counters certsum maintains.
func countItems(t testing.TB, s *server, certID, f string) certsum.DecisionSummary {
	t.Helper()
	var q certsum.ListQuery
	if f != "" {
		v := url.Values{"filters": {f}}
		var err error
		if q, err = httpapi.ParseListParams(v, certsum.ReviewItemSchema); err != nil {
			t.Fatalf("%s as a review item filter: %v", f, err)
		}
	}
	var sum certsum.DecisionSummary
	for _, it := range mustAllItems(t, s, certID, q) {
		sum.Add(it.AccessSummary.Access.Type, it.Decision, 1)
	}
	return sum
}
