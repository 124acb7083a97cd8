package readmodel

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/postgres/pgtest"
	"github.com/certsum/certsum/internal/store/sqlite"
	"github.com/certsum/certsum/internal/store/storetest"
)

// The read model is a certsum.Store: it passes the conformance suite wrapping either
// backend, every capability included.
func TestConformanceOverSQLite(t *testing.T) {
	storetest.Run(t, func(t testing.TB) certsum.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return mustModel(t, st)
	})
}

func TestConformanceOverPostgres(t *testing.T) {
	storetest.Run(t, func(t testing.TB) certsum.Store {
		st, err := postgres.Open(context.Background(), pgtest.SchemaDSN(t), postgres.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return mustModel(t, st)
	})
}

// mustModel wraps st in a read model that is closed with the test.
func mustModel(t testing.TB, st certsum.Store) *Model {
	t.Helper()
	m, err := New(st, Options{Budget: 1 << 30, ColdWait: 10 * time.Second})
	if err != nil {
		t.Fatalf("readmodel.New: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}
