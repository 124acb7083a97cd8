package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// tally is the counters' one shape, certsum.Tally; typeIndex its index of an access type.
type tally = certsum.Tally

var typeIndex = certsum.TallyIndex

// counterNames are the wire names of the counters, for drift reports.
var counterNames = certsum.TallyCounters

// counterColumns are the stored counter columns in tally order.
var counterColumns = sqlstore.CounterColumns

// addCounters is "ent_total = ent_total + ?, …" for the twelve counters.
var addCounters = func() string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = c + " = " + c + " + ?"
	}
	return strings.Join(parts, ", ")
}()

// accessKey names one access summary row.
type accessKey struct {
	cert int64
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
	cert         int64
	t            tally
	wasCompleted bool
}

// certDelta is a change to one certification's counters.
type certDelta struct {
	t                    tally
	identities, complete int
}

// ledger collects the counter changes of one write so that each affected row is updated
// once, however many review items touched it.
// Rows are named by their integer keys.
type ledger struct {
	summaries map[int64]*summaryDelta
	access    map[accessKey]*accessDelta
	certs     map[int64]*certDelta
}

func newLedger() *ledger {
	return &ledger{
		summaries: map[int64]*summaryDelta{},
		access:    map[accessKey]*accessDelta{},
		certs:     map[int64]*certDelta{},
	}
}

// cert returns the delta of a certification, creating it: a certification in the ledger is
// written (version and modified) even when none of its counters change.
func (l *ledger) cert(id int64) *certDelta {
	d := l.certs[id]
	if d == nil {
		d = &certDelta{}
		l.certs[id] = d
	}
	return d
}

// summary returns the delta of an identity summary, creating it.
func (l *ledger) summary(id, cert int64, wasCompleted bool) *summaryDelta {
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
func (l *ledger) item(cert, sid int64, sidCompleted bool, it itemRow, d certsum.Decision, n int) {
	l.summary(sid, cert, sidCompleted).t.Add(it.accessType, d, n)
	l.accessItem(cert, it, d, n)
}

// accessItem records the access-summary side of item alone, for moves that carry the
// identity summary row itself to another certification.
func (l *ledger) accessItem(cert int64, it itemRow, d certsum.Decision, n int) {
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
// version grows by one and whose modified time becomes now.
func (l *ledger) apply(ctx context.Context, tx *sql.Tx, now certsum.Time) error {
	if len(l.summaries) > 0 {
		upd, err := tx.PrepareContext(ctx, `UPDATE identity_summaries SET `+addCounters+` WHERE key = ? RETURNING items_total, completed`)
		if err != nil {
			return err
		}
		defer upd.Close()
		del, err := tx.PrepareContext(ctx, `DELETE FROM identity_summaries WHERE key = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, id := range sortedKeys(l.summaries) {
			d := l.summaries[id]
			cd := l.cert(d.cert)
			cd.t.Plus(d.t)
			if d.t.IsZero() {
				continue
			}
			var total int
			var completed bool
			if err := upd.QueryRowContext(ctx, append(sqlstore.TallyArgs(d.t), id)...).Scan(&total, &completed); err != nil {
				return fmt.Errorf("update identity summary %d: %w", id, err)
			}
			if total == 0 {
				if _, err := del.ExecContext(ctx, id); err != nil {
					return fmt.Errorf("delete identity summary %d: %w", id, err)
				}
				cd.identities--
				completed = false
			}
			cd.complete += b2i(completed) - b2i(d.wasCompleted)
		}
	}
	if len(l.access) > 0 {
		up, err := tx.PrepareContext(ctx, `INSERT INTO access_summaries
			(cert_key, access_type, access_id, name, ent_source_name, ap_source_name, items_total, items_decided)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (cert_key, access_type, access_id) DO UPDATE SET
				items_total = items_total + excluded.items_total,
				items_decided = items_decided + excluded.items_decided
			RETURNING items_total`)
		if err != nil {
			return err
		}
		defer up.Close()
		del, err := tx.PrepareContext(ctx, `DELETE FROM access_summaries WHERE cert_key = ? AND access_type = ? AND access_id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		keys := make([]accessKey, 0, len(l.access))
		for k, a := range l.access {
			if a.total != 0 || a.decided != 0 {
				keys = append(keys, k)
			}
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
		for _, k := range keys {
			a := l.access[k]
			var total int
			if err := up.QueryRowContext(ctx, k.cert, k.typ, k.id, a.name, a.entSource, a.apSource, a.total, a.decided).Scan(&total); err != nil {
				return fmt.Errorf("update access summary %d/%s/%s: %w", k.cert, k.typ, k.id, err)
			}
			if total <= 0 {
				if _, err := del.ExecContext(ctx, k.cert, k.typ, k.id); err != nil {
					return err
				}
			}
		}
	}
	if len(l.certs) > 0 {
		upd, err := tx.PrepareContext(ctx, `UPDATE certifications SET `+addCounters+`,
			identities_total = identities_total + ?, identities_completed = identities_completed + ?,
			version = version + 1, modified = ? WHERE key = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, id := range sortedKeys(l.certs) {
			d := l.certs[id]
			args := append(sqlstore.TallyArgs(d.t), d.identities, d.complete, timeText(now), id)
			if _, err := upd.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("update certification %d: %w", id, err)
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
