// Package pgtest gives tests outside the PostgreSQL backend a database to work in: a fresh
// schema of the test database named by CERTSUM_TEST_POSTGRES, dropped when the test ends.
// Without that variable the test is skipped, or fails when CERTSUM_TEST_REQUIRE_SERVICES=1
// (as CI sets it). Only tests import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables of the PostgreSQL tests.
const (
	EnvDSN     = "CERTSUM_TEST_POSTGRES"
	EnvRequire = "CERTSUM_TEST_REQUIRE_SERVICES"
)

// SchemaParam is the DSN parameter the backend reads its schema from. It is
// postgres.SchemaParam, which the backend's tests check; this package cannot import the
// backend, whose own tests import it.
const SchemaParam = "schema"

// SchemaDSN returns a postgres:// URL of the test database that names a fresh schema,
// dropped with everything in it when the test ends.
func SchemaDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		msg := "PostgreSQL tests need a database: set " + EnvDSN + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal(msg + "; " + EnvRequire + "=1 forbids skipping")
		}
		t.Skip(msg)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "certsum_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set(SchemaParam, schema)
	u.RawQuery = q.Encode()
	return u.String()
}
