package certsum

import (
	"strings"
	"testing"
)

func TestSearchQueriesSelectIdentitiesByAttributesAndAccess(t *testing.T) {
	ann := &SearchSubject{ID: "ann", Name: "ann.lee", Email: "Ann.Lee@Example.com",
		Attributes: map[string]string{"department": "Engineering", "Location": "Berlin"},
		AccessIDs:  []string{"role-eng", "ad:domain-admins"}, SourceIDs: []string{"ad", "github"}}
	bob := &SearchSubject{ID: "bob", Name: "bob", Email: "bob@example.org", Attributes: map[string]string{"department": "Sales"},
		AccessIDs: []string{"crm:user"}, SourceIDs: []string{"crm"}}
	cases := []struct {
		query    string
		ann, bob bool
	}{
		{`name:ann*`, true, false},
		{`email:"*@example.com"`, true, false},
		{`attributes.department:engineering`, true, false},
		{`attributes.location:berlin`, true, false},
		{`source.id:crm OR access.id:role-eng`, true, true},
		{`source.id:ad AND NOT access.id:ad:domain-admins`, false, false},
		{`source.id:ad access.id:"ad:domain-admins"`, true, false},
		{`NOT (attributes.department:Sales OR name:x)`, true, false},
		{`id:b?b`, false, false}, // ? is literal
		{`id:*`, true, true},
	}
	for _, c := range cases {
		q, err := ParseSearchQuery(c.query)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got := q.Matches(ann); got != c.ann {
			t.Errorf("%s matches ann: %v, want %v", c.query, got, c.ann)
		}
		if got := q.Matches(bob); got != c.bob {
			t.Errorf("%s matches bob: %v, want %v", c.query, got, c.bob)
		}
	}
}

func TestSearchQueriesOutsideTheSubsetAreRefusedWithTheConstruct(t *testing.T) {
	for query, want := range map[string]string{
		``:                        "empty",
		`ann`:                     `unsupported "ann" at offset 0`,
		`created:[2020 TO 2021]`:  `unsupported field "created"`,
		`name:"ann`:               "not closed",
		`(name:ann`:               "parenthesis at offset 0 is not closed",
		`name:ann OR`:             "ends where a term",
		`name:`:                   "has no value",
		`"ann"`:                   "quoted phrase must follow",
		`name:ann)`:               `unexpected ")"`,
		`attributes.:x`:           `unsupported field "attributes."`,
		`name:a"b`:                "inside a value",
		strings.Repeat("x", 5000): "longer than",
		`name:ann && email:x`:     `unsupported "&&"`,
	} {
		_, err := ParseSearchQuery(query)
		if ErrorCode(err) != CodeInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want invalid naming %q", query, err, want)
		}
	}
}

func FuzzParseSearchQuery(f *testing.F) {
	for _, s := range []string{`name:ann*`, `NOT (a:b OR source.id:"x y")`, `attributes.dept:x AND access.id:y`, `(((`, `a:"`} {
		f.Add(s)
	}
	subject := &SearchSubject{ID: "x", Name: "y", Attributes: map[string]string{"a": "b"}, AccessIDs: []string{"z"}}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseSearchQuery(s)
		if err != nil {
			if ErrorCode(err) != CodeInvalid {
				t.Fatalf("%q: %v is not invalid", s, err)
			}
			return
		}
		q.Matches(subject) // must not panic
	})
}
