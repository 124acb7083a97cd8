package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specPath is the v2024 contract, vendored into the repository (docs/openapi/README.md),
// relative to this package's directory.
const specPath = "../../docs/openapi/certifications-v2024.openapi.json"

// Tags whose operations this package serves; the campaign operations come with their own
// issue.
var servedTags = []string{"Certifications", "Certification Summaries", "Certification Campaigns"}

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// mustSpec loads and validates the spec once per test binary.
func mustSpec(t testing.TB) *openapi3.T {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromFile(specPath)
		if specErr == nil {
			specErr = specDoc.Validate(loader.Context, openapi3.DisableExamplesValidation())
		}
	})
	if specErr != nil {
		t.Fatalf("load %s: %v", specPath, specErr)
	}
	return specDoc
}

// specOp is one operation of the spec.
type specOp struct {
	method, path, id string
	scopes           []string
	levels           []string // x-sailpoint-userLevels
}

func servedSpecOps(t testing.TB) []specOp {
	doc := mustSpec(t)
	var ops []specOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !slices.ContainsFunc(op.Tags, func(tag string) bool { return slices.Contains(servedTags, tag) }) {
				continue
			}
			var scopes []string
			if op.Security != nil {
				for _, req := range *op.Security {
					scopes = append(scopes, req["userAuth"]...)
				}
			}
			var levels []string
			if raw, ok := op.Extensions["x-sailpoint-userLevels"].([]any); ok {
				for _, l := range raw {
					levels = append(levels, fmt.Sprint(l))
				}
			}
			ops = append(ops, specOp{method: method, path: path, id: op.OperationID, scopes: scopes, levels: levels})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return ops
}

func TestEveryRouteIsASpecOperationAndEverySpecOperationIsRouted(t *testing.T) {
	if ops := servedSpecOps(t); len(ops) != 18 {
		t.Fatalf("the v2024 spec has %d operations tagged %v, want 18", len(ops), servedTags)
	}
	routes := (&server{}).routes()
	for _, sg := range specGens {
		t.Run(sg.name, func(t *testing.T) {
			g := generationByName(sg.name)
			spec := loadGeneration(t, sg)
			type key struct{ method, path string }
			routed := map[key]route{}
			for _, rt := range routes {
				if _, ok := g.ops[rt.op]; !ok {
					continue
				}
				k := key{rt.method, g.path(rt.pattern)}
				if _, dup := routed[k]; dup {
					t.Errorf("route %s %s is registered twice", k.method, k.path)
				}
				routed[k] = rt
				op, ok := spec[rt.op]
				if !ok {
					t.Errorf("route %s %s (%s) is not an operation of the spec", k.method, k.path, rt.op)
					continue
				}
				if specPath := g.root + op.path; op.method != rt.method || specPath != k.path && op.path != k.path {
					t.Errorf("%s is served at %s %s, the spec has it at %s %s", rt.op, k.method, k.path, op.method, op.path)
				}
				if scopes := specScopes(op.op); !slices.Equal(scopes, g.ops[rt.op].scopes) {
					t.Errorf("%s needs scopes %v, the spec says %v", rt.op, g.ops[rt.op].scopes, scopes)
				}
				// A route that names levels names the spec's, unless the spec names none
				// (the campaign filters, which certsum keeps to campaign admins); the other
				// routes admit any user, and their handlers apply the per-certification rules.
				var levels []string
				if raw, ok := op.op.Extensions["x-sailpoint-userLevels"].([]any); ok {
					for _, l := range raw {
						levels = append(levels, fmt.Sprint(l))
					}
				}
				if rt.levels != nil && levels != nil && !slices.Equal(levels, rt.levels) {
					t.Errorf("%s needs levels %v, the spec says %v", rt.op, rt.levels, levels)
				}
			}
			// Every operation of the spec that certsum implements in any generation is routed
			// in this one.
			for id, op := range spec {
				if _, ok := g.ops[id]; !ok {
					if slices.ContainsFunc(routes, func(rt route) bool { return rt.op == id }) {
						t.Errorf("spec operation %s (%s %s) is not routed", id, op.method, op.path)
					}
				}
			}
		})
	}
}

// contract validates HTTP exchanges against the spec of the generation the request's path
// belongs to.
type contract struct {
	doc    *openapi3.T    // v2024's, for answers no operation describes
	mux    *http.ServeMux // pattern lookup only
	routes map[string]contractRoute
	// synthetic marks a contract fed made-up responses, which prove nothing about coverage.
	synthetic bool
}

// contractRoute is what the contract knows of one routed pattern: its generation and the
// spec operation it serves.
type contractRoute struct {
	gen  *generation
	spec genOp
}

// validated records, per generation and operationId ("v3 getCampaign"), the statuses of
// responses validated against the spec during this test binary's run; TestMain checks that
// a full run covered each operation's documented answers in every generation.
var validated = struct {
	sync.Mutex
	m map[string]map[int]bool
}{m: map[string]map[int]bool{}}

func newContract(t testing.TB) *contract {
	c := &contract{doc: mustSpec(t), mux: http.NewServeMux(), routes: map[string]contractRoute{}}
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	pathSeen := map[string]bool{}
	for _, sg := range specGens {
		g := generationByName(sg.name)
		spec := loadGeneration(t, sg)
		for _, rt := range (&server{}).routes() {
			if _, ok := g.ops[rt.op]; !ok {
				continue
			}
			// The lookup is by path, then method, as the server routes: a path that one
			// operation has literally (POST /campaigns/delete) is that path for every method,
			// not another operation's {id}.
			path := g.path(rt.pattern)
			if _, seen := pathSeen[path]; !seen {
				pathSeen[path] = true
				c.mux.Handle(path, nop)
			}
			c.routes[rt.method+" "+path] = contractRoute{gen: g, spec: spec[rt.op]}
		}
	}
	return c
}

// check validates one response to req against the spec: the schema of the operation's
// response for that status (which must be listed), or, for answers no operation describes
// (unknown paths, wrong methods, 503), the ErrorResponseDto schema.
func (c *contract) check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	// A download says so in its Content-Disposition; its own document gives its type.
	download := status == http.StatusOK && strings.HasPrefix(header.Get("Content-Disposition"), "attachment;")
	if ct := header.Get("Content-Type"); ct != "application/json" && !download {
		t.Errorf("%s %s → %d: Content-Type %q, want application/json", req.Method, req.URL, status, ct)
	}
	probe := req.Clone(context.Background())
	probe.URL.Path = collapseSlashes(req.URL.Path)
	probe.URL.RawPath = ""
	_, pattern := c.mux.Handler(probe)
	cr, routed := c.routes[req.Method+" "+pattern]
	if !routed {
		// No operation describes this answer: an unknown path or a wrong method is still an
		// ErrorResponseDto (the same schema in every generation); the token endpoint and
		// JWKS have their own documents. A 401 is the bearer check's, which runs before
		// routing: the same {"error": …} document as on every operation.
		if status == http.StatusUnauthorized && !strings.HasPrefix(probe.URL.Path, "/oauth/") {
			var doc map[string]string
			if json.Unmarshal(body, &doc) != nil || doc["error"] == "" {
				t.Errorf("%s %s → 401: not the bearer check's {\"error\": …}: %s", req.Method, req.URL, body)
			}
			return
		}
		if status >= 400 && !strings.HasPrefix(probe.URL.Path, "/oauth/") {
			c.checkSchema(t, req, status, "ErrorResponseDto", body)
			var dto errorResponse
			if json.Unmarshal(body, &dto) != nil || dto.DetailCode == "" || dto.TrackingID == "" || len(dto.Messages) == 0 {
				t.Errorf("%s %s → %d: not a complete ErrorResponseDto: %s", req.Method, req.URL, status, body)
			}
		}
		return
	}
	doc, path, op := cr.spec.doc, cr.spec.path, cr.spec.op
	item := doc.Paths.Find(path)
	switch status {
	case http.StatusServiceUnavailable, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		// Transport-level answers no operation lists; still an ErrorResponseDto.
		c.checkSchema(t, req, status, "ErrorResponseDto", body)
		return
	}
	defer c.record(cr.gen.name+" "+routeOp(op.OperationID), status)
	in := &openapi3filter.RequestValidationInput{
		Request:    probe,
		PathParams: pathParams(path, strings.TrimPrefix(probe.URL.EscapedPath(), cr.gen.root)),
		Route:      &routers.Route{Spec: doc, Path: path, PathItem: item, Method: req.Method, Operation: op},
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match the %s spec: %v\nbody: %.2000s", req.Method, req.URL, status, cr.gen.name, err, body)
	}
}

// routeOp is the route table's name of a spec operationId: the service-versioned
// generation's without its V1.
func routeOp(id string) string { return strings.TrimSuffix(id, "V1") }

// record notes that a response of the API to op with this status was validated.
func (c *contract) record(op string, status int) {
	if c.synthetic {
		return
	}
	validated.Lock()
	defer validated.Unlock()
	if validated.m[op] == nil {
		validated.m[op] = map[int]bool{}
	}
	validated.m[op][status] = true
}

// checkSchema validates body against a named component schema.
func (c *contract) checkSchema(t testing.TB, req *http.Request, status int, schema string, body []byte) {
	t.Helper()
	ref := c.doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		t.Fatalf("spec has no schema %s", schema)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s %s → %d: body is not JSON: %v", req.Method, req.URL, status, err)
		return
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Errorf("%s %s → %d: body is not a %s: %v\nbody: %s", req.Method, req.URL, status, schema, err, body)
	}
}

// pathParams maps the {names} of a spec path to the unescaped elements of a request path
// (below the generation's root).
func pathParams(specPath, escapedPath string) map[string]string {
	names := strings.Split(specPath, "/")
	values := strings.Split(escapedPath, "/")
	params := map[string]string{}
	for i, n := range names {
		if strings.HasPrefix(n, "{") && i < len(values) {
			v, err := url.PathUnescape(values[i])
			if err != nil {
				v = values[i]
			}
			params[strings.Trim(n, "{}")] = v
		}
	}
	return params
}

// compactJSON returns b re-encoded without insignificant space, for byte comparisons.
func compactJSON(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %s: %v", b, err)
	}
	return buf.String()
}

// TestMain runs the tests and then, after a full run (no -run, no -short), fails unless
// every served operation had a success and each of its documented error statuses that a
// client can provoke validated against the spec: 400 where the operation takes query
// parameters or a body, 401, 403, and 404 where the spec lists it. 429 and 500 are proven
// on representative routes by their own tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		if gaps := coverageGaps(); len(gaps) > 0 {
			fmt.Fprintln(os.Stderr, "responses never validated against the spec:")
			for _, g := range gaps {
				fmt.Fprintln(os.Stderr, "  "+g)
			}
			code = 1
		}
	}
	os.Exit(code)
}

func coverageGaps() []string {
	validated.Lock()
	defer validated.Unlock()
	var gaps []string
	for _, sg := range specGens {
		g := generationByName(sg.name)
		spec := loadGeneration(nopTB{}, sg)
		for _, rt := range (&server{}).routes() {
			if _, ok := g.ops[rt.op]; !ok {
				continue
			}
			op := spec[rt.op].op
			success := 200
			for _, st := range []int{201, 202, 204} {
				if op.Responses.Status(200) == nil && op.Responses.Status(st) != nil {
					success = st
				}
			}
			want := []int{success, 401, 403}
			if op.Responses.Status(404) != nil {
				want = append(want, 404)
			}
			hasQuery := op.RequestBody != nil
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == "query" {
					hasQuery = true
				}
			}
			if hasQuery {
				want = append(want, 400)
			}
			key := sg.name + " " + rt.op
			for _, st := range want {
				if !validated.m[key][st] {
					gaps = append(gaps, fmt.Sprintf("%s %d", key, st))
				}
			}
		}
	}
	sort.Strings(gaps)
	return gaps
}

// nopTB lets mustSpec run outside a test; the spec was loaded by the tests already.
type nopTB struct{ testing.TB }

func (nopTB) Helper()                   {}
func (nopTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// recordingTB collects the failures a check reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }
func (r *recordingTB) Fatalf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

func TestTheContractCheckRejectsResponsesTheSpecForbids(t *testing.T) {
	c := newContract(t)
	c.synthetic = true
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	summary := `{"entitlementDecisionsMade":1,"accessProfileDecisionsMade":0,"roleDecisionsMade":0,"accountDecisionsMade":0,` +
		`"entitlementDecisionsTotal":2,"accessProfileDecisionsTotal":0,"roleDecisionsTotal":0,"accountDecisionsTotal":0,` +
		`"entitlementsApproved":1,"entitlementsRevoked":0,"accessProfilesApproved":0,"accessProfilesRevoked":0,` +
		`"rolesApproved":0,"rolesRevoked":0,"accountsApproved":0,"accountsRevoked":0}`
	tests := []struct {
		name   string
		target string
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"a well-formed decision summary passes", "/v2024/certifications/x/decision-summary", 200, jsonHeader, summary, true},
		{"a count sent as a string fails", "/v2024/certifications/x/decision-summary", 200, jsonHeader,
			strings.Replace(summary, `"entitlementDecisionsMade":1`, `"entitlementDecisionsMade":"1"`, 1), false},
		{"null instead of a list fails", "/v2024/certifications/x/identity-summaries", 200, jsonHeader, `null`, false},
		{"an unknown phase fails", "/v2024/certifications", 200, jsonHeader, `[{"id":"a","phase":"DONE"}]`, false},
		{"a status the operation does not list fails", "/v2024/certifications/x/decision-summary", 418, jsonHeader, `{}`, false},
		{"a text/plain answer fails", "/v2024/certifications/x/decision-summary", 200, http.Header{"Content-Type": {"text/plain"}}, summary, false},
		{"an error body with a wrong type fails", "/v2024/certifications/x", 404, jsonHeader, `{"detailCode":404}`, false},
		{"an unknown path must answer an ErrorResponseDto", "/v2024/nothing", 404, jsonHeader, `{"detailCode":"404 Not found"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			c.check(rec, httptestRequest("GET", tt.target), tt.status, tt.header, []byte(tt.body))
			if ok := len(rec.errs) == 0; ok != tt.ok {
				t.Errorf("passed %t, want %t; failures: %v", ok, tt.ok, rec.errs)
			}
		})
	}
}

func httptestRequest(method, target string) *http.Request {
	req, err := http.NewRequest(method, "http://certsum.test"+target, nil)
	if err != nil {
		panic(err)
	}
	return req
}
