package readmodel

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// This file answers the read operations of certsum.Store and certsum.RawPager from the
// models, or from the wrapped store when no current model is ready.

// checkQuery applies the store's checks to a list query: paging bounds and a filter valid
// for the schema. Sort keys are checked when their permutation is looked up.
func checkQuery(q certsum.ListQuery, s *query.Schema) error {
	if err := q.CheckPage(); err != nil {
		return err
	}
	if q.Filter != nil {
		if err := query.Validate(q.Filter, s); err != nil {
			return certsum.Invalidf("filters", "filters: %v", err)
		}
	}
	return nil
}

// appendRows appends the page of q from t as a JSON array, each row written by each.
func appendRows(dst []byte, t *table, q certsum.ListQuery, rs *restriction, each func(dst []byte, r int32) []byte) ([]byte, int, error) {
	start := len(dst)
	dst = append(dst, '[')
	n := 0
	total, err := t.list(q, rs, func(r int32) {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = each(dst, r)
		n++
	})
	if err != nil {
		return dst[:start], 0, err
	}
	dst = append(dst, ']')
	if !q.Count {
		total = -1
	}
	return dst, total, nil
}

// appendPage appends a page the store returned, as certsum.AppendPage does.
func appendPage[T any](dst []byte, p certsum.Page[T], err error, q certsum.ListQuery) ([]byte, int, error) {
	if err != nil {
		return dst, 0, err
	}
	return certsum.AppendPage(dst, p, q)
}

// pageRows returns the page of q from t, each row's value made by val.
func pageRows[T any](t *table, q certsum.ListQuery, rs *restriction, val func(r int32) T) (certsum.Page[T], error) {
	p := certsum.Page[T]{Items: []T{}}
	total, err := t.list(q, rs, func(r int32) { p.Items = append(p.Items, val(r)) })
	if err != nil {
		return certsum.Page[T]{Items: []T{}}, err
	}
	p.Total = total
	if !q.Count {
		p.Total = -1
	}
	return p, nil
}

// AppendIdentitySummaries implements certsum.RawPager.
func (m *Model) AppendIdentitySummaries(ctx context.Context, dst []byte, certID string, q certsum.ListQuery) ([]byte, int, error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		p, err := m.Store.ListIdentitySummaries(ctx, certID, q)
		return appendPage(dst, p, err, q)
	}
	if err != nil {
		return dst, 0, err
	}
	defer release()
	if err := checkQuery(q, certsum.IdentitySummarySchema); err != nil {
		return dst, 0, err
	}
	return appendRows(dst, cm.sums.tbl, q, nil, cm.sums.appendJSON)
}

// ListIdentitySummaries answers from the certification's model.
func (m *Model) ListIdentitySummaries(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		return m.Store.ListIdentitySummaries(ctx, certID, q)
	}
	empty := certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{}}
	if err != nil {
		return empty, err
	}
	defer release()
	if err := checkQuery(q, certsum.IdentitySummarySchema); err != nil {
		return empty, err
	}
	return pageRows(cm.sums.tbl, q, nil, cm.sums.value)
}

// AppendAccessSummaries implements certsum.RawPager.
func (m *Model) AppendAccessSummaries(ctx context.Context, dst []byte, certID string, t certsum.DtoType, q certsum.ListQuery) ([]byte, int, error) {
	if _, err := certsum.ParseSummaryType(string(t)); err != nil {
		return dst, 0, err
	}
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		p, err := m.Store.ListAccessSummaries(ctx, certID, t, q)
		return appendPage(dst, p, err, q)
	}
	if err != nil {
		return dst, 0, err
	}
	defer release()
	if err := checkQuery(q, certsum.AccessSummarySchema); err != nil {
		return dst, 0, err
	}
	rows := cm.acc.rowsOf[t]
	return appendRows(dst, cm.acc.tables[t], q, nil, func(dst []byte, r int32) []byte {
		return append(dst, cm.acc.json[rows[r]]...)
	})
}

// ListAccessSummaries answers from the certification's model.
func (m *Model) ListAccessSummaries(ctx context.Context, certID string, t certsum.DtoType, q certsum.ListQuery) (certsum.Page[certsum.AccessSummary], error) {
	empty := certsum.Page[certsum.AccessSummary]{Items: []certsum.AccessSummary{}}
	if _, err := certsum.ParseSummaryType(string(t)); err != nil {
		return empty, err
	}
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		return m.Store.ListAccessSummaries(ctx, certID, t, q)
	}
	if err != nil {
		return empty, err
	}
	defer release()
	if err := checkQuery(q, certsum.AccessSummarySchema); err != nil {
		return empty, err
	}
	rows := cm.acc.rowsOf[t]
	return pageRows(cm.acc.tables[t], q, nil, func(r int32) certsum.AccessSummary { return cm.acc.value(rows[r]) })
}

// AppendReviewItems implements certsum.RawPager.
func (m *Model) AppendReviewItems(ctx context.Context, dst []byte, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) ([]byte, int, error) {
	if f.AccessType != "" && typeSlot(f.AccessType) < 0 {
		return dst, 0, certsum.Invalidf("type", "access type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT, ACCOUNT", f.AccessType)
	}
	cm, release, err := m.acquire(ctx, certID, true)
	if errors.Is(err, errFallback) {
		p, err := m.Store.ListReviewItems(ctx, certID, f, q)
		return appendPage(dst, p, err, q)
	}
	if err != nil {
		return dst, 0, err
	}
	defer release()
	if err := checkQuery(q, certsum.ReviewItemSchema); err != nil {
		return dst, 0, err
	}
	var rs *restriction
	if f.AccessType != "" {
		rs = cm.items.restrict(f)
	}
	return appendRows(dst, cm.items.tbl, q, rs, cm.items.appendJSON)
}

// ListReviewItems answers from the certification's model.
func (m *Model) ListReviewItems(ctx context.Context, certID string, f certsum.ReviewItemFilter, q certsum.ListQuery) (certsum.Page[certsum.AccessReviewItem], error) {
	empty := certsum.Page[certsum.AccessReviewItem]{Items: []certsum.AccessReviewItem{}}
	if f.AccessType != "" && typeSlot(f.AccessType) < 0 {
		return empty, certsum.Invalidf("type", "access type %q is not one of ROLE, ACCESS_PROFILE, ENTITLEMENT, ACCOUNT", f.AccessType)
	}
	cm, release, err := m.acquire(ctx, certID, true)
	if errors.Is(err, errFallback) {
		return m.Store.ListReviewItems(ctx, certID, f, q)
	}
	if err != nil {
		return empty, err
	}
	defer release()
	if err := checkQuery(q, certsum.ReviewItemSchema); err != nil {
		return empty, err
	}
	var rs *restriction
	if f.AccessType != "" {
		rs = cm.items.restrict(f)
	}
	return pageRows(cm.items.tbl, q, rs, cm.items.value)
}

// AppendIdentitySummary implements certsum.RawPager.
func (m *Model) AppendIdentitySummary(ctx context.Context, dst []byte, certID, id string) ([]byte, error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		s, err := m.Store.GetIdentitySummary(ctx, certID, id)
		if err != nil {
			return dst, err
		}
		return certsum.AppendJSON(dst, s)
	}
	if err != nil {
		return dst, err
	}
	defer release()
	r, ok := cm.sums.byID[id]
	if !ok {
		return dst, fmt.Errorf("get identity summary: %w",
			certsum.NotFoundf("identity summary %q not found in certification %q", id, certID))
	}
	return cm.sums.appendJSON(dst, r), nil
}

// GetIdentitySummary answers from the certification's model.
func (m *Model) GetIdentitySummary(ctx context.Context, certID, id string) (*certsum.IdentitySummary, error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		return m.Store.GetIdentitySummary(ctx, certID, id)
	}
	if err != nil {
		return nil, err
	}
	defer release()
	r, ok := cm.sums.byID[id]
	if !ok {
		return nil, fmt.Errorf("get identity summary: %w",
			certsum.NotFoundf("identity summary %q not found in certification %q", id, certID))
	}
	s := cm.sums.value(r)
	return &s, nil
}

// decisionSummary counts from the model: the certification's totals, or the sum over the
// identity summaries that match filter.
func (cm *certModel) decisionSummary(filter query.Expr) (tally, error) {
	if filter == nil {
		return cm.total, nil
	}
	if err := query.Validate(filter, certsum.DecisionSummarySchema); err != nil {
		return tally{}, certsum.Invalidf("filters", "filters: %v", err)
	}
	var t tally
	_, err := cm.sums.ds.list(certsum.ListQuery{Filter: filter, Limit: cm.sums.ds.n}, nil, func(r int32) {
		t.plus(cm.sums.counts[r], 1)
	})
	return t, err
}

// AppendDecisionSummary implements certsum.RawPager.
func (m *Model) AppendDecisionSummary(ctx context.Context, dst []byte, certID string, filter query.Expr) ([]byte, error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		s, err := m.Store.DecisionSummary(ctx, certID, filter)
		if err != nil {
			return dst, err
		}
		return certsum.AppendJSON(dst, s)
	}
	if err != nil {
		return dst, err
	}
	defer release()
	if filter == nil {
		return append(dst, cm.decJSON...), nil
	}
	t, err := cm.decisionSummary(filter)
	if err != nil {
		return dst, err
	}
	s := t.summary()
	return certsum.AppendJSON(dst, &s)
}

// DecisionSummary answers from the certification's model.
func (m *Model) DecisionSummary(ctx context.Context, certID string, filter query.Expr) (*certsum.DecisionSummary, error) {
	cm, release, err := m.acquire(ctx, certID, false)
	if errors.Is(err, errFallback) {
		return m.Store.DecisionSummary(ctx, certID, filter)
	}
	if err != nil {
		return nil, err
	}
	defer release()
	t, err := cm.decisionSummary(filter)
	if err != nil {
		return nil, err
	}
	s := t.summary()
	return &s, nil
}

// current returns the certification's loaded model when it is proven current now, without
// building one. ok is false when there is none.
func (m *Model) current(ctx context.Context, certID string, mk uint64, mkOK bool) (*certModel, func(), bool, error) {
	e := m.peek(certID)
	if e == nil {
		return nil, nil, false, nil
	}
	e.mu.RLock()
	cm := e.cm
	if cm == nil {
		e.mu.RUnlock()
		return nil, nil, false, nil
	}
	if e.fresh(mk, mkOK) {
		return cm, e.mu.RUnlock, true, nil
	}
	v, err := m.storeVersion(ctx, e, mk, mkOK)
	if err != nil {
		e.mu.RUnlock()
		return nil, nil, false, err
	}
	if v != cm.version {
		e.mu.RUnlock()
		return nil, nil, false, nil
	}
	e.stampIf(mk, mkOK)
	return cm, e.mu.RUnlock, true, nil
}

// indexState holds the certification index and the change mark it was read at.
type indexState struct {
	cur     atomic.Pointer[indexAt]
	loading atomic.Bool  // a load is running
	started atomic.Int64 // when the last load started (UnixNano)
}

type indexAt struct {
	ix *certIndex
	mk uint64
}

// indexReloadEvery is how often the certification index may be read again at most: under
// steady writes every mark is new, and a read of every certification costs far more (about
// 0.2 s for 12,000 certifications) than the store's answer to the one request that found the
// index behind.
const indexReloadEvery = time.Second

// currentIndex returns the certification index when it is proven current at mark mk. When it
// is not (or without a change mark, which gives no cheap proof) ok is false and the caller
// asks the store; a stale index starts a reload in the background, one at a time and at most
// one every indexReloadEvery, so that the reads after it are answered from memory again.
func (m *Model) currentIndex(ctx context.Context, mk uint64, mkOK bool) (*certIndex, bool, error) {
	if m.snap == nil || !mkOK {
		return nil, false, nil
	}
	if c := m.index.cur.Load(); c != nil && c.mk == mk {
		return c.ix, true, nil
	}
	m.reloadIndex()
	return nil, false, nil
}

// reloadIndex reads the certification index in the background unless a read is running or
// one started less than indexReloadEvery ago.
func (m *Model) reloadIndex() {
	now := time.Now()
	if last := m.index.started.Load(); last != 0 && now.Sub(time.Unix(0, last)) < indexReloadEvery {
		return
	}
	if m.ctx.Err() != nil || !m.index.loading.CompareAndSwap(false, true) {
		return
	}
	m.index.started.Store(now.UnixNano())
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.index.loading.Store(false)
		// The mark is read before the index: equal marks later prove that nothing was
		// committed since the index was read.
		at, ok := m.mark(m.ctx)
		if !ok {
			return
		}
		certs, err := m.snap.ReadCertificationIndex(m.ctx)
		if err != nil {
			if m.ctx.Err() == nil {
				m.logger.Warn("cannot read the certification index; the store answers meanwhile", "err", err)
			}
			return
		}
		m.index.cur.Store(&indexAt{ix: newCertIndex(certs), mk: at})
		m.stats.IndexLoads.Add(1)
	}()
}

// AppendCertifications implements certsum.RawPager.
func (m *Model) AppendCertifications(ctx context.Context, dst []byte, f certsum.CertificationFilter, q certsum.ListQuery) ([]byte, int, error) {
	mk, mkOK := m.mark(ctx)
	ix, ok, err := m.currentIndex(ctx, mk, mkOK)
	if err != nil {
		return dst, 0, err
	}
	if !ok {
		p, err := m.Store.ListCertifications(ctx, f, q)
		return appendPage(dst, p, err, q)
	}
	if err := checkQuery(q, certsum.CertificationSchema); err != nil {
		return dst, 0, err
	}
	var rs *restriction
	if f.ReviewerID != "" {
		rs = ix.reviewedBy(f.ReviewerID)
	}
	return appendRows(dst, ix.tbl, q, rs, func(dst []byte, r int32) []byte { return append(dst, ix.json[r]...) })
}

// ListCertifications answers from the certification index.
func (m *Model) ListCertifications(ctx context.Context, f certsum.CertificationFilter, q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
	empty := certsum.Page[certsum.Certification]{Items: []certsum.Certification{}}
	mk, mkOK := m.mark(ctx)
	ix, ok, err := m.currentIndex(ctx, mk, mkOK)
	if err != nil {
		return empty, err
	}
	if !ok {
		return m.Store.ListCertifications(ctx, f, q)
	}
	if err := checkQuery(q, certsum.CertificationSchema); err != nil {
		return empty, err
	}
	var rs *restriction
	if f.ReviewerID != "" {
		rs = ix.reviewedBy(f.ReviewerID)
	}
	return pageRows(ix.tbl, q, rs, func(r int32) certsum.Certification { return *cloneCertification(&ix.certs[r].Certification) })
}

// certOf returns the certification and its JSON from a current model or index, or ok
// false. Both are the model's own: the caller copies what it keeps.
func (m *Model) certOf(ctx context.Context, id string) (*certsum.Certification, []byte, bool, error) {
	mk, mkOK := m.mark(ctx)
	cm, release, ok, err := m.current(ctx, id, mk, mkOK)
	if err != nil {
		return nil, nil, false, err
	}
	if ok {
		defer release()
		return &cm.cert, cm.certJSON, true, nil
	}
	ix, ok, err := m.currentIndex(ctx, mk, mkOK)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	r, found := ix.byID[id]
	if !found {
		return nil, nil, false, fmt.Errorf("get certification: %w", certsum.NotFoundf("certification %q not found", id))
	}
	return &ix.certs[r].Certification, ix.json[r], true, nil
}

// AppendCertification implements certsum.RawPager.
func (m *Model) AppendCertification(ctx context.Context, dst []byte, id string) ([]byte, error) {
	_, b, ok, err := m.certOf(ctx, id)
	if err != nil {
		return dst, err
	}
	if !ok {
		c, err := m.Store.GetCertification(ctx, id)
		if err != nil {
			return dst, err
		}
		return certsum.AppendJSON(dst, c)
	}
	return append(dst, b...), nil
}

// GetCertification answers from a current model or the certification index.
func (m *Model) GetCertification(ctx context.Context, id string) (*certsum.Certification, error) {
	c, _, ok, err := m.certOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return m.Store.GetCertification(ctx, id)
	}
	return cloneCertification(c), nil
}

// cloneCertification copies a certification of the model with its pointed-to fields, so
// that the caller may change what it gets.
func cloneCertification(c *certsum.Certification) *certsum.Certification {
	out := *c
	clone := func(t *certsum.Time) *certsum.Time {
		if t == nil {
			return nil
		}
		v := *t
		return &v
	}
	out.Due, out.Signed = clone(c.Due), clone(c.Signed)
	if c.ErrorMessage != nil {
		m := *c.ErrorMessage
		out.ErrorMessage = &m
	}
	if c.Reviewer.Email != nil {
		e := *c.Reviewer.Email
		out.Reviewer.Email = &e
	}
	if c.Reassignment != nil {
		r := *c.Reassignment
		out.Reassignment = &r
	}
	return &out
}

// CertificationVersion answers from a model or the index proven current by the change
// mark, else from the store (and then proves the loaded model current, if it is).
func (m *Model) CertificationVersion(ctx context.Context, id string) (int64, error) {
	mk, mkOK := m.mark(ctx)
	if mkOK {
		if e := m.peek(id); e != nil {
			e.mu.RLock()
			if e.cm != nil && e.fresh(mk, mkOK) {
				v := e.cm.version
				e.mu.RUnlock()
				return v, nil
			}
			e.mu.RUnlock()
		}
		if c := m.index.cur.Load(); c != nil && c.mk == mk {
			if r, ok := c.ix.byID[id]; ok {
				return c.ix.certs[r].Version, nil
			}
			return 0, fmt.Errorf("certification version: %w", certsum.NotFoundf("certification %q not found", id))
		}
	}
	e := m.peek(id)
	if e == nil {
		m.stats.VersionRead.Add(1)
		return m.Store.CertificationVersion(ctx, id)
	}
	v, err := m.storeVersion(ctx, e, mk, mkOK)
	if err != nil {
		return v, err
	}
	e.mu.RLock()
	if e.cm != nil && e.cm.version == v {
		e.stampIf(mk, mkOK)
	}
	e.mu.RUnlock()
	return v, nil
}

// IsReviewer answers from a current model or the index, else from the store.
func (m *Model) IsReviewer(ctx context.Context, certID, identityID string) (bool, error) {
	mk, mkOK := m.mark(ctx)
	cm, release, ok, err := m.current(ctx, certID, mk, mkOK)
	if err != nil {
		return false, err
	}
	if ok {
		defer release()
		return cm.isReviewer(identityID), nil
	}
	ix, ok, err := m.currentIndex(ctx, mk, mkOK)
	if err != nil {
		return false, err
	}
	if ok {
		r, found := ix.byID[certID]
		if !found {
			return false, fmt.Errorf("is reviewer: %w", certsum.NotFoundf("certification %q not found", certID))
		}
		return ix.isReviewer(r, identityID), nil
	}
	return m.Store.IsReviewer(ctx, certID, identityID)
}
