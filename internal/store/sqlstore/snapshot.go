package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/certsum/certsum"
)

// This file implements the bulk reads of certsum.SnapshotReader, which the in-memory read
// model (internal/readmodel) is built from. The change mark is each backend's own.

// ItemStreamer is how a backend reads every review item of a certification for a snapshot,
// in whatever order reads them fastest.
type ItemStreamer interface {
	// StreamItems calls fn for every review item of the certification whose key is cert,
	// which has about n of them.
	StreamItems(ctx context.Context, tx Querier, cert any, n int, fn func(certsum.ItemRecord) error) error
}

// ReadCertification reads a certification's identity summaries (with counters), distinct
// access items (with details and counters), the reviewing group's members and, when items is
// not nil, every review item and the accounts they name, all in one read transaction that
// sees one snapshot. Errors: not_found.
func (c *Core[K]) ReadCertification(ctx context.Context, certID string, items func(certsum.ItemRecord) error) (*certsum.CertificationSnapshot, error) {
	var out *certsum.CertificationSnapshot
	dl := c.B
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		snap, key, err := readCertHead[K](ctx, tx, dl, certID)
		if err != nil {
			return err
		}
		if snap.Summaries, err = readSummaries(ctx, tx, dl, `s.`+dl.Keys().SummaryCert+` = `+dl.Param(1), key); err != nil {
			return err
		}
		if snap.Access, err = readAccess(ctx, tx, dl, key, nil, true); err != nil {
			return err
		}
		if items != nil {
			seen := map[string]struct{}{}
			var accounts []string
			err := c.B.StreamItems(ctx, tx, key, snap.Certification.DecisionsTotal, func(it certsum.ItemRecord) error {
				if it.AccountID != "" {
					if _, ok := seen[it.AccountID]; !ok {
						seen[it.AccountID] = struct{}{}
						accounts = append(accounts, it.AccountID)
					}
				}
				return items(it)
			})
			if err != nil {
				return err
			}
			if snap.Accounts, err = LoadAccounts(ctx, tx, dl, accounts); err != nil {
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
func (c *Core[K]) ReadChanges(ctx context.Context, certID string, itemIDs []string) (*certsum.CertificationChanges, error) {
	var out certsum.CertificationChanges
	dl := c.B
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		out = certsum.CertificationChanges{}
		head, key, err := readCertHead[K](ctx, tx, dl, certID)
		if err != nil {
			return err
		}
		out.Version, out.Certification = head.Version, head.Certification
		if len(itemIDs) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, ChangedItemsSelect(dl), dl.IDs(itemIDs), key)
		if err != nil {
			return err
		}
		defer rows.Close()
		sums := map[string]bool{}
		var refs []certsum.AccessRef
		seen := map[certsum.AccessRef]bool{}
		for rows.Next() {
			it, err := ScanItemRecord(rows)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, it)
			sums[it.IdentitySummaryID] = true
			if ref := (certsum.AccessRef{Type: it.AccessType, ID: it.AccessID}); !seen[ref] {
				seen[ref] = true
				refs = append(refs, ref)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ids := make([]string, 0, len(sums))
		for id := range sums {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if out.Summaries, err = readSummaries(ctx, tx, dl, dl.AnyOf("s.id", dl.Param(1)), dl.IDs(ids)); err != nil {
			return err
		}
		out.Access, err = readAccess(ctx, tx, dl, key, refs, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read certification changes: %w", err)
	}
	return &out, nil
}

// ReadCertificationIndex reads every certification with its version and, for certifications
// reviewed by a governance group, the group's members.
func (c *Core[K]) ReadCertificationIndex(ctx context.Context) ([]certsum.IndexedCertification, error) {
	var out []certsum.IndexedCertification
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT c.version, `+CertSelect[len("SELECT "):])
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			cert, err := ScanCertification(c.B, prefixScanner{rows, &v})
			if err != nil {
				return err
			}
			out = append(out, certsum.IndexedCertification{Certification: *cert, Version: v})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		members, err := groupMembers(ctx, tx, c.B, "")
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
		return nil, fmt.Errorf("read certification index: %w", err)
	}
	return out, nil
}

// prefixScanner scans one leading column into first, then the rest with the wrapped scanner.
type prefixScanner struct {
	r     Scanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// readCertHead reads the certification row, its version and its reviewing group's members,
// and returns its key.
func readCertHead[K Key](ctx context.Context, tx Querier, dl Dialect, certID string) (*certsum.CertificationSnapshot, K, error) {
	var v int64
	var key K
	rows, err := tx.Query(ctx, `SELECT c.version, c.`+dl.Keys().Cert+`, `+CertSelect[len("SELECT "):]+` WHERE c.id = `+dl.Param(1), certID)
	if err != nil {
		return nil, key, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, key, err
		}
		return nil, key, certsum.NotFoundf("certification %q not found", certID)
	}
	c, err := ScanCertification(dl, prefixScanner{prefixScanner{rows, &v}, &key})
	if err != nil {
		return nil, key, err
	}
	rows.Close()
	snap := &certsum.CertificationSnapshot{Version: v, Certification: *c}
	if c.Reviewer.Type == certsum.TypeGovernanceGroup {
		members, err := groupMembers(ctx, tx, dl, c.Reviewer.ID)
		if err != nil {
			return nil, key, err
		}
		snap.ReviewerMembers = nonNil(members[c.Reviewer.ID])
	}
	return snap, key, nil
}

// groupMembers returns the members of one governance group, or of every group when groupID
// is empty.
func groupMembers(ctx context.Context, tx Querier, dl Dialect, groupID string) (map[string][]string, error) {
	q := `SELECT group_id, identity_id FROM governance_group_members ORDER BY group_id, identity_id`
	var args []any
	if groupID != "" {
		q = `SELECT group_id, identity_id FROM governance_group_members WHERE group_id = ` + dl.Param(1) + ` ORDER BY identity_id`
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

// readSummaries reads identity summaries with their counters under a condition on alias s
// with one argument.
func readSummaries(ctx context.Context, tx Querier, dl Dialect, cond string, arg any) ([]certsum.SummaryRecord, error) {
	rows, err := tx.Query(ctx, `SELECT s.id, s.name, s.identity_id, s.completed, `+CounterList("s")+`
		FROM identity_summaries s WHERE `+cond, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certsum.SummaryRecord
	for rows.Next() {
		var r certsum.SummaryRecord
		var t certsum.Tally
		dest := append([]any{&r.Summary.ID, &r.Summary.Name, &r.Summary.IdentityID, &r.Summary.Completed}, ScanTally(&t)...)
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
func readAccess(ctx context.Context, tx Querier, dl Dialect, key any, refs []certsum.AccessRef, withDetails bool) ([]certsum.AccessRecord, error) {
	k := dl.Keys()
	q := `SELECT a.access_type, a.access_id, a.name, a.ent_source_name, a.ap_source_name, a.items_total, a.items_decided
		FROM access_summaries a WHERE a.` + k.AccessCert + ` = ` + dl.Param(1) + ` AND a.access_type <> 'ACCOUNT'`
	args := []any{key}
	if refs != nil {
		byType := map[certsum.DtoType][]string{}
		for _, r := range refs {
			byType[r.Type] = append(byType[r.Type], r.ID)
		}
		q += ` AND (a.access_type = 'ENTITLEMENT' AND ` + dl.AnyOf("a.access_id", dl.Param(2)) + `
			OR a.access_type = 'ACCESS_PROFILE' AND ` + dl.AnyOf("a.access_id", dl.Param(3)) + `
			OR a.access_type = 'ROLE' AND ` + dl.AnyOf("a.access_id", dl.Param(4)) + `)`
		args = append(args, dl.IDs(byType[certsum.TypeEntitlement]), dl.IDs(byType[certsum.TypeAccessProfile]),
			dl.IDs(byType[certsum.TypeRole]))
	} else {
		q += ` UNION ALL SELECT 'ACCOUNT', i.access_id, MIN(i.access_name), NULL, NULL, ` + dl.Int("COUNT(*)") + `, ` + dl.Int("COUNT(i.decision)") + `
			FROM review_items i WHERE i.` + k.ItemCert + ` = ` + dl.Param(2) + ` AND i.access_type = 'ACCOUNT' GROUP BY i.access_id`
		args = append(args, key)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certsum.AccessRecord
	var items []AccessItem
	for rows.Next() {
		var r certsum.AccessRecord
		var ai AccessItem
		if err := rows.Scan(&ai.Ref.Type, &ai.Ref.ID, &ai.Ref.Name, &r.EntitlementSourceName, &r.AccessProfileSourceName,
			&r.Total, &r.Decided); err != nil {
			return nil, err
		}
		r.Summary.Access = ai.Ref
		out = append(out, r)
		items = append(items, ai)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if !withDetails {
		return out, nil
	}
	d, err := LoadDetails(ctx, tx, dl, items)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Summary = d.Summary(items[i])
	}
	return out, nil
}

// ChangedItemsSelect reads the review items of one certification by their ids (the first
// argument) and the certification's key (the second). The certification key term is
// Unindexed: its index would visit every item of the certification.
func ChangedItemsSelect(dl Dialect) string {
	return ItemRecordSelect(dl) + ` WHERE ` + dl.AnyOf("i.id", dl.Param(1)) + ` AND ` + dl.Unindexed("i."+dl.Keys().ItemCert) + ` = ` + dl.Param(2)
}

// ItemRecordSelect reads review items as certsum.ItemRecord (see ScanItemRecord) under
// alias i.
func ItemRecordSelect(dl Dialect) string {
	return `SELECT i.id, i.identity_summary_id, i.access_type, i.access_id, i.account_id,
	i.new_access, i.decision, i.comments FROM ` + dl.Keys().ItemRows + ` i`
}

// ScanItemRecord reads a row of ItemRecordSelect.
func ScanItemRecord(r Scanner) (certsum.ItemRecord, error) {
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
