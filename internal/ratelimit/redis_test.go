package ratelimit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// mustRedis connects to the Redis named by CERTSUM_TEST_REDIS, skipping the test when it is
// unset (failing instead when CERTSUM_TEST_REQUIRE_SERVICES=1), and returns the client and a
// key prefix unique to this test whose keys are deleted at the end.
func mustRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("CERTSUM_TEST_REDIS")
	if url == "" {
		if os.Getenv("CERTSUM_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("CERTSUM_TEST_REDIS is unset but CERTSUM_TEST_REQUIRE_SERVICES=1")
		}
		t.Skip("set CERTSUM_TEST_REDIS=redis://127.0.0.1:6379/0 to run the Redis rate limit tests")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("CERTSUM_TEST_REDIS: %v", err)
	}
	client := redis.NewClient(opts)
	ctx := context.Background()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at CERTSUM_TEST_REDIS: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "certsum-test:" + strings.ReplaceAll(t.Name(), "/", "-") + ":" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
		client.Close()
	})
	return client, prefix
}

func TestRedisSharesTheLimitBetweenInstances(t *testing.T) {
	client, prefix := mustRedis(t)
	clock := newFakeClock(windowStart)
	a := NewRedis(client, 5, 10*time.Second, clock.Now)
	b := NewRedis(client, 5, 10*time.Second, clock.Now)
	a.Prefix, b.Prefix = prefix, prefix
	// Retry-After comes from Redis's own TTL, which keeps running in real time.
	checkBoundary(t, []Limiter{a, b}, clock, "v2024:client-a", 2*time.Second)
}

func TestRedisCountsKeysSeparatelyAndExpiresWindows(t *testing.T) {
	client, prefix := mustRedis(t)
	clock := newFakeClock(windowStart.Add(9 * time.Second))
	l := NewRedis(client, 1, 10*time.Second, clock.Now)
	l.Prefix = prefix
	ctx := context.Background()
	if res, err := l.Allow(ctx, "v2024:a"); err != nil || !res.Allowed {
		t.Fatalf("first request of a: %+v %v", res, err)
	}
	if res, err := l.Allow(ctx, "v2024:b"); err != nil || !res.Allowed {
		t.Fatalf("first request of b: %+v %v", res, err)
	}
	if res, _ := l.Allow(ctx, "v2024:a"); res.Allowed {
		t.Fatal("second request of a allowed over a limit of 1")
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys = %v, want one per client", keys)
	}
	for _, k := range keys {
		ttl, err := client.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > time.Second {
			t.Errorf("key %s expires in %v, want the 1 s left in its window", k, ttl)
		}
	}
}

func TestRedisWithLimitZeroIsOffAndNeverCallsRedis(t *testing.T) {
	// A client pointed at a closed port: any call would fail.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	l := NewRedis(client, 0, 10*time.Second, nil)
	res, err := l.Allow(context.Background(), "k")
	if err != nil || !res.Allowed {
		t.Fatalf("limit 0: %+v %v", res, err)
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRedisFailsOpenWithOneWarningPerWindow(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	clock := newFakeClock(windowStart)
	l := NewRedis(client, 1, 10*time.Second, clock.Now)
	var logs syncBuffer
	l.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	for i := 0; i < 3; i++ {
		res, err := l.Allow(context.Background(), "k")
		if err == nil {
			t.Fatal("no error from an unreachable redis")
		}
		if !res.Allowed || res.Remaining != -1 {
			t.Fatalf("request %d with redis down: %+v, want allowed uncounted", i+1, res)
		}
	}
	if got := strings.Count(logs.String(), "level=WARN"); got != 1 {
		t.Errorf("warnings in one window = %d, want 1; log:\n%s", got, logs.String())
	}
	// Within the retry interval Redis is not asked at all.
	if _, err := l.Allow(context.Background(), "k"); !errors.Is(err, errRedisDown) {
		t.Errorf("request right after a failure: err = %v, want errRedisDown", err)
	}
	clock.Set(windowStart.Add(RedisRetryInterval))
	if _, err := l.Allow(context.Background(), "k"); err == nil || errors.Is(err, errRedisDown) {
		t.Errorf("request after the retry interval: err = %v, want a fresh redis error", err)
	}
	clock.Set(windowStart.Add(10 * time.Second))
	_, _ = l.Allow(context.Background(), "k")
	if got := strings.Count(logs.String(), "level=WARN"); got != 2 {
		t.Errorf("warnings after the window moved on = %d, want 2", got)
	}
}

func TestOpenPicksTheBackend(t *testing.T) {
	ctx := context.Background()
	l, closeFn, err := Open(ctx, "", 100, DefaultWindow, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if _, ok := l.(*Memory); !ok {
		t.Errorf("without a URL Open returned %T, want *Memory", l)
	}
	if _, _, err := Open(ctx, "http://not-redis", 100, DefaultWindow, nil, nil); err == nil {
		t.Error("Open accepted a URL that is not redis://")
	}
	l, closeFn, err = Open(ctx, "redis://127.0.0.1:1/0", 0, DefaultWindow, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if _, ok := l.(*Memory); !ok {
		t.Errorf("with limit 0 Open returned %T, want the (off) *Memory", l)
	}
	l, closeFn, err = Open(ctx, "redis://127.0.0.1:1/0", 100, DefaultWindow, nil, nil)
	if err != nil {
		t.Fatalf("an unreachable redis must not stop start-up: %v", err)
	}
	defer closeFn()
	if _, ok := l.(*Redis); !ok {
		t.Errorf("with a URL Open returned %T, want *Redis", l)
	}
}

// peekLimiters returns a Memory and a Redis limiter allowing limit requests per window.
func peekLimiters(t *testing.T, limit int) map[string]Limiter {
	client, prefix := mustRedis(t)
	frozen := func() time.Time { return windowStart } // no window ends during the test
	r := NewRedis(client, limit, time.Minute, frozen)
	r.Prefix = prefix
	return map[string]Limiter{"memory": NewMemory(limit, time.Minute, frozen), "redis": r}
}
