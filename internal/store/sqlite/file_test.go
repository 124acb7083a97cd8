package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

// The database and the -wal and -shm files SQLite makes beside it are private to their
// owner, whatever the umask lets SQLite's own default (0644) through.
func TestDatabaseFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix mode bits on Windows")
	}
	path := filepath.Join(t.TempDir(), "certsum.db")
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateIdentity(context.Background(), &certsum.Identity{ID: "x", Name: "X"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), perm)
		}
	}
}

// A database others can read is refused unless the caller allows it.
func TestADatabaseOthersCanReadIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix mode bits on Windows")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "certsum.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{})
	if certsum.ErrorCode(err) != certsum.CodeInvalid || !strings.Contains(err.Error(), "mode 0644") ||
		!strings.Contains(err.Error(), "--allow-shared-db-file") {
		t.Fatalf("Open of a 0644 database: %v", err)
	}
	st, err = Open(ctx, path, Options{AllowSharedFile: true})
	if err != nil {
		t.Fatalf("Open with AllowSharedFile: %v", err)
	}
	_ = st.Close()
}
