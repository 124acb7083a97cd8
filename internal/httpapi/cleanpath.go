package httpapi

import (
	"net/http"
	"strings"
)

// cleanPath collapses runs of slashes in the request path before routing, in place and
// without a redirect: an SDK configured with a base URL ending in "/" asks for "//v2024/...",
// and a redirect would turn its POSTs into GETs or be refused outright.
func cleanPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "//") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = collapseSlashes(r.URL.Path)
			if r.URL.RawPath != "" {
				r2.URL.RawPath = collapseSlashes(r.URL.RawPath)
			}
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

func collapseSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
