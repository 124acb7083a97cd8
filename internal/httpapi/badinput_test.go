package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The probes of a hostile or careless caller, as table tests: each gets the documented status
// and an ErrorResponseDto (checked against the spec by env.do), never a 5xx, and no probe
// changes anything.

func TestMalformedQueryStringsAreRefusedOnEveryRoute(t *testing.T) {
	f := mustFixture(t)
	probes := []struct {
		name, query, param string
	}{
		{"a malformed escape in filters", `filters=phase%20eq%20%22SIGNED%22%ZZ`, "filters"},
		{"a malformed escape in a parameter name", `fil%ZZters=x`, "fil%ZZters"},
		{"a truncated escape", `sorters=name%2`, "sorters"},
		{"a raw semicolon", `filters=phase%20eq%20%22SIGNED%22;limit=1`, "filters"},
		{"filters twice", `filters=completed%20eq%20true&filters=completed%20eq%20false`, "filters"},
		{"sorters twice", `sorters=name&sorters=-name`, "sorters"},
		{"limit twice", `limit=1&limit=2`, "limit"},
		{"offset twice", `offset=0&offset=1`, "offset"},
		{"count twice", `count=true&count=false`, "count"},
	}
	for _, rt := range everyRoute {
		for _, p := range probes {
			t.Run(rt.method+" "+rt.path+" with "+p.name, func(t *testing.T) {
				f.do(rt.method, rt.path+"?"+p.query, f.admin, rt.body).mustError(t, 400, detailIllegalValue, p.param+": ")
			})
		}
	}
	t.Run("the token endpoint refuses a malformed query string in the same format", func(t *testing.T) {
		res := f.do("POST", "/oauth/token?grant_type=client_credentials&client_id=%ZZ", "", nil)
		res.mustError(t, 400, detailIllegalValue, "client_id: ")
	})
	t.Run("unknown parameters stay ignored", func(t *testing.T) {
		var all, with []json.RawMessage
		f.do("GET", v+"/certifications", f.admin, nil).mustStatus(t, 200).decode(t, &all)
		f.do("GET", v+"/certifications?utm_source=x&x=%20&&y", f.admin, nil).mustStatus(t, 200).decode(t, &with)
		if len(all) == 0 || len(all) != len(with) {
			t.Errorf("%d certifications without unknown parameters, %d with", len(all), len(with))
		}
	})
	t.Run("an escaped semicolon in a value is a semicolon", func(t *testing.T) {
		f.do("GET", v+"/certifications?filters="+url.QueryEscape(`id eq "a;b"`), f.admin, nil).mustStatus(t, 200)
	})
}

func TestBodiesAreBoundedAndTyped(t *testing.T) {
	type d = map[string]any
	f := mustFixture(t)
	long := strings.Repeat("ü", 4097)
	decide := certPath(idCertA, "/decide")
	reassign := certPath(idCertA, "/reassign")
	tests := []struct {
		name, path string
		body       any
		text       string
	}{
		{"comments over 4096 characters", decide, []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "comments": long}}, "decision 0: comments has 4097 characters; at most 4096"},
		{"a recommendation outside the enum", decide, []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "recommendation": d{"recommendation": "PROBABLY"}}}, "decision 0: recommendation must be one of APPROVE, REVOKE, YES, NO, MAYBE, NOT_FOUND or null"},
		{"too many recommendation reasons", decide, []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "recommendation": d{"reasons": make([]string, 21)}}}, "at most 20"},
		{"a recommendation reason over the limit", decide, []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "recommendation": d{"reasons": []string{long}}}}, "recommendation reason 0 has 4097 characters"},
		{"a proposedEndDate in the past", decide, []d{{"id": itemSamRole, "decision": "REVOKE", "bulk": true, "comments": "x", "proposedEndDate": "2020-01-01T00:00:00Z"}}, "decision 0: proposedEndDate 2020-01-01T00:00:00.000Z is not in the future"},
		{"a proposedEndDate at this very moment", decide, []d{{"id": itemSamRole, "decision": "REVOKE", "bulk": true, "comments": "x", "proposedEndDate": fixtureNow.Format("2006-01-02T15:04:05Z")}}, "not in the future"},
		{"an id longer than any id", decide, []d{{"id": strings.Repeat("a", 256), "decision": "APPROVE", "bulk": true}}, "decision 0: id has 256 bytes"},
		{"a reassign reason over 4096 characters", reassign, d{"reassign": []d{{"id": idSumSam, "type": "IDENTITY_SUMMARY"}}, "reassignTo": idRita, "reason": long}, "reason has 4097 characters; at most 4096"},
		{"a blank reassign reason", reassign, d{"reassign": []d{{"id": idSumSam, "type": "IDENTITY_SUMMARY"}}, "reassignTo": idRita, "reason": " "}, "reason is required"},
		{"a reassign reference of an unknown type", reassign, d{"reassign": []d{{"id": idSumSam, "type": "ROLE"}}, "reassignTo": idRita, "reason": "x"}, "reassign[0]: type must be"},
	}
	before := f.do("GET", certPath(idCertA, ""), f.admin, nil).mustStatus(t, 200)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.do("POST", tt.path, f.mia, tt.body).mustError(t, 400, detailBadContent, tt.text)
		})
	}
	after := f.do("GET", certPath(idCertA, ""), f.admin, nil).mustStatus(t, 200)
	if compactJSON(t, before.body) != compactJSON(t, after.body) {
		t.Errorf("refused requests changed the certification:\n%s\n%s", before.body, after.body)
	}
	history, err := f.store.DecisionHistory(t.Context(), idCertA, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range history {
		if h.Comments != nil && len(*h.Comments) > 4096*4 {
			t.Errorf("a comment of %d bytes reached the audit trail", len(*h.Comments))
		}
	}
}

func TestJSONBodiesNeedTheJSONContentType(t *testing.T) {
	f := mustFixture(t)
	body := `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":true}]`
	for _, path := range []string{certPath(idCertA, "/decide"), certPath(idCertA, "/reassign")} {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
			t.Run(path+" as "+ct, func(t *testing.T) {
				res := f.send("POST", path, f.mia, ct, strings.NewReader(body), -1)
				res.mustError(t, 415, detailUnsupported, "Content-Type: application/json")
			})
		}
	}
	t.Run("parameters of application/json are fine", func(t *testing.T) {
		f.send("POST", certPath(idCertA, "/decide"), f.mia, "application/json; charset=utf-8", strings.NewReader(body), -1).mustStatus(t, 200)
	})
	t.Run("sign-off has no body and needs no Content-Type", func(t *testing.T) {
		res := f.send("POST", certPath(idCertA, "/sign-off"), f.mia, "", nil, -1)
		res.mustError(t, 400, detailBadContent, "decisions")
	})
}

func TestOversizedBodiesGetAReadable413(t *testing.T) {
	f := mustFixture(t)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	// A JSON value that is still open at the bound, so a reader finds nothing wrong before it.
	big := append([]byte(`[{"comments":"`), bytes.Repeat([]byte("x"), maxBodyBytes+1<<20)...)
	for _, tt := range []struct {
		name, path, ct string
		chunked        bool
	}{
		{"JSON with its length announced", certPath(idCertA, "/decide"), "application/json", false},
		{"JSON without a length", certPath(idCertA, "/decide"), "application/json", true},
		{"a binary body on sign-off", certPath(idCertA, "/sign-off"), "application/octet-stream", false},
		{"a form on reassign", certPath(idCertA, "/reassign"), "application/x-www-form-urlencoded", false},
		{"a body to an unknown path", v + "/nowhere", "application/json", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rd io.Reader = bytes.NewReader(big)
			if tt.chunked {
				rd = io.MultiReader(rd) // hides the length: the client sends it chunked
			}
			req, _ := http.NewRequest("POST", srv.URL+tt.path, rd)
			req.Header.Set("Authorization", "Bearer "+f.mia)
			req.Header.Set("Content-Type", tt.ct)
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("the connection failed instead of answering: %v", err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 413 {
				// An unknown path may answer 404 first; the point is that it answers.
				if tt.path == v+"/nowhere" && res.StatusCode == 404 {
					return
				}
				t.Fatalf("status %d, want 413: %s", res.StatusCode, b)
			}
			dto := mustDecodeDTO(t, b)
			if dto.DetailCode != detailTooLarge || len(dto.Messages) != 1 || !strings.Contains(dto.Messages[0].Text, fmt.Sprint(maxBodyBytes)) {
				t.Errorf("413 body %s", b)
			}
		})
	}
}

// send sends a request with a raw body, Content-Type ct ("" for none) and length n (-1 for
// the reader's own), and validates the answer against the spec.
func (e *env) send(method, target, token, ct string, body io.Reader, n int64) *response {
	e.t.Helper()
	req := httptest.NewRequest(method, inGeneration(testGeneration, target), body)
	if n >= 0 {
		req.ContentLength = n
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	e.contract.check(e.t, req, res.status, res.header, res.body)
	return res
}

// Hostile path values on every route — ids far too long, control characters, escaped
// slashes, another reviewer's ids — get a 4xx ErrorResponseDto, never a 5xx.
func TestHostilePathValuesAreRefused(t *testing.T) {
	f := mustFixture(t)
	long := strings.Repeat("a", 10_000)
	values := map[string]string{
		"an id of 10,000 characters":       long,
		"a NUL byte":                       "%00",
		"an escaped slash":                 "a%2Fb",
		"a quote and a percent sign":       "%22%25",
		"non-ASCII":                        "%C3%A9t%C3%A9",
		"invalid UTF-8":                    "%FF%FE",
		"a dot segment":                    "..",
		"another reviewer's certification": idCertB,
	}
	for _, rt := range everyRoute {
		if !strings.Contains(rt.path, idCertA) {
			continue
		}
		for name, val := range values {
			t.Run(rt.method+" "+rt.path+" with "+name, func(t *testing.T) {
				path := strings.Replace(rt.path, idCertA, val, 1)
				res := f.do(rt.method, path, f.mia, rt.body)
				if res.status < 400 || res.status >= 500 {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
			})
		}
	}
	for name, val := range values {
		t.Run("an access-summary type that is "+name, func(t *testing.T) {
			res := f.do("GET", certPath(idCertA, "/access-summaries/", val), f.mia, nil)
			if res.status != 400 && res.status != 404 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
		})
	}
}
