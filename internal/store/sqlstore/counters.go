package sqlstore

import "github.com/certsum/certsum"

// CounterColumns are the stored counter columns of certifications, identity summaries and
// campaigns, in certsum.Tally's Values order; both backends' schemas name them so.
var CounterColumns = []string{
	"ent_total", "ent_approved", "ent_revoked",
	"ap_total", "ap_approved", "ap_revoked",
	"role_total", "role_approved", "role_revoked",
	"acct_total", "acct_approved", "acct_revoked",
}

// TallyArgs returns a tally's counters as statement arguments, in CounterColumns order.
func TallyArgs(t certsum.Tally) []any {
	a := make([]any, 0, len(CounterColumns))
	for _, v := range t.Values() {
		a = append(a, v)
	}
	return a
}
