package ratelimit

import (
	"context"
	"time"
)

// DefaultLimit and DefaultWindow are SailPoint's documented gateway limit: 100 requests per
// client id per API version per 10 seconds.
const (
	DefaultLimit  = 100
	DefaultWindow = 10 * time.Second
)

// Result is the outcome of one Allow call.
type Result struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// RetryAfter is how long until the current window ends, when the key's count resets. It
	// is set whether or not the request was allowed (zero when limiting is off).
	RetryAfter time.Duration
	// Remaining is how many more requests the key may make in the current window, or -1 when
	// the request was not counted (limiting off, or the shared store failed).
	Remaining int
}

// Limiter counts one request against key and says whether it is within the limit.
// Implementations are safe for concurrent use. When Allow returns an error it also returns
// a Result with Allowed set: limiters fail open, because refusing every request while a
// counter store is down would turn a monitoring problem into an outage.
type Limiter interface {
	// Allow counts one request against key and reports whether it is within the limit.
	Allow(ctx context.Context, key string) (Result, error)
	// Peek reports whether key is still within the limit, counting nothing: Allowed is
	// false once Allow has refused key in the current window.
	Peek(ctx context.Context, key string) (Result, error)
}

// Key builds the counter key of a client for one API surface ("v2024", "oauth"). The API
// name comes first so that no client id, whatever it contains, can collide with another
// surface's key.
func Key(api, clientID string) string { return api + ":" + clientID }

// windowOf returns the number of the fixed window that holds t and the time left until it
// ends. Windows are aligned to the Unix epoch so that every replica agrees on them.
func windowOf(t time.Time, window time.Duration) (n int64, left time.Duration) {
	ns := t.UnixNano()
	w := int64(window)
	n = ns / w
	if ns%w < 0 { // before 1970: floor, not truncate
		n--
	}
	end := (n + 1) * w
	return n, time.Duration(end - ns)
}

// retryAfterSeconds rounds d up to whole seconds, at least 1, so that a client that waits
// exactly that long lands in the next window.
func retryAfterSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
