package certsum

import (
	"strings"

	"github.com/certsum/certsum/query"
)

// Names of the filters and sorters parameters, as errors about them name them.
const (
	fieldFilters = "filters"
	fieldSorters = "sorters"
)

// ParseFilter parses and validates a filters parameter against s. An empty (or blank)
// parameter means no filter and returns nil. Errors are *Error with CodeInvalid and Field
// "filters"; the message lists every problem with its byte offset in raw.
func ParseFilter(raw string, s *query.Schema) (query.Expr, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	e, err := query.ParseFor(raw, s)
	if err != nil {
		return nil, Invalidf(fieldFilters, "filters: %s", err.Error())
	}
	return e, nil
}

// ParseSorters parses and validates a sorters parameter against s; an empty parameter
// returns nil (s's default order). Errors are *Error with CodeInvalid and Field "sorters".
func ParseSorters(raw string, s *query.Schema) ([]query.SortKey, error) {
	keys, err := query.ParseSort(raw, s)
	if err != nil {
		return nil, Invalidf(fieldSorters, "sorters: %s", err.Error())
	}
	return keys, nil
}
