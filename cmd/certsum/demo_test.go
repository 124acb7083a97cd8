package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// runDemoCmd runs `certsum demo` with args and returns stdout and stderr.
func runDemoCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	for _, v := range []string{"CERTSUM_DATABASE_URL", "CERTSUM_DATABASE_URL_FILE"} {
		t.Setenv(v, "")
	}
	var stdout, stderr bytes.Buffer
	root := newRootCmd(&stdout, &stderr)
	root.SetArgs(append([]string{"demo"}, args...))
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestDemoCommandBuildsRefusesAndReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	const now = "2026-11-16T09:00:00Z"
	out, errOut, err := runDemoCmd(t, "--identities", "150", "--seed", "4", "--now", now, "--db", path)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut)
	}
	inv := demo.Inventory(demo.Options{Identities: 150, Seed: 4, Now: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)})
	for _, want := range []string{"demo database " + path, "identities                      150", "campaigns                         4",
		"elapsed"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"building the demo organisation: 150 identities (seed 4", "importing the inventory: 100%",
		"generating Q4 2026 Manager Access Review: 100%", "deciding Q4 2026 Manager Access Review: 100%"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress on a non-terminal lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "\r") {
		t.Errorf("a non-terminal got carriage returns:\n%q", errOut)
	}
	largest := regexp.MustCompile(`largest certification  ([0-9a-f]{32})  ([0-9,]+) items`).FindStringSubmatch(out)
	if largest == nil {
		t.Fatalf("summary names no largest certification:\n%s", out)
	}
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.FindIdentity(context.Background(), inv.Identities[0].ID)
	cert, cerr := st.GetCertification(context.Background(), largest[1])
	st.Close()
	if err != nil || got.Name != inv.Identities[0].Name {
		t.Fatalf("the database does not hold the generated CEO %s: %v, %v", inv.Identities[0].Name, got, err)
	}
	if cerr != nil || thousands(cert.DecisionsTotal) != largest[2] {
		t.Errorf("the largest certification %s: %v, %v; the summary says %s items", largest[1], cert, cerr, largest[2])
	}

	// A database that holds identities is refused without --force.
	_, _, err = runDemoCmd(t, "--identities", "200", "--db", path)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second run without --force: %v", err)
	}
	if n := countIdentities(t, path); n != 150 {
		t.Fatalf("the refused run changed the database: %d identities", n)
	}
	// --force deletes the file and builds anew.
	if _, errOut, err := runDemoCmd(t, "--identities", "200", "--db", path, "--force"); err != nil {
		t.Fatalf("--force: %v\n%s", err, errOut)
	}
	if n := countIdentities(t, path); n != 200 {
		t.Fatalf("after --force: %d identities, want 200", n)
	}
}

func TestDemoCommandRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--identities", "10"}, "--identities must be between"},
		{[]string{"--now", "yesterday"}, "--now"},
		{[]string{"--db", "postgres://db.example/certsum", "--force"}, "cannot empty the PostgreSQL database"},
	} {
		args := append([]string{"--db", filepath.Join(dir, "x.db")}, tc.args...)
		if _, _, err := runDemoCmd(t, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("demo %v: %v, want an error about %q", tc.args, err, tc.want)
		}
	}
}

// withSQLite opens the SQLite database at path, runs fn on it and closes it again.
func withSQLite(t *testing.T, path string, fn func(*sqlite.Store)) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

func countIdentities(t *testing.T, path string) int {
	t.Helper()
	var n int
	var err error
	withSQLite(t, path, func(st *sqlite.Store) { n, err = st.CountIdentities(context.Background()) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProgressOnATerminalRedrawsOneLine(t *testing.T) {
	var buf bytes.Buffer
	clockAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgress(&buf, true, "loading", func() time.Time { return clockAt })
	for done := 0; done <= 1000; done += 50 {
		clockAt = clockAt.Add(40 * time.Millisecond)
		p.update(done, 1000)
	}
	p.finish()
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal output should be one redrawn line ending in a newline: %q", out)
	}
	if draws := strings.Count(out, "\r"); draws < 5 || draws > 15 {
		t.Errorf("%d redraws for 21 updates 40 ms apart, want them throttled to about one per 100 ms", draws)
	}
	if !strings.Contains(out, "[####################] 100%  1,000 / 1,000 rows  0:01") {
		t.Errorf("final frame missing: %q", out)
	}
}

func TestProgressOnAPipePrintsATenthAtATime(t *testing.T) {
	var buf bytes.Buffer
	clockAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgress(&buf, false, "loading", func() time.Time { return clockAt })
	for done := 0; done <= 100000; done += 1000 {
		p.update(done, 100000)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 11 || lines[10] != "loading: 100% (100,000 / 100,000 rows, 0:00)" {
		t.Errorf("pipe output:\n%s", buf.String())
	}
	// A slow load still reports every 10 seconds.
	buf.Reset()
	p = newProgress(&buf, false, "loading", func() time.Time { return clockAt })
	for done := 0; done < 50; done++ {
		clockAt = clockAt.Add(3 * time.Second)
		p.update(done, 1000)
	}
	if n := strings.Count(buf.String(), "\n"); n < 12 || n > 14 {
		t.Errorf("%d lines over 150 s of a load stuck below 10 %%, want one per 10 s:\n%s", n, buf.String())
	}
}

func TestProgressTicksWhileLoadIsSilent(t *testing.T) {
	for _, tty := range []bool{false, true} {
		var buf bytes.Buffer
		clockAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := newProgress(&buf, tty, "loading", func() time.Time { return clockAt })
		p.tick() // nothing reported yet: nothing to redraw
		if buf.Len() != 0 {
			t.Fatalf("tty %v: tick before any update drew %q", tty, buf.String())
		}
		p.update(960, 1000)
		before := buf.Len()
		clockAt = clockAt.Add(500 * time.Millisecond)
		p.tick()
		if buf.Len() != before {
			t.Errorf("tty %v: tick after half a second redrew", tty)
		}
		clockAt = clockAt.Add(12 * time.Second)
		p.tick()
		if !strings.Contains(buf.String()[before:], "960 / 1,000 rows") || !strings.Contains(buf.String()[before:], "0:13") {
			t.Errorf("tty %v: tick after 12.5 s of silence did not redraw the elapsed time: %q", tty, buf.String()[before:])
		}
		p.finish()
		end := buf.Len()
		p.tick()
		p.update(1000, 1000)
		if buf.Len() != end {
			t.Errorf("tty %v: drew after finish: %q", tty, buf.String()[end:])
		}
	}
}

func TestThousandsAndDemoNow(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	got, err := demoNow("", time.Date(2026, 11, 30, 8, 30, 0, 0, time.FixedZone("X", -3600))) // 09:30 UTC
	if err != nil || !got.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("default --now = %s, %v; want 09:00 UTC of the UTC date", got, err)
	}
	// Before 09:00 UTC the anchor is yesterday's, never in the future.
	early := time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC)
	got, err = demoNow("", early)
	if err != nil || !got.Equal(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)) || got.After(early) {
		t.Errorf("default --now at %s = %s, %v; want 09:00 UTC the day before", early, got, err)
	}
	got, err = demoNow("2027-01-02T03:04:05+01:00", time.Time{})
	if err != nil || !got.Equal(time.Date(2027, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Errorf("--now with an offset = %s, %v", got, err)
	}
}
