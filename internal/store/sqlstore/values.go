package sqlstore

import (
	"encoding/json"

	"github.com/certsum/certsum/query"
)

// CountFromCounters answers the count of a list whose filter is absent or is exactly a test
// of completed ("completed eq false", "completed ne true", …) from a certification's stored
// total and completed counters, which the writes keep exact in the same transaction; ok is
// false for any other filter. It spares the COUNT over the rows of a large certification.
func CountFromCounters(filter query.Expr, total, completed int) (n int, ok bool) {
	if filter == nil {
		return total, true
	}
	c, isCompare := filter.(*query.Compare)
	if !isCompare || c.Field != "completed" {
		return 0, false
	}
	b, isBool := c.Value.(query.BoolLit)
	if !isBool {
		return 0, false
	}
	want := b.Value
	switch c.Op {
	case query.OpEq:
	case query.OpNe:
		want = !want
	default:
		return 0, false
	}
	if want {
		return completed, true
	}
	return total - completed, true
}

// JSONText encodes v for a JSON parameter (jsonb, or SQLite TEXT): its JSON text, or nil
// (NULL) for a nil value or one that encodes as null.
func JSONText(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}
