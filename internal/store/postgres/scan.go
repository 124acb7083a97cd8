package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
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

// checkPage validates the paging part of a ListQuery.
func checkPage(q certsum.ListQuery) error {
	if q.Limit < 0 || q.Limit > certsum.MaxLimit {
		return certsum.Invalidf("limit", "limit must be between 0 and %d, not %d", certsum.MaxLimit, q.Limit)
	}
	if q.Offset < 0 {
		return certsum.Invalidf("offset", "offset must not be negative, not %d", q.Offset)
	}
	return nil
}

// newArgs returns an empty PostgreSQL argument list.
func newArgs() *sqlq.Args { return &sqlq.Args{Dialect: sqlq.Postgres} }

// listQuery is one list endpoint's SQL: the SELECT with its joins and the COUNT over the
// same rows, the fixed conditions (their arguments already added to args) and the schema
// that the request's filter and sort keys are compiled against.
type listQuery struct {
	schema    *query.Schema
	selectSQL string // SELECT … FROM … (no WHERE)
	countSQL  string // SELECT COUNT(*) FROM … (no WHERE)
	where     []string
	args      *sqlq.Args
	// counted, when set, answers the count without a COUNT query (see countFromCounters);
	// its ok result false means it cannot.
	counted func(filter query.Expr) (n int, ok bool)
}

// run executes the list: the count when asked for, then the page, calling each for every
// row. It returns the total, or -1 when no count was asked for.
func (l listQuery) run(ctx context.Context, db querier, q certsum.ListQuery, each func(pgx.Rows) error) (int, error) {
	if err := checkPage(q); err != nil {
		return 0, err
	}
	if q.Filter != nil {
		w, err := sqlq.Where(l.schema, q.Filter, l.args)
		if err != nil {
			return 0, certsum.Invalidf("filters", "%v", err)
		}
		if w != "" {
			l.where = append(l.where, "("+w+")")
		}
	}
	cond := ""
	if len(l.where) > 0 {
		cond = " WHERE " + strings.Join(l.where, " AND ")
	}
	total := -1
	if q.Count {
		n, ok := 0, false
		if l.counted != nil {
			n, ok = l.counted(q.Filter)
		}
		if ok {
			total = n
		} else if err := db.QueryRow(ctx, l.countSQL+cond, l.args.Values...).Scan(&total); err != nil {
			return 0, err
		}
	}
	if q.Limit == 0 {
		return total, nil
	}
	order, err := sqlq.OrderBy(sqlq.Postgres, l.schema, q.Sort)
	if err != nil {
		return 0, certsum.Invalidf("sorters", "%v", err)
	}
	page := sqlq.Page(q.Limit, q.Offset, l.args)
	rows, err := db.Query(ctx, l.selectSQL+cond+" "+order+" "+page, l.args.Values...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return 0, err
		}
	}
	return total, rows.Err()
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
