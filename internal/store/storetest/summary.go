package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// The expected wire objects of access items, built from the model.

func (m *model) owner(id string) *certsum.IdentityReference {
	if id == "" {
		return nil
	}
	i := m.identities[id]
	ref := &certsum.IdentityReference{Type: certsum.TypeIdentity, ID: id, Name: i.Name}
	if i.Email != "" {
		ref.Email = strPtr(i.Email)
	}
	return ref
}

func (m *model) wantEntitlement(id, accountID string) *certsum.ReviewableEntitlement {
	e := m.ents[id]
	src := m.sources[e.SourceID]
	out := &certsum.ReviewableEntitlement{
		ID: e.ID, Name: e.Name, Description: e.Description, Privileged: e.Privileged, Owner: m.owner(e.OwnerID),
		AttributeName: e.AttributeName, AttributeValue: e.AttributeValue, SourceSchemaObjectType: e.SourceSchemaObjectType,
		SourceName: src.Name, SourceType: src.Type, SourceID: src.ID, HasPermissions: len(e.Permissions) > 0,
		IsPermission: e.IsPermission, Revocable: e.Revocable, CloudGoverned: e.CloudGoverned,
		ContainsDataAccess: e.DataAccess != nil, DataAccess: e.DataAccess,
	}
	if accountID != "" {
		a := m.accounts[accountID]
		created := certsum.NewTime(a.Created.Time)
		modified := created
		if !a.Modified.IsZero() {
			modified = certsum.NewTime(a.Modified.Time)
		}
		insights := &certsum.ActivityInsights{AccountID: a.ID, UsageDaysState: "UNKNOWN"}
		if a.UsageDays >= 0 {
			insights.UsageDays = min(a.UsageDays, 90)
			insights.UsageDaysState = "COMPLETE"
		}
		ownerName := m.identities[a.IdentityID].Name
		out.Account = &certsum.EntitlementAccount{
			NativeIdentity: a.NativeIdentity, Disabled: a.Disabled, Locked: a.Locked, Type: certsum.TypeAccount,
			ID: strPtr(a.ID), Name: strPtr(a.Name), Created: &created, Modified: &modified, ActivityInsights: insights,
			Owner: &certsum.AccountOwner{ID: strPtr(a.IdentityID), Type: certsum.TypeIdentity, DisplayName: &ownerName},
		}
	}
	return out
}

func (m *model) wantAccessProfile(id string) *certsum.ReviewableAccessProfile {
	a := m.aps[id]
	out := &certsum.ReviewableAccessProfile{
		ID: a.ID, Name: a.Name, Description: a.Description, Privileged: a.Privileged, CloudGoverned: a.CloudGoverned,
		Owner: m.owner(a.OwnerID), Entitlements: []certsum.ReviewableEntitlement{},
		Created: certsum.NewTime(a.Created.Time), Modified: certsum.NewTime(a.Created.Time),
	}
	if !a.Modified.IsZero() {
		out.Modified = certsum.NewTime(a.Modified.Time)
	}
	for _, e := range a.EntitlementIDs {
		out.Entitlements = append(out.Entitlements, *m.wantEntitlement(e, ""))
	}
	return out
}

func (m *model) wantRole(id string) *certsum.ReviewableRole {
	r := m.roles[id]
	out := &certsum.ReviewableRole{
		ID: r.ID, Name: r.Name, Description: r.Description, Privileged: r.Privileged, Owner: m.owner(r.OwnerID),
		Revocable: r.Revocable, AccessProfiles: []certsum.ReviewableAccessProfile{}, Entitlements: []certsum.ReviewableEntitlement{},
	}
	for _, a := range r.AccessProfileIDs {
		out.AccessProfiles = append(out.AccessProfiles, *m.wantAccessProfile(a))
	}
	for _, e := range r.EntitlementIDs {
		out.Entitlements = append(out.Entitlements, *m.wantEntitlement(e, ""))
	}
	return out
}

// wantAccess returns the AccessSummary of an access item; account is the account of an
// entitlement review item ("" for access summaries).
func (m *model) wantAccess(t certsum.DtoType, id, account string) certsum.AccessSummary {
	out := certsum.AccessSummary{Access: certsum.AccessRef{Type: t, ID: id, Name: m.accessName(t, id)}}
	switch t {
	case certsum.TypeEntitlement:
		out.Entitlement = m.wantEntitlement(id, account)
	case certsum.TypeAccessProfile:
		out.AccessProfile = m.wantAccessProfile(id)
	case certsum.TypeRole:
		out.Role = m.wantRole(id)
	}
	return out
}

func testSummaries(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)

	t.Run("identity summaries read back one by one", func(t *testing.T) {
		for _, cert := range []string{certActive, certGroup, certDone} {
			for _, sid := range m.certSummaries(cert) {
				got, err := st.GetIdentitySummary(ctx, cert, sid)
				mustOK(t, err, "GetIdentitySummary")
				s := m.summaries[sid]
				want := certsum.IdentitySummary{ID: sid, Name: m.identities[s.identity].Name, IdentityID: s.identity,
					Completed: m.summaryCompleted(sid)}
				if *got != want {
					t.Errorf("GetIdentitySummary(%s, %s) = %+v, want %+v", cert, sid, *got, want)
				}
			}
		}
		_, err := st.GetIdentitySummary(ctx, certActive, m.certSummaries(certGroup)[0])
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.GetIdentitySummary(ctx, certActive, "is-ghost")
		mustCode(t, err, certsum.CodeNotFound)
	})

	t.Run("access summaries carry exactly the object of their type", func(t *testing.T) {
		for _, cert := range []string{certActive, certGroup} {
			for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
				p, err := st.ListAccessSummaries(ctx, cert, typ, all())
				mustOK(t, err, "ListAccessSummaries")
				if len(p.Items) != len(m.accessRecords(cert, typ)) {
					t.Errorf("%s %s: %d access summaries, want %d", cert, typ, len(p.Items), len(m.accessRecords(cert, typ)))
				}
				for _, a := range p.Items {
					if diff := cmp.Diff(m.wantAccess(typ, a.Access.ID, ""), a); diff != "" {
						t.Errorf("%s %s access summary %s (-want +got):\n%s", cert, typ, a.Access.ID, diff)
					}
				}
			}
		}
		for _, bad := range []certsum.DtoType{certsum.TypeAccount, "role", "", "IDENTITY"} {
			_, err := st.ListAccessSummaries(ctx, certActive, bad, all())
			mustCode(t, err, certsum.CodeInvalid)
		}
	})

	t.Run("review items carry their identity summary, decision and access details", func(t *testing.T) {
		for _, cert := range []string{certActive, certSigned} {
			items := allItems(t, st, cert)
			if len(items) != len(m.certItems(cert)) {
				t.Errorf("%s: %d items listed, want %d", cert, len(items), len(m.certItems(cert)))
			}
			for _, got := range items {
				mi := m.items[got.ID]
				if mi == nil || mi.cert != cert {
					t.Errorf("%s lists item %s, which is not its own", cert, got.ID)
					continue
				}
				s := m.summaries[mi.summary]
				want := certsum.AccessReviewItem{
					AccessSummary: m.wantAccess(mi.typ, mi.accessID, mi.accountID),
					IdentitySummary: certsum.IdentitySummary{ID: s.id, Name: m.identities[s.identity].Name, IdentityID: s.identity,
						Completed: m.summaryCompleted(s.id)},
					ID: mi.id, Completed: mi.decision != "", NewAccess: mi.newAccess, Decision: mi.decision, Comments: mi.comments,
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s item %s (-want +got):\n%s", cert, got.ID, diff)
				}
			}
		}
	})

	t.Run("the entitlements, access-profiles and roles parameters select items by access", func(t *testing.T) {
		for _, f := range []certsum.ReviewItemFilter{
			{AccessType: certsum.TypeEntitlement, AccessIDs: []string{entUsers}},
			{AccessType: certsum.TypeAccessProfile, AccessIDs: []string{"ap-sap", "ap-gh"}},
			{AccessType: certsum.TypeRole, AccessIDs: []string{}},
			{AccessType: certsum.TypeEntitlement, AccessIDs: []string{"role-eng"}},
		} {
			p, err := st.ListReviewItems(ctx, certActive, f, all())
			mustOK(t, err, "ListReviewItems")
			want := m.itemRecords(certActive, f)
			if p.Total != len(want) || len(p.Items) != len(want) {
				t.Errorf("%+v: %d items (total %d), want %d", f, len(p.Items), p.Total, len(want))
			}
			for _, it := range p.Items {
				if it.AccessSummary.Access.Type != f.AccessType || !contains(f.AccessIDs, it.AccessSummary.Access.ID) {
					t.Errorf("%+v selected %s (%s %s)", f, it.ID, it.AccessSummary.Access.Type, it.AccessSummary.Access.ID)
				}
			}
		}
		_, err := st.ListReviewItems(ctx, certActive, certsum.ReviewItemFilter{AccessType: "GROUP", AccessIDs: []string{"x"}}, all())
		mustCode(t, err, certsum.CodeInvalid)
	})
}
