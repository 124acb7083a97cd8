package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// timeText is how a certsum.Time is stored: TEXT in certsum.TimeLayout, UTC.
func timeText(t certsum.Time) string { return t.String() }

// nullTimeText stores a nullable time.
func nullTimeText(t *certsum.Time) any {
	if t == nil {
		return nil
	}
	return t.String()
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseStored reads a stored time.
func parseStored(v any) (certsum.Time, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		return certsum.NewTime(v), nil
	default:
		return certsum.Time{}, fmt.Errorf("stored time has type %T", v)
	}
	t, err := time.Parse(certsum.TimeLayout, s)
	if err != nil {
		if t, err = certsum.ParseTime(s); err != nil {
			return certsum.Time{}, err
		}
	}
	return certsum.NewTime(t), nil
}

// timeCol scans a NOT NULL time column.
type timeCol struct{ dst *certsum.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(v any) error {
	if v == nil {
		return fmt.Errorf("stored time is NULL")
	}
	t, err := parseStored(v)
	if err != nil {
		return err
	}
	*c.dst = t
	return nil
}

// nullTimeCol scans a nullable time column.
type nullTimeCol struct{ dst **certsum.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.dst = nil
		return nil
	}
	t, err := parseStored(v)
	if err != nil {
		return err
	}
	*c.dst = &t
	return nil
}

// jsonCol scans a JSON TEXT column into dst; NULL leaves dst untouched.
type jsonCol struct{ dst any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), c.dst)
	case []byte:
		return json.Unmarshal(v, c.dst)
	}
	return fmt.Errorf("stored JSON has type %T", v)
}

// idList binds a list of ids as one JSON array argument for `IN (SELECT value FROM
// json_each(?))`, which keeps the statement text (and its prepared plan) the same for any
// number of ids.
func idList(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// narrowsByID is sqlstore.NarrowsByID.
var narrowsByID = sqlstore.NarrowsByID

// nullStr scans a nullable TEXT column into a string ("" for NULL).
type nullStr struct{ dst *string }

// Scan implements sql.Scanner.
func (n nullStr) Scan(v any) error {
	var ns sql.NullString
	if err := ns.Scan(v); err != nil {
		return err
	}
	*n.dst = ns.String
	return nil
}
