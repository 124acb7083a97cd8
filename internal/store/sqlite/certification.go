package sqlite

import (
	"context"
	"database/sql"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// The certification reads and sign-off are sqlstore.Core's; these are what SQLite's write
// paths use of them.

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner = sqlstore.Scanner

// certState is what the write paths need to know about a certification before they change it.
type certState = sqlstore.CertState[int64]

// getCertification reads one certification in a transaction. Errors: not_found.
func getCertification(ctx context.Context, tx *sql.Tx, id string) (*certsum.Certification, error) {
	return sqlstore.GetCertificationIn(ctx, sqlQuerier{tx}, dialect{}, id)
}

// lockCertification reads a certification's state inside a write transaction, which holds
// the whole database. Errors: not_found.
func lockCertification(ctx context.Context, tx *sql.Tx, id string) (*certState, error) {
	return sqlstore.LockCertification[int64](ctx, sqlQuerier{tx}, dialect{}, id)
}

// certKey returns the integer key of a certification, or not_found.
func certKey(ctx context.Context, q querier, certID string) (int64, error) {
	return sqlstore.CertKey[int64](ctx, sqlQuerier{q}, dialect{}, certID)
}
