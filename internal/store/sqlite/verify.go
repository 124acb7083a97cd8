package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// Drift kinds, as certsum.Drift.Kind reports them.
const (
	kindCertification   = sqlstore.KindCertification
	kindIdentitySummary = sqlstore.KindIdentitySummary
	kindAccessSummary   = sqlstore.KindAccessSummary
	kindCampaign        = sqlstore.KindCampaign
)

// Verify recounts every stored counter from the review items (identity summaries, access
// summaries, certifications, campaigns) and returns each difference. With fix, it writes the
// recounted values in the same transaction that found them, so what it reports is exactly
// what it repaired.
func (s *Store) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	drifts := []certsum.Drift{}
	run := func(tx *sql.Tx) error {
		v := &verifier{ctx: ctx, tx: tx, fix: fix}
		if err := v.summaries(); err != nil {
			return fmt.Errorf("identity summaries: %w", err)
		}
		if err := v.certifications(); err != nil {
			return fmt.Errorf("certifications: %w", err)
		}
		if err := v.access(); err != nil {
			return fmt.Errorf("access summaries: %w", err)
		}
		if err := v.campaigns(); err != nil {
			return fmt.Errorf("campaigns: %w", err)
		}
		drifts = append(drifts, v.Drifts...)
		return nil
	}
	var err error
	if fix {
		err = s.inTx(ctx, run)
	} else {
		err = s.inReadTx(ctx, run)
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if fix && len(drifts) > 0 {
		s.log.Warn("repaired counter drift", "counters", len(drifts))
	}
	return drifts, nil
}

type verifier struct {
	ctx context.Context
	tx  *sql.Tx
	fix bool
	sqlstore.Recount
	// certs holds each certification's recount (by key), built from its identity summaries'
	// recounts.
	certs map[int64]*certRecount
}

type certRecount struct {
	t                    tally
	identities, complete int
}

// setCounters is "ent_total = ?, …".
var setCounters = func() string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, ", ")
}()

func (v *verifier) summaries() error {
	rows, err := v.tx.QueryContext(v.ctx, `SELECT s.key, s.id, s.cert_key, `+counterList("s", false)+`, `+counterList("a", false)+`
		FROM identity_summaries s
		LEFT JOIN (SELECT summary_key AS sk, `+aggregates+` FROM review_items GROUP BY summary_key) a
			ON a.sk = s.key
		ORDER BY s.cert_key, s.id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		key int64
		t   tally
	}
	var fixes []fixRow
	v.certs = map[int64]*certRecount{}
	for rows.Next() {
		var key, cert int64
		var id string
		var stored, actual tally
		var nullable [12]sql.NullInt64
		dest := append([]any{&key, &id, &cert}, scanTally(&stored)...)
		for i := range nullable {
			dest = append(dest, &nullable[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		for i, n := range nullable {
			actual[i/3][i%3] = int(n.Int64)
		}
		if v.Compare(kindIdentitySummary, id, stored, actual) {
			fixes = append(fixes, fixRow{key, actual})
		}
		c := v.certs[cert]
		if c == nil {
			c = &certRecount{}
			v.certs[cert] = c
		}
		c.t.Plus(actual)
		c.identities++
		c.complete += b2i(actual.Decided() == actual.Total())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !v.fix {
		return nil
	}
	for _, f := range fixes {
		if _, err := v.tx.ExecContext(v.ctx, `UPDATE identity_summaries SET `+setCounters+` WHERE key = ?`,
			append(sqlstore.TallyArgs(f.t), f.key)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier) certifications() error {
	rows, err := v.tx.QueryContext(v.ctx, `SELECT key, id, `+counterList("c", false)+`, identities_total, identities_completed
		FROM certifications c ORDER BY id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		key int64
		r   certRecount
	}
	var fixes []fixRow
	for rows.Next() {
		var key int64
		var id string
		var stored tally
		var identities, complete int
		if err := rows.Scan(append(append([]any{&key, &id}, scanTally(&stored)...), &identities, &complete)...); err != nil {
			rows.Close()
			return err
		}
		actual := certRecount{}
		if r := v.certs[key]; r != nil {
			actual = *r
		}
		differ := v.Compare(kindCertification, id, stored, actual.t)
		if identities != actual.identities {
			v.Report(kindCertification, id, "identitiesTotal", identities, actual.identities)
			differ = true
		}
		if complete != actual.complete {
			v.Report(kindCertification, id, "identitiesCompleted", complete, actual.complete)
			differ = true
		}
		if differ {
			fixes = append(fixes, fixRow{key, actual})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !v.fix {
		return nil
	}
	for _, f := range fixes {
		if _, err := v.tx.ExecContext(v.ctx, `UPDATE certifications SET `+setCounters+`,
			identities_total = ?, identities_completed = ?, version = version + 1 WHERE key = ?`,
			append(sqlstore.TallyArgs(f.r.t), f.r.identities, f.r.complete, f.key)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier) access() error {
	rows, err := v.tx.QueryContext(v.ctx, `WITH actual AS (
			SELECT cert_key, access_type, access_id, MIN(access_name) AS name, MIN(ent_source_name) AS ent_source_name,
				MIN(ap_source_name) AS ap_source_name, COUNT(*) AS total, COUNT(decision) AS decided
			FROM review_items WHERE access_type != 'ACCOUNT' GROUP BY cert_key, access_type, access_id)
		SELECT c.id, x.cert_key, x.access_type, x.access_id, x.name, x.ent_source_name, x.ap_source_name,
			x.stored_total, x.stored_decided, x.total, x.decided
		FROM (
			SELECT a.cert_key, a.access_type, a.access_id, a.name, a.ent_source_name, a.ap_source_name,
				st.items_total AS stored_total, st.items_decided AS stored_decided, a.total, a.decided
			FROM actual a LEFT JOIN access_summaries st
				ON st.cert_key = a.cert_key AND st.access_type = a.access_type AND st.access_id = a.access_id
			UNION ALL
			SELECT st.cert_key, st.access_type, st.access_id, st.name, st.ent_source_name, st.ap_source_name,
				st.items_total, st.items_decided, 0, 0
			FROM access_summaries st
			WHERE NOT EXISTS (SELECT 1 FROM review_items i
				WHERE i.cert_key = st.cert_key AND i.access_type = st.access_type AND i.access_id = st.access_id)
		) x JOIN certifications c ON c.key = x.cert_key
		WHERE x.stored_total IS NOT x.total OR x.stored_decided IS NOT x.decided
		ORDER BY c.id, x.access_type, x.access_id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		key            accessKey
		name           string
		ent, ap        *string
		total, decided int
	}
	var fixes []fixRow
	for rows.Next() {
		var f fixRow
		var certID string
		var storedTotal, storedDecided sql.NullInt64
		if err := rows.Scan(&certID, &f.key.cert, &f.key.typ, &f.key.id, &f.name, &f.ent, &f.ap,
			&storedTotal, &storedDecided, &f.total, &f.decided); err != nil {
			rows.Close()
			return err
		}
		id := certID + "/" + string(f.key.typ) + "/" + f.key.id
		if int(storedTotal.Int64) != f.total || !storedTotal.Valid {
			v.Report(kindAccessSummary, id, "itemsTotal", int(storedTotal.Int64), f.total)
		}
		if int(storedDecided.Int64) != f.decided {
			v.Report(kindAccessSummary, id, "itemsDecided", int(storedDecided.Int64), f.decided)
		}
		fixes = append(fixes, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !v.fix {
		return nil
	}
	for _, f := range fixes {
		var err error
		if f.total == 0 {
			_, err = v.tx.ExecContext(v.ctx, `DELETE FROM access_summaries WHERE cert_key = ? AND access_type = ? AND access_id = ?`,
				f.key.cert, f.key.typ, f.key.id)
		} else {
			_, err = v.tx.ExecContext(v.ctx, `INSERT INTO access_summaries
				(cert_key, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (cert_key, access_type, access_id) DO UPDATE SET
					items_total = excluded.items_total, items_decided = excluded.items_decided`,
				f.key.cert, f.key.typ, f.key.id, f.name, f.ent, f.ap, f.total, f.decided)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier) campaigns() error {
	rows, err := v.tx.QueryContext(v.ctx, `SELECT k.id, k.total_certifications, k.completed_certifications,
			COUNT(c.id), COALESCE(SUM(c.phase = 'SIGNED'), 0)
		FROM campaigns k LEFT JOIN certifications c ON c.campaign_id = k.id
		GROUP BY k.id ORDER BY k.id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		id              string
		total, complete int
	}
	var fixes []fixRow
	for rows.Next() {
		var id string
		var storedTotal, storedComplete, total, complete int
		if err := rows.Scan(&id, &storedTotal, &storedComplete, &total, &complete); err != nil {
			rows.Close()
			return err
		}
		if storedTotal != total {
			v.Report(kindCampaign, id, "totalCertifications", storedTotal, total)
		}
		if storedComplete != complete {
			v.Report(kindCampaign, id, "completedCertifications", storedComplete, complete)
		}
		if storedTotal != total || storedComplete != complete {
			fixes = append(fixes, fixRow{id, total, complete})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !v.fix {
		return nil
	}
	for _, f := range fixes {
		if _, err := v.tx.ExecContext(v.ctx, `UPDATE campaigns SET total_certifications = ?, completed_certifications = ?
			WHERE id = ?`, f.total, f.complete, f.id); err != nil {
			return err
		}
	}
	return nil
}
