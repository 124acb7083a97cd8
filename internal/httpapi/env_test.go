package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/lifecycle"
	"github.com/certsum/certsum/internal/ratelimit"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// testClock is a settable clock shared by the store, the token service and the handler.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is the API over a real SQLite store in a temporary directory, with every response
// it returns checked against the spec.
type env struct {
	t        testing.TB
	store    *sqlite.Store
	auth     *auth.Service
	sealer   *auth.Sealer
	handler  http.Handler
	clock    *testClock
	contract *contract
	logs     *syncBuffer
	runner   *lifecycle.Runner
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOptions tweaks mustEnv.
type envOptions struct {
	limit int // rate limit per 10 s; 0 is off
	// wrap, when set, wraps the store the handlers see (to inject failures).
	wrap func(certsum.Store) certsum.Store
}

// mustEnv opens a store on a temp file, loads ds into it and builds the handler.
func mustEnv(t testing.TB, ds *certsum.Dataset, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: fixtureNow}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if ds != nil {
		if err := st.Load(ctx, ds, nil); err != nil {
			t.Fatalf("load dataset: %v", err)
		}
	}
	return mustEnvOn(t, st, clock, o)
}

// mustEnvOn builds the handler over an open store.
func mustEnvOn(t testing.TB, st *sqlite.Store, clock *testClock, o envOptions) *env {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var limiter ratelimit.Limiter
	if o.limit > 0 {
		limiter = ratelimit.NewMemory(o.limit, 10*time.Second, clock.Now)
	}
	sealer := auth.EphemeralSealer()
	svc, err := auth.New(auth.Options{Store: st, Issuer: "http://certsum.test", TokenTTL: 12 * time.Hour,
		Now: clock.Now, Logger: logger, TenantID: "test", Sealer: sealer})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	var api certsum.Store = st
	if o.wrap != nil {
		api = o.wrap(st)
	}
	runner := lifecycle.New(api, lifecycle.Options{Logger: logger, Every: -1})
	t.Cleanup(runner.Close)
	h := New(Options{Store: api, Auth: svc, Limiter: limiter, Logger: logger, Now: clock.Now, Runner: runner})
	return &env{t: t, store: st, auth: svc, sealer: sealer, handler: h, clock: clock, contract: newContract(t), logs: logs,
		runner: runner}
}

// mustToken registers a client (a personal access token of identityID, or an API client when
// identityID is empty) and returns an access token fetched from /oauth/token.
func (e *env) mustToken(identityID string, levels []string, scopes ...string) string {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{certsum.ScopeAll}
	}
	c, secret, err := e.auth.CreateClient(context.Background(), auth.ClientSpec{
		Name: "test client", Identity: identityID, Levels: levels, Scopes: scopes})
	if err != nil {
		e.t.Fatalf("create client: %v", err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}}
	req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != 200 {
		e.t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		e.t.Fatalf("token body %s: %v", rec.Body, err)
	}
	return tok.AccessToken
}

// response is one recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body strictly into v.
func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// dto decodes an ErrorResponseDto body.
func (r *response) dto(t testing.TB) errorResponse {
	t.Helper()
	return mustDecodeDTO(t, r.body)
}

// do sends a request through the handler and validates the answer against the spec. body
// is sent as is when it is a string or []byte, JSON-encoded otherwise (nil sends nothing).
func (e *env) do(method, target, token string, body any) *response {
	e.t.Helper()
	auth := ""
	if token != "" {
		auth = "Bearer " + token
	}
	return e.doHeader(method, target, auth, body)
}

// doHeader is do with the Authorization header given whole ("" sends none).
func (e *env) doHeader(method, target, authorization string, body any) *response {
	e.t.Helper()
	if s, ok := body.(string); ok && s == "" {
		body = nil
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, inGeneration(testGeneration, target), rd)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	e.contract.check(e.t, req, res.status, res.header, res.body)
	return res
}

// mustStatus fails unless the response has the wanted status.
func (r *response) mustStatus(t testing.TB, want int) *response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
	return r
}

// mustError fails unless the response is an ErrorResponseDto with this status and detail
// code whose message contains text.
func (r *response) mustError(t testing.TB, status int, detail, text string) errorResponse {
	t.Helper()
	r.mustStatus(t, status)
	dto := r.dto(t)
	if dto.DetailCode != detail {
		t.Errorf("detailCode %q, want %q (%s)", dto.DetailCode, detail, r.body)
	}
	if len(dto.Messages) != 1 || !strings.Contains(dto.Messages[0].Text, text) {
		t.Errorf("messages %+v, want one containing %q", dto.Messages, text)
	}
	if !trackingIDPattern.MatchString(dto.TrackingID) {
		t.Errorf("trackingId %q", dto.TrackingID)
	}
	return dto
}

// testGeneration is the generation the tests' requests go to: nil for v2024, as written;
// TestEveryGenerationPassesTheAPITests runs the API tests again with each other one.
var testGeneration *generation

// v2024Patterns finds the route pattern of a v2024 path.
var v2024Patterns = func() *http.ServeMux {
	mux := http.NewServeMux()
	seen := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		if !seen[rt.pattern] {
			seen[rt.pattern] = true
			mux.Handle(Prefix+rt.pattern, http.NotFoundHandler())
		}
	}
	return mux
}()

// inGeneration moves a v2024 target to generation g, when g has an operation at its path
// (whatever the method, so that wrong methods are tried there too); a path g does not have
// stays on v2024, so that a test's other requests still find what they need.
func inGeneration(g *generation, target string) string {
	if g == nil || !strings.HasPrefix(target, Prefix+"/") {
		return target
	}
	path, query, hasQuery := strings.Cut(target, "?")
	probe, err := http.NewRequest("GET", "http://certsum.test"+collapseSlashes(path), nil)
	if err != nil {
		return target
	}
	_, pattern := v2024Patterns.Handler(probe)
	if pattern == "" {
		return target
	}
	has := false
	for _, rt := range (&server{}).routes() {
		if Prefix+rt.pattern == pattern {
			if _, ok := g.ops[rt.op]; ok {
				has = true
			}
		}
	}
	if !has {
		return target
	}
	out := g.path(strings.TrimPrefix(path, Prefix))
	if hasQuery {
		out += "?" + query
	}
	return out
}
