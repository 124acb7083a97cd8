package query

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseSort(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []SortKey
		wantErr string
	}{
		{"an empty parameter means the default order", "", nil, ""},
		{"a blank parameter means the default order", "  ", nil, ""},
		{"one ascending field", "name", []SortKey{{Field: "name"}}, ""},
		{"a minus sorts descending", "-due", []SortKey{{Field: "due", Desc: true}}, ""},
		{"several fields keep their order", "done,-size, owner.name",
			[]SortKey{{Field: "done"}, {Field: "size", Desc: true}, {Field: "owner.name"}}, ""},
		{"a field that is not sortable is rejected", "id",
			nil, `offset 0: field "id" cannot be sorted on; sortable fields are "name", "done", "size", "due", "owner.name"`},
		{"an unknown field is rejected", "name,-nme",
			nil, `offset 5: unknown sort field "nme"; sortable fields are "name", "done", "size", "due", "owner.name"`},
		{"a duplicate field is rejected whatever its direction", "name,-name",
			nil, `offset 5: field "name" appears more than once in sorters`},
		{"an empty key is rejected", "name,,due", nil, `offset 5: empty sort key`},
		{"a trailing comma is rejected", "name,", nil, `offset 5: empty sort key`},
		{"a lone minus is rejected", "-", nil, `offset 0: '-' must be followed by a field`},
		{"a plus prefix is not a direction", "+name", nil,
			`offset 0: unknown sort field "+name"; sortable fields are "name", "done", "size", "due", "owner.name"`},
		{"every bad key is reported", "x,name,y", nil,
			`offset 0: unknown sort field "x"; sortable fields are "name", "done", "size", "due", "owner.name"; ` +
				`offset 7: unknown sort field "y"; sortable fields are "name", "done", "size", "due", "owner.name"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSort(tc.raw, testSchema)
			if tc.wantErr != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || err.Error() != tc.wantErr {
					t.Fatalf("ParseSort(%q) error = %v, want %s", tc.raw, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseSort(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestParseSortRejectsEverySorterWhenNoneAreSortable(t *testing.T) {
	_, err := ParseSort("target", permSchema)
	want := `offset 0: field "target" cannot be sorted on; getIdentityCertificationItemPermissions takes no sorters`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

func TestSortOrder(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []Map{
		{"id": "e", "name": "b", "done": true, "size": 2, "due": t0},
		{"id": "d", "name": nil, "done": false, "size": 1.5, "due": nil},
		{"id": "c", "name": "B", "done": true, "size": 2, "due": t0.Add(time.Hour)},
		{"id": "b", "name": "b", "done": false, "size": int64(-1), "due": t0.Add(-time.Hour)},
		{"id": "a", "name": "ä", "done": false, "size": 2, "due": nil},
	}
	ids := func(rs []Map) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r["id"].(string)
		}
		return out
	}
	tests := []struct {
		name string
		keys []SortKey
		want []string
	}{
		{"the default order is the schema's, nulls first, then id", nil, []string{"d", "c", "b", "e", "a"}},
		{"strings sort byte-wise so upper case comes first", []SortKey{{Field: "name"}}, []string{"d", "c", "b", "e", "a"}},
		{"descending puts nulls last", []SortKey{{Field: "name", Desc: true}}, []string{"a", "b", "e", "c", "d"}},
		{"booleans sort false first, ties broken by id", []SortKey{{Field: "done"}}, []string{"a", "b", "d", "c", "e"}},
		{"numbers sort numerically across Go types", []SortKey{{Field: "size"}}, []string{"b", "d", "a", "c", "e"}},
		{"date-times sort chronologically", []SortKey{{Field: "due"}}, []string{"a", "d", "b", "e", "c"}},
		{"later keys break ties of earlier ones", []SortKey{{Field: "size", Desc: true}, {Field: "done"}}, []string{"a", "c", "e", "d", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := append([]Map(nil), recs...)
			Sort(testSchema, tc.keys, rs)
			if got := ids(rs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
			for i := 1; i < len(rs); i++ {
				if !Less(testSchema, tc.keys, rs[i-1], rs[i]) {
					t.Errorf("Less(%s, %s) = false for neighbours in sorted order", rs[i-1]["id"], rs[i]["id"])
				}
			}
		})
	}
}

func TestSelectFiltersSortsAndPages(t *testing.T) {
	var recs []Map
	for _, id := range []string{"f", "e", "d", "c", "b", "a"} {
		recs = append(recs, Map{"id": id, "name": "n" + id, "done": id < "d", "size": 1, "due": nil})
	}
	e, err := Parse(`done eq true`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		limit, offset int
		want          []string
	}{
		{"the first page", 2, 0, []string{"a", "b"}},
		{"a later page", 2, 2, []string{"c"}},
		{"an offset past the end is empty", 2, 10, []string{}},
		{"a zero limit is empty", 0, 0, []string{}},
		{"a negative limit means everything", -1, 1, []string{"b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, total, err := Select(testSchema, recs, e, []SortKey{{Field: "name"}}, tc.limit, tc.offset)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range page {
				got = append(got, r["id"].(string))
			}
			if total != 3 || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Select = %v (total %d), want %v (total 3)", got, total, tc.want)
			}
		})
	}
}
