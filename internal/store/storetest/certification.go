package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func testCertifications(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)

	t.Run("a certification reads back with its campaign, reviewer and counters", func(t *testing.T) {
		for id, mc := range m.certs {
			got, err := st.GetCertification(ctx, id)
			mustOK(t, err, "GetCertification "+id)
			k := m.campaigns[mc.campaign].c
			want := mc.c
			want.Campaign = k.Ref()
			want.Created, want.Modified = certsum.NewTime(want.Created.Time), certsum.NewTime(want.Modified.Time)
			if want.Due != nil {
				want.Due = certsum.TimePtr(want.Due.Time)
			}
			if want.Signed != nil {
				want.Signed = certsum.TimePtr(want.Signed.Time)
			}
			want.DecisionsMade, want.DecisionsTotal, want.IdentitiesTotal, want.IdentitiesCompleted = m.counts(id)
			want.Completed = want.DecisionsMade == want.DecisionsTotal
			if want.Reviewer.Type == certsum.TypeIdentity {
				i := m.identities[want.Reviewer.ID]
				want.Reviewer.Name = i.Name
				if i.Email != "" {
					want.Reviewer.Email = strPtr(i.Email)
				}
			} else {
				want.Reviewer.Name = m.groups[want.Reviewer.ID].Name
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("GetCertification(%s) (-want +got):\n%s", id, diff)
			}
		}
	})

	t.Run("an unknown certification is not found everywhere", func(t *testing.T) {
		const no = "c-nowhere"
		_, err := st.GetCertification(ctx, no)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListReviewItems(ctx, no, certsum.ReviewItemFilter{}, all())
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.Decide(ctx, no, idRita, []certsum.ReviewDecision{decision("x", certsum.Approve, "")})
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.SignOff(ctx, no, idRita)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.Reassign(ctx, no, idRita, certsum.ReviewReassign{
			Reassign: []certsum.ReassignReference{{ID: "x", Type: certsum.ReassignItem}}, ReassignTo: idNora, Reason: "r"})
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListReviewers(ctx, no, all())
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListItemPermissions(ctx, no, "x", all())
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.IsReviewer(ctx, no, idRita)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.DecisionHistory(ctx, no, "")
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.CertificationVersion(ctx, no)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.DecisionSummary(ctx, no, nil)
		mustCode(t, err, certsum.CodeNotFound)
		f := q(t, certsum.DecisionSummarySchema, `identitySummary.id eq "x"`, "", 0, 0, false).Filter
		_, err = st.DecisionSummary(ctx, no, f)
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListIdentitySummaries(ctx, no, all())
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.GetIdentitySummary(ctx, no, "x")
		mustCode(t, err, certsum.CodeNotFound)
		_, err = st.ListAccessSummaries(ctx, no, certsum.TypeRole, all())
		mustCode(t, err, certsum.CodeNotFound)
	})

	t.Run("reviewers are the reviewing identity or the group's members", func(t *testing.T) {
		for _, id := range []string{certActive, certGroup, certAll} {
			p, err := st.ListReviewers(ctx, id, all())
			mustOK(t, err, "ListReviewers")
			var got []certsum.IdentityReference
			got = append(got, p.Items...)
			var want []certsum.IdentityReference
			for _, r := range m.reviewerRecords(id) {
				ref := certsum.IdentityReference{Type: certsum.TypeIdentity, ID: r["id"].(string), Name: r["name"].(string)}
				if e, ok := r["email"].(string); ok {
					ref.Email = strPtr(e)
				}
				want = append(want, ref)
			}
			sortRefs(want)
			sortRefs(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ListReviewers(%s) (-want +got):\n%s", id, diff)
			}
			if p.Total != len(want) {
				t.Errorf("ListReviewers(%s).Total = %d, want %d", id, p.Total, len(want))
			}
		}
	})

	t.Run("IsReviewer knows direct reviewers and group members", func(t *testing.T) {
		cases := []struct {
			cert, identity string
			want           bool
		}{
			{certActive, idRita, true}, {certActive, idSam, false}, {certGroup, idGus, true}, {certGroup, idAnn1, true},
			{certGroup, idAnn2, false}, {certGroup, groupReviewers, false}, {certSigned, idSam, true}, {certActive, "", false},
		}
		for _, c := range cases {
			got, err := st.IsReviewer(ctx, c.cert, c.identity)
			mustOK(t, err, "IsReviewer")
			if got != c.want {
				t.Errorf("IsReviewer(%s, %q) = %t, want %t", c.cert, c.identity, got, c.want)
			}
		}
	})

	t.Run("the version grows with effective writes only", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		v0, err := st.CertificationVersion(ctx, certActive)
		mustOK(t, err, "CertificationVersion")
		other0, err := st.CertificationVersion(ctx, certGroup)
		mustOK(t, err, "CertificationVersion")
		d := []certsum.ReviewDecision{decision(m.undecided(certActive)[0], certsum.Approve, "ok")}
		_, err = st.Decide(ctx, certActive, idRita, d)
		mustOK(t, err, "Decide")
		v1, _ := st.CertificationVersion(ctx, certActive)
		_, err = st.Decide(ctx, certActive, idRita, d)
		mustOK(t, err, "Decide again")
		v2, _ := st.CertificationVersion(ctx, certActive)
		other1, _ := st.CertificationVersion(ctx, certGroup)
		if !(v1 > v0) || v2 != v1 || other1 != other0 {
			t.Errorf("versions: before %d, after a decision %d, after its repeat %d (want equal), other certification %d → %d",
				v0, v1, v2, other0, other1)
		}
		_, err = st.Decide(ctx, certActive, idRita, []certsum.ReviewDecision{decision("no-such-item", certsum.Approve, "")})
		mustCode(t, err, certsum.CodeReference)
		v3, _ := st.CertificationVersion(ctx, certActive)
		if v3 != v2 {
			t.Errorf("a failed decide moved the version from %d to %d", v2, v3)
		}
	})
}

func sortRefs(rs []certsum.IdentityReference) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].ID < rs[j-1].ID; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
