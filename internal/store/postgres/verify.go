package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Verify recounts every stored counter from the review items (sqlstore.Verify) and returns
// each difference. Without fix it reads one consistent snapshot; with fix it first locks
// every campaign and certification (the writers' lock order), so nothing changes between the
// recount and the repair, and what it reports is exactly what it repaired.
func (s *Store) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	var drifts []certsum.Drift
	run := func(tx pgx.Tx) (err error) {
		if fix {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM campaigns ORDER BY id FOR NO KEY UPDATE`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT 1 FROM certifications ORDER BY id FOR NO KEY UPDATE`); err != nil {
				return err
			}
		}
		drifts, err = sqlstore.Verify[string](ctx, pgQuerier{tx}, dialect{}, fix)
		return err
	}
	var err error
	if fix {
		err = s.inTx(ctx, run)
	} else {
		err = s.inReadTx(ctx, run)
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if fix && len(drifts) > 0 {
		s.log.Warn("repaired counter drift", "counters", len(drifts))
	}
	return drifts, nil
}
