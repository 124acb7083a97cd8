// Package sqlite is certsum's default storage backend: one embedded SQLite file through the
// pure-Go modernc.org/sqlite driver. Open applies the embedded, numbered migrations and
// returns a *Store that implements certsum.Store.
//
// Reads use a pool of read-only connections; every write goes through a second pool of
// exactly one connection that begins its transactions IMMEDIATE, so concurrent writers queue
// instead of failing with SQLITE_BUSY, and a background checkpointer keeps WAL checkpoints
// out of the requests. The summary counters (per certification, identity summary, access
// summary and campaign) are maintained in the same transaction as the decision, sign-off or
// reassignment that changes them, so the summary endpoints read a handful of rows and never
// scan a certification's review items; Verify recounts them from the items. The large tables
// refer to their parents by integer key, and the list queries steer SQLite's planner where
// a certification of a hundred thousand identities would otherwise make it sort or walk
// everything.
package sqlite
