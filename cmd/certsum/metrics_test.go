package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// TestMetricsAreServedAndCount runs Main with --metrics-addr over a small demo: the metrics
// listener answers without a token; /metrics on the API address wants an ORG_ADMIN token;
// requests, tokens, decisions, transactions, the pools and the read model are counted; the
// Grafana dashboard only uses metrics certsum exports.
func TestMetricsAreServedAndCount(t *testing.T) {
	ctx := context.Background()
	var cert certsum.Certification
	var item string
	db, _, creds := demoDatabase(t, 40, func(ds *certsum.Dataset) []auth.ClientSpec {
		for _, k := range ds.Campaigns {
			for _, c := range k.Certifications {
				if item != "" || c.Certification.Phase != certsum.PhaseActive || c.Certification.Reviewer.Type != certsum.TypeIdentity {
					continue
				}
				for _, it := range c.Items {
					if it.Decision == nil {
						cert, item = c.Certification, it.ID
						break
					}
				}
			}
		}
		if item == "" {
			t.Fatal("the demo has no undecided item of an active certification")
		}
		return []auth.ClientSpec{
			{Name: "admin", Identity: ds.Identities[0].ID, Levels: []string{certsum.LevelOrgAdmin}},
			{Name: "reviewer", Identity: cert.Reviewer.ID, Levels: []string{certsum.LevelUser}},
		}
	})
	admin, adminSecret := creds[0].Client, creds[0].Secret
	reviewer, reviewerSecret := creds[1].Client, creds[1].Secret

	cfg := defaultConfig()
	cfg.Addr, cfg.MetricsAddr, cfg.Database = "127.0.0.1:0", "127.0.0.1:0", db
	var logs bytes.Buffer
	m := NewMain(cfg, io.Discard, &logs)
	ready, metricsReady := make(chan string, 1), make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	m.MetricsReady = func(addr string) { metricsReady <- addr }
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }()
	t.Cleanup(func() { _ = m.Close() })
	var api, met string
	for api == "" || met == "" {
		select {
		case api = <-ready:
		case met = <-metricsReady:
		case err := <-errc:
			t.Fatalf("serve stopped: %v\n%s", err, logs.String())
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not become ready in 30 s")
		}
	}
	base := "http://" + api
	token := func(id, secret string) string {
		res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.NewDecoder(res.Body).Decode(&tok)
		return tok.AccessToken
	}
	do := func(method, path, tok, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	adminTok, revTok := token(admin.ID, adminSecret), token(reviewer.ID, reviewerSecret)
	if code, _ := do("POST", base+"/oauth/token", "", ""); code == 200 {
		t.Fatal("an empty token request was accepted")
	}
	do("GET", base+"/v2024/certifications/"+cert.ID+"/decision-summary", revTok, "")
	do("GET", base+"/v3/certifications/"+cert.ID+"/identity-summaries?limit=5", revTok, "")
	do("GET", base+"/v3/certifications/"+cert.ID+"/identity-summaries?limit=5", revTok, "")
	if code, body := do("POST", base+"/v2024/certifications/"+cert.ID+"/decide", revTok,
		`[{"id":"`+item+`","decision":"APPROVE","bulk":false}]`); code != 200 {
		t.Fatalf("decide: %d %s", code, body)
	}
	do("GET", base+"/v2024/nothing", revTok, "")

	// /metrics on the API address: ORG_ADMIN only.
	if code, _ := do("GET", base+"/metrics", "", ""); code != 401 {
		t.Errorf("/metrics without a token: %d", code)
	}
	if code, _ := do("GET", base+"/metrics", revTok, ""); code != 403 {
		t.Errorf("/metrics for a reviewer: %d", code)
	}
	code, viaAPI := do("GET", base+"/metrics", adminTok, "")
	if code != 200 || !strings.Contains(viaAPI, "certsum_http_requests_total") {
		t.Errorf("/metrics for an administrator: %d %.300s", code, viaAPI)
	}
	code, text := do("GET", "http://"+met+"/metrics", "", "")
	if code != 200 {
		t.Fatalf("metrics listener: %d", code)
	}
	value := func(series string) float64 {
		t.Helper()
		re := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`)
		m := re.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no series %s in /metrics", series)
			return 0
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	for series, want := range map[string]float64{
		`certsum_http_requests_total{method="GET",route="/v3/certifications/{id}/identity-summaries",status="200"}`: 2,
		`certsum_http_requests_total{method="POST",route="/v2024/certifications/{id}/decide",status="200"}`:         1,
		`certsum_http_requests_total{method="GET",route="unmatched",status="404"}`:                                  1,
		`certsum_http_requests_total{method="GET",route="/metrics",status="403"}`:                                   1,
		`certsum_tokens_total{outcome="issued"}`:                                                                    2,
		`certsum_tokens_total{outcome="failed"}`:                                                                    1,
		`certsum_decisions_total{decision="APPROVE"}`:                                                               1,
	} {
		if got := value(series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{
		`certsum_store_tx_duration_seconds_count{kind="write"}`,
		`certsum_store_tx_duration_seconds_count{kind="read"}`,
		`certsum_db_connections_max`,
		`certsum_readmodel_builds_total`,
		`certsum_readmodel_bytes`,
		`certsum_readmodel_hits_total`,
		`go_goroutines`,
		`process_open_fds`,
	} {
		if value(series) <= 0 {
			t.Errorf("%s is not positive", series)
		}
	}
	if !strings.Contains(text, `certsum_http_request_duration_seconds_bucket{method="POST",route="/v2024/certifications/{id}/decide",le="+Inf"} 1`) {
		t.Error("no latency histogram of decide")
	}

	// Every metric the Grafana dashboard queries is one certsum exports.
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)`).FindAllStringSubmatch(text, -1) {
		names[m[1]] = true
		if m[2] == "histogram" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[m[1]+s] = true
			}
		}
	}
	// Exported once there is something to report: a periodic verify, a failed transaction.
	for _, n := range []string{"certsum_verify_drift", "certsum_verify_runs_total", "certsum_verify_last_run_timestamp_seconds", "certsum_store_tx_errors_total"} {
		names[n] = true
	}
	dash, err := readDashboard()
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`\b(certsum_[a-z_]+|go_[a-z_]+|process_[a-z_]+)\b`).FindAllString(dash, -1)
	if len(used) < 10 {
		t.Fatalf("the dashboard queries %d metrics", len(used))
	}
	for _, n := range used {
		if !names[n] {
			t.Errorf("the Grafana dashboard queries %s, which certsum does not export", n)
		}
	}

	stop()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestVerifyEveryMustBeOffOrAtLeastAMinute(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, time.Second, 59 * time.Second} {
		cfg := defaultConfig()
		cfg.VerifyEvery = d
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--verify-every") {
			t.Errorf("--verify-every %s: %v", d, err)
		}
	}
	cfg := defaultConfig()
	cfg.NoMetrics, cfg.MetricsAddr = true, "127.0.0.1:0"
	if err := cfg.Validate(); err == nil {
		t.Error("--no-metrics with --metrics-addr was accepted")
	}
}

// readDashboard reads the Grafana dashboard shipped in docs/.
func readDashboard() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "grafana-certsum.json"))
	if err != nil {
		return "", err
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("docs/grafana-certsum.json is not JSON: %w", err)
	}
	return string(b), nil
}
