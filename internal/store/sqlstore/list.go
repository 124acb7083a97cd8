package sqlstore

import (
	"context"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/query"
)

// List is one list endpoint's SQL: the SELECT with its joins and the COUNT over the same
// rows, the fixed conditions (their arguments already added to Args) and the schema the
// request's filter and sort keys are compiled against.
type List struct {
	Schema    *query.Schema
	SelectSQL string // SELECT … FROM … (no WHERE)
	CountSQL  string // SELECT COUNT(*) FROM … (no WHERE)
	Where     []string
	Args      *sqlq.Args
	// Counted, when set, answers the count without a COUNT query (from stored counters);
	// its ok result false means it cannot.
	Counted func(filter query.Expr) (n int, ok bool)
}

// Run executes the list in dialect d: the count when asked for, then the page, calling each
// for every row. It returns the total, or -1 when no count was asked for. Errors: invalid
// (page, filter or sort keys), and the driver's.
func (l List) Run(ctx context.Context, db Querier, d sqlq.Dialect, q certsum.ListQuery, each func(Rows) error) (int, error) {
	if err := q.CheckPage(); err != nil {
		return 0, err
	}
	if q.Filter != nil {
		w, err := sqlq.Where(l.Schema, q.Filter, l.Args)
		if err != nil {
			return 0, certsum.Invalidf("filters", "%v", err)
		}
		if w != "" {
			l.Where = append(l.Where, "("+w+")")
		}
	}
	cond := ""
	if len(l.Where) > 0 {
		cond = " WHERE " + strings.Join(l.Where, " AND ")
	}
	total := -1
	if q.Count {
		n, ok := 0, false
		if l.Counted != nil {
			n, ok = l.Counted(q.Filter)
		}
		if ok {
			total = n
		} else if err := queryInt(ctx, db, l.CountSQL+cond, l.Args.Values, &total); err != nil {
			return 0, err
		}
	}
	if q.Limit == 0 {
		return total, nil
	}
	order, err := sqlq.OrderBy(d, l.Schema, q.Sort)
	if err != nil {
		return 0, certsum.Invalidf("sorters", "%v", err)
	}
	page := sqlq.Page(q.Limit, q.Offset, l.Args)
	rows, err := db.Query(ctx, l.SelectSQL+cond+" "+order+" "+page, l.Args.Values...)
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

// queryInt reads the one integer a query answers.
func queryInt(ctx context.Context, db Querier, stmt string, args []any, dst *int) error {
	rows, err := db.Query(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return certsum.Errorf(certsum.CodeInternal, "the count query answered no row")
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Err()
}
