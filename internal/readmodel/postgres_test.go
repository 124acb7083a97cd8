package readmodel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/postgres"
)

// TestReadPathAgreesWithPostgres runs the differential test over PostgreSQL: the model
// wraps one store (one replica) and another store on the same database (a second replica)
// writes too. PostgreSQL offers no change mark, so every read proves the model current by
// the certification's version. CERTSUM_TEST_POSTGRES enables it.
func TestReadPathAgreesWithPostgres(t *testing.T) {
	dsn := os.Getenv("CERTSUM_TEST_POSTGRES")
	if dsn == "" {
		msg := "set CERTSUM_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the read model's differential test over PostgreSQL"
		if os.Getenv("CERTSUM_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg + " (CERTSUM_TEST_REQUIRE_SERVICES=1 forbids skipping)")
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "certsum_readmodel_" + hex.EncodeToString(b[:])
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("CERTSUM_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set(postgres.SchemaParam, schema)
	u.RawQuery = q.Encode()
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
	clock := func() time.Time { return fixtureNow.Add(time.Hour) }
	open := func() certsum.Store {
		st, err := postgres.Open(ctx, u.String(), postgres.Options{Now: clock})
		if err != nil {
			t.Fatalf("open PostgreSQL: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	st := open()
	if _, ok := st.(certsum.SnapshotReader); !ok {
		t.Skip("the PostgreSQL store does not implement certsum.SnapshotReader yet; the read model passes its reads through")
	}
	if err := demo.Fill(ctx, st, demo.Options{Identities: 100, Seed: 11, Now: fixtureNow}, nil); err != nil {
		t.Fatal(err)
	}
	differential(t, st, open())
}
