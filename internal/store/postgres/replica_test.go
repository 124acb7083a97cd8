package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/ratelimit"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/storetest"
	"github.com/certsum/certsum/query"
)

// openReplicas opens n stores on one fresh schema, as n certsum replicas would.
func openReplicas(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	dsn := postgres.MustSchemaDSN(t)
	out := make([]*postgres.Store, n)
	for i := range out {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[i] = s
	}
	return out
}

func mustFilter(t testing.TB, s *query.Schema, src string) query.Expr {
	t.Helper()
	e, err := query.ParseFor(src, s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestReplicaStoresShareState: a write through one store is what the other reads on its
// very next call; nothing is cached per replica.
func TestReplicaStoresShareState(t *testing.T) {
	ctx := context.Background()
	rs := openReplicas(t, 2)
	a, b := rs[0], rs[1]
	if err := a.Load(ctx, storetest.Fixture(), nil); err != nil {
		t.Fatal(err)
	}
	openQ := certsum.ListQuery{Filter: mustFilter(t, certsum.ReviewItemSchema, "completed eq false"), Limit: 250, Count: true}
	open, err := b.ListReviewItems(ctx, "c-active", certsum.ReviewItemFilter{}, openQ)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := b.GetCertification(ctx, "c-active")
	v0, _ := b.CertificationVersion(ctx, "c-active")
	bulk := false
	id := open.Items[0].ID
	if _, err := a.Decide(ctx, "c-active", "id-rita", []certsum.ReviewDecision{{ID: id, Decision: certsum.Revoke, Bulk: &bulk}}); err != nil {
		t.Fatal(err)
	}
	after, err := b.GetCertification(ctx, "c-active")
	if err != nil {
		t.Fatal(err)
	}
	if after.DecisionsMade != before.DecisionsMade+1 {
		t.Errorf("replica b sees %d decisions made, want %d", after.DecisionsMade, before.DecisionsMade+1)
	}
	if v1, _ := b.CertificationVersion(ctx, "c-active"); v1 <= v0 {
		t.Errorf("replica b sees version %d, was %d", v1, v0)
	}
	h, err := b.DecisionHistory(ctx, "c-active", id)
	if err != nil || len(h) != 1 || h[0].Decision != certsum.Revoke {
		t.Errorf("replica b's history of %s = %+v (%v)", id, h, err)
	}
	left, err := b.ListReviewItems(ctx, "c-active", certsum.ReviewItemFilter{}, openQ)
	if err != nil || left.Total != open.Total-1 {
		t.Errorf("replica b counts %d open items (%v), want %d", left.Total, err, open.Total-1)
	}
}

// replica is one certsum server in the test: its own store, auth service, limiter and HTTP
// handler, sharing only the database and Redis with the others.
type replica struct {
	store *postgres.Store
	auth  *auth.Service
	srv   *httptest.Server
}

// TestReplicaServersShareTokensDataAndRateLimit runs two full HTTP handlers on one
// PostgreSQL schema and one Redis: a token issued by one is accepted by the other, a decision
// made through one shows in the other's certification, summaries, pages and counts on the
// very next request, and the rate limit is counted once across both.
func TestReplicaServersShareTokensDataAndRateLimit(t *testing.T) {
	ctx := context.Background()
	redisURL := os.Getenv("CERTSUM_TEST_REDIS")
	postgres.TestDSN(t)
	if redisURL == "" {
		msg := "the replica test needs Redis: set CERTSUM_TEST_REDIS=redis://127.0.0.1:6379/0"
		if os.Getenv("CERTSUM_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg + "; CERTSUM_TEST_REQUIRE_SERVICES=1 forbids skipping")
		}
		t.Skip(msg)
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v", redisURL, err)
	}
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	prefix := "certsum:test:" + hex.EncodeToString(nonce[:]) + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})

	// Every replica counts in the same fixed window: the clock is frozen and the window is
	// an hour, so no boundary falls inside the test.
	frozen := time.Date(2026, time.March, 3, 10, 0, 0, 0, time.UTC)
	const limit = 40
	stores := openReplicas(t, 2)
	if err := stores[0].Load(ctx, storetest.Fixture(), nil); err != nil {
		t.Fatal(err)
	}
	var reps []*replica
	sealer := auth.EphemeralSealer() // the key file every replica shares
	for _, st := range stores {
		l := ratelimit.NewRedis(rdb, limit, time.Hour, func() time.Time { return frozen })
		l.Prefix = prefix
		svc, err := auth.New(auth.Options{Store: st, Issuer: "https://certsum.test", Sealer: sealer})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Auth: svc, Limiter: l}))
		t.Cleanup(srv.Close)
		reps = append(reps, &replica{store: st, auth: svc, srv: srv})
	}
	a, b := reps[0], reps[1]

	// A personal access token for the reviewer of c-active, registered through replica a.
	client, secret, err := a.auth.CreateClient(ctx, auth.ClientSpec{Name: "replica test", Identity: "id-rita"})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID}, "client_secret": {secret}}
	res, err := http.Post(a.srv.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token from replica a: %d %v", res.StatusCode, err)
	}

	requests := 0
	call := func(r *replica, method, path string, body any) (int, http.Header, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, r.srv.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		requests++
		return res.StatusCode, res.Header, out
	}
	getJSON := func(r *replica, path string, v any) http.Header {
		t.Helper()
		code, h, body := call(r, "GET", path, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s on replica %s: %d %s", path, r.srv.URL, code, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return h
	}
	const cert = "/v2024/certifications/c-active"
	openItems := cert + "/access-review-items?count=true&limit=250&filters=" + url.QueryEscape("completed eq false")
	openSummaries := cert + "/identity-summaries?count=true&limit=1&filters=" + url.QueryEscape("completed eq false")

	// The token replica a issued is good on replica b.
	var before certsum.Certification
	getJSON(b, cert, &before)
	var items []certsum.AccessReviewItem
	hItems := getJSON(b, openItems, &items)
	var sums []certsum.IdentitySummary
	hSums := getJSON(b, openSummaries, &sums)
	var dsBefore certsum.DecisionSummary
	getJSON(b, cert+"/decision-summary", &dsBefore)

	// Decide through replica a every open item of one identity summary, which completes it.
	sid := items[0].IdentitySummary.ID
	var body []map[string]any
	for _, it := range items {
		if it.IdentitySummary.ID == sid {
			body = append(body, map[string]any{"id": it.ID, "decision": "APPROVE", "bulk": false})
		}
	}
	if code, _, out := call(a, "POST", cert+"/decide", body); code != http.StatusOK {
		t.Fatalf("decide through replica a: %d %s", code, out)
	}

	// Replica b sees it all on its next requests.
	var after certsum.Certification
	getJSON(b, cert, &after)
	if after.DecisionsMade != before.DecisionsMade+len(body) || after.IdentitiesCompleted != before.IdentitiesCompleted+1 {
		t.Errorf("replica b: %d decisions, %d identities completed; want %d and %d", after.DecisionsMade,
			after.IdentitiesCompleted, before.DecisionsMade+len(body), before.IdentitiesCompleted+1)
	}
	var itemsAfter []certsum.AccessReviewItem
	hItemsAfter := getJSON(b, openItems, &itemsAfter)
	if total(t, hItemsAfter) != total(t, hItems)-len(body) || len(itemsAfter) != len(items)-len(body) {
		t.Errorf("replica b pages %d open items (X-Total-Count %s), want %d", len(itemsAfter), hItemsAfter.Get("X-Total-Count"),
			len(items)-len(body))
	}
	var sumsAfter []certsum.IdentitySummary
	hSumsAfter := getJSON(b, openSummaries, &sumsAfter)
	if total(t, hSumsAfter) != total(t, hSums)-1 {
		t.Errorf("replica b counts %s open identity summaries, want %d", hSumsAfter.Get("X-Total-Count"), total(t, hSums)-1)
	}
	var one certsum.IdentitySummary
	getJSON(b, cert+"/identity-summaries/"+sid, &one)
	if !one.Completed {
		t.Errorf("replica b: identity summary %s not completed", sid)
	}
	var dsAfter certsum.DecisionSummary
	getJSON(b, cert+"/decision-summary", &dsAfter)
	made := func(d certsum.DecisionSummary) int {
		return d.EntitlementDecisionsMade + d.AccessProfileDecisionsMade + d.RoleDecisionsMade + d.AccountDecisionsMade
	}
	if made(dsAfter) != made(dsBefore)+len(body) {
		t.Errorf("replica b's decision summary counts %d decisions, want %d", made(dsAfter), made(dsBefore)+len(body))
	}

	// The rate limit is one budget across both replicas: alternate until it runs out.
	allowed := requests
	limited := 0
	for i := 0; i < 2*limit && limited < 2; i++ {
		r := reps[i%2]
		code, h, out := call(r, "GET", cert+"/decision-summary", nil)
		switch code {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
			limited++
			if h.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After: %s", out)
			}
		default:
			t.Fatalf("GET on replica %d: %d %s", i%2, code, out)
		}
	}
	if allowed != limit || limited != 2 {
		t.Errorf("%d requests allowed across both replicas before both answered 429 (%d), want exactly the limit %d",
			allowed, limited, limit)
	}
}

func total(t testing.TB, h http.Header) int {
	t.Helper()
	n, err := strconv.Atoi(h.Get("X-Total-Count"))
	if err != nil {
		t.Fatalf("X-Total-Count %q: %v", h.Get("X-Total-Count"), err)
	}
	return n
}
