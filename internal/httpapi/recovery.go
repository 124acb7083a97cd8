package httpapi

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// recovery turns a panic in a later layer into a 500 ErrorResponseDto (when nothing was
// written yet) and logs the panic value and stack with the response's tracking id, so one
// bad request never takes the server down. http.ErrAbortHandler is re-raised: it is the
// standard way to abort a response on purpose.
func recovery(ew *errorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw := &trackingWriter{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if tw.wrote {
					ew.logger.Error("panic after the response started", "requestId", requestIDFrom(r.Context()),
						"method", r.Method, "path", r.URL.Path, "err", err.Error())
					return
				}
				ew.write(tw, r, err)
			}()
			next.ServeHTTP(tw, r)
		})
	}
}

// trackingWriter remembers whether the response has started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
