package httpapi

import (
	"net/url"
	"reflect"
	"testing"
)

// parseQuery agrees with net/url: what it accepts, url.ParseQuery decodes to the same values,
// without error and with no list parameter twice; what url.ParseQuery refuses, parseQuery refuses too.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "limit=1", "filters=phase%20eq%20%22SIGNED%22%ZZ", "a;b=c", "limit=1&limit=2", "count=true&x=%20",
		"filters=id+eq+%22a%3Bb%22", "%", "=&&=", "sorters=name&sorters=-name", "fil%ZZters=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseQuery(raw)
		v, perr := url.ParseQuery(raw)
		if err == nil {
			if perr != nil {
				t.Fatalf("parseQuery accepted %q, url.ParseQuery refuses it: %v", raw, perr)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("parseQuery(%q) = %v, url.ParseQuery = %v", raw, got, v)
			}
			for _, name := range onceParams {
				if len(v[name]) > 1 {
					t.Fatalf("parseQuery accepted %q with %s given %d times", raw, name, len(v[name]))
				}
			}
		} else if err.Error() == "" {
			t.Fatalf("empty error for %q", raw)
		}
	})
}
