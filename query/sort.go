package query

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// String renders the key as in a sorters list: the field, prefixed with '-' when
// descending.
func (k SortKey) String() string {
	if k.Desc {
		return "-" + k.Field
	}
	return k.Field
}

// ParseSort parses a sorters parameter — comma-separated fields, each optionally prefixed
// with '-' for descending order — and checks it against s: every field must be one of s's
// sortable fields and appear once. Spaces around a key are ignored. An empty (or all
// blank) parameter returns nil, meaning s's default order. Errors are a *ValidationError
// listing every bad key with its byte offset.
func ParseSort(raw string, s *Schema) ([]SortKey, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var (
		keys []SortKey
		out  []Violation
		seen = map[string]bool{}
		off  int
	)
	for _, part := range strings.Split(raw, ",") {
		pos := off + len(part) - len(strings.TrimLeft(part, " \t"))
		off += len(part) + 1
		item := strings.TrimSpace(part)
		bad := func(field, format string, args ...any) {
			out = append(out, Violation{Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		if item == "" {
			bad("", "empty sort key")
			continue
		}
		k := SortKey{Field: item}
		if strings.HasPrefix(item, "-") {
			k = SortKey{Field: item[1:], Desc: true}
		}
		f, ok := s.Field(k.Field)
		switch {
		case k.Field == "":
			bad("", "'-' must be followed by a field")
		case !ok:
			bad(k.Field, "unknown sort field %q%s", k.Field, sortableHint(s))
		case !f.Sortable:
			bad(k.Field, "field %q cannot be sorted on%s", k.Field, sortableHint(s))
		case seen[k.Field]:
			bad(k.Field, "field %q appears more than once in sorters", k.Field)
		default:
			seen[k.Field] = true
			keys = append(keys, k)
		}
	}
	if len(out) > 0 {
		return nil, &ValidationError{Violations: out}
	}
	return keys, nil
}

func sortableHint(s *Schema) string {
	var names []string
	for _, f := range s.Fields {
		if f.Sortable {
			names = append(names, fmt.Sprintf("%q", f.Name))
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("; %s takes no sorters", s.Name)
	}
	return "; sortable fields are " + strings.Join(names, ", ")
}

// SortKeys returns the order a list uses: keys, or s.DefaultSort when keys is empty. The
// id tie-breaker (s.IDField / s.IDColumn) is not included; CompareRecords and the SQL compiler
// always add it last.
func SortKeys(s *Schema, keys []SortKey) []SortKey {
	if len(keys) == 0 {
		return s.DefaultSort
	}
	return keys
}

// CompareRecords orders two records the way the SQL backends do: by SortKeys(s, keys), then by
// s.IDField ascending. Strings compare byte-wise, booleans false < true, numbers
// numerically, date-times chronologically at millisecond precision; null sorts before any
// value in ascending order and after every value in descending order. A missing attribute
// counts as null.
func CompareRecords(s *Schema, keys []SortKey, a, b Record) int {
	for _, k := range SortKeys(s, keys) {
		if c := compareAttr(a, b, k.Field); c != 0 {
			if k.Desc {
				return -c
			}
			return c
		}
	}
	return compareAttr(a, b, idField(s))
}

// Less reports whether a sorts before b (see CompareRecords).
func Less(s *Schema, keys []SortKey, a, b Record) bool {
	return CompareRecords(s, keys, a, b) < 0
}

// Sort sorts rs in place by CompareRecords.
func Sort[R Record](s *Schema, keys []SortKey, rs []R) {
	slices.SortStableFunc(rs, func(a, b R) int { return CompareRecords(s, keys, a, b) })
}

// Select is the reference list operation: the records matching e, sorted by CompareRecords, with
// offset and limit applied (a negative limit means no limit), plus the number of matching
// records before paging.
func Select[R Record](s *Schema, rs []R, e Expr, keys []SortKey, limit, offset int) ([]R, int, error) {
	var match []R
	for _, r := range rs {
		ok, err := Eval(e, r)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			match = append(match, r)
		}
	}
	Sort(s, keys, match)
	total := len(match)
	if offset < 0 {
		offset = 0
	}
	if offset > total {
		offset = total
	}
	end := total
	if limit >= 0 && offset+limit < end {
		end = offset + limit
	}
	return match[offset:end], total, nil
}

func idField(s *Schema) string {
	if s.IDField != "" {
		return s.IDField
	}
	return "id"
}

func compareAttr(a, b Record, field string) int {
	x, _ := a.Attr(field)
	y, _ := b.Attr(field)
	return compareAny(x, y)
}

// compareAny orders two attribute values: null first, then by value within a type (values
// of different types, which a schema never produces, order by type).
func compareAny(x, y any) int {
	x, okx := normalize(x)
	y, oky := normalize(y)
	if !okx || !oky {
		return compareBool(okx, oky)
	}
	rx, ry := typeRank(x), typeRank(y)
	if rx != ry {
		return rx - ry
	}
	switch a := x.(type) {
	case string:
		return strings.Compare(a, y.(string))
	case bool:
		return compareBool(a, y.(bool))
	case float64:
		return compareFloat(a, y.(float64))
	case time.Time:
		return a.Compare(y.(time.Time))
	case []string:
		return slices.Compare(a, y.([]string))
	}
	return 0
}

func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case float64:
		return 2
	case string:
		return 3
	case time.Time:
		return 4
	}
	return 5
}
