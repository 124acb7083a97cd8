package httpapi

import (
	"math"
	"net/url"
	"strconv"

	"github.com/certsum/certsum"
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
// the Go and Python SDK encodings read the same): limit (0..certsum.MaxLimit, default
// certsum.DefaultLimit), offset (≥ 0, default 0), count ("true" or "false", default false),
// filters (validated against s) and sorters (s's sortable fields; empty means s's default
// order). An endpoint without sorters passes a schema with no sortable fields, so any
// sorter is rejected. Unknown parameters are ignored.
//
// Errors are *certsum.Error with CodeInvalid, Field set to the parameter's name and a message that
// starts with it and names the position, field or operator, e.g.
// `filters: offset 14: expected a value after 'eq'`.
func ParseListParams(v url.Values, s *query.Schema) (certsum.ListQuery, error) {
	q := certsum.ListQuery{Limit: certsum.DefaultLimit}
	var err error
	if q.Limit, err = intParam(v, ParamLimit, certsum.DefaultLimit, certsum.MaxLimit); err != nil {
		return certsum.ListQuery{}, err
	}
	if q.Offset, err = intParam(v, ParamOffset, 0, math.MaxInt32); err != nil {
		return certsum.ListQuery{}, err
	}
	if raw, ok := v[ParamCount]; ok {
		switch first(raw) {
		case "true":
			q.Count = true
		case "false":
		default:
			return certsum.ListQuery{}, certsum.Invalidf(ParamCount, "count: must be true or false, not %q", first(raw))
		}
	}
	if q.Filter, err = certsum.ParseFilter(v.Get(ParamFilters), s); err != nil {
		return certsum.ListQuery{}, err
	}
	if q.Sort, err = certsum.ParseSorters(v.Get(ParamSorters), s); err != nil {
		return certsum.ListQuery{}, err
	}
	return q, nil
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
		return 0, certsum.Invalidf(name, "%s: must be an integer from 0 to %d, not %q", name, max, text)
	}
	if n < 0 || n > max {
		return 0, certsum.Invalidf(name, "%s: must be from 0 to %d, not %d", name, max, n)
	}
	return n, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
