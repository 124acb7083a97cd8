package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/postgres/pgtest"
)

// The crash test: certsum serving real processes that a load generator drives through the
// API (decide, reassign, sign-off) while the test kills them with SIGKILL at random moments,
// restarts them and checks the database: every acknowledged write is there, every write
// that was in flight is there whole or not at all, every refused write left nothing, the
// maintained counters equal their recount (certsum verify), and every decision summary
// equals the count of its items.
//
// Short form (go test, CI): CERTSUM_CHAOS_CYCLES cycles per backend, 5 by default.
// Long form: CERTSUM_CHAOS_CYCLES=50 go test -run TestKill9 -timeout 60m -v ./cmd/certsum/
// (docs/operations.md has the figures).

// The server processes are this test binary run again with CERTSUM_CHAOS_HELPER=1: TestMain
// serves instead of testing.
func TestMain(m *testing.M) {
	if os.Getenv("CERTSUM_CHAOS_HELPER") == "1" {
		os.Exit(chaosServe())
	}
	os.Exit(m.Run())
}

// chaosServe runs `certsum serve` as the chaos test configured it, writing the bound address
// to CERTSUM_CHAOS_ADDR_FILE once it accepts connections.
func chaosServe() int {
	cfg := defaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = os.Getenv("CERTSUM_CHAOS_DB")
	cfg.KeyFile = os.Getenv("CERTSUM_CHAOS_KEY_FILE")
	cfg.RateLimit = 0
	cfg.LogLevel = "warn"
	m := NewMain(cfg, io.Discard, os.Stderr)
	addrFile := os.Getenv("CERTSUM_CHAOS_ADDR_FILE")
	m.Ready = func(addr string) {
		tmp := addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(addr), 0o600); err == nil {
			_ = os.Rename(tmp, addrFile)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "chaos server:", err)
		return 1
	}
	return 0
}

func chaosCycles(t *testing.T) int {
	n := 5
	if s := os.Getenv("CERTSUM_CHAOS_CYCLES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("CERTSUM_CHAOS_CYCLES=%q", s)
		}
	}
	return n
}

func TestKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test starts and kills server processes; -short leaves it out")
	}
	cycles := chaosCycles(t)
	t.Run("sqlite", func(t *testing.T) {
		runChaos(t, filepath.Join(t.TempDir(), "certsum.db"), cycles, 1)
	})
	t.Run("postgres", func(t *testing.T) {
		runChaos(t, pgtest.SchemaDSN(t), cycles, 1)
	})
	t.Run("postgres two replicas", func(t *testing.T) {
		runChaos(t, pgtest.SchemaDSN(t), cycles, 2)
	})
}

// chaosRig is one crash test: the database, the server processes and what the load
// generator knows.
type chaosRig struct {
	t        *testing.T
	cfg      Config
	dir      string
	clientID string
	secret   string
	procs    []*chaosProc
	rng      *rand.Rand

	assignees []string // identities reassignments go to

	mu     sync.Mutex
	items  map[string]*chaosItem // by item id
	certs  map[string]*chaosCert // by certification id
	totals chaosTotals
}

// chaosTotals are the figures the test reports.
type chaosTotals struct {
	Kills, Acked, InFlight, Refused, Checked int
	Unavailable                              int // 503 answers (counted in InFlight too)
	AckedWhileDown                           int // by a surviving replica
}

type chaosCert struct {
	id     string
	items  []string
	signed bool // an acknowledged sign-off
	// maybeSigned: a sign-off was in flight at a kill.
	maybeSigned bool
}

// chaosItem is what the test knows of one review item: its decision as of the last
// acknowledged write, and the writes since whose outcome is unknown (in flight at a kill).
type chaosItem struct {
	cert     string
	decision certsum.Decision // "" while undecided
	moved    bool             // reassigned out of its certification (acknowledged)
	pending  []*chaosWrite    // unknown outcome
}

// chaosWrite is one request of the load generator.
type chaosWrite struct {
	op       string // decide, reassign, sign-off
	cert     string
	items    []string
	decision certsum.Decision
}

type chaosProc struct {
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
	done chan struct{}
}

// newRig prepares the database named by dsn for a crash or fault test.
func newRig(t *testing.T, dsn string) *chaosRig {
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Database = dsn
	cfg.KeyFile = filepath.Join(dir, "keys")
	if _, err := createKeyFile(cfg.KeyFile, nil); err != nil {
		t.Fatal(err)
	}
	r := &chaosRig{t: t, cfg: cfg, dir: dir, rng: newRand(7),
		items: map[string]*chaosItem{}, certs: map[string]*chaosCert{}}
	r.prepare(context.Background())
	return r
}

func newRand(stream int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(stream)))
}

// stopAll stops the server processes gracefully.
func (r *chaosRig) stopAll() {
	for _, p := range r.procs {
		_ = p.cmd.Process.Signal(os.Interrupt)
		<-p.done
	}
}

func runChaos(t *testing.T, dsn string, cycles, replicas int) {
	ctx := context.Background()
	r := newRig(t, dsn)
	r.procs = make([]*chaosProc, replicas)
	for i := range r.procs {
		r.procs[i] = r.start(i)
	}
	for cycle := 1; cycle <= cycles; cycle++ {
		victim := r.rng.IntN(replicas)
		load := time.Duration(100+r.rng.IntN(1400)) * time.Millisecond
		r.loadAndKill(victim, load)
		// With two replicas the other one serves on; the checks run once the victim is
		// back, with the load stopped.
		r.procs[victim] = r.start(victim)
		r.check(ctx, cycle)
	}
	r.stopAll()
	t.Logf("%d kill cycles, %d replica(s): %d writes acknowledged and found (%d by the survivor while the other was down), %d in flight at a kill (each whole or absent), %d refused (none applied), %d item states checked, 0 drift",
		r.totals.Kills, replicas, r.totals.Acked, r.totals.AckedWhileDown, r.totals.InFlight, r.totals.Refused, r.totals.Checked)
}

// prepare fills the database with a small demo organisation and an ORG_ADMIN client, and
// learns the active identity-reviewed certifications.
func (r *chaosRig) prepare(ctx context.Context) {
	t := r.t
	st, err := openStore(ctx, r.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds := demo.Generate(demo.Options{Identities: 60, Seed: 11, Now: time.Now()})
	if err := st.Load(ctx, ds, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range ds.Identities[len(ds.Identities)-10:] {
		r.assignees = append(r.assignees, id.ID)
	}
	sealer, err := loadSealer(r.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{Store: st, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateAdminClient(ctx, "chaos", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.clientID, r.secret = c.Client.ID, c.Secret
	certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs.Items {
		// Certifications of one page of items (250) keep every check one read.
		if c.Phase != certsum.PhaseActive || c.Reviewer.Type != certsum.TypeIdentity || c.DecisionsTotal > certsum.MaxLimit {
			continue
		}
		items, err := st.ListReviewItems(ctx, c.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		cc := &chaosCert{id: c.ID}
		for _, it := range items.Items {
			cc.items = append(cc.items, it.ID)
			r.items[it.ID] = &chaosItem{cert: c.ID, decision: it.Decision}
		}
		r.certs[c.ID] = cc
		if len(r.certs) == 24 {
			break
		}
	}
	if len(r.certs) < 4 {
		t.Fatalf("the demo has %d active certifications to work on", len(r.certs))
	}
}

// start runs server process i on the database and waits until it is ready.
func (r *chaosRig) start(i int) *chaosProc {
	st := r.startOrExit(i)
	if st.exited {
		r.t.Fatalf("server %d exited while starting (%d):\n%s", i, st.code, st.log)
	}
	return st.proc
}

// started is a server process that either serves or exited while starting.
type started struct {
	proc   *chaosProc
	exited bool
	code   int
	log    string
}

// startOrExit starts server process i and reports whether it serves or exits.
func (r *chaosRig) startOrExit(i int) started {
	addrFile := filepath.Join(r.dir, fmt.Sprintf("addr-%d", i))
	_ = os.Remove(addrFile)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CERTSUM_CHAOS_HELPER=1", "CERTSUM_CHAOS_DB="+r.cfg.Database,
		"CERTSUM_CHAOS_KEY_FILE="+r.cfg.KeyFile, "CERTSUM_CHAOS_ADDR_FILE="+addrFile)
	p := &chaosProc{cmd: cmd, log: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.base = "http://" + string(b)
			return started{proc: p}
		}
		select {
		case <-p.done:
			return started{exited: true, code: cmd.ProcessState.ExitCode(), log: p.log.String()}
		default:
		}
	}
	r.t.Fatalf("server %d neither served nor exited in 60 s:\n%s", i, p.log)
	return started{}
}

// loadAndKill runs the load generator on every live server for d, then kills the victim
// with SIGKILL while requests are in flight, and stops the load.
func (r *chaosRig) loadAndKill(victim int, d time.Duration) {
	token := r.token(r.procs[(victim+1)%len(r.procs)].base)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// One worker per certification pair, so that a certification has one writer at a time
	// and the order of its writes is known.
	var ids []string
	for id := range r.certs {
		ids = append(ids, id)
	}
	workers := 4
	for w := 0; w < workers; w++ {
		var mine []string
		for i := w; i < len(ids); i += workers {
			mine = append(mine, ids[i])
		}
		wg.Add(1)
		go func(w int, mine []string) {
			defer wg.Done()
			rng := newRand(w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				proc := r.procs[rng.IntN(len(r.procs))]
				select {
				case <-proc.done:
					proc = r.procs[(victim+1)%len(r.procs)] // the survivor serves on
				default:
				}
				r.one(rng, proc.base, token, mine[rng.IntN(len(mine))])
			}
		}(w, mine)
	}
	time.Sleep(d)
	_ = r.procs[victim].cmd.Process.Signal(syscall.SIGKILL)
	<-r.procs[victim].done
	r.mu.Lock()
	r.totals.Kills++
	before := r.totals.Acked
	r.mu.Unlock()
	if len(r.procs) > 1 {
		// The other replica serves on while the victim is down.
		time.Sleep(300 * time.Millisecond)
		r.mu.Lock()
		served := r.totals.Acked - before
		r.totals.AckedWhileDown += served
		r.mu.Unlock()
		// Writes may have run out (every certification signed); a read must be answered.
		survivor := r.procs[(victim+1)%len(r.procs)]
		var cert string
		for id := range r.certs {
			cert = id
			break
		}
		req, _ := http.NewRequest("GET", survivor.base+"/v2024/certifications/"+cert+"/decision-summary", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if res, err := chaosClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
			r.t.Errorf("the surviving replica did not serve while the other was down: %v %v", err, res)
		} else {
			res.Body.Close()
		}
	}
	close(stop)
	wg.Wait()
}

func (r *chaosRig) token(base string) string {
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {r.clientID}, "client_secret": {r.secret}})
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		r.t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

var chaosClient = &http.Client{Timeout: 30 * time.Second}

// notSent is send's answer when no server took the connection: the write cannot have been
// applied.
const notSent = -1

// one sends one write for certification cert and records what is known of it. The write is
// chosen, and its items marked pending, in one critical section, so that writers running
// side by side never share an item.
func (r *chaosRig) one(rng *rand.Rand, base, token, cert string) {
	r.mu.Lock()
	cc := r.certs[cert]
	if cc.signed || cc.maybeSigned {
		r.mu.Unlock()
		return
	}
	var live []string
	undecided, busy := 0, false
	for _, id := range cc.items {
		it := r.items[id]
		if it.moved {
			continue
		}
		if len(it.pending) > 0 {
			busy = true
			continue
		}
		live = append(live, id)
		if it.decision == "" {
			undecided++
		}
	}
	if len(live) == 0 {
		r.mu.Unlock()
		return
	}
	w := &chaosWrite{cert: cert}
	var body any
	path := "/v2024/certifications/" + cert
	switch p := rng.Float64(); {
	case undecided == 0 && !busy && p < 0.1:
		w.op, path = "sign-off", path+"/sign-off"
		// A sign-off touches every item: none may be written meanwhile.
		w.items = append([]string(nil), live...)
	case p < 0.08:
		w.op, path = "reassign", path+"/reassign"
		w.items = []string{live[rng.IntN(len(live))]}
		body = r.reassignBody(w.items[0], rng)
	default:
		w.op, path = "decide", path+"/decide"
		w.decision = certsum.Approve
		if rng.IntN(2) == 0 {
			w.decision = certsum.Revoke
		}
		n := 1 + rng.IntN(min(5, len(live)))
		perm := rng.Perm(len(live))
		var ds []map[string]any
		for _, i := range perm[:n] {
			w.items = append(w.items, live[i])
			ds = append(ds, map[string]any{"id": live[i], "decision": w.decision, "bulk": n > 1, "comments": "chaos"})
		}
		body = ds
	}
	for _, id := range w.items {
		r.items[id].pending = append(r.items[id].pending, w)
	}
	r.mu.Unlock()
	status := r.send(base, token, path, body)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case status == notSent:
		r.settle(w, false)
	case status == http.StatusOK:
		r.totals.Acked++
		r.settle(w, true)
	case status >= 400 && status < 500:
		r.totals.Refused++
		r.settle(w, false)
	default:
		// No answer (the server died) or a 503: the outcome is unknown until the check.
		if status == http.StatusServiceUnavailable {
			r.totals.Unavailable++
		}
		if w.op == "sign-off" {
			cc.maybeSigned = true
		}
		r.totals.InFlight++
	}
}

// reassignBody reassigns item to one of the organisation's last ten identities (one may be
// the reviewer: certsum refuses that, and the refusal must change nothing).
func (r *chaosRig) reassignBody(item string, rng *rand.Rand) certsum.ReviewReassign {
	return certsum.ReviewReassign{Reassign: []certsum.ReassignReference{{ID: item, Type: certsum.ReassignItem}},
		ReassignTo: r.assignees[rng.IntN(len(r.assignees))], Reason: "chaos"}
}

// settle applies a write whose outcome is known: acknowledged, or refused (nothing
// changed).
func (r *chaosRig) settle(w *chaosWrite, applied bool) {
	for _, id := range w.items {
		it := r.items[id]
		for i, p := range it.pending {
			if p == w {
				it.pending = append(it.pending[:i], it.pending[i+1:]...)
				break
			}
		}
		if applied {
			switch w.op {
			case "decide":
				it.decision = w.decision
			case "reassign":
				it.moved = true
			}
		}
	}
	if applied && w.op == "sign-off" {
		r.certs[w.cert].signed = true
	}
}

func (r *chaosRig) send(base, token, path string, body any) int {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest("POST", base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := chaosClient.Do(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return notSent
	}
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	switch {
	case res.StatusCode == http.StatusServiceUnavailable:
		var dto struct{ DetailCode, TrackingID string }
		if json.Unmarshal(b, &dto) != nil || dto.DetailCode != "503 Service Unavailable" || dto.TrackingID == "" || res.Header.Get("Retry-After") == "" {
			r.t.Errorf("POST %s → 503 without an ErrorResponseDto or Retry-After: %s %v", path, b, res.Header)
		}
	case res.StatusCode >= 500:
		r.t.Errorf("POST %s → %d %s", path, res.StatusCode, b)
	}
	return res.StatusCode
}

// check opens the database beside the running servers and holds it to what the load
// generator knows; the writes in flight at the kill are resolved to what the database shows,
// whole or not at all.
func (r *chaosRig) check(ctx context.Context, cycle int) {
	t := r.t
	st, err := openStore(ctx, r.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("cycle %d: open after the kill: %v", cycle, err)
	}
	defer st.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	actual := map[string]map[string]certsum.Decision{} // cert → item → decision
	for id, cc := range r.certs {
		items, err := st.ListReviewItems(ctx, id, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			t.Fatalf("cycle %d: items of %s: %v", cycle, id, err)
		}
		actual[id] = map[string]certsum.Decision{}
		for _, it := range items.Items {
			actual[id][it.ID] = it.Decision
		}
		c, err := st.GetCertification(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case cc.signed && c.Phase != certsum.PhaseSigned:
			t.Errorf("cycle %d: the acknowledged sign-off of %s is lost (phase %s)", cycle, id, c.Phase)
		case c.Phase == certsum.PhaseSigned && !cc.signed && !cc.maybeSigned:
			t.Errorf("cycle %d: %s is signed, though no sign-off of it was acknowledged or in flight", cycle, id)
		}
		if c.Phase == certsum.PhaseSigned {
			cc.signed = true
		}
		cc.maybeSigned = false
		// The certification's counters equal the count of its items.
		made := 0
		for _, d := range actual[id] {
			if d != "" {
				made++
			}
		}
		if c.DecisionsMade != made || c.DecisionsTotal != len(actual[id]) {
			t.Errorf("cycle %d: %s counts %d of %d decided; its items say %d of %d", cycle, id, c.DecisionsMade, c.DecisionsTotal, made, len(actual[id]))
		}
		sum, err := st.DecisionSummary(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum.EntitlementDecisionsMade + sum.AccessProfileDecisionsMade + sum.RoleDecisionsMade + sum.AccountDecisionsMade; got != made {
			t.Errorf("cycle %d: %s's decision summary says %d made, its items %d", cycle, id, got, made)
		}
	}
	// Resolve the writes in flight: each one whole or not at all.
	seen := map[*chaosWrite]bool{}
	for _, it := range r.items {
		for _, w := range it.pending {
			if seen[w] {
				continue
			}
			seen[w] = true
			applied := 0
			for _, id := range w.items {
				got, present := actual[w.cert][id]
				switch w.op {
				case "decide":
					if present && got == w.decision {
						applied++
					}
				case "reassign":
					if !present {
						applied++
					}
				}
			}
			if w.op == "decide" {
				// A write of a value the item already had is indistinguishable; count only the
				// items whose value would change.
				changing := 0
				for _, id := range w.items {
					if r.items[id].decision != w.decision {
						changing++
					}
				}
				unchanged := len(w.items) - changing
				if applied != unchanged && applied != len(w.items) {
					t.Errorf("cycle %d: a decide in flight at the kill is half applied: %d of %d items (%v → %s)", cycle, applied-unchanged, changing, w.items, w.decision)
				}
				r.settle(w, applied == len(w.items))
				continue
			}
			if applied != 0 && applied != len(w.items) {
				t.Errorf("cycle %d: a %s in flight at the kill is half applied: %d of %d items", cycle, w.op, applied, len(w.items))
			}
			r.settle(w, applied == len(w.items))
		}
	}
	// Every item holds its last acknowledged (or resolved) decision; moved items are gone.
	for id, it := range r.items {
		got, present := actual[it.cert][id]
		r.totals.Checked++
		switch {
		case it.moved && present:
			t.Errorf("cycle %d: item %s was reassigned (acknowledged) but is still in %s", cycle, id, it.cert)
		case !it.moved && !present:
			t.Errorf("cycle %d: item %s left %s without an acknowledged reassignment", cycle, id, it.cert)
		case !it.moved && got != it.decision:
			t.Errorf("cycle %d: item %s is %q, the last acknowledged decision was %q", cycle, id, got, it.decision)
		}
	}
	drifts, err := st.Verify(ctx, false)
	if err != nil {
		t.Fatalf("cycle %d: verify: %v", cycle, err)
	}
	for _, d := range drifts {
		t.Errorf("cycle %d: drift after the kill: %+v", cycle, d)
	}
	if t.Failed() {
		for i, p := range r.procs {
			t.Logf("server %d log:\n%s", i, p.log)
		}
		t.FailNow()
	}
}
