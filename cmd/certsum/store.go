package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/certsum/certsum"
)

// openStore opens the backend named by dsn: a postgres:// URL selects PostgreSQL, anything
// else is a SQLite file path.
func openStore(ctx context.Context, dsn string, logger *slog.Logger) (certsum.Store, error) {
	return nil, fmt.Errorf("no storage backend is built yet for %q", dsn)
}
