package query

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// dump renders an AST as an indented tree, one node per line, showing literal types.
func dump(e Expr) string {
	var b strings.Builder
	var walk func(e Expr, depth int)
	walk = func(e Expr, depth int) {
		ind := strings.Repeat("  ", depth)
		switch n := e.(type) {
		case *Logical:
			fmt.Fprintf(&b, "%s%s\n", ind, n.Op)
			walk(n.Left, depth+1)
			walk(n.Right, depth+1)
		case *Not:
			fmt.Fprintf(&b, "%snot\n", ind)
			walk(n.X, depth+1)
		case *Compare:
			fmt.Fprintf(&b, "%s%s %s %s\n", ind, n.Field, n.Op, dumpLit(n.Value))
		case *List:
			vals := make([]string, len(n.Values))
			for i, v := range n.Values {
				vals[i] = dumpLit(v)
			}
			fmt.Fprintf(&b, "%s%s %s [%s]\n", ind, n.Field, n.Op, strings.Join(vals, ", "))
		case *Presence:
			fmt.Fprintf(&b, "%s%s %s\n", ind, n.Field, n.Op)
		default:
			fmt.Fprintf(&b, "%s%#v\n", ind, e)
		}
	}
	walk(e, 0)
	return b.String()
}

func dumpLit(l Literal) string {
	if l == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s(%s)", l.Type(), l)
}

// checkGolden compares got with testdata/name, rewriting the file under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (run go test -update to accept):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ between want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n-%s\n+%s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	var b strings.Builder
	for _, tc := range parseCases {
		e, err := Parse(tc.src)
		fmt.Fprintf(&b, "== %s\n%s\n", tc.name, tc.src)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n\n", err)
			continue
		}
		fmt.Fprintf(&b, "%s-> %s\n\n", dump(e), e)
	}
	for _, tc := range syntaxCases {
		_, err := Parse(tc.src)
		fmt.Fprintf(&b, "== %s\n%q\nerror: %v\n\n", tc.name, tc.src, err)
	}
	checkGolden(t, "parse.golden", b.String())
}
