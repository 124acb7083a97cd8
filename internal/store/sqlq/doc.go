// Package sqlq compiles a validated filter AST, sort keys and a page into SQL fragments for
// one dialect (SQLite or PostgreSQL). Column expressions come only from the schema's
// attribute → column table and every value is a bound argument; no input is ever
// concatenated into SQL. The fragments reproduce query.Eval and query.CompareRecords
// exactly, so the in-memory reference semantics and both backends return the same rows in
// the same order.
//
// Storage conventions the fragments rely on (fixed in certsum's schema.go): collection
// columns hold a JSON array of strings (TEXT in SQLite, JSONB in PostgreSQL); booleans are
// INTEGER 0/1 in SQLite and boolean in PostgreSQL; date-times are TEXT in
// certsum.TimeLayout in SQLite and timestamptz in PostgreSQL.
//
// A list statement is assembled like this:
//
//	args := &sqlq.Args{Dialect: sqlq.SQLite}
//	certPH := args.Add(certID)
//	where, err := sqlq.Where(certsum.IdentitySummarySchema, q.Filter, args)
//	order, err := sqlq.OrderBy(sqlq.SQLite, certsum.IdentitySummarySchema, q.Sort)
//	page := sqlq.Page(q.Limit, q.Offset, args)
//	// "SELECT … FROM identity_summaries s WHERE s.cert_id = " + certPH +
//	//   (" AND " + where if where != "") + " " + order + " " + page, args.Values...
package sqlq
