package main

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// runRoot runs one command line of the real command tree and returns its stdout.
func runRoot(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runRootErr(t, args...)
	return out, err
}

// mustVerifyDB writes a one-certification database and returns its path.
func mustVerifyDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "verify.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &certsum.Dataset{
		Inventory: certsum.Inventory{
			Identities: []certsum.Identity{{ID: "boss", Name: "Boss"}, {ID: "ann", Name: "Ann"}},
			Sources:    []certsum.Source{{ID: "src", Name: "Directory"}},
			Roles:      []certsum.Role{{ID: "role", Name: "Staff"}},
		},
		Campaigns: []certsum.CampaignData{{
			Campaign: certsum.Campaign{ID: "k", Name: "Review", Type: certsum.CampaignManager, Status: certsum.StatusActive},
			Certifications: []certsum.CertificationData{{
				Certification:     certsum.Certification{ID: "c", Name: "Review: Boss", Reviewer: certsum.Reviewer{ID: "boss", Type: certsum.TypeIdentity}, Phase: certsum.PhaseActive},
				IdentitySummaries: []certsum.IdentitySummary{{ID: "s", IdentityID: "ann"}},
				Items:             []certsum.ItemData{{ID: "i", IdentitySummaryID: "s", AccessType: certsum.TypeRole, AccessID: "role"}},
			}},
		}},
	}
	if err := st.Load(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerifyCommandReportsRepairsAndExitsOneOnDrift(t *testing.T) {
	path := mustVerifyDB(t)
	out, err := runRoot(t, "verify", "--db", path)
	if err != nil || !strings.Contains(out, "every counter agrees") {
		t.Fatalf("clean database: %q, %v", out, err)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE campaigns SET total_certifications = 4 WHERE id = 'k'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	out, err = runRoot(t, "verify", "--db", path)
	var ex exitError
	if !errors.As(err, &ex) || ex.code != 1 {
		t.Fatalf("drift: error %v, want exit status 1", err)
	}
	if !strings.Contains(out, "campaign k: totalCertifications stored 4, actual 1") {
		t.Errorf("drift output = %q", out)
	}
	out, err = runRoot(t, "verify", "--db", path, "--fix")
	if err != nil || !strings.Contains(out, "totalCertifications stored 4, actual 1") || !strings.Contains(out, "repaired 1 counters") {
		t.Fatalf("--fix: %q, %v", out, err)
	}
	out, err = runRoot(t, "verify", "--db", path)
	if err != nil || !strings.Contains(out, "every counter agrees") {
		t.Fatalf("after --fix: %q, %v", out, err)
	}
}

func TestOpenStoreHidesThePostgresPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := openStore(ctx, Config{Database: "postgres://u:secret@127.0.0.1:1/certsum?connect_timeout=2"}, nil)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("openStore(unreachable postgres://…) = %v; want an error without the password", err)
	}
}
