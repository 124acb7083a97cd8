package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// core is the shared store over PostgreSQL's ids; Store embeds it.
type core = sqlstore.Core[string]

// backend is PostgreSQL's side of sqlstore.Backend: its dialect, its pool and its clock.
type backend struct {
	dialect
	s *Store
}

func (b backend) Read() sqlstore.Querier { return pgQuerier{b.s.pool} }

func (b backend) ReadTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inReadTx(ctx, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
}

func (b backend) WriteTx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return b.s.inTx(ctx, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
}

func (b backend) Translate(err error) error     { return translate(err) }
func (b backend) Now() certsum.Time             { return b.s.stamp() }
func (b backend) Debug(msg string, args ...any) { b.s.log.Debug(msg, args...) }
