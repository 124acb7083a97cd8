package query

import (
	"strings"
	"testing"
)

var benchFilter = `access.name sw "Ro+le #1" and (completed eq false or id in ("a","b","c")) and not pr accessProfile.sourceName`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchFilter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLargest(b *testing.B) {
	src := strings.TrimSuffix(strings.Repeat(`name eq "x" or `, MaxFilterLength/15), " or ")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}
