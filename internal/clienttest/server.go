package clienttest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/lifecycle"
	"github.com/certsum/certsum/internal/ratelimit"
	"github.com/certsum/certsum/internal/store/sqlite"
	"github.com/certsum/certsum/internal/ui"
)

// Epoch is the fixed instant the server clock starts at and the datasets' times derive from.
var Epoch = time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu        sync.Mutex
	now       time.Time
	onAdvance func()
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d; with Options.Deadlines, the deadline job runs right
// after.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	f := c.onAdvance
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// Options configures Start.
type Options struct {
	// Dataset is loaded into the store; nil means Paging().
	Dataset *certsum.Dataset
	// Fill, when set, fills the fresh store in place of Dataset (now is the clock's start).
	Fill func(ctx context.Context, st *sqlite.Store, now time.Time) error
	// Now is where the clock starts; zero means Epoch.
	Now time.Time
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Deadlines runs the deadline job, woken by every Clock.Advance, as `certsum serve` runs
	// it; otherwise only campaign generation runs in the background.
	Deadlines bool
	// TokenTTL is the lifetime of issued tokens; 0 means 12 hours.
	TokenTTL time.Duration
	// RateLimit is the number of /v2024 requests per 10 seconds per client; 0 is off.
	RateLimit int
}

// Server is the real API on a loopback httptest server.
type Server struct {
	// URL is the base URL, as SAIL_BASE_URL would be.
	URL string
	// HTTP is the httptest server; HTTP.Client() talks to it.
	HTTP *httptest.Server
	// Store is the SQLite store behind the API.
	Store *sqlite.Store
	// Auth issues and verifies the tokens.
	Auth *auth.Service
	// Clock is the server's clock (store, tokens, handler).
	Clock *Clock
	// ClientID and Secret are the credentials of an ORG_ADMIN personal access token of
	// identity Admin: AdminID, or, for a dataset without it, certsum's built-in administrator.
	ClientID, Secret, Admin string

	tokenRequests atomic.Int64
	apiRequests   atomic.Int64
	mu            sync.Mutex
	faults        []Fault
	requests      []string
}

// Fault is an answer served instead of the real handler's to a matching request.
type Fault struct {
	// Method and PathPrefix select requests (empty matches any).
	Method, PathPrefix string
	// Status is the status to answer with (429, 503…).
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Body is the JSON body; empty means the body certsum sends for that status.
	Body string
}

// Start runs the API over a fresh store loaded with o.Dataset and registers an ORG_ADMIN
// client. Everything is closed when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	ctx := context.Background()
	ttl := o.TokenTTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	now := o.Now
	if now.IsZero() {
		now = Epoch
	}
	clock := NewClock(now.UTC())
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	path := filepath.Join(t.TempDir(), "certsum.db")
	if o.Fill == nil {
		ds := o.Dataset
		if ds == nil {
			ds = Paging()
		}
		if err := writeLoaded(ctx, path, ds); err != nil {
			t.Fatalf("load dataset: %v", err)
		}
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Now: clock.Now, Logger: logger})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if o.Fill != nil {
		if err := o.Fill(ctx, st, clock.Now()); err != nil {
			t.Fatalf("fill the store: %v", err)
		}
	}
	svc, err := auth.New(auth.Options{Store: st, Issuer: "http://certsum.test", TokenTTL: ttl,
		Now: clock.Now, Logger: logger, TenantID: "test", Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	var limiter ratelimit.Limiter
	if o.RateLimit > 0 {
		limiter = ratelimit.NewMemory(o.RateLimit, 10*time.Second, clock.Now)
	}
	every := time.Duration(-1)
	if o.Deadlines {
		every = 0
	}
	runner := lifecycle.New(st, lifecycle.Options{Logger: logger, Every: every})
	t.Cleanup(runner.Close)
	if err := runner.Resume(ctx); err != nil {
		t.Fatalf("resume campaign generation: %v", err)
	}
	if o.Deadlines {
		clock.mu.Lock()
		clock.onAdvance = runner.Wake
		clock.mu.Unlock()
	}
	dashboard, err := ui.New(ui.Options{Store: st, Auth: svc, Now: clock.Now, Logger: logger})
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	api := httpapi.New(httpapi.Options{Store: st, Auth: svc, Limiter: limiter, Logger: logger, Now: clock.Now, Runner: runner,
		UI: dashboard})
	s := &Server{Store: st, Auth: svc, Clock: clock}
	s.HTTP = httptest.NewServer(s.front(api))
	t.Cleanup(s.HTTP.Close)
	s.URL = s.HTTP.URL
	s.Admin = AdminID
	if _, err := st.FindIdentity(ctx, AdminID); certsum.ErrorCode(err) == certsum.CodeNotFound {
		// A dataset of another origin (the demo organisation): use certsum's own administrator.
		id, err := svc.EnsureAdminIdentity(ctx)
		if err != nil {
			t.Fatalf("ensure an administrator: %v", err)
		}
		s.Admin = id.ID
	}
	s.ClientID, s.Secret = s.NewClient(t, s.Admin, certsum.LevelOrgAdmin)
	return s
}

// NewClient registers a personal access token of identity with the given user levels and
// returns its credentials.
func (s *Server) NewClient(t testing.TB, identity string, levels ...string) (id, secret string) {
	t.Helper()
	c, secret, err := s.Auth.CreateClient(context.Background(), auth.ClientSpec{
		Name: "clienttest", Identity: identity, Levels: levels})
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	return c.ID, secret
}

// Inject queues faults: each one answers the next request it matches, once, in place of
// the real handler.
func (s *Server) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// TokenRequests returns how many requests reached /oauth/token.
func (s *Server) TokenRequests() int { return int(s.tokenRequests.Load()) }

// APIRequests returns how many requests reached /v2024 (faults included).
func (s *Server) APIRequests() int { return int(s.apiRequests.Load()) }

// Requests returns "METHOD path?query" of every /v2024 request so far, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// front counts requests and serves queued faults before the real handler.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			s.tokenRequests.Add(1)
		}
		if strings.HasPrefix(r.URL.Path, "/v2024/") {
			s.apiRequests.Add(1)
			s.mu.Lock()
			line := r.Method + " " + r.URL.Path
			if r.URL.RawQuery != "" {
				line += "?" + r.URL.RawQuery
			}
			s.requests = append(s.requests, line)
			s.mu.Unlock()
		}
		if f, ok := s.takeFault(r); ok {
			w.Header().Set("Content-Type", "application/json")
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			body := f.Body
			if body == "" {
				switch f.Status {
				case http.StatusTooManyRequests:
					body = `{"message":" Rate Limit Exceeded "}`
				case http.StatusUnauthorized:
					body = `{"error":"JWT validation failed: JWT is expired"}`
				default:
					body = `{"detailCode":"503 Service Unavailable","trackingId":"` + certsum.NewID() +
						`","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"The service is temporarily unavailable; retry later."}],"causes":[]}`
				}
			}
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(body))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return Fault{}, false
}

// loaded caches, per dataset, the files of a SQLite database with the dataset loaded: most
// of the cost of Start (migrations and the load) is paid once per test binary, and each
// server starts from a byte-identical copy.
var loaded struct {
	mu    sync.Mutex
	files map[[32]byte]map[string][]byte // dataset digest → file suffix ("", "-wal") → content
}

// writeLoaded writes at path a database holding ds.
func writeLoaded(ctx context.Context, path string, ds *certsum.Dataset) error {
	raw, err := json.Marshal(ds)
	if err != nil {
		return err
	}
	key := sha256.Sum256(raw)
	loaded.mu.Lock()
	defer loaded.mu.Unlock()
	files, ok := loaded.files[key]
	if !ok {
		dir, err := os.MkdirTemp("", "certsum-clienttest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		tmpl := filepath.Join(dir, "certsum.db")
		// The template is loaded at Epoch so that every copy has the same times.
		st, err := sqlite.Open(ctx, tmpl, sqlite.Options{Now: func() time.Time { return Epoch }})
		if err != nil {
			return err
		}
		if err := st.Load(ctx, ds, nil); err != nil {
			st.Close()
			return err
		}
		if err := st.Close(); err != nil {
			return err
		}
		files = map[string][]byte{}
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(tmpl + suffix)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			files[suffix] = b
		}
		if loaded.files == nil {
			loaded.files = map[[32]byte]map[string][]byte{}
		}
		loaded.files[key] = files
	}
	for suffix, b := range files {
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}
