//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

// walIndex is not available outside unix: the change mark reads PRAGMA data_version.
type walIndex struct{}

const walHeaderWords = 12

func openWALIndex(string, *os.File) (*walIndex, error) {
	return nil, errors.New("the wal-index is read only on unix")
}

func (*walIndex) header() (h [walHeaderWords]uint32, ok bool) { return h, false }

func (*walIndex) close() error { return nil }
