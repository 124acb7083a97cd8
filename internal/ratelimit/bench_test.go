package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMemoryAllow measures one in-memory count over 1000 distinct keys.
func BenchmarkMemoryAllow(b *testing.B) {
	m := NewMemory(DefaultLimit, DefaultWindow, nil)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = Key("v2024", strconv.Itoa(i))
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = m.Allow(ctx, keys[i%len(keys)])
		i++
	}
}

// BenchmarkRedisAllow measures one shared count through Redis (CERTSUM_TEST_REDIS).
func BenchmarkRedisAllow(b *testing.B) {
	client, prefix := mustRedis(b)
	l := NewRedis(client, 1<<30, time.Minute, nil)
	l.Prefix = prefix
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Allow(ctx, "v2024:bench"); err != nil {
			b.Fatal(err)
		}
	}
}
