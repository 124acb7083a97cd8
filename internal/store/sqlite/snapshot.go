package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// This file implements certsum.SnapshotReader: the bulk reads of the in-memory read model
// (internal/readmodel) and a change mark built on PRAGMA data_version.

var _ certsum.SnapshotReader = (*Store)(nil)

// summaryCounters are the twelve counter columns of identity_summaries under alias s.
var summaryCounters = sqlstore.CounterList("s")

// ReadCertification reads a certification's identity summaries (with counters), distinct
// access items (with details and counters), the reviewing group's members and, when items is
// not nil, every review item and the accounts they name, all in one read transaction.
// Errors: not_found.
func (s *Store) ReadCertification(ctx context.Context, certID string, items func(certsum.ItemRecord) error) (*certsum.CertificationSnapshot, error) {
	var out *certsum.CertificationSnapshot
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		snap, err := readCertHead(ctx, tx, certID)
		if err != nil {
			return err
		}
		if snap.Summaries, err = readSummaries(ctx, tx, `s.cert_key = (SELECT key FROM certifications WHERE id = ?)`, certID); err != nil {
			return err
		}
		if snap.Access, err = readAccess(ctx, tx, certID, nil, true); err != nil {
			return err
		}
		if items != nil {
			accounts, err := streamItems(ctx, tx, certID, snap.Certification.DecisionsTotal, items)
			if err != nil {
				return err
			}
			if snap.Accounts, err = sqlstore.LoadAccounts(ctx, sqlQuerier{tx}, dialect{}, accounts); err != nil {
				return err
			}
		}
		out = snap
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read certification: %w", err)
	}
	return out, nil
}

// ReadChanges reads the certification's version and row, the review items with the given
// ids that are in it, and their identity summaries and access items' counters, in one read
// transaction. Errors: not_found.
func (s *Store) ReadChanges(ctx context.Context, certID string, itemIDs []string) (*certsum.CertificationChanges, error) {
	var out certsum.CertificationChanges
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		head, err := readCertHead(ctx, tx, certID)
		if err != nil {
			return err
		}
		out.Version, out.Certification = head.Version, head.Certification
		if len(itemIDs) == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, readChangesItems, idList(itemIDs), certID)
		if err != nil {
			return err
		}
		defer rows.Close()
		sums := map[string]bool{}
		keys := map[[2]string]bool{}
		for rows.Next() {
			it, err := scanItemRecord(rows)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, it)
			sums[it.IdentitySummaryID] = true
			keys[[2]string{string(it.AccessType), it.AccessID}] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out.Summaries, err = readSummaries(ctx, tx, `s.id IN (SELECT value FROM json_each(?))`, idList(sortedIDs(sums))); err != nil {
			return err
		}
		var refs []certsum.AccessRef
		for k := range keys {
			refs = append(refs, certsum.AccessRef{Type: certsum.DtoType(k[0]), ID: k[1]})
		}
		out.Access, err = readAccess(ctx, tx, certID, refs, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read certification changes: %w", err)
	}
	return &out, nil
}

// ReadCertificationIndex reads every certification with its version and, for certifications
// reviewed by a governance group, the group's members.
func (s *Store) ReadCertificationIndex(ctx context.Context) ([]certsum.IndexedCertification, error) {
	var out []certsum.IndexedCertification
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.version, `+sqlstore.CertSelect[len("SELECT "):])
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			c, err := sqlstore.ScanCertification(dialect{}, prefixScanner{rows, &v})
			if err != nil {
				return err
			}
			out = append(out, certsum.IndexedCertification{Certification: *c, Version: v})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		members, err := groupMembers(ctx, tx, "")
		if err != nil {
			return err
		}
		for i := range out {
			if r := out[i].Certification.Reviewer; r.Type == certsum.TypeGovernanceGroup {
				out[i].ReviewerMembers = nonNil(members[r.ID])
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read certification index: %w", s.translate(err))
	}
	return out, nil
}

// prefixScanner scans one leading column into first, then the rest with the wrapped scanner.
type prefixScanner struct {
	r     rowScanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

// readCertHead reads the certification row, its version and its reviewing group's members.
func readCertHead(ctx context.Context, tx *sql.Tx, certID string) (*certsum.CertificationSnapshot, error) {
	var v int64
	c, err := sqlstore.ScanCertification(dialect{}, prefixScanner{tx.QueryRowContext(ctx,
		`SELECT c.version, `+sqlstore.CertSelect[len("SELECT "):]+` WHERE c.id = ?`, certID), &v})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("certification %q not found", certID)
	}
	if err != nil {
		return nil, err
	}
	snap := &certsum.CertificationSnapshot{Version: v, Certification: *c}
	if c.Reviewer.Type == certsum.TypeGovernanceGroup {
		members, err := groupMembers(ctx, tx, c.Reviewer.ID)
		if err != nil {
			return nil, err
		}
		snap.ReviewerMembers = nonNil(members[c.Reviewer.ID])
	}
	return snap, nil
}

// groupMembers returns the members of one governance group, or of every group when groupID
// is empty.
func groupMembers(ctx context.Context, tx *sql.Tx, groupID string) (map[string][]string, error) {
	q := `SELECT group_id, identity_id FROM governance_group_members ORDER BY group_id, identity_id`
	var args []any
	if groupID != "" {
		q = `SELECT group_id, identity_id FROM governance_group_members WHERE group_id = ? ORDER BY identity_id`
		args = append(args, groupID)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var g, id string
		if err := rows.Scan(&g, &id); err != nil {
			return nil, err
		}
		out[g] = append(out[g], id)
	}
	return out, rows.Err()
}

// readSummaries reads identity summaries with their counters under a condition on alias s.
func readSummaries(ctx context.Context, tx *sql.Tx, cond string, arg any) ([]certsum.SummaryRecord, error) {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.name, s.identity_id, s.completed, `+summaryCounters+`
		FROM identity_summaries s WHERE `+cond, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certsum.SummaryRecord
	for rows.Next() {
		var r certsum.SummaryRecord
		var t tally
		dest := append([]any{&r.Summary.ID, &r.Summary.Name, &r.Summary.IdentityID, &r.Summary.Completed}, sqlstore.ScanTally(&t)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Counts = *t.Summary()
		out = append(out, r)
	}
	return out, rows.Err()
}

// readAccess reads the certification's distinct access items (all of them, or those in
// refs), with their details when withDetails is set. Accounts have no access summary rows:
// the full read derives them from the review items; refs never name them.
func readAccess(ctx context.Context, tx *sql.Tx, certID string, refs []certsum.AccessRef, withDetails bool) ([]certsum.AccessRecord, error) {
	q := `SELECT a.access_type, a.access_id, a.name, a.ent_source_name, a.ap_source_name, a.items_total, a.items_decided
		FROM access_summaries a WHERE a.cert_key = (SELECT key FROM certifications WHERE id = ?) AND a.access_type != 'ACCOUNT'`
	args := []any{certID}
	if refs != nil {
		byType := map[certsum.DtoType][]string{}
		for _, r := range refs {
			byType[r.Type] = append(byType[r.Type], r.ID)
		}
		q += ` AND (a.access_type = 'ENTITLEMENT' AND a.access_id IN (SELECT value FROM json_each(?))
			OR a.access_type = 'ACCESS_PROFILE' AND a.access_id IN (SELECT value FROM json_each(?))
			OR a.access_type = 'ROLE' AND a.access_id IN (SELECT value FROM json_each(?)))`
		args = append(args, idList(byType[certsum.TypeEntitlement]), idList(byType[certsum.TypeAccessProfile]),
			idList(byType[certsum.TypeRole]))
	} else {
		q += ` UNION ALL SELECT 'ACCOUNT', i.access_id, MIN(i.access_name), NULL, NULL, COUNT(*), COUNT(i.decision)
			FROM review_items i WHERE i.cert_key = (SELECT key FROM certifications WHERE id = ?) AND i.access_type = 'ACCOUNT' GROUP BY i.access_id`
		args = append(args, certID)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []certsum.AccessRecord
	var items []sqlstore.AccessItem
	for rows.Next() {
		var r certsum.AccessRecord
		var ai sqlstore.AccessItem
		if err := rows.Scan(&ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name, &r.EntitlementSourceName, &r.AccessProfileSourceName, &r.Total, &r.Decided); err != nil {
			_ = rows.Close()
			return nil, err
		}
		r.Summary.Access = ai.Ref
		out = append(out, r)
		items = append(items, ai)
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return nil, err
	}
	_ = rows.Close()
	if !withDetails {
		return out, nil
	}
	d, err := sqlstore.LoadDetails(ctx, sqlQuerier{tx}, dialect{}, items)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Summary = d.Summary(items[i])
	}
	return out, nil
}

// readChangesItems reads review items of one certification by their ids. The unary + keeps
// the planner off the certification's index, which would visit every item of it.
const readChangesItems = itemRecordSelect + ` WHERE i.id IN (SELECT value FROM json_each(?))
	AND +i.cert_key = (SELECT key FROM certifications WHERE id = ?)`

// itemRecordSelect reads review items as certsum.ItemRecord (see scanItemRecord).
const itemRecordSelect = `SELECT i.id, i.identity_summary_id, i.access_type, i.access_id, i.account_id,
	i.new_access, i.decision, i.comments FROM review_item_rows i`

func scanItemRecord(r rowScanner) (certsum.ItemRecord, error) {
	var it certsum.ItemRecord
	var decision sql.NullString
	err := r.Scan(&it.ID, &it.IdentitySummaryID, &it.AccessType, &it.AccessID, nullStr{&it.AccountID},
		&it.NewAccess, &decision, &it.Comments)
	it.Decision = certsum.Decision(decision.String)
	return it, err
}

// streamItems calls fn for every review item of the certification, which has about n of
// them, and returns the ids of the accounts they name. Items are read from the table itself,
// naming identity summaries through a map of their keys instead of a join per row; when the
// certification's items fill most of a run of row keys (a certification loaded in bulk),
// that run is read in key order, which is several times faster than visiting the rows in
// index order.
func streamItems(ctx context.Context, tx *sql.Tx, certID string, n int, fn func(certsum.ItemRecord) error) ([]string, error) {
	var certKey int64
	if err := tx.QueryRowContext(ctx, `SELECT key FROM certifications WHERE id = ?`, certID).Scan(&certKey); err != nil {
		return nil, err
	}
	summaryIDs := map[int64]string{}
	krows, err := tx.QueryContext(ctx, `SELECT key, id FROM identity_summaries WHERE cert_key = ?`, certKey)
	if err != nil {
		return nil, err
	}
	for krows.Next() {
		var k int64
		var id string
		if err := krows.Scan(&k, &id); err != nil {
			_ = krows.Close()
			return nil, err
		}
		summaryIDs[k] = id
	}
	if err := krows.Close(); err != nil {
		return nil, err
	}
	const cols = `SELECT r.id, r.summary_key, r.access_type, r.access_id, r.account_id, r.new_access, r.decision, r.comments`
	q, args := cols+` FROM review_items r WHERE r.cert_key = ?`, []any{certKey}
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(key), max(key) FROM review_items WHERE cert_key = ?`, certKey).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	if lo.Valid && hi.Int64-lo.Int64+1 <= 2*int64(max(n, 1)) {
		q, args = cols+` FROM review_items r NOT INDEXED WHERE r.key BETWEEN ? AND ? AND r.cert_key = ?`, []any{lo.Int64, hi.Int64, certKey}
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]struct{}{}
	var accounts []string
	for rows.Next() {
		var it certsum.ItemRecord
		var summaryKey int64
		var decision sql.NullString
		if err := rows.Scan(&it.ID, &summaryKey, &it.AccessType, &it.AccessID, nullStr{&it.AccountID},
			&it.NewAccess, &decision, &it.Comments); err != nil {
			return nil, err
		}
		it.Decision = certsum.Decision(decision.String)
		it.IdentitySummaryID = summaryIDs[summaryKey]
		if it.AccountID != "" {
			if _, ok := seen[it.AccountID]; !ok {
				seen[it.AccountID] = struct{}{}
				accounts = append(accounts, it.AccountID)
			}
		}
		if err := fn(it); err != nil {
			return nil, err
		}
	}
	return accounts, rows.Err()
}

// OpenChangeMark returns the database's change mark. It reads the header of the wal-index
// (see walIndex): two equal reads prove that no connection of any process committed in
// between, for the cost of a few memory loads. Where the header cannot be mapped it reads
// PRAGMA data_version on a connection of its own that never writes, whose value changes
// whenever any other connection — this process's writer or another process — commits. A
// private in-memory database has a single connection that also writes, so it gets no
// change mark (nil).
func (s *Store) OpenChangeMark(ctx context.Context) (certsum.ChangeMark, error) {
	if s.read == s.write {
		return nil, nil
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open change mark: %w", s.translate(err))
	}
	stmt, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("open change mark: %w", s.translate(err))
	}
	d := &dataVersion{conn: conn, stmt: stmt}
	// The first read maps this connection's wal-index, which stays open with it.
	if _, err := d.pragma(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	var mode, path string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err == nil && mode == "wal" {
		if err := conn.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err == nil && path != "" {
			shm, err := s.shmFile(path)
			if err == nil {
				d.idx, err = openWALIndex(path, shm)
			}
			if err != nil {
				s.log.Warn("cannot read the wal-index; the change mark reads PRAGMA data_version", "err", err)
			}
		}
	}
	return d, nil
}

// dataVersion is a certsum.ChangeMark on one dedicated read connection, and on the
// wal-index header when it could be mapped.
type dataVersion struct {
	mu   sync.Mutex
	conn *sql.Conn
	stmt *sql.Stmt
	idx  *walIndex // nil: every mark reads PRAGMA data_version

	hdr  [walHeaderWords]uint32 // the wal-index header at the last mark
	seen bool                   // hdr holds one
	mark uint64
}

// Mark returns the change mark. With the wal-index it is a counter that moves whenever the
// header differs from the last mark's (or could not be read consistently); otherwise it is
// PRAGMA data_version, whose read transaction sees every transaction committed before it
// began.
func (d *dataVersion) Mark(ctx context.Context) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return 0, certsum.Errorf(certsum.CodeUnavailable, "the change mark is closed")
	}
	if d.idx == nil {
		return d.pragma(ctx)
	}
	h, ok := d.idx.header()
	if ok && d.seen && h == d.hdr {
		return d.mark, nil
	}
	d.hdr, d.seen = h, ok
	d.mark++
	return d.mark, nil
}

// pragma reads PRAGMA data_version.
func (d *dataVersion) pragma(ctx context.Context) (uint64, error) {
	var v int64
	if err := d.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("change mark: %w", classify(err))
	}
	return uint64(v), nil
}

// Close unmaps the wal-index and returns the connection to the pool.
func (d *dataVersion) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	var errs []error
	if d.idx != nil {
		errs = append(errs, d.idx.close())
	}
	errs = append(errs, d.stmt.Close(), d.conn.Close())
	d.conn, d.stmt, d.idx = nil, nil, nil
	return errors.Join(errs...)
}
