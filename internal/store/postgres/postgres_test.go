package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
	"github.com/certsum/certsum/internal/store/storetest"
)

func TestParseDSN(t *testing.T) {
	cases := []struct {
		name, dsn  string
		schema     string
		searchPath string
		wantErr    bool
	}{
		{"a URL without a schema keeps the default search_path", "postgres://u@localhost:5432/db?sslmode=disable", "", "", false},
		{"schema= in a URL becomes the search_path", "postgres://u@localhost/db?sslmode=disable&schema=certsum_a1", "certsum_a1", `"certsum_a1"`, false},
		{"schema= in key=value form", "host=localhost dbname=db schema=tenant_2", "tenant_2", `"tenant_2"`, false},
		{"search_path alone passes through", "postgres://u@localhost/db?search_path=app", "", "app", false},
		{"an upper-case schema name is refused", "postgres://u@localhost/db?schema=Tenant", "", "", true},
		{"a schema name with a quote is refused", `postgres://u@localhost/db?schema=a%22b`, "", "", true},
		{"a schema name starting with a digit is refused", "postgres://u@localhost/db?schema=1abc", "", "", true},
		{"an overlong schema name is refused", "postgres://u@localhost/db?schema=" + strings.Repeat("a", 64), "", "", true},
		{"schema and search_path together are refused", "postgres://u@localhost/db?schema=a&search_path=b", "", "", true},
		{"an empty DSN is refused", "  ", "", "", true},
		{"a malformed URL is refused", "postgres://u@localhost:notaport/db", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, schema, err := parseDSN(c.dsn)
			if c.wantErr {
				if certsum.ErrorCode(err) != certsum.CodeInvalid {
					t.Fatalf("parseDSN(%q) error = %v, want code invalid", c.dsn, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDSN(%q): %v", c.dsn, err)
			}
			rp := cfg.ConnConfig.RuntimeParams
			if schema != c.schema || rp["search_path"] != c.searchPath || rp[SchemaParam] != "" || rp["TimeZone"] != "UTC" {
				t.Errorf("parseDSN(%q): schema %q, runtime params %v; want schema %q, search_path %q, TimeZone UTC",
					c.dsn, schema, rp, c.schema, c.searchPath)
			}
		})
	}
	t.Run("a password never shows in the error", func(t *testing.T) {
		_, _, err := parseDSN("postgres://u:s3cret@localhost:notaport/db")
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %v", err)
		}
	})
}

func TestTranslate(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "irrelevant text"})
	}
	cases := []struct {
		name string
		err  error
		want certsum.Code
	}{
		{"no rows is not found", fmt.Errorf("scan: %w", pgx.ErrNoRows), certsum.CodeNotFound},
		{"23505 is a conflict", pg(codeUniqueViolation), certsum.CodeConflict},
		{"23503 is a reference error", pg(codeForeignKeyViolation), certsum.CodeReference},
		{"23514 is invalid", pg(codeCheckViolation), certsum.CodeInvalid},
		{"23502 is invalid", pg(codeNotNullViolation), certsum.CodeInvalid},
		{"40001 is unavailable", pg(codeSerializationFailure), certsum.CodeUnavailable},
		{"40P01 is unavailable", pg(codeDeadlockDetected), certsum.CodeUnavailable},
		{"57P01 (admin shutdown) is unavailable", pg("57P01"), certsum.CodeUnavailable},
		{"08006 (connection failure) is unavailable", pg("08006"), certsum.CodeUnavailable},
		{"a syntax error stays internal", pg("42601"), certsum.CodeInternal},
		{"a network error is unavailable", &net.OpError{Op: "dial", Err: errors.New("refused")}, certsum.CodeUnavailable},
		{"a certsum error passes through", certsum.Invalidf("x", "bad"), certsum.CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := certsum.ErrorCode(translate(c.err)); got != c.want {
				t.Errorf("translate(%v) code = %q, want %q", c.err, got, c.want)
			}
		})
	}
	t.Run("context errors pass through untouched", func(t *testing.T) {
		for _, e := range []error{context.Canceled, fmt.Errorf("q: %w", context.DeadlineExceeded)} {
			if got := translate(e); got != e {
				t.Errorf("translate(%v) = %v", e, got)
			}
		}
	})
	if translate(nil) != nil {
		t.Error("translate(nil) is not nil")
	}
	if !retryable(pg(codeSerializationFailure)) || !retryable(pg(codeDeadlockDetected)) || retryable(pg(codeUniqueViolation)) {
		t.Error("retryable does not pick exactly 40001 and 40P01")
	}
}

func TestMigrationsApplyOnceWhenReplicasStartTogether(t *testing.T) {
	dsn := mustSchemaDSN(t)
	ctx := context.Background()
	const replicas = 6
	stores := make([]*Store, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range stores {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(ctx, dsn, Options{})
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Open: %v", i, err)
		}
		defer stores[i].Close()
	}
	want, err := sqlstore.Migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	got, err := stores[0].MigrationVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("schema_migrations holds %v, want one row per migration (%d)", got, len(want))
	}
	for i, m := range want {
		if got[i] != m.Version {
			t.Errorf("schema_migrations[%d] = %d, want %d", i, got[i], m.Version)
		}
	}
	// Every replica works on the same tables.
	if err := stores[replicas-1].Load(ctx, storetest.Fixture(), nil); err != nil {
		t.Fatalf("Load: %v", err)
	}
	n, err := stores[0].CountIdentities(ctx)
	if err != nil || n != len(storetest.Fixture().Identities) {
		t.Errorf("another replica counts %d identities (%v), want %d", n, err, len(storetest.Fixture().Identities))
	}
	// Opening again applies nothing.
	again, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	if vs, _ := again.MigrationVersions(ctx); len(vs) != len(want) {
		t.Errorf("reopening changed schema_migrations to %v", vs)
	}
}

func TestOpenFailures(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", Options{})
	if certsum.ErrorCode(err) != certsum.CodeUnavailable {
		t.Errorf("Open on a closed port: %v, want code unavailable", err)
	}
	_, err = Open(ctx, "postgres://u@h/db?schema=Bad-Name", Options{})
	if certsum.ErrorCode(err) != certsum.CodeInvalid {
		t.Errorf("Open with a bad schema name: %v, want code invalid", err)
	}
}

func TestVerifyFindsAndRepairsDrift(t *testing.T) {
	s := mustOpen(t, Options{})
	ctx := context.Background()
	if err := s.Load(ctx, storetest.Fixture(), nil); err != nil {
		t.Fatal(err)
	}
	// Corrupt one counter of each kind behind the store's back.
	for _, stmt := range []string{
		`UPDATE certifications SET role_total = role_total + 2, identities_completed = identities_completed + 1 WHERE id = 'c-active'`,
		`UPDATE identity_summaries SET ent_approved = ent_approved + 1 WHERE id = (SELECT min(id) FROM identity_summaries WHERE cert_id = 'c-group')`,
		`UPDATE access_summaries SET items_decided = items_decided + 1 WHERE cert_id = 'c-active' AND access_type = 'ROLE' AND access_id = 'role-eng'`,
		`DELETE FROM access_summaries WHERE cert_id = 'c-group' AND access_type = 'ENTITLEMENT' AND access_id = 'ent-admins'`,
		`INSERT INTO access_summaries (cert_id, access_type, access_id, name, items_total, items_decided) VALUES ('c-all', 'ROLE', 'ghost', 'Ghost', 3, 1)`,
		`INSERT INTO access_summaries (cert_id, access_type, access_id, name, items_total, items_decided) VALUES ('c-active', 'ACCOUNT', 'acct-id-al-ad', 'Al (AD)', 1, 0)`,
		`UPDATE campaigns SET completed_certifications = 7 WHERE id = 'k-manager'`,
		`UPDATE campaign_counters SET identities_total = identities_total + 4 WHERE campaign_id = 'k-manager'`,
	} {
		if _, err := s.Pool().Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	drifts, err := s.Verify(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, d := range drifts {
		kinds[d.Kind+" "+d.Counter] = true
	}
	for _, want := range []string{
		"certification roleDecisionsTotal", "certification identitiesCompleted", "identity summary entitlementsApproved",
		"access summary itemsDecided", "access summary itemsTotal", "campaign completedCertifications",
		"campaign identitiesTotal",
	} {
		if !kinds[want] {
			t.Errorf("Verify did not report %q; got %+v", want, drifts)
		}
	}
	if again, _ := s.Verify(ctx, false); len(again) != len(drifts) {
		t.Errorf("a read-only Verify changed something: %d drifts, then %d", len(drifts), len(again))
	}
	fixed, err := s.Verify(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != len(drifts) {
		t.Errorf("Verify(fix) reported %d drifts, Verify reported %d", len(fixed), len(drifts))
	}
	var accountRows int
	if err := s.Pool().QueryRow(ctx, `SELECT COUNT(*) FROM access_summaries WHERE access_type = 'ACCOUNT'`).Scan(&accountRows); err != nil || accountRows != 0 {
		t.Errorf("%d account access summaries left after repair (%v); accounts have none", accountRows, err)
	}
	if after, _ := s.Verify(ctx, false); len(after) != 0 {
		t.Errorf("drift left after repair: %+v", after)
	}
}

func TestDecisionAuditTrailIsAppendOnly(t *testing.T) {
	s := mustOpen(t, Options{})
	ctx := context.Background()
	if err := s.Load(ctx, storetest.Fixture(), nil); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE decisions SET decision = 'APPROVE'`, `DELETE FROM decisions`, `TRUNCATE decisions`} {
		_, err := s.Pool().Exec(ctx, stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != codeRestrictViolation {
			t.Errorf("%s: %v, want SQLSTATE %s", stmt, err, codeRestrictViolation)
		}
	}
}

// A dataset that repeats a review item id is refused as a conflict naming the id, as on
// SQLite (the check is sqlstore.Catalog's), and writes nothing.
func TestLoadRejectsARepeatedReviewItemIDAndWritesNothing(t *testing.T) {
	s := mustOpen(t, Options{})
	ctx := context.Background()
	d := storetest.Fixture()
	var items []certsum.ItemData
	for _, k := range d.Campaigns {
		for _, cd := range k.Certifications {
			if len(cd.Items) >= 2 && items == nil {
				items = cd.Items
			}
		}
	}
	if items == nil {
		t.Fatal("the fixture has no certification with two items")
	}
	items[1].ID = items[0].ID
	err := s.Load(ctx, d, nil)
	if certsum.ErrorCode(err) != certsum.CodeConflict || !strings.Contains(certsum.ErrorText(err), `review item "`+items[0].ID+`" already exists`) {
		t.Fatalf("Load with a repeated item id = %v, want a conflict naming it", err)
	}
	if n, err := s.CountIdentities(ctx); err != nil || n != 0 {
		t.Errorf("%d identities written by a rejected load (%v)", n, err)
	}
}
