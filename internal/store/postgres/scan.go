package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/query"
)

// pgTime is how a certsum.Time is written: a UTC instant at millisecond precision.
func pgTime(t certsum.Time) time.Time { return t.Time.UTC().Truncate(time.Millisecond) }

// pgNullTime writes a nullable time (nil as NULL).
func pgNullTime(t *certsum.Time) any {
	if t == nil {
		return nil
	}
	return pgTime(*t)
}

// nullString writes "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeCol scans a NOT NULL timestamptz column into a certsum.Time (UTC, milliseconds).
type timeCol struct{ dst *certsum.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		return errors.New("stored time is NULL")
	}
	if v.InfinityModifier != pgtype.Finite {
		return errors.New("stored time is infinite")
	}
	*c.dst = certsum.NewTime(v.Time)
	return nil
}

// nullTimeCol scans a nullable timestamptz column.
type nullTimeCol struct{ dst **certsum.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (c nullTimeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*c.dst = nil
		return nil
	}
	if v.InfinityModifier != pgtype.Finite {
		return errors.New("stored time is infinite")
	}
	t := certsum.NewTime(v.Time)
	*c.dst = &t
	return nil
}

// jsonText encodes v for a jsonb parameter: its JSON text, or nil (NULL) for a nil value.
func jsonText(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// rowScanner is pgx.Row or pgx.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// newArgs returns an empty PostgreSQL argument list.
func newArgs() *sqlq.Args { return &sqlq.Args{Dialect: sqlq.Postgres} }

// listQuery is one list endpoint's SQL (sqlstore.List).
type listQuery = sqlstore.List

// exists runs a SELECT EXISTS statement.
func exists(ctx context.Context, q querier, stmt string, args ...any) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, stmt, args...).Scan(&ok)
	return ok, err
}

// strs returns ids as a non-nil slice, for a text[] parameter.
func strs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// countFromCounters answers the count of a list whose filter is absent or is exactly a test
// of completed ("completed eq false", "completed ne true", …) from a certification's stored
// total and completed counters, which the writes keep exact in the same transaction; ok is
// false for any other filter. It spares the COUNT over the rows of a large certification.
func countFromCounters(filter query.Expr, total, completed int) (n int, ok bool) {
	if filter == nil {
		return total, true
	}
	c, isCompare := filter.(*query.Compare)
	if !isCompare || c.Field != "completed" {
		return 0, false
	}
	b, isBool := c.Value.(query.BoolLit)
	if !isBool {
		return 0, false
	}
	want := b.Value
	switch c.Op {
	case query.OpEq:
	case query.OpNe:
		want = !want
	default:
		return 0, false
	}
	if want {
		return completed, true
	}
	return total - completed, true
}

// certCounters reads a certification's item and identity counters, or not_found.
func certCounters(ctx context.Context, q querier, certID string) (items, decided, identities, identitiesDone int, err error) {
	err = q.QueryRow(ctx, `SELECT decisions_total, decisions_made, identities_total, identities_completed
		FROM certifications WHERE id = $1`, certID).Scan(&items, &decided, &identities, &identitiesDone)
	if errors.Is(err, pgx.ErrNoRows) {
		err = certsum.NotFoundf("certification %q not found", certID)
	}
	return
}
