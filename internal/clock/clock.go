// Package clock is the time certsum runs on: the wall clock shifted by an offset, so that
// integrators can test deadlines and automatic completion. The offset is set at start
// (serve --clock-offset) and, when the server was started with --test-clock, moved while it
// runs (POST /certsum/v1/clock). Every part of a server — store, tokens, handlers, the
// lifecycle jobs — reads the same Clock.
package clock

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/certsum/certsum"
)

// Clock is the wall clock plus an offset. It is safe for concurrent use.
type Clock struct {
	offset   atomic.Int64 // nanoseconds
	movable  bool
	mu       sync.Mutex
	onChange []func()
	wall     func() time.Time
}

// New returns a clock offset from the wall clock; movable says whether Move may change it.
func New(offset time.Duration, movable bool) *Clock {
	c := &Clock{movable: movable, wall: time.Now}
	c.offset.Store(int64(offset))
	return c
}

// Now returns the wall clock plus the offset.
func (c *Clock) Now() time.Time { return c.wall().Add(c.Offset()) }

// Offset returns the offset from the wall clock.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Movable reports whether the clock may be moved while the server runs.
func (c *Clock) Movable() bool { return c.movable }

// MaxOffset bounds the offset either way: a century.
const MaxOffset = 100 * 365 * 24 * time.Hour

// Move sets the offset, which never makes time run backwards: certsum's records (decisions,
// sign-offs) must stay in order. Errors: forbidden (not movable), invalid (backwards, or past
// MaxOffset).
func (c *Clock) Move(offset time.Duration) error {
	if !c.movable {
		return certsum.Errorf(certsum.CodeForbidden, "the clock can be moved only on a server started with --test-clock")
	}
	if offset > MaxOffset || offset < -MaxOffset {
		return certsum.Invalidf("offset", "the offset must be within %s", MaxOffset)
	}
	c.mu.Lock()
	if offset < c.Offset() {
		c.mu.Unlock()
		return certsum.Invalidf("offset", "the clock only moves forward: the offset is %s, not less", c.Offset())
	}
	c.offset.Store(int64(offset))
	fns := append([]func(){}, c.onChange...)
	c.mu.Unlock()
	for _, f := range fns {
		f()
	}
	return nil
}

// OnChange registers f to run after every Move (the lifecycle jobs look at deadlines again).
func (c *Clock) OnChange(f func()) {
	c.mu.Lock()
	c.onChange = append(c.onChange, f)
	c.mu.Unlock()
}
