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

// logInfo collects facts that only inner layers learn (the verified client id, the route
// pattern that matched, the tracking id of an error answer) for the access log line and the
// request metrics written by the outer layer.
type logInfo struct {
	clientID   string
	route      string
	trackingID string
}

type logInfoKey struct{}

// noteClient records the verified client id for the access log; a no-op outside accessLog.
func noteClient(ctx context.Context, clientID string) {
	if li, ok := ctx.Value(logInfoKey{}).(*logInfo); ok {
		li.clientID = clientID
	}
}

// noteTracking records the tracking id of the error answer for the access log.
func noteTracking(ctx context.Context, id string) {
	if li, ok := ctx.Value(logInfoKey{}).(*logInfo); ok {
		li.trackingID = id
	}
}

// routed marks the requests h serves as matched by pattern, for the access log and the
// metrics.
func routed(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if li, ok := r.Context().Value(logInfoKey{}).(*logInfo); ok {
			li.route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

// RequestObserver sees every answered request (internal/metrics): the route pattern that
// matched ("" for none), the method, the status and the time it took.
type RequestObserver interface {
	ObserveRequest(route, method string, status int, d time.Duration)
}

// accessLog writes one structured line per request after it completes: method, path, the
// route pattern that matched, status, response size, duration, request id and, when there
// is one, the client id and the tracking id the error answer carries. The query string is
// left out because filters may contain personal data. obs, when set, sees the same facts.
func accessLog(logger *slog.Logger, obs RequestObserver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			li := &logInfo{}
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logInfoKey{}, li)))
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			if obs != nil {
				obs.ObserveRequest(li.route, r.Method, rec.status, d)
			}
			if !logger.Enabled(r.Context(), slog.LevelInfo) {
				return
			}
			attrs := make([]slog.Attr, 0, 10)
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", li.route),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", d),
				slog.String("requestId", requestIDFrom(r.Context())),
			)
			if li.clientID != "" {
				attrs = append(attrs, slog.String("clientId", li.clientID))
			}
			if li.trackingID != "" {
				attrs = append(attrs, slog.String("trackingId", li.trackingID))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		})
	}
}
