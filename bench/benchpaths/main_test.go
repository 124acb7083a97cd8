package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// TestBenchPathsWritesTheFiveShapes builds a small demo database, runs benchpaths
// on it and checks each file: the shape's line count, the largest certification in every
// path, count=true and 250-row pages sorted by name, the four identity filters and the
// access types, the first four pages, and spread offsets that stay inside each result.
func TestBenchPathsWritesTheFiveShapes(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "bench.db")
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Fill(ctx, st, demo.Options{Identities: 300, Seed: 2, Now: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}, nil); err != nil {
		t.Fatal(err)
	}
	largest, err := largestCertification(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "paths")
	var stdout bytes.Buffer
	if err := run(ctx, db, out, 7, &stdout); err != nil {
		t.Fatalf("benchpaths: %v", err)
	}
	if !strings.Contains(stdout.String(), largest.ID) {
		t.Errorf("output %q does not name the largest certification %s", stdout.String(), largest.ID)
	}
	want := map[string]int{"decision-summary.txt": 1, "identity-summary.txt": 512, "identity-summaries-first.txt": 16,
		"identity-summaries.txt": 64, "access-summaries.txt": 48}
	filters := map[string]bool{}
	types := map[string]bool{}
	for name, n := range want {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(lines) != n {
			t.Errorf("%s: %d lines, want %d", name, len(lines), n)
		}
		for _, l := range lines {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatalf("%s: %q: %v", name, l, err)
			}
			if !strings.HasPrefix(u.Path, "/certifications/"+largest.ID+"/") {
				t.Fatalf("%s: %q is not about certification %s", name, l, largest.ID)
			}
			if !strings.Contains(name, "summaries") {
				if u.RawQuery != "" {
					t.Errorf("%s: %q has a query", name, l)
				}
				continue
			}
			q := u.Query()
			if q.Get("count") != "true" || q.Get("limit") != "250" || !strings.HasSuffix(q.Get("sorters"), "name") {
				t.Errorf("%s: %q is not a counted 250-row page sorted by name", name, l)
			}
			off, err := strconv.Atoi(q.Get("offset"))
			if err != nil || off%250 != 0 || off < 0 {
				t.Errorf("%s: %q: offset %q is not a page boundary", name, l, q.Get("offset"))
			}
			if name == "access-summaries.txt" {
				types[u.Path[strings.LastIndex(u.Path, "/")+1:]] = true
				if _, err := certsum.ParseFilter(q.Get("filters"), certsum.AccessSummarySchema); err != nil {
					t.Errorf("%s: %q: %v", name, l, err)
				}
				continue
			}
			filters[q.Get("filters")] = true
			if _, err := certsum.ParseFilter(q.Get("filters"), certsum.IdentitySummarySchema); err != nil {
				t.Errorf("%s: %q: %v", name, l, err)
			}
			if name == "identity-summaries-first.txt" && off > 750 || name == "identity-summaries.txt" && off >= max(largest.IdentitiesTotal, 250) {
				t.Errorf("%s: %q: offset past the %d identity summaries", name, l, largest.IdentitiesTotal)
			}
		}
	}
	for _, f := range []string{"", "completed eq false", `name sw "J"`, `completed eq true and name sw "M"`} {
		if !filters[f] {
			t.Errorf("no identity summary page with filter %q", f)
		}
	}
	if len(types) != 3 || !types["ROLE"] || !types["ACCESS_PROFILE"] || !types["ENTITLEMENT"] {
		t.Errorf("access summary types %v, want ROLE, ACCESS_PROFILE and ENTITLEMENT", types)
	}
}
