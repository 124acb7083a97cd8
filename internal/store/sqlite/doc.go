// Package sqlite is certsum's default storage backend: one embedded SQLite file through the
// pure-Go modernc.org/sqlite driver. Open applies the embedded, numbered migrations and
// returns a *Store that implements certsum.Store.
//
// Reads use a pool of connections; every write goes through a second pool of exactly one
// connection that begins its transactions IMMEDIATE, so concurrent writers queue instead of
// failing with SQLITE_BUSY. The summary counters (per certification, identity summary,
// access summary and campaign) are maintained in the same transaction as the decision,
// sign-off or reassignment that changes them, so the summary endpoints read a handful of
// rows and never scan a certification's review items; Verify recounts them from the items.
package sqlite
