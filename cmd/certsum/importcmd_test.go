package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runRootErr runs one command line of the real command tree and returns stdout and stderr.
func runRootErr(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	for _, v := range []string{"CERTSUM_DATABASE_URL", "CERTSUM_DATABASE_URL_FILE"} {
		t.Setenv(v, "")
	}
	var stdout, stderr bytes.Buffer
	root := newRootCmd(&stdout, &stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// copyDir copies the files of a flat directory into a new temporary one.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func TestImportCommandDryRunsImportsAndRefusesWithPositions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "import.db")
	example := filepath.Join("..", "..", "docs", "import", "example")

	out, _, err := runRootErr(t, "import", "--db", db, "--dry-run", example)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	for _, want := range []string{"created  identity ada", "created  assignment ada/ENTITLEMENT/ad:domain-admins/ad:ada",
		"dry run: nothing written; importing would make inventory version 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runRootErr(t, "import", "--db", db, example)
	if err != nil || !strings.Contains(out, "imported: inventory version 1") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	// The JSON document is the same inventory: nothing changes.
	out, _, err = runRootErr(t, "import", "--db", db, filepath.Join("..", "..", "docs", "import", "example.json"))
	if err != nil || !strings.Contains(out, "nothing changed: the inventory stays at version 1") {
		t.Fatalf("import of the JSON twin: %v\n%s", err, out)
	}

	// A broken copy is refused whole, with file, line and column, and exit status 1.
	broken := copyDir(t, example)
	ids, err := os.ReadFile(filepath.Join(broken, "identities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(ids), "\n"), "\n")
	lines = append(lines, "zed,zed,,,nobody,,,")
	if err := os.WriteFile(filepath.Join(broken, "identities.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runRootErr(t, "import", "--db", db, broken)
	var ex exitError
	if !errors.As(err, &ex) || ex.code != 1 {
		t.Fatalf("broken import: err %v, want exit status 1", err)
	}
	wantPos := "identities.csv:" + strconv.Itoa(len(lines)) + ":1: managerId \"nobody\" names no identity"
	if !strings.Contains(stderr, wantPos) {
		t.Errorf("stderr lacks %q:\n%s", wantPos, stderr)
	}
	out, _, err = runRootErr(t, "import", "--db", db, "--dry-run", example)
	if err != nil || !strings.Contains(out, "the input matches the stored inventory (version 1)") {
		t.Errorf("after the refused import the stored inventory changed: %v\n%s", err, out)
	}
}

func TestImportCommandRefusesC1ZFlagsForOtherFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "import.db")
	_, _, err := runRootErr(t, "import", "--db", db, "--source-id", "x", filepath.Join("..", "..", "docs", "import", "example.json"))
	if err == nil || !strings.Contains(err.Error(), "are for .c1z files") {
		t.Errorf("err = %v, want the c1z flags refused", err)
	}
}
