package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// procEnv names the database a re-executed test binary works on, and procRole what it
// does there (see TestOtherProcessHelper).
const (
	procEnv  = "CERTSUM_SQLITE_HELPER_DB"
	procRole = "CERTSUM_SQLITE_HELPER_ROLE"
)

// TestOtherProcessHelper is not a test of its own: the test binary runs it in a child
// process, as another program would open the same database file. Roles: "verify" opens a
// Store and recounts every counter (certsum verify), "client" opens a Store and creates an
// OAuth client (certsum clients create), "plain" opens a bare connection and writes.
func TestOtherProcessHelper(t *testing.T) {
	path := os.Getenv(procEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestOtherProcessesDoNotDisturbTheServer")
	}
	ctx := context.Background()
	switch role := os.Getenv(procRole); role {
	case "verify", "client":
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer st.Close()
		if role == "verify" {
			if _, err := st.Verify(ctx, false); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			return
		}
		c := &certsum.OAuthClient{ID: certsum.NewID(), Name: "probe", Levels: []string{"ORG_ADMIN"},
			Scopes: []string{"sp:scopes:all"}, SecretHash: make([]byte, 32), Created: certsum.NewTime(time.Now())}
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatalf("CreateClient: %v", err)
		}
	case "plain":
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM review_items`).Scan(&n); err != nil {
			t.Fatalf("read: %v", err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (-1, 'probe', 'probe')`); err != nil {
			t.Fatalf("write: %v", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = -1`); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
	default:
		t.Fatalf("unknown role %q", role)
	}
}

// A server keeps deciding while other programs open the same file: certsum verify, certsum
// clients create and a plain connection that reads and writes. POSIX locks belong to a
// process, not a descriptor, so a server that closes any descriptor of the database's files
// while SQLite holds locks on them loses those locks; the next program to open the file then
// takes itself for the only user and re-initialises the wal-index under the server. No
// request of the server may fail, and the file must stay sound.
func TestOtherProcessesDoNotDisturbTheServer(t *testing.T) {
	testOtherProcesses(t, false)
}

// The same, after a second Store of this process on the same file opened a change mark and
// closed again, as the admin commands' stores and tests' second stores do: its descriptor of
// the -shm file is the process's, so closing it must not drop the server's locks.
func TestASecondStoreClosingDoesNotDisturbTheServer(t *testing.T) {
	testOtherProcesses(t, true)
}

func testOtherProcesses(t *testing.T, secondStore bool) {
	if os.Getenv(procEnv) != "" {
		t.Skip("child process")
	}
	const people, perPerson = 40, 10
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "certsum.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	mustLoad(t, st, concurrentDataset(people, perPerson))
	// The read model holds a change mark for as long as it serves.
	mark, err := st.OpenChangeMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mark.Close() })
	if secondStore {
		other, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		om, err := other.OpenChangeMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := om.Mark(ctx); err != nil {
			t.Fatal(err)
		}
		_ = om.Close()
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
	}

	var (
		done     atomic.Bool
		requests atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	wg.Add(2)
	go func() { // the decide load
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		bulk := false
		for !done.Load() {
			var ds []certsum.ReviewDecision
			for range 5 {
				d := certsum.Approve
				if rng.IntN(2) == 0 {
					d = certsum.Revoke
				}
				ds = append(ds, certsum.ReviewDecision{ID: fmt.Sprintf("i-%d-%d", rng.IntN(people), rng.IntN(perPerson)), Decision: d, Bulk: &bulk})
			}
			requests.Add(1)
			if _, err := st.Decide(ctx, "cert", "boss", dedupe(ds)); err != nil {
				fail(err)
			}
			// A pause between requests, as a server has: other processes get the write lock
			// within their busy timeout.
			time.Sleep(time.Millisecond)
		}
	}()
	go func() { // the read path: change mark and summaries
		defer wg.Done()
		for !done.Load() {
			requests.Add(1)
			if _, err := mark.Mark(ctx); err != nil {
				fail(err)
				continue
			}
			if _, err := st.DecisionSummary(ctx, "cert", nil); err != nil {
				fail(err)
			}
		}
	}()

	rounds := 4
	if testing.Short() {
		rounds = 2
	}
	for round := 0; round < rounds; round++ {
		for _, role := range []string{"verify", "client", "plain"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestOtherProcessHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), procEnv+"="+path, procRole+"="+role)
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("round %d, %s process: %v\n%s", round, role, err, out)
			}
			t.Logf("round %d, %s process: %v", round, role, time.Since(start))
		}
	}
	// Let the load run past the last child's exit, when a lost lock shows.
	time.Sleep(200 * time.Millisecond)
	done.Store(true)
	wg.Wait()

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed while other processes used the file; first: %v", n, requests.Load(), firstErr.Load())
	}
	var check string
	if err := st.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	mustNoDrift(t, st)
}

// dedupe keeps the first decision for each item id.
func dedupe(ds []certsum.ReviewDecision) []certsum.ReviewDecision {
	seen := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d)
		}
	}
	return out
}
