package sdktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// TestGoSDKDecideAndSignOff decides a reviewer's certification through the SDK, item by
// item and then in batches of 250, and signs it off.
func TestGoSDKDecideAndSignOff(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeEntitlement)
	api := newSDK(t, s, reviewerOf(t, s, cert)).V2024.CertificationsAPI

	var open []certsum.AccessReviewItem
	for _, it := range mustAllItems(t, s, cert.ID, certsum.ListQuery{}) {
		if !it.Completed {
			open = append(open, it)
		}
	}
	if len(open) < 4 {
		t.Fatalf("certification %s has %d open items; the test needs four", cert.ID, len(open))
	}

	endDate := time.Date(2030, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	recorded := time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
	revoke := v2024.NewReviewDecision(open[1].ID, v2024.CERTIFICATIONDECISION_REVOKE, true)
	revoke.SetComments("No longer on the payroll team")
	revoke.SetProposedEndDate(v2024.SailPointTime{Time: endDate})
	rec := v2024.NewReviewRecommendation()
	rec.SetRecommendation("REVOKE")
	rec.SetReasons([]string{"Account unused for 90 days"})
	rec.SetTimestamp(v2024.SailPointTime{Time: recorded})
	revoke.SetRecommendation(*rec)
	approveWithComment := v2024.NewReviewDecision(open[2].ID, v2024.CERTIFICATIONDECISION_APPROVE, false)
	approveWithComment.SetComments("Required for daily work")
	first := []v2024.ReviewDecision{
		*v2024.NewReviewDecision(open[0].ID, v2024.CERTIFICATIONDECISION_APPROVE, false),
		*revoke,
		*approveWithComment,
	}

	t.Run("three decisions answer the updated certification and land on the items", func(t *testing.T) {
		got, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(first).Execute()
		mustOK(t, "makeIdentityDecision", resp, err)
		want, err := s.Store.GetCertification(ctx, cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, "certification after decide", got, *want)
		if want.DecisionsMade != cert.DecisionsMade+3 {
			t.Errorf("decisionsMade %d after three decisions, was %d", want.DecisionsMade, cert.DecisionsMade)
		}
		items, resp, err := api.ListIdentityAccessReviewItems(ctx, cert.ID).
			Filters(fmt.Sprintf(`id in ("%s","%s","%s")`, open[0].ID, open[1].ID, open[2].ID)).Execute()
		mustOK(t, "listIdentityAccessReviewItems", resp, err)
		byID := map[string]v2024.AccessReviewItem{}
		for _, it := range items {
			byID[it.GetId()] = it
		}
		for _, d := range first {
			it, ok := byID[d.Id]
			switch {
			case !ok:
				t.Errorf("item %s not listed", d.Id)
			case !it.GetCompleted() || it.GetDecision() != d.Decision || it.GetComments() != d.GetComments():
				t.Errorf("item %s: completed %v, decision %q, comments %q; sent %q with comments %q",
					d.Id, it.GetCompleted(), it.GetDecision(), it.GetComments(), d.Decision, d.GetComments())
			}
		}
		// The REVOKE's proposedEndDate, bulk flag and recommendation as the SDK serialised them.
		history, err := s.Store.DecisionHistory(ctx, cert.ID, open[1].ID)
		if err != nil || len(history) == 0 {
			t.Fatalf("decision history of %s: %v (%d records)", open[1].ID, err, len(history))
		}
		h := history[len(history)-1]
		if h.Decision != certsum.Revoke || !h.Bulk || h.ProposedEndDate == nil || !h.ProposedEndDate.Equal(endDate) ||
			h.Recommendation == nil || h.Recommendation.Recommendation == nil || *h.Recommendation.Recommendation != "REVOKE" ||
			h.Recommendation.Timestamp == nil || !h.Recommendation.Timestamp.Equal(recorded) ||
			len(h.Recommendation.Reasons) != 1 {
			t.Errorf("recorded decision %+v does not carry what the SDK sent", h)
		}
	})

	t.Run("sending the same decisions again changes nothing", func(t *testing.T) {
		before, err := s.Store.GetCertification(ctx, cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(first).Execute()
		mustOK(t, "makeIdentityDecision again", resp, err)
		mustAgree(t, "certification after the repeated decide", got, *before)
	})

	t.Run("a REVOKE without comments is refused under REVOKE_ONLY_DECISIONS", func(t *testing.T) {
		if cert.Campaign.MandatoryCommentRequirement != certsum.CommentsRevokeOnly {
			t.Fatalf("campaign requires comments on %s", cert.Campaign.MandatoryCommentRequirement)
		}
		_, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision([]v2024.ReviewDecision{
			*v2024.NewReviewDecision(open[3].ID, v2024.CERTIFICATIONDECISION_REVOKE, false)}).Execute()
		mustErrorStatus(t, "REVOKE without comments", 400, resp, err)
	})

	t.Run("sign-off with open items is refused", func(t *testing.T) {
		_, resp, err := api.SignOffIdentityCertification(ctx, cert.ID).Execute()
		mustErrorStatus(t, "sign-off with open items", 400, resp, err)
	})

	t.Run("after every item is decided in batches of 250 the reviewer signs off", func(t *testing.T) {
		rest := open[3:]
		for len(rest) > 0 {
			n := min(len(rest), 250)
			batch := make([]v2024.ReviewDecision, n)
			for i, it := range rest[:n] {
				batch[i] = *v2024.NewReviewDecision(it.ID, v2024.CERTIFICATIONDECISION_APPROVE, true)
			}
			_, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(batch).Execute()
			mustOK(t, "makeIdentityDecision batch", resp, err)
			rest = rest[n:]
		}
		summary, resp, err := newSDK(t, s, reviewerOf(t, s, cert)).V2024.CertificationSummariesAPI.GetIdentityDecisionSummary(ctx, cert.ID).Execute()
		mustOK(t, "getIdentityDecisionSummary", resp, err)
		if counted := countItems(t, s, cert.ID, ""); mustAs[certsum.DecisionSummary](t, summary) != counted ||
			counted.EntitlementDecisionsMade != counted.EntitlementDecisionsTotal {
			t.Errorf("decision summary %+v, items count %+v", summary, counted)
		}

		signed, resp, err := api.SignOffIdentityCertification(ctx, cert.ID).Execute()
		mustOK(t, "signOffIdentityCertification", resp, err)
		want, err := s.Store.GetCertification(ctx, cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustAgree(t, "certification after sign-off", signed, *want)
		if signed.GetPhase() != v2024.CERTIFICATIONPHASE_SIGNED || signed.GetSigned().IsZero() || !signed.GetCompleted() ||
			signed.GetDecisionsMade() != signed.GetDecisionsTotal() || signed.GetIdentitiesCompleted() != signed.GetIdentitiesTotal() {
			t.Errorf("after sign-off: phase %s, signed %v, completed %v, decisions %d/%d, identities %d/%d",
				signed.GetPhase(), signed.GetSigned(), signed.GetCompleted(), signed.GetDecisionsMade(), signed.GetDecisionsTotal(),
				signed.GetIdentitiesCompleted(), signed.GetIdentitiesTotal())
		}
	})

	t.Run("a signed certification refuses decisions and a second sign-off", func(t *testing.T) {
		_, resp, err := api.MakeIdentityDecision(ctx, cert.ID).ReviewDecision(first[:1]).Execute()
		mustErrorStatus(t, "decide after sign-off", 400, resp, err)
		_, resp, err = api.SignOffIdentityCertification(ctx, cert.ID).Execute()
		mustErrorStatus(t, "second sign-off", 400, resp, err)
	})
}

// TestGoSDKReassign reassigns an identity summary and a single review item to an identity
// without a certification in the campaign, then reads the new certification as that
// identity.
func TestGoSDKReassign(t *testing.T) {
	s := mustStartServer(t)
	ctx := context.Background()
	cert := certificationWith(t, s, certsum.CampaignManager, certsum.TypeEntitlement)
	api := newSDK(t, s, reviewerOf(t, s, cert)).V2024.CertificationsAPI

	summaries, err := s.Store.ListIdentitySummaries(ctx, cert.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil || len(summaries.Items) < 3 {
		t.Fatalf("identity summaries of %s: %v (%d)", cert.ID, err, len(summaries.Items))
	}
	moved := summaries.Items[0]
	movedItems := mustAllItems(t, s, cert.ID, mustQuery(t, certsum.ReviewItemSchema,
		map[string]string{"filters": fmt.Sprintf(`identitySummary.id eq "%s"`, moved.ID)}))
	single := mustAllItems(t, s, cert.ID, mustQuery(t, certsum.ReviewItemSchema,
		map[string]string{"filters": fmt.Sprintf(`identitySummary.id eq "%s"`, summaries.Items[1].ID)}))[0]
	to := mustIdentityWithoutCertification(t, s, cert)

	body := v2024.NewReviewReassign([]v2024.ReassignReference{
		*v2024.NewReassignReference(moved.ID, "IDENTITY_SUMMARY"),
		*v2024.NewReassignReference(single.ID, "ITEM"),
	}, to.ID, "Moved to the platform team in November")
	got, resp, err := api.ReassignIdentityCertifications(ctx, cert.ID).ReviewReassign(*body).Execute()
	mustOK(t, "reassignIdentityCertifications", resp, err)
	source, err := s.Store.GetCertification(ctx, cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustAgree(t, "source certification after reassign", got, *source)
	if want := cert.DecisionsTotal - len(movedItems) - 1; source.DecisionsTotal != want {
		t.Errorf("source certification has %d items after moving %d, want %d", source.DecisionsTotal, len(movedItems)+1, want)
	}

	// The new reviewer finds the new certification through the SDK.
	c, secret, err := s.Auth.CreateClient(ctx, auth.ClientSpec{Name: "sdk reassign target", Identity: to.ID})
	if err != nil {
		t.Fatal(err)
	}
	target := newSDK(t, s, auth.Credentials{Client: c, Secret: secret}).V2024.CertificationsAPI
	mine, resp, err := target.ListIdentityCertifications(ctx).ReviewerIdentity("me").
		Filters(fmt.Sprintf(`campaign.id eq "%s"`, cert.Campaign.ID)).Execute()
	mustOK(t, "listIdentityCertifications as the new reviewer", resp, err)
	if len(mine) != 1 {
		t.Fatalf("the new reviewer has %d certifications in the campaign, want 1", len(mine))
	}
	created, err := s.Store.GetCertification(ctx, mine[0].GetId())
	if err != nil {
		t.Fatal(err)
	}
	mustAgree(t, "new certification", mine[0], *created)
	r := mine[0].Reassignment.Get()
	if r == nil || r.From == nil || r.From.GetId() != cert.ID || r.GetComment() != body.Reason || r.From.Reviewer == nil ||
		r.From.Reviewer.GetId() != cert.Reviewer.ID {
		t.Errorf("reassignment of the new certification: %+v", r)
	}
	items, _, err := sailpointAll[v2024.AccessReviewItem](target.ListIdentityAccessReviewItems(ctx, created.ID))
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := ids(append(movedItems, single), func(it certsum.AccessReviewItem) string { return it.ID })
	if gotIDs := ids(items, func(it v2024.AccessReviewItem) string { return it.GetId() }); fmt.Sprint(gotIDs) != fmt.Sprint(wantIDs) {
		t.Errorf("the new certification holds items %v, want %v", gotIDs, wantIDs)
	}
}

// mustIdentityWithoutCertification returns an identity under review elsewhere that reviews
// nothing in cert's campaign, so that reassigning to it creates a certification.
func mustIdentityWithoutCertification(t testing.TB, s *server, cert certsum.Certification) certsum.Identity {
	t.Helper()
	ctx := context.Background()
	page, err := s.Store.ListCertifications(ctx, certsum.CertificationFilter{}, mustQuery(t, certsum.CertificationSchema,
		map[string]string{"filters": fmt.Sprintf(`campaign.id eq "%s"`, cert.Campaign.ID)}))
	if err != nil {
		t.Fatal(err)
	}
	reviewing := map[string]bool{}
	for _, c := range page.Items {
		reviewing[c.Reviewer.ID] = true
	}
	for _, c := range page.Items {
		if c.ID == cert.ID {
			continue
		}
		sums, err := s.Store.ListIdentitySummaries(ctx, c.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, sum := range sums.Items {
			if !reviewing[sum.IdentityID] {
				id, err := s.Store.FindIdentity(ctx, sum.IdentityID)
				if err != nil {
					t.Fatal(err)
				}
				return *id
			}
		}
	}
	t.Fatal("every identity under review also reviews in the campaign")
	return certsum.Identity{}
}
