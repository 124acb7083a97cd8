package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// Kinds of stored counters a verification recounts, as certsum.Drift names them.
const (
	KindCertification   = "certification"
	KindIdentitySummary = "identity summary"
	KindAccessSummary   = "access summary"
	KindCampaign        = "campaign"
	KindRemediation     = "remediation"
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

// Verify recounts every stored counter from the review items (identity summaries, access
// summaries, certifications, campaigns) and returns each difference. Without fix it reads one
// consistent snapshot; with fix it runs in a write transaction that first locks every
// campaign and certification (the writers' lock order), so nothing changes between the
// recount and the repair, and what it reports is exactly what it repaired.
func (c *Core[K]) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	var drifts []certsum.Drift
	run := func(tx Querier) (err error) {
		if lock := c.B.ForUpdate("t"); fix && lock != "" {
			for _, table := range []string{"campaigns", "certifications"} {
				if _, err := tx.Exec(ctx, `SELECT 1 FROM `+table+` t ORDER BY id`+lock); err != nil {
					return err
				}
			}
		}
		drifts, err = Recheck[K](ctx, tx, c.B, c.now(ctx), fix)
		return err
	}
	var err error
	if fix {
		err = c.B.WriteTx(ctx, run)
	} else {
		err = c.B.ReadTx(ctx, run)
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if fix && len(drifts) > 0 {
		c.B.Log().Warn("repaired counter drift", "counters", len(drifts))
	}
	return drifts, nil
}

// Recheck recounts every stored counter from the review items (identity summaries, access
// summaries, certifications, campaigns) in the transaction q and returns each difference.
// With fix, it writes the recounted values in the same transaction, so what it reports is
// exactly what it repaired; the caller has taken whatever locks keep the rows still.
func Recheck[K Key](ctx context.Context, q Querier, dl Dialect, now certsum.Time, fix bool) ([]certsum.Drift, error) {
	v := &verifier[K]{ctx: ctx, q: q, dl: dl, k: dl.Keys(), fix: fix, now: now}
	if err := v.summaries(); err != nil {
		return nil, fmt.Errorf("identity summaries: %w", err)
	}
	if err := v.certifications(); err != nil {
		return nil, fmt.Errorf("certifications: %w", err)
	}
	if err := v.access(); err != nil {
		return nil, fmt.Errorf("access summaries: %w", err)
	}
	if err := v.campaigns(); err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	if err := v.campaignCounters(); err != nil {
		return nil, fmt.Errorf("campaign counters: %w", err)
	}
	if err := v.remediation(); err != nil {
		return nil, fmt.Errorf("remediation: %w", err)
	}
	if v.Drifts == nil {
		return []certsum.Drift{}, nil
	}
	return v.Drifts, nil
}

type verifier[K Key] struct {
	ctx context.Context
	q   Querier
	dl  Dialect
	k   Keys
	fix bool
	now certsum.Time // stamps what a repair writes
	// campaignActual sums the recounted counters of each campaign's certifications.
	campaignActual map[string]*CertDelta
	Recount
	// certs holds each certification's recount (by key), built from its identity summaries'
	// recounts.
	certs map[K]*CertDelta
}

// each runs a query and calls fn for each row.
func (v *verifier[K]) each(stmt string, fn func(Rows) error) error {
	return Each(v.ctx, v.q, stmt, nil, fn)
}

func (v *verifier[K]) summaries() error {
	type fixRow struct {
		key K
		t   certsum.Tally
	}
	var fixes []fixRow
	v.certs = map[K]*CertDelta{}
	err := v.each(`SELECT s.`+v.k.Summary+`, s.id, s.`+v.k.SummaryCert+`, `+CounterList("s")+`, `+CounterList("a")+`
		FROM identity_summaries s
		LEFT JOIN (SELECT `+v.k.ItemSummary+` AS sk, `+Aggregates(v.dl)+` FROM review_items GROUP BY `+v.k.ItemSummary+`) a
			ON a.sk = s.`+v.k.Summary+`
		ORDER BY s.`+v.k.SummaryCert+`, s.id`, func(rows Rows) error {
		var key, cert K
		var id string
		var stored, actual certsum.Tally
		var counted [12]*int
		dest := append([]any{&key, &id, &cert}, ScanTally(&stored)...)
		for i := range counted {
			dest = append(dest, &counted[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, n := range counted {
			if n != nil {
				actual[i/3][i%3] = *n
			}
		}
		if v.Compare(KindIdentitySummary, id, stored, actual) {
			fixes = append(fixes, fixRow{key, actual})
		}
		c := v.certs[cert]
		if c == nil {
			c = &CertDelta{}
			v.certs[cert] = c
		}
		c.T.Plus(actual)
		c.Identities++
		c.Complete += B2I(actual.Decided() == actual.Total())
		return nil
	})
	if err != nil || !v.fix {
		return err
	}
	for _, f := range fixes {
		if _, err := v.q.Exec(v.ctx, `UPDATE identity_summaries SET `+SetCounters(v.dl, 1, false)+
			` WHERE `+v.k.Summary+` = `+v.dl.Param(13), append(TallyArgs(f.t), f.key)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier[K]) certifications() error {
	type fixRow struct {
		key K
		r   CertDelta
	}
	var fixes []fixRow
	v.campaignActual = map[string]*CertDelta{}
	err := v.each(`SELECT `+v.k.Cert+`, id, campaign_id, `+CounterList("c")+`, identities_total, identities_completed
		FROM certifications c ORDER BY id`, func(rows Rows) error {
		var key K
		var id, campaign string
		var stored certsum.Tally
		var identities, complete int
		if err := rows.Scan(append(append([]any{&key, &id, &campaign}, ScanTally(&stored)...), &identities, &complete)...); err != nil {
			return err
		}
		actual := CertDelta{}
		if r := v.certs[key]; r != nil {
			actual = *r
		}
		sum := v.campaignActual[campaign]
		if sum == nil {
			sum = &CertDelta{}
			v.campaignActual[campaign] = sum
		}
		sum.T.Plus(actual.T)
		sum.Identities += actual.Identities
		sum.Complete += actual.Complete
		differ := v.Compare(KindCertification, id, stored, actual.T)
		differ = v.Check(KindCertification, id, "identitiesTotal", identities, actual.Identities) || differ
		differ = v.Check(KindCertification, id, "identitiesCompleted", complete, actual.Complete) || differ
		if differ {
			fixes = append(fixes, fixRow{key, actual})
		}
		return nil
	})
	if err != nil || !v.fix {
		return err
	}
	for _, f := range fixes {
		if _, err := v.q.Exec(v.ctx, `UPDATE certifications SET `+SetCounters(v.dl, 1, false)+`,
			identities_total = `+v.dl.Param(13)+`, identities_completed = `+v.dl.Param(14)+`, version = version + 1
			WHERE `+v.k.Cert+` = `+v.dl.Param(15),
			append(TallyArgs(f.r.T), f.r.Identities, f.r.Complete, f.key)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier[K]) access() error {
	type fixRow struct {
		key            AccessKey[K]
		name           string
		ent, ap        *string
		total, decided int
	}
	var fixes []fixRow
	ac, ic := v.k.AccessCert, v.k.ItemCert
	err := v.each(`WITH actual AS (
			SELECT `+ic+` AS cert, access_type, access_id, MIN(access_name) AS name, MIN(ent_source_name) AS ent_source_name,
				MIN(ap_source_name) AS ap_source_name, `+v.dl.Int("COUNT(*)")+` AS total, `+v.dl.Int("COUNT(decision)")+` AS decided
			FROM review_items WHERE access_type <> 'ACCOUNT' GROUP BY `+ic+`, access_type, access_id)
		SELECT c.id, x.cert, x.access_type, x.access_id, x.name, x.ent_source_name, x.ap_source_name,
			x.stored_total, x.stored_decided, x.total, x.decided
		FROM (
			SELECT a.cert, a.access_type, a.access_id, a.name, a.ent_source_name, a.ap_source_name,
				st.items_total AS stored_total, st.items_decided AS stored_decided, a.total, a.decided
			FROM actual a LEFT JOIN access_summaries st
				ON st.`+ac+` = a.cert AND st.access_type = a.access_type AND st.access_id = a.access_id
			UNION ALL
			SELECT st.`+ac+`, st.access_type, st.access_id, st.name, st.ent_source_name, st.ap_source_name,
				st.items_total, st.items_decided, 0, 0
			FROM access_summaries st
			WHERE st.access_type = 'ACCOUNT' OR NOT EXISTS (SELECT 1 FROM review_items i
				WHERE i.`+ic+` = st.`+ac+` AND i.access_type = st.access_type AND i.access_id = st.access_id)
		) x JOIN certifications c ON c.`+v.k.Cert+` = x.cert
		WHERE x.stored_total IS DISTINCT FROM x.total OR x.stored_decided IS DISTINCT FROM x.decided
		ORDER BY c.id, x.access_type, x.access_id`, func(rows Rows) error {
		var f fixRow
		var certID string
		var storedTotal, storedDecided *int
		if err := rows.Scan(&certID, &f.key.Cert, &f.key.Type, &f.key.ID, &f.name, &f.ent, &f.ap,
			&storedTotal, &storedDecided, &f.total, &f.decided); err != nil {
			return err
		}
		id := certID + "/" + string(f.key.Type) + "/" + f.key.ID
		st, sd := 0, 0
		if storedTotal != nil {
			st = *storedTotal
		}
		if storedDecided != nil {
			sd = *storedDecided
		}
		if storedTotal == nil || st != f.total {
			v.Report(KindAccessSummary, id, "itemsTotal", st, f.total)
		}
		v.Check(KindAccessSummary, id, "itemsDecided", sd, f.decided)
		fixes = append(fixes, f)
		return nil
	})
	if err != nil || !v.fix {
		return err
	}
	p := func(n int) string { return v.dl.Param(n) }
	for _, f := range fixes {
		var err error
		if f.total == 0 {
			_, err = v.q.Exec(v.ctx, `DELETE FROM access_summaries WHERE `+ac+` = `+p(1)+` AND access_type = `+p(2)+
				` AND access_id = `+p(3), f.key.Cert, f.key.Type, f.key.ID)
		} else {
			_, err = v.q.Exec(v.ctx, `INSERT INTO access_summaries
				(`+ac+`, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
				VALUES (`+Params(v.dl, 1, 8)+`)
				ON CONFLICT (`+ac+`, access_type, access_id) DO UPDATE SET
					items_total = excluded.items_total, items_decided = excluded.items_decided`,
				f.key.Cert, f.key.Type, f.key.ID, f.name, f.ent, f.ap, f.total, f.decided)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier[K]) campaigns() error {
	type fixRow struct {
		id              string
		total, complete int
	}
	var fixes []fixRow
	err := v.each(`SELECT k.id, k.total_certifications, k.completed_certifications,
			`+v.dl.Int("COUNT(c.id)")+`, `+v.dl.Int("COALESCE(SUM(CASE WHEN c.phase = 'SIGNED' THEN 1 ELSE 0 END), 0)")+`
		FROM campaigns k LEFT JOIN certifications c ON c.campaign_id = k.id
		GROUP BY k.id, k.total_certifications, k.completed_certifications ORDER BY k.id`, func(rows Rows) error {
		var id string
		var storedTotal, storedComplete, total, complete int
		if err := rows.Scan(&id, &storedTotal, &storedComplete, &total, &complete); err != nil {
			return err
		}
		differ := v.Check(KindCampaign, id, "totalCertifications", storedTotal, total)
		differ = v.Check(KindCampaign, id, "completedCertifications", storedComplete, complete) || differ
		if differ {
			fixes = append(fixes, fixRow{id, total, complete})
		}
		return nil
	})
	if err != nil || !v.fix {
		return err
	}
	for _, f := range fixes {
		if _, err := v.q.Exec(v.ctx, `UPDATE campaigns SET total_certifications = `+v.dl.Param(1)+
			`, completed_certifications = `+v.dl.Param(2)+` WHERE id = `+v.dl.Param(3), f.total, f.complete, f.id); err != nil {
			return err
		}
	}
	return nil
}

// campaignCounters checks each campaign's counters (the sum of its stripes) against the sum
// of its certifications' recounted counters; a repair rewrites the campaign's stripes from
// its certifications, which certifications() repaired first.
func (v *verifier[K]) campaignCounters() error {
	n := len(campaignCounterColumns)
	cols := make([]string, n)
	for i, col := range campaignCounterColumns {
		cols[i] = v.dl.Int(`COALESCE(SUM(s.` + col + `), 0)`)
	}
	names := append(slices.Clone(certsum.TallyCounters), "identitiesTotal", "identitiesCompleted")
	var fixes []string
	err := v.each(`SELECT k.id, `+strings.Join(cols, ", ")+` FROM campaigns k
		LEFT JOIN campaign_counters s ON s.campaign_id = k.id GROUP BY k.id ORDER BY k.id`, func(rows Rows) error {
		var id string
		stored := make([]int, n)
		dst := []any{&id}
		for i := range stored {
			dst = append(dst, &stored[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		actual := CertDelta{}
		if a := v.campaignActual[id]; a != nil {
			actual = *a
		}
		want := append(actual.T.Values(), actual.Identities, actual.Complete)
		differ := false
		for i := range n {
			differ = v.Check(KindCampaign, id, names[i], stored[i], want[i]) || differ
		}
		if differ {
			fixes = append(fixes, id)
		}
		return nil
	})
	if err != nil || !v.fix || len(fixes) == 0 {
		return err
	}
	return recountCampaignCounters(v.ctx, v.q, v.dl, v.dl.AnyOf("k.id", v.dl.Param(1)), v.dl.IDs(fixes))
}

// remediation checks that every REVOKE of a signed certification has its remediation item
// ("missing", repaired by creating it as sign-off would have) and that no remediation item
// of an existing certification stands for an item that is not a REVOKE ("stale", reported
// only: what it records was decided and may have been carried out).
func (v *verifier[K]) remediation() error {
	var missing []K
	err := v.each(`SELECT c.`+v.k.Cert+`, c.id, `+v.dl.Int("COUNT(*)")+` FROM review_items i
		JOIN certifications c ON c.`+v.k.Cert+` = i.`+v.k.ItemCert+`
		WHERE c.phase = 'SIGNED' AND i.decision = 'REVOKE'
			AND NOT EXISTS (SELECT 1 FROM remediation_items r WHERE r.item_id = i.id)
		GROUP BY c.`+v.k.Cert+`, c.id ORDER BY c.id`, func(rows Rows) error {
		var key K
		var id string
		var n int
		if err := rows.Scan(&key, &id, &n); err != nil {
			return err
		}
		v.Report(KindRemediation, id, "missingRemediationItems", 0, n)
		missing = append(missing, key)
		return nil
	})
	if err != nil {
		return err
	}
	err = v.each(`SELECT r.id FROM remediation_items r
		JOIN certifications c ON c.id = r.cert_id
		LEFT JOIN review_items i ON i.id = r.item_id AND i.`+v.k.ItemCert+` = c.`+v.k.Cert+`
		WHERE i.id IS NULL OR i.decision IS NULL OR i.decision <> 'REVOKE' ORDER BY r.id`, func(rows Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		v.Report(KindRemediation, id, "staleRemediationItem", 1, 0)
		return nil
	})
	if err != nil || !v.fix {
		return err
	}
	for _, key := range missing {
		if err := remediateRevoked(v.ctx, v.q, v.dl, v.now, `c.`+v.k.Cert+` = `+v.dl.Param(2), key); err != nil {
			return err
		}
	}
	return nil
}
