package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// HTTP fuzzing, one target per route family: requests built from a fuzzed path below the
// family's prefix, query string, method, token, Content-Type and body go through the whole
// handler stack (the production middleware, auth, the scope gates, the handlers) on a real
// SQLite store. Whatever the input, the answer is never a 5xx, a 4xx is a JSON body (an
// ErrorResponseDto, or the bearer check's and the rate limit's own documents), and every
// answer validates against the spec of its generation (the contract check).

type fuzzFamily struct {
	prefixes []string // one is picked by the input
	seeds    []fuzzSeed
}

type fuzzSeed struct {
	sel          byte // bits 0-1 method, 2-3 token, 4-5 prefix, 6 Content-Type
	tail, query  string
	body, ctypes string
}

var methodsByBits = []string{"GET", "POST", "GET", "DELETE"}

func runFuzz(f *testing.F, fam fuzzFamily) {
	for _, s := range fam.seeds {
		f.Add(s.sel, s.tail, s.query, []byte(s.body), s.ctypes)
	}
	// One fixture per fuzzing process; its state changes as decisions are fuzzed.
	fx := mustFixture(f)
	f.Fuzz(func(t *testing.T, sel byte, tail, rawQuery string, body []byte, ctype string) {
		method := methodsByBits[sel&3]
		tokens := []string{fx.admin, fx.mia, "", "not.a.token"}
		token := tokens[(sel>>2)&3]
		prefix := fam.prefixes[int(sel>>4&3)%len(fam.prefixes)]
		u := &url.URL{Path: prefix + tail, RawQuery: rawQuery}
		req := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: "certsum.test",
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: u.RequestURI(), RemoteAddr: "192.0.2.1:1234"}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if len(body) > 0 || method == "POST" {
			req.Body = ioNopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
			if sel&64 == 0 {
				req.Header.Set("Content-Type", "application/json")
			} else {
				req.Header.Set("Content-Type", ctype)
			}
		}
		req = req.WithContext(context.Background())
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		res := rec.Result()
		b := rec.Body.Bytes()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s → %d: %s", method, u, res.StatusCode, b)
		}
		if res.StatusCode >= 400 && !json.Valid(b) {
			t.Fatalf("%s %s → %d with a body that is not JSON: %q", method, u, res.StatusCode, b)
		}
		probe := req.Clone(context.Background())
		if strings.ContainsAny(u.Path, "\x00") {
			return // the contract's path lookup wants a path a client could send
		}
		fx.contract.check(t, probe, res.StatusCode, res.Header, b)
	})
}

func FuzzSummaryRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{"/v2024/certifications/", "/v3/certifications/", "/certifications/v1/"}, seeds: []fuzzSeed{
		{0, idCertA + "/decision-summary", "filters=identitySummary.id%20eq%20%22x%22", "", ""},
		{4, idCertA + "/identity-summaries", "limit=5&offset=1&count=true&sorters=-name", "", ""},
		{0, idCertA + "/identity-summaries/" + idSumSam, "", "", ""},
		{0, idCertA + "/access-summaries/ROLE", "filters=completed%20eq%20false&sorters=access.name", "", ""},
		{16, idCertA + "/access-summaries/NOPE", "limit=-1", "", ""},
		{32, "x/identity-summaries/%2F..", "filters=(((", "", ""},
	}})
}

func FuzzCertificationRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{"/v2024/certifications", "/v2025/certifications", "/certifications/v1"}, seeds: []fuzzSeed{
		{0, "", "reviewer-identity=me&limit=2&count=true", "", ""},
		{4, "/" + idCertA, "", "", ""},
		{0, "/" + idCertA + "/access-review-items", "filters=type%20eq%20%22ROLE%22&entitlements=a,b", "", ""},
		{0, "/" + idCertA + "/reviewers", "sorters=name", "", ""},
		{0, "/" + idCertA + "/access-review-items/" + itemSamOrd + "/permissions", "filters=target%20eq%20%22x%22", "", ""},
		{3, "/" + idCertA, "", "", ""},
	}})
}

func FuzzDecisionRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{"/v2024/certifications/", "/v2026/certifications/", "/certifications/v1/"}, seeds: []fuzzSeed{
		{1, idCertA + "/decide", "", `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":false}]`, ""},
		{5, idCertA + "/decide", "", `[{"id":"` + itemSamRole + `","decision":"REVOKE","bulk":true,"comments":"x","proposedEndDate":"2031-01-01T00:00:00Z"}]`, ""},
		{1, idCertA + "/reassign", "", `{"reassign":[{"id":"` + itemSamAcct + `","type":"ITEM"}],"reassignTo":"` + idRita + `","reason":"r"}`, ""},
		{1, idCertA + "/sign-off", "", "", ""},
		{65, idCertA + "/decide", "", `[]`, "text/plain"},
		{1, idCertA + "/decide", "", `{"not":"an array"}`, ""},
	}})
}

func FuzzCampaignRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{"/v2024/campaigns", "/beta/campaigns", "/campaigns/v1"}, seeds: []fuzzSeed{
		{0, "", "detail=FULL&filters=status%20eq%20%22ACTIVE%22&sorters=-created&count=true", "", ""},
		{1, "", "", `{"name":"n","description":"d","type":"MANAGER"}`, ""},
		{1, "", "", `{"name":"n","description":null,"type":"SEARCH","searchCampaignInfo":{"type":"IDENTITY","identityIds":["x"]}}`, ""},
		{0, "/x", "detail=SLIM", "", ""},
		{1, "/x/activate", "", `{"timeZone":"-05:00"}`, ""},
		{1, "/x/complete", "", `{"autoCompleteAction":"REVOKE"}`, ""},
		{1, "/delete", "", `{"ids":["x"]}`, ""},
	}})
}

func FuzzCampaignFilterRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{"/v2025/campaign-filters", "/v3/campaign-filters", "/campaign-filters/v1"}, seeds: []fuzzSeed{
		{0, "", "limit=10&start=0&includeSystemFilters=true", "", ""},
		{1, "", "", `{"name":"f","mode":"INCLUSION","criteriaList":[{"type":"ROLE","operation":"EQUALS","value":"x"}]}`, ""},
		{0, "/x", "", "", ""},
		{1, "/x", "", `{"name":"f","mode":"EXCLUSION","criteriaList":[]}`, ""},
		{1, "/delete", "", `["x"]`, ""},
	}})
}

func FuzzAdminRoutes(f *testing.F) {
	runFuzz(f, fuzzFamily{prefixes: []string{AdminPrefix + "/"}, seeds: []fuzzSeed{
		{0, "remediations", "campaignId=x&status=OPEN&limit=5", "", ""},
		{0, "remediations/summary", "", "", ""},
		{1, "remediations/x/complete", "", "", ""},
		{0, "campaigns/x/rollup", "", "", ""},
		{0, "campaigns/x/reviewers", "filters=remaining%20gt%200", "", ""},
		{0, "evidence", "campaignId=x", "", ""},
		{1, "inventory/imports", "mode=merge", `{"formatVersion":1}`, ""},
		{0, "clock", "", "", ""},
	}})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(r *bytes.Reader) nopCloser { return nopCloser{r} }
