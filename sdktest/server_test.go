package sdktest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// demoOptions is the dataset every test serves: small enough to load in about a second,
// large enough for a source-owner certification with more than one default page of items.
var demoOptions = demo.Options{Identities: 300, Seed: 7}

// server is a real certsum API on a loopback listener, with the store behind it for
// checking what the SDK decoded, and a front handler that records requests and can answer
// a chosen request with a fault instead of certsum.
type server struct {
	URL   string
	Store *sqlite.Store
	Auth  *auth.Service
	// Admin is an ORG_ADMIN personal access token of certsum's built-in administrator.
	Admin auth.Credentials
	// Reviewers are USER tokens, one per identity reviewer of an active certification, in
	// the order mustActiveReviewers found them (most review items first).
	Reviewers []auth.Credentials

	tokenRequests atomic.Int64
	mu            sync.Mutex
	requests      []recorded
	faults        []fault
}

// recorded is one request that reached the server.
type recorded struct {
	Method, Path, RawQuery, UserAgent, Authorization string
}

// fault is an answer given in place of certsum's to the next request matching method and
// path prefix.
type fault struct {
	method, pathPrefix string
	status             int
	retryAfter         string
	body               string
}

// mustStartServer serves certsum over a fresh SQLite file loaded with the demo dataset and
// registers an administrator client and one client per active identity reviewer.
func mustStartServer(t testing.TB) *server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open SQLite store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := demo.Fill(ctx, st, demoOptions, nil); err != nil {
		t.Fatalf("load demo dataset: %v", err)
	}
	svc, err := auth.New(auth.Options{Store: st, Issuer: "certsum", TokenTTL: time.Hour, Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	s := &server{Store: st, Auth: svc}
	if s.Admin, err = svc.CreateAdminClient(ctx, "sdk", nil); err != nil {
		t.Fatalf("create admin client: %v", err)
	}
	reviewers := mustActiveReviewers(t, st)
	creds, err := svc.CreateDemoClients(ctx, reviewers)
	if err != nil {
		t.Fatalf("create reviewer clients: %v", err)
	}
	s.Reviewers = creds[1:] // creds[0] is another administrator token
	api := httpapi.New(httpapi.Options{Store: st, Auth: svc})
	hs := httptest.NewServer(s.front(api))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// mustActiveReviewers returns the identity reviewers of ACTIVE certifications, those with
// the most review items first, so that the first reviewer has work worth paging through.
func mustActiveReviewers(t testing.TB, st certsum.Store) []string {
	t.Helper()
	var certs []certsum.Certification
	for offset := 0; ; offset += certsum.MaxLimit {
		page, err := st.ListCertifications(context.Background(), certsum.CertificationFilter{},
			certsum.ListQuery{Limit: certsum.MaxLimit, Offset: offset})
		if err != nil {
			t.Fatalf("list certifications: %v", err)
		}
		certs = append(certs, page.Items...)
		if len(page.Items) < certsum.MaxLimit {
			break
		}
	}
	// Stable order: most items first, then id.
	sortCerts(certs)
	var ids []string
	seen := map[string]bool{}
	for _, c := range certs {
		if c.Phase == certsum.PhaseActive && c.Reviewer.Type == certsum.TypeIdentity && !seen[c.Reviewer.ID] {
			seen[c.Reviewer.ID] = true
			ids = append(ids, c.Reviewer.ID)
		}
	}
	if len(ids) < 2 {
		t.Fatalf("the demo dataset has %d active identity reviewers; the tests need two", len(ids))
	}
	return ids
}

// inject queues faults; each answers the next request it matches, once.
func (s *server) inject(f ...fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// tokenCount returns how many requests reached POST /oauth/token.
func (s *server) tokenCount() int { return int(s.tokenRequests.Load()) }

// since returns the requests recorded after the first n.
func (s *server) since(n int) []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > len(s.requests) {
		return nil
	}
	return append([]recorded(nil), s.requests[n:]...)
}

// requestCount returns how many requests were recorded so far.
func (s *server) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// front records every request and serves queued faults before certsum's handler.
func (s *server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimLeft(r.URL.Path, "/") == "oauth/token" {
			s.tokenRequests.Add(1)
		}
		s.mu.Lock()
		s.requests = append(s.requests, recorded{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			UserAgent: r.UserAgent(), Authorization: r.Header.Get("Authorization")})
		var f *fault
		for i := range s.faults {
			if (s.faults[i].method == "" || s.faults[i].method == r.Method) && strings.HasPrefix(r.URL.Path, s.faults[i].pathPrefix) {
				ff := s.faults[i]
				f = &ff
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
	})
}

// sortCerts orders certifications by review items, most first, then by id.
func sortCerts(certs []certsum.Certification) {
	sort.Slice(certs, func(i, j int) bool {
		if certs[i].DecisionsTotal != certs[j].DecisionsTotal {
			return certs[i].DecisionsTotal > certs[j].DecisionsTotal
		}
		return certs[i].ID < certs[j].ID
	})
}
