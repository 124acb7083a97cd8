package sqlstore

import (
	"testing"

	"github.com/certsum/certsum/query"
)

func TestCountFromCounters(t *testing.T) {
	for src, want := range map[string]int{"": 10, "completed eq true": 4, "completed ne true": 6, "completed eq false": 6, "completed ne false": 4} {
		var f query.Expr
		if src != "" {
			var err error
			if f, err = query.Parse(src); err != nil {
				t.Fatal(err)
			}
		}
		if n, ok := CountFromCounters(f, 10, 4); !ok || n != want {
			t.Errorf("%q: %d %t, want %d", src, n, ok, want)
		}
	}
	for _, src := range []string{`name eq "x"`, "completed eq true and completed eq true", `id in ("a")`} {
		f, err := query.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := CountFromCounters(f, 10, 4); ok {
			t.Errorf("%q was answered from counters", src)
		}
	}
}

func TestJSONText(t *testing.T) {
	var nilMap map[string]int
	for v, want := range map[any]any{nil: nil, "x": `"x"`} {
		if got, err := JSONText(v); err != nil || got != want {
			t.Errorf("JSONText(%v) = %v, %v", v, got, err)
		}
	}
	if got, err := JSONText(nilMap); err != nil || got != nil {
		t.Errorf("a nil map encodes as %v, %v; want NULL", got, err)
	}
}
