package main

import (
	"fmt"
	"net"

	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Config is the whole configuration of `certsum serve`. Defaults come from defaultConfig,
// then the environment (CERTSUM_*), then flags; Validate checks the result.
type Config struct {
	Addr         string        // listen address
	Database     string        // SQLite file path, or a postgres:// URL
	Demo         bool          // fill an empty database with the demo dataset
	DemoSeed     int64         // seed of the demo dataset
	DemoSize     int           // identities in the demo dataset
	RateLimit    int           // requests per 10 s per client id and API version; 0 turns it off
	RedisURL     string        // shares the rate limit across replicas when set
	TokenTTL     time.Duration // access token lifetime
	Issuer       string        // JWT issuer; every replica must use the same one
	CacheSize    int64         // read-model memory budget in bytes
	LogLevel     string        // debug, info, warn, error
	LogFormat    string        // text or json
	ShutdownWait time.Duration // how long graceful shutdown waits for requests in flight
	// KeyFile holds the key-encryption keys that seal the token-signing keys in the
	// database; "" means <db>.key beside a SQLite database (created on first use).
	KeyFile string
	// AllowSharedDBFile lets certsum use a SQLite file that others may read.
	AllowSharedDBFile bool
	// DebugAddr, when set, is a loopback address that serves Go's profiler (/debug/pprof/).
	DebugAddr string
	// ClockOffset shifts certsum's clock from the wall clock; TestClock lets an
	// administrator move it while the server runs (POST /certsum/v1/clock).
	ClockOffset time.Duration
	TestClock   bool
	// DeadlineEvery is how often overdue campaigns are completed (0: the default).
	DeadlineEvery time.Duration
	// SecureCookies marks the dashboard's session cookie Secure for requests that reach
	// certsum without TLS (behind a proxy that terminates it).
	SecureCookies bool
	// MetricsAddr, when set, serves /metrics there without a token (for Prometheus on a
	// private network); /metrics on Addr always needs an ORG_ADMIN token. NoMetrics turns
	// the collection off (to measure its cost).
	MetricsAddr string
	NoMetrics   bool
	// VerifyEvery, when positive, recounts every maintained counter this often and reports
	// the drift as certsum_verify_drift.
	VerifyEvery time.Duration
	// Now, when set, is the clock of the store (not a setting: serve sets it).
	Now func() time.Time
	// ObserveTx, when set, sees the store's transactions (not a setting: serve sets it).
	ObserveTx sqlstore.TxObserver
}

// defaultIssuer is the JWT issuer when --issuer is not set.
const defaultIssuer = "certsum"

func defaultConfig() Config {
	return Config{
		Addr:         "127.0.0.1:8080",
		Database:     "./certsum.db",
		DemoSeed:     1,
		DemoSize:     1000,
		RateLimit:    100,
		TokenTTL:     12 * time.Hour,
		CacheSize:    1 << 30,
		LogLevel:     "info",
		LogFormat:    "text",
		ShutdownWait: 15 * time.Second,
	}
}

// applyEnv overrides c from CERTSUM_* variables, except settings whose flag was given
// (flagSet reports that). Secrets such as a database URL may also come from a file named by
// the variable with a _FILE suffix.
func (c *Config) applyEnv(getenv func(string) string, flagSet func(string) bool) error {
	flagOf := map[string]string{
		"CERTSUM_ADDR": "addr", "CERTSUM_DATABASE_URL": "db", "CERTSUM_REDIS_URL": "redis",
		"CERTSUM_ISSUER": "issuer", "CERTSUM_LOG_LEVEL": "log-level",
		"CERTSUM_RATE_LIMIT": "rate-limit", "CERTSUM_TOKEN_TTL": "token-ttl",
		"CERTSUM_KEY_FILE": "key-file",
	}
	base := getenv
	getenv = func(name string) string {
		if flagSet != nil && flagSet(flagOf[strings.TrimSuffix(name, "_FILE")]) {
			return ""
		}
		return base(name)
	}
	str := func(name string, dst *string) error {
		if v := getenv(name); v != "" {
			*dst = v
		}
		if f := getenv(name + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("%s_FILE: %w", name, err)
			}
			*dst = strings.TrimSpace(string(b))
		}
		return nil
	}
	if err := str("CERTSUM_ADDR", &c.Addr); err != nil {
		return err
	}
	if err := str("CERTSUM_DATABASE_URL", &c.Database); err != nil {
		return err
	}
	if err := str("CERTSUM_REDIS_URL", &c.RedisURL); err != nil {
		return err
	}
	if err := str("CERTSUM_ISSUER", &c.Issuer); err != nil {
		return err
	}
	if err := str("CERTSUM_LOG_LEVEL", &c.LogLevel); err != nil {
		return err
	}
	if v := getenv("CERTSUM_KEY_FILE"); v != "" {
		c.KeyFile = v
	}
	if v := getenv("CERTSUM_RATE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("CERTSUM_RATE_LIMIT: %q is not a whole number", v)
		}
		c.RateLimit = n
	}
	if v := getenv("CERTSUM_TOKEN_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("CERTSUM_TOKEN_TTL: %w", err)
		}
		c.TokenTTL = d
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("--addr must not be empty")
	case c.Database == "":
		return fmt.Errorf("--db must not be empty")
	case c.RateLimit < 0:
		return fmt.Errorf("--rate-limit must be 0 (off) or positive, not %d", c.RateLimit)
	case c.TokenTTL < time.Minute || c.TokenTTL > 30*24*time.Hour:
		return fmt.Errorf("--token-ttl must be between 1m and 720h, not %s", c.TokenTTL)
	case c.DemoSize < 10:
		return fmt.Errorf("--demo-identities must be at least 10")
	case c.CacheSize < 0:
		return fmt.Errorf("--cache-size must not be negative")
	case c.VerifyEvery < 0 || c.VerifyEvery > 0 && c.VerifyEvery < time.Minute:
		return fmt.Errorf("--verify-every must be 0 (off) or at least 1m, not %s", c.VerifyEvery)
	case c.NoMetrics && c.MetricsAddr != "":
		return fmt.Errorf("--metrics-addr needs the metrics; drop --no-metrics")
	}
	if c.DebugAddr != "" {
		if err := checkLoopback(c.DebugAddr); err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	return nil
}

// checkLoopback refuses an address whose host is not a loopback address: the profiler shows
// the process's internals and is never served to the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// String prints the configuration with secrets (passwords in URLs) redacted.
func (c Config) String() string {
	s := fmt.Sprintf("addr=%s db=%s demo=%t rate-limit=%d redis=%s token-ttl=%s cache-size=%d key-file=%s",
		c.Addr, redactURL(c.Database), c.Demo, c.RateLimit, redactURL(c.RedisURL), c.TokenTTL, c.CacheSize, c.KeyFile)
	if c.DebugAddr != "" {
		s += " debug-addr=" + c.DebugAddr
	}
	if c.MetricsAddr != "" {
		s += " metrics-addr=" + c.MetricsAddr
	}
	if c.VerifyEvery > 0 {
		s += " verify-every=" + c.VerifyEvery.String()
	}
	return s
}

// redactURL hides the password of a URL-shaped setting.
func redactURL(s string) string {
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return s
	}
	userinfo := s[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return s[:scheme+3] + userinfo[:i] + ":xxxxx" + s[at:]
	}
	return s
}

// addDBFlags registers the flags that name and open the database.
func addDBFlags(f *pflag.FlagSet, c *Config, usage string) {
	if usage == "" {
		usage = "SQLite database file, or a postgres:// URL (env CERTSUM_DATABASE_URL)"
	}
	f.StringVar(&c.Database, "db", c.Database, usage)
	f.BoolVar(&c.AllowSharedDBFile, "allow-shared-db-file", c.AllowSharedDBFile,
		"use a SQLite database file that users other than its owner can read or write")
}

// addKeyFileFlag registers --key-file, for the commands that sign or seal keys.
func addKeyFileFlag(f *pflag.FlagSet, c *Config) {
	f.StringVar(&c.KeyFile, "key-file", c.KeyFile,
		"file of the key-encryption keys that seal the token-signing keys (env CERTSUM_KEY_FILE; default <db>.key beside a SQLite database)")
}
