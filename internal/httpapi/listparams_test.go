package httpapi

import (
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

func mustParseQuery(tb testing.TB, raw string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestParseListParamsReadsBothSDKEncodingsAlike(t *testing.T) {
	// The same request as the Python SDK (urllib quote: %20) and the Go SDK
	// (url.Values.Encode: '+' for space, sorted keys) send it.
	python := `limit=10&offset=0&count=true&filters=access.name%20sw%20%22Ro%2Ble%20%231%22%20and%20completed%20eq%20false&sorters=-access.name`
	golang := `count=true&filters=access.name+sw+%22Ro%2Ble+%231%22+and+completed+eq+false&limit=10&offset=0&sorters=-access.name`
	want := certsum.ListQuery{
		Filter: &query.Logical{Op: query.And,
			Left:  &query.Compare{Field: "access.name", Op: query.OpSw, Value: query.StringLit{Value: "Ro+le #1"}},
			Right: &query.Compare{Field: "completed", Op: query.OpEq, Value: query.BoolLit{Value: false}}},
		Sort:  []query.SortKey{{Field: "access.name", Desc: true}},
		Limit: 10, Offset: 0, Count: true,
	}
	for name, raw := range map[string]string{"python": python, "go": golang} {
		t.Run("the "+name+" SDK encoding", func(t *testing.T) {
			got, err := ParseListParams(mustParseQuery(t, raw), certsum.AccessSummarySchema)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ListQuery (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseListParamsDefaults(t *testing.T) {
	got, err := ParseListParams(mustParseQuery(t, "reviewer-identity=me&detail=FULL"), certsum.CertificationSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := certsum.ListQuery{Limit: certsum.DefaultLimit}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
}

func TestParseListParamsAcceptsTheBounds(t *testing.T) {
	tests := []struct {
		name, raw string
		want      certsum.ListQuery
	}{
		{"a zero limit", "limit=0", certsum.ListQuery{Limit: 0}},
		{"the largest limit", "limit=250&offset=2147483647", certsum.ListQuery{Limit: 250, Offset: 2147483647}},
		{"count false", "count=false", certsum.ListQuery{Limit: 250}},
		{"blank filters and sorters", "filters=+&sorters=", certsum.ListQuery{Limit: 250}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is accepted", func(t *testing.T) {
			got, err := ParseListParams(mustParseQuery(t, tc.raw), certsum.CertificationSchema)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseListParamsRejects(t *testing.T) {
	tests := []struct {
		name   string
		schema *query.Schema
		raw    string
		field  string
		msg    string
	}{
		{"a limit above 250", certsum.CertificationSchema, "limit=251", "limit", `limit: must be from 0 to 250, not 251`},
		{"a negative limit", certsum.CertificationSchema, "limit=-1", "limit", `limit: must be from 0 to 250, not -1`},
		{"a fractional limit", certsum.CertificationSchema, "limit=1.5", "limit", `limit: must be an integer from 0 to 250, not "1.5"`},
		{"an empty limit", certsum.CertificationSchema, "limit=", "limit", `limit: must be an integer from 0 to 250, not ""`},
		{"a negative offset", certsum.CertificationSchema, "offset=-5", "offset", `offset: must be from 0 to 2147483647, not -5`},
		{"an offset beyond int32", certsum.CertificationSchema, "offset=2147483648", "offset", `offset: must be from 0 to 2147483647, not 2147483648`},
		{"a word as offset", certsum.CertificationSchema, "offset=ten", "offset", `offset: must be an integer from 0 to 2147483647, not "ten"`},
		{"a count that is not true or false", certsum.CertificationSchema, "count=1", "count", `count: must be true or false, not "1"`},
		{"an upper-case count", certsum.CertificationSchema, "count=TRUE", "count", `count: must be true or false, not "TRUE"`},
		{"a filter missing its value", certsum.IdentitySummarySchema, "filters=" + url.QueryEscape(`completed eq`), "filters",
			`filters: offset 12: expected a value after 'eq', found the end of the filter`},
		{"a filter with a disallowed operator", certsum.IdentitySummarySchema, "filters=" + url.QueryEscape(`name co "x"`), "filters",
			`filters: offset 0: field "name" does not support operator "co"; it supports "eq", "sw"`},
		{"a filter with an upper-case operator", certsum.IdentitySummarySchema, "filters=name+EQ+%22x%22", "filters",
			`filters: offset 0: operator "EQ" must be written in lower case ("eq")`},
		{"a filter with ends-with", certsum.IdentitySummarySchema, "filters=name+ew+%22x%22", "filters",
			`filters: offset 0: operator "ew" (ends with) is not supported`},
		{"a filter on an unknown field", certsum.IdentitySummarySchema, "filters=x+eq+%22y%22", "filters",
			`filters: offset 0: unknown field "x"`},
		{"two permission filters on one field", certsum.PermissionSchema, "filters=" + url.QueryEscape(`target eq "a" or target sw "b"`), "filters",
			`filters: offset 14: getIdentityCertificationItemPermissions does not allow 'or' between two filters on field "target"`},
		{"a sorter on a field that is not sortable", certsum.CertificationSchema, "sorters=id", "sorters",
			`sorters: offset 0: field "id" cannot be sorted on; sortable fields are "name", "due", "signed"`},
		{"a duplicate sorter", certsum.CertificationSchema, "sorters=name,-name", "sorters",
			`sorters: offset 5: field "name" appears more than once in sorters`},
		{"any sorter where the endpoint has none", certsum.DecisionSummarySchema, "sorters=identitySummary.id", "sorters",
			`sorters: offset 0: field "identitySummary.id" cannot be sorted on; getIdentityDecisionSummary takes no sorters`},
		{"any sorter on the permissions endpoint", certsum.PermissionSchema, "sorters=target", "sorters",
			`sorters: offset 0: field "target" cannot be sorted on; getIdentityCertificationItemPermissions takes no sorters`},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is an invalid-parameter error", func(t *testing.T) {
			_, err := ParseListParams(mustParseQuery(t, tc.raw), tc.schema)
			var e *certsum.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseListParams(%q) = %v, want a *certsum.Error", tc.raw, err)
			}
			if e.Code != certsum.CodeInvalid || e.Field != tc.field || e.Message != tc.msg {
				t.Errorf("error = {%s %q %q}, want {invalid %q %q}", e.Code, e.Field, e.Message, tc.field, tc.msg)
			}
			if certsum.ErrorText(err) != tc.msg {
				t.Errorf("ErrorText = %q, want %q", certsum.ErrorText(err), tc.msg)
			}
		})
	}
}
