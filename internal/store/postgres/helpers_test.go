package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/certsum/certsum/internal/store/postgres/pgtest"
)

// Environment variables of the PostgreSQL tests (pgtest's).
const (
	envDSN     = pgtest.EnvDSN
	envRequire = pgtest.EnvRequire
)

// testDSN returns the DSN of the test database. Without one the test is skipped with a
// message saying how to run it, unless CERTSUM_TEST_REQUIRE_SERVICES=1 (CI), which turns the
// skip into a failure.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		msg := "PostgreSQL tests need a database: set " + envDSN +
			"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (each test works in its own schema)"
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg + "; " + envRequire + "=1 forbids skipping")
		}
		t.Skip(msg)
	}
	return dsn
}

// withSchema adds the schema parameter to a URL or key=value DSN.
func withSchema(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set(SchemaParam, schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + SchemaParam + "=" + schema
}

// newSchemaName returns a fresh schema name for one test.
func newSchemaName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "certsum_test_" + hex.EncodeToString(b[:])
}

// mustSchemaDSN returns the test DSN pointing at a fresh schema that is dropped (with
// everything in it) when the test ends.
func mustSchemaDSN(t testing.TB) string {
	t.Helper()
	if pgtest.SchemaParam != SchemaParam {
		t.Fatalf("pgtest names the schema parameter %q, the backend reads %q", pgtest.SchemaParam, SchemaParam)
	}
	return pgtest.SchemaDSN(t)
}

// mustOpen opens a Store in a fresh schema of the test database, closed and dropped when
// the test ends.
func mustOpen(t testing.TB, opts Options) *Store {
	t.Helper()
	dsn := mustSchemaDSN(t)
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
