package sdktest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

// TestGoSDKCertifications drives the read operations of the Certifications API of api_v2024
// as a reviewer and as an administrator, and checks every answer against the store.
func TestGoSDKCertifications(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeRole, certsum.TypeEntitlement)
	rev := reviewerOf(t, s, cert)
	reviewer := newSDK(t, s, rev).V2024.CertificationsAPI
	admin := newSDK(t, s, s.Admin).V2024.CertificationsAPI

	t.Run("a reviewer lists their own certifications with reviewer-identity=me", func(t *testing.T) {
		// The reviewer with the most review items also owns a source: two certifications.
		rev := s.Reviewers[0]
		reviewer := newSDK(t, s, rev).V2024.CertificationsAPI
		got, resp, err := reviewer.ListIdentityCertifications(ctx).ReviewerIdentity("me").Count(true).Execute()
		mustOK(t, "listIdentityCertifications", resp, err)
		want, err := s.Store.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: rev.Client.IdentityID},
			mustQuery(t, certsum.CertificationSchema, map[string]string{"count": "true"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Items) < 2 {
			t.Fatalf("reviewer %s has %d certifications; the test needs two", rev.IdentityName, len(want.Items))
		}
		mustAgree(t, "reviewer's certifications", got, want.Items)
		if n := totalCount(t, resp); n != want.Total {
			t.Errorf("X-Total-Count %d, store total %d", n, want.Total)
		}
		for _, c := range got {
			if c.Reviewer.GetId() != rev.Client.IdentityID {
				t.Errorf("certification %s is reviewed by %s, not the caller", c.GetId(), c.Reviewer.GetId())
			}
		}
		// Without reviewer-identity a reviewer still sees only their own certifications.
		plain, resp, err := reviewer.ListIdentityCertifications(ctx).Execute()
		mustOK(t, "listIdentityCertifications without reviewer-identity", resp, err)
		mustAgree(t, "reviewer's certifications without reviewer-identity", plain, want.Items)
	})

	t.Run("an administrator lists certifications with filters, sorters and paging", func(t *testing.T) {
		cases := []map[string]string{
			{"count": "true"},
			{"filters": `phase eq "ACTIVE"`, "sorters": "-due,name", "count": "true"},
			{"filters": `completed eq true`, "sorters": "signed", "count": "true"},
			{"filters": fmt.Sprintf(`campaign.id eq "%s" and not completed eq true`, cert.Campaign.ID), "sorters": "-name", "limit": "5", "offset": "2", "count": "true"},
			{"filters": fmt.Sprintf(`id in ("%s","%s")`, cert.ID, "00000000000000000000000000000000"), "count": "true"},
		}
		for _, p := range cases {
			got, resp, err := withParams(t, admin.ListIdentityCertifications(ctx), p).Execute()
			mustOK(t, fmt.Sprint(p), resp, err)
			want, err := s.Store.ListCertifications(ctx, certsum.CertificationFilter{}, mustQuery(t, certsum.CertificationSchema, p))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Items) == 0 {
				t.Fatalf("%v: the store lists nothing; the case proves nothing", p)
			}
			mustAgree(t, fmt.Sprint("certifications ", p), got, want.Items)
			if n := totalCount(t, resp); n != want.Total {
				t.Errorf("%v: X-Total-Count %d, store total %d", p, n, want.Total)
			}
		}
		// An administrator naming a reviewer gets that reviewer's certifications.
		got, resp, err := admin.ListIdentityCertifications(ctx).ReviewerIdentity(rev.Client.IdentityID).Execute()
		mustOK(t, "reviewer-identity as administrator", resp, err)
		mustAgree(t, "certifications of a named reviewer", got, mustAllCerts(t, s, certsum.CertificationFilter{ReviewerID: rev.Client.IdentityID}))
	})

	t.Run("each certification read alone agrees with the store", func(t *testing.T) {
		certs := mustAllCerts(t, s, certsum.CertificationFilter{})
		phases := map[string]int{}
		for _, want := range certs {
			got, resp, err := admin.GetIdentityCertification(ctx, want.ID).Execute()
			mustOK(t, "getIdentityCertification "+want.ID, resp, err)
			mustAgree(t, "certification "+want.ID, got, want)
			phases[string(got.GetPhase())]++
			if got.GetCreated().IsZero() || got.GetModified().IsZero() {
				t.Errorf("certification %s: created %v, modified %v", want.ID, got.GetCreated(), got.GetModified())
			}
			if got.GetPhase() == "SIGNED" && got.GetSigned().IsZero() {
				t.Errorf("signed certification %s has no signed time", want.ID)
			}
		}
		for _, p := range []string{"STAGED", "ACTIVE", "SIGNED"} {
			if phases[p] == 0 {
				t.Errorf("no %s certification was read; phases seen: %v", p, phases)
			}
		}
		// The reviewer reads their own.
		got, resp, err := reviewer.GetIdentityCertification(ctx, cert.ID).Execute()
		mustOK(t, "getIdentityCertification as reviewer", resp, err)
		mustAgree(t, "reviewer's certification", got, cert)
	})

	t.Run("review items with filters, sorters, paging and the access-id parameters agree with the store", func(t *testing.T) {
		items := mustAllItems(t, s, cert.ID, certsum.ListQuery{})
		var ent, role, open certsum.AccessReviewItem
		for _, it := range items {
			if !it.Completed {
				open = it
			}
			switch it.AccessSummary.Access.Type {
			case certsum.TypeEntitlement:
				ent = it
			case certsum.TypeRole:
				role = it
			}
		}
		cases := []struct {
			params map[string]string
			access string // entitlements, access-profiles or roles
			ids    []string
			f      certsum.ReviewItemFilter
		}{
			{params: map[string]string{"count": "true"}},
			{params: map[string]string{"filters": `access.type eq "ENTITLEMENT"`, "sorters": "access.name", "count": "true"}},
			{params: map[string]string{"filters": `type eq "ROLE" or completed eq false`, "sorters": "-identitySummary.name,access.type", "count": "true"}},
			{params: map[string]string{"filters": fmt.Sprintf(`identitySummary.name sw "%s" and completed ne true`, open.IdentitySummary.Name[:3]), "count": "true"}},
			{params: map[string]string{"filters": fmt.Sprintf(`identitySummary.id in ("%s")`, ent.IdentitySummary.ID), "sorters": "-access.name", "limit": "4", "offset": "1", "count": "true"}},
			{params: map[string]string{"filters": `entitlement.sourceName sw "a"`, "sorters": "entitlement.sourceName", "count": "true"}},
			{params: map[string]string{"count": "true"}, access: "entitlements", ids: []string{ent.AccessSummary.Access.ID},
				f: certsum.ReviewItemFilter{AccessType: certsum.TypeEntitlement, AccessIDs: []string{ent.AccessSummary.Access.ID}}},
			{params: map[string]string{"count": "true"}, access: "roles", ids: []string{role.AccessSummary.Access.ID, "missing"},
				f: certsum.ReviewItemFilter{AccessType: certsum.TypeRole, AccessIDs: []string{role.AccessSummary.Access.ID, "missing"}}},
		}
		for _, c := range cases {
			req := withParams(t, reviewer.ListIdentityAccessReviewItems(ctx, cert.ID), c.params)
			switch c.access {
			case "entitlements":
				req = req.Entitlements(strings.Join(c.ids, ","))
			case "roles":
				req = req.Roles(strings.Join(c.ids, ","))
			}
			what := fmt.Sprint(c.params, c.access, c.ids)
			got, resp, err := req.Execute()
			mustOK(t, what, resp, err)
			want, err := s.Store.ListReviewItems(ctx, cert.ID, c.f, mustQuery(t, certsum.ReviewItemSchema, c.params))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Items) == 0 {
				t.Fatalf("%s: the store lists nothing; the case proves nothing", what)
			}
			mustAgree(t, "review items "+what, got, want.Items)
			if n := totalCount(t, resp); n != want.Total {
				t.Errorf("%s: X-Total-Count %d, store total %d", what, n, want.Total)
			}
		}
	})

	t.Run("reviewers of an identity and of a governance-group certification agree with the store", func(t *testing.T) {
		group := mustGroupCertification(t, s)
		for _, c := range []certsum.Certification{cert, group} {
			for _, p := range []map[string]string{{"count": "true"}, {"sorters": "-name", "count": "true"}, {"filters": `email sw "a" or name sw "a"`, "sorters": "email"}} {
				got, resp, err := withParams(t, admin.ListCertificationReviewers(ctx, c.ID), p).Execute()
				mustOK(t, "listCertificationReviewers "+c.ID, resp, err)
				want, err := s.Store.ListReviewers(ctx, c.ID, mustQuery(t, certsum.ReviewerSchema, p))
				if err != nil {
					t.Fatal(err)
				}
				mustAgree(t, fmt.Sprint("reviewers of ", c.ID, p), got, want.Items)
				if p["count"] == "true" && totalCount(t, resp) != want.Total {
					t.Errorf("%s %v: X-Total-Count %s, store total %d", c.ID, p, resp.Header.Get("X-Total-Count"), want.Total)
				}
			}
		}
		got, resp, err := reviewer.ListCertificationReviewers(ctx, cert.ID).Execute()
		mustOK(t, "listCertificationReviewers as reviewer", resp, err)
		if len(got) != 1 || got[0].GetId() != rev.Client.IdentityID {
			t.Errorf("reviewers of %s: %+v, want only %s", cert.ID, got, rev.Client.IdentityID)
		}
		members, resp, err := admin.ListCertificationReviewers(ctx, group.ID).Execute()
		mustOK(t, "listCertificationReviewers of a group certification", resp, err)
		if len(members) < 2 {
			t.Errorf("governance group certification %s lists %d reviewers, want its members", group.ID, len(members))
		}
	})

	t.Run("permissions of a review item agree with the store", func(t *testing.T) {
		certID, itemID, perms := mustItemWithPermissions(t, s)
		target := perms[0].Target
		right := perms[0].Rights[0]
		cases := []map[string]string{
			{"count": "true"},
			{"limit": "1", "offset": "1", "count": "true"},
			{"filters": fmt.Sprintf(`target eq "%s"`, strings.ToLower(target)), "count": "true"},
			{"filters": fmt.Sprintf(`rights ca ("%s") and target sw "%s"`, right, target[:1]), "count": "true"},
		}
		for _, p := range cases {
			got, resp, err := withParams(t, admin.GetIdentityCertificationItemPermissions(ctx, certID, itemID), p).Execute()
			mustOK(t, fmt.Sprint("permissions ", p), resp, err)
			want, err := s.Store.ListItemPermissions(ctx, certID, itemID, mustQuery(t, certsum.PermissionSchema, p))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Items) == 0 {
				t.Fatalf("%v: the store lists nothing; the case proves nothing", p)
			}
			mustAgree(t, fmt.Sprint("permissions ", p), got, want.Items)
			if n := totalCount(t, resp); n != want.Total {
				t.Errorf("%v: X-Total-Count %d, store total %d", p, n, want.Total)
			}
		}
	})
}

// mustGroupCertification returns a certification reviewed by a governance group.
func mustGroupCertification(t testing.TB, s *server) certsum.Certification {
	t.Helper()
	certs := mustAllCerts(t, s, certsum.CertificationFilter{})
	for _, c := range certs {
		if c.Reviewer.Type == certsum.TypeGovernanceGroup {
			return c
		}
	}
	t.Fatal("the demo dataset has no certification reviewed by a governance group")
	return certsum.Certification{}
}

// mustItemWithPermissions finds a review item whose entitlement has at least two
// permissions and returns its certification, id and permissions.
func mustItemWithPermissions(t testing.TB, s *server) (certID, itemID string, perms []certsum.Permission) {
	t.Helper()
	ctx := context.Background()
	certs := mustAllCerts(t, s, certsum.CertificationFilter{})
	q := mustQuery(t, certsum.ReviewItemSchema, map[string]string{"filters": `access.type eq "ENTITLEMENT"`})
	for _, c := range certs {
		for _, it := range mustAllItems(t, s, c.ID, q) {
			if e := it.AccessSummary.Entitlement; e == nil || !e.HasPermissions {
				continue
			}
			p, err := s.Store.ListItemPermissions(ctx, c.ID, it.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) >= 2 && len(p.Items[0].Rights) > 0 {
				return c.ID, it.ID, p.Items
			}
		}
	}
	t.Fatal("the demo dataset has no review item whose entitlement has two permissions")
	return "", "", nil
}
