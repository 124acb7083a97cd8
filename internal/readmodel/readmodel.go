package readmodel

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certsum/certsum"
)

// Defaults of Options.
const (
	// DefaultColdWait is how long a request waits for a certification's model to be built
	// before the store answers it instead.
	DefaultColdWait = 100 * time.Millisecond
)

// Options configures New.
type Options struct {
	// Budget bounds the memory of the models, in bytes (estimated). Least recently used
	// certifications are evicted past it. It must be positive.
	Budget int64
	// Logger receives build and eviction messages; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ColdWait is how long a request waits for a model being built before the store answers
	// it; DefaultColdWait when zero, no waiting when negative.
	ColdWait time.Duration
	// MarkWait is how long, on a busy server, requests gather before one change-mark read
	// serves them all; zero reads at once (requests that arrive while a read is being
	// started still share it).
	MarkWait time.Duration
}

// Model is a certsum.Store that answers the summary read path from memory and everything
// else, writes included, through the store it wraps. It also implements certsum.RawPager.
// It is safe for concurrent use. Close stops background builds; it does not close the
// wrapped store.
type Model struct {
	certsum.Store

	snap     certsum.SnapshotReader // nil: every call goes to the store
	marks    *markReader            // nil: freshness is proven by a version read per request
	budget   int64
	logger   *slog.Logger
	now      func() time.Time
	coldWait time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	builds chan struct{} // one build at a time: the machine has few cores to spare

	mu      sync.Mutex
	entries map[string]*entry
	lru     *list.List // of *entry, most recently used first

	index indexState
	stats Stats
}

var (
	_ certsum.Store    = (*Model)(nil)
	_ certsum.RawPager = (*Model)(nil)
)

// New wraps store. When store does not implement certsum.SnapshotReader the Model passes
// every call through.
func New(store certsum.Store, o Options) (*Model, error) {
	if store == nil {
		return nil, fmt.Errorf("readmodel: a store is required")
	}
	if o.Budget <= 0 {
		return nil, fmt.Errorf("readmodel: the memory budget must be positive, not %d", o.Budget)
	}
	m := &Model{Store: store, budget: o.Budget, logger: o.Logger, now: o.Now, coldWait: o.ColdWait,
		builds: make(chan struct{}, 1), entries: map[string]*entry{}, lru: list.New()}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.coldWait == 0 {
		m.coldWait = DefaultColdWait
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	snap, ok := store.(certsum.SnapshotReader)
	if !ok {
		m.logger.Warn("the store cannot read certifications in bulk; the read model is off")
		return m, nil
	}
	m.snap = snap
	cm, err := snap.OpenChangeMark(m.ctx)
	if err != nil {
		return nil, fmt.Errorf("readmodel: %w", err)
	}
	if cm != nil {
		m.marks = &markReader{cm: cm, wait: o.MarkWait}
	}
	return m, nil
}

// Close stops background builds and releases the change mark. The wrapped store stays open.
func (m *Model) Close() error {
	m.cancel()
	m.wg.Wait()
	if m.marks != nil {
		return m.marks.cm.Close()
	}
	return nil
}

// Stats counts what the model did, for tests and logs.
type Stats struct {
	Hits        atomic.Int64 // reads answered by a current model
	Builds      atomic.Int64 // certification models built
	Evictions   atomic.Int64 // models evicted for the budget
	Fallbacks   atomic.Int64 // reads answered by the store because no current model was ready
	Stale       atomic.Int64 // models found behind the store and dropped
	Applied     atomic.Int64 // writes of this process applied in place
	MarkReads   atomic.Int64 // change marks read from the store
	VersionRead atomic.Int64 // versions read from the store to prove a model current
	IndexLoads  atomic.Int64 // certification indexes read from the store
}

// Stats returns the model's counters.
func (m *Model) Stats() *Stats { return &m.stats }

// markReader reads the change mark. A read that began after a request arrived reflects every
// commit made before that request, so one read may serve many requests: every call of a
// request reuses a read that began after the request arrived (see Arrivals), and requests
// that find no such read join a batch that one read serves. While the server is busy (a read
// completed within markIdle), the batch gathers for wait before its read begins, so that
// concurrent requests share the read's cost; an idle server reads at once.
type markReader struct {
	cm       certsum.ChangeMark
	wait     time.Duration
	arrivals atomic.Uint64

	mu    sync.Mutex
	start uint64    // arrivals counted when the last completed read began
	val   uint64    // its mark
	ok    bool      // there was one
	at    time.Time // when it completed
	next  *markBatch
}

// markBatch is the requests one read serves.
type markBatch struct {
	done chan struct{}
	val  uint64
	err  error
}

// markIdle is how long after the last read the server counts as idle.
const markIdle = 5 * time.Millisecond

func (r *markReader) read(ctx context.Context, stats *Stats) (uint64, error) {
	my, ok := ctx.Value(arrivalKey{}).(uint64)
	if !ok {
		my = r.arrivals.Add(1)
	}
	r.mu.Lock()
	if r.ok && r.start >= my {
		v := r.val
		r.mu.Unlock()
		return v, nil
	}
	if b := r.next; b != nil {
		r.mu.Unlock()
		select {
		case <-b.done:
			return b.val, b.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	b := &markBatch{done: make(chan struct{})}
	r.next = b
	busy := r.ok && time.Since(r.at) < markIdle
	r.mu.Unlock()
	if busy && r.wait > 0 {
		time.Sleep(r.wait)
	}
	// Close the batch: everyone in it arrived before the read below begins.
	r.mu.Lock()
	r.next = nil
	start := r.arrivals.Load()
	r.mu.Unlock()
	v, err := r.cm.Mark(context.WithoutCancel(ctx))
	b.val, b.err = v, err
	if err == nil {
		stats.MarkReads.Add(1)
		r.mu.Lock()
		if start >= r.start {
			r.start, r.val, r.ok, r.at = start, v, true, time.Now()
		}
		r.mu.Unlock()
	}
	close(b.done)
	return v, err
}

// arrivalKey carries the arrival ticket of a request (see Arrive).
type arrivalKey struct{}

// Arrive numbers a request as it arrives and returns its context carrying the number. Every
// read of the change mark that begins after a request arrived reflects every commit made
// before it, so all the calls a request makes with that context — the existence check of its
// authorization, then the read itself — and the calls of requests that arrived before share
// one mark read instead of making one each. Calls with a context that did not arrive count
// as new arrivals, which is also exact. httpapi calls it once per request.
func (m *Model) Arrive(ctx context.Context) context.Context {
	if m.marks == nil {
		return ctx
	}
	return context.WithValue(ctx, arrivalKey{}, m.marks.arrivals.Add(1))
}

// mark returns the current change mark, or ok false when there is none (or it failed, in
// which case freshness is proven by versions).
func (m *Model) mark(ctx context.Context) (uint64, bool) {
	if m.marks == nil {
		return 0, false
	}
	v, err := m.marks.read(ctx, &m.stats)
	if err != nil {
		m.logger.Warn("cannot read the change mark; checking versions instead", "err", err)
		return 0, false
	}
	return v, true
}

// entry is one certification's slot: its model (when loaded), how current it was last
// proven, its build and the writes of this process in flight.
type entry struct {
	id   string
	elem *list.Element // in Model.lru, guarded by Model.mu

	mu sync.RWMutex // readers of cm hold it for reading; changes to cm's content hold it for writing
	cm *certModel

	wmu sync.Mutex // serializes this process's writes to the certification

	st        sync.Mutex // guards the fields below
	stamp     uint64     // change mark at which cm was last proven current
	stampOK   bool
	building  bool
	built     chan struct{} // closed when the running build ends
	wantItems bool
	writers   int
	idle      chan struct{} // closed when writers drops to zero
	err       error         // why the last build failed

	// While a build runs, the writes of this process record what they changed (guarded by
	// mu), so that the build's model, read from an older snapshot, can catch up with them
	// instead of being found behind and rebuilt forever under a steady write load.
	logging bool
	log     []*certsum.CertificationChanges

	accounted atomic.Int64 // the model's size when the budget was last checked

	fl *flight // the last version read, guarded by st
}

// releaser returns the function that ends a read of cm: it unlocks and, when the model grew
// since the budget was last checked (permutations and filter results are built on first
// use), checks the budget again.
func (m *Model) releaser(e *entry, cm *certModel) func() {
	return func() {
		grew := cm.size() > e.accounted.Load()
		e.mu.RUnlock()
		if grew {
			m.account()
		}
	}
}

// stampIf records that the model was current at change mark mk.
func (e *entry) stampIf(mk uint64, ok bool) {
	if !ok {
		return
	}
	e.st.Lock()
	e.stamp, e.stampOK = mk, true
	e.st.Unlock()
}

func (e *entry) fresh(mk uint64, ok bool) bool {
	if !ok {
		return false
	}
	e.st.Lock()
	defer e.st.Unlock()
	return e.stampOK && e.stamp == mk
}

func (e *entry) unstamp() {
	e.st.Lock()
	e.stampOK = false
	e.st.Unlock()
}

// writing returns a channel closed once this process has no write to the certification in
// flight, or nil when there is none now.
func (e *entry) writing() <-chan struct{} {
	e.st.Lock()
	defer e.st.Unlock()
	if e.writers == 0 {
		return nil
	}
	return e.idle
}

func (e *entry) beginWrite() {
	e.wmu.Lock()
	e.st.Lock()
	if e.writers == 0 {
		e.idle = make(chan struct{})
	}
	e.writers++
	e.st.Unlock()
}

func (e *entry) endWrite() {
	e.st.Lock()
	e.writers--
	if e.writers == 0 {
		close(e.idle)
	}
	e.st.Unlock()
	e.wmu.Unlock()
}

// entry returns the certification's entry, creating it, and marks it most recently used.
func (m *Model) entry(certID string) *entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[certID]
	if e == nil {
		e = &entry{id: certID}
		m.entries[certID] = e
		e.elem = m.lru.PushFront(e)
	} else {
		m.lru.MoveToFront(e.elem)
	}
	return e
}

// peek returns the certification's entry when there is one.
func (m *Model) peek(certID string) *entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries[certID]
}

// errFallback says that no current model is ready and the store must answer.
var errFallback = errors.New("readmodel: no current model")

// acquire returns the certification's model, proven current at a moment after the call
// began, held for reading until release is called. It returns errFallback when the store
// must answer instead (the model is being built or rebuilt), and the store's error for an
// unknown certification. needItems asks for a model with review items.
func (m *Model) acquire(ctx context.Context, certID string, needItems bool) (*certModel, func(), error) {
	if m.snap == nil {
		return nil, nil, errFallback
	}
	mk, mkOK := m.mark(ctx)
	e := m.entry(certID)
	for attempt := 0; attempt < 3; attempt++ {
		e.mu.RLock()
		cm := e.cm
		if cm != nil && (!needItems || cm.items != nil) {
			if e.fresh(mk, mkOK) {
				m.stats.Hits.Add(1)
				return cm, m.releaser(e, cm), nil
			}
			if idle := e.writing(); idle != nil && mkOK {
				// Something was committed while a write of this process is in flight: it is
				// most likely that write, which will update the model. Wait for it rather
				// than read a version that would only show the model behind.
				e.mu.RUnlock()
				select {
				case <-idle:
					continue
				case <-ctx.Done():
					return nil, nil, ctx.Err()
				}
			}
			v, err := m.storeVersion(ctx, e, mk, mkOK)
			if err != nil {
				e.mu.RUnlock()
				if certsum.ErrorCode(err) == certsum.CodeNotFound {
					m.drop(e, cm)
				}
				return nil, nil, err
			}
			if v == cm.version {
				e.stampIf(mk, mkOK)
				m.stats.Hits.Add(1)
				return cm, m.releaser(e, cm), nil
			}
			e.mu.RUnlock()
			if idle := e.writing(); idle != nil {
				// A write of this process committed and is being applied: wait for it.
				select {
				case <-idle:
					continue
				case <-ctx.Done():
					return nil, nil, ctx.Err()
				}
			}
			m.stats.Stale.Add(1)
			m.logger.Debug("certification changed elsewhere; rebuilding its model", "certification", certID, "model", cm.version, "store", v)
			m.drop(e, cm)
		} else {
			e.mu.RUnlock()
		}
		done := m.startBuild(e, needItems)
		if m.coldWait < 0 {
			break
		}
		t := time.NewTimer(m.coldWait)
		select {
		case <-done:
			t.Stop()
			e.st.Lock()
			err := e.err
			e.st.Unlock()
			if certsum.ErrorCode(err) == certsum.CodeNotFound {
				return nil, nil, err
			}
			continue
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		}
		break
	}
	m.stats.Fallbacks.Add(1)
	return nil, nil, errFallback
}

// flight is one version read of a certification, shared by every request that saw the same
// change mark: equal marks mean nothing was committed between their reads, so one version
// read serves them all.
type flight struct {
	mk   uint64
	done chan struct{}
	v    int64
	err  error
}

// storeVersion reads the certification's version from the store. With a change mark,
// callers that read the same mark share one read, so that a change does not send every
// request in flight to the store at once.
func (m *Model) storeVersion(ctx context.Context, e *entry, mk uint64, mkOK bool) (int64, error) {
	if !mkOK {
		m.stats.VersionRead.Add(1)
		return m.Store.CertificationVersion(ctx, e.id)
	}
	e.st.Lock()
	if f := e.fl; f != nil && f.mk == mk {
		e.st.Unlock()
		select {
		case <-f.done:
			return f.v, f.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	f := &flight{mk: mk, done: make(chan struct{})}
	e.fl = f
	e.st.Unlock()
	m.stats.VersionRead.Add(1)
	f.v, f.err = m.Store.CertificationVersion(context.WithoutCancel(ctx), e.id)
	close(f.done)
	return f.v, f.err
}

// drop forgets the entry's model if it is still cm.
func (m *Model) drop(e *entry, cm *certModel) {
	e.mu.Lock()
	if e.cm == cm && cm != nil {
		e.cm = nil
	}
	e.mu.Unlock()
	e.unstamp()
	m.account()
}

// startBuild starts building the certification's model unless a build is running, and
// returns a channel closed when that build ends.
func (m *Model) startBuild(e *entry, items bool) <-chan struct{} {
	e.st.Lock()
	defer e.st.Unlock()
	if items {
		e.wantItems = true
	}
	if e.building {
		return e.built
	}
	e.building, e.built = true, make(chan struct{})
	e.mu.Lock()
	e.logging, e.log = true, nil
	e.mu.Unlock()
	m.wg.Add(1)
	go m.build(e)
	return e.built
}

// buildYieldEvery is how many review items a model build reads between yields of the
// processor (about 0.1 ms of work).
const buildYieldEvery = 256

// build reads the certification from the store and installs its model.
func (m *Model) build(e *entry) {
	defer m.wg.Done()
	defer func() {
		e.mu.Lock()
		e.logging, e.log = false, nil
		e.mu.Unlock()
		e.st.Lock()
		e.building = false
		close(e.built)
		e.st.Unlock()
	}()
	select {
	case m.builds <- struct{}{}:
		defer func() { <-m.builds }()
	case <-m.ctx.Done():
		return
	}
	e.st.Lock()
	wantItems := e.wantItems
	e.st.Unlock()
	start := m.now()
	// The mark is read before the snapshot: equal marks later prove that nothing was
	// committed since, so the snapshot is still the store's state.
	mk, mkOK := m.mark(m.ctx)
	var ib *itemBuilder
	var fn func(certsum.ItemRecord) error
	if wantItems {
		ib = newItemBuilder()
		n := 0
		fn = func(r certsum.ItemRecord) error {
			// A build of a large certification runs for seconds; on a server with one core it
			// would hold the processor for whole scheduler slices (10 ms) between requests. It
			// yields every buildYieldEvery items instead, so that requests keep their latency
			// while it runs.
			if n++; n%buildYieldEvery == 0 {
				runtime.Gosched()
			}
			return ib.add(r)
		}
	}
	snap, err := m.snap.ReadCertification(m.ctx, e.id, fn)
	var cm *certModel
	if err == nil {
		cm, err = newCertModel(snap, ib)
	}
	if err != nil {
		e.st.Lock()
		e.err = err
		e.st.Unlock()
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			m.forget(e)
		} else if m.ctx.Err() == nil {
			m.logger.Error("cannot build a certification's model; the store answers its reads", "certification", e.id, "err", err)
		}
		return
	}
	e.mu.Lock()
	caught := cm.catchUp(e.log)
	e.cm = cm
	e.logging, e.log = false, nil
	e.mu.Unlock()
	e.st.Lock()
	// A model that caught up with writes made during the build is current as of a version
	// read after the mark; only a version read proves it.
	e.stamp, e.stampOK, e.err = mk, mkOK && caught == 0, nil
	e.st.Unlock()
	m.stats.Builds.Add(1)
	m.logger.Info("certification model built", "certification", e.id, "version", cm.version,
		"identitySummaries", len(cm.sums.id), "accessItems", len(cm.acc.id), "withItems", cm.items != nil,
		"bytes", cm.size(), "took", m.now().Sub(start).Round(time.Millisecond))
	m.account()
}

// forget removes an entry for a certification that does not exist.
func (m *Model) forget(e *entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries[e.id] == e {
		delete(m.entries, e.id)
		m.lru.Remove(e.elem)
	}
}

// account sums the models' sizes and evicts the least recently used past the budget.
func (m *Model) account() {
	m.mu.Lock()
	order := make([]*entry, 0, m.lru.Len())
	for el := m.lru.Front(); el != nil; el = el.Next() {
		order = append(order, el.Value.(*entry))
	}
	m.mu.Unlock()
	var total int64
	sizes := make([]int64, len(order))
	for i, e := range order {
		e.mu.RLock()
		if e.cm != nil {
			sizes[i] = e.cm.size()
		}
		e.mu.RUnlock()
		e.accounted.Store(sizes[i])
		total += sizes[i]
	}
	for i := len(order) - 1; i >= 0 && total > m.budget; i-- {
		if sizes[i] == 0 {
			continue
		}
		e := order[i]
		total -= sizes[i]
		e.mu.Lock()
		if e.cm != nil {
			m.logger.Info("certification model evicted", "certification", e.id, "bytes", sizes[i], "budget", m.budget)
			e.cm = nil
			m.stats.Evictions.Add(1)
		}
		e.mu.Unlock()
		e.unstamp()
	}
}

// UsedBytes returns the estimated memory of the loaded models.
func (m *Model) UsedBytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var total int64
	for el := m.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		e.mu.RLock()
		if e.cm != nil {
			total += e.cm.size()
		}
		e.mu.RUnlock()
	}
	return total
}

// Warm builds the certification's model (with its review items when items is set) and
// waits for it; servers may call it at start-up for the certifications they expect to be
// read. Errors: not_found, the store's, or invalid when the model does not fit the budget.
func (m *Model) Warm(ctx context.Context, certID string, items bool) error {
	if m.snap == nil {
		return nil
	}
	e := m.entry(certID)
	ready := func() bool {
		e.mu.RLock()
		defer e.mu.RUnlock()
		return e.cm != nil && (!items || e.cm.items != nil)
	}
	for attempt := 0; attempt < 2 && !ready(); attempt++ {
		// A build that was running when Warm began may not include items: wait, then retry.
		done := m.startBuild(e, items)
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		e.st.Lock()
		err := e.err
		e.st.Unlock()
		if err != nil {
			return err
		}
	}
	if !ready() {
		return certsum.Invalidf("cache-size", "certification %s does not fit in the read model's budget of %d bytes", certID, m.budget)
	}
	return nil
}
