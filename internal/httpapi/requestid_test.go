package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	var seen string
	h := requestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = requestIDFrom(r.Context()) }))
	tests := []struct {
		name   string
		header string
		keep   bool
	}{
		{"a safe incoming id is kept", "abc-123_X.y", true},
		{"a missing id is generated", "", false},
		{"an id with spaces is replaced", "a b", false},
		{"an id with a newline is replaced", "a\nlevel=ERROR", false},
		{"an overlong id is replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				req.Header.Set("X-Request-Id", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if got != seen {
				t.Errorf("response id %q, context id %q", got, seen)
			}
			if tt.keep && got != tt.header {
				t.Errorf("id = %q, want %q", got, tt.header)
			}
			if !tt.keep && !trackingIDPattern.MatchString(got) {
				t.Errorf("id = %q, want a fresh 32-hex id", got)
			}
		})
	}
}

func TestRequestIDFromIsEmptyOutsideTheMiddleware(t *testing.T) {
	if id := requestIDFrom(httptest.NewRequest("GET", "/", nil).Context()); id != "" {
		t.Errorf("id = %q", id)
	}
}
