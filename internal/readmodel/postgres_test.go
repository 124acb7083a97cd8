package readmodel

import (
	"context"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/postgres/pgtest"
)

// TestReadPathAgreesWithPostgres runs the differential test over PostgreSQL: the model
// wraps one store (one replica) and another store on the same database (a second replica)
// writes too. PostgreSQL offers no change mark, so every read proves the model current by
// the certification's version. CERTSUM_TEST_POSTGRES enables it.
func TestReadPathAgreesWithPostgres(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	ctx := context.Background()
	clock := func() time.Time { return fixtureNow.Add(time.Hour) }
	open := func() certsum.Store {
		st, err := postgres.Open(ctx, dsn, postgres.Options{Now: clock})
		if err != nil {
			t.Fatalf("open PostgreSQL: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	st := open()
	if _, ok := st.(certsum.SnapshotReader); !ok {
		t.Fatal("the PostgreSQL store does not implement certsum.SnapshotReader: the read model would pass every read through")
	}
	if err := st.Load(ctx, demo.Generate(demo.Options{Identities: 100, Seed: 11, Now: fixtureNow}), nil); err != nil {
		t.Fatal(err)
	}
	differential(t, st, open())
}
