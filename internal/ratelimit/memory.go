package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds how many distinct keys a Memory limiter counts in one window.
const DefaultMaxKeys = 100_000

// Memory is a fixed-window limiter for a single server. It keeps counts for the current
// window only and drops them all when the window ends, so memory is bounded by the number of
// distinct keys seen in one window, which MaxKeys caps.
type Memory struct {
	limit  int
	window time.Duration
	now    func() time.Time

	// MaxKeys caps the keys counted per window (DefaultMaxKeys unless set before first use).
	// Keys beyond it are let through uncounted, so that a flood of made-up client ids on
	// the token endpoint can neither exhaust memory nor lock out genuine clients.
	MaxKeys int

	mu     sync.Mutex
	cur    int64 // window number the counts belong to
	counts map[string]int
}

// NewMemory returns an in-memory limiter allowing limit requests per key per window; limit 0
// (or less) turns limiting off. now is the clock (nil means time.Now). A window shorter than a
// millisecond is raised to one.
func NewMemory(limit int, window time.Duration, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	if window < time.Millisecond {
		window = time.Millisecond
	}
	return &Memory{limit: limit, window: window, now: now, MaxKeys: DefaultMaxKeys, counts: map[string]int{}}
}

// Allow counts a request against key. It never returns an error.
func (m *Memory) Allow(_ context.Context, key string) (Result, error) {
	if m.limit <= 0 {
		return Result{Allowed: true, Remaining: -1}, nil
	}
	n, left := windowOf(m.now(), m.window)
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > m.cur {
		// A new window: every old count is worthless, drop them all at once.
		m.cur = n
		m.counts = make(map[string]int, len(m.counts))
	}
	// n < m.cur happens only when a caller read the clock just before another moved the
	// window on; counting it in the newer window errs on the strict side by one request.
	c, seen := m.counts[key]
	if !seen && len(m.counts) >= m.MaxKeys {
		return Result{Allowed: true, RetryAfter: left, Remaining: -1}, nil
	}
	c++
	m.counts[key] = c
	if c > m.limit {
		return Result{Allowed: false, RetryAfter: left, Remaining: 0}, nil
	}
	return Result{Allowed: true, RetryAfter: left, Remaining: m.limit - c}, nil
}

// Peek reports whether key is within the limit without counting. It never returns an error.
func (m *Memory) Peek(_ context.Context, key string) (Result, error) {
	if m.limit <= 0 {
		return Result{Allowed: true, Remaining: -1}, nil
	}
	n, left := windowOf(m.now(), m.window)
	m.mu.Lock()
	defer m.mu.Unlock()
	c := 0
	if n == m.cur {
		c = m.counts[key]
	}
	if c > m.limit {
		return Result{Allowed: false, RetryAfter: left, Remaining: 0}, nil
	}
	return Result{Allowed: true, RetryAfter: left, Remaining: m.limit - c}, nil
}

// keys returns how many keys are counted in the current window (for tests).
func (m *Memory) keys() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.counts)
}
