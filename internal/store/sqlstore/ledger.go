package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/certsum/certsum"
)

// Key is the type a backend keys its certification rows by: SQLite's integer keys,
// PostgreSQL's ids.
type Key interface{ ~int64 | ~string }

// ItemAccess is the access item of a review item, as the counters of its access summary
// need it: the names create the access summary row when it is missing.
type ItemAccess struct {
	Type      certsum.DtoType
	ID        string
	Name      string
	EntSource *string
	APSource  *string
}

// AccessKey names one access summary row.
type AccessKey[K Key] struct {
	Cert K
	Type certsum.DtoType
	ID   string
}

func compareAccess[K Key](a, b AccessKey[K]) int {
	if c := cmp.Compare(a.Cert, b.Cert); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// AccessDelta is a change to one access summary; the names create the row when missing.
type AccessDelta struct {
	Total, Decided int
	Name           string
	EntSource      *string
	APSource       *string
}

// SummaryDelta is a change to one identity summary. WasCompleted is the summary's completed
// flag before the change, so the certification's identitiesCompleted can follow it.
type SummaryDelta[K Key] struct {
	Cert         K
	T            certsum.Tally
	WasCompleted bool
}

// CertDelta is a change to one certification's counters.
type CertDelta struct {
	T                    certsum.Tally
	Identities, Complete int
}

// SummaryState is an identity summary's items_total and completed after a change.
type SummaryState struct {
	Total     int
	Completed bool
}

// LedgerWriter is a backend's SQL for writing a ledger; the ledger decides what to write.
type LedgerWriter[K Key] interface {
	// AddSummaries adds each tally to its identity summary's counters and returns, in the
	// order of keys, each summary's state afterwards. Every key names a summary.
	AddSummaries(ctx context.Context, keys []K, ts []certsum.Tally) ([]SummaryState, error)
	// DeleteSummaries removes identity summaries left without items.
	DeleteSummaries(ctx context.Context, keys []K) error
	// AddAccess adds each delta to its access summary, creating the row when missing, and
	// returns each row's items_total afterwards, in the order of keys.
	AddAccess(ctx context.Context, keys []AccessKey[K], ds []*AccessDelta) ([]int, error)
	// DeleteAccess removes access summaries left without items.
	DeleteAccess(ctx context.Context, keys []AccessKey[K]) error
	// AddCertification adds d to a certification's counters, grows its version by one and
	// sets its modified time; it fails when the certification does not exist.
	AddCertification(ctx context.Context, key K, d CertDelta, now certsum.Time) error
}

// Ledger collects the counter changes of one write (decisions, reassignment, sign-off) so
// that each affected row is updated once, however many review items touched it.
type Ledger[K Key] struct {
	summaries map[K]*SummaryDelta[K]
	access    map[AccessKey[K]]*AccessDelta
	certs     map[K]*CertDelta
}

// NewLedger returns an empty ledger.
func NewLedger[K Key]() *Ledger[K] {
	return &Ledger[K]{
		summaries: map[K]*SummaryDelta[K]{},
		access:    map[AccessKey[K]]*AccessDelta{},
		certs:     map[K]*CertDelta{},
	}
}

// Cert returns the delta of a certification, creating it: a certification in the ledger is
// written (version and modified) even when none of its counters change.
func (l *Ledger[K]) Cert(key K) *CertDelta {
	d := l.certs[key]
	if d == nil {
		d = &CertDelta{}
		l.certs[key] = d
	}
	return d
}

// Summary returns the delta of an identity summary, creating it.
func (l *Ledger[K]) Summary(key, cert K, wasCompleted bool) *SummaryDelta[K] {
	d := l.summaries[key]
	if d == nil {
		d = &SummaryDelta[K]{Cert: cert, WasCompleted: wasCompleted}
		l.summaries[key] = d
		l.Cert(cert)
	}
	return d
}

// Item records n review items (n is +1 or -1) entering or leaving the counters with
// decision d, under identity summary sid of certification cert.
func (l *Ledger[K]) Item(cert, sid K, sidCompleted bool, a ItemAccess, d certsum.Decision, n int) {
	l.Summary(sid, cert, sidCompleted).T.Add(a.Type, d, n)
	l.AccessItem(cert, a, d, n)
}

// AccessItem records the access-summary side of an item alone, for moves that carry the
// identity summary row itself to another certification.
func (l *Ledger[K]) AccessItem(cert K, a ItemAccess, d certsum.Decision, n int) {
	if a.Type == certsum.TypeAccount {
		return // accounts have no access summaries
	}
	k := AccessKey[K]{cert, a.Type, a.ID}
	ad := l.access[k]
	if ad == nil {
		ad = &AccessDelta{Name: a.Name, EntSource: a.EntSource, APSource: a.APSource}
		l.access[k] = ad
	}
	ad.Total += n
	if d != "" {
		ad.Decided += n
	}
}

// Apply writes every collected change in key order (the writers' lock order): identity
// summaries (deleting those left without items), access summaries (creating and deleting
// rows as needed) and certifications, whose version grows by one and whose modified time
// becomes now; then the same changes to their campaign's counters (in tx, of dialect dl).
func (l *Ledger[K]) Apply(ctx context.Context, tx Querier, dl Dialect, w LedgerWriter[K], now certsum.Time) error {
	if err := l.applySummaries(ctx, w); err != nil {
		return err
	}
	if err := l.applyAccess(ctx, w); err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(l.certs)) {
		if err := w.AddCertification(ctx, key, *l.certs[key], now); err != nil {
			return fmt.Errorf("update certification %v: %w", key, err)
		}
	}
	if err := addCampaignCounters(ctx, tx, dl, l.certs); err != nil {
		return fmt.Errorf("update campaign counters: %w", err)
	}
	return nil
}

func (l *Ledger[K]) applySummaries(ctx context.Context, w LedgerWriter[K]) error {
	var keys []K
	var ts []certsum.Tally
	for _, key := range slices.Sorted(maps.Keys(l.summaries)) {
		d := l.summaries[key]
		l.Cert(d.Cert).T.Plus(d.T)
		if !d.T.IsZero() {
			keys = append(keys, key)
			ts = append(ts, d.T)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	states, err := w.AddSummaries(ctx, keys, ts)
	if err != nil {
		return fmt.Errorf("update identity summaries: %w", err)
	}
	var empty []K
	for i, key := range keys {
		d, r := l.summaries[key], states[i]
		cd := l.Cert(d.Cert)
		if r.Total == 0 {
			empty = append(empty, key)
			cd.Identities--
			r.Completed = false
		}
		cd.Complete += B2I(r.Completed) - B2I(d.WasCompleted)
	}
	if len(empty) > 0 {
		if err := w.DeleteSummaries(ctx, empty); err != nil {
			return fmt.Errorf("delete identity summaries: %w", err)
		}
	}
	return nil
}

func (l *Ledger[K]) applyAccess(ctx context.Context, w LedgerWriter[K]) error {
	keys := make([]AccessKey[K], 0, len(l.access))
	for k, a := range l.access {
		if a.Total != 0 || a.Decided != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, compareAccess[K])
	ds := make([]*AccessDelta, len(keys))
	for i, k := range keys {
		ds[i] = l.access[k]
	}
	totals, err := w.AddAccess(ctx, keys, ds)
	if err != nil {
		return fmt.Errorf("update access summaries: %w", err)
	}
	var gone []AccessKey[K]
	for i, t := range totals {
		if t <= 0 {
			gone = append(gone, keys[i])
		}
	}
	if len(gone) > 0 {
		if err := w.DeleteAccess(ctx, gone); err != nil {
			return fmt.Errorf("delete access summaries: %w", err)
		}
	}
	return nil
}
