package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockKey is the pg_advisory_xact_lock key of the migration runner of one schema:
// replicas migrating the same schema queue on it, different schemas do not block each other.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("certsum migrate " + schema))
	return int64(h.Sum64())
}

// migrate creates the schema (when the DSN named one) and the schema_migrations table, then
// applies every migration not yet recorded there, each in its own transaction. Every one of
// those transactions first takes the schema's transaction-scoped advisory lock, so when
// several replicas start together exactly one applies each migration and the others, once
// the lock is theirs, find it recorded and skip it. The lock ends with its transaction, so
// no pooled connection can keep it.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := sqlstore.Migrations(migrationFS)
	if err != nil {
		return err
	}
	key := migrationLockKey(s.schema)
	locked := func(fn func(tx pgx.Tx) error) error {
		return s.runTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
				return err
			}
			return fn(tx)
		})
	}
	err = locked(func(tx pgx.Tx) error {
		if s.schema != "" {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(s.schema)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name    text NOT NULL,
			applied timestamptz NOT NULL
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", translate(err))
	}
	for _, m := range ms {
		applied := false
		err := locked(func(tx pgx.Tx) error {
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.Exec(ctx, m.Body); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
				m.Version, m.Name, pgTime(s.stamp())); err != nil {
				return err
			}
			applied = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Name, translate(err))
		}
		if applied {
			s.log.Info("applied migration", "migration", m.Name, "schema", s.schema)
		}
	}
	return nil
}

// MigrationVersions returns the versions recorded in schema_migrations, in order.
func (s *Store) MigrationVersions(ctx context.Context) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("migration versions: %w", translate(err))
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("migration versions: %w", translate(err))
	}
	return vs, nil
}
