package httpapi

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var updateVersions = flag.Bool("update-versions", false, "rewrite docs/versions.md from the vendored specs")

// generation is one SailPoint API generation's document(s).
type generation struct {
	name  string
	files []string
	v1    bool // operationIds end in V1
}

var generations = []generation{
	{"v3", []string{"certifications-v3.openapi.json"}, false},
	{"v2025", []string{"certifications-v2025.openapi.json"}, false},
	{"v2026", []string{"certifications-v2026.openapi.json"}, false},
	{"beta", []string{"certifications-beta.openapi.json"}, false},
	{"…/v1", []string{"v1/certification-summaries.openapi.json", "v1/certifications.openapi.json",
		"v1/certification-campaigns.openapi.json", "v1/certification-campaign-filters.openapi.json"}, true},
}

// genOp is one operation of a generation: its path and its success answer's schema.
type genOp struct {
	method, path string
	schema       *openapi3.Schema
}

func loadGeneration(t *testing.T, g generation) map[string]genOp {
	t.Helper()
	ops := map[string]genOp{}
	for _, f := range g.files {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join("..", "..", "docs", "openapi", f))
		if err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			t.Fatalf("%s does not validate: %v", f, err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				id := op.OperationID
				if g.v1 {
					id = strings.TrimSuffix(id, "V1")
				}
				ops[id] = genOp{method: method, path: path, schema: successSchema(op)}
			}
		}
	}
	return ops
}

// successSchema is the JSON schema of an operation's first 2xx answer, nil for none.
func successSchema(op *openapi3.Operation) *openapi3.Schema {
	for _, code := range []string{"200", "201", "202"} {
		r := op.Responses.Value(code)
		if r == nil || r.Value == nil {
			continue
		}
		if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// schemaDiffs lists how schema b differs from a, field by field, under prefix.
func schemaDiffs(prefix string, a, b *openapi3.Schema, depth int, out *[]string) {
	if a == nil || b == nil || depth > 8 {
		if (a == nil) != (b == nil) {
			*out = append(*out, fmt.Sprintf("`%s`: present in one generation only", prefix))
		}
		return
	}
	at, bt := typeOf(a), typeOf(b)
	if at != bt {
		*out = append(*out, fmt.Sprintf("`%s`: type %s in v2024, %s here", prefix, at, bt))
	}
	if na, nb := nullableOf(a), nullableOf(b); na != nb {
		*out = append(*out, fmt.Sprintf("`%s`: nullable %v in v2024, %v here", prefix, na, nb))
	}
	if ea, eb := enumOf(a), enumOf(b); ea != eb {
		*out = append(*out, fmt.Sprintf("`%s`: values %s in v2024, %s here", prefix, ea, eb))
	}
	if ia, ib := itemsOf(a), itemsOf(b); ia != nil && ib != nil {
		schemaDiffs(prefix+"[]", ia, ib, depth+1, out)
	}
	pa, pb := properties(a), properties(b)
	ra, rb := required(a), required(b)
	names := map[string]bool{}
	for n := range pa {
		names[n] = true
	}
	for n := range pb {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		field := strings.TrimPrefix(prefix+"."+n, ".")
		x, y := pa[n], pb[n]
		switch {
		case x == nil:
			*out = append(*out, fmt.Sprintf("`%s`: only here", field))
		case y == nil:
			*out = append(*out, fmt.Sprintf("`%s`: only in v2024", field))
		default:
			if ra[n] != rb[n] {
				*out = append(*out, fmt.Sprintf("`%s`: required %v in v2024, %v here", field, ra[n], rb[n]))
			}
			schemaDiffs(field, x, y, depth+1, out)
		}
	}
}

// parts are the schemas a schema is made of: itself and, through allOf, its parts (a
// wrapper such as {"allOf": [{"$ref": …}], "nullable": true} says the same as the part).
func parts(s *openapi3.Schema) []*openapi3.Schema {
	out := []*openapi3.Schema{s}
	for _, p := range s.AllOf {
		if p.Value != nil {
			out = append(out, parts(p.Value)...)
		}
	}
	return out
}

func typeOf(s *openapi3.Schema) string {
	for _, p := range parts(s) {
		if p.Type != nil && len(p.Type.Slice()) > 0 {
			return strings.Join(p.Type.Slice(), "|")
		}
	}
	return "any"
}

func nullableOf(s *openapi3.Schema) bool {
	for _, p := range parts(s) {
		if p.Nullable {
			return true
		}
	}
	return false
}

func enumOf(s *openapi3.Schema) string {
	for _, p := range parts(s) {
		if len(p.Enum) > 0 {
			var vals []string
			for _, v := range p.Enum {
				vals = append(vals, fmt.Sprint(v))
			}
			sort.Strings(vals)
			return strings.Join(vals, ", ")
		}
	}
	return ""
}

func itemsOf(s *openapi3.Schema) *openapi3.Schema {
	for _, p := range parts(s) {
		if p.Items != nil && p.Items.Value != nil {
			return p.Items.Value
		}
	}
	return nil
}

// properties merges a schema's own properties with those of its allOf parts.
func properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	for n, p := range s.Properties {
		out[n] = p.Value
	}
	for _, part := range s.AllOf {
		if part.Value != nil {
			for n, p := range properties(part.Value) {
				out[n] = p
			}
		}
	}
	return out
}

func required(s *openapi3.Schema) map[string]bool {
	out := map[string]bool{}
	for _, r := range s.Required {
		out[r] = true
	}
	for _, part := range s.AllOf {
		if part.Value != nil {
			for r := range required(part.Value) {
				out[r] = true
			}
		}
	}
	return out
}

// TestVersionsDocumentIsTheSpecsDifferences: docs/versions.md lists, from the vendored
// specs, where each operation certsum serves on v2024 is in every other generation and how
// its answer's schema differs from v2024's; it must be what the specs say
// (go test ./internal/httpapi/ -run Versions -update-versions rewrites it).
func TestVersionsDocumentIsTheSpecsDifferences(t *testing.T) {
	base := map[string]genOp{}
	for _, op := range servedSpecOps(t) {
		item := mustSpec(t).Paths.Find(op.path)
		base[op.id] = genOp{method: op.method, path: op.path, schema: successSchema(item.GetOperation(op.method))}
	}
	ids := make([]string, 0, len(base))
	for id := range base {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("# API generations\n\n")
	b.WriteString("Generated from the vendored specs (`docs/openapi/`) by `TestVersionsDocumentIsTheSpecsDifferences`\n")
	b.WriteString("(`go test ./internal/httpapi/ -run Versions -update-versions` rewrites it). For each operation certsum\n")
	b.WriteString("serves on `/v2024`: its path in every other generation, and every way its success answer's schema\n")
	b.WriteString("differs from v2024's (fields, required keys, nullability, types, values). certsum serves `/v2024` today;\n")
	b.WriteString("the other generations are issue 16's.\n\n")
	b.WriteString("## Where each operation is\n\n| operation | v2024 |")
	loaded := make([]map[string]genOp, len(generations))
	for i, g := range generations {
		loaded[i] = loadGeneration(t, g)
		b.WriteString(" " + g.name + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(generations)) + "\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "| %s | `%s %s` |", id, base[id].method, base[id].path)
		for i := range generations {
			if op, ok := loaded[i][id]; ok {
				fmt.Fprintf(&b, " `%s %s` |", op.method, op.path)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## How the answers differ from v2024\n")
	any := false
	for i, g := range generations {
		var lines []string
		for _, id := range ids {
			op, ok := loaded[i][id]
			if !ok {
				continue
			}
			var diffs []string
			schemaDiffs("", base[id].schema, op.schema, 0, &diffs)
			for _, d := range diffs {
				lines = append(lines, fmt.Sprintf("- %s, %s", id, d))
			}
		}
		fmt.Fprintf(&b, "\n### %s\n\n", g.name)
		if len(lines) == 0 {
			b.WriteString("No difference.\n")
			continue
		}
		any = true
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	if !any {
		t.Log("no generation's answers differ from v2024's")
	}
	path := filepath.Join("..", "..", "docs", "versions.md")
	if *updateVersions {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/httpapi/ -run Versions -update-versions writes it)", err)
	}
	if string(want) != b.String() {
		t.Errorf("docs/versions.md is not what the specs say; go test ./internal/httpapi/ -run Versions -update-versions rewrites it")
	}
}
