package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/certsum/certsum"
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
