package query

// Type is the type of a filterable attribute; literals in a filter must match it.
type Type int

// Attribute types.
const (
	TypeString   Type = iota + 1 // quoted string literal
	TypeBool                     // true / false
	TypeNumber                   // bare number
	TypeDateTime                 // bare RFC 3339 date-time
)

// String returns the lower-case name of the type, as used in error messages.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeBool:
		return "boolean"
	case TypeNumber:
		return "number"
	case TypeDateTime:
		return "date-time"
	}
	return "unknown"
}

// Op is a filter operator as written in the filter language (always lower case).
type Op string

// Operators of the filter language.
const (
	OpEq     Op = "eq"
	OpNe     Op = "ne"
	OpGt     Op = "gt"
	OpGe     Op = "ge"
	OpLt     Op = "lt"
	OpLe     Op = "le"
	OpCo     Op = "co"
	OpSw     Op = "sw"
	OpIn     Op = "in"
	OpCa     Op = "ca"
	OpPr     Op = "pr"
	OpIsNull Op = "isnull"
)

// Field describes one attribute of a listable resource: how it may be filtered and sorted,
// and the trusted SQL column expression it maps to. Column is written by certsum's own code,
// never taken from input.
type Field struct {
	// Name is the attribute as clients write it (a dotted JSON path such as "access.name").
	Name string
	// Type is the attribute's literal type.
	Type Type
	// Ops lists the operators allowed on the attribute; empty means not filterable.
	Ops []Op
	// Sortable reports whether the attribute may appear in sorters.
	Sortable bool
	// Collection marks a multi-valued attribute (used with ca).
	Collection bool
	// Nullable marks an attribute that may be absent (null).
	Nullable bool
	// Column is the SQL expression the attribute maps to in the backends.
	Column string
}

// Allows reports whether op is allowed on the field.
func (f Field) Allows(op Op) bool {
	for _, o := range f.Ops {
		if o == op {
			return true
		}
	}
	return false
}

// SortKey is one element of a sorters list.
type SortKey struct {
	Field string
	Desc  bool
}

// Schema is the table of attributes of one list endpoint. It drives validation, SQL
// compilation and documentation.
type Schema struct {
	// Name names the endpoint (an operationId), used in error messages.
	Name string
	// Fields lists the attributes.
	Fields []Field
	// DefaultSort is the order used when a request has no sorters.
	DefaultSort []SortKey
	// IDColumn is the SQL expression of the resource's unique id, the final tie-breaker
	// that makes every order total and offset paging deterministic.
	IDColumn string
	// IDField is the attribute name that holds the resource's unique id in records
	// given to Eval ("id" unless said otherwise).
	IDField string
	// MaxBinary, when positive, limits how many and/or operators a filter may use
	// (getIdentityCertificationItemPermissions allows one).
	MaxBinary int
	// DistinctFields, when true, forbids a binary operator joining two predicates on the
	// same field (getIdentityCertificationItemPermissions).
	DistinctFields bool
}

// Field returns the named attribute and whether it exists.
func (s *Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
