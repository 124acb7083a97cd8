package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/ratelimit"
)

func TestRateLimitIsKeyedByTheVerifiedClientAndAPIVersion(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	l := ratelimit.NewMemory(2, 10*time.Second, func() time.Time { return now })
	h := ratelimit.Middleware(l, rateLimitKey)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	do := func(clientID string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v2024/certifications", nil)
		if clientID != "" {
			req = req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{ClientID: clientID, IdentityID: "i"}))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := 0; i < 2; i++ {
		if rec := do("a"); rec.Code != 200 {
			t.Fatalf("request %d of client a: %d", i+1, rec.Code)
		}
	}
	rec := do("a")
	if rec.Code != 429 || strings.TrimSpace(rec.Body.String()) != `{"message":" Rate Limit Exceeded "}` ||
		rec.Header().Get("Retry-After") == "" {
		t.Fatalf("third request of client a: %d %s %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := do("b"); rec.Code != 200 {
		t.Errorf("client b shares client a's budget: %d", rec.Code)
	}
	if got := rateLimitKey(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("key without a principal = %q, want none", got)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req = req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{ClientID: "a"}))
	if got := rateLimitKey(req); !strings.Contains(got, "a") {
		t.Errorf("key = %q, want the client id", got)
	}
}

func TestEachGenerationIsItsOwnRateLimitVersion(t *testing.T) {
	keys := map[string]string{}
	for path, want := range map[string]string{
		"/v2024/certifications":                 "v2024",
		"/v3/certifications/x/decision-summary": "v3",
		"/v2025/campaigns":                      "v2025",
		"/v2026/campaigns/x":                    "v2026",
		"/beta/campaigns":                       "beta",
		"/certifications/v1/x/decision-summary": "v1",
		"/campaigns/v1":                         "v1",
		"/campaign-filters/v1/x":                "v1",
		"/certsum/v1/evidence":                  "certsum",
	} {
		if got := apiVersion(path); got != want {
			t.Errorf("apiVersion(%s) = %q, want %q", path, got, want)
		}
		req := httptest.NewRequest("GET", path, nil)
		req = req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{ClientID: "a"}))
		keys[rateLimitKey(req)] = want
	}
	if len(keys) != 7 {
		t.Errorf("%d distinct keys for 7 versions: %v", len(keys), keys)
	}
}
