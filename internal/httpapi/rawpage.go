package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// The handlers read through one surface, certsum.RawPager: a store that offers it (the read
// model) appends bodies it encoded once, and any other store is adapted by encodingReader,
// which encodes its results the same way. No handler asks which kind of store it has.

// rawPool recycles response buffers of the fast path.
var rawPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledRaw is the largest buffer kept for reuse.
const maxPooledRaw = 1 << 20

// readerOf returns st's own RawPager, or st adapted by encodingReader.
func readerOf(st certsum.Store) certsum.RawPager {
	if rp, ok := st.(certsum.RawPager); ok {
		return rp
	}
	return encodingReader{st}
}

// encodingReader is certsum.RawPager over a plain Store: each method calls the store and
// appends the result's JSON with certsum.AppendJSON / AppendPage, as a RawPager must.
type encodingReader struct{ st certsum.Store }

func (e encodingReader) AppendIdentitySummaries(ctx context.Context, dst []byte, certID string, q certsum.ListQuery) ([]byte, int, error) {
	p, err := e.st.ListIdentitySummaries(ctx, certID, q)
	return appendPage(dst, p, err, q)
}

func (e encodingReader) AppendAccessSummaries(ctx context.Context, dst []byte, certID string, t certsum.DtoType, q certsum.ListQuery) ([]byte, int, error) {
	p, err := e.st.ListAccessSummaries(ctx, certID, t, q)
	return appendPage(dst, p, err, q)
}

func (e encodingReader) AppendReviewItems(ctx context.Context, dst []byte, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) ([]byte, int, error) {
	p, err := e.st.ListReviewItems(ctx, certID, f, q)
	return appendPage(dst, p, err, q)
}

func (e encodingReader) AppendCertifications(ctx context.Context, dst []byte, f certsum.CertificationFilter, q certsum.ListQuery) ([]byte, int, error) {
	p, err := e.st.ListCertifications(ctx, f, q)
	return appendPage(dst, p, err, q)
}

func (e encodingReader) AppendIdentitySummary(ctx context.Context, dst []byte, certID, id string) ([]byte, error) {
	v, err := e.st.GetIdentitySummary(ctx, certID, id)
	return appendValue(dst, v, err)
}

func (e encodingReader) AppendDecisionSummary(ctx context.Context, dst []byte, certID string, filter query.Expr) ([]byte, error) {
	v, err := e.st.DecisionSummary(ctx, certID, filter)
	return appendValue(dst, v, err)
}

func (e encodingReader) AppendCertification(ctx context.Context, dst []byte, id string) ([]byte, error) {
	v, err := e.st.GetCertification(ctx, id)
	return appendValue(dst, v, err)
}

func appendPage[T any](dst []byte, p certsum.Page[T], err error, q certsum.ListQuery) ([]byte, int, error) {
	if err != nil {
		return dst, 0, err
	}
	return certsum.AppendPage(dst, p, q)
}

func appendValue(dst []byte, v any, err error) ([]byte, error) {
	if err != nil {
		return dst, err
	}
	return certsum.AppendJSON(dst, v)
}

var _ certsum.RawPager = encodingReader{}

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
