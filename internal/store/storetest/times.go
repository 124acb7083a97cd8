package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

// mustUTC fails unless got is want's instant, truncated to milliseconds, in UTC.
func mustUTC(t testing.TB, what string, got certsum.Time, want time.Time) {
	t.Helper()
	w := want.UTC().Truncate(time.Millisecond)
	if got.Location() != time.UTC || !got.Equal(w) || got.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("%s = %s (%s), want %s UTC", what, got.Time.Format(time.RFC3339Nano), got.Location(), w.Format(time.RFC3339Nano))
	}
}

func mustUTCPtr(t testing.TB, what string, got, want *certsum.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	default:
		mustUTC(t, what, *got, want.Time)
	}
}

func testTimes(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st, m := fixtureStore(t, newStore)

	t.Run("loaded times read back as UTC instants at millisecond precision", func(t *testing.T) {
		for id, k := range m.campaigns {
			got, err := st.GetCampaign(ctx, id)
			mustOK(t, err, "GetCampaign")
			mustUTC(t, id+" created", got.Created, k.c.Created.Time)
			mustUTC(t, id+" modified", got.Modified, k.c.Modified.Time)
			mustUTCPtr(t, id+" deadline", got.Deadline, k.c.Deadline)
		}
		for id, c := range m.certs {
			got, err := st.GetCertification(ctx, id)
			mustOK(t, err, "GetCertification")
			mustUTC(t, id+" created", got.Created, c.c.Created.Time)
			mustUTC(t, id+" modified", got.Modified, c.c.Modified.Time)
			mustUTCPtr(t, id+" due", got.Due, c.c.Due)
			mustUTCPtr(t, id+" signed", got.Signed, c.c.Signed)
		}
		p, err := st.ListAccessSummaries(ctx, certActive, certsum.TypeAccessProfile, all())
		mustOK(t, err, "ListAccessSummaries")
		for _, a := range p.Items {
			ap := m.aps[a.Access.ID]
			mustUTC(t, a.Access.ID+" created", a.AccessProfile.Created, ap.Created.Time)
		}
		for _, it := range allItems(t, st, certActive) {
			if e := it.AccessSummary.Entitlement; e != nil && e.Account != nil {
				acct := m.accounts[*e.Account.ID]
				mustUTCPtr(t, *e.Account.ID+" created", e.Account.Created, &acct.Created)
			}
		}
		for _, r := range history(t, st, certActive, "") {
			mustUTC(t, r.ItemID+" decidedAt", r.DecidedAt, r.DecidedAt.Time)
			if r.DecidedAt.Year() != 2026 || r.DecidedAt.Month() != time.February {
				t.Errorf("%s decidedAt = %s, want the loaded February instant", r.ItemID, r.DecidedAt)
			}
			if r.ProposedEndDate != nil {
				mustUTC(t, r.ItemID+" proposedEndDate", *r.ProposedEndDate, r.ProposedEndDate.Time)
			}
			if r.Recommendation != nil && r.Recommendation.Timestamp != nil {
				mustUTC(t, r.ItemID+" recommendation timestamp", *r.Recommendation.Timestamp, r.Recommendation.Timestamp.Time)
			}
		}
	})

	t.Run("times written by the store are UTC milliseconds that never run backwards", func(t *testing.T) {
		before, err := st.GetCertification(ctx, certAll)
		mustOK(t, err, "GetCertification")
		end := certsum.Time{Time: time.Date(2027, 1, 2, 3, 4, 5, 678901234, time.FixedZone("-0330", -(3*3600+30*60)))}
		d := decision(m.undecided(certAll)[0], certsum.Revoke, "because")
		d.ProposedEndDate = &end
		after, err := st.Decide(ctx, certAll, idCara, []certsum.ReviewDecision{d})
		mustOK(t, err, "Decide")
		mustUTC(t, "modified after decide", after.Modified, after.Modified.Time)
		if after.Modified.Before(before.Modified.Time) {
			t.Errorf("modified went back from %s to %s", before.Modified, after.Modified)
		}
		h := history(t, st, certAll, d.ID)
		last := h[len(h)-1]
		mustUTC(t, "decidedAt", last.DecidedAt, after.Modified.Time)
		mustUTCPtr(t, "proposedEndDate", last.ProposedEndDate, &end)
	})
}
