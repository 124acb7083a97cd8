package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// testSessions covers the dashboard's sessions: kept whole, touched, removed, and those
// expired removed when another is created.
func testSessions(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st := newStore(t)
	now := certsum.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC))
	a := certsum.UISession{IDHash: "a", Token: "token-a", CSRF: "csrf-a", Expires: certsum.NewTime(now.Add(time.Hour)), LastSeen: now}
	mustOK(t, st.CreateSession(ctx, a, now), "CreateSession")
	got, err := st.GetSession(ctx, "a")
	mustOK(t, err, "GetSession")
	if *got != a {
		t.Errorf("session = %+v, want %+v", *got, a)
	}
	later := certsum.NewTime(now.Add(10 * time.Minute))
	mustOK(t, st.TouchSession(ctx, "a", later), "TouchSession")
	if got, _ := st.GetSession(ctx, "a"); !got.LastSeen.Equal(later.Time) {
		t.Errorf("last seen %v after a touch at %v", got.LastSeen, later)
	}
	_, err = st.GetSession(ctx, "nope")
	mustCode(t, err, certsum.CodeNotFound)
	// Creating a session two hours on removes a, whose token expired.
	b := certsum.UISession{IDHash: "b", Token: "token-b", CSRF: "csrf-b", Expires: certsum.NewTime(now.Add(3 * time.Hour)),
		LastSeen: certsum.NewTime(now.Add(2 * time.Hour))}
	mustOK(t, st.CreateSession(ctx, b, b.LastSeen), "CreateSession")
	_, err = st.GetSession(ctx, "a")
	mustCode(t, err, certsum.CodeNotFound)
	mustOK(t, st.DeleteSession(ctx, "b"), "DeleteSession")
	_, err = st.GetSession(ctx, "b")
	mustCode(t, err, certsum.CodeNotFound)
	mustOK(t, st.DeleteSession(ctx, "b"), "DeleteSession of a session already gone")
	// The same id twice is refused, and keeps the first.
	mustOK(t, st.CreateSession(ctx, b, b.LastSeen), "CreateSession")
	if err := st.CreateSession(ctx, certsum.UISession{IDHash: "b", Token: "other", CSRF: "x", Expires: b.Expires, LastSeen: b.LastSeen}, b.LastSeen); err == nil {
		t.Errorf("a second session with the same id was stored")
	}
	if got, _ := st.GetSession(ctx, "b"); got == nil || got.Token != "token-b" {
		t.Errorf("the first session was replaced: %+v", got)
	}
}
