package readmodel

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
)

// TestHTTPFastPathWritesWhatTheStoreWould serves the same requests through httpapi over the
// plain store and over the read model (whose pre-encoded bodies take httpapi's fast path)
// and requires the same status, the same paging headers and, for successes, byte-identical
// bodies.
func TestHTTPFastPathWritesWhatTheStoreWould(t *testing.T) {
	path := mustDemo(t, 100, 9)
	st := mustStore(t, path, nil)
	ctx := context.Background()
	m, err := New(st, Options{Budget: 1 << 30, ColdWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	svc, err := auth.New(auth.Options{Store: st, Issuer: "test", Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.EnsureAdminIdentity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, secret, err := svc.CreateClient(ctx, auth.ClientSpec{Identity: admin.ID, Levels: []string{certsum.LevelOrgAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.Issue(ctx, c.ID, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := httpapi.New(httpapi.Options{Store: st, Auth: svc})
	fast := httpapi.New(httpapi.Options{Store: m, Auth: svc})

	certID := largestCerts(t, st, 1)[0]
	sums, err := st.ListIdentitySummaries(ctx, certID, certsum.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	base := "/v2024/certifications/" + certID
	q := func(s string) string { return url.PathEscape(s) }
	paths := []string{
		base,
		base + "/decision-summary",
		base + "/decision-summary?filters=" + q(`identitySummary.id eq "`+sums.Items[0].ID+`"`),
		base + "/identity-summaries",
		base + "/identity-summaries?limit=7&offset=3&count=true&sorters=-name",
		base + "/identity-summaries?count=true&filters=" + q(`completed eq false and name sw "a"`),
		base + "/identity-summaries?limit=0&count=true",
		base + "/identity-summaries?offset=100000&count=true",
		base + "/identity-summaries/" + sums.Items[0].ID,
		base + "/identity-summaries/" + certsum.NewID(),
		base + "/access-summaries/ENTITLEMENT?count=true&limit=5&offset=1",
		base + "/access-summaries/ACCESS_PROFILE?sorters=-access.name&filters=" + q("completed eq false"),
		base + "/access-summaries/ROLE",
		base + "/access-summaries/ACCOUNT",
		base + "/access-review-items?limit=20&offset=11&count=true&sorters=access.name,-identitySummary.name",
		base + "/access-review-items?count=true&filters=" + q(`type eq "ENTITLEMENT" and completed eq true`),
		"/v2024/certifications?count=true&limit=10&offset=2&sorters=-due,name",
		"/v2024/certifications?filters=" + q(`phase eq "ACTIVE"`) + "&reviewer-identity=" + admin.ID,
		"/v2024/certifications/" + certsum.NewID() + "/identity-summaries",
		base + "/identity-summaries?filters=" + q("name co \"a\""),
		base + "/identity-summaries?sorters=id",
		base + "/identity-summaries?limit=251",
	}
	for _, p := range paths {
		req := func(h http.Handler) *httptest.ResponseRecorder {
			r := httptest.NewRequest(http.MethodGet, p, nil)
			r.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		want, got := req(plain), req(fast)
		if got.Code != want.Code {
			t.Errorf("%s: status %d through the model, %d through the store: %s", p, got.Code, want.Code, got.Body)
			continue
		}
		for _, h := range []string{"Content-Type", "X-Total-Count"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("%s: %s %q through the model, %q through the store", p, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
		if want.Code == http.StatusOK && (!bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) ||
			got.Header().Get("Content-Length") != want.Header().Get("Content-Length")) {
			t.Errorf("%s: bodies differ\nmodel: %.2000s\nstore: %.2000s", p, got.Body, want.Body)
		}
	}
}
