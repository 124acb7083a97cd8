package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/certsum/certsum"
)

// onceParams are the query parameters a request may give at most once: a repeat would make
// the answer depend on which copy a layer reads.
var onceParams = []string{ParamFilters, ParamSorters, ParamLimit, ParamOffset, ParamCount}

// strictQuery refuses, with a 400 ErrorResponseDto naming the parameter, a query string that
// does not decode (a malformed %-escape, a ';' separator) or that repeats one of onceParams.
// Go's own parser drops such a parameter and goes on, which would answer an unfiltered list
// to a filtered request. Unknown parameters stay ignored, as SailPoint ignores them.
//
// The values it decoded ride in the request's context, so that handlers read them with
// queryValues instead of decoding the query string a second time.
func strictQuery(ew *errorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.RawQuery != "" {
				v, err := parseQuery(r.URL.RawQuery)
				if err != nil {
					ew.write(w, r, err)
					return
				}
				r = r.WithContext(context.WithValue(r.Context(), queryKey{}, v))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// queryKey carries the query values strictQuery decoded.
type queryKey struct{}

// queryValues returns the request's decoded query string: strictQuery's when it ran, else
// the URL's own decoding.
func queryValues(r *http.Request) url.Values {
	if v, ok := r.Context().Value(queryKey{}).(url.Values); ok {
		return v
	}
	if r.URL.RawQuery == "" {
		return url.Values{}
	}
	return r.URL.Query()
}

// parseQuery decodes a raw query string as url.ParseQuery does, but refuses what
// strictQuery refuses instead of dropping it; the error is a certsum.Error with CodeInvalid
// and the parameter's name as Field.
func parseQuery(raw string) (url.Values, error) {
	v := url.Values{}
	var seen [5]bool
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, certsum.Invalidf(rawKey, "%s: the parameter name is not a valid query-string encoding (%v)", rawKey, unwrapURLError(err))
		}
		if strings.Contains(part, ";") {
			return nil, certsum.Invalidf(key, "%s: ';' is not a separator of query parameters; encode it as %%3B", key)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, certsum.Invalidf(key, "%s: the value is not a valid query-string encoding (%v)", key, unwrapURLError(err))
		}
		for i, name := range onceParams {
			if key == name {
				if seen[i] {
					return nil, certsum.Invalidf(key, "%s: given more than once; give it once", key)
				}
				seen[i] = true
			}
		}
		v[key] = append(v[key], value)
	}
	return v, nil
}

// unwrapURLError returns the text of an url.EscapeError without the package's prefix.
func unwrapURLError(err error) string {
	if e, ok := err.(url.EscapeError); ok {
		return "invalid escape " + string(e)
	}
	return err.Error()
}
