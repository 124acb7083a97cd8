package httpapi

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/certsum/certsum"
)

// This file is the fast path for stores that implement certsum.RawPager: the store appends
// a body that is byte for byte what writeJSON would encode, and it is written as is.

// rawPool recycles response buffers of the fast path.
var rawPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledRaw is the largest buffer kept for reuse.
const maxPooledRaw = 1 << 20

// rawPager returns the store's fast path, if it has one.
func (s *server) rawPager() (certsum.RawPager, bool) {
	rp, ok := s.store.(certsum.RawPager)
	return rp, ok
}

// writeRaw answers 200 with a body the store encoded, plus the newline json.Encoder ends
// every value with, so that both paths write the same bytes.
func writeRaw(w http.ResponseWriter, appendBody func(dst []byte) ([]byte, int, error)) error {
	bp := rawPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledRaw {
			rawPool.Put(bp)
		}
	}()
	body, total, err := appendBody((*bp)[:0])
	if err != nil {
		return err
	}
	body = append(body, '\n')
	*bp = body
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if total >= 0 {
		h["X-Total-Count"] = []string{strconv.Itoa(total)}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a failed write means the client is gone
	return nil
}

// writeRawValue is writeRaw for a single object.
func writeRawValue(w http.ResponseWriter, appendBody func(dst []byte) ([]byte, error)) error {
	return writeRaw(w, func(dst []byte) ([]byte, int, error) {
		b, err := appendBody(dst)
		return b, -1, err
	})
}
