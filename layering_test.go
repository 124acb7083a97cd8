package certsum_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces STYLE.md §1: arrows point inward only. Each rule names a
// package (or package prefix) and the module-internal packages it must never depend on.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/certsum/certsum"
	list := func(field string) map[string][]string {
		out, err := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .`+field+`}} {{.}}{{end}}`, mod+"/...").Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		m := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			m[f[0]] = f[1:]
		}
		return m
	}
	deps, imports := list("Deps"), list("Imports")
	if len(deps) < 3 {
		t.Fatalf("go list found only %d packages; the test would prove nothing", len(deps))
	}
	internal := func(p string) bool { return strings.HasPrefix(p, mod+"/internal/") }
	cmd := func(p string) bool { return strings.HasPrefix(p, mod+"/cmd/") }
	backend := func(p string) bool {
		return p == mod+"/internal/store/sqlite" || p == mod+"/internal/store/postgres"
	}
	rules := []struct {
		name      string
		applies   func(pkg string) bool
		forbidden func(dep string) bool
	}{
		{"nothing imports cmd/*", func(string) bool { return true }, cmd},
		{"the root package imports only query and the standard library",
			func(p string) bool { return p == mod },
			func(d string) bool { return strings.HasPrefix(d, mod+"/") && d != mod+"/query" }},
		{"the root package knows nothing of HTTP (query strings are httpapi's)",
			func(p string) bool { return p == mod },
			func(d string) bool { return d == "net/http" || d == "net/url" }},
		{"query imports only the standard library",
			func(p string) bool { return p == mod+"/query" },
			func(d string) bool { return strings.Contains(d, ".") && !strings.HasPrefix(d, "vendor/") }},
		{"client never imports internal packages",
			func(p string) bool { return strings.HasPrefix(p, mod+"/client") }, internal},
		{"backends never import each other, httpapi, dashboard or auth",
			backend,
			func(d string) bool {
				return backend(d) || strings.HasPrefix(d, mod+"/internal/httpapi") ||
					strings.HasPrefix(d, mod+"/internal/dashboard") || strings.HasPrefix(d, mod+"/internal/auth")
			}},
		{"the read model is no HTTP package: it imports neither net/http nor httpapi or auth",
			func(p string) bool {
				return strings.HasPrefix(p, mod+"/internal/readmodel")
			},
			func(d string) bool {
				return d == "net/http" || strings.HasPrefix(d, mod+"/internal/httpapi") || strings.HasPrefix(d, mod+"/internal/auth")
			}},
		{"nothing imports the benchmark tools",
			func(string) bool { return true },
			func(d string) bool { return strings.HasPrefix(d, mod+"/bench/") }},
		{"test helpers are imported by tests only",
			func(string) bool { return true },
			func(d string) bool {
				return d == mod+"/internal/store/postgres/pgtest" || d == mod+"/internal/store/storetest"
			}},
		{"the shared SQL core imports no backend, no driver and nothing above the store",
			func(p string) bool { return p == mod+"/internal/store/sqlstore" },
			func(d string) bool {
				return backend(d) || d == "database/sql" || strings.HasPrefix(d, "github.com/jackc/") ||
					strings.HasPrefix(d, "modernc.org/") || strings.HasPrefix(d, mod+"/internal/readmodel") ||
					strings.HasPrefix(d, mod+"/internal/httpapi") || strings.HasPrefix(d, mod+"/internal/auth")
			}},
		{"the read model depends on the root package and query alone, not on any store",
			func(p string) bool { return strings.HasPrefix(p, mod+"/internal/readmodel") },
			func(d string) bool { return strings.HasPrefix(d, mod+"/internal/") }},
		{"handlers never import a concrete backend",
			func(p string) bool {
				return strings.HasPrefix(p, mod+"/internal/httpapi") || strings.HasPrefix(p, mod+"/internal/dashboard")
			}, backend},
	}
	for _, r := range rules {
		for pkg, ds := range deps {
			if !r.applies(pkg) || cmd(pkg) && r.name != "nothing imports cmd/*" {
				continue
			}
			for _, d := range ds {
				if d != pkg && r.forbidden(d) {
					t.Errorf("%s: %s imports %s", r.name, pkg, d)
				}
			}
		}
	}
	// The SQL drivers are their backends' own: no other package imports one itself (what it
	// reaches through a backend is the backend's business). The inventory reader opens the
	// SQLite database inside a baton .c1z file, which is no certsum store.
	driver := func(d string) bool {
		return d == "modernc.org/sqlite" || strings.HasPrefix(d, "modernc.org/sqlite/") ||
			d == "github.com/jackc/pgx/v5" || strings.HasPrefix(d, "github.com/jackc/pgx/v5/")
	}
	for pkg, ds := range imports {
		if backend(pkg) || pkg == mod+"/internal/store/postgres/pgtest" || pkg == mod+"/internal/inventory" {
			continue
		}
		for _, d := range ds {
			if driver(d) {
				t.Errorf("the drivers are their backends' own: %s imports %s", pkg, d)
			}
		}
	}
}
