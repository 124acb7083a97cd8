// Package lifecycle runs the campaign work that outlives a request: generating a created
// campaign's certifications in the background, resuming the generations a stopped server
// left PENDING, showing a generation's progress, and completing campaigns whose deadline
// has passed.
package lifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/certsum/certsum"
)

// Options configure a Runner.
type Options struct {
	// Logger receives what the jobs did; nil discards it.
	Logger *slog.Logger
	// Every is how often the deadline job looks for overdue campaigns; 0 means
	// DefaultEvery, a negative value turns the job off.
	Every time.Duration
}

// SystemActor is who the audit trail names for a decision the deadline job made on a
// campaign that has no owner.
const SystemActor = "certsum"

// DefaultEvery is how often the deadline job runs by default.
const DefaultEvery = 30 * time.Second

// Runner runs campaign generations, one at a time, and the deadline job, in the background.
type Runner struct {
	store  certsum.Store
	log    *slog.Logger
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan string
	wg     sync.WaitGroup

	mu       sync.Mutex
	progress map[string][2]int // campaign → identities done, total
	queued   map[string]bool
}

// New starts a runner over store; Close stops it.
func New(store certsum.Store, o Options) *Runner {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{store: store, log: logger, ctx: ctx, cancel: cancel, queue: make(chan string, 1024),
		progress: map[string][2]int{}, queued: map[string]bool{}, wake: make(chan struct{}, 1)}
	r.wg.Add(1)
	go r.loop()
	every := o.Every
	if every == 0 {
		every = DefaultEvery
	}
	if every > 0 {
		r.wg.Add(1)
		go r.deadlines(every)
	}
	return r
}

// Wake makes the deadline job look for overdue campaigns now (after the clock moved).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// deadlines completes overdue campaigns every interval and when woken.
func (r *Runner) deadlines(every time.Duration) {
	defer r.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
		if _, err := r.CompleteOverdue(r.ctx); err != nil && r.ctx.Err() == nil {
			r.log.Error("complete overdue campaigns", "err", err)
		}
	}
}

// CompleteOverdue completes every ACTIVE campaign past its deadline according to its
// settings: what is undecided is revoked when the campaign allows automatic revocation
// (autoRevokeAllowed), approved otherwise, on behalf of the campaign's owner. It returns
// the campaigns it completed.
func (r *Runner) CompleteOverdue(ctx context.Context) ([]string, error) {
	ids, err := r.store.OverdueCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, id := range ids {
		k, err := r.store.GetCampaign(ctx, id)
		if err != nil {
			return done, err
		}
		action := certsum.Approve
		if k.AutoRevokeAllowed {
			action = certsum.Revoke
		}
		by := k.OwnerID
		if by == "" {
			by = SystemActor
		}
		if err := r.store.CompleteCampaign(ctx, id, action, by); err != nil {
			// Another replica may have completed it first.
			if certsum.ErrorCode(err) == certsum.CodeConflict {
				continue
			}
			return done, err
		}
		r.log.Info("campaign completed at its deadline", "campaign", id, "undecided", action)
		done = append(done, id)
	}
	return done, nil
}

// Generate queues a PENDING campaign's generation. A campaign already queued is not queued
// twice.
func (r *Runner) Generate(id string) {
	r.mu.Lock()
	if r.queued[id] {
		r.mu.Unlock()
		return
	}
	r.queued[id] = true
	r.progress[id] = [2]int{0, -1}
	r.mu.Unlock()
	select {
	case r.queue <- id:
	case <-r.ctx.Done():
	}
}

// Resume queues every campaign still PENDING: those whose generation a stopped server did not
// finish. Their generation rolled back whole, so they hold no certification.
func (r *Runner) Resume(ctx context.Context) error {
	ids, err := r.store.PendingCampaigns(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r.Generate(id)
	}
	if len(ids) > 0 {
		r.log.Info("resuming campaign generation", "campaigns", len(ids))
	}
	return nil
}

// Progress reports how far a queued or running generation is: identities read and their
// total (-1 while it has not started). ok is false for a campaign this runner is not
// generating.
func (r *Runner) Progress(id string) (done, total int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.progress[id]
	return p[0], p[1], ok
}

// ProgressAlert is the INFO alert a PENDING campaign shows while this runner generates it.
func (r *Runner) ProgressAlert(id string) (certsum.CampaignAlert, bool) {
	done, total, ok := r.Progress(id)
	if !ok {
		return certsum.CampaignAlert{}, false
	}
	text := "Generation is queued"
	if total >= 0 {
		text = fmt.Sprintf("Generating: %d of about %d identities read", done, total)
	}
	locale, origin := "en-US", "DEFAULT"
	return certsum.CampaignAlert{Level: "INFO", Localizations: []certsum.ErrorMessage{{Locale: &locale, LocaleOrigin: &origin, Text: text}}}, true
}

// Close stops the runner: a running generation is cancelled (and rolls back whole; the
// campaign stays PENDING for Resume).
func (r *Runner) Close() {
	r.cancel()
	r.wg.Wait()
}

// Wait returns when no generation is queued or running (tests and the CLI use it).
func (r *Runner) Wait(ctx context.Context) error {
	for {
		r.mu.Lock()
		n := len(r.queued)
		r.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.ctx.Done():
			return r.ctx.Err()
		default:
		}
		waitABit(ctx)
	}
}

func (r *Runner) loop() {
	defer r.wg.Done()
	for {
		select {
		case <-r.ctx.Done():
			return
		case id := <-r.queue:
			r.run(id)
		}
	}
}

func (r *Runner) run(id string) {
	defer func() {
		r.mu.Lock()
		delete(r.queued, id)
		delete(r.progress, id)
		r.mu.Unlock()
	}()
	k, err := r.store.GenerateCampaign(r.ctx, id, func(done, total int) {
		r.mu.Lock()
		r.progress[id] = [2]int{done, total}
		r.mu.Unlock()
	})
	switch {
	case err != nil && r.ctx.Err() != nil:
		r.log.Info("campaign generation stopped; it resumes at the next start", "campaign", id)
	case err != nil:
		r.log.Error("campaign generation failed", "campaign", id, "err", err)
	default:
		r.log.Info("campaign generated", "campaign", id, "status", k.Status, "certifications", k.TotalCertifications)
	}
}

// waitABit sleeps briefly, or until ctx is done.
func waitABit(ctx context.Context) {
	t := time.NewTimer(10 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
