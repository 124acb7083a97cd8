package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// exceededBody is SailPoint's documented 429 body, spaces included.
const exceededBody = `{"message":" Rate Limit Exceeded "}`

// Middleware counts each request under key(r) and answers 429 (see WriteExceeded) once the
// key is over its limit. An empty key is not limited, nor is any request when l is nil. A
// limiter error lets the request through: limiters fail open and report their own failures.
func Middleware(l Limiter, key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k := key(r)
			if k == "" {
				next.ServeHTTP(w, r)
				return
			}
			res, err := l.Allow(r.Context(), k)
			if err == nil && !res.Allowed {
				WriteExceeded(w, res.RetryAfter)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WriteExceeded writes the 429 answer: `{"message":" Rate Limit Exceeded "}` as
// application/json, with Retry-After as whole seconds rounded up (at least 1), so a client
// that waits that long is in the next window.
func WriteExceeded(w http.ResponseWriter, retryAfter time.Duration) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.FormatInt(retryAfterSeconds(retryAfter), 10))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(exceededBody))
}
