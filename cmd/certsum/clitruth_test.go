package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/clienttest"
)

// filterExamples returns the filters a command's help shows: the --filter flag's example
// and every --filter '…' of its Example text.
func filterExamples(cmd *cobra.Command) []string {
	var out []string
	if f := cmd.Flags().Lookup("filter"); f != nil {
		if _, ex, ok := strings.Cut(f.Usage, "e.g. '"); ok {
			out = append(out, strings.TrimSuffix(ex, "'"))
		}
	}
	for _, m := range regexp.MustCompile(`--filter '([^']*)'`).FindAllStringSubmatch(cmd.Example, -1) {
		out = append(out, m[1])
	}
	return out
}

// Every filter the help of a list command shows is accepted by the server for that command,
// and every list command's help names its filters and sorters from the schema.
func TestEveryHelpFilterIsAcceptedByTheServer(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	cert := clienttest.ReviewCert
	args := map[string][]string{
		"certs list":          {"certs", "list"},
		"items list":          {"items", "list", cert},
		"summary identities":  {"summary", "identities", cert},
		"summary access":      {"summary", "access", cert, "ENTITLEMENT"},
		"reviewers":           {"reviewers", cert},
		"permissions":         {"permissions", cert, clienttest.ItemSamOrders},
		"campaigns list":      {"campaigns", "list"},
		"campaigns reviewers": {"campaigns", "reviewers", clienttest.ID('k', 1)},
	}
	root := c.root()
	var walk func(*cobra.Command)
	seen := 0
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if cmd.Flags().Lookup("filter") == nil {
			return
		}
		name := strings.TrimPrefix(cmd.CommandPath(), "certsum ")
		a, ok := args[name]
		if !ok {
			t.Errorf("certsum %s has --filter but this test does not know how to run it", name)
			return
		}
		if !strings.Contains(cmd.Long, "Filters: ") {
			t.Errorf("certsum %s: the help does not list the filters", name)
		}
		examples := filterExamples(cmd)
		if len(examples) == 0 {
			t.Errorf("certsum %s: no filter example in its help", name)
		}
		for _, ex := range examples {
			seen++
			out, stderr, err := c.run(append(append([]string{}, a...), "--filter", ex, "-o", "json")...)
			if err != nil {
				t.Errorf("certsum %s --filter '%s': %v\n%s", name, ex, err, stderr)
				continue
			}
			if !json.Valid([]byte(out)) {
				t.Errorf("certsum %s --filter '%s' printed %q", name, ex, out)
			}
		}
	}
	walk(root)
	if seen < len(args) {
		t.Errorf("checked %d examples, want at least one per list command (%d)", seen, len(args))
	}
}

// --limit outside 1–250 is refused as its help says, before any request.
func TestLimitOutsideItsRangeIsRefused(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	for _, limit := range []string{"-1", "251", "1000"} {
		_, _, err := c.run("certs", "list", "--limit", limit)
		if err == nil || !strings.Contains(err.Error(), "--limit must be from 1 to 250") {
			t.Errorf("--limit %s: %v", limit, err)
		}
	}
	for _, limit := range []string{"1", "250"} {
		c.mustRun("certs", "list", "--limit", limit, "-o", "json")
	}
}

// The reviewers, permissions and reassign commands reach their operations; a reassign that
// breaks a request rule is refused before any request, in terms of the command's flags.
func TestReviewersPermissionsAndReassign(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	cert := clienttest.ReviewCert
	out, _ := c.mustRun("reviewers", cert, "-o", "json")
	var refs []certsum.IdentityReference
	if err := json.Unmarshal([]byte(out), &refs); err != nil || len(refs) != 1 || refs[0].ID != clienttest.ReviewerID {
		t.Errorf("reviewers: %v %s", err, out)
	}
	out, _ = c.mustRun("permissions", cert, clienttest.ItemSamOrders, "-o", "csv")
	if !strings.HasPrefix(out, "target,rights\n") || strings.Count(out, "\n") < 2 {
		t.Errorf("permissions -o csv:\n%s", out)
	}
	if _, _, err := c.run("reassign", cert, "--to", clienttest.AdminID, "--item", clienttest.ItemSamRole); err == nil ||
		!strings.Contains(err.Error(), "--reason is required") {
		t.Errorf("reassign without --reason: %v", err)
	}
	if _, _, err := c.run("reassign", cert, "--to", clienttest.AdminID, "--reason", "x"); err == nil ||
		!strings.Contains(err.Error(), "at least one reference") {
		t.Errorf("reassign without references: %v", err)
	}
	out, _ = c.mustRun("reassign", cert, "--to", clienttest.AdminID, "--reason", "on leave", "--identity-summary", clienttest.ReviewSumSue, "-o", "json")
	var got certsum.Certification
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.ID != cert || got.IdentitiesTotal != 1 {
		t.Errorf("reassign printed %v %s, want the source certification with one identity left", err, out)
	}
}

// A decision the server refuses is reported with the server's own "decision N" wording.
func TestDecideReportsTheDecisionTheServerRefused(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	_, _, err := c.run("decide", clienttest.ReviewCert, "--approve", clienttest.ItemSamRole+","+clienttest.ItemSamProfile,
		"--comment", strings.Repeat("x", certsum.MaxTextLength+1))
	if err == nil || !strings.Contains(err.Error(), "decision 0: comments has 4097 characters") {
		t.Errorf("decide with an over-long comment: %v", err)
	}
}
