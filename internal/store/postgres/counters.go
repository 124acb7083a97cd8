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

// tally is the counters' one shape, certsum.Tally; typeIndex its index of an access type.
type tally = certsum.Tally

// counterColumns are the stored counter columns in tally order.
var counterColumns = sqlstore.CounterColumns

// addFrom is "ent_total = t.ent_total + d.c0, …": the twelve counters of table alias t plus
// the columns c0…c11 of d.
func addFrom(t string) string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = " + t + "." + c + " + d.c" + strconv.Itoa(i)
	}
	return strings.Join(parts, ", ")
}

// addToCertification and addToSummary are addFrom of the two tables, built once.
var addToCertification, addToSummary = addFrom("c"), addFrom("s")

// deltaColumns is "c0, c1, …, c11".
var deltaColumns = func() string {
	parts := make([]string, len(counterColumns))
	for i := range counterColumns {
		parts[i] = "c" + strconv.Itoa(i)
	}
	return strings.Join(parts, ", ")
}()

// unnestCounters is "unnest($1::text[], $2::int[], … $13::int[]) AS d(id, c0, …, c11)".
var unnestCounters = func() string {
	parts := []string{"$1::text[]"}
	for i := range counterColumns {
		parts = append(parts, "$"+strconv.Itoa(i+2)+"::int[]")
	}
	return "unnest(" + strings.Join(parts, ", ") + ") AS d(id, " + deltaColumns + ")"
}()

// counterArrays returns the arguments of unnestCounters for the given ids and tallies.
func counterArrays(ids []string, ts []tally) []any {
	cols := make([][]int32, len(counterColumns))
	for i := range cols {
		cols[i] = make([]int32, len(ids))
	}
	for r, t := range ts {
		for i, v := range t.Values() {
			cols[i][r] = int32(v)
		}
	}
	args := []any{strs(ids)}
	for _, c := range cols {
		args = append(args, c)
	}
	return args
}

// accessKey names one access summary row.
type accessKey = sqlstore.AccessKey[string]

// writes writes a ledger with one set-based statement per table (unnest of arrays),
// so a write costs the same few round trips however many rows it touches.
type writes struct{ tx pgx.Tx }

func (w writes) AddCertification(ctx context.Context, id string, d sqlstore.CertDelta, now certsum.Time) error {
	args := counterArrays([]string{id}, []tally{d.T})
	args = append(args, d.Identities, d.Complete, pgTime(now))
	tag, err := w.tx.Exec(ctx, `UPDATE certifications c SET `+addToCertification+`,
		identities_total = c.identities_total + $14, identities_completed = c.identities_completed + $15,
		version = c.version + 1, modified = $16
		FROM `+unnestCounters+` WHERE c.id = d.id`, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("it does not exist")
	}
	return nil
}

func (w writes) AddSummaries(ctx context.Context, ids []string, ts []tally) ([]sqlstore.SummaryState, error) {
	rows, err := w.tx.Query(ctx, `UPDATE identity_summaries s SET `+addToSummary+`
		FROM `+unnestCounters+` WHERE s.id = d.id RETURNING s.id, s.items_total, s.completed`, counterArrays(ids, ts)...)
	if err != nil {
		return nil, err
	}
	got := make(map[string]sqlstore.SummaryState, len(ids))
	for rows.Next() {
		var id string
		var r sqlstore.SummaryState
		if err := rows.Scan(&id, &r.Total, &r.Completed); err != nil {
			rows.Close()
			return nil, err
		}
		got[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]sqlstore.SummaryState, len(ids))
	for i, id := range ids {
		r, ok := got[id]
		if !ok {
			return nil, fmt.Errorf("identity summary %s does not exist", id)
		}
		out[i] = r
	}
	return out, nil
}

func (w writes) DeleteSummaries(ctx context.Context, ids []string) error {
	_, err := w.tx.Exec(ctx, `DELETE FROM identity_summaries WHERE id = ANY($1)`, ids)
	return err
}

// accessArrays returns the certification, type and id columns of access summary keys.
func accessArrays(keys []accessKey) (certs, types, ids []string) {
	certs, types, ids = make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		certs[i], types[i], ids[i] = k.Cert, string(k.Type), k.ID
	}
	return certs, types, ids
}

func (w writes) AddAccess(ctx context.Context, keys []accessKey, ds []*sqlstore.AccessDelta) ([]int, error) {
	n := len(keys)
	certs, types, ids := accessArrays(keys)
	names, ents, aps := make([]string, n), make([]*string, n), make([]*string, n)
	totals, decided := make([]int32, n), make([]int32, n)
	for i, a := range ds {
		names[i], ents[i], aps[i] = a.Name, a.EntSource, a.APSource
		totals[i], decided[i] = int32(a.Total), int32(a.Decided)
	}
	rows, err := w.tx.Query(ctx, `INSERT INTO access_summaries AS a
			(cert_id, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[])
		ON CONFLICT (cert_id, access_type, access_id) DO UPDATE SET
			items_total = a.items_total + excluded.items_total,
			items_decided = a.items_decided + excluded.items_decided
		RETURNING cert_id, access_type, access_id, items_total`,
		certs, types, ids, names, ents, aps, totals, decided)
	if err != nil {
		return nil, err
	}
	got := make(map[accessKey]int, n)
	for rows.Next() {
		var k accessKey
		var total int
		if err := rows.Scan(&k.Cert, &k.Type, &k.ID, &total); err != nil {
			rows.Close()
			return nil, err
		}
		got[k] = total
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i, k := range keys {
		out[i] = got[k]
	}
	return out, nil
}

func (w writes) DeleteAccess(ctx context.Context, keys []accessKey) error {
	certs, types, ids := accessArrays(keys)
	_, err := w.tx.Exec(ctx, `DELETE FROM access_summaries a USING unnest($1::text[], $2::text[], $3::text[]) AS g(cert_id, access_type, access_id)
		WHERE a.cert_id = g.cert_id AND a.access_type = g.access_type AND a.access_id = g.access_id`, certs, types, ids)
	return err
}
