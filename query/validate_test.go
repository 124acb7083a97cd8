package query

import (
	"errors"
	"reflect"
	"testing"
)

// testSchema has one field of every kind, for validation, Eval and sorting tests.
var testSchema = &Schema{
	Name: "listThings",
	Fields: []Field{
		{Name: "id", Type: TypeString, Ops: []Op{OpEq, OpIn}, Column: "t.id"},
		{Name: "name", Type: TypeString, Ops: []Op{OpEq, OpNe, OpSw, OpCo, OpGt, OpIn, OpPr, OpIsNull}, Sortable: true, Nullable: true, Column: "t.name"},
		{Name: "done", Type: TypeBool, Ops: []Op{OpEq, OpNe}, Sortable: true, Column: "t.done"},
		{Name: "size", Type: TypeNumber, Ops: []Op{OpEq, OpGt, OpLe}, Sortable: true, Column: "t.size"},
		{Name: "due", Type: TypeDateTime, Ops: []Op{OpGe, OpLt}, Sortable: true, Nullable: true, Column: "t.due"},
		{Name: "tags", Type: TypeString, Ops: []Op{OpCa, OpPr, OpIsNull}, Collection: true, Nullable: true, Column: "t.tags"},
		{Name: "owner.name", Type: TypeString, Sortable: true, Column: "t.owner_name"},
	},
	DefaultSort: []SortKey{{Field: "name"}},
	IDColumn:    "t.id",
	IDField:     "id",
}

// permSchema mirrors getIdentityCertificationItemPermissions' composite rule.
var permSchema = &Schema{
	Name: "getIdentityCertificationItemPermissions",
	Fields: []Field{
		{Name: "target", Type: TypeString, Ops: []Op{OpEq, OpSw}, Column: "p.target"},
		{Name: "rights", Type: TypeString, Ops: []Op{OpCa}, Collection: true, Column: "p.rights"},
	},
	IDColumn:       "p.id",
	MaxBinary:      1,
	DistinctFields: true,
}

// validateCases are filters with the violations ParseFor must report, in order.
var validateCases = []struct {
	name   string
	schema *Schema
	src    string
	want   []Violation
}{
	{"a filter on allowed fields and operators is accepted", testSchema,
		`id in ("a") and (name sw "x" or not done eq true) and size gt 3 and due ge 2020-01-01T00:00:00Z and tags ca ("a","b") and pr name`, nil},
	{"an unknown field is reported", testSchema, `nme eq "x"`,
		[]Violation{{0, "nme", OpEq, `unknown field "nme"`}}},
	{"a field that is only sortable cannot be filtered", testSchema, `owner.name eq "x"`,
		[]Violation{{0, "owner.name", OpEq, `field "owner.name" cannot be filtered`}}},
	{"an operator the field does not list is reported with the ones it does", testSchema, `id co "x"`,
		[]Violation{{0, "id", OpCo, `field "id" does not support operator "co"; it supports "eq", "in"`}}},
	{"an upper-case operator is reported", testSchema, `name EQ "x"`,
		[]Violation{{0, "name", "EQ", `operator "EQ" must be written in lower case ("eq")`}}},
	{"an upper-case list operator is reported", testSchema, `id IN ("x")`,
		[]Violation{{0, "id", "IN", `operator "IN" must be written in lower case ("in")`}}},
	{"ends-with is reported as unsupported", testSchema, `name ew "x"`,
		[]Violation{{0, "name", "ew", `operator "ew" (ends with) is not supported`}}},
	{"a string value for a boolean field is reported", testSchema, `done eq "true"`,
		[]Violation{{0, "done", OpEq, `field "done" takes a boolean value, not a string`}}},
	{"a number value for a date-time field is reported", testSchema, `due ge 2020`,
		[]Violation{{0, "due", OpGe, `field "due" takes a date-time value, not a number`}}},
	{"every wrongly typed list value is reported", testSchema, `id in ("a", 1, true)`,
		[]Violation{
			{0, "id", OpIn, `field "id" takes a string value, not a number`},
			{0, "id", OpIn, `field "id" takes a string value, not a boolean`}}},
	{"a bad operator and a bad value are both reported", testSchema, `done CO 1`,
		[]Violation{
			{0, "done", "CO", `operator "CO" must be written in lower case ("co")`},
			{0, "done", "CO", `field "done" takes a boolean value, not a number`}}},
	{"every violation in a filter is reported in source order", testSchema, `nme eq "x" or (id co "y" and not done eq 1)`,
		[]Violation{
			{0, "nme", OpEq, `unknown field "nme"`},
			{15, "id", OpCo, `field "id" does not support operator "co"; it supports "eq", "in"`},
			{33, "done", OpEq, `field "done" takes a boolean value, not a number`}}},
	{"the permissions rule accepts one and between target and rights", permSchema,
		`rights ca ("CREATE") and target eq "SYS.OBJAUTH2"`, nil},
	{"the permissions rule rejects two filters on the same field", permSchema,
		`target eq "a" or target sw "b"`,
		[]Violation{{14, "target", "or", `getIdentityCertificationItemPermissions does not allow 'or' between two filters on field "target"`}}},
	{"the permissions rule rejects a second and/or", permSchema,
		`target eq "a" and rights ca ("x") and rights ca ("y")`,
		[]Violation{
			{34, "", "and", `getIdentityCertificationItemPermissions allows at most 1 'and'/'or' in a filter`},
			{34, "rights", "and", `getIdentityCertificationItemPermissions does not allow 'and' between two filters on field "rights"`}}},
}

func TestValidate(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFor(tc.src, tc.schema)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ParseFor(%q) = %v, want no error", tc.src, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ParseFor(%q) = %v, want a *ValidationError", tc.src, err)
			}
			if !reflect.DeepEqual(ve.Violations, tc.want) {
				t.Errorf("violations of %q\n got %#v\nwant %#v", tc.src, ve.Violations, tc.want)
			}
			// Validate on the parsed tree finds the same problems, without offsets.
			e, perr := Parse(tc.src)
			if perr != nil {
				t.Fatal(perr)
			}
			var ve2 *ValidationError
			if !errors.As(Validate(e, tc.schema), &ve2) || len(ve2.Violations) != len(tc.want) {
				t.Fatalf("Validate = %v, want %d violations", ve2, len(tc.want))
			}
			for i, v := range ve2.Violations {
				if v.Pos != -1 || v.Msg != tc.want[i].Msg {
					t.Errorf("Validate violation %d = %+v, want %q at offset -1", i, v, tc.want[i].Msg)
				}
			}
		})
	}
}

func TestValidationErrorNamesOffsetFieldAndOperator(t *testing.T) {
	_, err := ParseFor(`name sw "a" and id co "x"`, testSchema)
	want := `offset 16: field "id" does not support operator "co"; it supports "eq", "in"`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	e, _ := Parse(`nme eq 1 and id co "x"`)
	err = Validate(e, testSchema)
	want = `unknown field "nme"; field "id" does not support operator "co"; it supports "eq", "in"`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

func TestValidateRejectsSchemaMistakes(t *testing.T) {
	// A schema that lists an operator its field's type cannot support must not let the
	// filter through to a backend.
	bad := &Schema{Name: "bad", Fields: []Field{
		{Name: "flag", Type: TypeBool, Ops: []Op{OpGt, OpSw}},
		{Name: "tags", Type: TypeString, Ops: []Op{OpEq}, Collection: true},
		{Name: "name", Type: TypeString, Ops: []Op{OpCa}},
	}}
	tests := []struct{ name, src, want string }{
		{"ordering a boolean", `flag gt true`, `operator "gt" needs an ordered field; "flag" is boolean`},
		{"pattern on a boolean", `flag sw true`, `operator "sw" needs a string field; "flag" is boolean`},
		{"eq on a collection", `tags eq "x"`, `operator "eq" cannot be used on collection field "tags"; use "ca"`},
		{"ca on a single value", `name ca ("x")`, `operator "ca" needs a collection field; "name" is not one`},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			e, err := Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(e, bad)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Validate = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestValidateAcceptsNil(t *testing.T) {
	if err := Validate(nil, testSchema); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
}
