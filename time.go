package certsum

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// TimeLayout is how certsum writes every date-time on the wire: UTC with milliseconds, as the
// v2024 examples do ("2018-06-25T20:22:28.104Z").
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time is a UTC instant that marshals as TimeLayout and unmarshals from RFC 3339 with or
// without fractions, with an offset, or with no zone at all (read as UTC), which is what the
// Python SDK sends for naive datetimes.
type Time struct{ time.Time }

// NewTime returns t in UTC truncated to milliseconds, the precision certsum stores.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// TimePtr returns a pointer to NewTime(t), for nullable fields.
func TimePtr(t time.Time) *Time { v := NewTime(t); return &v }

// MarshalJSON writes the time as a JSON string in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.Time.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads a JSON string with ParseTime.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("date-time must be a JSON string")
	}
	v, err := ParseTime(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*t = Time{v}
	return nil
}

// String formats the time in TimeLayout.
func (t Time) String() string { return t.Time.UTC().Format(TimeLayout) }

var zonelessLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime parses an incoming date-time: RFC 3339 (any fraction, "Z" or an offset), the
// same without seconds ("2030-01-02T03:04Z"), or a zone-less form read as UTC. The result
// is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02T15:04Z07:00", s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 date-time", s)
}

// asOfKey is the context key of AsOf.
type asOfKey struct{}

// AsOf returns a context under which a store stamps what it writes with t instead of its
// clock: decisions, sign-offs, campaign steps, imports. It replays recorded history through
// the same operations and rules as live use (the demo organisation's past campaigns are made
// so); no request handler sets it.
func AsOf(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, asOfKey{}, NewTime(t))
}

// StampOf returns the time AsOf set on ctx, if any.
func StampOf(ctx context.Context) (Time, bool) {
	t, ok := ctx.Value(asOfKey{}).(Time)
	return t, ok
}
