//go:build unix

package sqlite

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walIndex is a read-only view of the header of a database's wal-index (the "-shm" file of
// a WAL-mode database). Every connection, in every process, learns of a committed
// transaction by reading this header, and a commit publishes itself by rewriting it: the
// writer stores a second copy, then the first, and bumps a change counter and the frame
// count with every commit. Two equal reads of the header therefore prove that nothing was
// committed in between, at the cost of a few memory loads instead of a read transaction.
// The layout is the unix VFS's, which every SQLite version sharing the file must agree on
// (https://sqlite.org/walformat.html, "The WAL-Index Header").
type walIndex struct {
	mem []byte
}

// Offsets and sizes of the wal-index header.
const (
	walHeaderWords = 12 // one copy of WalIndexHdr: 48 bytes
	walVersion     = 3007000
	walMapSize     = 4096
	walMinFile     = 32768 // one wal-index region: the size of an initialized file
)

// openWALIndex maps the header of the wal-index of the database file path through shm, a
// descriptor of its "-shm" file that the caller keeps open until every SQLite connection of
// this process to the database is closed (see Store.shmFile). POSIX locks belong to the
// process, not the descriptor: closing any descriptor of the file would drop the locks
// SQLite holds on the wal-index, and the next process to open the database would take itself
// for the only user and re-initialise the wal-index under this one. The caller must also
// keep a connection to the database open while it is mapped, so that SQLite neither deletes
// nor truncates the file.
func openWALIndex(path string, shm *os.File) (*walIndex, error) {
	st, err := shm.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < walMinFile {
		return nil, fmt.Errorf("the wal-index of %s is not initialized (%d bytes)", path, st.Size())
	}
	mem, err := syscall.Mmap(int(shm.Fd()), 0, walMapSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map the wal-index of %s: %w", path, err)
	}
	w := &walIndex{mem: mem}
	if h, ok := w.header(); !ok || binary.NativeEndian.Uint32(wordBytes(h[:1])) != walVersion {
		_ = w.close()
		return nil, fmt.Errorf("the wal-index of %s has a header certsum does not know", path)
	}
	return w, nil
}

// word loads the i-th 32-bit word of the mapped header atomically.
func (w *walIndex) word(i int) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.mem[4*i])))
}

// header returns a consistent copy of the header. A writer stores the second copy before
// the first; reading the first copy before the second, a publication in progress shows as
// two copies that differ, and the read is retried. ok is false when no consistent,
// initialized header could be read.
func (w *walIndex) header() (h [walHeaderWords]uint32, ok bool) {
	for try := 0; try < 64; try++ {
		var second [walHeaderWords]uint32
		for i := range h {
			h[i] = w.word(i)
		}
		for i := range second {
			second[i] = w.word(walHeaderWords + i)
		}
		// isInit is the byte at offset 12.
		if h == second && wordBytes(h[3:4])[0] != 0 {
			return h, true
		}
	}
	return h, false
}

// wordBytes returns the bytes of words in native order.
func wordBytes(words []uint32) []byte {
	b := make([]byte, 4*len(words))
	for i, v := range words {
		binary.NativeEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// close unmaps the header. It leaves the descriptor it was mapped through open: that is the
// store's to close.
func (w *walIndex) close() error {
	if w.mem == nil {
		return nil
	}
	err := syscall.Munmap(w.mem)
	w.mem = nil
	return err
}
