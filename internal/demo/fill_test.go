package demo_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/store/sqlite"
)

func mustOpenSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestFillLoadsTheDatasetWithConsistentCounters(t *testing.T) {
	ctx := context.Background()
	st := mustOpenSQLite(t)
	opts := demo.Options{Identities: 300, Seed: 9}
	calls, lastDone, lastTotal := 0, -1, -1
	if err := demo.Fill(ctx, st, opts, func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total }); err != nil {
		t.Fatalf("Fill: %v", err)
	}
	if calls == 0 || lastDone != lastTotal || lastTotal <= 0 {
		t.Errorf("progress called %d times, last with %d/%d", calls, lastDone, lastTotal)
	}
	ds := demo.Generate(opts)
	if n, err := st.CountIdentities(ctx); err != nil || n != 300 {
		t.Fatalf("CountIdentities = %d, %v; want 300", n, err)
	}
	for _, k := range ds.Campaigns {
		got, err := st.GetCampaign(ctx, k.Campaign.ID)
		if err != nil {
			t.Fatalf("GetCampaign %s: %v", k.Campaign.Name, err)
		}
		signed := 0
		for _, cd := range k.Certifications {
			if cd.Certification.Phase == certsum.PhaseSigned {
				signed++
			}
			c, err := st.GetCertification(ctx, cd.Certification.ID)
			if err != nil {
				t.Fatalf("GetCertification %s: %v", cd.Certification.ID, err)
			}
			var want certsum.DecisionSummary
			decided := 0
			for _, it := range cd.Items {
				var d certsum.Decision
				if it.Decision != nil {
					d = it.Decision.Decision
					decided++
				}
				want.Add(it.AccessType, d, 1)
			}
			if c.DecisionsTotal != len(cd.Items) || c.DecisionsMade != decided || c.IdentitiesTotal != len(cd.IdentitySummaries) ||
				c.Completed != (decided == len(cd.Items)) || c.Phase != cd.Certification.Phase || c.Reviewer.ID != cd.Certification.Reviewer.ID {
				t.Errorf("certification %s stored as %d/%d decided, %d identities, completed %v, %s; generated %d/%d, %d, %s",
					c.Name, c.DecisionsMade, c.DecisionsTotal, c.IdentitiesTotal, c.Completed, c.Phase,
					decided, len(cd.Items), len(cd.IdentitySummaries), cd.Certification.Phase)
			}
			sum, err := st.DecisionSummary(ctx, cd.Certification.ID, nil)
			if err != nil {
				t.Fatalf("DecisionSummary %s: %v", cd.Certification.ID, err)
			}
			if *sum != want {
				t.Errorf("decision summary of %s is %+v, want %+v", c.Name, *sum, want)
			}
		}
		if got.Status != k.Campaign.Status || got.TotalCertifications != len(k.Certifications) || got.CompletedCertifications != signed {
			t.Errorf("campaign %s stored as %s with %d/%d certifications complete; generated %s with %d/%d",
				got.Name, got.Status, got.CompletedCertifications, got.TotalCertifications, k.Campaign.Status, signed, len(k.Certifications))
		}
	}
	drift, err := st.Verify(ctx, false)
	if err != nil || len(drift) != 0 {
		t.Errorf("Verify after Fill: %v, %+v", err, drift)
	}
	// A second Fill finds the ids taken and writes nothing.
	if err := demo.Fill(ctx, st, opts, nil); certsum.ErrorCode(err) != certsum.CodeConflict {
		t.Errorf("second Fill: %v, want a conflict", err)
	}
	if n, _ := st.CountIdentities(ctx); n != 300 {
		t.Errorf("%d identities after the refused Fill", n)
	}
}
