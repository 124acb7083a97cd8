package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
	"github.com/certsum/certsum/internal/ui"
)

// BenchmarkPages renders each dashboard page over the demo fixture of
// CERTSUM_BENCH_IDENTITIES identities (100,000 by default; the database is built once in
// the system's temporary folder) and reports the median render time (p50-ms) of each, for an
// administrator:
//
//	go test -run '^$' -bench Pages -benchtime 50x ./internal/ui/
func BenchmarkPages(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CERTSUM_BENCH_IDENTITIES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("certsum-ui-bench-%d.db", n))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		_ = os.Remove(tmp)
		st, err := sqlite.Open(ctx, tmp, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Load(ctx, demo.Generate(demo.Options{Identities: n, Seed: 1}), nil); err != nil {
			b.Fatal(err)
		}
		st.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := auth.New(auth.Options{Store: st, Issuer: "http://certsum.bench", Sealer: auth.EphemeralSealer(), TenantID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	admin, err := svc.EnsureAdminIdentity(ctx)
	if err != nil {
		b.Fatal(err)
	}
	client, secret, err := svc.CreateClient(ctx, auth.ClientSpec{Name: "bench", Identity: admin.ID, Levels: []string{certsum.LevelOrgAdmin}})
	if err != nil {
		b.Fatal(err)
	}
	h, err := ui.New(ui.Options{Store: st, Auth: svc, IdleTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	// Sign in as a browser would.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/signin", nil))
	form := rec.Body.String()
	token := csrfField.FindStringSubmatch(form)[1]
	req := httptest.NewRequest("POST", "/ui/signin", strings.NewReader(url.Values{"csrf": {token}, "client_id": {client.ID},
		"client_secret": {secret}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "certsum_session" {
			session = c
		}
	}
	if session == nil {
		b.Fatalf("sign-in gave no session: %d %s", rec.Code, rec.Body)
	}

	// The pages: the campaign with the most certifications, its largest certification.
	ks, err := st.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		b.Fatal(err)
	}
	var k certsum.Campaign
	for _, c := range ks.Items {
		if c.TotalCertifications > k.TotalCertifications {
			k = c
		}
	}
	var largest certsum.Certification
	for off := 0; ; off += certsum.MaxLimit {
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range p.Items {
			if c.DecisionsTotal > largest.DecisionsTotal {
				largest = c
			}
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	sums, err := st.ListIdentitySummaries(ctx, largest.ID, certsum.ListQuery{Limit: 1})
	if err != nil || len(sums.Items) == 0 {
		b.Fatal(err)
	}
	b.Logf("campaign %s (%d certifications); certification %s (%d items)", k.Name, k.TotalCertifications, largest.Name,
		largest.DecisionsTotal)
	for _, p := range []struct{ name, path string }{
		{"campaigns", "/ui/campaigns"},
		{"campaign", "/ui/campaigns/" + k.ID},
		{"campaign by percent, page 3", "/ui/campaigns/" + k.ID + "?sort=percent&offset=100"},
		{"certification identities", "/ui/certifications/" + largest.ID},
		{"certification entitlements", "/ui/certifications/" + largest.ID + "?tab=entitlements"},
		{"identity", "/ui/certifications/" + largest.ID + "/identities/" + sums.Items[0].ID},
		{"evidence preview", "/ui/evidence?campaignId=" + k.ID},
	} {
		b.Run(p.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", p.path, nil)
				req.AddCookie(session)
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				times = append(times, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%.500s", p.path, rec.Code, rec.Body)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
