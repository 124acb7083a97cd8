package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// runServeOnce runs `serve` with cfg until it is ready, then stops it, and returns what it
// printed on stdout and logged on stderr.
func runServeOnce(t *testing.T, cfg Config) (stdout, stderr string) {
	t.Helper()
	var out, logs bytes.Buffer
	m := NewMain(cfg, &out, &logs)
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	ctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatalf("serve stopped before it was ready: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not become ready in 60 s")
	}
	stop()
	if err := <-errc; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String(), logs.String()
}

// serve --demo loads the demo and mints its clients once; later starts on the same database
// mint nothing and say how to create a client.
func TestServeDemoMintsClientsOnlyWhenItLoadsTheDemo(t *testing.T) {
	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = filepath.Join(t.TempDir(), "certsum.db")
	cfg.Demo = true
	cfg.DemoSize = 40
	cfg.LogLevel = "info"

	stdout, logs := runServeOnce(t, cfg)
	if !strings.Contains(stdout, "SAIL_CLIENT_SECRET=") {
		t.Fatalf("the first start printed no credentials:\n%s", stdout)
	}
	if n := strings.Count(logs, "client created"); n != 0 {
		t.Errorf("the first start logged %d per-client lines, want one summary line", n)
	}
	if n := strings.Count(logs, "demo clients created"); n != 1 {
		t.Errorf("the first start logged the summary line %d times, want 1:\n%s", n, logs)
	}
	clientsAfterFirst := countClients(t, cfg.Database)

	for i := 0; i < 3; i++ {
		stdout, _ = runServeOnce(t, cfg)
		if strings.Contains(stdout, "SAIL_CLIENT_SECRET=") {
			t.Errorf("restart %d printed a secret:\n%s", i+1, stdout)
		}
		if !strings.Contains(stdout, "certsum clients create --db "+cfg.Database+" --level ORG_ADMIN") {
			t.Errorf("restart %d does not say how to create a client:\n%s", i+1, stdout)
		}
	}
	if n := countClients(t, cfg.Database); n != clientsAfterFirst {
		t.Errorf("three restarts left %d clients, want the %d of the first start", n, clientsAfterFirst)
	}
}

func countClients(t *testing.T, db string) int {
	t.Helper()
	var cs []certsum.OAuthClient
	var err error
	withSQLite(t, db, func(st *sqlite.Store) { cs, err = st.ListClients(context.Background()) })
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}
