package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/store/sqlite"
)

// openSQLite is the storeOpener of these tests: the SQLite backend at the --db path.
func openSQLite(ctx context.Context, cfg Config, logger *slog.Logger) (certsum.Store, error) {
	return sqlite.Open(ctx, cfg.Database, sqlite.Options{Logger: logger, AllowSharedFile: cfg.AllowSharedDBFile})
}

// runMaint runs one `clients` or `keys` command line and returns stdout, stderr and the
// error. The CERTSUM_* settings the commands read are cleared first.
func runMaint(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	for _, v := range []string{"CERTSUM_DATABASE_URL", "CERTSUM_DATABASE_URL_FILE", "CERTSUM_ADDR", "CERTSUM_TOKEN_TTL", "CERTSUM_RATE_LIMIT", "CERTSUM_KEY_FILE"} {
		t.Setenv(v, "")
	}
	root := &cobra.Command{Use: "certsum", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newClientsCmd(openSQLite), newKeysCmd(openSQLite))
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// parseEnv reads KEY=value lines.
func parseEnv(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("stdout line %q is not KEY=value; stdout:\n%s", line, s)
		}
		out[k] = v
	}
	return out
}

// mustAuth opens the database and an auth service over it, as a server would.
func mustAuth(t *testing.T, db string) (*auth.Service, certsum.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := auth.New(auth.Options{Store: st, Sealer: auth.EphemeralSealer()})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func TestClientsCreateBootstrapsAnAdministratorAndPrintsTheSecretOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "certsum.db")
	stdout, stderr, err := runMaint(t, "clients", "create", "--db", db, "--level", "ORG_ADMIN")
	if err != nil {
		t.Fatalf("clients create: %v\n%s", err, stderr)
	}
	env := parseEnv(t, stdout)
	if env["SAIL_BASE_URL"] != "http://127.0.0.1:8080" || !certsum.ValidID(env["SAIL_CLIENT_ID"]) || len(env["SAIL_CLIENT_SECRET"]) != 64 {
		t.Fatalf("printed credentials = %v", env)
	}
	if !strings.Contains(stderr, auth.AdminIdentityName) || !strings.Contains(stderr, "only this once") {
		t.Errorf("stderr does not explain what was created:\n%s", stderr)
	}
	s, st := mustAuth(t, db)
	tok, _, err := s.Issue(context.Background(), env["SAIL_CLIENT_ID"], env["SAIL_CLIENT_SECRET"], nil)
	if err != nil {
		t.Fatalf("the printed credentials do not work: %v", err)
	}
	p, err := s.Verify(context.Background(), tok)
	if err != nil || !p.IsAdmin() || p.IdentityID != auth.AdminIdentityID {
		t.Fatalf("principal = %+v, %v; want the administrator", p, err)
	}
	c, err := st.GetClient(context.Background(), env["SAIL_CLIENT_ID"])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(c.SecretHash, []byte(env["SAIL_CLIENT_SECRET"])) {
		t.Error("the database holds the secret")
	}

	// A second bootstrap reuses the administrator identity.
	if _, stderr, err := runMaint(t, "clients", "create", "--db", db, "--level", "org_admin", "--base-url", "https://certsum.example"); err != nil {
		t.Fatalf("second create: %v\n%s", err, stderr)
	}
	if n, _ := st.CountIdentities(context.Background()); n != 1 {
		t.Errorf("identities after two bootstraps = %d, want 1", n)
	}
}

func TestClientsCreateListDelete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "certsum.db")
	_, st := mustAuth(t, db)
	alice := &certsum.Identity{ID: certsum.NewID(), Name: "Alice"}
	if err := st.CreateIdentity(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	// CERTSUM_DATABASE_URL stands in for --db, as for serve.
	t.Setenv("CERTSUM_DATABASE_URL", db)
	for _, v := range []string{"CERTSUM_ADDR", "CERTSUM_TOKEN_TTL", "CERTSUM_RATE_LIMIT", "CERTSUM_DATABASE_URL_FILE"} {
		t.Setenv(v, "")
	}
	root := &cobra.Command{Use: "certsum", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newClientsCmd(openSQLite))
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"clients", "create", "--identity", "Alice", "--level", "CERT_ADMIN", "--scope", "idn:campaign:read,idn:campaign:manage", "--name", "alice laptop", "--addr", "0.0.0.0:9000"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("create through CERTSUM_DATABASE_URL: %v\n%s", err, errOut.String())
	}
	pat := parseEnv(t, out.String())
	if pat["SAIL_BASE_URL"] != "http://127.0.0.1:9000" {
		t.Errorf("SAIL_BASE_URL = %q, want the loopback form of --addr", pat["SAIL_BASE_URL"])
	}

	stdout, stderr, err := runMaint(t, "clients", "create", "--db", db, "--name", "ci")
	if err != nil {
		t.Fatalf("create API client: %v\n%s", err, stderr)
	}
	api := parseEnv(t, stdout)
	if !strings.Contains(stderr, "API client") {
		t.Errorf("stderr = %s", stderr)
	}

	stdout, _, err = runMaint(t, "clients", "list", "--db", db, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var listed []map[string]any
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("list -o json: %v\n%s", err, stdout)
	}
	if len(listed) != 2 || listed[0]["id"] != pat["SAIL_CLIENT_ID"] || listed[1]["id"] != api["SAIL_CLIENT_ID"] {
		t.Fatalf("listed = %v", listed)
	}
	if listed[0]["identityId"] != alice.ID || listed[0]["name"] != "alice laptop" {
		t.Errorf("PAT listed as %v", listed[0])
	}
	if strings.Contains(stdout, pat["SAIL_CLIENT_SECRET"]) || strings.Contains(strings.ToLower(stdout), "secret") {
		t.Error("list prints secret material")
	}
	stdout, _, err = runMaint(t, "clients", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "Alice") || !strings.Contains(stdout, "CERT_ADMIN") || !strings.Contains(stdout, "idn:campaign:read,idn:campaign:manage") {
		t.Errorf("table:\n%s", stdout)
	}

	if _, _, err := runMaint(t, "clients", "delete", "--db", db, api["SAIL_CLIENT_ID"]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runMaint(t, "clients", "delete", "--db", db, api["SAIL_CLIENT_ID"]); err == nil {
		t.Error("deleting a deleted client succeeded")
	}
	if _, err := st.GetClient(context.Background(), api["SAIL_CLIENT_ID"]); certsum.ErrorCode(err) != certsum.CodeNotFound {
		t.Errorf("deleted client still stored: %v", err)
	}
}

func TestClientsCreateRejectsBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "certsum.db")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"an admin level other than ORG_ADMIN without an identity", []string{"--level", "CERT_ADMIN"}, "no user context"},
		{"an unknown identity", []string{"--identity", "nobody"}, "nobody"},
		{"an unknown level", []string{"--level", "GOD"}, "GOD"},
		{"a bad scope", []string{"--scope", "a b"}, "scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, err := runMaint(t, append([]string{"clients", "create", "--db", db}, tc.args...)...)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(stdout, "SAIL_CLIENT_SECRET") {
				t.Error("a refused client printed a secret")
			}
		})
	}
	if _, _, err := runMaint(t, "clients", "list", "--db", db, "-o", "xml"); err == nil {
		t.Error("list -o xml accepted")
	}
}

func TestKeysRotateAndList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "certsum.db")
	stdout, stderr, err := runMaint(t, "keys", "rotate", "--db", db, "--token-ttl", "2h")
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "new signing key ") || strings.Contains(stdout, "retired") {
		t.Errorf("first rotation printed:\n%s", stdout)
	}
	stdout, _, err = runMaint(t, "keys", "rotate", "--db", db, "--token-ttl", "2h")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "retired key ") {
		t.Errorf("second rotation printed:\n%s", stdout)
	}
	stdout, _, err = runMaint(t, "keys", "list", "--db", db, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var keys []certsum.SigningKey
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatalf("keys list -o json: %v\n%s", err, stdout)
	}
	if len(keys) != 2 || keys[0].Retired != nil || keys[1].Retired == nil || keys[1].NotAfter == nil {
		t.Fatalf("keys = %+v, want the new active key, then the retired one", keys)
	}
	// Retired keys verify for the token lifetime given, plus the cache time and leeway.
	if keep := keys[1].NotAfter.Sub(keys[1].Retired.Time); keep < 2*time.Hour || keep > 2*time.Hour+2*time.Minute {
		t.Errorf("retired key verifies for %v after retirement, want about 2h", keep)
	}
	if strings.Contains(stdout, "PRIVATE") || strings.Contains(stdout, "privateKey") {
		t.Error("keys list prints private key material")
	}
	stdout, _, err = runMaint(t, "keys", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "active") || !strings.Contains(stdout, "retired") || !strings.Contains(stdout, keys[0].ID) {
		t.Errorf("table:\n%s", stdout)
	}
}

// A SQLite deployment gets its key file beside the database (mode 0600) on first use; keys
// rewrap seals every signing key with a new file's key, and the old file no longer opens them.
func TestKeyFileAndRewrap(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "certsum.db")
	if _, stderr, err := runMaint(t, "keys", "rotate", "--db", db); err != nil {
		t.Fatalf("rotate: %v\n%s", err, stderr)
	}
	fi, err := os.Stat(db + ".key")
	if err != nil {
		t.Fatalf("no key file beside the database: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %04o, want 0600", perm)
	}
	oldText, _ := os.ReadFile(db + ".key")
	newFile := filepath.Join(dir, "new.key")
	stdout, stderr, err := runMaint(t, "keys", "rewrap", "--db", db, "--new-key-file", newFile)
	if err != nil || !strings.Contains(stdout, "sealed 1 signing keys") {
		t.Fatalf("rewrap: %v\n%s%s", err, stdout, stderr)
	}
	if _, _, err := runMaint(t, "keys", "rewrap", "--db", db, "--new-key-file", newFile); err == nil {
		t.Error("rewrap overwrote an existing key file")
	}
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, _ := st.ListSigningKeys(context.Background())
	oldSealer, _ := auth.ParseKeyFile(oldText)
	newText, _ := os.ReadFile(newFile)
	newSealer, _ := auth.ParseKeyFile(newText)
	if _, err := oldSealer.Open(keys[0].ID, keys[0].PrivateKey); err == nil {
		t.Error("the old key file still opens the rewrapped key")
	}
	if _, err := newSealer.Open(keys[0].ID, keys[0].PrivateKey); err != nil {
		t.Errorf("the new key file does not open the rewrapped key: %v", err)
	}
	// The new file works for the next commands.
	if _, stderr, err := runMaint(t, "keys", "rotate", "--db", db, "--key-file", newFile); err != nil {
		t.Fatalf("rotate with the new key file: %v\n%s", err, stderr)
	}
}

// PostgreSQL has no place beside the database for a key file: one must be named.
func TestPostgresNeedsAKeyFile(t *testing.T) {
	_, err := loadSealer(Config{Database: "postgres://u@127.0.0.1/x"}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Fatalf("loadSealer for PostgreSQL without a key file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "replicas.key")
	if _, _, err := runMaint(t, "keys", "new-key-file", path); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSealer(Config{Database: "postgres://u@127.0.0.1/x", KeyFile: path}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("loadSealer with the new key file: %v", err)
	}
	if _, _, err := runMaint(t, "keys", "new-key-file", path); err == nil {
		t.Error("new-key-file overwrote an existing file")
	}
}
