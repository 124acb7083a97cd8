package sqlstore

import "github.com/certsum/certsum"

// Kinds of stored counters a verification recounts, as certsum.Drift names them.
const (
	KindCertification   = "certification"
	KindIdentitySummary = "identity summary"
	KindAccessSummary   = "access summary"
	KindCampaign        = "campaign"
)

// Recount collects what a verification finds: each stored counter that differs from its
// recount from the review items.
type Recount struct {
	Drifts []certsum.Drift
}

// Report records one counter whose stored value differs from the recount.
func (r *Recount) Report(kind, id, counter string, stored, actual int) {
	r.Drifts = append(r.Drifts, certsum.Drift{Kind: kind, ID: id, Counter: counter, Stored: stored, Actual: actual})
}

// Compare records each of the twelve tally counters that differs from its recount, named as
// the API names it, and reports whether any did.
func (r *Recount) Compare(kind, id string, stored, actual certsum.Tally) bool {
	sv, av := stored.Values(), actual.Values()
	differ := false
	for i := range sv {
		if sv[i] != av[i] {
			r.Report(kind, id, certsum.TallyCounters[i], sv[i], av[i])
			differ = true
		}
	}
	return differ
}

// Check records a single counter when it differs from its recount, and reports whether it did.
func (r *Recount) Check(kind, id, counter string, stored, actual int) bool {
	if stored == actual {
		return false
	}
	r.Report(kind, id, counter, stored, actual)
	return true
}
