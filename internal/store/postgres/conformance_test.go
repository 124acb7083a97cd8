package postgres

import (
	"context"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/storetest"
)

// TestConformance runs the backend conformance suite, each store in a schema of its own.
func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t testing.TB) certsum.Store {
		s, err := Open(context.Background(), mustSchemaDSN(t), Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
