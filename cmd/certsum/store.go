package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/postgres"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// openStore opens the backend named by cfg.Database: a postgres:// URL selects PostgreSQL,
// anything else is a SQLite file path.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (certsum.Store, error) {
	dsn := cfg.Database
	if isPostgresURL(dsn) {
		st, err := postgres.Open(ctx, dsn, postgres.Options{Logger: logger, Now: cfg.Now, ObserveTx: cfg.ObserveTx})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database %s: %w", redactURL(dsn), err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, dsn, sqlite.Options{Logger: logger, AllowSharedFile: cfg.AllowSharedDBFile, Now: cfg.Now,
		ObserveTx: cfg.ObserveTx})
	if err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", dsn, err)
	}
	return st, nil
}

// isPostgresURL reports whether dsn names a PostgreSQL database.
func isPostgresURL(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}
