package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every counter key certsum writes to Redis.
const DefaultRedisPrefix = "certsum:ratelimit:"

// RedisRetryInterval is how long a Redis limiter lets requests through uncounted after a
// failed call before it tries Redis again.
const RedisRetryInterval = time.Second

// errRedisDown reports a request let through without asking Redis, because Redis failed
// less than RedisRetryInterval ago.
var errRedisDown = errors.New("redis failed recently; not counting until the retry interval has passed")

// incrScript counts one request in a window's key atomically: INCR, give a new key (or one
// that somehow lost it) an expiry at the end of its window, and return the count with the
// milliseconds left, which become Retry-After.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
	ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// peekScript reads a window's count and the milliseconds left without counting.
var peekScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return {n, redis.call('PTTL', KEYS[1])}
`)

// Redis is a fixed-window limiter whose counters live in Redis, so that every replica
// shares them. Each window has its own key (prefix, key, window number) that expires when
// the window ends; Retry-After comes from the key's remaining time to live.
//
// If Redis cannot be reached, Allow fails open: it returns Allowed with the error, and logs
// a warning (at most once per window) through Logger, so that an outage of the counter
// store does not refuse all traffic. After a failure it leaves Redis alone for
// RedisRetryInterval, so that requests do not each wait for a connection attempt.
type Redis struct {
	client redis.Scripter
	limit  int
	window time.Duration
	now    func() time.Time

	// Prefix starts every key (DefaultRedisPrefix unless set before first use). Tests use a
	// unique prefix to stay apart.
	Prefix string
	// Logger receives the fail-open warnings (discarded when nil). Set before first use.
	Logger *slog.Logger

	mu         sync.Mutex
	lastWarned int64     // window number of the last warning
	downUntil  time.Time // no Redis calls before this instant
}

// NewRedis returns a Redis-backed limiter allowing limit requests per key per window; limit
// 0 (or less) turns limiting off without touching Redis. client is a *redis.Client, Ring or
// ClusterClient; now is the clock that picks the window (nil means time.Now).
func NewRedis(client redis.Scripter, limit int, window time.Duration, now func() time.Time) *Redis {
	if now == nil {
		now = time.Now
	}
	if window < time.Millisecond {
		window = time.Millisecond
	}
	return &Redis{client: client, limit: limit, window: window, now: now, Prefix: DefaultRedisPrefix, lastWarned: -1}
}

// Allow counts a request against key. On a Redis failure it returns a Result with Allowed
// set, Remaining -1, and the error (see the type's comment).
func (l *Redis) Allow(ctx context.Context, key string) (Result, error) {
	if l.limit <= 0 {
		return Result{Allowed: true, Remaining: -1}, nil
	}
	now, n, left, rkey, down := l.currentWindow(key)
	if down != nil {
		return Result{Allowed: true, RetryAfter: left, Remaining: -1}, down
	}
	ttlMS := left.Milliseconds()
	if ttlMS < 1 {
		ttlMS = 1
	}
	vals, err := incrScript.Run(ctx, l.client, []string{rkey}, ttlMS).Int64Slice()
	return l.result(ctx, now, n, left, vals, err)
}

// Peek reports whether key is within the limit without counting. Like Allow, it fails open.
func (l *Redis) Peek(ctx context.Context, key string) (Result, error) {
	if l.limit <= 0 {
		return Result{Allowed: true, Remaining: -1}, nil
	}
	now, n, left, rkey, down := l.currentWindow(key)
	if down != nil {
		return Result{Allowed: true, RetryAfter: left, Remaining: -1}, down
	}
	vals, err := peekScript.Run(ctx, l.client, []string{rkey}).Int64Slice()
	if err == nil && len(vals) == 2 && vals[1] < 0 {
		vals[1] = left.Milliseconds() // no such key yet
	}
	return l.result(ctx, now, n, left, vals, err)
}

// currentWindow returns the clock, the current window's number and time left, key's Redis key in
// it, and an error when Redis failed less than RedisRetryInterval ago (not to be asked now).
func (l *Redis) currentWindow(key string) (now time.Time, n int64, left time.Duration, rkey string, down error) {
	now = l.now()
	n, left = windowOf(now, l.window)
	l.mu.Lock()
	isDown := now.Before(l.downUntil)
	l.mu.Unlock()
	if isDown {
		down = fmt.Errorf("rate limit counter in redis: %w", errRedisDown)
	}
	return now, n, left, l.Prefix + key + ":" + strconv.FormatInt(n, 10), down
}

// result turns a script's {count, milliseconds left} into a Result, failing open on error.
func (l *Redis) result(ctx context.Context, now time.Time, n int64, left time.Duration, vals []int64, err error) (Result, error) {
	if err == nil && len(vals) != 2 {
		err = fmt.Errorf("rate limit script returned %d values, want 2", len(vals))
	}
	if err != nil {
		if ctx.Err() == nil {
			l.mu.Lock()
			l.downUntil = now.Add(RedisRetryInterval)
			l.mu.Unlock()
			l.warn(n, err)
		}
		return Result{Allowed: true, RetryAfter: left, Remaining: -1}, fmt.Errorf("rate limit counter in redis: %w", err)
	}
	count, pttl := int(vals[0]), time.Duration(vals[1])*time.Millisecond
	if count > l.limit {
		return Result{Allowed: false, RetryAfter: pttl, Remaining: 0}, nil
	}
	return Result{Allowed: true, RetryAfter: pttl, Remaining: l.limit - count}, nil
}

// warn logs a fail-open warning, once per window so a Redis outage does not flood the log.
func (l *Redis) warn(window int64, err error) {
	l.mu.Lock()
	if l.lastWarned == window {
		l.mu.Unlock()
		return
	}
	l.lastWarned = window
	l.mu.Unlock()
	logger := l.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger.Warn("rate limiter cannot reach redis; letting requests through uncounted", "err", err)
}
