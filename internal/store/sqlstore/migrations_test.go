package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrationsAreOrderedByNumberAndRefuseBadNames(t *testing.T) {
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }
	ms, err := Migrations(fstest.MapFS{
		"migrations/010_late.sql": file("late"), "migrations/2_early.sql": file("early"), "migrations/README": file("x"),
	})
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[0].Body != "early" || ms[1].Name != "010_late.sql" {
		t.Fatalf("Migrations = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number":     {"migrations/core.sql": file("")},
		"zero":          {"migrations/0_core.sql": file("")},
		"shared number": {"migrations/1_a.sql": file(""), "migrations/01_b.sql": file("")},
	} {
		if _, err := Migrations(fsys); err == nil || !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: Migrations = %v, want an error", name, err)
		}
	}
}
