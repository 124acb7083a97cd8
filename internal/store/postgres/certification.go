package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// The certification reads and sign-off are sqlstore.Core's; these are what PostgreSQL's
// write paths use of them.

// certState is what the write paths need to know about a certification before they change it.
type certState = sqlstore.CertState[string]

// getCertification reads one certification in a transaction. Errors: not_found.
func getCertification(ctx context.Context, tx pgx.Tx, id string) (*certsum.Certification, error) {
	return sqlstore.GetCertificationIn(ctx, pgQuerier{tx}, dialect{}, id)
}

// lockCertification locks a certification's row for the rest of the transaction and reads
// its state (sqlstore.LockCertification). Errors: not_found.
func lockCertification(ctx context.Context, tx pgx.Tx, id string) (*certState, error) {
	return sqlstore.LockCertification[string](ctx, pgQuerier{tx}, dialect{}, id)
}

// lockCampaignOf locks the campaign of a certification (sqlstore.LockCampaignOf).
func lockCampaignOf(ctx context.Context, tx pgx.Tx, certID string) (string, error) {
	return sqlstore.LockCampaignOf(ctx, pgQuerier{tx}, dialect{}, certID)
}

// certExists answers not_found for an unknown certification.
func certExists(ctx context.Context, q querier, certID string) error {
	_, err := sqlstore.CertKey[string](ctx, pgQuerier{q}, dialect{}, certID)
	return err
}
