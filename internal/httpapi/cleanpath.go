package httpapi

import (
	"net/http"
	"strings"

	"github.com/certsum/certsum"
)

// cleanPath collapses runs of slashes in the request path before routing, in place and
// without a redirect: an SDK configured with a base URL ending in "/" asks for "//v2024/...",
// and a redirect would turn its POSTs into GETs or be refused outright. A path with a "." or
// ".." segment names no resource: it is answered 404 in the error format, where the router
// would answer an HTML redirect.
func cleanPath(ew *errorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hasDotSegment(r.URL.Path) {
				ew.write(w, r, certsum.NotFoundf("no resource at %s", r.URL.Path))
				return
			}
			next.ServeHTTP(w, cleanSlashes(r))
		})
	}
}

// hasDotSegment reports whether a path has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for i := strings.Index(p, "/."); i >= 0; {
		rest := p[i+2:]
		if rest == "" || rest[0] == '/' || rest[0] == '.' && (len(rest) == 1 || rest[1] == '/') {
			return true
		}
		j := strings.Index(rest, "/.")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// cleanSlashes returns r with runs of slashes in its path collapsed.
func cleanSlashes(r *http.Request) *http.Request {
	if !strings.Contains(r.URL.Path, "//") {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = collapseSlashes(r.URL.Path)
	if r.URL.RawPath != "" {
		r2.URL.RawPath = collapseSlashes(r.URL.RawPath)
	}
	return r2
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
