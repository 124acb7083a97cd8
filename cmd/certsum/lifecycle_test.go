package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// serveImported imports docs/import/example into a fresh database, registers an ORG_ADMIN
// token for ada, and runs `certsum serve` on it with cfg's clock settings.
func serveImported(t *testing.T, tune func(*Config)) (base string, call func(method, path string, body any) (int, []byte)) {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "certsum.db")
	if _, _, err := runRootErr(t, "import", "--db", db, filepath.Join("..", "..", "docs", "import", "example")); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{Store: st, Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatal(err)
	}
	client, secret, err := svc.CreateClient(ctx, auth.ClientSpec{Identity: "ada", Levels: []string{certsum.LevelOrgAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	cfg := defaultConfig()
	cfg.Addr, cfg.Database = "127.0.0.1:0", db
	tune(&cfg)
	var logs bytes.Buffer
	m := NewMain(cfg, io.Discard, &logs)
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-errc; _ = m.Close() })
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-errc:
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready")
	}
	token := func() string {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID}, "client_secret": {secret}}
		res, err := http.Post(base+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	call = func(method, path string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token()) // a fresh token: moving the clock expires old ones
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	return base, call
}

// campaignStatus polls a campaign until its status is one of want.
func campaignStatus(t *testing.T, call func(string, string, any) (int, []byte), id string, want ...certsum.CampaignStatus) certsum.Campaign {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		code, b := call("GET", "/v2024/campaigns/"+id+"?detail=FULL", nil)
		var k certsum.Campaign
		if code != 200 || json.Unmarshal(b, &k) != nil {
			t.Fatalf("GET campaign: %d %s", code, b)
		}
		for _, w := range want {
			if k.Status == w {
				return k
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s is %s, want %v", id, k.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTheTestClockDrivesDeadlinesAndAutomaticCompletion(t *testing.T) {
	_, call := serveImported(t, func(c *Config) { c.TestClock, c.ClockOffset = true, 24*time.Hour })
	code, b := call("GET", "/certsum/v1/clock", nil)
	var clock struct {
		Now     certsum.Time `json:"now"`
		Offset  string       `json:"offset"`
		Movable bool         `json:"movable"`
	}
	if code != 200 || json.Unmarshal(b, &clock) != nil || clock.Offset != "24h0m0s" || !clock.Movable ||
		clock.Now.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("GET clock: %d %s", code, b)
	}
	// A deadline two days from certsum's now, with automatic revocation allowed.
	deadline := certsum.NewTime(clock.Now.Add(48 * time.Hour))
	code, b = call("POST", "/v2024/campaigns", map[string]any{"name": "Managers", "description": nil, "type": "MANAGER",
		"deadline": deadline, "autoRevokeAllowed": true})
	var k certsum.Campaign
	if code != 202 || json.Unmarshal(b, &k) != nil {
		t.Fatalf("create: %d %s", code, b)
	}
	campaignStatus(t, call, k.ID, certsum.StatusStaged)
	if code, b := call("POST", "/v2024/campaigns/"+k.ID+"/activate", map[string]any{}); code != 202 {
		t.Fatalf("activate: %d %s", code, b)
	}
	if code, b := call("POST", "/certsum/v1/clock", map[string]string{"advance": "-1h"}); code != 400 {
		t.Errorf("moving back: %d %s", code, b)
	}
	// Three days later the deadline has passed: the deadline job completes the campaign,
	// revoking what nobody decided.
	if code, b := call("POST", "/certsum/v1/clock", map[string]string{"advance": "72h"}); code != 200 || !strings.Contains(string(b), `"offset":"96h0m0s"`) {
		t.Fatalf("advance: %d %s", code, b)
	}
	done := campaignStatus(t, call, k.ID, certsum.StatusCompleted)
	if done.CompletedCertifications != done.TotalCertifications {
		t.Errorf("completed campaign: %d of %d certifications signed", done.CompletedCertifications, done.TotalCertifications)
	}
	code, b = call("GET", "/v2024/certifications", nil)
	var certs []certsum.Certification
	if code != 200 || json.Unmarshal(b, &certs) != nil || len(certs) != 1 {
		t.Fatalf("certifications: %d %s", code, b)
	}
	code, b = call("GET", "/v2024/certifications/"+certs[0].ID+"/decision-summary", nil)
	var sum certsum.DecisionSummary
	if code != 200 || json.Unmarshal(b, &sum) != nil || sum.RolesRevoked+sum.EntitlementsRevoked != 2 {
		t.Errorf("after automatic completion: %d %s, want both items revoked", code, b)
	}
}

func TestTheClockStaysPutWithoutTestClock(t *testing.T) {
	_, call := serveImported(t, func(c *Config) {})
	if code, b := call("POST", "/certsum/v1/clock", map[string]string{"advance": "1h"}); code != 403 || !strings.Contains(string(b), "--test-clock") {
		t.Errorf("moving the clock of a server without --test-clock: %d %s", code, b)
	}
}
