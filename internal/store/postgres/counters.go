package postgres

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// tally is the counters' one shape, certsum.Tally; typeIndex its index of an access type.
type tally = certsum.Tally

var typeIndex = certsum.TallyIndex

// counterColumns are the stored counter columns in tally order.
var counterColumns = sqlstore.CounterColumns

// counterNames are the wire names of the counters, for drift reports.
var counterNames = certsum.TallyCounters

// scanTally returns Scan destinations for the twelve counters of t.
func scanTally(t *tally) []any {
	d := make([]any, 0, 12)
	for i := range t {
		d = append(d, &t[i][0], &t[i][1], &t[i][2])
	}
	return d
}

// counterList is "a.ent_total, a.ent_approved, …" over alias a for reading a tally, or with
// sum their sums, named after the columns.
func counterList(alias string, sum bool) string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		if sum {
			parts[i] = "COALESCE(SUM(" + alias + "." + c + "), 0)::integer AS " + c
		} else {
			parts[i] = alias + "." + c
		}
	}
	return strings.Join(parts, ", ")
}

// addFrom is "ent_total = t.ent_total + d.c0, …": the twelve counters of table alias t plus
// the columns c0…c11 of d.
func addFrom(t string) string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = " + t + "." + c + " + d.c" + strconv.Itoa(i)
	}
	return strings.Join(parts, ", ")
}

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
type accessKey struct {
	cert string
	typ  certsum.DtoType
	id   string
}

// accessDelta is a change to one access summary; the names create the row when missing.
type accessDelta struct {
	total, decided int
	name           string
	entSource      *string
	apSource       *string
}

// summaryDelta is a change to one identity summary. wasCompleted is the summary's completed
// flag before the change, so the certification's identitiesCompleted can follow it.
type summaryDelta struct {
	cert         string
	t            tally
	wasCompleted bool
}

// certDelta is a change to one certification's counters.
type certDelta struct {
	t                    tally
	identities, complete int
}

// ledger collects the counter changes of one write so that each affected row is updated
// once, however many review items touched it, and every table with one set-based statement.
type ledger struct {
	summaries map[string]*summaryDelta
	access    map[accessKey]*accessDelta
	certs     map[string]*certDelta
}

func newLedger() *ledger {
	return &ledger{
		summaries: map[string]*summaryDelta{},
		access:    map[accessKey]*accessDelta{},
		certs:     map[string]*certDelta{},
	}
}

// cert returns the delta of a certification, creating it: a certification in the ledger is
// written (version and modified) even when none of its counters change.
func (l *ledger) cert(id string) *certDelta {
	d := l.certs[id]
	if d == nil {
		d = &certDelta{}
		l.certs[id] = d
	}
	return d
}

// summary returns the delta of an identity summary, creating it.
func (l *ledger) summary(id, cert string, wasCompleted bool) *summaryDelta {
	d := l.summaries[id]
	if d == nil {
		d = &summaryDelta{cert: cert, wasCompleted: wasCompleted}
		l.summaries[id] = d
		l.cert(cert)
	}
	return d
}

// item records n review items (n is +1 or -1) entering or leaving the counters with
// decision d, under identity summary sid of certification cert.
func (l *ledger) item(cert, sid string, sidCompleted bool, it itemRow, d certsum.Decision, n int) {
	l.summary(sid, cert, sidCompleted).t.Add(it.accessType, d, n)
	l.accessItem(cert, it, d, n)
}

// accessItem records the access-summary side of item alone, for moves that carry the
// identity summary row itself to another certification.
func (l *ledger) accessItem(cert string, it itemRow, d certsum.Decision, n int) {
	if it.accessType == certsum.TypeAccount {
		return // accounts have no access summaries
	}
	k := accessKey{cert, it.accessType, it.accessID}
	a := l.access[k]
	if a == nil {
		a = &accessDelta{name: it.accessName, entSource: it.entSource, apSource: it.apSource}
		l.access[k] = a
	}
	a.total += n
	if d != "" {
		a.decided += n
	}
}

// apply writes every collected change: identity summaries (deleting those left without
// items), access summaries (creating and deleting rows as needed) and certifications, whose
// version grows by one and whose modified time becomes now. The caller holds the locks of
// every certification in the ledger.
func (l *ledger) apply(ctx context.Context, tx pgx.Tx, now certsum.Time) error {
	if err := l.applySummaries(ctx, tx); err != nil {
		return err
	}
	if err := l.applyAccess(ctx, tx); err != nil {
		return err
	}
	for _, id := range sortedKeys(l.certs) {
		d := l.certs[id]
		args := counterArrays([]string{id}, []tally{d.t})
		args = append(args, d.identities, d.complete, pgTime(now))
		tag, err := tx.Exec(ctx, `UPDATE certifications c SET `+addFrom("c")+`,
			identities_total = c.identities_total + $14, identities_completed = c.identities_completed + $15,
			version = c.version + 1, modified = $16
			FROM `+unnestCounters+` WHERE c.id = d.id`, args...)
		if err != nil {
			return fmt.Errorf("update certification %s: %w", id, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("update certification %s: it does not exist", id)
		}
	}
	return nil
}

func (l *ledger) applySummaries(ctx context.Context, tx pgx.Tx) error {
	var ids []string
	var ts []tally
	for _, id := range sortedKeys(l.summaries) {
		d := l.summaries[id]
		l.cert(d.cert).t.Plus(d.t)
		if !d.t.IsZero() {
			ids = append(ids, id)
			ts = append(ts, d.t)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `UPDATE identity_summaries s SET `+addFrom("s")+`
		FROM `+unnestCounters+` WHERE s.id = d.id RETURNING s.id, s.items_total, s.completed`, counterArrays(ids, ts)...)
	if err != nil {
		return fmt.Errorf("update identity summaries: %w", err)
	}
	type result struct {
		total     int
		completed bool
	}
	got := make(map[string]result, len(ids))
	for rows.Next() {
		var id string
		var r result
		if err := rows.Scan(&id, &r.total, &r.completed); err != nil {
			rows.Close()
			return fmt.Errorf("update identity summaries: %w", err)
		}
		got[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("update identity summaries: %w", err)
	}
	var empty []string
	for _, id := range ids {
		r, ok := got[id]
		if !ok {
			return fmt.Errorf("update identity summary %s: it does not exist", id)
		}
		d := l.summaries[id]
		cd := l.cert(d.cert)
		if r.total == 0 {
			empty = append(empty, id)
			cd.identities--
			r.completed = false
		}
		cd.complete += b2i(r.completed) - b2i(d.wasCompleted)
	}
	if len(empty) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM identity_summaries WHERE id = ANY($1)`, empty); err != nil {
			return fmt.Errorf("delete identity summaries: %w", err)
		}
	}
	return nil
}

func (l *ledger) applyAccess(ctx context.Context, tx pgx.Tx) error {
	keys := make([]accessKey, 0, len(l.access))
	for k, a := range l.access {
		if a.total != 0 || a.decided != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.cert != b.cert {
			return a.cert < b.cert
		}
		if a.typ != b.typ {
			return a.typ < b.typ
		}
		return a.id < b.id
	})
	n := len(keys)
	certs, types, ids, names := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ents, aps := make([]*string, n), make([]*string, n)
	totals, decided := make([]int32, n), make([]int32, n)
	for i, k := range keys {
		a := l.access[k]
		certs[i], types[i], ids[i], names[i] = k.cert, string(k.typ), k.id, a.name
		ents[i], aps[i] = a.entSource, a.apSource
		totals[i], decided[i] = int32(a.total), int32(a.decided)
	}
	rows, err := tx.Query(ctx, `INSERT INTO access_summaries AS a
			(cert_id, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[])
		ON CONFLICT (cert_id, access_type, access_id) DO UPDATE SET
			items_total = a.items_total + excluded.items_total,
			items_decided = a.items_decided + excluded.items_decided
		RETURNING cert_id, access_type, access_id, items_total`,
		certs, types, ids, names, ents, aps, totals, decided)
	if err != nil {
		return fmt.Errorf("update access summaries: %w", err)
	}
	var gone []accessKey
	for rows.Next() {
		var k accessKey
		var total int
		if err := rows.Scan(&k.cert, &k.typ, &k.id, &total); err != nil {
			rows.Close()
			return fmt.Errorf("update access summaries: %w", err)
		}
		if total <= 0 {
			gone = append(gone, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("update access summaries: %w", err)
	}
	if len(gone) == 0 {
		return nil
	}
	gc, gt, gi := make([]string, len(gone)), make([]string, len(gone)), make([]string, len(gone))
	for i, k := range gone {
		gc[i], gt[i], gi[i] = k.cert, string(k.typ), k.id
	}
	if _, err := tx.Exec(ctx, `DELETE FROM access_summaries a USING unnest($1::text[], $2::text[], $3::text[]) AS g(cert_id, access_type, access_id)
		WHERE a.cert_id = g.cert_id AND a.access_type = g.access_type AND a.access_id = g.access_id`, gc, gt, gi); err != nil {
		return fmt.Errorf("delete access summaries: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
