package postgres

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// accessItem is one access item to describe: its reference, and for an entitlement review
// item the account through which the identity holds it ("" for none, and always "" for the
// distinct access items of an access summary).
type accessItem struct {
	ref       certsum.AccessRef
	accountID string
}

// details holds the inventory objects behind a page of access items, loaded with one query
// per kind however long the page is.
type details struct {
	ents     map[string]certsum.ReviewableEntitlement
	aps      map[string]certsum.ReviewableAccessProfile
	roles    map[string]certsum.ReviewableRole
	accounts map[string]certsum.EntitlementAccount
}

// loadDetails reads the entitlements, access profiles (with their entitlements), roles
// (with their access profiles and entitlements) and accounts that items refer to.
func loadDetails(ctx context.Context, q querier, items []accessItem) (*details, error) {
	d := &details{
		ents:     map[string]certsum.ReviewableEntitlement{},
		aps:      map[string]certsum.ReviewableAccessProfile{},
		roles:    map[string]certsum.ReviewableRole{},
		accounts: map[string]certsum.EntitlementAccount{},
	}
	var roleIDs, apIDs, entIDs, accountIDs []string
	for _, it := range items {
		switch it.ref.Type {
		case certsum.TypeRole:
			roleIDs = append(roleIDs, it.ref.ID)
		case certsum.TypeAccessProfile:
			apIDs = append(apIDs, it.ref.ID)
		case certsum.TypeEntitlement:
			entIDs = append(entIDs, it.ref.ID)
		}
		if it.accountID != "" {
			accountIDs = append(accountIDs, it.accountID)
		}
	}
	roleAPs, err := links(ctx, q, `SELECT role_id, access_profile_id FROM role_access_profiles
		WHERE role_id = ANY($1) ORDER BY role_id, ord`, roleIDs)
	if err != nil {
		return nil, err
	}
	roleEnts, err := links(ctx, q, `SELECT role_id, entitlement_id FROM role_entitlements
		WHERE role_id = ANY($1) ORDER BY role_id, ord`, roleIDs)
	if err != nil {
		return nil, err
	}
	for _, ids := range roleAPs {
		apIDs = append(apIDs, ids...)
	}
	for _, ids := range roleEnts {
		entIDs = append(entIDs, ids...)
	}
	apEnts, err := links(ctx, q, `SELECT access_profile_id, entitlement_id FROM access_profile_entitlements
		WHERE access_profile_id = ANY($1) ORDER BY access_profile_id, ord`, apIDs)
	if err != nil {
		return nil, err
	}
	for _, ids := range apEnts {
		entIDs = append(entIDs, ids...)
	}
	if err := d.loadEntitlements(ctx, q, entIDs); err != nil {
		return nil, err
	}
	if err := d.loadAccessProfiles(ctx, q, apIDs, apEnts); err != nil {
		return nil, err
	}
	if err := d.loadRoles(ctx, q, roleIDs, roleAPs, roleEnts); err != nil {
		return nil, err
	}
	if err := d.loadAccounts(ctx, q, accountIDs); err != nil {
		return nil, err
	}
	return d, nil
}

// links reads (parent, child) pairs, keeping their stored order.
func links(ctx context.Context, q querier, stmt string, parents []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(parents) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, stmt, parents)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p, c string
		if err := rows.Scan(&p, &c); err != nil {
			return nil, err
		}
		out[p] = append(out[p], c)
	}
	return out, rows.Err()
}

// ownerRef builds an owner reference from a LEFT JOIN of identities (nil when unowned).
func ownerRef(id, name, email *string) *certsum.IdentityReference {
	if id == nil {
		return nil
	}
	ref := &certsum.IdentityReference{Type: certsum.TypeIdentity, ID: *id, Email: email}
	if name != nil {
		ref.Name = *name
	}
	return ref
}

func (d *details) loadEntitlements(ctx context.Context, q querier, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.name, e.description, e.privileged, e.owner_id, o.name, o.email,
			e.attribute_name, e.attribute_value, e.source_schema_object_type, src.name, src.type, src.id,
			jsonb_array_length(e.permissions) > 0, e.is_permission, e.revocable, e.cloud_governed, e.data_access
		FROM entitlements e
		JOIN sources src ON src.id = e.source_id
		LEFT JOIN identities o ON o.id = e.owner_id
		WHERE e.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("load entitlements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e certsum.ReviewableEntitlement
		var ownerID, ownerName, ownerEmail *string
		var da *certsum.DataAccess
		if err := rows.Scan(&e.ID, &e.Name, &e.Description, &e.Privileged, &ownerID, &ownerName, &ownerEmail,
			&e.AttributeName, &e.AttributeValue, &e.SourceSchemaObjectType, &e.SourceName, &e.SourceType, &e.SourceID,
			&e.HasPermissions, &e.IsPermission, &e.Revocable, &e.CloudGoverned, &da); err != nil {
			return fmt.Errorf("load entitlements: %w", err)
		}
		e.Owner = ownerRef(ownerID, ownerName, ownerEmail)
		if da != nil {
			if da.Policies == nil {
				da.Policies = []certsum.DataAccessValue{}
			}
			if da.Categories == nil {
				da.Categories = []certsum.DataAccessCategory{}
			}
		}
		e.DataAccess = da
		e.ContainsDataAccess = da != nil
		d.ents[e.ID] = e
	}
	return rows.Err()
}

// entitlementsOf returns the loaded entitlements with these ids, in order, without accounts.
func (d *details) entitlementsOf(ids []string) []certsum.ReviewableEntitlement {
	out := make([]certsum.ReviewableEntitlement, 0, len(ids))
	for _, id := range ids {
		if e, ok := d.ents[id]; ok {
			out = append(out, e)
		}
	}
	return out
}

func (d *details) loadAccessProfiles(ctx context.Context, q querier, ids []string, ents map[string][]string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.name, a.description, a.privileged, a.cloud_governed,
			a.owner_id, o.name, o.email, a.created, a.modified
		FROM access_profiles a
		LEFT JOIN identities o ON o.id = a.owner_id
		WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("load access profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a certsum.ReviewableAccessProfile
		var ownerID, ownerName, ownerEmail *string
		if err := rows.Scan(&a.ID, &a.Name, &a.Description, &a.Privileged, &a.CloudGoverned,
			&ownerID, &ownerName, &ownerEmail, timeCol{&a.Created}, timeCol{&a.Modified}); err != nil {
			return fmt.Errorf("load access profiles: %w", err)
		}
		a.Owner = ownerRef(ownerID, ownerName, ownerEmail)
		a.Entitlements = d.entitlementsOf(ents[a.ID])
		d.aps[a.ID] = a
	}
	return rows.Err()
}

func (d *details) loadRoles(ctx context.Context, q querier, ids []string, aps, ents map[string][]string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.description, r.privileged, r.revocable,
			r.owner_id, o.name, o.email
		FROM roles r
		LEFT JOIN identities o ON o.id = r.owner_id
		WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("load roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r certsum.ReviewableRole
		var ownerID, ownerName, ownerEmail *string
		if err := rows.Scan(&r.ID, &r.Name, &r.Description, &r.Privileged, &r.Revocable,
			&ownerID, &ownerName, &ownerEmail); err != nil {
			return fmt.Errorf("load roles: %w", err)
		}
		r.Owner = ownerRef(ownerID, ownerName, ownerEmail)
		r.AccessProfiles = make([]certsum.ReviewableAccessProfile, 0, len(aps[r.ID]))
		for _, id := range aps[r.ID] {
			if a, ok := d.aps[id]; ok {
				r.AccessProfiles = append(r.AccessProfiles, a)
			}
		}
		r.Entitlements = d.entitlementsOf(ents[r.ID])
		d.roles[r.ID] = r
	}
	return rows.Err()
}

func (d *details) loadAccounts(ctx context.Context, q querier, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.native_identity, a.name, a.disabled, a.locked,
			a.created, a.modified, a.usage_days, a.identity_id, i.name
		FROM accounts a
		JOIN identities i ON i.id = a.identity_id
		WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("load accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, name, ownerID, ownerName string
			created, modified            certsum.Time
			usage                        int
			a                            = certsum.EntitlementAccount{Type: certsum.TypeAccount}
		)
		if err := rows.Scan(&id, &a.NativeIdentity, &name, &a.Disabled, &a.Locked,
			timeCol{&created}, timeCol{&modified}, &usage, &ownerID, &ownerName); err != nil {
			return fmt.Errorf("load accounts: %w", err)
		}
		a.ID, a.Name = &id, &name
		a.Created, a.Modified = &created, &modified
		insights := certsum.ActivityInsights{AccountID: id, UsageDaysState: "UNKNOWN"}
		if usage >= 0 {
			insights.UsageDays = min(usage, 90)
			insights.UsageDaysState = "COMPLETE"
		}
		a.ActivityInsights = &insights
		a.Owner = &certsum.AccountOwner{ID: &ownerID, Type: certsum.TypeIdentity, DisplayName: &ownerName}
		d.accounts[id] = a
	}
	return rows.Err()
}

// summary builds the AccessSummary of one access item: the reference plus exactly the
// object matching its type (none for accounts). An entitlement carries the account through
// which the identity holds it, or null.
func (d *details) summary(it accessItem) certsum.AccessSummary {
	out := certsum.AccessSummary{Access: it.ref}
	switch it.ref.Type {
	case certsum.TypeEntitlement:
		if e, ok := d.ents[it.ref.ID]; ok {
			if a, ok := d.accounts[it.accountID]; ok && it.accountID != "" {
				e.Account = &a
			}
			out.Entitlement = &e
		}
	case certsum.TypeAccessProfile:
		if a, ok := d.aps[it.ref.ID]; ok {
			out.AccessProfile = &a
		}
	case certsum.TypeRole:
		if r, ok := d.roles[it.ref.ID]; ok {
			out.Role = &r
		}
	}
	return out
}
