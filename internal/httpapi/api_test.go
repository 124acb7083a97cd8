package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// fixture is an env over fixtureDataset with tokens for its people.
type fixture struct {
	*env
	admin, mia, miaRead, olaf, gina, sam, apiClient string
}

func mustFixture(t testing.TB) *fixture {
	t.Helper()
	e := mustEnv(t, fixtureDataset(), envOptions{})
	user := []string{certsum.LevelUser}
	return &fixture{
		env:       e,
		admin:     e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin}),
		mia:       e.mustToken(idMia, user),
		miaRead:   e.mustToken(idMia, user, certsum.ScopeCampaignRead),
		olaf:      e.mustToken(idOlaf, user),
		gina:      e.mustToken(idGina, user),
		sam:       e.mustToken(idSam, user, certsum.ScopeCampaignManage),
		apiClient: e.mustToken("", nil),
	}
}

const v = "/v2024"

func certPath(id string, rest ...string) string {
	return v + "/certifications/" + id + strings.Join(rest, "")
}

func TestSummaries(t *testing.T) {
	f := mustFixture(t)

	t.Run("the decision summary counts every item by access type", func(t *testing.T) {
		var got certsum.DecisionSummary
		f.do("GET", certPath(idCertA, "/decision-summary"), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		want := certsum.DecisionSummary{
			EntitlementDecisionsTotal: 4, EntitlementDecisionsMade: 1, EntitlementsApproved: 1,
			AccessProfileDecisionsTotal: 1, RoleDecisionsTotal: 2, AccountDecisionsTotal: 1,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decision summary (-want +got):\n%s", diff)
		}
	})

	t.Run("the decision summary filter restricts the count to identities", func(t *testing.T) {
		var got certsum.DecisionSummary
		q := url.Values{"filters": {`identitySummary.id eq "` + idSumSue + `"`}}
		f.do("GET", certPath(idCertA, "/decision-summary?"+q.Encode()), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		want := certsum.DecisionSummary{EntitlementDecisionsTotal: 2, EntitlementDecisionsMade: 1, EntitlementsApproved: 1, RoleDecisionsTotal: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decision summary (-want +got):\n%s", diff)
		}
	})

	t.Run("the decision summary rejects a filter on another field", func(t *testing.T) {
		q := url.Values{"filters": {`name eq "Sue Staff"`}}
		f.do("GET", certPath(idCertA, "/decision-summary?"+q.Encode()), f.mia, nil).
			mustError(t, 400, "400.1.3 Illegal value", "filters")
	})

	t.Run("identity summaries list the certification's identities in name order", func(t *testing.T) {
		var got []certsum.IdentitySummary
		res := f.do("GET", certPath(idCertA, "/identity-summaries?count=true"), f.mia, nil).mustStatus(t, 200)
		res.decode(t, &got)
		want := []certsum.IdentitySummary{
			{ID: idSumSam, Name: "Sam Staff", IdentityID: idSam},
			{ID: idSumSue, Name: "Sue Staff", IdentityID: idSue},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("identity summaries (-want +got):\n%s", diff)
		}
		if res.header.Get("X-Total-Count") != "2" {
			t.Errorf("X-Total-Count %q", res.header.Get("X-Total-Count"))
		}
	})

	t.Run("identity summaries page, sort and filter", func(t *testing.T) {
		var got []certsum.IdentitySummary
		f.do("GET", certPath(idCertA, "/identity-summaries?limit=1&offset=0&sorters=-name"), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 1 || got[0].ID != idSumSue {
			t.Errorf("first page sorted by -name: %+v", got)
		}
		f.do("GET", certPath(idCertA, "/identity-summaries?limit=1&offset=2"), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 0 {
			t.Errorf("page past the end: %+v", got)
		}
		f.do("GET", certPath(idCertA, "/identity-summaries?filters=completed+eq+false"), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 2 {
			t.Errorf("incomplete identities: %+v", got)
		}
	})

	t.Run("an empty page is an empty array", func(t *testing.T) {
		res := f.do("GET", certPath(idCertA, "/identity-summaries?limit=0&count=true"), f.mia, nil).mustStatus(t, 200)
		if compactJSON(t, res.body) != "[]" || res.header.Get("X-Total-Count") != "2" {
			t.Errorf("body %s total %q", res.body, res.header.Get("X-Total-Count"))
		}
	})

	t.Run("bad collection parameters are illegal values naming the parameter", func(t *testing.T) {
		for _, q := range []string{"limit=251", "limit=-1", "limit=ten", "offset=-3", "count=yes", "sorters=identityId", "filters=name+EQ+%22x%22", "filters=name+co+%22x%22"} {
			name := strings.SplitN(q, "=", 2)[0]
			f.do("GET", certPath(idCertA, "/identity-summaries?"+q), f.mia, nil).mustError(t, 400, "400.1.3 Illegal value", name)
		}
	})

	t.Run("one identity summary is found by id", func(t *testing.T) {
		var got certsum.IdentitySummary
		f.do("GET", certPath(idCertA, "/identity-summaries/", idSumSam), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if got != (certsum.IdentitySummary{ID: idSumSam, Name: "Sam Staff", IdentityID: idSam}) {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("an identity summary of another certification is not found", func(t *testing.T) {
		f.do("GET", certPath(idCertA, "/identity-summaries/", idSumSidB), f.admin, nil).mustError(t, 404, "404 Not found", "")
	})

	t.Run("access summaries carry only the object of their type", func(t *testing.T) {
		for _, tc := range []struct {
			typ, key string
			ids      []string
		}{
			{"ROLE", "role", []string{idRoleEng}},
			{"ACCESS_PROFILE", "accessProfile", []string{idAPAD}},
			{"ENTITLEMENT", "entitlement", []string{idEntAdm, idEntOrd}},
		} {
			res := f.do("GET", certPath(idCertA, "/access-summaries/", tc.typ, "?count=true"), f.mia, nil).mustStatus(t, 200)
			var raw []map[string]json.RawMessage
			if err := json.Unmarshal(res.body, &raw); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, el := range raw {
				var keys []string
				for k := range el {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, []string{"access", tc.key}) {
					t.Errorf("%s summary has keys %v, want access and %s", tc.typ, keys, tc.key)
				}
				var a certsum.AccessRef
				_ = json.Unmarshal(el["access"], &a)
				if string(a.Type) != tc.typ {
					t.Errorf("access.type %q in the %s list", a.Type, tc.typ)
				}
				ids = append(ids, a.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.ids) {
				t.Errorf("%s summaries are %v, want the distinct items %v", tc.typ, ids, tc.ids)
			}
			if res.header.Get("X-Total-Count") != strconv.Itoa(len(tc.ids)) {
				t.Errorf("%s X-Total-Count %q", tc.typ, res.header.Get("X-Total-Count"))
			}
		}
	})

	t.Run("access summaries filter on completion", func(t *testing.T) {
		var got []certsum.AccessSummary
		f.do("GET", certPath(idCertB, "/access-summaries/ENTITLEMENT?filters=completed%20eq%20false"), f.olaf, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 2 {
			t.Errorf("open entitlements of certB: %+v", got)
		}
	})

	t.Run("an access summary type outside the enum is an illegal value", func(t *testing.T) {
		for _, typ := range []string{"ACCOUNT", "role", "IDENTITY"} {
			f.do("GET", certPath(idCertA, "/access-summaries/", typ), f.mia, nil).mustError(t, 400, "400.1.3 Illegal value", typ)
		}
	})
}

func TestAuthorization(t *testing.T) {
	f := mustFixture(t)
	unknown := fid('c', 999)
	routes := []struct{ method, path string }{
		{"GET", "/decision-summary"},
		{"GET", "/identity-summaries"},
		{"GET", "/identity-summaries/" + idSumSam},
		{"GET", "/access-summaries/ROLE"},
		{"GET", ""},
		{"GET", "/access-review-items"},
		{"GET", "/reviewers"},
		{"GET", "/access-review-items/" + itemSamOrd + "/permissions"},
		{"POST", "/decide"},
		{"POST", "/sign-off"},
		{"POST", "/reassign"},
	}
	body := func(method string) any {
		if method == "POST" {
			return "[]"
		}
		return nil
	}

	t.Run("an unknown certification is 404 for everyone, admins included", func(t *testing.T) {
		for _, rt := range routes {
			for _, tok := range []string{f.admin, f.mia} {
				f.do(rt.method, certPath(unknown, rt.path), tok, body(rt.method)).mustError(t, 404, "404 Not found", "")
			}
		}
	})

	t.Run("someone else's certification is 403", func(t *testing.T) {
		for _, rt := range routes {
			f.do(rt.method, certPath(idCertA, rt.path), f.olaf, body(rt.method)).mustError(t, 403, "403 Forbidden", "")
		}
	})

	t.Run("the reviewed identity cannot read its own review", func(t *testing.T) {
		f.do("GET", certPath(idCertA, ""), f.sam, nil).mustError(t, 403, "403 Forbidden", "")
	})

	t.Run("admins and the reviewer may read", func(t *testing.T) {
		for _, tok := range []string{f.admin, f.mia, f.miaRead} {
			f.do("GET", certPath(idCertA, ""), tok, nil).mustStatus(t, 200)
		}
	})

	t.Run("a member of the reviewing governance group may read", func(t *testing.T) {
		f.do("GET", certPath(idCertG, ""), f.gina, nil).mustStatus(t, 200)
		f.do("GET", certPath(idCertG, "/decision-summary"), f.gina, nil).mustStatus(t, 200)
	})

	t.Run("a read-only token cannot write", func(t *testing.T) {
		f.do("POST", certPath(idCertA, "/sign-off"), f.miaRead, nil).mustError(t, 403, "403 Forbidden", "idn:campaign:manage")
	})

	t.Run("a token without user context is 403 everywhere", func(t *testing.T) {
		f.do("GET", v+"/certifications", f.apiClient, nil).mustError(t, 403, "403 Forbidden", "user context")
		for _, rt := range routes {
			f.do(rt.method, certPath(idCertA, rt.path), f.apiClient, body(rt.method)).mustError(t, 403, "403 Forbidden", "user context")
		}
	})

	t.Run("a missing or broken token is 401 with the documented body", func(t *testing.T) {
		for _, tok := range []string{"", "not-a-jwt", f.admin + "x"} {
			res := f.do("GET", certPath(idCertA, "/decision-summary"), tok, nil).mustStatus(t, 401)
			var body map[string]any
			res.decode(t, &body)
			if s, ok := body["error"].(string); !ok || s == "" || len(body) != 1 {
				t.Errorf("401 body %s", res.body)
			}
		}
	})

	t.Run("governance-group certifications refuse item listing, decide, reassign and sign-off", func(t *testing.T) {
		decide := []map[string]any{{"id": itemSidOrdG, "decision": "APPROVE", "bulk": false}}
		reassign := map[string]any{"reassign": []map[string]string{{"id": itemSidOrdG, "type": "ITEM"}}, "reassignTo": idRita, "reason": "r"}
		for _, tok := range []string{f.admin, f.gina} {
			f.do("GET", certPath(idCertG, "/access-review-items"), tok, nil).mustError(t, 400, "400.1 Bad Request Content", "governance group")
			f.do("POST", certPath(idCertG, "/decide"), tok, decide).mustError(t, 400, "400.1 Bad Request Content", "governance group")
			f.do("POST", certPath(idCertG, "/reassign"), tok, reassign).mustError(t, 400, "400.1 Bad Request Content", "governance group")
			f.do("POST", certPath(idCertG, "/sign-off"), tok, nil).mustError(t, 400, "400.1 Bad Request Content", "governance group")
		}
	})
}

func TestListCertifications(t *testing.T) {
	f := mustFixture(t)
	ids := func(t *testing.T, target, tok string) []string {
		t.Helper()
		var got []certsum.Certification
		f.do("GET", target, tok, nil).mustStatus(t, 200).decode(t, &got)
		var out []string
		for _, c := range got {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	all := []string{idCertA, idCertB, idCertG, idCertC, idCertS}
	slices.Sort(all)
	mias := []string{idCertA, idCertC, idCertS}
	slices.Sort(mias)
	tests := []struct {
		name, query, tok string
		want             []string
	}{
		{"admins see every certification", "", "admin", all},
		{"a reviewer sees only their own", "", "mia", mias},
		{"reviewer-identity=me is the caller", "?reviewer-identity=me", "mia", mias},
		{"an admin may ask for me", "?reviewer-identity=me", "admin", nil},
		{"an admin may ask for any reviewer", "?reviewer-identity=" + idOlaf, "admin", []string{idCertB}},
		{"a reviewer may name themselves", "?reviewer-identity=" + idMia, "mia", mias},
		{"a group member sees the group's certifications", "", "gina", []string{idCertG}},
		{"filters narrow the list", "?filters=" + url.QueryEscape(`campaign.id eq "`+idCampC+`"`), "mia", []string{idCertC}},
		{"phase filters", "?filters=phase+eq+%22STAGED%22", "admin", []string{idCertS}},
	}
	toks := map[string]string{"admin": f.admin, "mia": f.mia, "gina": f.gina}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(t, v+"/certifications"+tt.query, toks[tt.tok]); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a reviewer may not list another reviewer's certifications", func(t *testing.T) {
		f.do("GET", v+"/certifications?reviewer-identity="+idOlaf, f.mia, nil).mustError(t, 403, "403 Forbidden", "another reviewer")
	})
	t.Run("sorters apply and unknown sorters are illegal", func(t *testing.T) {
		var got []certsum.Certification
		f.do("GET", v+"/certifications?sorters=-name&limit=2&count=true", f.admin, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 2 || got[0].Name < got[1].Name {
			t.Errorf("not sorted by -name: %v", got)
		}
		f.do("GET", v+"/certifications?sorters=reviewer", f.admin, nil).mustError(t, 400, "400.1.3 Illegal value", "sorters")
	})
}

func TestGetCertificationWireFormat(t *testing.T) {
	f := mustFixture(t)
	res := f.do("GET", certPath(idCertA, ""), f.mia, nil).mustStatus(t, 200)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "campaign", "completed", "identitiesCompleted", "identitiesTotal", "created", "modified",
		"decisionsMade", "decisionsTotal", "due", "signed", "reviewer", "reassignment", "hasErrors", "errorMessage", "phase"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if string(raw["signed"]) != "null" || string(raw["reassignment"]) != "null" {
		t.Errorf("signed %s reassignment %s, want null", raw["signed"], raw["reassignment"])
	}
	if string(raw["due"]) != `"2030-03-25T10:00:00.000Z"` {
		t.Errorf("due %s, want millisecond UTC", raw["due"])
	}
	var c certsum.Certification
	res.decode(t, &c)
	if c.DecisionsTotal != 8 || c.DecisionsMade != 1 || c.IdentitiesTotal != 2 || c.IdentitiesCompleted != 0 ||
		c.Phase != certsum.PhaseActive || c.Campaign.MandatoryCommentRequirement != certsum.CommentsRevokeOnly {
		t.Errorf("certification %+v", c)
	}
}

func TestReviewItems(t *testing.T) {
	f := mustFixture(t)
	list := func(t *testing.T, query string) []certsum.AccessReviewItem {
		t.Helper()
		var got []certsum.AccessReviewItem
		f.do("GET", certPath(idCertA, "/access-review-items", query), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		return got
	}
	t.Run("an undecided item omits decision and a decided one carries it", func(t *testing.T) {
		res := f.do("GET", certPath(idCertA, "/access-review-items?count=true"), f.mia, nil).mustStatus(t, 200)
		var raw []map[string]json.RawMessage
		_ = json.Unmarshal(res.body, &raw)
		if len(raw) != 8 || res.header.Get("X-Total-Count") != "8" {
			t.Fatalf("%d items, total %q", len(raw), res.header.Get("X-Total-Count"))
		}
		for _, it := range raw {
			var id string
			_ = json.Unmarshal(it["id"], &id)
			d, has := it["decision"]
			if id == itemSueAdm {
				if string(d) != `"APPROVE"` || string(it["completed"]) != "true" {
					t.Errorf("decided item: decision %s completed %s", d, it["completed"])
				}
			} else if has {
				t.Errorf("undecided item %s has decision %s", id, d)
			}
		}
	})
	t.Run("entitlements, access-profiles and roles select by access id", func(t *testing.T) {
		if got := list(t, "?entitlements="+idEntOrd); len(got) != 2 {
			t.Errorf("entitlements: %d items", len(got))
		}
		if got := list(t, "?roles="+idRoleEng+","+fid('r', 77)); len(got) != 2 {
			t.Errorf("roles: %d items", len(got))
		}
		if got := list(t, "?access-profiles="+idAPAD); len(got) != 1 || got[0].ID != itemSamAP {
			t.Errorf("access profiles: %+v", got)
		}
	})
	t.Run("entitlements, access-profiles and roles are mutually exclusive", func(t *testing.T) {
		f.do("GET", certPath(idCertA, "/access-review-items?entitlements="+idEntOrd+"&roles="+idRoleEng), f.mia, nil).
			mustError(t, 400, "400.1.3 Illegal value", "cannot be used together")
		f.do("GET", certPath(idCertA, "/access-review-items?entitlements="), f.mia, nil).
			mustError(t, 400, "400.1.3 Illegal value", "at least one id")
	})
	t.Run("filters and sorters apply", func(t *testing.T) {
		got := list(t, "?filters="+url.QueryEscape(`identitySummary.name eq "sue staff" and access.type eq "ENTITLEMENT"`)+"&sorters=-access.name")
		if len(got) != 2 || got[0].AccessSummary.Access.Name != "Orders Writer" || got[1].AccessSummary.Access.Name != "Domain Admins" {
			t.Errorf("got %+v", got)
		}
	})
}

func TestPermissionsAndReviewers(t *testing.T) {
	f := mustFixture(t)
	t.Run("permissions of an entitlement item", func(t *testing.T) {
		var got []certsum.Permission
		res := f.do("GET", certPath(idCertA, "/access-review-items/", itemSamOrd, "/permissions?count=true"), f.mia, nil).mustStatus(t, 200)
		res.decode(t, &got)
		if len(got) != 3 || res.header.Get("X-Total-Count") != "3" {
			t.Errorf("got %+v total %q", got, res.header.Get("X-Total-Count"))
		}
		q := url.Values{"filters": {`rights ca ("SELECT") and target sw "SYS."`}}
		f.do("GET", certPath(idCertA, "/access-review-items/", itemSamOrd, "/permissions?"+q.Encode()), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 2 {
			t.Errorf("filtered: %+v", got)
		}
	})
	t.Run("permissions take no sorters", func(t *testing.T) {
		f.do("GET", certPath(idCertA, "/access-review-items/", itemSamOrd, "/permissions?sorters=target"), f.mia, nil).
			mustError(t, 400, "400.1.3 Illegal value", "sorters")
	})
	t.Run("permissions of an item of another certification are not found", func(t *testing.T) {
		f.do("GET", certPath(idCertA, "/access-review-items/", itemSidAdmB, "/permissions"), f.admin, nil).mustError(t, 404, "404 Not found", "")
	})
	t.Run("reviewers of an identity's certification", func(t *testing.T) {
		var got []certsum.IdentityReference
		f.do("GET", certPath(idCertA, "/reviewers"), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 1 || got[0].ID != idMia || got[0].Type != certsum.TypeIdentity {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("reviewers reject bad collection parameters", func(t *testing.T) {
		f.do("GET", certPath(idCertA, "/reviewers?limit=1000"), f.mia, nil).mustError(t, 400, "400.1.3 Illegal value", "limit")
		f.do("GET", certPath(idCertA, "/reviewers?filters=email+co+%22x%22"), f.mia, nil).mustError(t, 400, "400.1.3 Illegal value", "filters")
	})
	t.Run("reviewers of a governance group's certification are its members", func(t *testing.T) {
		var got []certsum.IdentityReference
		f.do("GET", certPath(idCertG, "/reviewers?sorters=-name"), f.gina, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 2 || got[0].ID != idGus || got[1].ID != idGina {
			t.Errorf("got %+v", got)
		}
	})
}

func TestDecide(t *testing.T) {
	type d = map[string]any
	approve := func(id string) d { return d{"id": id, "decision": "APPROVE", "bulk": false} }

	t.Run("a decision updates the certification and repeating it changes nothing", func(t *testing.T) {
		f := mustFixture(t)
		body := []d{approve(itemSamRole), {"id": itemSamAdm, "decision": "REVOKE", "bulk": true, "comments": "left the team",
			"proposedEndDate": "2030-04-01T00:00:00+02:00", "recommendation": d{"recommendation": nil, "reasons": []string{}, "timestamp": "2030-03-01T12:00:00.123456"}}}
		first := f.do("POST", certPath(idCertA, "/decide"), f.mia, body).mustStatus(t, 200)
		var c certsum.Certification
		first.decode(t, &c)
		if c.DecisionsMade != 3 || c.ID != idCertA {
			t.Errorf("after deciding: %+v", c)
		}
		f.clock.Advance(1e9)
		second := f.do("POST", certPath(idCertA, "/decide"), f.mia, body).mustStatus(t, 200)
		if compactJSON(t, first.body) != compactJSON(t, second.body) {
			t.Errorf("a repeated decide answered differently:\n%s\n%s", first.body, second.body)
		}
		var sum certsum.DecisionSummary
		f.do("GET", certPath(idCertA, "/decision-summary"), f.mia, nil).mustStatus(t, 200).decode(t, &sum)
		if sum.RolesApproved != 1 || sum.EntitlementsRevoked != 1 || sum.EntitlementsApproved != 1 {
			t.Errorf("summary after deciding: %+v", sum)
		}
	})

	t.Run("decisions may be changed until sign-off", func(t *testing.T) {
		f := mustFixture(t)
		f.do("POST", certPath(idCertA, "/decide"), f.mia, []d{approve(itemSamOrd)}).mustStatus(t, 200)
		f.do("POST", certPath(idCertA, "/decide"), f.mia, []d{{"id": itemSamOrd, "decision": "REVOKE", "bulk": false, "comments": "no"}}).mustStatus(t, 200)
		var sum certsum.DecisionSummary
		f.do("GET", certPath(idCertA, "/decision-summary"), f.mia, nil).mustStatus(t, 200).decode(t, &sum)
		if sum.EntitlementsRevoked != 1 || sum.EntitlementsApproved != 1 || sum.EntitlementDecisionsMade != 2 {
			t.Errorf("summary after changing: %+v", sum)
		}
	})

	t.Run("bad bodies are rejected and change nothing", func(t *testing.T) {
		f := mustFixture(t)
		many := make([]d, 251)
		for i := range many {
			many[i] = approve(itemSamRole)
		}
		tests := []struct {
			name   string
			body   any
			detail string
			text   string
		}{
			{"an empty list", []d{}, detailBadContent, "at least one decision"},
			{"null", "null", detailBadContent, "not null"},
			{"an object instead of a list", d{"id": itemSamRole}, detailBadContent, "must be an array"},
			{"more than 250 decisions", many, detailBadContent, "at most 250"},
			{"a missing bulk", []d{{"id": itemSamRole, "decision": "APPROVE"}}, detailBadContent, "bulk is required"},
			{"a missing decision", []d{{"id": itemSamRole, "bulk": true}}, detailBadContent, "decision is required"},
			{"a missing id", []d{{"decision": "APPROVE", "bulk": true}}, detailBadContent, "id is required"},
			{"an unknown decision", []d{{"id": itemSamRole, "decision": "ACKNOWLEDGE", "bulk": true}}, detailBadContent, "APPROVE or REVOKE"},
			{"a lower-case decision", []d{{"id": itemSamRole, "decision": "approve", "bulk": true}}, detailBadContent, "APPROVE or REVOKE"},
			{"a string bulk", []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": "true"}}, detailBadContent, "must be a boolean"},
			{"an unknown field", []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "note": "x"}}, detailBadContent, `unknown field "note"`},
			{"trailing data", `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":true}] []`, detailBadContent, "after the JSON value"},
			{"a bad date", []d{{"id": itemSamRole, "decision": "REVOKE", "bulk": true, "comments": "x", "proposedEndDate": "next week"}}, detailBadContent, "date-time"},
			{"proposedEndDate with APPROVE", []d{{"id": itemSamRole, "decision": "APPROVE", "bulk": true, "proposedEndDate": "2030-04-01T00:00:00Z"}}, detailBadContent, "only be set on a REVOKE"},
			{"the same item twice", []d{approve(itemSamRole), approve(itemSamRole)}, detailBadContent, "already decided"},
			{"a REVOKE without the required comment", []d{{"id": itemSamRole, "decision": "REVOKE", "bulk": false}}, detailBadContent, "comment"},
			{"an item of another certification", []d{approve(itemSamRole), approve(itemSidVPNB)}, detailReference, itemSidVPNB},
			{"an unknown item", []d{approve(fid('t', 999))}, detailReference, fid('t', 999)},
		}
		before := f.do("GET", certPath(idCertA, ""), f.mia, nil).mustStatus(t, 200)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.do("POST", certPath(idCertA, "/decide"), f.mia, tt.body).mustError(t, 400, tt.detail, tt.text)
			})
		}
		after := f.do("GET", certPath(idCertA, ""), f.mia, nil).mustStatus(t, 200)
		if compactJSON(t, before.body) != compactJSON(t, after.body) {
			t.Errorf("rejected decisions changed the certification:\n%s\n%s", before.body, after.body)
		}
	})

	t.Run("a comment of 1 MiB is refused by its length", func(t *testing.T) {
		f := mustFixture(t)
		big := `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":true,"comments":"` + strings.Repeat("x", 1<<20) + `"}]`
		f.do("POST", certPath(idCertA, "/decide"), f.mia, big).mustError(t, 400, detailBadContent, "decision 0: comments has 1048576 characters; at most 4096")
	})

	t.Run("a body over the bound is refused with 413", func(t *testing.T) {
		f := mustFixture(t)
		big := `[{"id":"` + itemSamRole + `","decision":"APPROVE","bulk":true,"comments":"` + strings.Repeat("x", maxBodyBytes) + `"}]`
		f.do("POST", certPath(idCertA, "/decide"), f.mia, big).mustError(t, 413, detailTooLarge, "exceeds")
	})

	t.Run("a campaign requiring comments on every decision enforces them", func(t *testing.T) {
		f := mustFixture(t)
		f.do("POST", certPath(idCertC, "/decide"), f.mia, []d{approve(itemSidVPNC)}).mustError(t, 400, detailBadContent, "comment")
		f.do("POST", certPath(idCertC, "/decide"), f.mia, []d{{"id": itemSidVPNC, "decision": "APPROVE", "bulk": false, "comments": "ok"}}).mustStatus(t, 200)
	})

	t.Run("a staged certification cannot be decided", func(t *testing.T) {
		f := mustFixture(t)
		f.do("POST", certPath(idCertS, "/decide"), f.mia, []d{approve(itemSamVPNS)}).mustError(t, 400, detailBadContent, "")
	})
}

func TestSignOffAndReassign(t *testing.T) {
	type d = map[string]any

	t.Run("sign-off needs every item decided, then freezes the certification", func(t *testing.T) {
		f := mustFixture(t)
		f.do("POST", certPath(idCertB, "/sign-off"), f.olaf, nil).mustError(t, 400, detailBadContent, "")
		f.do("POST", certPath(idCertB, "/decide"), f.olaf, []d{
			{"id": itemSidVPNB, "decision": "APPROVE", "bulk": true},
			{"id": itemSidAdmB, "decision": "REVOKE", "bulk": true, "comments": "not an admin"},
		}).mustStatus(t, 200)
		var c certsum.Certification
		f.do("POST", certPath(idCertB, "/sign-off"), f.olaf, nil).mustStatus(t, 200).decode(t, &c)
		if c.Phase != certsum.PhaseSigned || c.Signed == nil || !c.Completed {
			t.Errorf("after sign-off: %+v", c)
		}
		f.do("POST", certPath(idCertB, "/decide"), f.olaf, []d{{"id": itemSidVPNB, "decision": "APPROVE", "bulk": true}}).mustError(t, 400, detailBadContent, "")
		f.do("POST", certPath(idCertB, "/reassign"), f.olaf, d{"reassign": []d{{"id": itemSidVPNB, "type": "ITEM"}}, "reassignTo": idRita, "reason": "x"}).
			mustError(t, 400, detailBadContent, "")
		f.do("POST", certPath(idCertB, "/sign-off"), f.olaf, nil).mustError(t, 400, detailBadContent, "")
	})

	t.Run("reassign moves items to the new reviewer's certification", func(t *testing.T) {
		f := mustFixture(t)
		var c certsum.Certification
		f.do("POST", certPath(idCertA, "/reassign"), f.mia, d{
			"reassign": []d{{"id": idSumSue, "type": "IDENTITY_SUMMARY"}, {"id": itemSamAcct, "type": "ITEM"}}, "reassignTo": idRita, "reason": "Rita owns these now",
		}).mustStatus(t, 200).decode(t, &c)
		if c.ID != idCertA || c.DecisionsTotal != 4 || c.IdentitiesTotal != 1 {
			t.Errorf("source after reassign: %+v", c)
		}
		rita := f.mustToken(idRita, []string{certsum.LevelUser})
		var certs []certsum.Certification
		f.do("GET", v+"/certifications?reviewer-identity=me", rita, nil).mustStatus(t, 200).decode(t, &certs)
		if len(certs) != 1 || certs[0].DecisionsTotal != 4 || certs[0].Reassignment == nil ||
			certs[0].Reassignment.From.ID != idCertA || certs[0].Reassignment.Comment != "Rita owns these now" {
			t.Fatalf("Rita's certifications: %+v", certs)
		}
		var items []certsum.AccessReviewItem
		f.do("GET", certPath(certs[0].ID, "/access-review-items"), rita, nil).mustStatus(t, 200).decode(t, &items)
		if len(items) != 4 {
			t.Errorf("Rita reviews %d items, want 4", len(items))
		}
	})

	t.Run("bad reassign bodies are rejected", func(t *testing.T) {
		f := mustFixture(t)
		refs := make([]d, 51)
		for i := range refs {
			refs[i] = d{"id": itemSamRole, "type": "ITEM"}
		}
		item := []d{{"id": itemSamRole, "type": "ITEM"}}
		tests := []struct {
			name   string
			body   any
			detail string
			text   string
		}{
			{"a missing reassign", d{"reassignTo": idRita, "reason": "r"}, detailBadContent, "reassign is required"},
			{"an empty reassign", d{"reassign": []d{}, "reassignTo": idRita, "reason": "r"}, detailBadContent, "at least one"},
			{"more than 50 references", d{"reassign": refs, "reassignTo": idRita, "reason": "r"}, detailBadContent, "at most 50"},
			{"a missing reassignTo", d{"reassign": item, "reason": "r"}, detailBadContent, "reassignTo is required"},
			{"a missing reason", d{"reassign": item, "reassignTo": idRita}, detailBadContent, "reason is required"},
			{"an unknown reference type", d{"reassign": []d{{"id": itemSamRole, "type": "ROLE"}}, "reassignTo": idRita, "reason": "r"}, detailBadContent, "TARGET_SUMMARY, ITEM or IDENTITY_SUMMARY"},
			{"an unknown field", d{"reassign": item, "reassignTo": idRita, "reason": "r", "when": "now"}, detailBadContent, "unknown field"},
			{"an unknown item", d{"reassign": []d{{"id": fid('t', 999), "type": "ITEM"}}, "reassignTo": idRita, "reason": "r"}, detailReference, ""},
			{"an unknown identity", d{"reassign": item, "reassignTo": fid('i', 999), "reason": "r"}, detailReference, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.do("POST", certPath(idCertA, "/reassign"), f.mia, tt.body).mustError(t, 400, tt.detail, tt.text)
			})
		}
	})
}

func TestRoutingAndWireRules(t *testing.T) {
	f := mustFixture(t)

	t.Run("an unknown v2024 path is a 404 in the error format", func(t *testing.T) {
		f.do("GET", v+"/access-profiles", f.admin, nil).mustError(t, 404, "404 Not found", "")
		f.do("GET", v+"/certifications/"+idCertA+"/nothing", f.admin, nil).mustError(t, 404, "404 Not found", "")
		f.do("GET", "/elsewhere", "", nil).mustError(t, 404, "404 Not found", "")
	})

	t.Run("a wrong method is a 405 with Allow", func(t *testing.T) {
		res := f.do("DELETE", certPath(idCertA, ""), f.admin, nil)
		res.mustError(t, 405, "405 Method Not Allowed", "DELETE")
		if res.header.Get("Allow") != "GET" {
			t.Errorf("Allow %q", res.header.Get("Allow"))
		}
		res = f.do("GET", certPath(idCertA, "/decide"), f.admin, nil)
		res.mustError(t, 405, "405 Method Not Allowed", "")
		if res.header.Get("Allow") != "POST" {
			t.Errorf("Allow %q", res.header.Get("Allow"))
		}
		res = f.do("GET", "/oauth/token", "", nil).mustStatus(t, 405)
		if res.header.Get("Allow") != "POST" || res.header.Get("Content-Type") != "application/json" {
			t.Errorf("token endpoint 405: %v %s", res.header, res.body)
		}
	})

	t.Run("a base URL ending in a slash still works", func(t *testing.T) {
		f.do("GET", "/"+certPath(idCertA, "/decision-summary"), f.mia, nil).mustStatus(t, 200)
		f.do("POST", "/"+certPath(idCertB, "/decide"), f.olaf, []map[string]any{{"id": itemSidVPNB, "decision": "APPROVE", "bulk": true}}).mustStatus(t, 200)
	})

	t.Run("fully percent-encoded path parameters are decoded", func(t *testing.T) {
		f.do("GET", certPath(url.PathEscape(idCertA), "/access-summaries/", url.PathEscape("ACCESS_PROFILE")), f.mia, nil).mustStatus(t, 200)
	})

	t.Run("both SDK query encodings give the same answer", func(t *testing.T) {
		goSDK := certPath(idCertA, "/access-review-items?count=true&filters=access.name+sw+%22Or%22+and+completed+eq+false&limit=10&offset=0&sorters=-access.name")
		pySDK := certPath(idCertA, "/access-review-items?limit=10&offset=0&count=true&filters=access.name%20sw%20%22Or%22%20and%20completed%20eq%20false&sorters=-access.name")
		a := f.do("GET", goSDK, f.mia, nil).mustStatus(t, 200)
		b := f.do("GET", pySDK, f.mia, nil).mustStatus(t, 200)
		if string(a.body) != string(b.body) || a.header.Get("X-Total-Count") != b.header.Get("X-Total-Count") {
			t.Errorf("Go SDK: %s\nPython SDK: %s", a.body, b.body)
		}
		var items []certsum.AccessReviewItem
		a.decode(t, &items)
		if len(items) != 2 {
			t.Errorf("%d items match, want 2", len(items))
		}
	})

	t.Run("a literal plus in a filter survives the Python SDK's encoding", func(t *testing.T) {
		// Python's quote(): space → %20, '+' → %2B.
		q := "filters=" + strings.ReplaceAll(url.QueryEscape(`name eq "Sam+Staff"`), "+", "%20")
		var got []certsum.IdentitySummary
		f.do("GET", certPath(idCertA, "/identity-summaries?"+q), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 0 {
			t.Errorf("%q matched %+v", q, got)
		}
		q = "filters=" + strings.ReplaceAll(url.QueryEscape(`name eq "Sam Staff"`), "+", "%20")
		f.do("GET", certPath(idCertA, "/identity-summaries?"+q), f.mia, nil).mustStatus(t, 200).decode(t, &got)
		if len(got) != 1 {
			t.Errorf("%q matched %+v, want Sam", q, got)
		}
	})

	t.Run("pages are full while more remain", func(t *testing.T) {
		var seen []string
		for off := 0; ; off += 3 {
			var page []certsum.AccessReviewItem
			res := f.do("GET", certPath(idCertA, fmt.Sprintf("/access-review-items?limit=3&offset=%d&count=true", off)), f.mia, nil).mustStatus(t, 200)
			res.decode(t, &page)
			total, _ := strconv.Atoi(res.header.Get("X-Total-Count"))
			if off+3 <= total && len(page) != 3 {
				t.Fatalf("page at %d has %d items with %d in total", off, len(page), total)
			}
			for _, it := range page {
				seen = append(seen, it.ID)
			}
			if len(page) < 3 {
				break
			}
		}
		sorted := slices.Clone(seen)
		slices.Sort(sorted)
		if len(seen) != 8 || len(slices.Compact(sorted)) != 8 {
			t.Errorf("walked %v", seen)
		}
	})

	t.Run("every response is JSON and carries a request id", func(t *testing.T) {
		res := f.do("GET", certPath(idCertA, ""), f.mia, nil)
		if res.header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	})
}

func TestRateLimit(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{limit: 3})
	a := e.mustToken(idMia, []string{certsum.LevelUser})
	b := e.mustToken(idOlaf, []string{certsum.LevelUser})
	for i := 0; i < 3; i++ {
		e.do("GET", certPath(idCertA, "/decision-summary"), a, nil).mustStatus(t, 200)
	}
	res := e.do("GET", certPath(idCertA, "/decision-summary"), a, nil).mustStatus(t, 429)
	if compactJSON(t, res.body) != `{"message":" Rate Limit Exceeded "}` || res.header.Get("Retry-After") == "" {
		t.Errorf("429: %s %v", res.body, res.header)
	}
	e.do("GET", certPath(idCertB, "/decision-summary"), b, nil).mustStatus(t, 200)
	e.do("GET", certPath(idCertA, "/decision-summary"), "", nil).mustStatus(t, 401)
	e.clock.Advance(10e9)
	e.do("GET", certPath(idCertA, "/decision-summary"), a, nil).mustStatus(t, 200)
}

func TestJWKSIsServed(t *testing.T) {
	e := mustEnv(t, nil, envOptions{})
	_ = e.mustToken("", nil) // makes sure a signing key exists
	res := e.do("GET", "/.well-known/jwks.json", "", nil).mustStatus(t, 200)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(res.body, &set); err != nil || len(set.Keys) == 0 {
		t.Errorf("jwks %s: %v", res.body, err)
	}
}

// failingStore is the real store with chosen methods failing, to reach the 5xx paths.
type failingStore struct {
	certsum.Store
}

// DecisionSummary fails the way a broken disk would, with details that must not leak.
func (failingStore) DecisionSummary(context.Context, string, query.Expr) (*certsum.DecisionSummary, error) {
	return nil, fmt.Errorf("decision summary: %w", errors.New("disk I/O error reading /var/lib/certsum/secret.db"))
}

// ListIdentitySummaries panics, as a programming error would.
func (failingStore) ListIdentitySummaries(context.Context, string, certsum.ListQuery) (certsum.Page[certsum.IdentitySummary], error) {
	panic("index out of range in /var/lib/certsum/secret.db")
}

// GetIdentitySummary reports a dependency outage.
func (failingStore) GetIdentitySummary(context.Context, string, string) (*certsum.IdentitySummary, error) {
	return nil, &certsum.Error{Code: certsum.CodeUnavailable, Message: "database at 10.1.2.3 is down"}
}

func TestFailuresAreHiddenAndLogged(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{wrap: func(s certsum.Store) certsum.Store { return failingStore{s} }})
	tok := e.mustToken(idMia, []string{certsum.LevelUser})
	for _, tc := range []struct {
		name, path string
		status     int
		detail     string
	}{
		{"a store error is a 500", "/decision-summary", 500, "500.0 Internal Fault"},
		{"a panic is a 500", "/identity-summaries", 500, "500.0 Internal Fault"},
		{"an outage is a 503", "/identity-summaries/" + idSumSam, 503, "503 Service Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do("GET", certPath(idCertA, tc.path), tok, nil)
			dto := res.mustError(t, tc.status, tc.detail, "")
			if strings.Contains(string(res.body), "secret.db") || strings.Contains(string(res.body), "10.1.2.3") {
				t.Errorf("the answer leaks internals: %s", res.body)
			}
			if !strings.Contains(e.logs.String(), dto.TrackingID) {
				t.Errorf("tracking id %s is not in the log", dto.TrackingID)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "secret.db") {
		t.Error("the full error chain is not logged")
	}
}
