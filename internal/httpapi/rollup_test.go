package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/certsum/certsum"
)

// rollupSpecPath is certsum's own OpenAPI document of the roll-ups; its errors refer to the
// v2024 document beside it.
const rollupSpecPath = "../../docs/openapi/certsum-rollups.openapi.json"

var (
	rollupSpecOnce sync.Once
	rollupSpec     *openapi3.T
	rollupSpecErr  error
)

func mustRollupSpec(t testing.TB) *openapi3.T {
	t.Helper()
	rollupSpecOnce.Do(func() {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = true
		rollupSpec, rollupSpecErr = loader.LoadFromFile(rollupSpecPath)
		if rollupSpecErr == nil {
			rollupSpecErr = rollupSpec.Validate(loader.Context)
		}
	})
	if rollupSpecErr != nil {
		t.Fatalf("load %s: %v", rollupSpecPath, rollupSpecErr)
	}
	return rollupSpec
}

// TestEveryRollupRouteIsInItsSpecAndBack: the administration routes under /campaigns are
// exactly the roll-up document's operations, with its user levels.
func TestEveryRollupRouteIsInItsSpecAndBack(t *testing.T) {
	doc := mustRollupSpec(t)
	spec := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var levels []string
			for _, l := range op.Extensions["x-certsum-userLevels"].([]any) {
				levels = append(levels, fmt.Sprint(l))
			}
			spec[method+" "+path] = levels
		}
	}
	routed := 0
	for _, rt := range (&server{}).adminRoutes() {
		if !strings.HasPrefix(rt.pattern, "/campaigns/") && rt.pattern != "/evidence" {
			continue
		}
		routed++
		levels, ok := spec[rt.method+" "+rt.pattern]
		want := rt.levels
		if want == nil {
			// A route open to every user checks the rest in its handler; the document lists
			// every level, USER included.
			want = append(slices.Clone(campaignReaders), certsum.LevelUser)
		}
		if !ok {
			t.Errorf("route %s %s is not in %s", rt.method, rt.pattern, rollupSpecPath)
		} else if !slices.Equal(levels, want) {
			t.Errorf("%s %s needs levels %v, the document says %v", rt.method, rt.pattern, want, levels)
		}
	}
	if routed != len(spec) || routed != 3 {
		t.Errorf("%d routes, %d operations in the document; want 3 of each", routed, len(spec))
	}
}

// checkRollup validates one answer of a roll-up route against the document.
func checkRollup(t *testing.T, target string, res *response) {
	t.Helper()
	doc := mustRollupSpec(t)
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimPrefix(u.Path, AdminPrefix)
	parts := strings.Split(rel, "/") // "", "campaigns", id, rollup|reviewers; or "", "evidence"
	path, params := "/evidence", map[string]string{}
	if parts[1] == "campaigns" {
		path, params = "/campaigns/{id}/"+parts[3], map[string]string{"id": parts[2]}
	}
	item := doc.Paths.Find(path)
	if item == nil || item.Get == nil {
		t.Fatalf("%s: no operation %s in the document", target, path)
	}
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080"+target, nil)
	req.URL.Path = rel
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
		Route:   &routers.Route{Spec: doc, Path: path, PathItem: item, Method: "GET", Operation: item.Get},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("GET %s → %d does not match %s: %v\nbody: %.2000s", target, res.status, rollupSpecPath, err, res.body)
	}
}

// TestRollupRoutesAnswerWhatTheCertificationsSay: every figure of the roll-up and of the
// reviewers' progress equals what the v2024 API says of the campaign's certifications; every
// answer, good or bad, matches the document.
func TestRollupRoutesAnswerWhatTheCertificationsSay(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	admin := e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})
	auditor := e.mustToken(idAdmin, []string{certsum.LevelReportAdmin})
	reviewer := e.mustToken(idMia, []string{certsum.LevelUser})
	get := func(target, token string, status int) *response {
		t.Helper()
		res := e.do("GET", target, token, nil).mustStatus(t, status)
		checkRollup(t, target, res)
		return res
	}
	base := AdminPrefix + "/campaigns/" + idCampA

	// What the v2024 API says of the campaign's certifications.
	var certs []certsum.Certification
	e.do("GET", Prefix+"/certifications?filters="+url.QueryEscape(`campaign.id eq "`+idCampA+`"`), admin, nil).
		mustStatus(t, 200).decode(t, &certs)
	if len(certs) < 2 {
		t.Fatalf("the fixture's campaign A has %d certifications", len(certs))
	}
	var want certsum.Tally
	var phases certsum.RollupCertifications
	var ids certsum.RollupIdentities
	for _, c := range certs {
		var ds certsum.DecisionSummary
		e.do("GET", Prefix+"/certifications/"+c.ID+"/decision-summary", admin, nil).mustStatus(t, 200).decode(t, &ds)
		want.Plus(ds.Tally())
		phases.Total++
		switch c.Phase {
		case certsum.PhaseStaged:
			phases.Staged++
		case certsum.PhaseActive:
			phases.Active++
		case certsum.PhaseSigned:
			phases.Signed++
		}
		ids.Total += c.IdentitiesTotal
		ids.Completed += c.IdentitiesCompleted
	}

	var r certsum.CampaignRollup
	get(base+"/rollup", admin, 200).decode(t, &r)
	if r.Campaign.ID != idCampA || r.Certifications != phases || r.Identities != ids {
		t.Errorf("roll-up campaign %s, certifications %+v, identities %+v; the certifications say %+v, %+v",
			r.Campaign.ID, r.Certifications, r.Identities, phases, ids)
	}
	if got, want := r.Decisions, certsum.NewRollupDecisions(want); !slices.Equal(got.ByType, want.ByType) ||
		got.DecisionFigures != want.DecisionFigures || want.Total == 0 {
		t.Errorf("decisions %+v, the decision summaries say %+v", got, want)
	}
	get(base+"/rollup", auditor, 200) // REPORT_ADMIN may read roll-ups

	var rows []certsum.ReviewerProgress
	res := get(base+"/reviewers?count=true&sorters=-remaining", admin, 200)
	res.decode(t, &rows)
	if res.header.Get("X-Total-Count") != fmt.Sprint(len(certs)) || len(rows) != len(certs) {
		t.Fatalf("%d rows, X-Total-Count %q; want %d", len(rows), res.header.Get("X-Total-Count"), len(certs))
	}
	for i, row := range rows {
		c := certs[slices.IndexFunc(certs, func(c certsum.Certification) bool { return c.ID == row.CertificationID })]
		if row.DecisionsMade != c.DecisionsMade || row.DecisionsTotal != c.DecisionsTotal || row.Reviewer.ID != c.Reviewer.ID ||
			row.Phase != c.Phase || row.IdentitiesTotal != c.IdentitiesTotal || row.Remaining != c.DecisionsTotal-c.DecisionsMade {
			t.Errorf("row %+v; the certification says %+v", row, c)
		}
		if i > 0 && rows[i-1].Remaining < row.Remaining {
			t.Errorf("sorters=-remaining: %d before %d", rows[i-1].Remaining, row.Remaining)
		}
	}
	get(base+"/reviewers?limit=1&offset=1", admin, 200).decode(t, &rows)
	if len(rows) != 1 {
		t.Errorf("limit=1&offset=1 gave %d rows", len(rows))
	}
	get(base+"/reviewers?filters="+url.QueryEscape(`reviewer.id eq "`+idMia+`"`), admin, 200).decode(t, &rows)
	for _, row := range rows {
		if row.Reviewer.ID != idMia {
			t.Errorf("filtered by reviewer %s, got %s", idMia, row.Reviewer.ID)
		}
	}

	// Bad input and callers without the rights: the document's errors.
	for _, tc := range []struct {
		target, token string
		status        int
	}{
		{base + "/reviewers?filters=" + url.QueryEscape(`percent gt 5`), admin, http.StatusBadRequest},
		{base + "/reviewers?filters=" + url.QueryEscape(`phase eq`), admin, http.StatusBadRequest},
		{base + "/reviewers?sorters=comments", admin, http.StatusBadRequest},
		{base + "/reviewers?limit=251", admin, http.StatusBadRequest},
		{base + "/reviewers?offset=-1", admin, http.StatusBadRequest},
		{base + "/reviewers?count=maybe", admin, http.StatusBadRequest},
		{AdminPrefix + "/campaigns/nope/rollup", admin, http.StatusNotFound},
		{AdminPrefix + "/campaigns/nope/reviewers", admin, http.StatusNotFound},
		{base + "/rollup", reviewer, http.StatusForbidden},
		{base + "/reviewers", reviewer, http.StatusForbidden},
		{base + "/rollup", "", http.StatusUnauthorized},
	} {
		get(tc.target, tc.token, tc.status)
	}
}
