package storetest

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"

	"github.com/certsum/certsum/query"
)

// genFilters returns the filter cases of one schema over one collection: for every
// filterable field, every operator it allows with values taken from the records (as stored,
// with flipped case, as prefixes, missing from the data, and LIKE metacharacters), then
// random not/and/or compositions of those predicates. Every case validates against the
// schema; compositions the schema forbids (one and/or at most, distinct fields) are left out.
func genFilters(s *query.Schema, recs []query.Map, rng *rand.Rand) []string {
	var preds []string
	for _, f := range s.Fields {
		if len(f.Ops) == 0 {
			continue
		}
		vals := distinctValues(f.Name, recs)
		for _, op := range f.Ops {
			preds = append(preds, predicates(f, op, vals)...)
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(src string) {
		if seen[src] {
			return
		}
		if _, err := query.ParseFor(src, s); err != nil {
			return
		}
		seen[src] = true
		out = append(out, src)
	}
	for _, p := range preds {
		add(p)
	}
	pick := func() string { return preds[rng.IntN(len(preds))] }
	for i := 0; i < 60 && len(preds) > 1; i++ {
		switch i % 6 {
		case 0:
			add("not " + pick())
		case 1:
			add(pick() + " and " + pick())
		case 2:
			add(pick() + " or " + pick())
		case 3:
			add("not (" + pick() + " or " + pick() + ") and " + pick())
		case 4:
			add("(" + pick() + " or " + pick() + ") and not " + pick())
		case 5:
			add("not " + pick() + " or " + pick() + " and " + pick())
		}
	}
	return out
}

// distinctValues returns the non-null values of a field (collections flattened), sorted.
func distinctValues(field string, recs []query.Map) []any {
	seen := map[string]any{}
	for _, r := range recs {
		switch v := r[field].(type) {
		case nil:
		case []string:
			for _, x := range v {
				seen["s"+x] = x
			}
		case string:
			seen["s"+v] = v
		default:
			seen[fmt.Sprintf("%T%v", v, v)] = v
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = seen[k]
	}
	return out
}

// stringPicks chooses the string values to filter with: the first, middle and last present
// values, one with its ASCII case flipped, special characters when the data has them, and a
// value that matches nothing.
func stringPicks(vals []any) []string {
	var strs []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			strs = append(strs, s)
		}
	}
	var out []string
	if n := len(strs); n > 0 {
		out = append(out, strs[0], strs[n/2], strs[n-1], flipCase(strs[n/3]))
		for _, s := range strs {
			if strings.ContainsAny(s, `%_\"`) || hasNonASCII(s) {
				out = append(out, s, flipCase(s))
			}
		}
	}
	return append(out, "no such value")
}

// prefixes returns the starts-with operands of a string field.
func prefixes(vals []any) []string {
	out := []string{"", "%", "_", `\`, "100%", "100_", "z", "é", "É"}
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		r := []rune(s)
		for _, n := range []int{1, 2, 4} {
			if n <= len(r) {
				out = append(out, string(r[:n]), flipCase(string(r[:n])))
			}
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func predicates(f query.Field, op query.Op, vals []any) []string {
	lit := func(s string) string { return query.StringLit{Value: s}.String() }
	var out []string
	switch f.Type {
	case query.TypeBool:
		switch op {
		case query.OpEq, query.OpNe:
			out = append(out, f.Name+" "+string(op)+" true", f.Name+" "+string(op)+" false")
		}
		return out
	case query.TypeString:
	default:
		return nil
	}
	picks := stringPicks(vals)
	switch op {
	case query.OpEq, query.OpNe, query.OpGt, query.OpGe, query.OpLt, query.OpLe:
		for _, p := range picks {
			out = append(out, f.Name+" "+string(op)+" "+lit(p))
		}
	case query.OpIn:
		for i := 0; i < len(picks); i++ {
			j := (i + 1) % len(picks)
			out = append(out, fmt.Sprintf("%s in (%s)", f.Name, lit(picks[i])),
				fmt.Sprintf("%s in (%s, %s)", f.Name, lit(picks[i]), lit(picks[j])))
		}
	case query.OpSw, query.OpCo:
		for _, p := range prefixes(vals) {
			out = append(out, f.Name+" "+string(op)+" "+lit(p))
		}
	case query.OpCa:
		for i := 0; i < len(picks); i++ {
			j := (i + 2) % len(picks)
			out = append(out, fmt.Sprintf("%s ca (%s)", f.Name, lit(picks[i])),
				fmt.Sprintf("%s ca (%s, %s)", f.Name, lit(picks[i]), lit(flipCase(picks[j]))))
		}
	case query.OpPr:
		out = append(out, "pr "+f.Name)
	case query.OpIsNull:
		out = append(out, f.Name+" isnull")
	}
	return out
}

// genSorts returns sorter cases: the default order, every sortable field in both
// directions, and every ordered pair of sortable fields in mixed directions.
func genSorts(s *query.Schema) []string {
	out := []string{""}
	var fields []string
	for _, f := range s.Fields {
		if f.Sortable {
			fields = append(fields, f.Name)
		}
	}
	for _, f := range fields {
		out = append(out, f, "-"+f)
	}
	for _, a := range fields {
		for _, b := range fields {
			if a != b {
				out = append(out, a+",-"+b, "-"+a+","+b)
			}
		}
	}
	return out
}

// page is one limit/offset/count case.
type page struct {
	limit, offset int
	count         bool
}

// genPages returns paging cases around a collection of n records: empty pages, single
// records, the last partial page, exactly the end, past the end, and the maximum limit.
func genPages(n int) []page {
	return []page{
		{0, 0, true}, {0, 0, false}, {1, 0, true}, {1, 1, false}, {2, max(n-1, 0), true}, {3, max(n-2, 0), false},
		{3, n, true}, {5, n + 5, true}, {250, 0, false}, {n, 0, true}, {max(n-1, 1), 1, true}, {4, 3, true},
	}
}

func flipCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return unicode.ToUpper(r)
		case 'A' <= r && r <= 'Z':
			return unicode.ToLower(r)
		}
		return r
	}, s)
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

func dedupe(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
