package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

func TestCorrelationTriesTheMappingThenEmailThenLogin(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "map.csv")
	if err := os.WriteFile(good, []byte("\ufeffidentity_id,account\nada,ADMIN@corp.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMapping(good)
	if err != nil || m["ADMIN@corp.example"] != "ada" {
		t.Fatalf("ReadMapping: %v, %v", m, err)
	}
	c := NewCorrelation([]certsum.Identity{{ID: "ada", Name: "ada.l", Email: "ada@example.com"},
		{ID: "grace", Name: "ghopper", Email: "grace@example.com"}}, m)
	for _, tc := range []struct{ email, login, want string }{
		{"admin@corp.example", "", "ada"},   // the mapping, without regard to case
		{"GRACE@example.com", "x", "grace"}, // the email
		{"", "GHopper", "grace"},            // the login
		{"nobody@example.com", "nobody", ""},
	} {
		if got := c.Identity(tc.email, tc.login); got != tc.want {
			t.Errorf("Identity(%q, %q) = %q, want %q", tc.email, tc.login, got, tc.want)
		}
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("account,identity_id\nx@example.com,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ReadMapping(bad)
	var probs certsum.InputProblems
	if !errors.As(err, &probs) || len(probs) != 1 || probs[0].File != "bad.csv" || probs[0].Line != 2 ||
		!strings.Contains(probs[0].Message, "identity_id") {
		t.Errorf("a row without its identity: %v", err)
	}
	if _, err := ReadMapping(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("a missing mapping file was read")
	}
}
