package sqlstore

import (
	"context"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// A campaign's counters (migration 004) are the sum of its stripes in campaign_counters:
// every change to a certification's counters is added to the stripe of that certification,
// and bulk writes rewrite a campaign's stripes from its certifications.

// CampaignStripes is how many counter rows a campaign may have.
const CampaignStripes = 16

// campaignCounterColumns are the columns of a stripe, in the order of a CertDelta's values.
var campaignCounterColumns = append(slices.Clone(CounterColumns), "identities_total", "identities_completed")

// stripeOf is the stripe of a certification's changes.
func stripeOf[K Key](key K) int {
	switch k := any(key).(type) {
	case int64:
		return int((uint64(k)) % CampaignStripes)
	case string:
		h := fnv.New32a()
		h.Write([]byte(k))
		return int(h.Sum32() % CampaignStripes)
	}
	return 0
}

// deltaValues are a certification delta's values in campaignCounterColumns order.
func deltaValues(d CertDelta) []any {
	v := TallyArgs(d.T)
	return append(v, d.Identities, d.Complete)
}

// addCampaignCounters adds the certifications' deltas to their campaign's stripes, in
// stripe order.
func addCampaignCounters[K Key](ctx context.Context, tx Querier, dl Dialect, deltas map[K]*CertDelta) error {
	byStripe := map[int]K{}
	sums := map[int]*CertDelta{}
	for key, d := range deltas {
		if d.T.IsZero() && d.Identities == 0 && d.Complete == 0 {
			continue
		}
		s := stripeOf(key)
		if sums[s] == nil {
			sums[s], byStripe[s] = &CertDelta{}, key
		}
		sums[s].T.Plus(d.T)
		sums[s].Identities += d.Identities
		sums[s].Complete += d.Complete
	}
	n := len(campaignCounterColumns)
	params := make([]string, n)
	set := make([]string, n)
	for i, col := range campaignCounterColumns {
		params[i] = `CAST(` + dl.Param(i+2) + ` AS INTEGER)`
		set[i] = col + ` = campaign_counters.` + col + ` + excluded.` + col
	}
	stmt := `INSERT INTO campaign_counters (campaign_id, stripe, ` + strings.Join(campaignCounterColumns, ", ") + `)
		SELECT campaign_id, CAST(` + dl.Param(1) + ` AS INTEGER), ` + strings.Join(params, ", ") + `
		FROM certifications WHERE ` + dl.Keys().Cert + ` = ` + dl.Param(n+2) + `
		ON CONFLICT (campaign_id, stripe) DO UPDATE SET ` + strings.Join(set, ", ")
	stripes := make([]int, 0, len(sums))
	for s := range sums {
		stripes = append(stripes, s)
	}
	slices.Sort(stripes)
	for _, s := range stripes {
		args := append([]any{s}, deltaValues(*sums[s])...)
		if _, err := tx.Exec(ctx, stmt, append(args, byStripe[s])...); err != nil {
			return err
		}
	}
	return nil
}

// recountCampaignCounters rewrites the stripes of the campaigns that cond selects (over
// campaigns k, its parameters from 1) from their certifications: one stripe with the sums.
func recountCampaignCounters(ctx context.Context, tx Querier, dl Dialect, cond string, args ...any) error {
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_counters WHERE campaign_id IN (SELECT k.id FROM campaigns k WHERE `+
		cond+`)`, args...); err != nil {
		return err
	}
	sums := make([]string, len(campaignCounterColumns))
	for i, col := range campaignCounterColumns {
		sums[i] = `COALESCE(SUM(c.` + col + `), 0)`
	}
	_, err := tx.Exec(ctx, `INSERT INTO campaign_counters (campaign_id, stripe, `+strings.Join(campaignCounterColumns, ", ")+`)
		SELECT k.id, 0, `+strings.Join(sums, ", ")+`
		FROM campaigns k LEFT JOIN certifications c ON c.campaign_id = k.id
		WHERE `+cond+` GROUP BY k.id`, args...)
	return err
}

// campaignCounters reads a campaign's counters: the sum of its stripes.
func campaignCounters(ctx context.Context, tx Querier, dl Dialect, campaignID string) (certsum.Tally, int, int, error) {
	sums := make([]string, len(campaignCounterColumns))
	for i, col := range campaignCounterColumns {
		sums[i] = dl.Int(`COALESCE(SUM(` + col + `), 0)`)
	}
	var v [14]int
	dst := make([]any, len(v))
	for i := range v {
		dst[i] = &v[i]
	}
	_, err := QueryRow(ctx, tx, `SELECT `+strings.Join(sums, ", ")+` FROM campaign_counters WHERE campaign_id = `+dl.Param(1),
		[]any{campaignID}, dst...)
	var t certsum.Tally
	for i := 0; i < 12; i++ {
		t[i/3][i%3] = v[i]
	}
	return t, v[12], v[13], err
}
