package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// AccessItem is one access item to describe: its reference, and for an entitlement review
// item the account through which the identity holds it ("" for none, and always "" for the
// distinct access items of an access summary).
type AccessItem struct {
	Ref       certsum.AccessRef
	AccountID string
}

// Details holds the inventory objects behind a page of access items, loaded with one query
// per kind however long the page is.
type Details struct {
	ents     map[string]certsum.ReviewableEntitlement
	aps      map[string]certsum.ReviewableAccessProfile
	roles    map[string]certsum.ReviewableRole
	accounts map[string]certsum.EntitlementAccount
}

// LoadDetails reads the entitlements, access profiles (with their entitlements), roles
// (with their access profiles and entitlements) and accounts that items refer to.
func LoadDetails(ctx context.Context, q Querier, dl Dialect, items []AccessItem) (*Details, error) {
	d := &Details{
		ents:     map[string]certsum.ReviewableEntitlement{},
		aps:      map[string]certsum.ReviewableAccessProfile{},
		roles:    map[string]certsum.ReviewableRole{},
		accounts: map[string]certsum.EntitlementAccount{},
	}
	var roleIDs, apIDs, entIDs, accountIDs []string
	for _, it := range items {
		switch it.Ref.Type {
		case certsum.TypeRole:
			roleIDs = append(roleIDs, it.Ref.ID)
		case certsum.TypeAccessProfile:
			apIDs = append(apIDs, it.Ref.ID)
		case certsum.TypeEntitlement:
			entIDs = append(entIDs, it.Ref.ID)
		}
		if it.AccountID != "" {
			accountIDs = append(accountIDs, it.AccountID)
		}
	}
	roleAPs, err := links(ctx, q, dl, `SELECT role_id, access_profile_id FROM role_access_profiles
		WHERE `+dl.AnyOf("role_id", dl.Param(1))+` ORDER BY role_id, ord`, roleIDs)
	if err != nil {
		return nil, err
	}
	roleEnts, err := links(ctx, q, dl, `SELECT role_id, entitlement_id FROM role_entitlements
		WHERE `+dl.AnyOf("role_id", dl.Param(1))+` ORDER BY role_id, ord`, roleIDs)
	if err != nil {
		return nil, err
	}
	for _, ids := range roleAPs {
		apIDs = append(apIDs, ids...)
	}
	for _, ids := range roleEnts {
		entIDs = append(entIDs, ids...)
	}
	apEnts, err := links(ctx, q, dl, `SELECT access_profile_id, entitlement_id FROM access_profile_entitlements
		WHERE `+dl.AnyOf("access_profile_id", dl.Param(1))+` ORDER BY access_profile_id, ord`, apIDs)
	if err != nil {
		return nil, err
	}
	for _, ids := range apEnts {
		entIDs = append(entIDs, ids...)
	}
	if err := d.loadEntitlements(ctx, q, dl, entIDs); err != nil {
		return nil, err
	}
	if err := d.loadAccessProfiles(ctx, q, dl, apIDs, apEnts); err != nil {
		return nil, err
	}
	if err := d.loadRoles(ctx, q, dl, roleIDs, roleAPs, roleEnts); err != nil {
		return nil, err
	}
	if err := d.loadAccounts(ctx, q, dl, accountIDs); err != nil {
		return nil, err
	}
	return d, nil
}

// links reads (parent, child) pairs, keeping their stored order.
func links(ctx context.Context, q Querier, dl Dialect, stmt string, parents []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(parents) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, stmt, dl.IDs(parents))
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

func (d *Details) loadEntitlements(ctx context.Context, q Querier, dl Dialect, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.name, e.description, e.privileged, e.owner_id, o.name, o.email,
			e.attribute_name, e.attribute_value, e.source_schema_object_type, src.name, src.type, src.id,
			`+dl.JSONArrayLength("e.permissions")+` > 0, e.is_permission, e.revocable, e.cloud_governed, e.data_access
		FROM entitlements e
		JOIN sources src ON src.id = e.source_id
		LEFT JOIN identities o ON o.id = e.owner_id
		WHERE `+dl.AnyOf("e.id", dl.Param(1)), dl.IDs(ids))
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
			&e.HasPermissions, &e.IsPermission, &e.Revocable, &e.CloudGoverned, dl.JSON(&da)); err != nil {
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
func (d *Details) entitlementsOf(ids []string) []certsum.ReviewableEntitlement {
	out := make([]certsum.ReviewableEntitlement, 0, len(ids))
	for _, id := range ids {
		if e, ok := d.ents[id]; ok {
			out = append(out, e)
		}
	}
	return out
}

func (d *Details) loadAccessProfiles(ctx context.Context, q Querier, dl Dialect, ids []string, ents map[string][]string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.name, a.description, a.privileged, a.cloud_governed,
			a.owner_id, o.name, o.email, a.created, a.modified
		FROM access_profiles a
		LEFT JOIN identities o ON o.id = a.owner_id
		WHERE `+dl.AnyOf("a.id", dl.Param(1)), dl.IDs(ids))
	if err != nil {
		return fmt.Errorf("load access profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a certsum.ReviewableAccessProfile
		var ownerID, ownerName, ownerEmail *string
		if err := rows.Scan(&a.ID, &a.Name, &a.Description, &a.Privileged, &a.CloudGoverned,
			&ownerID, &ownerName, &ownerEmail, dl.Time(&a.Created), dl.Time(&a.Modified)); err != nil {
			return fmt.Errorf("load access profiles: %w", err)
		}
		a.Owner = ownerRef(ownerID, ownerName, ownerEmail)
		a.Entitlements = d.entitlementsOf(ents[a.ID])
		d.aps[a.ID] = a
	}
	return rows.Err()
}

func (d *Details) loadRoles(ctx context.Context, q Querier, dl Dialect, ids []string, aps, ents map[string][]string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.description, r.privileged, r.revocable,
			r.owner_id, o.name, o.email
		FROM roles r
		LEFT JOIN identities o ON o.id = r.owner_id
		WHERE `+dl.AnyOf("r.id", dl.Param(1)), dl.IDs(ids))
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

// LoadAccounts reads the accounts with these ids, keyed by id, as entitlement items show
// them.
func LoadAccounts(ctx context.Context, q Querier, dl Dialect, ids []string) (map[string]certsum.EntitlementAccount, error) {
	d := &Details{accounts: map[string]certsum.EntitlementAccount{}}
	if err := d.loadAccounts(ctx, q, dl, ids); err != nil {
		return nil, err
	}
	return d.accounts, nil
}

func (d *Details) loadAccounts(ctx context.Context, q Querier, dl Dialect, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.native_identity, a.name, a.disabled, a.locked,
			a.created, a.modified, a.usage_days, a.identity_id, i.name
		FROM accounts a
		JOIN identities i ON i.id = a.identity_id
		WHERE `+dl.AnyOf("a.id", dl.Param(1)), dl.IDs(ids))
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
			dl.Time(&created), dl.Time(&modified), &usage, &ownerID, &ownerName); err != nil {
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

// Summary builds the AccessSummary of one access item: the reference plus exactly the
// object matching its type (none for accounts). An entitlement carries the account through
// which the identity holds it, or null.
func (d *Details) Summary(it AccessItem) certsum.AccessSummary {
	out := certsum.AccessSummary{Access: it.Ref}
	switch it.Ref.Type {
	case certsum.TypeEntitlement:
		if e, ok := d.ents[it.Ref.ID]; ok {
			if a, ok := d.accounts[it.AccountID]; ok && it.AccountID != "" {
				e.Account = &a
			}
			out.Entitlement = &e
		}
	case certsum.TypeAccessProfile:
		if a, ok := d.aps[it.Ref.ID]; ok {
			out.AccessProfile = &a
		}
	case certsum.TypeRole:
		if r, ok := d.roles[it.Ref.ID]; ok {
			out.Role = &r
		}
	}
	return out
}
