package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/certsum/certsum/internal/clienttest"
)

// The -update flag rewrites testdata/*.golden from the current output:
// go test ./cmd/certsum -update. It is defined here unless another test file of the
// package already defines it (package-level flag variables are set up before init runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden files")
	}
}

// updating reports whether -update was given.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// cli runs client subcommands in-process against a test server.
type cli struct {
	t          *testing.T
	env        map[string]string
	configDir  string
	srv        *clienttest.Server
	stdoutTerm bool
	stderrTerm bool
	stdin      string
}

// newCLI returns a cli logged in to srv through the SAIL_* variables, with an empty
// configuration directory.
func newCLI(t *testing.T, srv *clienttest.Server) *cli {
	return &cli{t: t, srv: srv, configDir: t.TempDir(), env: map[string]string{
		envBaseURL: srv.URL, envClientID: srv.ClientID, envClientSecret: srv.Secret,
	}}
}

// run executes `certsum args...` and returns its stdout, stderr and error.
func (c *cli) run(args ...string) (string, string, error) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	e := &cliEnv{
		Getenv:     func(k string) string { return c.env[k] },
		ConfigDir:  func() (string, error) { return c.configDir, nil },
		HTTPClient: c.srv.HTTP.Client(),
		IsTerminal: func(w io.Writer) bool {
			switch w {
			case &stdout:
				return c.stdoutTerm
			case &stderr:
				return c.stderrTerm
			}
			return false
		},
		Stdin: strings.NewReader(c.stdin),
	}
	root := c.rootWith(e)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// root returns the client command tree with a real environment (for help checks).
func (c *cli) root() *cobra.Command { return c.rootWith(newCLIEnv()) }

// rootWith returns the client command tree over e.
func (c *cli) rootWith(e *cliEnv) *cobra.Command {
	root := &cobra.Command{Use: "certsum", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newLoginCmd(e), newCertsCmd(e), newSummaryCmd(e), newItemsCmd(e), newDecideCmd(e), newSignoffCmd(e),
		newReassignCmd(e), newReviewersCmd(e), newPermissionsCmd(e), newCampaignsCmd(e),
		newRemediationCmd(e), newExportCmd(e))
	return root
}

// mustRun runs a command that must succeed.
func (c *cli) mustRun(args ...string) (string, string) {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("certsum %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out, errOut
}

// golden compares got with testdata/name.golden, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/certsum -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

func TestClientCommandsMatchTheirGoldenOutputs(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	cert := clienttest.ReviewCert
	cases := []struct {
		name string
		args []string
	}{
		{"certs_list", []string{"certs", "list", "--sort", "name"}},
		{"certs_get", []string{"certs", "get", cert}},
		{"summary_decisions", []string{"summary", "decisions", cert}},
		{"summary_decisions_sue", []string{"summary", "decisions", cert, "--identity", clienttest.ReviewSumSue}},
		{"summary_identities", []string{"summary", "identities", cert}},
		{"summary_access_entitlement", []string{"summary", "access", cert, "entitlement"}},
		{"summary_access_role", []string{"summary", "access", cert, "ROLE"}},
		{"items_list", []string{"items", "list", cert}},
		{"items_list_open", []string{"items", "list", cert, "--filter", "completed eq false and access.type eq \"ENTITLEMENT\""}},
	}
	for _, tc := range cases {
		for _, format := range []string{formatTable, formatJSON, formatCSV} {
			t.Run(tc.name+" as "+format, func(t *testing.T) {
				out, _ := c.mustRun(append(tc.args, "-o", format)...)
				golden(t, tc.name+"."+format, out)
				if format == formatJSON && !json.Valid([]byte(out)) {
					t.Fatalf("-o json printed invalid JSON:\n%s", out)
				}
			})
		}
	}
}

func TestDecideAndSignoffMatchTheirGoldenOutputs(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	cert := clienttest.OtherCert

	_, _, err := c.run("signoff", cert, "-o", "table")
	if err == nil || !strings.Contains(err.Error(), "HTTP 400, 400.1 Bad Request Content, tracking id ") {
		t.Fatalf("signing off open items: %v; want the server's 400 with its details", err)
	}
	out, errOut := c.mustRun("decide", cert, "--approve", clienttest.ItemSidVPN, "--revoke", clienttest.ItemSidAdmins,
		"--comment", "no longer on the team", "-o", "table")
	golden(t, "decide.table", out)
	if errOut != "recorded 2 decision(s)\n" {
		t.Errorf("decide stderr %q", errOut)
	}
	items, _ := c.mustRun("items", "list", cert, "-o", "csv")
	golden(t, "decide_items.csv", items)
	out, _ = c.mustRun("signoff", cert, "-o", "json")
	golden(t, "signoff.json", out)
	out, _ = c.mustRun("certs", "get", cert, "-o", "table")
	golden(t, "signoff.table", out)
}

func TestDecideRejectsBadFlagsBeforeCallingTheServer(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	for _, args := range [][]string{
		{"decide", clienttest.OtherCert},
		{"decide", clienttest.OtherCert, "--approve", "a,b", "--revoke", "b"},
	} {
		if _, _, err := c.run(args...); err == nil {
			t.Errorf("certsum %v succeeded", args)
		}
	}
	if n := srv.APIRequests(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestOutputDefaultsToATableOnATerminalAndJSONInAPipe(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	args := []string{"summary", "identities", clienttest.ReviewCert}
	table, _ := c.mustRun(append(args, "-o", "table")...)
	js, _ := c.mustRun(append(args, "-o", "json")...)
	piped, _ := c.mustRun(args...)
	if piped != js {
		t.Errorf("piped output is not the JSON output:\n%s", piped)
	}
	c.stdoutTerm = true
	term, _ := c.mustRun(args...)
	if term != table {
		t.Errorf("terminal output is not the table:\n%s", term)
	}
}

func TestAllWalksEveryPageWithProgressOnATerminal(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	args := []string{"items", "list", clienttest.ReviewCert, "-o", "csv"}
	want, _ := c.mustRun(args...)

	all, errOut := c.mustRun(append(args, "--all", "--limit", "3", "--count")...)
	if all != want {
		t.Errorf("--all in pages of 3 differs from one page:\n%s", all)
	}
	if errOut != "total: 8\n" {
		t.Errorf("stderr without a terminal %q, want only the total", errOut)
	}

	c.stderrTerm = true
	all, errOut = c.mustRun(append(args, "--all", "--limit", "3")...)
	if all != want {
		t.Errorf("--all with progress differs:\n%s", all)
	}
	for _, p := range []string{"\rfetched 3 of 8", "\rfetched 6 of 8", "\rfetched 8 of 8", "\r\033[K"} {
		if !strings.Contains(errOut, p) {
			t.Errorf("progress %q lacks %q", errOut, p)
		}
	}

	page, errOut := c.mustRun("summary", "identities", clienttest.ReviewCert, "--limit", "1", "--offset", "1", "--count", "-o", "csv")
	if page != "id,name,identity_id,completed\n"+clienttest.ReviewSumSue+",Sue Staff,"+clienttest.ID('i', 5)+",false\n" || errOut != "total: 2\n" {
		t.Errorf("--limit 1 --offset 1 --count: %q, stderr %q", page, errOut)
	}
}

func TestFailuresShowTheServersDetails(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	_, _, err := c.run("certs", "get", clienttest.ID('c', 99))
	if err == nil || !strings.Contains(err.Error(), "[HTTP 404, 404 Not found, tracking id ") {
		t.Errorf("unknown certification: %v", err)
	}
	_, _, err = c.run("items", "list", clienttest.ReviewCert, "--filter", "access.name ew \"x\"")
	if err == nil || !strings.Contains(err.Error(), "400.1.3 Illegal value") {
		t.Errorf("bad filter: %v", err)
	}
	_, _, err = c.run("summary", "access", clienttest.ReviewCert, "account")
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("bad access type: %v", err)
	}
	_, _, err = c.run("certs", "list", "-o", "yaml")
	if err == nil || !strings.Contains(err.Error(), "table, json or csv") {
		t.Errorf("-o yaml: %v", err)
	}
	c.env = map[string]string{}
	_, _, err = c.run("certs", "list")
	if err == nil || !strings.Contains(err.Error(), "not logged in") {
		t.Errorf("without credentials: %v", err)
	}
}

func TestLoginChecksAndSavesCredentialsPrivately(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	c.env = map[string]string{}
	path := filepath.Join(c.configDir, "certsum", "config.json")

	t.Run("wrong credentials are refused and nothing is saved", func(t *testing.T) {
		c.stdin = "wrong secret\n"
		_, _, err := c.run("login", "--base-url", srv.URL, "--client-id", srv.ClientID)
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
			t.Fatalf("login with a wrong secret: %v", err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("a failed login left %s (%v)", path, err)
		}
	})
	t.Run("the secret is read from standard input and saved 0600 in a 0700 directory", func(t *testing.T) {
		c.stdin = srv.Secret + "\n"
		out, _ := c.mustRun("login", "--base-url", srv.URL+"/", "--client-id", srv.ClientID)
		if !strings.HasPrefix(out, "Logged in to "+srv.URL+" as "+srv.ClientID) {
			t.Fatalf("login printed %q", out)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("config file mode %v, want 0600", st.Mode().Perm())
		}
		dir, err := os.Stat(filepath.Dir(path))
		if err != nil || dir.Mode().Perm() != 0o700 {
			t.Errorf("config directory mode %v (%v), want 0700", dir.Mode().Perm(), err)
		}
		var saved loginConfig
		b, _ := os.ReadFile(path)
		if err := json.Unmarshal(b, &saved); err != nil {
			t.Fatal(err)
		}
		if want := (loginConfig{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.Secret}); saved != want {
			t.Errorf("saved %+v, want %+v", saved, want)
		}
	})
	t.Run("the other commands use the saved login", func(t *testing.T) {
		out, _ := c.mustRun("certs", "get", clienttest.ReviewCert, "-o", "csv")
		if !strings.Contains(out, "Mia Manager's access review") {
			t.Fatalf("certs get with the saved login printed %q", out)
		}
	})
	t.Run("SAIL_ variables win over the saved login", func(t *testing.T) {
		c.env = map[string]string{envClientSecret: "overridden"}
		_, _, err := c.run("certs", "get", clienttest.ReviewCert)
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
			t.Fatalf("a wrong SAIL_CLIENT_SECRET did not take over: %v", err)
		}
		c.env = map[string]string{}
	})
	t.Run("login takes every value from SAIL_ variables, and prompts on a terminal", func(t *testing.T) {
		c.env = map[string]string{envBaseURL: srv.URL, envClientID: srv.ClientID, envClientSecret: srv.Secret}
		c.stdin = ""
		c.mustRun("login")
		c.env = map[string]string{envBaseURL: srv.URL}
		c.stdin = srv.ClientID + "\n" + srv.Secret + "\n"
		c.stderrTerm = true
		_, errOut := c.mustRun("login")
		if errOut != "Client ID: Client secret: " {
			t.Errorf("prompts %q", errOut)
		}
		c.stderrTerm = false
		c.env = map[string]string{}
		c.stdin = ""
		_, _, err := c.run("login", "--base-url", srv.URL)
		if err == nil || !strings.Contains(err.Error(), "client id is required") {
			t.Errorf("login without a client id: %v", err)
		}
	})
}

func TestRootRegistersTheClientCommands(t *testing.T) {
	root := newRootCmd(io.Discard, io.Discard)
	for _, path := range [][]string{
		{"login"}, {"certs", "list"}, {"certs", "get"}, {"summary", "decisions"}, {"summary", "identities"},
		{"summary", "access"}, {"items", "list"}, {"decide"}, {"signoff"}, {"reassign"}, {"reviewers"}, {"permissions"},
	} {
		cmd, _, err := root.Find(path)
		if err != nil || cmd.Name() != path[len(path)-1] {
			t.Errorf("certsum %s is not registered (%v)", strings.Join(path, " "), err)
		}
	}
}
