package main

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
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// TestServeEndToEnd runs the real Main in-process on 127.0.0.1:0 over a temporary SQLite
// file that holds the demo organisation and one administrator client, then does what an
// SDK does: get a token, list certifications, read a summary.
func TestServeEndToEnd(t *testing.T) {
	ctx := context.Background()
	// Prepare the database the way an operator would: demo data and one client.
	db, _, creds := demoDatabase(t, 50, func(ds *certsum.Dataset) []auth.ClientSpec {
		return []auth.ClientSpec{{Name: "e2e", Identity: ds.Identities[0].ID, Levels: []string{certsum.LevelOrgAdmin}}}
	})
	client, secret := creds[0].Client, creds[0].Secret

	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = db
	var logs bytes.Buffer
	m := NewMain(cfg, io.Discard, &logs)
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	t.Cleanup(func() { _ = m.Close() })
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-errc:
		t.Fatalf("serve stopped before it was ready: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready in 30 s")
	}

	get := func(path, token string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, body
	}

	if code, _, body := get("/healthz", ""); code != 200 || !strings.Contains(string(body), "ok") {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, _, body := get("/readyz", ""); code != 200 || !strings.Contains(string(body), "ready") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, h, body := get("/v2024/certifications", ""); code != 401 || h.Get("Content-Type") != "application/json" {
		t.Errorf("without a token: %d %s", code, body)
	}

	// The token, as the SDKs ask for it: a form body with the client's credentials.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID}, "client_secret": {secret}}
	res, err := http.Post(base+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || tok.AccessToken == "" || tok.ExpiresIn != int(cfg.TokenTTL.Seconds()) {
		t.Fatalf("token: %d %+v %v", res.StatusCode, tok, err)
	}

	code, h, body := get("/v2024/certifications?limit=1&count=true&filters=phase+eq+%22ACTIVE%22", tok.AccessToken)
	var certs []certsum.Certification
	if code != 200 || json.Unmarshal(body, &certs) != nil || len(certs) != 1 || h.Get("X-Total-Count") == "" {
		t.Fatalf("certifications: %d %s", code, body)
	}
	// A base URL with a trailing slash makes the SDKs ask for //v2024/...
	code, _, body = get("//v2024/certifications/"+certs[0].ID+"/decision-summary", tok.AccessToken)
	var sum certsum.DecisionSummary
	if code != 200 || json.Unmarshal(body, &sum) != nil {
		t.Fatalf("decision summary: %d %s", code, body)
	}
	total := sum.EntitlementDecisionsTotal + sum.AccessProfileDecisionsTotal + sum.RoleDecisionsTotal + sum.AccountDecisionsTotal
	if total != certs[0].DecisionsTotal {
		t.Errorf("decision summary counts %d items, the certification %d", total, certs[0].DecisionsTotal)
	}

	stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down in 30 s")
	}
	if !strings.Contains(logs.String(), "http request") {
		t.Errorf("no access log line:\n%s", logs.String())
	}
}

// demoDatabase makes a SQLite database of the demo organisation at that size, with the
// clients clients asks for (given the dataset), and closes it for a server to open.
func demoDatabase(t *testing.T, identities int, clients func(*certsum.Dataset) []auth.ClientSpec) (string, *certsum.Dataset, []auth.Credentials) {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "certsum.db")
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := demo.Generate(demo.Options{Identities: identities, Seed: 3, Now: time.Now()})
	if err := st.Load(ctx, ds, nil); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{Store: st, Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatal(err)
	}
	var creds []auth.Credentials
	for _, spec := range clients(ds) {
		c, secret, err := svc.CreateClient(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		creds = append(creds, auth.Credentials{Client: c, Secret: secret})
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db, ds, creds
}

// /readyz turns unhealthy, with the reason and Retry-After, as soon as the store cannot
// serve; here the store's connections are closed under it.
func TestReadyzReportsAStoreThatCannotServe(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := readyHandler(st, slog.New(slog.DiscardHandler))
	probe := func() (int, http.Header, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Header(), rec.Body.String()
	}
	if code, _, body := probe(); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Fatalf("a sound store: %d %s", code, body)
	}
	_ = st.Close()
	code, hdr, body := probe()
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(body, `"unavailable"`) {
		t.Fatalf("a closed store: %d %v %s", code, hdr, body)
	}
}

// TestDebugAddrServesTheProfilerOnLoopbackOnly runs Main with --debug-addr: the profiler
// answers there (and not on the API address), and a non-loopback address is refused.
func TestDebugAddrServesTheProfilerOnLoopbackOnly(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:6060", ":6060", "10.1.2.3:6060", "example.com:6060"} {
		cfg := defaultConfig()
		cfg.DebugAddr = bad
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--debug-addr") {
			t.Errorf("--debug-addr %s: Validate = %v, want a refusal", bad, err)
		}
	}
	cfg := defaultConfig()
	cfg.Addr, cfg.DebugAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Database = filepath.Join(t.TempDir(), "certsum.db")
	var logs bytes.Buffer
	m := NewMain(cfg, io.Discard, &logs)
	ready, debug := make(chan string, 1), make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	m.DebugReady = func(addr string) { debug <- addr }
	ctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	t.Cleanup(func() { _ = m.Close() })
	var api, dbg string
	for api == "" || dbg == "" {
		select {
		case api = <-ready:
		case dbg = <-debug:
		case err := <-errc:
			t.Fatalf("serve stopped: %v\n%s", err, logs.String())
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not become ready in 30 s")
		}
	}
	status := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := status("http://" + dbg + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("the profiler's index = %d %.200s", code, body)
	}
	if code, _ := status("http://" + api + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("the API address serves /debug/pprof/: %d", code)
	}
	stop()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + dbg + "/debug/pprof/"); err == nil {
		t.Error("the profiler still answers after shutdown")
	}
}
