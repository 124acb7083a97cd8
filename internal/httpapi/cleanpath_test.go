package httpapi

import (
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
	h := cleanPath(mux)
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
