package httpapi

import (
	"context"
	"net/http"

	"github.com/certsum/certsum"
)

// requestIDHeader carries the request id in both directions.
const requestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// requestID gives every request an id: the caller's X-Request-Id when it is a short token of
// safe characters (so ids can be correlated across a proxy), a fresh one otherwise. The id is
// echoed in the response header and available to later layers through requestIDFrom.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = certsum.NewID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// requestIDFrom returns the request id, or "" outside the requestID middleware.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts 1 to 64 characters from [A-Za-z0-9._-]; anything else could forge
// log lines or bloat them.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
