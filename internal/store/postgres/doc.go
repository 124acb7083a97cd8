// Package postgres is certsum's scale-out storage backend: PostgreSQL through a pgx
// connection pool (github.com/jackc/pgx/v5/pgxpool), shared by any number of certsum
// replicas. Open applies the embedded, numbered migrations exactly once even when several
// replicas start together (a session advisory lock serialises the runner), and returns a
// *Store that implements certsum.Store with the same tables, columns and semantics as the
// SQLite backend, written in PostgreSQL's dialect (boolean, timestamptz, jsonb, text
// COLLATE "C" where it is sorted).
//
// Every write transaction first locks the rows it changes counters on, in one fixed order —
// the campaign (sign-off, reassign), then certifications in id order (SELECT … FOR UPDATE) —
// so concurrent decisions, sign-offs and reassignments on one certification, from any pool
// connection of any replica, queue on that lock instead of racing on counter deltas. The
// summary counters are maintained in the same transaction as the change; Verify recounts
// them from the review items.
//
// The DSN is a pgx connection string (postgres://… URL or key=value form) with every libpq
// and pgxpool parameter (sslmode, pool_max_conns, …), plus one certsum parameter: schema=NAME
// keeps every table in schema NAME, created when missing, by setting each pooled
// connection's search_path to it. Tests use it to isolate themselves in a fresh schema of a
// shared database.
package postgres
