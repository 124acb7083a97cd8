package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func testPermissions(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)
	byAccess := func(cert string, typ certsum.DtoType, id string) string {
		for _, it := range m.certItems(cert) {
			if it.typ == typ && (id == "" || it.accessID == id) {
				return it.id
			}
		}
		t.Fatalf("suite bug: no %s %s item in %s", typ, id, cert)
		return ""
	}

	t.Run("an entitlement item lists its entitlement's permissions in stored order", func(t *testing.T) {
		p, err := st.ListItemPermissions(ctx, certActive, byAccess(certActive, certsum.TypeEntitlement, entAdmins), all())
		mustOK(t, err, "ListItemPermissions")
		want := m.ents[entAdmins].Permissions
		// Default order is by target (byte-wise), then stored position.
		wantSorted := []certsum.Permission{want[5], want[0], want[4], want[2], want[3], want[1]}
		if diff := cmp.Diff(wantSorted, p.Items); diff != "" {
			t.Errorf("permissions (-want +got):\n%s", diff)
		}
		if p.Total != len(want) {
			t.Errorf("Total = %d, want %d", p.Total, len(want))
		}
	})

	t.Run("other items have no permissions", func(t *testing.T) {
		for _, id := range []string{
			byAccess(certActive, certsum.TypeEntitlement, entUsers),
			byAccess(certActive, certsum.TypeRole, ""),
			byAccess(certActive, certsum.TypeAccount, ""),
		} {
			p, err := st.ListItemPermissions(ctx, certActive, id, all())
			mustOK(t, err, "ListItemPermissions")
			if len(p.Items) != 0 || p.Total != 0 || p.Items == nil {
				t.Errorf("item %s: %d permissions (total %d, nil %t), want an empty list", id, len(p.Items), p.Total, p.Items == nil)
			}
		}
	})

	t.Run("an item of another certification is not found", func(t *testing.T) {
		_, err := st.ListItemPermissions(ctx, certActive, m.certItems(certGroup)[0].id, all())
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListItemPermissions(ctx, certActive, "it-ghost", all())
		mustCode(t, err, certsum.CodeNotFound)
	})
}

func testCampaigns(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)

	t.Run("a campaign reads back whole with its certification counters", func(t *testing.T) {
		for id, k := range m.campaigns {
			got, err := st.GetCampaign(ctx, id)
			mustOK(t, err, "GetCampaign")
			want := k.c
			want.Created, want.Modified = certsum.NewTime(want.Created.Time), certsum.NewTime(want.Modified.Time)
			if want.Deadline != nil {
				want.Deadline = certsum.TimePtr(want.Deadline.Time)
			}
			if want.Alerts == nil {
				want.Alerts = []certsum.CampaignAlert{}
			}
			want.TotalCertifications = len(k.certs)
			for _, c := range k.certs {
				if m.certs[c].c.Phase == certsum.PhaseSigned {
					want.CompletedCertifications++
				}
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("GetCampaign(%s) (-want +got):\n%s", id, diff)
			}
		}
		_, err := st.GetCampaign(ctx, "k-ghost")
		mustCode(t, err, certsum.CodeNotFound)
	})

	t.Run("listed campaigns equal the ones read one by one", func(t *testing.T) {
		p, err := st.ListCampaigns(ctx, all())
		mustOK(t, err, "ListCampaigns")
		if p.Total != len(m.campaigns) {
			t.Errorf("Total = %d, want %d", p.Total, len(m.campaigns))
		}
		for _, k := range p.Items {
			one, err := st.GetCampaign(ctx, k.ID)
			mustOK(t, err, "GetCampaign")
			if diff := cmp.Diff(one, &k); diff != "" {
				t.Errorf("listed campaign %s differs (-get +list):\n%s", k.ID, diff)
			}
		}
	})
}

func testInventory(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()

	t.Run("identities are found by id, then by exact name", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		got, err := st.FindIdentity(ctx, idSam)
		mustOK(t, err, "FindIdentity")
		if diff := cmp.Diff(m.identities[idSam], *got); diff != "" {
			t.Errorf("FindIdentity(id) (-want +got):\n%s", diff)
		}
		got, err = st.FindIdentity(ctx, "Nora Newcomer")
		mustOK(t, err, "FindIdentity")
		if got.ID != idNora {
			t.Errorf("FindIdentity(name) = %s, want %s", got.ID, idNora)
		}
		_, err = st.FindIdentity(ctx, "nora newcomer")
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.FindIdentity(ctx, "Ann Lee")
		mustCode(t, err, certsum.CodeInvalid)
		_, err = st.FindIdentity(ctx, "nobody at all")
		mustCode(t, err, certsum.CodeNotFound)
	})

	t.Run("identities are created once, with a manager that exists", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		n0, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		fresh := &certsum.Identity{Name: "Fresh Face", Email: "fresh@example.com", ManagerID: idRita, Department: "Ops", Title: "New"}
		mustOK(t, st.CreateIdentity(ctx, fresh), "CreateIdentity")
		if !certsum.ValidID(fresh.ID) {
			t.Errorf("CreateIdentity gave the id %q, want a 32-hex id", fresh.ID)
		}
		got, err := st.FindIdentity(ctx, fresh.ID)
		mustOK(t, err, "FindIdentity")
		if diff := cmp.Diff(*fresh, *got); diff != "" {
			t.Errorf("created identity (-want +got):\n%s", diff)
		}
		mustCode(t, st.CreateIdentity(ctx, &certsum.Identity{ID: idSam, Name: "Impostor"}), certsum.CodeConflict)
		mustCode(t, st.CreateIdentity(ctx, &certsum.Identity{Name: " "}), certsum.CodeInvalid)
		mustCode(t, st.CreateIdentity(ctx, &certsum.Identity{Name: "Orphan", ManagerID: "id-ghost"}), certsum.CodeInvalid)
		mustCode(t, st.CreateIdentity(ctx, nil), certsum.CodeInvalid)
		n1, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n1 != n0+1 || n0 != len(m.identities) {
			t.Errorf("CountIdentities: %d before, %d after one creation (fixture has %d)", n0, n1, len(m.identities))
		}
		empty := newStore(t)
		if n, err := empty.CountIdentities(ctx); err != nil || n != 0 {
			t.Errorf("an empty store counts %d identities (%v)", n, err)
		}
	})
}

// skipIfUnavailable skips the rest of a test when the backend reports that it does not
// provide a kind of storage yet.
func skipIfUnavailable(t *testing.T, err error, what string) {
	t.Helper()
	if isCode(err, certsum.CodeUnavailable) {
		t.Skipf("the backend reports %s storage as unavailable: %v", what, err)
	}
}

func testClients(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, _ := fixtureStore(t, newStore)
	base := time.Date(2026, 3, 1, 8, 0, 0, 987654321, fixtureZone)
	pat := &certsum.OAuthClient{ID: "client-pat", Name: "Rita's token", IdentityID: idRita,
		Levels: []string{certsum.LevelOrgAdmin}, Scopes: []string{certsum.ScopeAll, certsum.ScopeCampaignRead},
		SecretHash: []byte{1, 2, 3, 0, 255}, Created: certsum.Time{Time: base.Add(time.Hour)}}
	api := &certsum.OAuthClient{ID: "client-api", Name: "reporting", SecretHash: []byte("hash"),
		Created: certsum.Time{Time: base}, LastUsed: &certsum.Time{Time: base.Add(2 * time.Hour)}}
	err := st.CreateClient(ctx, pat)
	skipIfUnavailable(t, err, "OAuth client")
	mustOK(t, err, "CreateClient")
	mustOK(t, st.CreateClient(ctx, api), "CreateClient")

	norm := func(c certsum.OAuthClient) certsum.OAuthClient {
		c.Created = certsum.NewTime(c.Created.Time)
		if c.LastUsed != nil {
			c.LastUsed = certsum.TimePtr(c.LastUsed.Time)
		}
		if c.Levels == nil {
			c.Levels = []string{}
		}
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
		return c
	}
	t.Run("clients read back whole, oldest first", func(t *testing.T) {
		got, err := st.GetClient(ctx, pat.ID)
		mustOK(t, err, "GetClient")
		if diff := cmp.Diff(norm(*pat), *got); diff != "" {
			t.Errorf("GetClient (-want +got):\n%s", diff)
		}
		list, err := st.ListClients(ctx)
		mustOK(t, err, "ListClients")
		if diff := cmp.Diff([]certsum.OAuthClient{norm(*api), norm(*pat)}, list); diff != "" {
			t.Errorf("ListClients (-want +got):\n%s", diff)
		}
	})
	t.Run("client errors", func(t *testing.T) {
		dup := *api
		mustCode(t, st.CreateClient(ctx, &dup), certsum.CodeConflict)
		orphan := &certsum.OAuthClient{ID: "client-orphan", Name: "x", IdentityID: "id-ghost", SecretHash: []byte("h"), Created: certsum.NewTime(base)}
		mustCode(t, st.CreateClient(ctx, orphan), certsum.CodeReference)
		mustCode(t, st.CreateClient(ctx, &certsum.OAuthClient{Name: "no id", SecretHash: []byte("h")}), certsum.CodeInvalid)
		mustCode(t, st.CreateClient(ctx, &certsum.OAuthClient{ID: "client-nohash", Name: "x"}), certsum.CodeInvalid)
		_, err := st.GetClient(ctx, "client-ghost")
		mustCode(t, err, certsum.CodeNotFound)
		mustCode(t, st.DeleteClient(ctx, "client-ghost"), certsum.CodeNotFound)
	})
	t.Run("a deleted client is gone", func(t *testing.T) {
		mustOK(t, st.DeleteClient(ctx, api.ID), "DeleteClient")
		_, err := st.GetClient(ctx, api.ID)
		mustCode(t, err, certsum.CodeNotFound)
		list, err := st.ListClients(ctx)
		mustOK(t, err, "ListClients")
		if len(list) != 1 || list[0].ID != pat.ID {
			t.Errorf("ListClients after delete = %+v", list)
		}
	})
}

func testSigningKeys(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st := newStore(t)
	base := time.Date(2026, 3, 1, 8, 0, 0, 987654321, fixtureZone)
	key := func(id string, created time.Time) *certsum.SigningKey {
		return &certsum.SigningKey{ID: id, Algorithm: "ES256", PrivateKey: []byte("priv-" + id), PublicKey: []byte("pub-" + id),
			Created: certsum.Time{Time: created}}
	}
	k1, k2, k3 := key("kid-1", base), key("kid-2", base.Add(time.Minute)), key("kid-3", base.Add(time.Minute))
	err := st.AddSigningKey(ctx, k1)
	skipIfUnavailable(t, err, "signing key")
	mustOK(t, err, "AddSigningKey")
	mustOK(t, st.AddSigningKey(ctx, k2), "AddSigningKey")
	mustOK(t, st.AddSigningKey(ctx, k3), "AddSigningKey")

	t.Run("keys list newest first, later insertions first among equals", func(t *testing.T) {
		list, err := st.ListSigningKeys(ctx)
		mustOK(t, err, "ListSigningKeys")
		var ids []string
		for _, k := range list {
			ids = append(ids, k.ID)
		}
		if diff := cmp.Diff([]string{"kid-3", "kid-2", "kid-1"}, ids); diff != "" {
			t.Errorf("ListSigningKeys order (-want +got):\n%s", diff)
		}
		want := *k1
		want.Created = certsum.NewTime(k1.Created.Time)
		if diff := cmp.Diff(want, list[2]); diff != "" {
			t.Errorf("stored key (-want +got):\n%s", diff)
		}
	})
	t.Run("a retired key keeps its retirement times; expired keys are deleted", func(t *testing.T) {
		retired, notAfter := certsum.Time{Time: base.Add(time.Hour)}, certsum.Time{Time: base.Add(2 * time.Hour)}
		mustOK(t, st.RetireSigningKey(ctx, "kid-1", retired, notAfter), "RetireSigningKey")
		mustCode(t, st.RetireSigningKey(ctx, "kid-ghost", retired, notAfter), certsum.CodeNotFound)
		mustCode(t, st.AddSigningKey(ctx, key("kid-2", base)), certsum.CodeConflict)
		mustCode(t, st.AddSigningKey(ctx, &certsum.SigningKey{ID: "kid-x"}), certsum.CodeInvalid)
		list, _ := st.ListSigningKeys(ctx)
		k := list[2]
		if k.Retired == nil || !k.Retired.Equal(certsum.NewTime(retired.Time).Time) || k.NotAfter == nil ||
			!k.NotAfter.Equal(certsum.NewTime(notAfter.Time).Time) || k.Retired.Location() != time.UTC {
			t.Errorf("retired key = %+v", k)
		}
		n, err := st.DeleteSigningKeys(ctx, notAfter)
		mustOK(t, err, "DeleteSigningKeys")
		if n != 0 {
			t.Errorf("DeleteSigningKeys(notAfter) deleted %d keys; a key is deleted only after its notAfter", n)
		}
		n, err = st.DeleteSigningKeys(ctx, certsum.Time{Time: notAfter.Add(time.Millisecond)})
		mustOK(t, err, "DeleteSigningKeys")
		if n != 1 {
			t.Errorf("DeleteSigningKeys deleted %d keys, want 1", n)
		}
		list, _ = st.ListSigningKeys(ctx)
		if len(list) != 2 {
			t.Errorf("%d keys left, want 2", len(list))
		}
	})
}
