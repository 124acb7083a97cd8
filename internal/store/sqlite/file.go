package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/certsum/certsum"
)

// fileMode is the mode of a database file certsum creates. SQLite gives the -wal and -shm
// files it creates the mode of the database file, so all three are private to the owner.
const fileMode = 0o600

// prepareFile creates the database file at path with fileMode when it does not exist, and
// refuses a database whose file, -wal or -shm others may read or write unless allowShared.
// It never keeps a descriptor open: it runs before SQLite opens the file (see openWALIndex
// for why that matters). Windows has no such mode bits; there the check is left to the
// file's ACL.
func prepareFile(path string, allowShared bool) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		return nil
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create %s: %w", path, err)
	}
	if allowShared || runtime.GOOS == "windows" {
		return nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			return certsum.Invalidf("db", "%s has mode %04o: users other than its owner can read or write the database, "+
				"which holds every decision and the hashes of every client secret; run chmod 600 on it "+
				"(and on its -wal and -shm files), or allow it with --allow-shared-db-file", p, perm)
		}
	}
	return nil
}
