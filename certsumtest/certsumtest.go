// Package certsumtest runs a real certsum in-process for a Go test: the API (every route
// certsum serves, with its token endpoint), the dashboard, background campaign generation and
// deadlines, over a fresh SQLite file in the test's temporary folder, with a clock the test
// moves. Point any SailPoint SDK at Server.URL with the credentials it hands back:
//
//	srv := certsumtest.New(t, certsumtest.Demo(200))
//	t.Setenv("SAIL_BASE_URL", srv.URL)
//	t.Setenv("SAIL_CLIENT_ID", srv.Admin.ClientID)
//	t.Setenv("SAIL_CLIENT_SECRET", srv.Admin.ClientSecret)
//
// Everything is stopped and removed when the test ends.
package certsumtest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/clienttest"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// DefaultNow is where the server's clock starts unless At says otherwise.
var DefaultNow = time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)

// Option configures New.
type Option func(*config)

type config struct {
	demo      int
	inventory *certsum.InventoryInput
	now       time.Time
	tokenTTL  time.Duration
	logger    *slog.Logger
}

// Demo fills the server with the demo organisation of that many identities (at least 100),
// its four campaigns included, built through the import and the campaign engine as
// `certsum serve --demo` builds it, anchored at the clock's start.
func Demo(identities int) Option { return func(c *config) { c.demo = identities } }

// Inventory imports an inventory (certsum's import model, docs/import.md) into the server,
// with no campaign: the test creates those it needs.
func Inventory(in *certsum.InventoryInput) Option { return func(c *config) { c.inventory = in } }

// At starts the server's clock at t (DefaultNow otherwise).
func At(t time.Time) Option { return func(c *config) { c.now = t } }

// TokenTTL sets how long issued tokens live (12 hours otherwise).
func TokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// Logger sends the server's log there (discarded otherwise).
func Logger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Credentials are a client's id and secret, as SAIL_CLIENT_ID and SAIL_CLIENT_SECRET.
type Credentials struct {
	ClientID, ClientSecret string
	// IdentityID is the identity the client acts for.
	IdentityID string
}

// Env returns the three variables the SailPoint SDKs read, for these credentials on srv.
func (c Credentials) Env(srv *Server) []string {
	return []string{"SAIL_BASE_URL=" + srv.URL, "SAIL_CLIENT_ID=" + c.ClientID, "SAIL_CLIENT_SECRET=" + c.ClientSecret}
}

// Server is a running certsum.
type Server struct {
	// URL is the base URL, as SAIL_BASE_URL: every SDK generation adds its own path (the
	// API is at URL/v2024/…, URL/v3/…, URL/certifications/v1/…; the dashboard at URL/ui/).
	URL string
	// Admin is an ORG_ADMIN client of certsum's built-in administrator.
	Admin Credentials
	// Store is the store behind the server, to arrange or check state directly.
	Store certsum.Store
	// Clock is the server's clock.
	Clock *Clock

	t  testing.TB
	cs *clienttest.Server
}

// Clock is the server's clock, which only the test moves.
type Clock struct{ c *clienttest.Clock }

// Now is the server's time.
func (c *Clock) Now() time.Time { return c.c.Now() }

// Advance moves the clock forward by d; campaigns whose deadline it passes are completed by
// the server's deadline job right after.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("certsumtest: the clock moves forward only")
	}
	c.c.Advance(d)
}

// New starts a certsum for the test and stops it when the test ends. It fails the test when
// certsum cannot start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	c := config{now: DefaultNow, tokenTTL: 12 * time.Hour, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&c)
	}
	// The server is the one certsum's own client tests run (internal/clienttest), filled
	// here instead of from a test dataset, with the deadline job on.
	fill := func(ctx context.Context, st *sqlite.Store, now time.Time) error {
		switch {
		case c.demo > 0:
			if _, err := demo.Fill(ctx, st, demo.Options{Identities: c.demo, Seed: 1, Now: now}, nil); err != nil {
				return fmt.Errorf("the demo organisation: %w", err)
			}
		case c.inventory != nil:
			if _, err := st.ImportInventory(ctx, c.inventory, certsum.ImportOptions{Source: "certsumtest"}); err != nil {
				return fmt.Errorf("import the inventory: %w", err)
			}
		}
		return nil
	}
	cs := clienttest.Start(t, clienttest.Options{Fill: fill, Now: c.now, TokenTTL: c.tokenTTL, Logger: c.logger,
		Deadlines: true})
	return &Server{URL: cs.URL, Store: cs.Store, Clock: &Clock{c: cs.Clock}, t: t, cs: cs,
		Admin: Credentials{ClientID: cs.ClientID, ClientSecret: cs.Secret, IdentityID: cs.Admin}}
}

// Reviewer returns the credentials of a new client of identity (its id or name) with user
// level USER: a reviewer, who sees only their own certifications.
func (s *Server) Reviewer(identity string) Credentials {
	s.t.Helper()
	id, err := s.Store.FindIdentity(context.Background(), identity)
	if err != nil {
		s.t.Fatalf("certsumtest: reviewer %q: %v", identity, err)
	}
	return s.client(id.ID, certsum.LevelUser)
}

// Client returns the credentials of a new client of identity with the given user levels
// (ORG_ADMIN, CERT_ADMIN, REPORT_ADMIN, USER).
func (s *Server) Client(identity string, levels ...string) Credentials {
	s.t.Helper()
	id, err := s.Store.FindIdentity(context.Background(), identity)
	if err != nil {
		s.t.Fatalf("certsumtest: client of %q: %v", identity, err)
	}
	return s.client(id.ID, levels...)
}

func (s *Server) client(identityID string, levels ...string) Credentials {
	s.t.Helper()
	id, secret := s.cs.NewClient(s.t, identityID, levels...)
	return Credentials{ClientID: id, ClientSecret: secret, IdentityID: identityID}
}
