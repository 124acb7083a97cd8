package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Verify recounts every stored counter from the review items (sqlstore.Verify) and returns
// each difference. With fix, it runs in one write transaction, which SQLite holds alone, so
// what it reports is exactly what it repaired.
func (s *Store) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	var drifts []certsum.Drift
	run := func(tx *sql.Tx) (err error) {
		drifts, err = sqlstore.Verify[int64](ctx, sqlQuerier{tx}, dialect{}, fix)
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
