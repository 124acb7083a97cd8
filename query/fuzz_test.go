package query

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with a *SyntaxError, and
// that every accepted filter survives the canonical round trip: Parse(e.String()) equals e
// and String is a fixed point. The compact rendering must never be longer than the input,
// which is what keeps the round trip within MaxFilterLength. Validate and Eval must not panic on the result either.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.src)
	}
	for _, tc := range syntaxCases {
		f.Add(tc.src)
	}
	for _, tc := range validateCases {
		f.Add(tc.src)
	}
	rec := Map{"id": "x", "name": nil, "done": true, "size": 1, "due": nil, "tags": []string{"a"}, "owner.name": "o"}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) returned %T, not *SyntaxError", src, err)
			}
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("Parse(%q): offset %d outside the input", src, se.Offset)
			}
			return
		}
		canon := e.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", src, canon, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("round trip of %q changed the AST:\n%s\nvs\n%s", src, dump(e), dump(again))
		}
		if s := again.String(); s != canon {
			t.Fatalf("String is not canonical: %q then %q", canon, s)
		}
		var w tokenWriter
		w.expr(e)
		if compact := w.join(true); len(compact) > len(src) {
			t.Fatalf("compact form %q is longer than the input %q", compact, src)
		}
		if Validate(e, testSchema) == nil {
			if _, err := Eval(e, rec); err != nil {
				t.Fatalf("Eval of valid filter %q: %v", src, err)
			}
		}
	})
}
