package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is an injected clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// windowStart is the start of a 10 s window (epoch-aligned) in 2030.
var windowStart = time.Date(2030, 1, 2, 3, 4, 10, 0, time.UTC)

func TestWindowOfAlignsToTheEpoch(t *testing.T) {
	cases := []struct {
		name     string
		at       time.Time
		wantLeft time.Duration
	}{
		{"a time on the boundary starts a full window", windowStart, 10 * time.Second},
		{"a time inside the window leaves the rest", windowStart.Add(3200 * time.Millisecond), 6800 * time.Millisecond},
		{"the last nanosecond leaves one nanosecond", windowStart.Add(10*time.Second - 1), 1},
		{"a time before 1970 still floors", time.Unix(-3, 0), 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, left := windowOf(c.at, 10*time.Second)
			if left != c.wantLeft {
				t.Errorf("left = %v, want %v", left, c.wantLeft)
			}
		})
	}
	a, _ := windowOf(windowStart.Add(-1), 10*time.Second)
	b, _ := windowOf(windowStart, 10*time.Second)
	if b != a+1 {
		t.Errorf("window numbers across a boundary: %d then %d, want consecutive", a, b)
	}
}

func TestRetryAfterSecondsRoundsUpToAtLeastOne(t *testing.T) {
	cases := map[time.Duration]int64{
		0:                       1,
		time.Nanosecond:         1,
		time.Second:             1,
		time.Second + 1:         2,
		6800 * time.Millisecond: 7,
		10 * time.Second:        10,
	}
	for d, want := range cases {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

// checkBoundary drives any limiter with limit 5 and window 10 s through the boundary: five
// allowed, the sixth refused with the right Retry-After, allowed again in the next window.
// The clock starts 3.2 s into a window; tolerance allows for a store with its own clock
// (Redis) having moved on a little in real time.
func checkBoundary(t *testing.T, limiters []Limiter, clock *fakeClock, key string, tolerance time.Duration) {
	t.Helper()
	ctx := context.Background()
	clock.Set(windowStart.Add(3200 * time.Millisecond))
	for i := 0; i < 5; i++ {
		l := limiters[i%len(limiters)]
		res, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if !res.Allowed || res.Remaining != 4-i {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, res, 4-i)
		}
	}
	res, err := limiters[len(limiters)-1].Allow(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed || res.Remaining != 0 {
		t.Fatalf("request 6: %+v, want refused", res)
	}
	if want := 6800 * time.Millisecond; res.RetryAfter > want || res.RetryAfter < want-tolerance {
		t.Errorf("RetryAfter = %v, want %v (tolerance %v)", res.RetryAfter, want, tolerance)
	}
	if got := retryAfterSeconds(res.RetryAfter); got != 7 {
		t.Errorf("Retry-After header value = %d, want 7", got)
	}
	// The last instant of the window is still refused.
	clock.Set(windowStart.Add(10*time.Second - time.Millisecond))
	if res, _ := limiters[0].Allow(ctx, key); res.Allowed {
		t.Errorf("request at the end of the window allowed: %+v", res)
	}
	// Waiting Retry-After from the refusal lands in the next window.
	clock.Set(windowStart.Add(3200*time.Millisecond + 7*time.Second))
	res, err = limiters[0].Allow(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Allowed || res.Remaining != 4 {
		t.Errorf("first request of the next window: %+v, want allowed with 4 remaining", res)
	}
}

func TestMemoryAllowsExactlyTheLimitPerWindow(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := NewMemory(5, 10*time.Second, clock.Now)
	checkBoundary(t, []Limiter{m}, clock, "v2024:client-a", 0)
}

func TestMemoryCountsKeysSeparately(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := NewMemory(1, 10*time.Second, clock.Now)
	ctx := context.Background()
	if res, _ := m.Allow(ctx, "v2024:a"); !res.Allowed {
		t.Fatal("first request of a refused")
	}
	if res, _ := m.Allow(ctx, "v2024:b"); !res.Allowed {
		t.Fatal("first request of b refused because of a")
	}
	if res, _ := m.Allow(ctx, "oauth:a"); !res.Allowed {
		t.Fatal("a's token endpoint counted with its v2024 calls")
	}
	if res, _ := m.Allow(ctx, "v2024:a"); res.Allowed {
		t.Fatal("second request of a allowed over a limit of 1")
	}
}

func TestMemoryDropsOldWindows(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := NewMemory(3, 10*time.Second, clock.Now)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "d"} {
		_, _ = m.Allow(ctx, k)
	}
	if got := m.keys(); got != 4 {
		t.Fatalf("keys in first window = %d, want 4", got)
	}
	clock.Set(windowStart.Add(25 * time.Second))
	_, _ = m.Allow(ctx, "e")
	if got := m.keys(); got != 1 {
		t.Errorf("keys after the window moved on = %d, want 1 (old windows dropped)", got)
	}
}

func TestMemoryLetsKeysBeyondMaxKeysThroughUncounted(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := NewMemory(1, 10*time.Second, clock.Now)
	m.MaxKeys = 2
	ctx := context.Background()
	_, _ = m.Allow(ctx, "a")
	_, _ = m.Allow(ctx, "b")
	for i := 0; i < 3; i++ {
		res, _ := m.Allow(ctx, "c")
		if !res.Allowed || res.Remaining != -1 {
			t.Fatalf("request %d of an uncounted key: %+v, want allowed uncounted", i+1, res)
		}
	}
	if got := m.keys(); got != 2 {
		t.Errorf("keys = %d, want the cap of 2", got)
	}
	if res, _ := m.Allow(ctx, "a"); res.Allowed {
		t.Error("a key counted before the cap was reached is no longer limited")
	}
}

func TestMemoryWithLimitZeroIsOff(t *testing.T) {
	m := NewMemory(0, 10*time.Second, nil)
	for i := 0; i < 1000; i++ {
		res, err := m.Allow(context.Background(), "k")
		if err != nil || !res.Allowed {
			t.Fatalf("request %d refused with limit 0: %+v %v", i+1, res, err)
		}
	}
	if got := m.keys(); got != 0 {
		t.Errorf("limit 0 still counted %d keys", got)
	}
}

func TestMemoryIsExactUnderConcurrency(t *testing.T) {
	clock := newFakeClock(windowStart.Add(time.Second))
	m := NewMemory(100, 10*time.Second, clock.Now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if res, _ := m.Allow(context.Background(), "k"); res.Allowed {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 100 {
		t.Errorf("allowed %d of 200 concurrent requests, want exactly 100", got)
	}
}

// failingLimiter is a Limiter whose store is down: it fails open as the contract says.
type failingLimiter struct{ calls atomic.Int64 }

func (f *failingLimiter) Allow(context.Context, string) (Result, error) {
	f.calls.Add(1)
	return Result{Allowed: true, Remaining: -1}, errors.New("store down")
}

func (f *failingLimiter) Peek(context.Context, string) (Result, error) {
	return Result{Allowed: true, Remaining: -1}, errors.New("store down")
}

// Peek tells a refused key from one within the limit without counting, on every limiter.
func TestPeekCountsNothing(t *testing.T) {
	ctx := context.Background()
	for name, l := range peekLimiters(t, 2) {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 5; i++ {
				if res, err := l.Peek(ctx, "k"); err != nil || !res.Allowed {
					t.Fatalf("peek %d of an unused key: %+v %v", i, res, err)
				}
			}
			for i := 0; i < 2; i++ {
				if res, _ := l.Allow(ctx, "k"); !res.Allowed {
					t.Fatalf("allow %d refused; peeks must not count", i)
				}
			}
			if res, _ := l.Peek(ctx, "k"); !res.Allowed || res.Remaining != 0 {
				t.Fatalf("peek at the limit: %+v", res)
			}
			if res, _ := l.Allow(ctx, "k"); res.Allowed {
				t.Fatal("allow past the limit")
			}
			if res, _ := l.Peek(ctx, "k"); res.Allowed || res.RetryAfter <= 0 {
				t.Fatalf("peek past the limit: %+v", res)
			}
			if res, _ := l.Peek(ctx, "other"); !res.Allowed {
				t.Fatal("another key is refused")
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	byHeader := func(r *http.Request) string { return r.Header.Get("X-Client") }
	do := func(h http.Handler, client string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/v2024/certifications", nil)
		if client != "" {
			r.Header.Set("X-Client", client)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	t.Run("over the limit answers 429 with the documented body and Retry-After", func(t *testing.T) {
		clock := newFakeClock(windowStart.Add(3200 * time.Millisecond))
		h := Middleware(NewMemory(2, 10*time.Second, clock.Now), byHeader)(ok)
		for i := 0; i < 2; i++ {
			if w := do(h, "a"); w.Code != http.StatusNoContent {
				t.Fatalf("request %d: status %d", i+1, w.Code)
			}
		}
		w := do(h, "a")
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("status = %d, want 429", w.Code)
		}
		if got := w.Body.String(); got != `{"message":" Rate Limit Exceeded "}` {
			t.Errorf("body = %s", got)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := w.Header().Get("Retry-After"); got != "7" {
			t.Errorf("Retry-After = %q, want 7", got)
		}
		clock.Set(windowStart.Add(10 * time.Second))
		if w := do(h, "a"); w.Code != http.StatusNoContent {
			t.Errorf("after the window: status %d, want the handler's 204", w.Code)
		}
	})
	t.Run("an empty key is never limited", func(t *testing.T) {
		h := Middleware(NewMemory(1, 10*time.Second, nil), byHeader)(ok)
		for i := 0; i < 5; i++ {
			if w := do(h, ""); w.Code != http.StatusNoContent {
				t.Fatalf("request %d without a key: status %d", i+1, w.Code)
			}
		}
	})
	t.Run("a nil limiter passes everything", func(t *testing.T) {
		h := Middleware(nil, byHeader)(ok)
		if w := do(h, "a"); w.Code != http.StatusNoContent {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("a failing limiter lets requests through", func(t *testing.T) {
		f := &failingLimiter{}
		h := Middleware(f, byHeader)(ok)
		if w := do(h, "a"); w.Code != http.StatusNoContent {
			t.Fatalf("status %d, want the handler's 204", w.Code)
		}
		if f.calls.Load() != 1 {
			t.Errorf("limiter called %d times, want 1", f.calls.Load())
		}
	})
}

func TestKeySeparatesAPIs(t *testing.T) {
	if Key("v2024", "abc") == Key("oauth", "abc") {
		t.Error("the same client has one key for two APIs")
	}
	if got := Key("v2024", "abc"); got != "v2024:abc" {
		t.Errorf("Key = %q", got)
	}
}
