package inventory

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/certsum/certsum"
)

// msg builds a protobuf message from its fields, the way the connector SDK writes them.
type msg []byte

func (m msg) str(num protowire.Number, s string) msg {
	return protowire.AppendString(protowire.AppendTag(m, num, protowire.BytesType), s)
}

func (m msg) sub(num protowire.Number, b msg) msg {
	return protowire.AppendBytes(protowire.AppendTag(m, num, protowire.BytesType), b)
}

func (m msg) varint(num protowire.Number, v uint64) msg {
	return protowire.AppendVarint(protowire.AppendTag(m, num, protowire.VarintType), v)
}

func resourceID(rt, rid string) msg { return msg(nil).str(1, rt).str(2, rid) }

func anyOf(typeURL string, value msg) msg { return msg(nil).str(1, typeURL).sub(2, value) }

// c1zTables is the v1 layout of the SDK's pkg/dotc1z (the columns the reader needs and the
// ones it must ignore).
const c1zTables = `
CREATE TABLE v1_resource_types (id INTEGER PRIMARY KEY, external_id TEXT, data BLOB, sync_id TEXT, discovered_at DATETIME);
CREATE TABLE v1_resources (id INTEGER PRIMARY KEY, resource_type_id TEXT, external_id TEXT, parent_resource_type_id TEXT,
	parent_resource_id TEXT, data BLOB, sync_id TEXT, discovered_at DATETIME);
CREATE TABLE v1_entitlements (id INTEGER PRIMARY KEY, resource_type_id TEXT, resource_id TEXT, external_id TEXT, data BLOB,
	sync_id TEXT, discovered_at DATETIME);
CREATE TABLE v1_grants (id INTEGER PRIMARY KEY, resource_type_id TEXT, resource_id TEXT, entitlement_id TEXT,
	principal_resource_type_id TEXT, principal_resource_id TEXT, external_id TEXT, expansion BLOB, needs_expansion INTEGER,
	data BLOB, sync_id TEXT, discovered_at DATETIME);
CREATE TABLE v1_sync_runs (id INTEGER PRIMARY KEY, sync_id TEXT, started_at DATETIME, ended_at DATETIME, sync_token TEXT,
	is_partial INTEGER, sync_type TEXT DEFAULT 'full', parent_sync_id TEXT);`

// writeC1Z builds a c1z v1 file of a small GitHub org: two users (one disabled, one without
// an email the organisation knows), a team with a member entitlement granted to both users and
// to a group, and an older sync that must be ignored.
func writeC1Z(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "payload.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(c1zTables); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO v1_sync_runs (sync_id, started_at, ended_at, is_partial, sync_type) VALUES
		('old', '2026-11-01', '2026-11-01', 0, 'full'), ('new', '2026-12-01', '2026-12-01', 0, 'full'),
		('partial', '2026-12-02', '2026-12-02', 1, 'partial'), ('running', '2026-12-03', NULL, 0, 'full')`)
	userType := msg(nil).str(1, "user").str(2, "User").varint(3, traitUser)
	teamType := msg(nil).str(1, "team").str(2, "Team").sub(3, protowire.AppendVarint(nil, 2)) // packed GROUP
	for _, sync := range []string{"old", "new"} {
		exec(`INSERT INTO v1_resource_types (external_id, data, sync_id) VALUES ('user', ?, ?), ('team', ?, ?)`,
			[]byte(userType), sync, []byte(teamType), sync)
	}
	grace := msg(nil).sub(1, resourceID("user", "ghopper")).str(3, "Grace Hopper").
		sub(4, anyOf(userTraitType, msg(nil).
			sub(1, msg(nil).str(1, "old@example.com")).
			sub(1, msg(nil).str(1, "grace@example.com").varint(2, 1)).
			sub(2, msg(nil).varint(1, statusEnabled)).
			str(6, "ghopper").
			sub(8, msg(nil).varint(1, 1700000000))))
	bot := msg(nil).sub(1, resourceID("user", "ci-bot")).str(3, "CI bot").
		sub(4, anyOf(userTraitType, msg(nil).sub(2, msg(nil).varint(1, 2)).str(6, "ci-bot")))
	team := msg(nil).sub(1, resourceID("team", "dev")).str(3, "dev").
		sub(4, anyOf("type.googleapis.com/c1.connector.v2.GroupTrait", msg(nil)))
	exec(`INSERT INTO v1_resources (resource_type_id, external_id, data, sync_id) VALUES
		('user', 'user:ghopper', ?, 'new'), ('user', 'user:ci-bot', ?, 'new'), ('team', 'team:dev', ?, 'new'),
		('user', 'user:gone', ?, 'old')`, []byte(grace), []byte(bot), []byte(team),
		[]byte(msg(nil).sub(1, resourceID("user", "gone")).str(3, "Gone")))
	member := msg(nil).sub(1, team).str(2, "team:dev:member").str(4, "Members of dev").str(8, "member")
	admin := msg(nil).sub(1, team).str(2, "team:dev:admin").str(3, "dev admins").str(8, "admin")
	exec(`INSERT INTO v1_entitlements (resource_type_id, resource_id, external_id, data, sync_id) VALUES
		('team', 'dev', 'team:dev:member', ?, 'new'), ('team', 'dev', 'team:dev:admin', ?, 'new')`, []byte(member), []byte(admin))
	exec(`INSERT INTO v1_grants (entitlement_id, principal_resource_type_id, principal_resource_id, external_id, data, sync_id) VALUES
		('team:dev:member', 'user', 'ghopper', 'team:dev:member:user:ghopper', x'', 'new'),
		('team:dev:member', 'user', 'ci-bot', 'team:dev:member:user:ci-bot', x'', 'new'),
		('team:dev:member', 'team', 'ops', 'team:dev:member:team:ops', x'', 'new'),
		('team:dev:admin', 'user', 'ghopper', 'team:dev:admin:user:ghopper', x'', 'new'),
		('team:dev:member', 'user', 'gone', 'team:dev:member:user:gone', x'', 'old')`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "github.c1z")
	if err := os.WriteFile(file, enc.EncodeAll(payload, []byte("C1ZF\x00")), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestAC1ZBecomesASourceWithItsAccountsEntitlementsAndAssignments(t *testing.T) {
	file := writeC1Z(t)
	in, report, err := ReadC1Z(context.Background(), file, C1ZOptions{SourceID: "github", SourceOwner: "ada",
		Correlate: func(email, login string) string {
			if email == "grace@example.com" {
				return "grace"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	created := certsum.NewTime(mustUnix(1700000000))
	want := &certsum.InventoryInput{
		FormatVersion: certsum.InventoryFormatVersion, Mode: certsum.ImportSnapshot,
		Scope:   &certsum.ImportScope{SourceIDs: []string{"github"}},
		Sources: []certsum.InputSource{{ID: "github", Name: "github", OwnerID: "ada", Type: "c1z"}},
		Accounts: []certsum.InputAccount{
			{ID: "github:ci-bot", SourceID: "github", NativeIdentity: "ci-bot", Name: "ci-bot", Disabled: true},
			{ID: "github:ghopper", SourceID: "github", NativeIdentity: "ghopper", IdentityID: "grace", Name: "ghopper", Created: &created},
		},
		Entitlements: []certsum.InputEntitlement{
			{ID: "github:team:dev:admin", SourceID: "github", Name: "dev admins", Attribute: "team", Value: "team:dev:admin", SchemaObjectType: "team"},
			{ID: "github:team:dev:member", SourceID: "github", Name: "dev member", Attribute: "team", Value: "team:dev:member",
				SchemaObjectType: "team", Description: "Members of dev"},
		},
		Assignments: []certsum.InputAssignment{
			{IdentityID: "grace", AccessType: certsum.TypeEntitlement, AccessID: "github:team:dev:admin", AccountID: "github:ghopper",
				ExternalID: "team:dev:admin:user:ghopper"},
			{IdentityID: "grace", AccessType: certsum.TypeEntitlement, AccessID: "github:team:dev:member", AccountID: "github:ghopper",
				ExternalID: "team:dev:member:user:ghopper"},
		},
	}
	if diff := cmp.Diff(want, in, cmpopts.IgnoreFields(certsum.InventoryInput{}, "Covers", "Name")); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
	if *report != (C1ZReport{Users: 2, Entitlements: 2, Grants: 4, GroupGrants: 1, UncorrelatedGrants: 1, SyncID: "new"}) {
		t.Errorf("report = %+v", *report)
	}
	// Without a way to correlate, every account is uncorrelated and nobody holds anything.
	alone, report2, err := ReadC1Z(context.Background(), file, C1ZOptions{SourceID: "github"})
	if err != nil || len(alone.Accounts) != 2 || len(alone.Assignments) != 0 || len(alone.Entitlements) != 0 ||
		report2.UncorrelatedGrants != 3 {
		t.Errorf("without correlation: %d accounts, %d assignments, %d entitlements, report %+v, %v",
			len(alone.Accounts), len(alone.Assignments), len(alone.Entitlements), report2, err)
	}
	// With the identities it names, the c1z's inventory passes every rule.
	stored := func(kind, id string) bool { return kind == "identity" && (id == "ada" || id == "grace") }
	if err := in.Check(stored); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestC1ZRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name, path, source, want string
	}{
		{"a v3 file", write("v3.c1z", []byte("C1Z3\x00\x00\x00\x00\x01")), "s", "--storage-engine sqlite"},
		{"not a c1z", write("x.c1z", []byte("PK\x03\x04zip")), "s", "not a c1z file"},
		{"a payload that is not zstd", write("bad.c1z", []byte("C1ZF\x00garbage")), "s", "does not decompress"},
		{"no source id", writeC1Z(t), "", "--source-id"},
		{"a source id with a slash", writeC1Z(t), "git/hub", "--source-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadC1Z(ctx, tc.path, C1ZOptions{SourceID: tc.source})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadC1Z = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	t.Run("a payload larger than the cap", func(t *testing.T) {
		_, _, err := ReadC1Z(ctx, writeC1Z(t), C1ZOptions{SourceID: "s", MaxDecoded: 1024})
		if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
			t.Fatalf("ReadC1Z = %v", err)
		}
	})
}

func mustUnix(secs int64) time.Time { return time.Unix(secs, 0) }

// FuzzC1ZMessages: the protobuf decoders never panic and refuse what is not a message.
func FuzzC1ZMessages(f *testing.F) {
	f.Add([]byte(msg(nil).sub(1, resourceID("user", "u")).str(3, "U").sub(4, anyOf(userTraitType, msg(nil).str(6, "u")))))
	f.Add([]byte(msg(nil).str(1, "user").varint(3, traitUser)))
	f.Add([]byte{0x0a, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeResource(b)
		_, _ = decodeEntitlement(b)
		_, _, _ = decodeResourceType(b)
	})
}
