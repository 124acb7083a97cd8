// Package query is certsum's filters/sorters language: a hand-written lexer and
// recursive-descent parser for the v2024 "filters" parameter, its sealed AST with typed
// literals, validation against an endpoint's Schema, the sorters parameter, and Eval and
// CompareRecords, the in-memory reference semantics that the SQL backends reproduce.
// It imports only the standard library.
//
// # Grammar
//
// In EBNF; operators and keywords are lower case only. Space, tab, CR and LF separate
// tokens and are required only between two words (names, keywords, numbers, date-times).
// A filter is at most MaxFilterLength bytes of UTF-8.
//
//	filter   = orExpr .
//	orExpr   = andExpr { "or" andExpr } .                (left-associative)
//	andExpr  = unary { "and" unary } .                   (left-associative)
//	unary    = "not" unary | "(" orExpr ")" | "pr" field | pred .
//	pred     = field valueOp value
//	         | field listOp "(" value { "," value } ")"  (at most MaxListLength values)
//	         | field ( "isnull" | "pr" ) .
//	valueOp  = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "co" | "sw" .
//	listOp   = "in" | "ca" .
//	field    = ident { "." ident } .                     (the first ident not a keyword)
//	ident    = ( letter | "_" ) { letter | digit | "_" } .
//	value    = string | number | "true" | "false" | datetime .
//	string   = `"` { char | `\"` | `\\` } `"` .          (no other escapes, no NUL)
//	number   = [ "-" ] digit { digit } [ "." digit { digit } ]
//	           [ ( "e" | "E" ) [ "+" | "-" ] digit { digit } ] .
//	datetime = RFC 3339 date-time, e.g. 2018-12-18T23:05:55Z or 2018-12-18T23:05:55.1+01:00 .
//
// Precedence is grouping > predicate > not > and > or, so
// "not a eq 1 or b eq 2 and c eq 3" means "(not a eq 1) or (b eq 2 and c eq 3)".
// The keywords "and", "or", "not", "pr", "isnull", "true", "false" and the operator names
// (including the unsupported "ew") cannot be a field's whole name. Parentheses and "not"
// nest at most MaxDepth deep. There is no null literal: use "pr" and "isnull".
//
// So that every mistake is reported at once, the parser also accepts a value, list or
// presence operator written in another case ("EQ") and "ew", keeping the spelling in the
// AST; Validate then rejects it by name. Keywords in another case ("AND") are syntax errors.
//
// Date-times are held in UTC at millisecond precision, the precision certsum stores; finer
// digits are truncated. Numbers are float64.
//
// # Canonical form
//
// Every node's String renders canonical syntax: single spaces, "pr field" in prefix form,
// parentheses only where precedence needs them, strings with only \" and \\ escaped,
// numbers in their shortest exact form and date-times in UTC. Should that rendering exceed
// MaxFilterLength (possible only when the source left out optional spaces), String drops
// every optional space instead, which is never longer than the source. Either way
// Parse(e.String()) equals e for every e returned by Parse.
//
// # Errors
//
// Parse returns a *SyntaxError carrying the byte offset of the problem and what was
// expected ("offset 14: expected a value after 'eq'"). Validate returns a
// *ValidationError listing every violation; ParseFor does both and gives each violation
// the offset of its predicate. ParseSort returns a *ValidationError as well.
package query
