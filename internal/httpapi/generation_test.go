package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

// TestEveryGenerationPassesTheAPITests runs the API's tests again in every other
// generation: each request a test makes to a v2024 path goes to the generation's path for
// the same operation (where the generation has it), and every answer is validated against
// that generation's spec. Together with v2024's own run they are what TestMain's coverage
// check counts, generation by generation.
func TestEveryGenerationPassesTheAPITests(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T)
	}{
		{"Summaries", TestSummaries},
		{"Authorization", TestAuthorization},
		{"ListCertifications", TestListCertifications},
		{"GetCertificationWireFormat", TestGetCertificationWireFormat},
		{"ReviewItems", TestReviewItems},
		{"PermissionsAndReviewers", TestPermissionsAndReviewers},
		{"Decide", TestDecide},
		{"SignOffAndReassign", TestSignOffAndReassign},
		{"RoutingAndWireRules", TestRoutingAndWireRules},
		{"MalformedQueryStrings", TestMalformedQueryStringsAreRefusedOnEveryRoute},
		{"BodiesAreBoundedAndTyped", TestBodiesAreBoundedAndTyped},
		{"JSONBodiesNeedTheJSONContentType", TestJSONBodiesNeedTheJSONContentType},
		{"OversizedBodies", TestOversizedBodiesGetAReadable413},
		{"HostilePathValues", TestHostilePathValuesAreRefused},
		{"CampaignLifecycle", TestCampaignLifecycleThroughTheAPI},
		{"CampaignRequestsOutsideTheRules", TestCampaignRequestsOutsideTheRules},
		{"EveryRouteRefusesABadToken", TestEveryRouteRefusesABadToken},
		{"TokensExpireOnEveryRoute", TestTokensExpireOnEveryRoute},
		{"EveryRouteAcceptsItsReviewer", TestEveryRouteAcceptsItsReviewer},
		{"RateLimit", TestRateLimit},
		{"FailuresAreHiddenAndLogged", TestFailuresAreHiddenAndLogged},
	}
	for i := range generations {
		g := &generations[i]
		if g.name == "v2024" {
			continue
		}
		t.Run(g.name, func(t *testing.T) {
			testGeneration = g
			defer func() { testGeneration = nil }()
			for _, tt := range tests {
				t.Run(tt.name, tt.run)
			}
		})
	}
}

// The same token works on every generation, and each generation is its own API version
// for the rate limit, as SailPoint counts them.
func TestRateLimitIsCountedPerGeneration(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{limit: 2})
	mia := e.mustToken(idMia, []string{certsum.LevelUser})
	path := func(g string) string {
		return generationByName(g).path("/certifications/" + idCertA + "/decision-summary")
	}
	for i := 0; i < 2; i++ {
		e.do("GET", path("v3"), mia, nil).mustStatus(t, 200)
	}
	res := e.do("GET", path("v3"), mia, nil).mustStatus(t, 429) // validated against v3's 429
	if res.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After: %v", res.header)
	}
	for _, g := range []string{"v2024", "v2025", "v2026", "v1"} {
		e.do("GET", path(g), mia, nil).mustStatus(t, 200)
	}
	e.do("GET", path("v1"), mia, nil).mustStatus(t, 200)
	e.do("GET", generationByName("v1").path("/campaigns"), mia, nil).mustStatus(t, 429) // v1's budget is one
	e.clock.Advance(10e9)
	e.do("GET", path("v3"), mia, nil).mustStatus(t, 200)
}

func TestInGenerationMovesOnlyWhatTheGenerationHas(t *testing.T) {
	v3, beta, v1 := generationByName("v3"), generationByName("beta"), generationByName("v1")
	for _, tt := range []struct {
		g          *generation
		target     string
		want       string
		whatItShow string
	}{
		{v3, "/v2024/certifications/x/decision-summary?filters=a", "/v3/certifications/x/decision-summary?filters=a", "a v3 operation"},
		{v1, "/v2024/certifications/x/access-review-items", "/certifications/v1/x/access-review-items", "a service-versioned operation"},
		{v1, "/v2024/campaigns", "/campaigns/v1", "a service-versioned collection"},
		{beta, "/v2024/campaigns/x/activate", "/beta/campaigns/x/activate", "a beta operation"},
		{beta, "/v2024/certifications/x/decision-summary", "/v2024/certifications/x/decision-summary", "what beta lacks stays on v2024"},
		{v3, "/v2024/nothing", "/v2024/nothing", "an unknown path stays"},
		{nil, "/v2024/certifications", "/v2024/certifications", "no generation"},
	} {
		if got := inGeneration(tt.g, tt.target); got != tt.want {
			t.Errorf("%s: %s → %s, want %s", tt.whatItShow, tt.target, got, tt.want)
		}
	}
}

// A path one generation has and another does not is an unknown path there: a 404 in the
// error format, never the other generation's answer.
func TestAPathOfAnotherGenerationIsNotFound(t *testing.T) {
	f := mustFixture(t)
	for _, target := range []string{
		"/beta/certifications/" + idCertA + "/decision-summary",        // v2024 has it, beta not
		"/beta/certifications/" + idCertA + "/identity-summaries",      // likewise
		"/beta/certifications/" + idCertA,                              // likewise
		"/beta/campaign-filters",                                       // v2025 has it, beta not
		"/v2024/campaign-filters",                                      // likewise
		"/certifications/v1/" + idCertA + "/nothing",                   // no generation has it
		"/campaigns/v1/x/reports",                                      // certsum does not serve it
		"/v2025/certifications/" + idCertA + "/decision-summary/extra", // below an operation
		"/v9/certifications",                                           // no such generation
	} {
		f.do("GET", target, f.admin, nil).mustError(t, 404, "404 Not found", "")
	}
	// A wrong method is a 405 on every generation, with the Allow header.
	for _, target := range []string{"/v3/certifications/" + idCertA, "/certifications/v1/" + idCertA, "/beta/campaigns/x"} {
		res := f.do("DELETE", target, f.admin, nil)
		res.mustError(t, 405, "405 Method Not Allowed", "DELETE")
		if res.header.Get("Allow") != "GET" {
			t.Errorf("%s: Allow %q", target, res.header.Get("Allow"))
		}
	}
	// Without a token, an unknown path of a generation is a 401 as on v2024.
	f.do("GET", "/v3/nothing", "", nil).mustStatus(t, 401)
}

// Every generation answers a read with v2024's answer, rewritten by its rules: the same
// data, from the same handler.
func TestEveryGenerationAnswersWhatV2024Answers(t *testing.T) {
	f := campaignFixture(t)
	var made certsum.Campaign
	f.do("POST", v+"/campaigns", f.admin, map[string]any{"name": "generations", "description": "d", "type": "SEARCH",
		"searchCampaignInfo": map[string]any{"type": "IDENTITY", "identityIds": []string{idSam, idSue}}}).
		mustStatus(t, http.StatusAccepted).decode(t, &made)
	waitCampaign(t, f, made.ID)
	reads := []struct{ pattern, path, token string }{
		{"/certifications/{id}/access-summaries/{type}", certPath(idCertA, "/access-summaries/ROLE"), f.mia},
		{"/certifications/{id}/access-summaries/{type}", certPath(idCertA, "/access-summaries/ENTITLEMENT"), f.mia},
		{"/certifications/{id}/decision-summary", certPath(idCertA, "/decision-summary"), f.mia},
		{"/certifications/{id}/identity-summaries", certPath(idCertA, "/identity-summaries"), f.mia},
		{"/certifications", v + "/certifications", f.admin},
		{"/certifications/{id}", certPath(idCertA, ""), f.mia},
		{"/certifications/{id}/access-review-items", certPath(idCertA, "/access-review-items"), f.mia},
		{"/certifications/{id}/reviewers", certPath(idCertA, "/reviewers"), f.mia},
		{"/campaigns", v + "/campaigns?detail=FULL", f.admin},
		{"/campaigns", v + "/campaigns?detail=SLIM", f.admin},
		{"/campaigns/{id}", v + "/campaigns/" + made.ID, f.admin},
	}
	routes := (&server{}).routes()
	opOf := func(pattern string) string {
		for _, rt := range routes {
			if rt.pattern == pattern && rt.method == "GET" {
				return rt.op
			}
		}
		t.Fatalf("no GET route %s", pattern)
		return ""
	}
	for i := range generations {
		g := &generations[i]
		for _, rd := range reads {
			op := opOf(rd.pattern)
			gop, ok := g.ops[op]
			if !ok {
				continue
			}
			want := f.do("GET", rd.path, rd.token, nil).mustStatus(t, 200).body
			if tree := ruleTree(gop.rules); tree != nil {
				var err error
				if want, err = rewriteJSON(nil, want, tree); err != nil {
					t.Fatalf("rewrite %s: %v", want, err)
				}
			}
			path, query, _ := strings.Cut(strings.TrimPrefix(rd.path, v), "?")
			target := g.path(path)
			if query != "" {
				target += "?" + query
			}
			got := f.do("GET", target, rd.token, nil).mustStatus(t, 200).body
			if string(got) != string(want) {
				t.Errorf("%s: %s\nv2024 rewritten: %s", target, got, want)
			}
		}
	}
}

func TestRewriteJSON(t *testing.T) {
	rules := ruleTree([]fieldRule{
		{"[].email", omitNull},
		{"[].description", emptyForNull},
		{"[].filter", drop},
		{"[].owner.email", omitNull},
		{"[].items[].owner.email", omitNull},
	})
	for _, tt := range []struct{ in, want string }{
		{`[]`, `[]`},
		{`[{"id":"a","email":null,"x":1}]`, `[{"id":"a","x":1}]`},
		{`[{"email":null}]`, `[{}]`},
		{`[{"email":"a@b","z":null}]`, `[{"email":"a@b","z":null}]`},
		{`[{"a":1,"email":null}]`, `[{"a":1}]`},
		{`[{"description":null,"name":"n"}]`, `[{"description":"","name":"n"}]`},
		{`[{"description":"d"}]`, `[{"description":"d"}]`},
		{`[{"filter":{"id":"f","email":null},"b":[1,2]}]`, `[{"b":[1,2]}]`},
		{`[{"owner":{"id":"o","email":null}},{"owner":{"email":"e"}}]`, `[{"owner":{"id":"o"}},{"owner":{"email":"e"}}]`},
		{`[{"items":[{"owner":{"email":null,"n":"a \"q\" }"}},{"owner":null}]}]`, `[{"items":[{"owner":{"n":"a \"q\" }"}},{"owner":null}]}]`},
		{`[{"id":"a<>&","email":null}]` + "\n", `[{"id":"a<>&"}]` + "\n"},
		{`[{"id":"x","name":"y"}]`, `[{"id":"x","name":"y"}]`},                 // no needle: as it is
		{`[{"description":"","items":[]}]`, `[{"description":"","items":[]}]`}, // likewise
	} {
		got, err := rewriteJSON(nil, []byte(tt.in), rules)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s → %s, want %s", tt.in, got, tt.want)
		}
	}
	// Malformed input that a rule may apply to is refused, not half-rewritten.
	for _, bad := range []string{`[{"email":null`, `[{"email":null,"a":}]`, `{"a" 1,"email":null}`, `"unterminated "email":null`, `[{"filter":`} {
		if got, err := rewriteJSON(nil, []byte(bad), rules); err == nil {
			t.Errorf("%q: no error, got %s", bad, got)
		}
	}
}

// FuzzRewriteJSON: whatever encoding/json can write, the rewrite walks: the result is JSON,
// and with no rule touching it, the same bytes.
func FuzzRewriteJSON(f *testing.F) {
	for _, s := range []string{`[{"email":null}]`, `{"a":[{"b":"c\\"d"}]}`, `[1,2.5e3,true,false,null,"x"]`, `{"owner":{"email":null}}`} {
		f.Add(s)
	}
	rules := ruleTree([]fieldRule{{"owner.email", omitNull}, {"[].email", omitNull}, {"a", drop}, {"[].b", emptyForNull}})
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		src, err := json.Marshal(v)
		if err != nil {
			return
		}
		got, err := rewriteJSON(nil, src, rules)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !json.Valid(got) {
			t.Fatalf("%s → invalid %s", src, got)
		}
		same, err := rewriteJSON(nil, src, nil)
		if err != nil || string(same) != string(src) {
			t.Fatalf("%s without rules → %s, %v", src, same, err)
		}
	})
}

// The rewrite holds back only a 2xx JSON answer; errors and empty answers pass as written.
func TestReshapeLeavesErrorsAlone(t *testing.T) {
	rules := ruleTree([]fieldRule{{"email", omitNull}})
	h := reshape(rules, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Length", "30")
			w.WriteHeader(200)
			w.Write([]byte(`{"email":null,"name":"n"}` + "\n"))
		case "/error":
			w.WriteHeader(404)
			w.Write([]byte(`{"email":null}`))
		case "/empty":
			w.WriteHeader(204)
		}
	}))
	for _, tt := range []struct {
		path, body string
		status     int
	}{{"/ok", `{"name":"n"}` + "\n", 200}, {"/error", `{"email":null}`, 404}, {"/empty", ``, 204}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.path, rec.Code, rec.Body, tt.status, tt.body)
		}
		if tt.path == "/ok" && rec.Header().Get("Content-Length") != "13" {
			t.Errorf("Content-Length %q after the rewrite", rec.Header().Get("Content-Length"))
		}
	}
}

// nullAs is how a null v2024 sends in field (a path of the answer) of op is sent in the
// generation under test: "null", `""`, or "" when it is left out.
func nullAs(op, field string) string {
	if testGeneration == nil {
		return "null"
	}
	for _, r := range testGeneration.ops[op].rules {
		if r.path == field {
			switch r.action {
			case omitNull, drop:
				return ""
			case emptyForNull:
				return `""`
			}
		}
	}
	return "null"
}
