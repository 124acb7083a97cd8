package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	certsumclock "github.com/certsum/certsum/internal/clock"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/internal/lifecycle"
	"github.com/certsum/certsum/internal/metrics"
	"github.com/certsum/certsum/internal/ratelimit"
	"github.com/certsum/certsum/internal/readmodel"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/internal/ui"
)

func newServeCmd() *cobra.Command {
	cfg := defaultConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the certsum API server",
		Long: `Run the certsum API server: /v2024 certification and summary routes, /oauth/token,
/healthz and /readyz. The database is a SQLite file (default ./certsum.db) or a postgres:// URL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The environment fills what the command line did not set.
			if err := cfg.applyEnv(os.Getenv, cmd.Flags().Changed); err != nil {
				return err
			}
			m := NewMain(cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
			defer m.Close()
			return m.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	addDBFlags(f, &cfg, "")
	addKeyFileFlag(f, &cfg)
	f.BoolVar(&cfg.Demo, "demo", cfg.Demo, "fill an empty database with the demo dataset and print credentials")
	f.Int64Var(&cfg.DemoSeed, "demo-seed", cfg.DemoSeed, "seed of the demo dataset")
	f.IntVar(&cfg.DemoSize, "demo-identities", cfg.DemoSize, "identities in the demo dataset")
	f.IntVar(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "requests per 10 seconds per client id and API version (0 = off)")
	f.StringVar(&cfg.RedisURL, "redis", cfg.RedisURL, "redis:// URL that shares the rate limit across replicas")
	f.DurationVar(&cfg.TokenTTL, "token-ttl", cfg.TokenTTL, "access token lifetime")
	f.StringVar(&cfg.Issuer, "issuer", cfg.Issuer, "JWT issuer; every replica must use the same (default \"certsum\")")
	f.Int64Var(&cfg.CacheSize, "cache-size", cfg.CacheSize, "read-model memory budget in bytes")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
	f.StringVar(&cfg.DebugAddr, "debug-addr", cfg.DebugAddr, "loopback address that serves Go's profiler at /debug/pprof/ (off when empty)")
	f.DurationVar(&cfg.ClockOffset, "clock-offset", cfg.ClockOffset, "run certsum's clock this far from the wall clock (deadlines, tokens, records), e.g. 72h")
	f.BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark the dashboard's session cookie Secure although requests arrive without TLS (behind a TLS-terminating proxy)")
	f.BoolVar(&cfg.TestClock, "test-clock", cfg.TestClock, "let an ORG_ADMIN move the clock forward while the server runs (POST /certsum/v1/clock); for tests only")
	f.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "address that serves Prometheus metrics at /metrics without a token (off when empty; /metrics on --addr needs an ORG_ADMIN token)")
	f.BoolVar(&cfg.NoMetrics, "no-metrics", cfg.NoMetrics, "collect no metrics (to measure their cost)")
	f.DurationVar(&cfg.VerifyEvery, "verify-every", cfg.VerifyEvery, "recount every maintained counter this often and report the drift as certsum_verify_drift (0 = off; at least 1m)")
	f.DurationVar(&cfg.DeadlineEvery, "deadline-every", cfg.DeadlineEvery, "how often campaigns past their deadline are completed (default 30s)")
	return cmd
}

// Main is a running certsum server. Tests run it in-process on 127.0.0.1:0.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Ready, when set, is called with the bound address once the server accepts connections.
	Ready func(addr string)
	// DebugReady, when set, is called with the profiler's bound address (--debug-addr).
	DebugReady func(addr string)
	// MetricsReady, when set, is called with the metrics listener's address (--metrics-addr).
	MetricsReady func(addr string)

	stdout  io.Writer
	clock   *certsumclock.Clock
	metrics *metrics.Metrics // nil with --no-metrics
	store   certsum.Store
	auth    *auth.Service
	server  *http.Server
	// demoFilled is set when this run filled the database with the demo dataset.
	demoFilled bool
}

// NewMain returns a Main for cfg that logs to stderr and prints credentials to stdout.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	level := new(slog.LevelVar)
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	c := certsumclock.New(cfg.ClockOffset, cfg.TestClock)
	cfg.Now = c.Now
	return &Main{Config: cfg, Logger: slog.New(h), stdout: stdout, clock: c}
}

// Run opens the store, fills it with demo data when asked, and serves until ctx is done,
// then shuts down gracefully.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	m.Logger.Info("starting certsum", "config", m.Config.String())
	if !m.Config.NoMetrics {
		m.metrics = metrics.New()
		m.Config.ObserveTx = m.metrics.ObserveTx
	}
	st, err := openStore(ctx, m.Config, m.Logger)
	if err != nil {
		return err
	}
	m.store = st
	if m.Config.Demo {
		if err := m.fillDemo(ctx); err != nil {
			return err
		}
	}
	handler, err := m.buildHandler(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	if m.Config.Demo {
		if err := m.printDemoCredentials(ctx, "http://"+ln.Addr().String()); err != nil {
			_ = ln.Close()
			return err
		}
	}
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.Logger.Info("listening", "addr", ln.Addr().String())
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	if m.Config.DebugAddr != "" {
		stopDebug, err := m.serveDebug()
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stopDebug()
	}
	if m.Config.MetricsAddr != "" {
		stopMetrics, err := m.serveMetrics()
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stopMetrics()
	}
	if m.Config.VerifyEvery > 0 {
		go m.verifyEvery(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownWait)
	defer cancel()
	if err := m.server.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveMetrics serves /metrics on --metrics-addr, on a listener of its own and without a
// token: the address is meant for Prometheus on a private network.
func (m *Main) serveMetrics() (stop func(), err error) {
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on --metrics-addr %s: %w", m.Config.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	m.Logger.Info("serving metrics", "addr", ln.Addr().String())
	if m.MetricsReady != nil {
		m.MetricsReady(ln.Addr().String())
	}
	return func() { _ = srv.Close() }, nil
}

// verifyEvery recounts every maintained counter each --verify-every, reporting the drift it
// finds (certsum_verify_drift) and logging it; it repairs nothing (certsum verify --fix does).
func (m *Main) verifyEvery(ctx context.Context) {
	t := time.NewTicker(m.Config.VerifyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		drifts, err := m.store.Verify(ctx, false)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			m.Logger.Error("periodic verify failed", "err", err)
		case len(drifts) > 0:
			m.Logger.Error("periodic verify found drift; run certsum verify --fix", "drifts", len(drifts), "first", drifts[0])
		default:
			m.Logger.Debug("periodic verify clean")
		}
		if m.metrics != nil {
			m.metrics.ObserveVerify(drifts, err, time.Now())
		}
	}
}

// serveDebug serves Go's profiler on the loopback address --debug-addr, on a mux of its own
// (never the API's), and returns the function that stops it.
func (m *Main) serveDebug() (func(), error) {
	ln, err := net.Listen("tcp", m.Config.DebugAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on --debug-addr %s: %w", m.Config.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	m.Logger.Info("serving the profiler", "addr", ln.Addr().String())
	if m.DebugReady != nil {
		m.DebugReady(ln.Addr().String())
	}
	return func() { _ = srv.Close() }, nil
}

// Close releases the store.
func (m *Main) Close() error {
	if m.store != nil {
		err := m.store.Close()
		m.store = nil
		return err
	}
	return nil
}

// buildHandler wires the routes: the health probes, and everything else — /v2024, the
// token endpoint and the JWKS document — served by httpapi with a token service and a rate
// limiter built from the configuration. The probes are matched by exact path in front of
// the API instead of through a ServeMux, because a ServeMux would answer "//v2024/..." (a
// base URL ending in "/") with a redirect before the API could collapse the slashes.
func (m *Main) buildHandler(ctx context.Context) (http.Handler, error) {
	// The issuer is the same on every replica by default, so replicas listening on different
	// addresses accept each other's tokens; set --issuer to tell deployments apart.
	issuer := m.Config.Issuer
	if issuer == "" {
		issuer = defaultIssuer
	}
	var limiter ratelimit.Limiter
	if m.Config.RateLimit > 0 {
		l, closeLimiter, err := ratelimit.Open(ctx, m.Config.RedisURL, m.Config.RateLimit, ratelimit.DefaultWindow, m.clock.Now, m.Logger)
		if err != nil {
			return nil, err
		}
		// The Redis pool closes when the server is told to stop; requests still draining
		// after that are let through uncounted, as the limiter fails open.
		context.AfterFunc(ctx, func() { _ = closeLimiter() })
		limiter = l
	}
	sealer, err := loadSealer(m.Config, m.Logger)
	if err != nil {
		return nil, err
	}
	svc, err := auth.New(auth.Options{Store: m.store, Issuer: issuer, TokenTTL: m.Config.TokenTTL,
		Logger: m.Logger, Limiter: limiter, Sealer: sealer, Now: m.clock.Now})
	if err != nil {
		return nil, err
	}
	m.auth = svc
	// The summary read path answers from the in-memory read model unless --cache-size is 0.
	var store certsum.Store = m.store
	if m.Config.CacheSize > 0 {
		rm, err := readmodel.New(m.store, readmodel.Options{Budget: m.Config.CacheSize, Logger: m.Logger})
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = rm.Close() })
		store = rm
		if m.metrics != nil {
			m.metrics.WatchReadModel(rm)
		}
	}
	if p, ok := m.store.(sqlstore.PoolReporter); ok && m.metrics != nil {
		m.metrics.WatchPool(p)
	}
	// Created campaigns are generated in the background; those a stopped server left
	// PENDING are generated again (their interrupted generation kept nothing).
	runner := lifecycle.New(store, lifecycle.Options{Logger: m.Logger, Every: m.Config.DeadlineEvery})
	context.AfterFunc(ctx, runner.Close)
	m.clock.OnChange(runner.Wake)
	if err := runner.Resume(ctx); err != nil {
		return nil, err
	}
	uiOpts := ui.Options{Store: store, Auth: svc, Now: m.clock.Now, Logger: m.Logger, SecureCookies: m.Config.SecureCookies}
	apiOpts := httpapi.Options{Store: store, Auth: svc, Limiter: limiter, Logger: m.Logger, Runner: runner,
		Now: m.clock.Now, Clock: m.clock}
	if m.metrics != nil {
		uiOpts.Decided = m.metrics.ObserveDecisions
		apiOpts.Observer = m.metrics
		apiOpts.Metrics = m.metrics.Handler()
	}
	dashboard, err := ui.New(uiOpts)
	if err != nil {
		return nil, err
	}
	apiOpts.UI = dashboard
	api := httpapi.New(apiOpts)

	probes := http.NewServeMux()
	probes.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	probes.Handle("GET /readyz", readyHandler(m.store, m.Logger))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz":
			probes.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	}), nil
}

// readyHandler answers /readyz: 200 while the store reports itself healthy, 503 with the
// reason while it cannot reach its database or has seen an I/O fault lately.
func readyHandler(st certsum.Store, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := st.Health(r.Context()); err != nil {
			log.Warn("not ready", "err", err)
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "reason": certsum.ErrorText(err)})
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready"}`)
	})
}
