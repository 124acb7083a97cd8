package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// An operation that meets an I/O fault reports it as unavailable, and Health says so until
// the fault is older than the window. The fault is the driver's own error for a database it
// cannot open.
func TestHealthReportsIOFaults(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Health(ctx); err != nil {
		t.Fatalf("Health of a sound store: %v", err)
	}
	missing, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "no-such-dir", "x.db")+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	ioErr := missing.PingContext(ctx)
	if ioErr == nil {
		t.Fatal("opening a database in a missing folder succeeded")
	}
	if err := st.translate(ioErr); certsum.ErrorCode(err) != certsum.CodeUnavailable {
		t.Fatalf("an I/O fault translates to %v (code %s), want unavailable", err, certsum.ErrorCode(err))
	}
	if err := st.Health(ctx); certsum.ErrorCode(err) != certsum.CodeUnavailable {
		t.Fatalf("Health after an I/O fault: %v, want unavailable", err)
	}
	clock.Advance(certsum.HealthFaultWindow + time.Second)
	if err := st.Health(ctx); err != nil {
		t.Fatalf("Health once the fault is past the window: %v", err)
	}
}

// A closed store is not healthy.
func TestHealthOfAClosedStore(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	read := st.read
	_ = read.Close()
	if err := st.Health(ctx); certsum.ErrorCode(err) != certsum.CodeUnavailable {
		t.Fatalf("Health with a closed pool: %v, want unavailable", err)
	}
	_ = st.Close()
}

// A foreign-key violation is a reference error, as on PostgreSQL (sqlstore's one table).
func TestAForeignKeyViolationIsAReferenceError(t *testing.T) {
	st := mustOpen(t, nil)
	_, err := st.write.ExecContext(context.Background(),
		`INSERT INTO identities (id, name, manager_id) VALUES ('x', 'X', 'no-such-manager')`)
	if err == nil {
		t.Fatal("the foreign key was not enforced")
	}
	if got := classify(err); certsum.ErrorCode(got) != certsum.CodeReference {
		t.Fatalf("classify(%v) = %v (%s), want reference", err, got, certsum.ErrorCode(got))
	}
}
