package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRefusesWhatItMustNot: the writer talks to loopback addresses only and refuses bounds
// outside its limits before sending anything.
func TestRefusesWhatItMustNot(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, base string
		decisions  int
		every, dur time.Duration
		want       string
	}{
		{"remote host", "http://example.com", 250, time.Second, time.Minute, "loopback"},
		{"too many decisions", "http://127.0.0.1:1", 251, time.Second, time.Minute, "-decisions"},
		{"unbounded", "http://127.0.0.1:1", 250, time.Second, 2 * time.Hour, "-duration"},
		{"too fast", "http://127.0.0.1:1", 250, time.Millisecond, time.Minute, "-every"},
	} {
		err := run(c.base, tok, "cert", c.decisions, c.every, 10, c.dur)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %s", c.name, err, c.want)
		}
	}
}

// TestDecidesAndStops runs the writer against a stand-in API: it reads items, sends batches of
// decisions that approve one pass over the items and revoke the next, with the bearer token,
// and stops by itself when its duration is over.
func TestDecidesAndStops(t *testing.T) {
	var mu sync.Mutex
	var batches [][]decision
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/certifications/c1"):
			_, _ = w.Write([]byte(`{"decisionsTotal": 4}`))
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/access-review-items"):
			_, _ = w.Write([]byte(`[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]`))
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/decide"):
			var ds []decision
			if err := json.NewDecoder(r.Body).Decode(&ds); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			mu.Lock()
			batches = append(batches, ds)
			mu.Unlock()
			_, _ = w.Write([]byte(`{}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := run(srv.URL, tok, "c1", 2, 20*time.Millisecond, 4, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the writer ran %s past its 300ms", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) < 4 {
		t.Fatalf("%d batches sent, want at least 4", len(batches))
	}
	want := []string{"APPROVE", "APPROVE", "REVOKE", "REVOKE"}
	for i, b := range batches[:4] {
		if len(b) != 2 || b[0].Decision != want[i] || b[1].Decision != want[i] || b[0].Comments == "" {
			t.Errorf("batch %d = %+v, want two %s decisions with comments", i, b, want[i])
		}
	}
	if batches[0][0].ID != "a" || batches[1][0].ID != "c" || batches[2][0].ID != "a" {
		t.Errorf("batches do not cycle over the items: %+v", batches[:3])
	}
}
