package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Open builds the limiter a server runs with: limit requests per key per window (limit 0 =
// off), in memory when redisURL is empty, otherwise shared through Redis at that redis:// or
// rediss:// URL. It pings Redis once so that a wrong URL shows at start-up, but an
// unreachable Redis is only logged: the limiter then fails open until Redis answers. The
// returned close function releases the Redis connection pool (a no-op in memory).
func Open(ctx context.Context, redisURL string, limit int, window time.Duration, now func() time.Time, logger *slog.Logger) (Limiter, func() error, error) {
	noop := func() error { return nil }
	if redisURL == "" || limit <= 0 {
		return NewMemory(limit, window, now), noop, nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, noop, fmt.Errorf("rate limit redis URL: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil && logger != nil {
		logger.Warn("rate limiter cannot reach redis yet; requests go uncounted until it answers", "err", err)
	}
	l := NewRedis(client, limit, window, now)
	l.Logger = logger
	return l, client.Close, nil
}
