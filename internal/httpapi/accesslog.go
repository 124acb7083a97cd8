package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// statusRecorder remembers the status and size of a response for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logInfo collects facts that only inner layers learn (the verified client id) for the
// access log line written by the outer layer.
type logInfo struct {
	clientID string
}

type logInfoKey struct{}

// noteClient records the verified client id for the access log; a no-op outside accessLog.
func noteClient(ctx context.Context, clientID string) {
	if li, ok := ctx.Value(logInfoKey{}).(*logInfo); ok {
		li.clientID = clientID
	}
}

// accessLog writes one structured line per request after it completes: method, path,
// status, response size, duration, request id and, when authenticated, the client id. The
// query string is left out because filters may contain personal data.
func accessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			li := &logInfo{}
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logInfoKey{}, li)))
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("requestId", requestIDFrom(r.Context())),
			}
			if li.clientID != "" {
				attrs = append(attrs, slog.String("clientId", li.clientID))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		})
	}
}
