package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
)

// newDemoCmd is `certsum demo`: build a database holding the demo organisation and its
// campaigns.
func newDemoCmd(open storeOpener) *cobra.Command {
	cfg := defaultConfig()
	var (
		force bool
		now   string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a database filled with a realistic demo organisation and its access reviews",
		Long: `Build a database holding the demo dataset: a company with a manager tree, sources such as
Active Directory, Workday, GitHub, AWS IAM, Salesforce and ServiceNow, their accounts,
entitlements, access profiles and roles, and four campaigns: an ACTIVE manager review about
40 % decided with two certifications signed off, an ACTIVE source-owner review whose Active
Directory certification is the largest, a STAGED privileged-access review and a COMPLETED
review from the previous quarter.

The dataset is a pure function of --identities, --seed and --now. --now defaults to 09:00
UTC today, so that the active campaigns are always current; pass it to rebuild exactly the
same database on another day. An existing database that holds identities is left alone
unless --force is given, which deletes the SQLite file first.`,
		Example: `  certsum demo
  certsum demo --identities 100000 --db /tmp/demo100k.db
  certsum demo --seed 7 --now 2026-11-16T09:00:00Z --db demo.db --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.applyEnv(os.Getenv, cmd.Flags().Changed); err != nil {
				return err
			}
			opts := demo.Options{Identities: cfg.DemoSize, Seed: cfg.DemoSeed}
			if opts.Identities < demo.MinIdentities || opts.Identities > demo.MaxIdentities {
				return fmt.Errorf("--identities must be between %d and %d, got %d", demo.MinIdentities, demo.MaxIdentities, opts.Identities)
			}
			anchor, err := demoNow(now, time.Now())
			if err != nil {
				return err
			}
			opts.Now = anchor
			if cfg.Database == "" {
				return fmt.Errorf("--db must not be empty")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runDemo(ctx, open, cfg, opts, force, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.DemoSize, "identities", cfg.DemoSize, "people in the organisation")
	f.Int64Var(&cfg.DemoSeed, "seed", cfg.DemoSeed, "seed of the dataset; each seed is a different organisation")
	f.StringVar(&now, "now", "", "instant the dataset's dates are anchored to, RFC 3339 (default 09:00 UTC today)")
	addDBFlags(f, &cfg, "SQLite database file to create (env CERTSUM_DATABASE_URL)")
	f.BoolVar(&force, "force", false, "delete an existing database file first")
	return cmd
}

// demoNow parses --now, or returns the latest 09:00 UTC that is not after now.
func demoNow(flag string, now time.Time) (time.Time, error) {
	if flag == "" {
		y, m, d := now.UTC().Date()
		anchor := time.Date(y, m, d, 9, 0, 0, 0, time.UTC)
		if anchor.After(now) {
			// Before 09:00 UTC: yesterday's 09:00, so that no decision or sign-off of the
			// dataset lies in the future of the moment it is loaded.
			anchor = anchor.AddDate(0, 0, -1)
		}
		return anchor, nil
	}
	t, err := certsum.ParseTime(flag)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now: %w", err)
	}
	return t, nil
}

// runDemo replaces (with force) or checks the database, generates the dataset, loads it with
// a progress report on stderr and prints a summary on stdout.
func runDemo(ctx context.Context, open storeOpener, cfg Config, opts demo.Options, force bool, stdout, stderr io.Writer) error {
	dsn := cfg.Database
	started := time.Now()
	if force {
		if isPostgresURL(dsn) {
			return fmt.Errorf("--force deletes a SQLite file; it cannot empty the PostgreSQL database %s", redactURL(dsn))
		}
		if err := removeSQLiteFiles(dsn); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if n, err := st.CountIdentities(ctx); err != nil {
		return fmt.Errorf("inspect %s: %w", dsn, err)
	} else if n > 0 {
		return fmt.Errorf("%s already holds %d identities; use --force to delete it and build the demo database anew", dsn, n)
	}

	fmt.Fprintf(stderr, "building the demo organisation: %s identities (seed %d, anchored at %s)\n",
		thousands(opts.Identities), opts.Seed, opts.Now.UTC().Format(time.RFC3339))
	// One progress line per step of Fill: the import, then each campaign's generation and
	// its reviewers' work.
	var p *progress
	stop := make(chan struct{})
	var ticking sync.WaitGroup
	step := func(name string, done, total int) {
		if p == nil || p.label != name {
			if p != nil {
				close(stop)
				ticking.Wait()
				p.finish()
				stop = make(chan struct{})
			}
			p = newProgress(stderr, isTerminal(stderr), name, time.Now)
			ticking.Add(1)
			go func(p *progress, stop <-chan struct{}) { defer ticking.Done(); p.run(250*time.Millisecond, stop) }(p, stop)
		}
		p.update(done, total)
	}
	sum, err := demo.Fill(ctx, st, opts, step)
	if p != nil {
		close(stop)
		ticking.Wait()
		if err != nil {
			p.abort()
		} else {
			p.finish()
		}
	}
	if err != nil {
		return fmt.Errorf("build the demo organisation in %s: %w", dsn, err)
	}

	decided := 0.0
	if sum.Items > 0 {
		decided = 100 * float64(sum.Decided) / float64(sum.Items)
	}
	w := &errWriter{w: stdout}
	fmt.Fprintf(w, "demo database %s\n", dsn)
	fmt.Fprintf(w, "  identities             %12s\n", thousands(sum.Identities))
	fmt.Fprintf(w, "  accounts               %12s\n", thousands(sum.Accounts))
	fmt.Fprintf(w, "  entitlements           %12s   access profiles %d, roles %d\n", thousands(sum.Entitlements), sum.AccessProfiles, sum.Roles)
	fmt.Fprintf(w, "  assignments            %12s\n", thousands(sum.Assignments))
	fmt.Fprintf(w, "  campaigns              %12s\n", thousands(sum.Campaigns))
	fmt.Fprintf(w, "  certifications         %12s\n", thousands(sum.Certifications))
	fmt.Fprintf(w, "  review items           %12s   %.1f %% decided\n", thousands(sum.Items), decided)
	fmt.Fprintf(w, "  largest certification  %s  %s items, %s identities\n", sum.Largest.ID, thousands(sum.Largest.Items), thousands(sum.Largest.Identities))
	fmt.Fprintf(w, "                         %s\n", sum.Largest.Name)
	fmt.Fprintf(w, "  elapsed                %s\n", round(time.Since(started)))
	return w.err
}

// removeSQLiteFiles deletes a SQLite database file and its WAL, shared-memory and journal
// companions; missing files are fine.
func removeSQLiteFiles(path string) error {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--force: %w", err)
		}
	}
	return nil
}

// progress reports Load's progress: a bar redrawn in place on a terminal, a line per 10 %
// (and at least every 10 seconds) otherwise. Load reports rows as it writes them but not
// while it computes counters at the end, so a ticker calls tick to keep the elapsed time
// moving.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	tty         bool
	label       string
	now         func() time.Time
	start       time.Time
	lastDraw    time.Time
	lastPct     int
	done, total int
	drawn       bool
	ended       bool
}

func newProgress(w io.Writer, tty bool, label string, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, tty: tty, label: label, now: now, start: t, lastDraw: t, lastPct: -10}
}

// update records done of total; it is cheap enough to be called for every row.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || total <= 0 {
		return
	}
	p.done, p.total = done, total
	t := p.now()
	pct := done * 100 / total
	switch {
	case done >= total:
	case p.tty && p.drawn && t.Sub(p.lastDraw) < 100*time.Millisecond:
		return
	case !p.tty && pct/10 == p.lastPct/10 && t.Sub(p.lastDraw) < 10*time.Second:
		return
	}
	p.render(t)
	if done >= total {
		p.end()
	}
}

// tick redraws the last state when nothing was reported for a while: every second on a
// terminal, every 10 seconds otherwise.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || p.total <= 0 {
		return
	}
	t := p.now()
	every := 10 * time.Second
	if p.tty {
		every = time.Second
	}
	if t.Sub(p.lastDraw) >= every {
		p.render(t)
	}
}

func (p *progress) render(t time.Time) {
	if p.tty {
		fmt.Fprintf(p.w, "\r%s %s %4s  %s / %s rows  %s ", p.label, bar(p.done, p.total), percent(p.done, p.total),
			thousands(p.done), thousands(p.total), clock(t.Sub(p.start)))
		p.drawn = true
	} else {
		fmt.Fprintf(p.w, "%s: %3d%% (%s / %s rows, %s)\n", p.label, p.done*100/p.total, thousands(p.done), thousands(p.total),
			clock(t.Sub(p.start)))
	}
	p.lastDraw, p.lastPct = t, p.done*100/p.total
}

// run calls tick every interval until stop is closed.
func (p *progress) run(interval time.Duration, stop <-chan struct{}) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tk.C:
			p.tick()
		}
	}
}

// finish ends the report after a successful load.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.end()
}

// abort ends the report after a failed load, leaving the cursor on a fresh line.
func (p *progress) abort() { p.finish() }

func (p *progress) end() {
	if p.ended {
		return
	}
	p.ended = true
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// clock renders a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// round shortens a duration for people: 4.2s, 1m38s.
func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// thousands renders n with comma separators: 1,234,567.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// errWriter remembers the first write error so that a summary of many lines is checked once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
