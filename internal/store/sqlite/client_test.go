package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestClientsRoundTrip(t *testing.T) {
	st := mustOpen(t, nil)
	ctx := context.Background()
	owner := &certsum.Identity{ID: certsum.NewID(), Name: "Owner"}
	if err := st.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	pat := certsum.OAuthClient{
		ID: certsum.NewID(), Name: "PAT of Owner", IdentityID: owner.ID, Levels: []string{"ORG_ADMIN", "USER"},
		Scopes: []string{"sp:scopes:all"}, SecretHash: []byte{1, 0, 255, 7}, Created: certsum.NewTime(base),
		LastUsed: certsum.TimePtr(base.Add(time.Hour)),
	}
	api := certsum.OAuthClient{
		ID: certsum.NewID(), Name: "API client", Levels: nil, Scopes: []string{"idn:campaign:read"},
		SecretHash: []byte{1, 2, 3}, Created: certsum.NewTime(base.Add(-time.Minute)),
	}
	for _, c := range []certsum.OAuthClient{pat, api} {
		if err := st.CreateClient(ctx, &c); err != nil {
			t.Fatalf("CreateClient(%s): %v", c.Name, err)
		}
	}
	got, err := st.GetClient(ctx, pat.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pat, *got); diff != "" {
		t.Errorf("GetClient (-want +got):\n%s", diff)
	}
	api.Levels = []string{} // stored as [], read back as an empty list
	list, err := st.ListClients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]certsum.OAuthClient{api, pat}, list); diff != "" {
		t.Errorf("ListClients, oldest first (-want +got):\n%s", diff)
	}

	dup := pat
	mustCode(t, st.CreateClient(ctx, &dup), certsum.CodeConflict)
	orphan := certsum.OAuthClient{ID: certsum.NewID(), Name: "x", IdentityID: certsum.NewID(), SecretHash: []byte{1}, Created: certsum.NewTime(base)}
	mustCode(t, st.CreateClient(ctx, &orphan), certsum.CodeReference)
	mustCode(t, st.CreateClient(ctx, &certsum.OAuthClient{ID: certsum.NewID(), Name: "no hash"}), certsum.CodeInvalid)
	mustCode(t, st.CreateClient(ctx, &certsum.OAuthClient{Name: "no id", SecretHash: []byte{1}}), certsum.CodeInvalid)
	mustCode(t, st.CreateClient(ctx, nil), certsum.CodeInvalid)
	_, err = st.GetClient(ctx, orphan.ID)
	mustCode(t, err, certsum.CodeNotFound)

	if err := st.DeleteClient(ctx, api.ID); err != nil {
		t.Fatal(err)
	}
	mustCode(t, st.DeleteClient(ctx, api.ID), certsum.CodeNotFound)
	_, err = st.GetClient(ctx, api.ID)
	mustCode(t, err, certsum.CodeNotFound)
	if list, _ := st.ListClients(ctx); len(list) != 1 || list[0].ID != pat.ID {
		t.Errorf("clients after deleting one = %v", list)
	}
}

func TestDeletingAnIdentityDeletesItsClients(t *testing.T) {
	st := mustOpen(t, nil)
	ctx := context.Background()
	owner := &certsum.Identity{ID: certsum.NewID(), Name: "Leaver"}
	if err := st.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	c := certsum.OAuthClient{ID: certsum.NewID(), Name: "pat", IdentityID: owner.ID, SecretHash: []byte{1}, Created: certsum.NewTime(time.Now())}
	if err := st.CreateClient(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if _, err := st.write.ExecContext(ctx, `DELETE FROM identities WHERE id = ?`, owner.ID); err != nil {
		t.Fatal(err)
	}
	_, err := st.GetClient(ctx, c.ID)
	mustCode(t, err, certsum.CodeNotFound)
}

func TestClientListsAreNeverNil(t *testing.T) {
	st := mustOpen(t, nil)
	list, err := st.ListClients(context.Background())
	if err != nil || list == nil {
		t.Fatalf("ListClients on an empty store = %#v, %v; want an empty list", list, err)
	}
	keys, err := st.ListSigningKeys(context.Background())
	if err != nil || keys == nil {
		t.Fatalf("ListSigningKeys on an empty store = %#v, %v; want an empty list", keys, err)
	}
}
