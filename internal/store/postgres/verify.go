package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

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

// aggregates is the SELECT list that counts review items into the twelve counters, named
// after the counter columns.
var aggregates = func() string {
	prefix := map[string]certsum.DtoType{"ent": certsum.TypeEntitlement, "ap": certsum.TypeAccessProfile,
		"role": certsum.TypeRole, "acct": certsum.TypeAccount}
	parts := make([]string, 0, len(counterColumns))
	for _, col := range counterColumns {
		p, kind, _ := strings.Cut(col, "_")
		cond := fmt.Sprintf("access_type = '%s'", prefix[p])
		switch kind {
		case "approved":
			cond += " AND decision = 'APPROVE'"
		case "revoked":
			cond += " AND decision = 'REVOKE'"
		}
		parts = append(parts, fmt.Sprintf("(COUNT(*) FILTER (WHERE %s))::integer AS %s", cond, col))
	}
	return strings.Join(parts, ", ")
}()

// setCounters is "ent_total = $n, …" starting at placeholder first.
func setCounters(first int) string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = $" + strconv.Itoa(first+i)
	}
	return strings.Join(parts, ", ")
}

// Verify recounts every stored counter from the review items (identity summaries, access
// summaries, certifications, campaigns) and returns each difference. Without fix it reads one
// consistent snapshot; with fix it first locks every campaign and certification (the writers'
// lock order), so nothing changes between the recount and the repair, and what it reports is
// exactly what it repaired.
func (s *Store) Verify(ctx context.Context, fix bool) ([]certsum.Drift, error) {
	var drifts []certsum.Drift
	run := func(tx pgx.Tx) error {
		if fix {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM campaigns ORDER BY id FOR NO KEY UPDATE`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT 1 FROM certifications ORDER BY id FOR NO KEY UPDATE`); err != nil {
				return err
			}
		}
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
		drifts = v.Drifts
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
	if drifts == nil {
		drifts = []certsum.Drift{}
	}
	if fix && len(drifts) > 0 {
		s.log.Warn("repaired counter drift", "counters", len(drifts))
	}
	return drifts, nil
}

type verifier struct {
	ctx context.Context
	tx  pgx.Tx
	fix bool
	sqlstore.Recount
	// certs holds each certification's recount, built from its identity summaries' recounts.
	certs map[string]*certDelta
}

func (v *verifier) summaries() error {
	rows, err := v.tx.Query(v.ctx, `SELECT s.id, s.cert_id, `+counterList("s", false)+`, `+counterList("a", false)+`
		FROM identity_summaries s
		LEFT JOIN (SELECT identity_summary_id AS sid, `+aggregates+` FROM review_items GROUP BY identity_summary_id) a
			ON a.sid = s.id
		ORDER BY s.cert_id, s.id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		id string
		t  tally
	}
	var fixes []fixRow
	v.certs = map[string]*certDelta{}
	for rows.Next() {
		var id, cert string
		var stored tally
		var actual [12]*int
		dest := append([]any{&id, &cert}, scanTally(&stored)...)
		for i := range actual {
			dest = append(dest, &actual[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		var t tally
		for i, n := range actual {
			if n != nil {
				t[i/3][i%3] = *n
			}
		}
		if v.Compare(kindIdentitySummary, id, stored, t) {
			fixes = append(fixes, fixRow{id, t})
		}
		c := v.certs[cert]
		if c == nil {
			c = &certDelta{}
			v.certs[cert] = c
		}
		c.t.Plus(t)
		c.identities++
		c.complete += b2i(t.Decided() == t.Total())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !v.fix {
		return nil
	}
	for _, f := range fixes {
		if _, err := v.tx.Exec(v.ctx, `UPDATE identity_summaries SET `+setCounters(1)+` WHERE id = $13`,
			append(sqlstore.TallyArgs(f.t), f.id)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier) certifications() error {
	rows, err := v.tx.Query(v.ctx, `SELECT id, `+counterList("c", false)+`, identities_total, identities_completed
		FROM certifications c ORDER BY id`)
	if err != nil {
		return err
	}
	type fixRow struct {
		id string
		r  certDelta
	}
	var fixes []fixRow
	for rows.Next() {
		var id string
		var stored tally
		var identities, complete int
		if err := rows.Scan(append(append([]any{&id}, scanTally(&stored)...), &identities, &complete)...); err != nil {
			rows.Close()
			return err
		}
		actual := certDelta{}
		if r := v.certs[id]; r != nil {
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
			fixes = append(fixes, fixRow{id, actual})
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
		if _, err := v.tx.Exec(v.ctx, `UPDATE certifications SET `+setCounters(1)+`,
			identities_total = $13, identities_completed = $14, version = version + 1 WHERE id = $15`,
			append(sqlstore.TallyArgs(f.r.t), f.r.identities, f.r.complete, f.id)...); err != nil {
			return err
		}
	}
	return nil
}

func (v *verifier) access() error {
	rows, err := v.tx.Query(v.ctx, `WITH actual AS (
			SELECT cert_id, access_type, access_id, MIN(access_name) AS name, MIN(ent_source_name) AS ent_source_name,
				MIN(ap_source_name) AS ap_source_name, COUNT(*)::integer AS total, COUNT(decision)::integer AS decided
			FROM review_items WHERE access_type <> 'ACCOUNT' GROUP BY cert_id, access_type, access_id)
		SELECT COALESCE(a.cert_id, st.cert_id), COALESCE(a.access_type, st.access_type), COALESCE(a.access_id, st.access_id),
			COALESCE(a.name, st.name), COALESCE(a.ent_source_name, st.ent_source_name), COALESCE(a.ap_source_name, st.ap_source_name),
			st.items_total, st.items_decided, COALESCE(a.total, 0), COALESCE(a.decided, 0)
		FROM actual a FULL JOIN access_summaries st
			ON st.cert_id = a.cert_id AND st.access_type = a.access_type AND st.access_id = a.access_id
		WHERE COALESCE(st.items_total, -1) <> COALESCE(a.total, 0) OR COALESCE(st.items_decided, -1) <> COALESCE(a.decided, 0)
		ORDER BY 1, 2, 3`)
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
		var storedTotal, storedDecided *int
		if err := rows.Scan(&f.key.cert, &f.key.typ, &f.key.id, &f.name, &f.ent, &f.ap,
			&storedTotal, &storedDecided, &f.total, &f.decided); err != nil {
			rows.Close()
			return err
		}
		id := f.key.cert + "/" + string(f.key.typ) + "/" + f.key.id
		st, sd := 0, 0
		if storedTotal != nil {
			st = *storedTotal
		}
		if storedDecided != nil {
			sd = *storedDecided
		}
		if storedTotal == nil || st != f.total {
			v.Report(kindAccessSummary, id, "itemsTotal", st, f.total)
		}
		if sd != f.decided {
			v.Report(kindAccessSummary, id, "itemsDecided", sd, f.decided)
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
			_, err = v.tx.Exec(v.ctx, `DELETE FROM access_summaries WHERE cert_id = $1 AND access_type = $2 AND access_id = $3`,
				f.key.cert, f.key.typ, f.key.id)
		} else {
			_, err = v.tx.Exec(v.ctx, `INSERT INTO access_summaries
				(cert_id, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (cert_id, access_type, access_id) DO UPDATE SET
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
	rows, err := v.tx.Query(v.ctx, `SELECT k.id, k.total_certifications, k.completed_certifications,
			COUNT(c.id)::integer, (COUNT(c.id) FILTER (WHERE c.phase = 'SIGNED'))::integer
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
		if _, err := v.tx.Exec(v.ctx, `UPDATE campaigns SET total_certifications = $1, completed_certifications = $2
			WHERE id = $3`, f.total, f.complete, f.id); err != nil {
			return err
		}
	}
	return nil
}
