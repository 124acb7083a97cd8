package client_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
	"github.com/certsum/certsum/internal/clienttest"
)

// mustClient returns a client of srv's ORG_ADMIN token.
func mustClient(t testing.TB, srv *clienttest.Server, o client.Options) *client.Client {
	t.Helper()
	if o.HTTPClient == nil {
		o.HTTPClient = srv.HTTP.Client()
	}
	c, err := client.New(srv.URL, srv.ClientID, srv.Secret, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCode fails unless err carries code (seen through wrapping, as certsum.ErrorCode does).
func wantCode(t testing.TB, err error, code certsum.Code) *certsum.Error {
	t.Helper()
	if got := certsum.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
	var e *certsum.Error
	errors.As(err, &e)
	return e
}

var trackingID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func TestReadOperationsAgainstTheRealServer(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})
	ctx := context.Background()

	t.Run("listIdentityCertifications lists every certification for an admin, with the total", func(t *testing.T) {
		p, err := c.ListIdentityCertifications(ctx, client.CertificationListOptions{ListOptions: client.ListOptions{Count: true, Sorters: "name"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(p.Items, func(x certsum.Certification) string { return x.ID }), []string{clienttest.ReviewCert, clienttest.OtherCert}; !cmp.Equal(got, want) || p.Total != 2 {
			t.Fatalf("got %v total %d, want %v total 2", got, p.Total, want)
		}
		p, err = c.ListIdentityCertifications(ctx, client.CertificationListOptions{ReviewerIdentity: clienttest.ReviewerID})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != clienttest.ReviewCert || p.Total != -1 {
			t.Fatalf("reviewer-identity: %+v, %v; want only the review certification and no total", p, err)
		}
		p, err = c.ListIdentityCertifications(ctx, client.CertificationListOptions{ReviewerIdentity: "me"})
		if err != nil || len(p.Items) != 0 {
			t.Fatalf("reviewer-identity=me for the admin: %+v, %v; want nothing (the admin reviews nothing)", p, err)
		}
	})
	t.Run("getIdentityCertification returns the counters", func(t *testing.T) {
		cert, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Name != "Mia Manager's access review" || cert.DecisionsTotal != 8 || cert.DecisionsMade != 1 ||
			cert.IdentitiesTotal != 2 || cert.Phase != certsum.PhaseActive || cert.Campaign.Name != "Q1 2030 Manager Review" {
			t.Fatalf("certification %+v", cert)
		}
	})
	t.Run("an unknown certification is not_found with the server's details", func(t *testing.T) {
		_, err := c.GetIdentityCertification(ctx, clienttest.ID('c', 999))
		e := wantCode(t, err, certsum.CodeNotFound)
		if e.Status != 404 || e.DetailCode != "404 Not found" || !trackingID.MatchString(e.TrackingID) || e.Message == "" {
			t.Fatalf("error fields %+v", e)
		}
	})
	t.Run("listIdentityAccessReviewItems filters and narrows by access id", func(t *testing.T) {
		p, err := c.ListIdentityAccessReviewItems(ctx, clienttest.ReviewCert, client.ReviewItemListOptions{
			ListOptions: client.ListOptions{Filters: "completed eq false", Count: true}})
		if err != nil || len(p.Items) != 7 || p.Total != 7 {
			t.Fatalf("open items: %d (total %d), %v; want 7", len(p.Items), p.Total, err)
		}
		p, err = c.ListIdentityAccessReviewItems(ctx, clienttest.ReviewCert, client.ReviewItemListOptions{Roles: []string{clienttest.ID('r', 1)}})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(p.Items, func(x certsum.AccessReviewItem) string { return x.ID })
		slices.Sort(got)
		if want := []string{clienttest.ItemSamRole, clienttest.ItemSueRole}; !cmp.Equal(got, want) {
			t.Fatalf("role items %v, want %v", got, want)
		}
		_, err = c.ListIdentityAccessReviewItems(ctx, clienttest.ReviewCert, client.ReviewItemListOptions{
			Roles: []string{clienttest.ID('r', 1)}, Entitlements: []string{clienttest.ID('e', 1)}})
		wantCode(t, err, certsum.CodeInvalid)
	})
	t.Run("a bad filter is invalid with the illegal value detail code", func(t *testing.T) {
		_, err := c.ListIdentityAccessReviewItems(ctx, clienttest.ReviewCert, client.ReviewItemListOptions{
			ListOptions: client.ListOptions{Filters: `access.name co "x"`}})
		e := wantCode(t, err, certsum.CodeInvalid)
		if e.Status != 400 || e.DetailCode != "400.1.3 Illegal value" || !strings.Contains(e.Message, "co") {
			t.Fatalf("error fields %+v", e)
		}
	})
	t.Run("getIdentitySummaries and getIdentitySummary", func(t *testing.T) {
		p, err := c.GetIdentitySummaries(ctx, clienttest.ReviewCert, client.ListOptions{Sorters: "-name"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(p.Items, func(x certsum.IdentitySummary) string { return x.Name }); !cmp.Equal(got, []string{"Sue Staff", "Sam Staff"}) {
			t.Fatalf("summaries %v", got)
		}
		s, err := c.GetIdentitySummary(ctx, clienttest.ReviewCert, clienttest.ReviewSumSam)
		if err != nil || s.Name != "Sam Staff" || s.Completed || s.IdentityID != clienttest.ID('i', 4) {
			t.Fatalf("summary %+v, %v", s, err)
		}
		_, err = c.GetIdentitySummary(ctx, clienttest.ReviewCert, clienttest.ID('u', 999))
		wantCode(t, err, certsum.CodeNotFound)
		_, err = c.GetIdentitySummary(ctx, clienttest.ReviewCert, "")
		wantCode(t, err, certsum.CodeInvalid)
	})
	t.Run("getIdentityAccessSummaries lists distinct access items per type", func(t *testing.T) {
		for typ, want := range map[certsum.DtoType][]string{
			certsum.TypeRole:          {"Engineer"},
			certsum.TypeAccessProfile: {"AD Basics"},
			certsum.TypeEntitlement:   {"Domain Admins", "Orders Writer"},
		} {
			p, err := c.GetIdentityAccessSummaries(ctx, clienttest.ReviewCert, typ, client.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Items, func(x certsum.AccessSummary) string { return x.Access.Name }); !cmp.Equal(got, want) {
				t.Errorf("%s summaries %v, want %v", typ, got, want)
			}
		}
		p, err := c.GetIdentityAccessSummaries(ctx, clienttest.ReviewCert, certsum.TypeEntitlement, client.ListOptions{Filters: "completed eq false"})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("open entitlements %+v, %v", p, err)
		}
		_, err = c.GetIdentityAccessSummaries(ctx, clienttest.ReviewCert, certsum.TypeAccount, client.ListOptions{})
		wantCode(t, err, certsum.CodeInvalid)
	})
	t.Run("getIdentityDecisionSummary counts, optionally per identity", func(t *testing.T) {
		s, err := c.GetIdentityDecisionSummary(ctx, clienttest.ReviewCert, client.DecisionSummaryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := certsum.DecisionSummary{EntitlementDecisionsTotal: 4, EntitlementDecisionsMade: 1, EntitlementsApproved: 1,
			AccessProfileDecisionsTotal: 1, RoleDecisionsTotal: 2, AccountDecisionsTotal: 1}
		if diff := cmp.Diff(want, *s); diff != "" {
			t.Fatalf("decision summary (-want +got):\n%s", diff)
		}
		s, err = c.GetIdentityDecisionSummary(ctx, clienttest.ReviewCert,
			client.DecisionSummaryOptions{Filters: client.In("identitySummary.id", clienttest.ReviewSumSue)})
		if err != nil {
			t.Fatal(err)
		}
		want = certsum.DecisionSummary{EntitlementDecisionsTotal: 2, EntitlementDecisionsMade: 1, EntitlementsApproved: 1, RoleDecisionsTotal: 1}
		if diff := cmp.Diff(want, *s); diff != "" {
			t.Fatalf("Sue's decision summary (-want +got):\n%s", diff)
		}
	})
	t.Run("listCertificationReviewers", func(t *testing.T) {
		p, err := c.ListCertificationReviewers(ctx, clienttest.ReviewCert, client.ListOptions{Count: true})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != clienttest.ReviewerID || p.Items[0].Name != "Mia Manager" || p.Total != 1 {
			t.Fatalf("reviewers %+v, %v", p, err)
		}
	})
	t.Run("getIdentityCertificationItemPermissions lists an entitlement's permissions and takes no sorters", func(t *testing.T) {
		p, err := c.GetIdentityCertificationItemPermissions(ctx, clienttest.ReviewCert, clienttest.ItemSamOrders, client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []certsum.Permission{
			{Rights: []string{"SELECT"}, Target: "SYS.CUSTOMERS"},
			{Rights: []string{"SELECT", "INSERT", "UPDATE"}, Target: "SYS.ORDERS"},
		}
		if diff := cmp.Diff(want, p.Items); diff != "" {
			t.Fatalf("permissions (-want +got):\n%s", diff)
		}
		p, err = c.GetIdentityCertificationItemPermissions(ctx, clienttest.ReviewCert, clienttest.ItemSamOrders,
			client.ListOptions{Filters: `rights ca ("INSERT")`})
		if err != nil || len(p.Items) != 1 || p.Items[0].Target != "SYS.ORDERS" {
			t.Fatalf("filtered permissions %+v, %v", p, err)
		}
		before := srv.APIRequests()
		_, err = c.GetIdentityCertificationItemPermissions(ctx, clienttest.ReviewCert, clienttest.ItemSamOrders, client.ListOptions{Sorters: "target"})
		wantCode(t, err, certsum.CodeInvalid)
		if srv.APIRequests() != before {
			t.Error("sorters on permissions reached the server")
		}
	})
}

func TestWriteOperationsAgainstTheRealServer(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})
	ctx := context.Background()
	why := "left the team"

	t.Run("makeIdentityDecision records decisions and returns the certification", func(t *testing.T) {
		cert, err := c.MakeIdentityDecision(ctx, clienttest.OtherCert, []certsum.ReviewDecision{
			{ID: clienttest.ItemSidVPN, Decision: certsum.Approve},
			{ID: clienttest.ItemSidAdmins, Decision: certsum.Revoke, Comments: &why},
		})
		if err != nil {
			t.Fatal(err)
		}
		if cert.ID != clienttest.OtherCert || cert.DecisionsMade != 2 || !cert.Completed {
			t.Fatalf("certification after deciding %+v", cert)
		}
	})
	t.Run("a revoke without the campaign's required comment is invalid", func(t *testing.T) {
		_, err := c.MakeIdentityDecision(ctx, clienttest.ReviewCert, []certsum.ReviewDecision{
			{ID: clienttest.ItemSamAdmins, Decision: certsum.Revoke}})
		wantCode(t, err, certsum.CodeInvalid)
	})
	t.Run("deciding an item of another certification is a reference error", func(t *testing.T) {
		_, err := c.MakeIdentityDecision(ctx, clienttest.ReviewCert, []certsum.ReviewDecision{
			{ID: clienttest.ItemSidVPN, Decision: certsum.Approve}})
		e := wantCode(t, err, certsum.CodeReference)
		if e.DetailCode != "400.1.404 Referenced object not found" {
			t.Fatalf("detail code %q", e.DetailCode)
		}
	})
	t.Run("signOffIdentityCertification signs once; a second sign-off fails without a retry", func(t *testing.T) {
		cert, err := c.SignOffIdentityCertification(ctx, clienttest.OtherCert)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Phase != certsum.PhaseSigned || cert.Signed == nil {
			t.Fatalf("signed certification %+v", cert)
		}
		before := srv.APIRequests()
		_, err = c.SignOffIdentityCertification(ctx, clienttest.OtherCert)
		e := wantCode(t, err, certsum.CodeInvalid) // a conflict; the wire says 400 "Bad Request Content"
		if e.DetailCode != "400.1 Bad Request Content" || srv.APIRequests() != before+1 {
			t.Fatalf("second sign-off: %+v after %d requests", e, srv.APIRequests()-before)
		}
	})
	t.Run("reassignIdentityCertifications moves an item away", func(t *testing.T) {
		cert, err := c.ReassignIdentityCertifications(ctx, clienttest.ReviewCert, certsum.ReviewReassign{
			Reassign:   []certsum.ReassignReference{{ID: clienttest.ItemSueOrders, Type: certsum.ReassignItem}},
			ReassignTo: clienttest.ID('i', 3), Reason: "Olaf owns the orders database"})
		if err != nil {
			t.Fatal(err)
		}
		if cert.ID != clienttest.ReviewCert || cert.DecisionsTotal != 7 {
			t.Fatalf("source certification after reassigning %+v", cert)
		}
		_, err = c.ReassignIdentityCertifications(ctx, clienttest.ReviewCert, certsum.ReviewReassign{ReassignTo: clienttest.ID('i', 3), Reason: "x"})
		wantCode(t, err, certsum.CodeInvalid)
	})
	t.Run("a reviewer who is not an admin is forbidden another's certification", func(t *testing.T) {
		id, secret := srv.NewClient(t, clienttest.ReviewerID)
		mia, err := client.New(srv.URL, id, secret, client.Options{HTTPClient: srv.HTTP.Client()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = mia.GetIdentityCertification(ctx, clienttest.OtherCert)
		wantCode(t, err, certsum.CodeForbidden)
		p, err := mia.ListIdentityCertifications(ctx, client.CertificationListOptions{ReviewerIdentity: "me"})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != clienttest.ReviewCert {
			t.Fatalf("Mia's certifications %+v, %v", p, err)
		}
	})
}

func TestWrongCredentialsAreUnauthenticated(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c, err := client.New(srv.URL, srv.ClientID, "not the secret", client.Options{HTTPClient: srv.HTTP.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Authenticate(context.Background())
	e := wantCode(t, err, certsum.CodeUnauthenticated)
	if e.Status != http.StatusUnauthorized && e.Status != http.StatusBadRequest {
		t.Fatalf("status %d", e.Status)
	}
	_, err = c.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	wantCode(t, err, certsum.CodeUnauthenticated)
	if srv.APIRequests() != 0 {
		t.Errorf("%d API requests were sent without a token", srv.APIRequests())
	}
}
