//go:build faults

package main

// Database faults under load, on the crash test's rig (chaos_test.go): PostgreSQL's
// connections killed and PostgreSQL restarted; SQLite's disk full and its file system made
// read-only. While the database is away requests fail with 503 ErrorResponseDto and
// Retry-After, /readyz says so, certsum recovers by itself once the database is back, and
// every check of the crash test holds afterwards (acknowledged writes present, writes in
// flight whole or absent, no drift).
//
// These tests restart the PostgreSQL cluster and mount file systems, so they run alone and
// as root: .ci/run runs them after every other test,
//
//	go test -tags faults -count=1 -run 'TestPostgres|TestSQLite' -v ./cmd/certsum/
//
// CERTSUM_PG_CLUSTER names the cluster for pg_ctlcluster ("15 main" by default).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/certsum/certsum/internal/store/postgres/pgtest"

	_ "modernc.org/sqlite"
)

// faultProbe reads through the API and /readyz while a fault lasts, and checks the shape of
// every refusal.
type faultProbe struct {
	t                  *testing.T
	base, token, cert  string
	ok, unavailable    atomic.Int64
	readyDown, readyUp atomic.Int64
	stop               chan struct{}
	wg                 sync.WaitGroup
}

func (r *chaosRig) probe(base, token string) *faultProbe {
	var cert string
	for id := range r.certs {
		cert = id
		break
	}
	p := &faultProbe{t: r.t, base: base, token: token, cert: cert, stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			p.read()
			p.ready()
		}
	}()
	return p
}

func (p *faultProbe) read() {
	req, _ := http.NewRequest("GET", p.base+"/v2024/certifications/"+p.cert+"/decision-summary", nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := chaosClient.Do(req)
	if err != nil {
		p.t.Errorf("the API stopped answering: %v", err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	switch res.StatusCode {
	case 200:
		p.ok.Add(1)
	case 503:
		p.unavailable.Add(1)
		checkUnavailable(p.t, res, b)
	default:
		p.t.Errorf("a read while the database is away → %d %s", res.StatusCode, b)
	}
}

func (p *faultProbe) ready() {
	res, err := chaosClient.Get(p.base + "/readyz")
	if err != nil {
		p.t.Errorf("/readyz stopped answering: %v", err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	switch res.StatusCode {
	case 200:
		p.readyUp.Add(1)
	case 503:
		p.readyDown.Add(1)
		var body struct{ Status, Reason string }
		if json.Unmarshal(b, &body) != nil || body.Status != "unavailable" || body.Reason == "" || res.Header.Get("Retry-After") == "" {
			p.t.Errorf("/readyz while the database is away: %s %v", b, res.Header)
		}
	default:
		p.t.Errorf("/readyz → %d %s", res.StatusCode, b)
	}
}

func (p *faultProbe) close() {
	close(p.stop)
	p.wg.Wait()
}

// checkUnavailable holds a 503 to its contract: an ErrorResponseDto with a tracking id and
// Retry-After.
func checkUnavailable(t *testing.T, res *http.Response, b []byte) {
	var dto struct {
		DetailCode, TrackingID string
		Messages               []struct{ Text string }
	}
	if json.Unmarshal(b, &dto) != nil || dto.DetailCode != "503 Service Unavailable" || dto.TrackingID == "" ||
		len(dto.Messages) == 0 || res.Header.Get("Retry-After") == "" {
		t.Errorf("a 503 that is not an ErrorResponseDto with Retry-After: %s %v", b, res.Header)
	}
}

// faultLoad runs the crash test's load on the server while fault runs, then until the API
// serves again, and stops it.
func (r *chaosRig) faultLoad(fault func()) {
	base := r.procs[0].base
	token := r.token(base)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ids []string
	for id := range r.certs {
		ids = append(ids, id)
	}
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := newRand(w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				r.one(rng, base, token, ids[(w+rng.IntN(len(ids)))%len(ids)])
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	fault()
	close(stop)
	wg.Wait()
}

// waitServing waits until a write and /readyz succeed again, without restarting certsum.
func (r *chaosRig) waitServing(what string) time.Duration {
	start := time.Now()
	base := r.procs[0].base
	for {
		res, err := chaosClient.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(start)
			}
		}
		if time.Since(start) > 90*time.Second {
			r.t.Fatalf("certsum did not recover from %s in 90 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPostgresConnectionsKilledAndRestarted(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	r := newRig(t, dsn)
	r.procs = []*chaosProc{r.start(0)}
	defer r.stopAll()
	p := r.probe(r.procs[0].base, r.token(r.procs[0].base))

	// Every connection of the database killed, twice, under load.
	r.faultLoad(func() {
		for i := 0; i < 2; i++ {
			psql(t, dsn, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
			time.Sleep(200 * time.Millisecond)
		}
	})
	t.Logf("connections killed: recovered in %s", r.waitServing("killed connections").Round(time.Millisecond))
	r.check(context.Background(), 1)

	// The cluster restarted under load.
	cluster := strings.Fields(os.Getenv("CERTSUM_PG_CLUSTER"))
	if len(cluster) != 2 {
		cluster = []string{"15", "main"}
	}
	var down time.Duration
	r.faultLoad(func() {
		start := time.Now()
		if out, err := exec.Command("pg_ctlcluster", cluster[0], cluster[1], "restart").CombinedOutput(); err != nil {
			t.Fatalf("pg_ctlcluster restart: %v\n%s", err, out)
		}
		down = time.Since(start)
		time.Sleep(300 * time.Millisecond)
	})
	t.Logf("PostgreSQL restarted (%s): certsum served again %s later", down.Round(time.Millisecond), r.waitServing("the restart").Round(time.Millisecond))
	r.check(context.Background(), 2)
	p.close()
	if p.unavailable.Load() == 0 || p.readyDown.Load() == 0 {
		t.Errorf("no 503 (%d) or /readyz down (%d) was seen while the database was away", p.unavailable.Load(), p.readyDown.Load())
	}
	t.Logf("reads: %d answered, %d 503 with Retry-After; /readyz: %d up, %d down; writes: %d acknowledged and found, %d answered 503, %d in flight resolved whole or absent, 0 drift",
		p.ok.Load(), p.unavailable.Load(), p.readyUp.Load(), p.readyDown.Load(), r.totals.Acked, r.totals.Unavailable, r.totals.InFlight)
}

func TestSQLiteDiskFullAndReadOnly(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs (the fault tests run as root): %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	r := newRig(t, filepath.Join(mnt, "certsum.db"))
	r.procs = []*chaosProc{r.start(0)}
	defer r.stopAll()
	p := r.probe(r.procs[0].base, r.token(r.procs[0].base))

	// The disk fills up under load, then space comes back.
	filler := filepath.Join(mnt, "filler")
	r.faultLoad(func() {
		f, err := os.Create(filler)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<16)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill the disk: %v", err)
				}
				break
			}
		}
		_ = f.Close()
		time.Sleep(time.Second) // the load runs into the full disk
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("disk full: served again %s after space came back", r.waitServing("a full disk").Round(time.Millisecond))
	r.check(context.Background(), 1)
	fullUnavailable := p.unavailable.Load()

	// A read-only file system: certsum is stopped, the file system remounted read-only (a
	// busy tmpfs cannot be remounted under a writer) and certsum started on it.
	p.close()
	r.stopAll()
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v\n%s", err, out)
	}
	ro := r.startOrExit(0)
	if ro.exited {
		if ro.code == 0 || !strings.Contains(strings.ToLower(ro.log), "read-only") && !strings.Contains(strings.ToLower(ro.log), "readonly") {
			t.Errorf("on a read-only file system certsum exited %d without saying why:\n%s", ro.code, ro.log)
		}
		t.Logf("read-only file system: certsum refuses to start (exit %d): %s", ro.code, lastLine(ro.log))
	} else {
		// It serves: reads answer, writes are refused with 503, nothing is written.
		r.procs[0] = ro.proc
		p2 := r.probe(ro.proc.base, r.token(ro.proc.base))
		r.faultLoad(func() { time.Sleep(time.Second) })
		p2.close()
		r.stopAll()
		t.Logf("read-only file system: %d reads answered, %d 503; writes answered 503 so far: %d", p2.ok.Load(), p2.unavailable.Load(), r.totals.Unavailable)
	}
	if out, err := exec.Command("mount", "-o", "remount,rw", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount read-write: %v\n%s", err, out)
	}
	r.procs[0] = r.start(0)
	r.check(context.Background(), 2)
	if fullUnavailable == 0 && r.totals.InFlight == 0 {
		t.Error("the full disk refused nothing")
	}
	if p.readyDown.Load() == 0 {
		t.Error("/readyz never reported the faults")
	}
	r.integrity()
	t.Logf("reads: %d answered, %d 503; /readyz: %d up, %d down; writes: %d acknowledged and found, %d answered 503, %d refused (4xx), %d in flight resolved; integrity ok, 0 drift",
		p.ok.Load(), p.unavailable.Load(), p.readyUp.Load(), p.readyDown.Load(), r.totals.Acked, r.totals.Unavailable, r.totals.Refused, r.totals.InFlight)
}

// psql runs one statement on the test database.
func psql(t *testing.T, dsn, stmt string) {
	t.Helper()
	u := strings.Split(dsn, "?")[0]
	if out, err := exec.Command("psql", u, "-qAtc", stmt).CombinedOutput(); err != nil {
		t.Fatalf("psql %s: %v\n%s", stmt, err, out)
	}
}

// integrity runs SQLite's own check of the database file.
func (r *chaosRig) integrity() {
	db, err := sql.Open("sqlite", r.cfg.Database)
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		r.t.Errorf("integrity_check after the faults: %q %v", res, err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
