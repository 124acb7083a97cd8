package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCleanPathCollapsesSlashesWithoutARedirect(t *testing.T) {
	mux := http.NewServeMux()
	var got string
	mux.HandleFunc("POST /v2024/certifications/{id}/decide", func(w http.ResponseWriter, r *http.Request) {
		got = r.PathValue("id")
	})
	h := cleanPath(&errorWriter{logger: slog.New(slog.DiscardHandler)})(mux)
	tests := []struct{ name, target, want string }{
		{"a base URL ending in a slash", "//v2024/certifications/abc/decide", "abc"},
		{"slashes in the middle", "/v2024//certifications///abc/decide", "abc"},
		{"an escaped id keeps its escape", "//v2024/certifications/a%2Fb/decide", "a/b"},
		{"a clean path is untouched", "/v2024/certifications/abc/decide", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = ""
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", tt.target, nil))
			if rec.Code != 200 || got != tt.want {
				t.Errorf("status %d id %q, want 200 %q", rec.Code, got, tt.want)
			}
		})
	}
}

func TestDotSegmentsAreNotFoundInTheErrorFormat(t *testing.T) {
	reached := false
	h := cleanPath(&errorWriter{logger: slog.New(slog.DiscardHandler)})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	for _, target := range []string{"/v2024/certifications/../decide", "/v2024/./certifications", "/v2024/certifications/x/.."} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/json" || reached {
			t.Errorf("%s: %d %q (handler reached: %t)", target, rec.Code, rec.Header().Get("Content-Type"), reached)
		}
	}
}

func TestHasDotSegment(t *testing.T) {
	for p, want := range map[string]bool{
		"/a/./b": true, "/a/../b": true, "/a/..": true, "/a/.": true, "/./a": true, "/..": true,
		"/a/.b": false, "/a/..b": false, "/a/b.": false, "/a/...": false, "/a.b/c": false, "/": false, "": false,
		"/a/.x/..": true, "/a/.x/.y": false,
	} {
		if got := hasDotSegment(p); got != want {
			t.Errorf("hasDotSegment(%q) = %t, want %t", p, got, want)
		}
	}
}
