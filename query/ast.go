package query

// Expr is a node of a parsed filter. The set of node types is closed: only this package
// implements Expr.
type Expr interface {
	// String renders the node in canonical filter syntax; Parse(e.String()) equals e.
	String() string
	expr()
}
