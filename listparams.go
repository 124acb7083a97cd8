package certsum

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/certsum/certsum/query"
)

// List parameter names, as the v2024 document spells them.
const (
	ParamLimit   = "limit"
	ParamOffset  = "offset"
	ParamCount   = "count"
	ParamFilters = "filters"
	ParamSorters = "sorters"
)

// ParseListParams reads the standard collection parameters of a list endpoint from a
// decoded query string (r.URL.Query(), which turns '+' into a space and "%2B" into '+', so
// the Go and Python SDK encodings read the same): limit (0..MaxLimit, default
// DefaultLimit), offset (≥ 0, default 0), count ("true" or "false", default false),
// filters (validated against s) and sorters (s's sortable fields; empty means s's default
// order). An endpoint without sorters passes a schema with no sortable fields, so any
// sorter is rejected. Unknown parameters are ignored.
//
// Errors are *Error with CodeInvalid, Field set to the parameter's name and a message that
// starts with it and names the position, field or operator, e.g.
// `filters: offset 14: expected a value after 'eq'`.
func ParseListParams(v url.Values, s *query.Schema) (ListQuery, error) {
	q := ListQuery{Limit: DefaultLimit}
	var err error
	if q.Limit, err = intParam(v, ParamLimit, DefaultLimit, MaxLimit); err != nil {
		return ListQuery{}, err
	}
	if q.Offset, err = intParam(v, ParamOffset, 0, math.MaxInt32); err != nil {
		return ListQuery{}, err
	}
	if raw, ok := v[ParamCount]; ok {
		switch first(raw) {
		case "true":
			q.Count = true
		case "false":
		default:
			return ListQuery{}, Invalidf(ParamCount, "count: must be true or false, not %q", first(raw))
		}
	}
	if q.Filter, err = ParseFilter(v.Get(ParamFilters), s); err != nil {
		return ListQuery{}, err
	}
	if q.Sort, err = ParseSorters(v.Get(ParamSorters), s); err != nil {
		return ListQuery{}, err
	}
	return q, nil
}

// ParseFilter parses and validates a filters parameter against s. An empty (or blank)
// parameter means no filter and returns nil. Errors are *Error with CodeInvalid and Field
// "filters"; the message lists every problem with its byte offset in raw.
func ParseFilter(raw string, s *query.Schema) (query.Expr, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	e, err := query.ParseFor(raw, s)
	if err != nil {
		return nil, Invalidf(ParamFilters, "filters: %s", err.Error())
	}
	return e, nil
}

// ParseSorters parses and validates a sorters parameter against s; an empty parameter
// returns nil (s's default order). Errors are *Error with CodeInvalid and Field "sorters".
func ParseSorters(raw string, s *query.Schema) ([]query.SortKey, error) {
	keys, err := query.ParseSort(raw, s)
	if err != nil {
		return nil, Invalidf(ParamSorters, "sorters: %s", err.Error())
	}
	return keys, nil
}

// intParam reads an integer parameter from 0 to max, def when absent.
func intParam(v url.Values, name string, def, max int) (int, error) {
	raw, ok := v[name]
	if !ok {
		return def, nil
	}
	text := first(raw)
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, Invalidf(name, "%s: must be an integer from 0 to %d, not %q", name, max, text)
	}
	if n < 0 || n > max {
		return 0, Invalidf(name, "%s: must be from 0 to %d, not %d", name, max, n)
	}
	return n, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
