package sqlite

import (
	"context"
	"database/sql"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// core is the shared store over SQLite's integer keys; Store embeds it.
type core = sqlstore.Core[int64]

// backend is SQLite's side of sqlstore.Backend: its dialect, its two pools and its clock.
type backend struct {
	dialect
	s *Store
}

func (b backend) Read() sqlstore.Querier { return sqlQuerier{b.s.read} }

func (b backend) ReadTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inReadTx(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) })
}

func (b backend) WriteTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inTx(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) })
}

func (b backend) Translate(err error) error     { return b.s.translate(err) }
func (b backend) Now() certsum.Time             { return b.s.stamp() }
func (b backend) Debug(msg string, args ...any) { b.s.log.Debug(msg, args...) }
