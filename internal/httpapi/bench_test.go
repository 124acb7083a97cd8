package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// Benchmark database: the demo organisation at benchIdentities identities, built once and
// kept under os.TempDir() keyed by seed and size (or taken from CERTSUM_BENCH_DB), because
// building it takes far longer than any benchmark. CERTSUM_BENCH_IDENTITIES overrides the size.
const (
	benchSeed       = 1
	benchIdentities = 100_000
)

var (
	benchOnce sync.Once
	benchEnv  *benchState
	benchErr  error
)

type benchState struct {
	e       *env
	token   string
	certID  string // the certification with the most review items
	summary string // one identity summary of it
	idents  int    // its identity summaries
}

// mustBenchDB returns the path of the benchmark database, building it when missing.
func mustBenchDB(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("CERTSUM_BENCH_DB"); p != "" {
		return p
	}
	size := benchIdentities
	if s := os.Getenv("CERTSUM_BENCH_IDENTITIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			b.Fatalf("CERTSUM_BENCH_IDENTITIES=%q is not a size of at least 10", s)
		}
		size = n
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("certsum-bench-seed%d-%d.db", benchSeed, size))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("building the %d-identity benchmark database at %s (once)", size, path)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	ctx := context.Background()
	st, err := sqlite.Open(ctx, tmp, sqlite.Options{})
	if err != nil {
		b.Fatalf("open %s: %v", tmp, err)
	}
	if err := st.Load(ctx, demo.Generate(demo.Options{Identities: size, Seed: benchSeed, Now: fixtureNow}), nil); err != nil {
		_ = st.Close()
		b.Fatalf("load: %v", err)
	}
	if err := st.Close(); err != nil {
		b.Fatalf("close: %v", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(tmp + suffix)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatalf("rename: %v", err)
	}
	b.Logf("built in %s", time.Since(start).Round(time.Second))
	return path
}

// mustBench opens the benchmark database once per test binary and finds the largest
// certification.
func mustBench(b *testing.B) *benchState {
	b.Helper()
	benchOnce.Do(func() {
		path := mustBenchDB(b)
		ctx := context.Background()
		clock := &testClock{now: time.Now()}
		st, err := sqlite.Open(ctx, path, sqlite.Options{Now: clock.Now})
		if err != nil {
			benchErr = err
			return
		}
		e := mustEnvOn(b, st, clock, envOptions{})
		e.contract = nil // benchmarks measure the handler, not the validator
		bs := &benchState{e: e}
		most, reviewer := -1, ""
		for off := 0; ; off += certsum.MaxLimit {
			p, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
			if err != nil {
				benchErr = err
				return
			}
			for _, c := range p.Items {
				if c.Reviewer.Type == certsum.TypeIdentity && c.DecisionsTotal > most {
					bs.certID, most, reviewer = c.ID, c.DecisionsTotal, c.Reviewer.ID
				}
			}
			if len(p.Items) < certsum.MaxLimit {
				break
			}
		}
		sums, err := st.ListIdentitySummaries(ctx, bs.certID, certsum.ListQuery{Limit: 1, Count: true})
		if err != nil || len(sums.Items) == 0 {
			benchErr = fmt.Errorf("identity summaries of %s: %v", bs.certID, err)
			return
		}
		bs.summary, bs.idents = sums.Items[0].ID, sums.Total
		// An ORG_ADMIN token: admins take the shortest authorization path, like the
		// dashboards and reporting jobs that read summaries most.
		bs.token = e.mustToken(reviewer, []string{certsum.LevelOrgAdmin})
		benchEnv = bs
	})
	if benchErr != nil {
		b.Fatalf("benchmark setup: %v", benchErr)
	}
	return benchEnv
}

// runBench serves target through the handler b.N times, failing on any status but 200.
func runBench(b *testing.B, target string) {
	bs := mustBench(b)
	b.Logf("certification %s with %d identity summaries", bs.certID, bs.idents)
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "Bearer "+bs.token)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		bs.e.handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
}

func BenchmarkDecisionSummary(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/decision-summary"))
}

func BenchmarkIdentitySummary(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/identity-summaries/", bs.summary))
}

func BenchmarkIdentitySummariesFirstPage(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/identity-summaries?limit=250&offset=0&sorters=name"))
}

func BenchmarkIdentitySummariesDeepPage(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, fmt.Sprintf("/identity-summaries?limit=250&offset=%d&sorters=name", bs.idents/2)))
}

func BenchmarkIdentitySummariesOpenWithCount(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/identity-summaries?limit=250&count=true&filters=completed%20eq%20false"))
}

func BenchmarkAccessSummariesEntitlement(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/access-summaries/ENTITLEMENT?limit=250&sorters=access.name"))
}

func BenchmarkAccessSummariesRoleOpen(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/access-summaries/ROLE?limit=250&filters=completed%20eq%20false"))
}

func BenchmarkAccessSummariesAccessProfile(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/access-summaries/ACCESS_PROFILE?limit=250&count=true"))
}

// The same answer on v3, where the owners' null emails are left out (generations_table.go):
// the rewrite's cost over BenchmarkAccessSummariesEntitlement and BenchmarkReviewItemsPage.
func BenchmarkAccessSummariesEntitlementV3(b *testing.B) {
	bs := mustBench(b)
	runBench(b, "/v3"+strings.TrimPrefix(certPath(bs.certID, "/access-summaries/ENTITLEMENT?limit=250&sorters=access.name"), v))
}

func BenchmarkReviewItemsPage(b *testing.B) {
	bs := mustBench(b)
	runBench(b, certPath(bs.certID, "/access-review-items?limit=250"))
}

func BenchmarkReviewItemsPageV3(b *testing.B) {
	bs := mustBench(b)
	runBench(b, "/v3"+strings.TrimPrefix(certPath(bs.certID, "/access-review-items?limit=250"), v))
}

// BenchmarkRewriteReviewItemsPage is the rewrite alone, on v2024's answer of
// BenchmarkReviewItemsPage, with v3's rules.
func BenchmarkRewriteReviewItemsPage(b *testing.B) {
	bs := mustBench(b)
	req := httptest.NewRequest("GET", certPath(bs.certID, "/access-review-items?limit=250"), nil)
	req.Header.Set("Authorization", "Bearer "+bs.token)
	rec := httptest.NewRecorder()
	bs.e.handler.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	rules := ruleTree(generationByName("v3").ops["listIdentityAccessReviewItems"].rules)
	dst := make([]byte, 0, len(body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rewriteJSON(dst, body, rules); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChainOverhead measures what every /v2024 request pays before a handler runs:
// request id, access log, recovery, bearer-token verification, rate limit and the scope
// gate, answered with the 404 of an unknown path (an ErrorResponseDto). It needs no large
// database.
func BenchmarkChainOverhead(b *testing.B) {
	e := mustEnv(b, fixtureDataset(), envOptions{limit: 1 << 30})
	tok := e.mustToken(idMia, []string{certsum.LevelUser})
	req := httptest.NewRequest("GET", v+"/no-such-route", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		if rec.Code != 404 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
