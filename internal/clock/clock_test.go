package clock

import (
	"testing"
	"time"

	"github.com/certsum/certsum"
)

func TestTheClockMovesForwardOnlyAndOnlyWhenMovable(t *testing.T) {
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(time.Hour, true)
	c.wall = func() time.Time { return wall }
	if got := c.Now(); !got.Equal(wall.Add(time.Hour)) {
		t.Fatalf("Now = %s, want the wall clock plus an hour", got)
	}
	moved := 0
	c.OnChange(func() { moved++ })
	if err := c.Move(72 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(wall.Add(72*time.Hour)) || moved != 1 {
		t.Errorf("after Move: %s, %d notifications", got, moved)
	}
	if err := c.Move(time.Hour); certsum.ErrorCode(err) != certsum.CodeInvalid {
		t.Errorf("moving back: %v, want invalid", err)
	}
	if err := c.Move(MaxOffset + time.Hour); certsum.ErrorCode(err) != certsum.CodeInvalid {
		t.Errorf("moving past a century: %v, want invalid", err)
	}
	fixed := New(0, false)
	if err := fixed.Move(time.Hour); certsum.ErrorCode(err) != certsum.CodeForbidden {
		t.Errorf("moving a clock that is not movable: %v, want forbidden", err)
	}
	if moved != 1 {
		t.Errorf("refused moves notified: %d", moved)
	}
}
