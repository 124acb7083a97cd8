package sqlite

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// helperEnv names the database a helper process commits to (see TestChangeMarkHelper).
const helperEnv = "CERTSUM_CHANGE_MARK_HELPER_DB"

// TestChangeMarkHelper is not a test: run by TestChangeMarkSeesEveryCommit as another
// process, it commits one identity to the database named by helperEnv.
func TestChangeMarkHelper(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("runs only as the helper process of TestChangeMarkSeesEveryCommit")
	}
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateIdentity(context.Background(), &certsum.Identity{ID: certsum.NewID(), Name: "From another process"}); err != nil {
		t.Fatal(err)
	}
}

// TestChangeMarkSeesEveryCommit checks both kinds of change mark — the wal-index header and
// PRAGMA data_version — against commits by this store's writer, by a second store on the
// same file, and by another process: the mark moves after each and stays put otherwise.
func TestChangeMarkSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mark.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	other, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	n := 0
	commit := map[string]func(){
		"this store's writer": func() {
			n++
			if err := st.CreateIdentity(ctx, &certsum.Identity{ID: certsum.NewID(), Name: fmt.Sprintf("Here %d", n)}); err != nil {
				t.Fatal(err)
			}
		},
		"a second store": func() {
			n++
			if err := other.CreateIdentity(ctx, &certsum.Identity{ID: certsum.NewID(), Name: fmt.Sprintf("There %d", n)}); err != nil {
				t.Fatal(err)
			}
		},
		"another process": func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChangeMarkHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperEnv+"="+path)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("helper process: %v\n%s", err, out)
			}
		},
	}
	for _, kind := range []string{"wal-index", "data_version"} {
		t.Run(kind, func(t *testing.T) {
			cm, err := st.OpenChangeMark(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer cm.Close()
			d := cm.(*dataVersion)
			if kind == "wal-index" && d.idx == nil {
				t.Fatal("the wal-index header was not mapped")
			}
			if kind == "data_version" {
				_ = d.idx.close()
				d.idx = nil
			}
			mark := func() uint64 {
				v, err := cm.Mark(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			last := mark()
			for _, by := range []string{"this store's writer", "a second store", "another process", "this store's writer"} {
				if again := mark(); again != last {
					t.Fatalf("the mark moved from %d to %d without a commit", last, again)
				}
				commit[by]()
				next := mark()
				if next == last {
					t.Fatalf("the mark stayed %d after a commit by %s", next, by)
				}
				last = next
			}
		})
	}
}

// TestChangeMarkUnderConcurrentCommits reads the wal-index mark while another goroutine
// commits as fast as it can: whenever a commit that began after one mark was read returned
// before the next was read, the two marks must differ.
func TestChangeMarkUnderConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mark.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cm, err := st.OpenChangeMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Close()
	if cm.(*dataVersion).idx == nil {
		t.Fatal("the wal-index header was not mapped")
	}
	var started, finished atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			started.Add(1)
			if err := st.CreateIdentity(ctx, &certsum.Identity{ID: certsum.NewID(), Name: fmt.Sprintf("Busy %d", i)}); err != nil {
				done <- err
				return
			}
			finished.Add(1)
		}
	}()
	checked := 0
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; checked < 300 && time.Now().Before(deadline); i++ {
		m1, err := cm.Mark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		began := started.Load() // commits that began before this point are not counted
		if i%2 == 0 {
			time.Sleep(200 * time.Microsecond) // let a commit land now and then
		} else {
			runtime.Gosched()
		}
		ended := finished.Load()
		m2, err := cm.Mark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ended > began {
			checked++
			if m1 == m2 {
				t.Fatalf("iteration %d: a commit began after mark %d was read and returned before it was read again, which gave the same mark", i, m1)
			}
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no commit landed between two mark reads; the test proved nothing")
	}
	t.Logf("%d commits, %d mark pairs with a commit in between", finished.Load(), checked)
}

// TestReadChangesSeeksItemsByID guards the plan of the query that reads what a write
// changed: it must look the items up by id, not walk every item of the certification
// (1.45M of them in the benchmark database, which took seconds per write).
func TestReadChangesSeeksItemsByID(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	rows, err := st.read.QueryContext(ctx, `EXPLAIN QUERY PLAN `+sqlstore.ChangedItemsSelect(dialect{}), `["a"]`, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "SEARCH r USING INDEX sqlite_autoindex_review_items_1 (id=?)") || strings.Contains(text, "cert_key=?") {
		t.Errorf("the items of a write are not looked up by id:\n%s", text)
	}
}
