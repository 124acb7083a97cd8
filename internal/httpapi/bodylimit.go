package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Body bounds. maxBodyBytes fits the largest legal request: 250 decisions, each with
// certsum.MaxTextLength characters of comments at four bytes a character and a
// recommendation with reasons. drainBytes is how much of a larger body certsum still reads
// (and throws away) so that the client, which is still sending, can read the 413 instead of
// seeing its connection reset; beyond it the connection is closed.
const (
	maxBodyBytes = 8 << 20
	drainBytes   = 64 << 20
)

// Detail codes of the transport-level refusals.
const (
	detailTooLarge    = "413 Payload Too Large"
	detailUnsupported = "415 Unsupported Media Type"
)

// statusError is a refusal that the certsum error codes do not describe because it concerns
// the HTTP exchange itself (413, 415); it is rendered as an ErrorResponseDto like any other.
type statusError struct {
	status int
	detail string
	text   string
}

func (e *statusError) Error() string { return e.text }

// limitBody bounds every request body to maxBodyBytes. A body announced larger is refused
// with 413 before any handler runs; one that turns out larger while a handler reads it
// fails that read with *http.MaxBytesError, which the handler reports as 413. Either way the
// rest of the body, up to drainBytes, is read and discarded before the answer goes out.
func limitBody(ew *errorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			body := r.Body
			defer drain(body)
			limit := int64(maxBodyBytes)
			if r.URL.Path == importsPath {
				limit = maxImportBytes // an inventory is as large as the organisation
			}
			if r.ContentLength > limit {
				drain(body)
				ew.write(w, r, tooLarge())
				return
			}
			r.Body = http.MaxBytesReader(w, body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// drain reads and discards what is left of a request body, up to drainBytes.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, drainBytes)
}

func tooLarge() error {
	return &statusError{http.StatusRequestEntityTooLarge, detailTooLarge,
		fmt.Sprintf("the request body exceeds %d bytes", maxBodyBytes)}
}

// requireJSON refuses a request whose Content-Type is not application/json (parameters
// such as charset are allowed) with 415: the operations with a body take JSON only.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		shown := ct
		if shown == "" {
			shown = "none"
		}
		return &statusError{http.StatusUnsupportedMediaType, detailUnsupported,
			fmt.Sprintf("the request body must be sent as Content-Type: application/json, not %s", shown)}
	}
	return nil
}

// isTooLarge reports whether err is a read past maxBodyBytes.
func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
