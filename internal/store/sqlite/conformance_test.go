package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/storetest"
)

// TestConformance runs the backend conformance suite, each store in a file of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) certsum.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "certsum.db"), Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
