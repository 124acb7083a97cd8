package inventory

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/certsum/certsum"
)

// The example set of docs/import.md: a directory of CSV files and the same inventory as one
// JSON document.
const exampleDir, exampleJSON = "../../docs/import/example", "../../docs/import/example.json"

func mustExamples(t *testing.T) (fromCSV, fromJSON *certsum.InventoryInput) {
	t.Helper()
	fromCSV, err := ParseCSV(os.DirFS(exampleDir), "example")
	if err != nil {
		t.Fatalf("the CSV example: %v", err)
	}
	f, err := os.Open(exampleJSON)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fromJSON, err = ParseJSON(f, "example.json")
	if err != nil {
		t.Fatalf("the JSON example: %v", err)
	}
	return fromCSV, fromJSON
}

// TestTheExamplesAreOneInventory: the documented CSV set and JSON document parse, pass every
// rule, and hold the same inventory; every object knows its line.
func TestTheExamplesAreOneInventory(t *testing.T) {
	fromCSV, fromJSON := mustExamples(t)
	for name, in := range map[string]*certsum.InventoryInput{"csv": fromCSV, "json": fromJSON} {
		if err := in.Check(nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	ignore := cmpopts.IgnoreTypes(certsum.InputPos{})
	fromJSON.Mode = "" // the CSV set has no mode: snapshot is the default
	fromCSV.Name, fromJSON.Name = "", ""
	if diff := cmp.Diff(fromJSON, fromCSV, ignore); diff != "" {
		t.Errorf("the CSV and JSON examples differ (-json +csv):\n%s", diff)
	}
	if len(fromCSV.Identities) != 3 || fromCSV.Identities[1].Pos != (certsum.InputPos{File: "identities.csv", Line: 3, Column: 1}) {
		t.Errorf("grace's position = %+v", fromCSV.Identities[1].Pos)
	}
	if fromCSV.Identities[0].Attributes["location"] != "London" || fromCSV.Accounts[0].Attributes["title"] != "Director" {
		t.Errorf("attr.* columns: %+v, %+v", fromCSV.Identities[0].Attributes, fromCSV.Accounts[0].Attributes)
	}
	if p := fromJSON.Assignments[2].Pos; p.File != "example.json" || p.Line != 45 || p.Column != 5 {
		t.Errorf("the third assignment's position = %+v, want example.json:45:5", p)
	}
	if !fromCSV.Covers["governanceGroups"] || !fromJSON.Covers["roles"] || fromCSV.Covers["nothing"] {
		t.Errorf("covered kinds: csv %v, json %v", fromCSV.Covers, fromJSON.Covers)
	}
}

// mustProblems fails unless err is InputProblems holding each want (position and a piece of
// the message), in order.
func mustProblems(t *testing.T, err error, want ...certsum.InputProblem) {
	t.Helper()
	ps, ok := err.(certsum.InputProblems)
	if !ok {
		t.Fatalf("error %v (%T), want InputProblems", err, err)
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		if ps[i].InputPos != w.InputPos || !strings.Contains(ps[i].Message, w.Message) {
			t.Errorf("problem %d = %s: %s, want %s: …%s…", i, ps[i].InputPos, ps[i].Message, w.InputPos, w.Message)
		}
	}
}

func at(file string, line, col int, msg string) certsum.InputProblem {
	return certsum.InputProblem{InputPos: certsum.InputPos{File: file, Line: line, Column: col}, Message: msg}
}

func TestJSONProblemsNameTheirPlace(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      certsum.InputProblem
	}{
		{"not an object", `[1]`, at("in.json", 1, 1, "must be a JSON object")},
		{"an unknown top-level key", "{\n  \"formatVersion\": 1,\n  \"people\": []\n}", at("in.json", 3, 3, `unknown key "people"`)},
		{"an unknown key in an object", "{\"identities\": [\n {\"id\": \"a\", \"name\": \"a\"},\n {\"id\": \"b\", \"nmae\": \"b\"}]}",
			at("in.json", 3, 2, `unknown field "nmae"`)},
		{"a value of the wrong type", "{\"identities\": [{\"id\": 7, \"name\": \"a\"}]}", at("in.json", 1, 24, "id must be string")},
		{"a syntax error", "{\"identities\": [\n{\"id\": \"a\",}]}", at("in.json", 2, 12, "invalid character")},
		{"a repeated key", `{"roles": [], "roles": []}`, at("in.json", 1, 15, `key "roles" appears twice`)},
		{"data after the document", "{}\n{}", at("in.json", 2, 1, "data after the document")},
		{"a list that is not an array", `{"roles": {}}`, at("in.json", 1, 11, "roles must be an array")},
		{"the end of the input", `{"roles": [`, at("in.json", 1, 12, "ends early")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJSON(strings.NewReader(tc.doc), "in.json")
			mustProblems(t, err, tc.want)
		})
	}
}

func TestCSVProblemsNameTheirPlace(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ids := file("id,name\nada,ada\n")
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want []certsum.InputProblem
	}{
		{"no identities.csv", fstest.MapFS{"roles.csv": file("id,name,owner_id\n")},
			[]certsum.InputProblem{at("dir", 0, 0, "identities.csv is required")}},
		{"an unknown file", fstest.MapFS{"identities.csv": ids, "people.csv": file("id\n")},
			[]certsum.InputProblem{at("people.csv", 0, 0, "unknown file")}},
		{"an unknown column and a missing one", fstest.MapFS{"identities.csv": file("id,nmae\nada,ada\n")},
			[]certsum.InputProblem{at("identities.csv", 1, 4, `unknown column "nmae"`), at("identities.csv", 1, 1, `column "name" is required`)}},
		{"attr columns where the kind has none", fstest.MapFS{"identities.csv": ids, "sources.csv": file("id,name,attr.x\nad,AD,1\n")},
			[]certsum.InputProblem{at("sources.csv", 1, 9, `unknown column "attr.x"`)}},
		{"an empty required cell, a bad flag and a bad time", fstest.MapFS{"identities.csv": ids,
			"accounts.csv": file("id,source_id,native_identity,disabled,created\nad:ada,ad,,yes,2024-13-01\n")},
			[]certsum.InputProblem{at("accounts.csv", 2, 11, "native_identity is required"),
				at("accounts.csv", 2, 12, `disabled: "yes" is not true`), at("accounts.csv", 2, 16, "created:")}},
		{"a bad usage count, permission and data access", fstest.MapFS{"identities.csv": ids,
			"accounts.csv":     file("id,source_id,native_identity,usage_days\nad:ada,ad,ada,many\n"),
			"entitlements.csv": file("id,source_id,name,permissions,data_access\nx,ad,X,READ-only,\"{\"\"policies\"\":1}\"\n")},
			[]certsum.InputProblem{at("accounts.csv", 2, 15, `usage_days: "many" is not a whole number`),
				at("entitlements.csv", 2, 8, `permissions: "READ-only" is not target:RIGHT,RIGHT`),
				at("entitlements.csv", 2, 18, "data_access: not a dataAccess JSON object")}},
		{"a broken quote", fstest.MapFS{"identities.csv": file("id,name\n\"ada,ada\n")},
			[]certsum.InputProblem{at("identities.csv", 2, 10, "quote")}},
		{"a column twice", fstest.MapFS{"identities.csv": file("id,name,name\nada,ada,ada\n")},
			[]certsum.InputProblem{at("identities.csv", 1, 9, `column "name" appears twice`)}},
		{"a row of the wrong length", fstest.MapFS{"identities.csv": file("id,name\nada,ada,extra\n")},
			[]certsum.InputProblem{at("identities.csv", 2, 1, "wrong number of fields")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(tc.fs, "dir")
			mustProblems(t, err, tc.want...)
		})
	}
}

// TestCheckRefusesAnInconsistentInventory: every rule names the object it refuses, where it
// stands; references may point to stored objects.
func TestCheckRefusesAnInconsistentInventory(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	in, err := ParseCSV(fstest.MapFS{
		"identities.csv":      file("id,name,manager_id\nada,ada,ada\ngrace,grace,bob\nada,again,\nbad id,x,\n"),
		"sources.csv":         file("id,name,owner_id\nad,AD,ada\ngh,GitHub,stored-owner\n"),
		"accounts.csv":        file("id,source_id,native_identity,identity_id\ngh:grace,gh,grace,grace\n"),
		"entitlements.csv":    file("id,source_id,name\nad:users,ad,Users\ngh:dev,gh,dev\n"),
		"access_profiles.csv": file("id,name,source_id,owner_id,entitlement_ids\nap,AP,ad,ada,ad:users;gh:dev;ad:users\n"),
		"assignments.csv": file("identity_id,access_type,access_id,account_id\n" +
			"ada,ENTITLEMENT,gh:dev,gh:grace\ngrace,role,nothing,\ngrace,ENTITLEMENT,gh:dev,gh:grace\ngrace,ENTITLEMENT,gh:dev,gh:grace\n"),
	}, "dir")
	if err != nil {
		t.Fatal(err)
	}
	stored := func(kind, id string) bool { return kind == "identity" && id == "stored-owner" }
	mustProblems(t, in.Check(stored),
		at("access_profiles.csv", 2, 1, `entitlement "gh:dev" is on source "gh", not on the access profile's source "ad"`),
		at("access_profiles.csv", 2, 1, `entitlement "ad:users" is listed twice`),
		at("assignments.csv", 2, 1, `account "gh:grace" belongs to "grace", not to "ada"`),
		at("assignments.csv", 3, 1, `accessId "nothing" names no role`),
		at("assignments.csv", 5, 1, "the same assignment is also at assignments.csv:4:1"),
		at("identities.csv", 2, 1, `identity "ada" is its own manager`),
		at("identities.csv", 3, 1, `managerId "bob" names no identity`),
		at("identities.csv", 4, 1, `identity id "ada" is also at identities.csv:2:1`),
		at("identities.csv", 5, 1, `identity id "bad id" is not`),
	)
	// The same input with bob stored: one problem fewer.
	withBob := func(kind, id string) bool { return stored(kind, id) || kind == "identity" && id == "bob" }
	if ps, _ := in.Check(withBob).(certsum.InputProblems); len(ps) != 8 {
		t.Errorf("with bob stored: %d problems, want 8: %v", len(ps), ps)
	}
	bad := &certsum.InventoryInput{FormatVersion: 2, Mode: "replace", Name: "x.json",
		Scope: &certsum.ImportScope{SourceIDs: []string{"okta"}}}
	mustProblems(t, bad.Check(nil), at("x.json", 0, 0, "formatVersion is 2"), at("x.json", 0, 0, `mode "replace"`),
		at("x.json", 0, 0, `scope source "okta" names no source`))

	details, err := ParseCSV(fstest.MapFS{
		"identities.csv":        file("id,name\nada,ada\n"),
		"sources.csv":           file("id,name\nad,AD\n"),
		"accounts.csv":          file("id,source_id,native_identity,usage_days\nad:ada,ad,ada,91\nad:x,ad,x,-1\n"),
		"entitlements.csv":      file("id,source_id,name,permissions,data_access\nad:u,ad,U,tgt:,\"{\"\"categories\"\":[{\"\"value\"\":\"\"PII\"\",\"\"matchCount\"\":-2}]}\"\n"),
		"governance_groups.csv": file("id,name,member_ids,owner_id\ngg,GG,ada,nobody\n"),
	}, "dir")
	if err != nil {
		t.Fatal(err)
	}
	mustProblems(t, details.Check(nil),
		at("accounts.csv", 2, 1, "usageDays 91 is not between 0 and 90"),
		at("accounts.csv", 3, 1, "usageDays -1 is not between 0 and 90"),
		at("entitlements.csv", 2, 1, "permission 1 needs a target and at least one right"),
		at("entitlements.csv", 2, 1, `dataAccess category "PII" needs a name and a match count`),
		at("governance_groups.csv", 2, 1, `ownerId "nobody" names no identity`),
	)
}

// FuzzParseJSON: any input is parsed or refused with problems that name a place inside it.
func FuzzParseJSON(f *testing.F) {
	data, err := os.ReadFile(exampleJSON)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"identities":[{"id":"a","name":"a","attributes":{"x":"y"}}],"scope":{"sourceIds":["s"]}}`))
	f.Add([]byte("{\"roles\": [\n{\"id\": 1}]}"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		in, err := ParseJSON(strings.NewReader(string(doc)), "f.json")
		if err == nil {
			_ = in.Check(nil)
			return
		}
		mustPlaceInside(t, err, "f.json", doc)
	})
}

// FuzzParseCSV: any identities.csv is parsed or refused with problems inside it.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("id,name,attr.dept\nada,ada,Eng\n"))
	f.Add([]byte("id,name\n\"a\"\"b\",x\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		in, err := ParseCSV(fstest.MapFS{"identities.csv": &fstest.MapFile{Data: doc}}, "dir")
		if err == nil {
			_ = in.Check(nil)
			return
		}
		mustPlaceInside(t, err, "identities.csv", doc)
	})
}

// mustPlaceInside fails unless err is InputProblems, each at a line and column of doc, the
// content of file.
func mustPlaceInside(t *testing.T, err error, file string, doc []byte) {
	t.Helper()
	ps, ok := err.(certsum.InputProblems)
	if !ok || len(ps) == 0 {
		t.Fatalf("error %v (%T)", err, err)
	}
	lines := strings.Count(string(doc), "\n") + 1
	for _, p := range ps {
		if p.File != file || p.Line < 1 || p.Line > lines || p.Column < 1 {
			t.Fatalf("problem at %s in a %d-line input: %s", p.InputPos, lines, p.Message)
		}
	}
}
