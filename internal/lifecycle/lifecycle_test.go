package lifecycle

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/inventory"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// imported opens a SQLite store holding docs/import/example, on clock now.
func imported(t *testing.T, now func() time.Time) certsum.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "certsum.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f, err := os.Open(filepath.Join("..", "..", "docs", "import", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := inventory.ParseJSON(f, "example.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportInventory(ctx, in, certsum.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAnInterruptedGenerationLeavesNothingAndResumes(t *testing.T) {
	ctx := context.Background()
	st := imported(t, nil)
	k := &certsum.Campaign{Name: "Managers", Type: certsum.CampaignManager}
	if err := st.CreateCampaign(ctx, k, "ada"); err != nil {
		t.Fatal(err)
	}
	// A generation stopped before it commits (the server stopping, a crash) keeps nothing.
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.GenerateCampaign(stopped, k.ID, nil); err == nil {
		t.Fatal("a cancelled generation succeeded")
	}
	got, err := st.GetCampaign(ctx, k.ID)
	if err != nil || got.Status != certsum.StatusPending || got.TotalCertifications != 0 {
		t.Fatalf("after the interrupted generation: %+v, %v; want PENDING with nothing", got, err)
	}
	certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 10, Count: true})
	if err != nil || certs.Total != 0 {
		t.Fatalf("certifications after the interrupted generation: %d, %v", certs.Total, err)
	}

	// The next runner generates it.
	r := New(st, Options{Every: -1})
	defer r.Close()
	if err := r.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, done := context.WithTimeout(ctx, 30*time.Second)
	defer done()
	if err := r.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	got, err = st.GetCampaign(ctx, k.ID)
	if err != nil || got.Status != certsum.StatusStaged || got.TotalCertifications != 1 {
		t.Fatalf("after Resume: %+v, %v; want STAGED with one certification", got, err)
	}
	if _, ok := r.ProgressAlert(k.ID); ok {
		t.Errorf("a finished generation still shows progress")
	}
}

func TestTheDeadlineJobCompletesOverdueCampaignsByTheirSettings(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	st := imported(t, func() time.Time { return clock() })
	r := New(st, Options{Every: -1})
	defer r.Close()
	ids := map[bool]string{}
	for _, revoke := range []bool{false, true} {
		k := &certsum.Campaign{Name: "Managers", Type: certsum.CampaignManager, AutoRevokeAllowed: revoke,
			Deadline: certsum.TimePtr(now.Add(time.Hour))}
		if err := st.CreateCampaign(ctx, k, "ada"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GenerateCampaign(ctx, k.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.ActivateCampaign(ctx, k.ID, *k.Deadline); err != nil {
			t.Fatal(err)
		}
		ids[revoke] = k.ID
	}
	if done, err := r.CompleteOverdue(ctx); err != nil || len(done) != 0 {
		t.Fatalf("before the deadline: completed %v, %v", done, err)
	}
	now = now.Add(2 * time.Hour)
	done, err := r.CompleteOverdue(ctx)
	if err != nil || len(done) != 2 {
		t.Fatalf("after the deadline: completed %v, %v", done, err)
	}
	for revoke, id := range ids {
		items, err := st.ListRemediations(ctx, certsum.RemediationFilter{CampaignID: id})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 0, true: 2}[revoke]; len(items) != want {
			t.Errorf("autoRevokeAllowed %v: %d remediation items, want %d", revoke, len(items), want)
		}
		k, err := st.GetCampaign(ctx, id)
		if err != nil || k.Status != certsum.StatusCompleted {
			t.Errorf("autoRevokeAllowed %v: %+v, %v", revoke, k, err)
		}
	}
}
