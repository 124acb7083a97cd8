package httpapi

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/clock"
)

// importExample is docs/import/example.json.
func importExample(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "import", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitImport polls an import's report until it is no longer RUNNING.
func waitImport(t *testing.T, e *env, token, id string) certsum.ImportReport {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var r certsum.ImportReport
		e.do("GET", importsPath+"/"+id, token, nil).mustStatus(t, 200).decode(t, &r)
		if r.Status != certsum.ImportRunning {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still RUNNING after 30 s", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestImportRouteAcceptsJSONAndKeepsTheReport(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	admin := e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})

	var running certsum.ImportReport
	res := e.do("POST", importsPath+"?mode=merge", admin, importExample(t)).mustStatus(t, http.StatusAccepted)
	res.decode(t, &running)
	if running.Status != certsum.ImportRunning || running.Mode != certsum.ImportMerge || res.header.Get("Location") != importsPath+"/"+running.ID {
		t.Fatalf("202 body %s, Location %q", res.body, res.header.Get("Location"))
	}
	done := waitImport(t, e, admin, running.ID)
	if done.Status != certsum.ImportSucceeded || !done.Changed || done.Counts[certsum.KindIdentity].Created != 3 {
		t.Fatalf("report = %+v, want SUCCEEDED with 3 identities created", done)
	}

	// A dry run of the same document changes nothing.
	e.do("POST", importsPath+"?dryRun=true&mode=merge", admin, importExample(t)).mustStatus(t, http.StatusAccepted).decode(t, &running)
	if r := waitImport(t, e, admin, running.ID); r.Status != certsum.ImportSucceeded || r.Changed || !r.DryRun {
		t.Errorf("dry-run report = %+v, want SUCCEEDED, unchanged, dry run", r)
	}
}

func TestImportRouteRefusesBadInputWithPositions(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	admin := e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})

	// Malformed JSON: refused at once, the position in the message.
	e.do("POST", importsPath, admin, `{"formatVersion": 1, "identities": [{"id": "a", "nmae": "x"}]}`).
		mustError(t, 400, "400.1 Bad Request Content", `request body:1:`)

	// Well-formed but inconsistent: accepted, then REFUSED with the problem's place.
	body := `{"formatVersion": 1, "mode": "merge",
  "identities": [{"id": "zed", "name": "zed", "managerId": "nobody"}]}`
	var running certsum.ImportReport
	e.do("POST", importsPath, admin, body).mustStatus(t, http.StatusAccepted).decode(t, &running)
	r := waitImport(t, e, admin, running.ID)
	if r.Status != certsum.ImportRefused || len(r.Problems) != 1 || r.Problems[0].Line != 2 ||
		!strings.Contains(r.Problems[0].Message, `managerId "nobody" names no identity`) {
		t.Fatalf("report = %+v, want REFUSED with one problem on line 2", r)
	}

	e.do("POST", importsPath+"?mode=mirror", admin, body).mustError(t, 400, "400.1.3 Illegal value", "mode must be snapshot or merge")
	e.do("GET", importsPath+"/nope", admin, nil).mustStatus(t, 404)
}

func TestImportRouteIsForOrgAdminsOnly(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	certAdmin := e.mustToken(idAdmin, []string{certsum.LevelCertAdmin})
	apiClient := e.mustToken("", nil)
	e.do("POST", importsPath, certAdmin, importExample(t)).mustError(t, 403, "403 Forbidden", "lacks the level")
	e.do("POST", importsPath, apiClient, importExample(t)).mustError(t, 403, "403 Forbidden", "user context")
	e.do("POST", importsPath, "", importExample(t)).mustStatus(t, 401)
}

func TestImportRouteAcceptsCSVFilesAsMultipart(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	admin := e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})
	dir := filepath.Join("..", "..", "docs", "import", "example")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fw, err := mw.CreateFormFile("file", en.Name())
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	req := httptest.NewRequest("POST", importsPath+"?mode=merge", &buf)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	var running certsum.ImportReport
	res.mustStatus(t, http.StatusAccepted).decode(t, &running)
	r := waitImport(t, e, admin, running.ID)
	if r.Status != certsum.ImportSucceeded || r.Counts[certsum.KindAssignment].Created != 4 {
		t.Fatalf("report = %+v, want SUCCEEDED with 4 assignments", r)
	}
	// Unsupported media type.
	req = httptest.NewRequest("POST", importsPath, strings.NewReader("id,name\n"))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "text/csv")
	rec = httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/csv: status %d, want 415", rec.Code)
	}
}

func TestRemediationRoutes(t *testing.T) {
	f := campaignFixture(t)
	certAdmin := f.env.mustToken(idAdmin, []string{certsum.LevelCertAdmin})
	var k certsum.Campaign
	deadline := certsum.NewTime(fixtureNow.Add(time.Hour))
	f.do("POST", v+"/campaigns", f.admin, map[string]any{"name": "r", "description": nil, "type": "SEARCH", "deadline": deadline,
		"autoRevokeAllowed": true, "searchCampaignInfo": map[string]any{"type": "IDENTITY", "identityIds": []string{idSam}}}).
		mustStatus(t, http.StatusAccepted).decode(t, &k)
	waitCampaign(t, f, k.ID)
	f.do("POST", v+"/campaigns/"+k.ID+"/activate", f.admin, nil).mustStatus(t, http.StatusAccepted)
	f.env.clock.Advance(2 * time.Hour)
	f.admin = f.env.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})
	certAdmin = f.env.mustToken(idAdmin, []string{certsum.LevelCertAdmin})
	f.do("POST", v+"/campaigns/"+k.ID+"/complete", f.admin, map[string]string{"autoCompleteAction": "REVOKE"}).mustStatus(t, http.StatusAccepted)

	var items []certsum.RemediationItem
	res := f.do("GET", AdminPrefix+"/remediations?campaignId="+k.ID, certAdmin, nil).mustStatus(t, 200)
	res.decode(t, &items)
	if len(items) != 1 || items[0].Status != certsum.RemediationPending || !items[0].AutoDecided || res.header.Get("X-Total-Count") != "1" {
		t.Fatalf("remediations: %s", res.body)
	}
	var done map[string]int
	f.do("POST", AdminPrefix+"/remediations/"+items[0].ID+"/complete", certAdmin, nil).mustStatus(t, 200).decode(t, &done)
	if done["completed"] != 1 {
		t.Errorf("complete: %v", done)
	}
	var counts certsum.RemediationCounts
	f.do("GET", AdminPrefix+"/remediations/summary?campaignId="+k.ID, f.admin, nil).mustStatus(t, 200).decode(t, &counts)
	if counts.Completed != 1 || counts.Total != 1 {
		t.Errorf("summary: %+v", counts)
	}
	f.do("POST", AdminPrefix+"/remediations/complete", f.admin, `{"ids": []}`).mustError(t, 400, detailBadContent, "at least one")
	f.do("POST", AdminPrefix+"/remediations/nope/complete", f.admin, nil).mustStatus(t, 404)
	f.do("GET", AdminPrefix+"/remediations?status=DONE", f.admin, nil).mustError(t, 400, "400.1.3 Illegal value", "status")
	user := f.env.mustToken(idMia, []string{certsum.LevelUser})
	f.do("GET", AdminPrefix+"/remediations", user, nil).mustError(t, 403, "403 Forbidden", "lacks the level")
	f.do("GET", AdminPrefix+"/nothing", f.admin, nil).mustStatus(t, 404)
}

func TestCampaignFilterRoutes(t *testing.T) {
	t.Run("certsum/v1", func(t *testing.T) {
		campaignFilterFlow(t, func(rest string) string { return AdminPrefix + "/campaign-filters" + rest })
	})
	// The generations whose specs have them serve the same operations from the same store.
	for i := range generations {
		g := &generations[i]
		if _, ok := g.ops["createCampaignFilter"]; !ok {
			continue
		}
		t.Run(g.name, func(t *testing.T) {
			campaignFilterFlow(t, func(rest string) string {
				path, query, ok := strings.Cut(rest, "?")
				if ok {
					query = "?" + query
				}
				return g.path("/campaign-filters"+path) + query
			})
		})
	}
}

// campaignFilterFlow creates, lists, reads, updates and deletes a campaign filter at the
// paths fp gives, uses it in a campaign, and is refused what it must be.
func campaignFilterFlow(t *testing.T, fp func(rest string) string) {
	f := campaignFixture(t)
	some := `{"name": "x", "mode": "INCLUSION", "criteriaList": [{"type": "ROLE", "value": "a"}]}`
	for _, op := range []struct{ method, path, body string }{
		{"POST", fp(""), some}, {"GET", fp(""), ""}, {"GET", fp("/x"), ""}, {"POST", fp("/x"), some}, {"POST", fp("/delete"), `["x"]`},
	} {
		f.do(op.method, op.path, "", op.body).mustStatus(t, 401)
		f.do(op.method, op.path, f.mia, op.body).mustError(t, 403, "403 Forbidden", "") // a reviewer, not a campaign admin
		f.do(op.method, op.path, f.apiClient, op.body).mustError(t, 403, "403 Forbidden", "")
	}
	f.do("GET", fp("?limit=-1"), f.admin, nil).mustError(t, 400, detailIllegalValue, "limit")
	f.do("POST", fp("/delete"), f.admin, `{"ids": ["x"]}`).mustError(t, 400, detailBadContent, "")
	var made certsum.CampaignFilter
	f.do("POST", fp(""), f.admin, `{"name": "roles only", "owner": null, "mode": "INCLUSION",
		"isSystemFilter": false, "criteriaList": [{"type": "ROLE", "property": null, "value": "engineer", "operation": "EQUALS"}]}`).
		mustStatus(t, 200).decode(t, &made)
	if made.ID == "" || made.Mode != certsum.FilterInclusion {
		t.Fatalf("created filter: %+v", made)
	}
	var k certsum.Campaign
	f.do("POST", v+"/campaigns", f.admin, map[string]any{"name": "filtered", "description": nil, "type": "SEARCH",
		"filter":             map[string]string{"id": made.ID, "type": "CAMPAIGN_FILTER"},
		"searchCampaignInfo": map[string]any{"type": "IDENTITY", "identityIds": []string{idSam, idSue}}}).
		mustStatus(t, http.StatusAccepted).decode(t, &k)
	k = waitCampaign(t, f, k.ID)
	if k.Status != certsum.StatusStaged || k.Filter == nil || k.Filter.Name != "roles only" {
		t.Fatalf("filtered campaign: %+v", k)
	}
	var certs []certsum.Certification
	f.do("GET", v+"/certifications", f.admin, nil).mustStatus(t, 200).decode(t, &certs)
	for _, c := range certs {
		if c.Campaign.ID == k.ID && c.DecisionsTotal != 1 {
			t.Errorf("the filtered certification has %d items, want Sam's role only", c.DecisionsTotal)
		}
	}
	var list struct {
		Items []certsum.CampaignFilter `json:"items"`
		Count int                      `json:"count"`
	}
	f.do("GET", fp("?limit=10"), f.admin, nil).mustStatus(t, 200).decode(t, &list)
	if list.Count != 1 || list.Items[0].ID != made.ID {
		t.Errorf("list: %+v", list)
	}
	f.do("POST", fp("/"+made.ID), f.admin, `{"id": "", "name": "renamed", "owner": null,
		"mode": "EXCLUSION", "isSystemFilter": false, "criteriaList": [{"type": "SOURCE", "value": "orders db"}]}`).mustStatus(t, 200)
	var got certsum.CampaignFilter
	f.do("GET", fp("/"+made.ID), f.admin, nil).mustStatus(t, 200).decode(t, &got)
	if got.Name != "renamed" || got.Mode != certsum.FilterExclusion {
		t.Errorf("after update: %+v", got)
	}
	f.do("POST", fp(""), f.admin, `{"name": "x", "mode": "INCLUSION", "criteriaList": [{"type": "ACCOUNT", "value": "a"}]}`).
		mustError(t, 400, detailBadContent, "does not evaluate")
	f.do("POST", fp("/nope"), f.admin, `{"name": "x", "mode": "INCLUSION", "criteriaList": [{"type": "ROLE", "value": "a"}]}`).
		mustError(t, 400, detailReference, "nope")
	f.do("POST", fp("/delete"), f.admin, `["nope"]`).mustStatus(t, 404)
	res := f.do("POST", fp("/delete"), f.admin, `["`+made.ID+`"]`)
	if res.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", res.status, res.body)
	}
	f.do("GET", fp("/"+made.ID), f.admin, nil).mustStatus(t, 404)
}

// multipartBody builds a multipart/form-data body of files (name → content).
func multipartBody(t *testing.T, files ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		fw, err := mw.CreateFormFile("file", f[0])
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f[1]))
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestAdminRoutesRefuseBadInput(t *testing.T) {
	f := campaignFixture(t)
	send := func(target, contentType string, body []byte) *response {
		req := httptest.NewRequest("POST", target, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.admin)
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		f.env.handler.ServeHTTP(rec, req)
		res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		f.env.contract.check(t, req, res.status, res.header, res.body)
		return res
	}
	c1zV3 := "C1Z3\x00pebble"
	c1zV1 := "C1ZF\x00not zstd"
	cases := []struct {
		name, target string
		files        [][2]string
		detail, text string
	}{
		{"a c1z without sourceId", importsPath, [][2]string{{"okta.c1z", c1zV1}}, "400.1.3 Illegal value", "sourceId"},
		{"a c1z v3", importsPath + "?sourceId=okta", [][2]string{{"okta.c1z", c1zV3}}, detailBadContent, "--storage-engine sqlite"},
		{"a c1z that is not zstd", importsPath + "?sourceId=okta", [][2]string{{"okta.c1z", c1zV1}}, detailBadContent, "okta.c1z"},
		{"the same file twice", importsPath, [][2]string{{"identities.csv", "id,name\n"}, {"identities.csv", "id,name\n"}}, detailBadContent, "sent twice"},
		{"a hidden file name", importsPath, [][2]string{{".identities.csv", "id,name\n"}}, detailBadContent, "with a name"},
		{"sourceId with CSV files", importsPath + "?sourceId=x", [][2]string{{"identities.csv", "id,name\na,A\n"}}, "400.1.3 Illegal value", "for a .c1z"},
		{"a CSV directory without identities.csv", importsPath, [][2]string{{"sources.csv", "id,name\n"}}, detailBadContent, "identities.csv"},
		{"no file at all", importsPath, nil, detailBadContent, "holds no file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartBody(t, tc.files...)
			send(tc.target, ct, body).mustError(t, 400, tc.detail, tc.text)
		})
	}
	t.Run("import query parameters", func(t *testing.T) {
		f.do("POST", importsPath+"?dryRun=maybe", f.admin, importExample(t)).mustError(t, 400, "400.1.3 Illegal value", "dryRun")
		send(importsPath, "multipart/form-data", []byte("x")).mustError(t, 400, detailBadContent, "boundary")
	})
	t.Run("clock moves", func(t *testing.T) {
		movable := New(Options{Store: f.env.store, Auth: f.env.auth, Now: f.env.clock.Now, Clock: clock.New(0, true)})
		for body, text := range map[string]string{
			`{"advance": "soon"}`:                "advance must be a duration",
			`{"advance": "-1h"}`:                 "advance must be a duration",
			`{"advance": "1h", "offset": "2h"}`:  "one of advance and offset",
			`{}`:                                 "one of advance and offset",
			`{"offset": "-876000h1m"}`:           "within",
			`{"advance": "1h", "colour": "red"}`: "unknown field",
		} {
			req := httptest.NewRequest("POST", AdminPrefix+"/clock", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+f.admin)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			movable.ServeHTTP(rec, req)
			res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			f.env.contract.check(t, req, res.status, res.header, res.body)
			res.mustError(t, 400, detailBadContent, text)
		}
		// The fixture's server was started without a movable clock.
		f.do("POST", AdminPrefix+"/clock", f.admin, `{"advance": "1h"}`).mustError(t, 403, "403 Forbidden", "--test-clock")
	})
	t.Run("campaign filters nested too deep", func(t *testing.T) {
		leaf := `{"type": "ROLE", "value": "x"}`
		for range certsum.MaxFilterDepth {
			leaf = `{"type": "COMPOSITE", "operation": "AND", "children": [` + leaf + `]}`
		}
		f.do("POST", AdminPrefix+"/campaign-filters", f.admin, `{"name": "deep", "mode": "INCLUSION", "criteriaList": [`+leaf+`]}`).
			mustError(t, 400, detailBadContent, "deeper than")
	})
	t.Run("too many remediation items at once", func(t *testing.T) {
		ids := make([]string, certsum.MaxRemediationBatch+1)
		for i := range ids {
			ids[i] = fmt.Sprintf("r%d", i)
		}
		f.do("POST", AdminPrefix+"/remediations/complete", f.admin, map[string]any{"ids": ids}).
			mustError(t, 400, detailBadContent, "at most 1000")
	})
}
