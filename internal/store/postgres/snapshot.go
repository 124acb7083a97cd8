package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// This file implements certsum.SnapshotReader: the bulk reads of the in-memory read model
// (internal/readmodel). PostgreSQL offers it no change mark (a WAL position advances before
// the commit it records becomes visible, so equal positions would not prove that nothing
// was committed in between); the model proves itself current with a version read instead.

var _ certsum.SnapshotReader = (*Store)(nil)

// OpenChangeMark returns nil: PostgreSQL has no change mark that proves an absence of commits
// cheaply, so the read model checks the certification's version on every read.
func (s *Store) OpenChangeMark(context.Context) (certsum.ChangeMark, error) { return nil, nil }

// prefixScanner scans one leading column into first, then the rest with the wrapped scanner.
type prefixScanner struct {
	r     rowScanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

// readCertHead reads the certification row, its version and its reviewing group's members.
func readCertHead(ctx context.Context, tx pgx.Tx, certID string) (*certsum.CertificationSnapshot, error) {
	var v int64
	c, err := sqlstore.ScanCertification(dialect{}, prefixScanner{tx.QueryRow(ctx,
		`SELECT c.version, `+sqlstore.CertSelect[len("SELECT "):]+` WHERE c.id = $1`, certID), &v})
	if errors.Is(err, pgx.ErrNoRows) {
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
		snap.ReviewerMembers = nonNilStrings(members[c.Reviewer.ID])
	}
	return snap, nil
}

// groupMembers returns the members of one governance group, or of every group when groupID
// is empty.
func groupMembers(ctx context.Context, tx pgx.Tx, groupID string) (map[string][]string, error) {
	q := `SELECT group_id, identity_id FROM governance_group_members ORDER BY group_id, identity_id`
	var args []any
	if groupID != "" {
		q = `SELECT group_id, identity_id FROM governance_group_members WHERE group_id = $1 ORDER BY identity_id`
		args = append(args, groupID)
	}
	rows, err := tx.Query(ctx, q, args...)
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

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// readSummaries reads identity summaries with their counters under a condition on alias s
// with one argument.
func readSummaries(ctx context.Context, tx pgx.Tx, cond string, arg any) ([]certsum.SummaryRecord, error) {
	rows, err := tx.Query(ctx, `SELECT s.id, s.name, s.identity_id, s.completed, `+sqlstore.CounterList("s")+`
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
// the full read derives them from the review items; refs never need them.
func readAccess(ctx context.Context, tx pgx.Tx, certID string, refs []certsum.AccessRef, withDetails bool) ([]certsum.AccessRecord, error) {
	q := `SELECT a.access_type, a.access_id, a.name, a.ent_source_name, a.ap_source_name, a.items_total, a.items_decided
		FROM access_summaries a WHERE a.cert_id = $1 AND a.access_type <> 'ACCOUNT'`
	args := []any{certID}
	if refs != nil {
		byType := map[certsum.DtoType][]string{}
		for _, r := range refs {
			byType[r.Type] = append(byType[r.Type], r.ID)
		}
		q += ` AND (a.access_type = 'ENTITLEMENT' AND a.access_id = ANY($2)
			OR a.access_type = 'ACCESS_PROFILE' AND a.access_id = ANY($3)
			OR a.access_type = 'ROLE' AND a.access_id = ANY($4))`
		args = append(args, strs(byType[certsum.TypeEntitlement]), strs(byType[certsum.TypeAccessProfile]),
			strs(byType[certsum.TypeRole]))
	}
	var out []certsum.AccessRecord
	var items []sqlstore.AccessItem
	scan := func(q string, args ...any) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r certsum.AccessRecord
			var ai sqlstore.AccessItem
			if err := rows.Scan(&ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name, &r.EntitlementSourceName, &r.AccessProfileSourceName,
				&r.Total, &r.Decided); err != nil {
				return err
			}
			r.Summary.Access = ai.Ref
			out = append(out, r)
			items = append(items, ai)
		}
		return rows.Err()
	}
	if err := scan(q, args...); err != nil {
		return nil, err
	}
	if refs == nil {
		if err := scan(`SELECT 'ACCOUNT', i.access_id, MIN(i.access_name), NULL::text, NULL::text,
				COUNT(*)::integer, COUNT(i.decision)::integer
			FROM review_items i WHERE i.cert_id = $1 AND i.access_type = 'ACCOUNT' GROUP BY i.access_id`, certID); err != nil {
			return nil, err
		}
	}
	if !withDetails {
		return out, nil
	}
	d, err := sqlstore.LoadDetails(ctx, pgQuerier{tx}, dialect{}, items)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Summary = d.Summary(items[i])
	}
	return out, nil
}

// itemRecordSelect reads review items as certsum.ItemRecord (see scanItemRecord).
const itemRecordSelect = `SELECT i.id, i.identity_summary_id, i.access_type, i.access_id, i.account_id,
	i.new_access, i.decision, i.comments FROM review_items i`

func scanItemRecord(r rowScanner) (certsum.ItemRecord, error) {
	var it certsum.ItemRecord
	var account, decision *string
	err := r.Scan(&it.ID, &it.IdentitySummaryID, &it.AccessType, &it.AccessID, &account,
		&it.NewAccess, &decision, &it.Comments)
	if account != nil {
		it.AccountID = *account
	}
	if decision != nil {
		it.Decision = certsum.Decision(*decision)
	}
	return it, err
}

// StreamItems calls fn for every review item of the certification (sqlstore.ItemStreamer).
func (backend) StreamItems(ctx context.Context, q sqlstore.Querier, cert any, _ int, fn func(certsum.ItemRecord) error) error {
	rows, err := q.Query(ctx, sqlstore.ItemRecordSelect(dialect{})+` WHERE i.cert_id = $1`, cert)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		it, err := sqlstore.ScanItemRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}
