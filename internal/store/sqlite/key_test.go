package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestSigningKeysLifecycle(t *testing.T) {
	st := mustOpen(t, nil)
	ctx := context.Background()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	key := func(id string, created time.Time) certsum.SigningKey {
		return certsum.SigningKey{ID: id, Algorithm: "ES256", PrivateKey: []byte("priv-" + id), PublicKey: []byte("pub-" + id), Created: certsum.NewTime(created)}
	}
	k1, k2, k3 := key("k1", base), key("k2", base.Add(time.Hour)), key("k3", base.Add(time.Hour))
	for _, k := range []certsum.SigningKey{k1, k2, k3} {
		if err := st.AddSigningKey(ctx, &k); err != nil {
			t.Fatalf("AddSigningKey(%s): %v", k.ID, err)
		}
	}
	dup := k1
	mustCode(t, st.AddSigningKey(ctx, &dup), certsum.CodeConflict)
	mustCode(t, st.AddSigningKey(ctx, &certsum.SigningKey{ID: "x", Algorithm: "ES256"}), certsum.CodeInvalid)
	mustCode(t, st.AddSigningKey(ctx, nil), certsum.CodeInvalid)

	list, err := st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; k3 was added after k2 in the same millisecond.
	if diff := cmp.Diff([]certsum.SigningKey{k3, k2, k1}, list); diff != "" {
		t.Errorf("ListSigningKeys (-want +got):\n%s", diff)
	}

	retired, notAfter := certsum.NewTime(base.Add(2*time.Hour)), certsum.NewTime(base.Add(14*time.Hour))
	if err := st.RetireSigningKey(ctx, "k1", retired, notAfter); err != nil {
		t.Fatal(err)
	}
	mustCode(t, st.RetireSigningKey(ctx, "nope", retired, notAfter), certsum.CodeNotFound)
	list, _ = st.ListSigningKeys(ctx)
	k1.Retired, k1.NotAfter = &retired, &notAfter
	if diff := cmp.Diff(k1, list[2]); diff != "" {
		t.Errorf("retired key (-want +got):\n%s", diff)
	}

	// Before NotAfter nothing goes; an active key never goes.
	if n, err := st.DeleteSigningKeys(ctx, notAfter); err != nil || n != 0 {
		t.Errorf("DeleteSigningKeys(at NotAfter) = %d, %v; want 0", n, err)
	}
	if n, err := st.DeleteSigningKeys(ctx, certsum.NewTime(base.Add(15*time.Hour))); err != nil || n != 1 {
		t.Errorf("DeleteSigningKeys(after NotAfter) = %d, %v; want 1", n, err)
	}
	if n, _ := st.DeleteSigningKeys(ctx, certsum.NewTime(base.Add(1000*time.Hour))); n != 0 {
		t.Errorf("DeleteSigningKeys removed %d active keys", n)
	}
	list, _ = st.ListSigningKeys(ctx)
	if len(list) != 2 || list[0].ID != "k3" || list[1].ID != "k2" {
		t.Errorf("keys after pruning = %v", list)
	}
}
