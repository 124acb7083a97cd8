// Package clienttest runs the real certsum API (internal/httpapi over a SQLite store in a
// temporary directory, with real token issuance) behind httptest, loaded with small
// deterministic datasets, so that the client package and the command-line client are
// tested against the server itself rather than a stand-in. It can inject faults (429s,
// 503s) in front of the real handler and counts the token requests it serves.
package clienttest
