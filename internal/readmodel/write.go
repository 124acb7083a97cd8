package readmodel

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// This file passes writes through to the store and then brings the models up to date: a
// write of this process is applied in place when the store's version shows that nothing
// else happened in between; otherwise the model is dropped and rebuilt.

// Decide applies the decisions in the store, then to the certification's model.
func (m *Model) Decide(ctx context.Context, certID, by string, decisions []certsum.ReviewDecision) (*certsum.Certification, error) {
	e := m.peek(certID)
	if e == nil || m.snap == nil {
		return m.Store.Decide(ctx, certID, by, decisions)
	}
	e.beginWrite()
	defer e.endWrite()
	c, err := m.Store.Decide(ctx, certID, by, decisions)
	if err != nil {
		e.unstamp()
		return c, err
	}
	ids := make([]string, len(decisions))
	for i, d := range decisions {
		ids[i] = d.ID
	}
	m.applyWrite(ctx, e, ids)
	return c, nil
}

// SignOff signs the certification off in the store, then updates its model.
func (m *Model) SignOff(ctx context.Context, certID, by string) (*certsum.Certification, error) {
	e := m.peek(certID)
	if e == nil || m.snap == nil {
		return m.Store.SignOff(ctx, certID, by)
	}
	e.beginWrite()
	defer e.endWrite()
	c, err := m.Store.SignOff(ctx, certID, by)
	if err != nil {
		e.unstamp()
		return c, err
	}
	m.applyWrite(ctx, e, nil)
	return c, nil
}

// Reassign moves items in the store. Items leave the certification (and enter another), so
// the source's model is dropped and rebuilt when next read; the target's is found behind by
// its version.
func (m *Model) Reassign(ctx context.Context, certID, by string, r certsum.ReviewReassign) (*certsum.Certification, error) {
	e := m.peek(certID)
	if e == nil || m.snap == nil {
		return m.Store.Reassign(ctx, certID, by, r)
	}
	e.beginWrite()
	defer e.endWrite()
	c, err := m.Store.Reassign(ctx, certID, by, r)
	e.mu.RLock()
	cm := e.cm
	e.mu.RUnlock()
	m.drop(e, cm)
	return c, err
}

// Load writes a dataset through and forgets every model.
func (m *Model) Load(ctx context.Context, d *certsum.Dataset, progress func(done, total int)) error {
	err := m.Store.Load(ctx, d, progress)
	m.dropAll()
	return err
}

// Verify recounts (and with fix repairs) the counters in the store and forgets every model.
func (m *Model) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	d, err := m.Store.Verify(ctx, fix)
	if fix {
		m.dropAll()
	}
	return d, err
}

// dropAll forgets every model and the index.
func (m *Model) dropAll() {
	m.mu.Lock()
	entries := make([]*entry, 0, len(m.entries))
	for _, e := range m.entries {
		entries = append(entries, e)
	}
	m.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		e.cm = nil
		e.mu.Unlock()
		e.unstamp()
	}
	m.index.cur.Store(nil)
}

// applyWrite reads what a committed write of this process changed and applies it to the
// model, when the store's version is exactly one past the model's (the write was the only
// change) or equal to it (the write changed nothing). Anything else drops the model. The
// caller holds the entry's write slot (beginWrite).
func (m *Model) applyWrite(ctx context.Context, e *entry, itemIDs []string) {
	defer e.unstamp()
	e.mu.RLock()
	cm, logging := e.cm, e.logging
	e.mu.RUnlock()
	if cm == nil && !logging {
		return
	}
	// The write has committed; finish updating the model even if the caller went away.
	ch, err := m.snap.ReadChanges(context.WithoutCancel(ctx), e.id, itemIDs)
	if err != nil {
		m.logger.Warn("cannot read what a write changed; the model will be rebuilt", "certification", e.id, "err", err)
		m.drop(e, cm)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.logging {
		e.log = append(e.log, ch)
	}
	// The model may have been rebuilt since the write began: a build that ended after this
	// write read e.logging took its log without this write. Apply the change to the current
	// model, whose version decides whether the change follows on from it; returning here lost
	// the write from a model that could still be stamped current.
	if cm = e.cm; cm == nil {
		return
	}
	switch {
	case ch.Version == cm.version:
		return
	case ch.Version == cm.version+1:
		if err := cm.apply(ch); err != nil {
			m.logger.Warn("cannot apply a write to the model; it will be rebuilt", "certification", e.id, "err", err)
			e.cm = nil
			return
		}
		m.stats.Applied.Add(1)
	default:
		m.stats.Stale.Add(1)
		e.cm = nil
	}
}

// catchUp applies the writes of this process recorded while the model was being built
// that are newer than its snapshot, as long as their versions follow on from it one by one
// (a gap is a write of another process: the model stays behind, and the next read finds it
// so). It returns how many it applied. The caller holds the entry's write lock.
func (cm *certModel) catchUp(log []*certsum.CertificationChanges) int {
	n := 0
	for _, ch := range log {
		switch {
		case ch.Version <= cm.version:
			continue
		case ch.Version == cm.version+1:
			if err := cm.apply(ch); err != nil {
				return n
			}
			n++
		default:
			return n
		}
	}
	return n
}

// apply brings the model to the state ch describes: the certification row, the decisions
// and comments of the changed items, and the counters of their identity summaries and
// access items. It changes nothing when ch names a row the model does not have. The caller
// holds the entry's write lock.
func (cm *certModel) apply(ch *certsum.CertificationChanges) error {
	sums := make([]int32, len(ch.Summaries))
	for i, r := range ch.Summaries {
		s, ok := cm.sums.byIDExact(r.Summary.ID)
		if !ok {
			return fmt.Errorf("identity summary %s is not in the model", r.Summary.ID)
		}
		sums[i] = s
	}
	acc := make([]int32, len(ch.Access))
	for i, r := range ch.Access {
		ref := r.Summary.Access
		g, ok := cm.acc.byKey[accessKey(ref.Type, ref.ID)]
		if !ok {
			return fmt.Errorf("access item %s %s is not in the model", ref.Type, ref.ID)
		}
		acc[i] = g
	}
	var items []int32
	if it := cm.items; it != nil {
		items = make([]int32, len(ch.Items))
		for i, r := range ch.Items {
			items[i] = -1
			for _, x := range it.lookupID(r.ID) {
				if it.id(x) == r.ID {
					items[i] = x
				}
			}
			if items[i] < 0 {
				return fmt.Errorf("review item %s is not in the model", r.ID)
			}
		}
	}
	for i, r := range ch.Summaries {
		s, t := sums[i], tallyOf(r.Counts)
		cm.total.plus(cm.sums.counts[s], -1)
		cm.total.plus(t, 1)
		cm.sums.counts[s] = t
		cm.sums.tbl.setDone(s, r.Summary.Completed)
	}
	for i, r := range ch.Access {
		cm.acc.setCounts(acc[i], int32(r.Total), int32(r.Decided))
	}
	for i, r := range ch.Items {
		if items == nil {
			break
		}
		row := items[i]
		cm.items.decision[row] = decisionCode(r.Decision)
		cm.items.setComment(row, r.Comments)
		cm.items.tbl.setDone(row, r.Decision != "")
	}
	cm.setCert(ch.Certification)
	cm.decJSON = mustJSON(cm.total.summary())
	cm.version = ch.Version
	return nil
}
