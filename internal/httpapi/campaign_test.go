package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// campaignFixture is the API fixture with assignments imported for Sam and Sue, so that
// campaigns have something to generate.
func campaignFixture(t *testing.T) *fixture {
	t.Helper()
	f := mustFixture(t)
	in := &certsum.InventoryInput{FormatVersion: 1, Mode: certsum.ImportMerge, Assignments: []certsum.InputAssignment{
		{IdentityID: idSam, AccessType: certsum.TypeRole, AccessID: idRoleEng},
		{IdentityID: idSue, AccessType: certsum.TypeEntitlement, AccessID: idEntOrd},
	}}
	in.Cover(certsum.KindAssignment)
	if _, err := f.store.ImportInventory(context.Background(), in, certsum.ImportOptions{}); err != nil {
		t.Fatalf("import assignments: %v", err)
	}
	return f
}

// waitCampaign polls a campaign until it leaves PENDING.
func waitCampaign(t *testing.T, f *fixture, id string) certsum.Campaign {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var k certsum.Campaign
		f.do("GET", v+"/campaigns/"+id+"?detail=FULL", f.admin, nil).mustStatus(t, 200).decode(t, &k)
		if k.Status != certsum.StatusPending {
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s still PENDING after 30 s", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCampaignLifecycleThroughTheAPI(t *testing.T) {
	f := campaignFixture(t)
	deadline := certsum.NewTime(fixtureNow.Add(7 * 24 * time.Hour))
	body := map[string]any{
		"name": "Staff access", "description": nil, "type": "SEARCH", "deadline": deadline,
		"searchCampaignInfo": map[string]any{"type": "IDENTITY", "identityIds": []string{idSam, idSue},
			"reviewer": map[string]any{"type": "IDENTITY", "id": idRita}},
		// Read-only keys an SDK sends along are accepted and ignored.
		"id": nil, "status": nil, "created": nil, "alerts": nil, "totalCertifications": nil,
	}
	var created certsum.Campaign
	res := f.do("POST", v+"/campaigns", f.admin, body).mustStatus(t, http.StatusAccepted)
	res.decode(t, &created)
	wantDesc := `"description":` + nullAs("createCampaign", "description") // v2024's null, as the generation sends it
	if created.Status != certsum.StatusPending || !strings.Contains(string(res.body), wantDesc) {
		t.Fatalf("created: %s", res.body)
	}
	k := waitCampaign(t, f, created.ID)
	if k.Status != certsum.StatusStaged || k.TotalCertifications != 1 {
		t.Fatalf("generated: %s with %d certifications, alerts %+v", k.Status, k.TotalCertifications, k.Alerts)
	}
	var slim map[string]any
	f.do("GET", v+"/campaigns/"+k.ID, f.admin, nil).mustStatus(t, 200).decode(t, &slim)
	if _, full := slim["mandatoryCommentRequirement"]; full {
		t.Errorf("detail defaults to SLIM, got %v", slim)
	}

	// Activation: once, from STAGED.
	f.do("POST", v+"/campaigns/"+k.ID+"/activate", f.admin, map[string]string{"timeZone": "+0530"}).mustStatus(t, http.StatusAccepted)
	f.do("POST", v+"/campaigns/"+k.ID+"/activate", f.admin, nil).mustError(t, 400, detailBadContent, "only a STAGED campaign")
	var certs []certsum.Certification
	f.do("GET", v+"/certifications?reviewer-identity="+idRita, f.admin, nil).mustStatus(t, 200).decode(t, &certs)
	var cert *certsum.Certification
	for i := range certs {
		if certs[i].Campaign.ID == k.ID {
			cert = &certs[i]
		}
	}
	if cert == nil || cert.Phase != certsum.PhaseActive || cert.Due == nil || !cert.Due.Equal(deadline.Time) {
		t.Fatalf("the campaign's certification after activation: %+v", cert)
	}

	// The list: filters, sorters, count, detail.
	var list []certsum.SlimCampaign
	res = f.do("GET", v+`/campaigns?filters=status%20eq%20%22ACTIVE%22%20and%20name%20sw%20%22Staff%22&count=true`, f.admin, nil).mustStatus(t, 200)
	res.decode(t, &list)
	if len(list) != 1 || list[0].ID != k.ID || res.header.Get("X-Total-Count") != "1" {
		t.Errorf("filtered list %s, X-Total-Count %q", res.body, res.header.Get("X-Total-Count"))
	}
	f.do("GET", v+"/campaigns?detail=FULL&sorters=-created,name", f.admin, nil).mustStatus(t, 200)
	f.do("GET", v+`/campaigns?filters=type%20eq%20%22SEARCH%22`, f.admin, nil).mustError(t, 400, "400.1.3 Illegal value", "type")
	f.do("GET", v+"/campaigns?detail=MEDIUM", f.admin, nil).mustError(t, 400, "400.1.3 Illegal value", "detail")
	f.do("GET", v+"/campaigns/"+k.ID+"?detail=MEDIUM", f.admin, nil).mustError(t, 400, "400.1.3 Illegal value", "detail")

	// Completion: only past the deadline; undecided items are approved by default.
	f.do("POST", v+"/campaigns/"+k.ID+"/complete", f.admin, nil).mustError(t, 400, detailBadContent, "not past due")
	f.env.clock.Advance(8 * 24 * time.Hour)
	f.admin = f.env.mustToken(idAdmin, []string{certsum.LevelOrgAdmin}) // the first one has expired
	f.do("POST", v+"/campaigns/"+k.ID+"/complete", f.admin, map[string]string{"autoCompleteAction": "REVOKE"}).
		mustError(t, 400, detailBadContent, "autoRevokeAllowed")
	f.do("POST", v+"/campaigns/"+k.ID+"/complete", f.admin, map[string]string{"autoCompleteAction": "APPROVE"}).mustStatus(t, http.StatusAccepted)
	k = waitCampaign(t, f, k.ID)
	if k.Status != certsum.StatusCompleted || k.CompletedCertifications != 1 {
		t.Errorf("after complete: %s, %d completed", k.Status, k.CompletedCertifications)
	}
	var summary certsum.DecisionSummary
	f.do("GET", certPath(cert.ID, "/decision-summary"), f.admin, nil).mustStatus(t, 200).decode(t, &summary)
	if summary.RolesApproved != 1 || summary.EntitlementsApproved != 1 {
		t.Errorf("decision summary after complete: %+v", summary)
	}

	// Deletion.
	f.do("POST", v+"/campaigns/delete", f.admin, map[string]any{"ids": []string{}}).mustError(t, 400, detailBadContent, "at least one")
	f.do("POST", v+"/campaigns/delete", f.admin, map[string]any{"ids": []string{"nope"}}).mustError(t, 404, "404 Not found", "nope")
	f.do("POST", v+"/campaigns/delete", f.admin, map[string]any{"ids": []string{k.ID}}).mustStatus(t, http.StatusAccepted)
	f.do("GET", v+"/campaigns/"+k.ID, f.admin, nil).mustError(t, 404, "404 Not found", k.ID)
	f.do("GET", certPath(cert.ID), f.admin, nil).mustStatus(t, 404)
}

func TestCampaignRequestsOutsideTheRules(t *testing.T) {
	f := campaignFixture(t)
	tests := []struct {
		name   string
		body   string
		detail string
		text   string
	}{
		{"no description key", `{"name": "x", "type": "MANAGER"}`, detailBadContent, "description is required"},
		{"no type", `{"name": "x", "description": null}`, detailBadContent, "type is required"},
		{"an unknown type", `{"name": "x", "description": null, "type": "FRIENDS"}`, detailBadContent, "FRIENDS"},
		{"a role composition campaign", `{"name": "x", "description": null, "type": "ROLE_COMPOSITION"}`, detailBadContent, "does not generate"},
		{"a past deadline", `{"name": "x", "description": null, "type": "MANAGER", "deadline": "2001-01-01T00:00:00Z"}`, detailBadContent, "not in the future"},
		{"a search without identities", `{"name": "x", "description": null, "type": "SEARCH", "searchCampaignInfo": {"type": "IDENTITY"}}`, detailBadContent, "identityIds"},
		{"a search query outside the subset", `{"name": "x", "description": null, "type": "SEARCH", "searchCampaignInfo": {"type": "IDENTITY", "query": "created:[2020 TO *]"}}`, detailBadContent, `unsupported field "created"`},
		{"a query and identities", `{"name": "x", "description": null, "type": "SEARCH", "searchCampaignInfo": {"type": "IDENTITY", "query": "name:x", "identityIds": ["a"]}}`, detailBadContent, "not both"},
		{"an unknown identity", `{"name": "x", "description": null, "type": "SEARCH", "searchCampaignInfo": {"type": "IDENTITY", "identityIds": ["ghost"]}}`, detailReference, "ghost"},
		{"an unknown source", `{"name": "x", "description": null, "type": "SOURCE_OWNER", "sourceOwnerCampaignInfo": {"sourceIds": ["nowhere"]}}`, detailReference, "nowhere"},
		{"an unknown field", `{"name": "x", "description": null, "type": "MANAGER", "colour": "red"}`, detailBadContent, "unknown field"},
		{"an unknown filter", `{"name": "x", "description": null, "type": "MANAGER", "filter": {"id": "f", "type": "CAMPAIGN_FILTER"}}`, detailReference, "campaign filter"},
		{"not JSON", `{"name": `, detailBadContent, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.do("POST", v+"/campaigns", f.admin, tt.body).mustError(t, 400, tt.detail, tt.text)
		})
	}
	t.Run("activation needs a deadline and a known time zone", func(t *testing.T) {
		var k certsum.Campaign
		f.do("POST", v+"/campaigns", f.admin, `{"name": "no deadline", "description": "d", "type": "MANAGER"}`).
			mustStatus(t, http.StatusAccepted).decode(t, &k)
		waitCampaign(t, f, k.ID)
		f.do("POST", v+"/campaigns/"+k.ID+"/activate", f.admin, nil).mustError(t, 400, detailBadContent, "no deadline")
		f.do("POST", v+"/campaigns/"+k.ID+"/activate", f.admin, `{"timeZone": "Mars/Olympus"}`).mustError(t, 400, detailBadContent, "timeZone")
		f.do("POST", v+"/campaigns/nope/activate", f.admin, nil).mustStatus(t, 404)
		f.do("POST", v+"/campaigns/nope/complete", f.admin, nil).mustStatus(t, 404)
		f.do("POST", v+"/campaigns/"+k.ID+"/complete", f.admin, `{"autoCompleteAction": "MAYBE"}`).mustError(t, 400, detailBadContent, "")
	})
	t.Run("campaigns are for campaign administrators", func(t *testing.T) {
		for _, rt := range []struct{ method, path, body string }{
			{"GET", "/campaigns", ""}, {"GET", "/campaigns/x", ""}, {"POST", "/campaigns", `{"name": "x", "description": null, "type": "MANAGER"}`},
			{"POST", "/campaigns/x/activate", "{}"}, {"POST", "/campaigns/x/complete", "{}"}, {"POST", "/campaigns/delete", `{"ids": ["x"]}`},
		} {
			f.do(rt.method, v+rt.path, f.mia, rt.body).mustError(t, 403, "403 Forbidden", "")
			f.do(rt.method, v+rt.path, "", rt.body).mustStatus(t, 401)
		}
	})
}
