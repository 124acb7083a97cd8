package storetest

import (
	"context"
	"testing"

	"github.com/certsum/certsum"
)

func testLoad(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()

	t.Run("the fixture loads with every counter equal to its recount", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		mustNoDrift(t, st)
		for id := range m.certs {
			mustRecount(t, st, id)
		}
		for id, k := range m.campaigns {
			got, err := st.GetCampaign(ctx, id)
			mustOK(t, err, "GetCampaign")
			signed := 0
			for _, c := range k.certs {
				if m.certs[c].c.Phase == certsum.PhaseSigned {
					signed++
				}
			}
			if got.TotalCertifications != len(k.certs) || got.CompletedCertifications != signed {
				t.Errorf("campaign %s: %d/%d certifications completed, want %d/%d", id,
					got.CompletedCertifications, got.TotalCertifications, signed, len(k.certs))
			}
		}
		n, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n != len(m.identities) {
			t.Errorf("CountIdentities = %d, want %d", n, len(m.identities))
		}
	})

	t.Run("a store with its database reachable is healthy, empty or loaded", func(t *testing.T) {
		st := newStore(t)
		mustOK(t, st.Health(ctx), "Health of an empty store")
		mustOK(t, st.Load(ctx, Fixture(), nil), "Load")
		mustOK(t, st.Health(ctx), "Health of a loaded store")
	})

	t.Run("progress is reported up to the total", func(t *testing.T) {
		st := newStore(t)
		var calls [][2]int
		mustOK(t, st.Load(ctx, Fixture(), func(done, total int) { calls = append(calls, [2]int{done, total}) }), "Load")
		if len(calls) == 0 {
			t.Fatal("progress was never called")
		}
		last := calls[len(calls)-1]
		if last[0] != last[1] || last[1] <= 0 {
			t.Errorf("last progress call = %v, want done == total > 0", last)
		}
		for i := 1; i < len(calls); i++ {
			if calls[i][0] < calls[i-1][0] || calls[i][1] != last[1] {
				t.Errorf("progress went from %v to %v", calls[i-1], calls[i])
			}
		}
	})

	t.Run("loading the same dataset twice is a conflict that writes nothing", func(t *testing.T) {
		st, m := fixtureStore(t, newStore)
		err := st.Load(ctx, Fixture(), nil)
		mustCode(t, err, certsum.CodeConflict)
		n, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n != len(m.identities) {
			t.Errorf("CountIdentities = %d after the failed load, want %d", n, len(m.identities))
		}
		mustNoDrift(t, st)
	})

	t.Run("a dataset with a dangling reference is invalid and writes nothing", func(t *testing.T) {
		cases := map[string]func(d *certsum.Dataset){
			"unknown manager":          func(d *certsum.Dataset) { d.Identities[1].ManagerID = "nobody" },
			"unknown item entitlement": func(d *certsum.Dataset) { d.Campaigns[0].Certifications[0].Items[1].AccessID = "no-ent" },
			"item outside its certification's summaries": func(d *certsum.Dataset) {
				d.Campaigns[0].Certifications[0].Items[0].IdentitySummaryID = "is-nowhere"
			},
			"repeated identity id": func(d *certsum.Dataset) { d.Identities = append(d.Identities, d.Identities[0]) },
			"bad decision": func(d *certsum.Dataset) {
				d.Campaigns[1].Certifications[0].Items[0].Decision = &certsum.DecisionRecord{Decision: "MAYBE"}
			},
			"bad phase": func(d *certsum.Dataset) { d.Campaigns[0].Certifications[1].Certification.Phase = "DONE" },
			"unknown group member": func(d *certsum.Dataset) {
				d.GovernanceGroups[0].MemberIDs = append(d.GovernanceGroups[0].MemberIDs, "ghost")
			},
			"unknown reviewer type": func(d *certsum.Dataset) { d.Campaigns[0].Certifications[0].Certification.Reviewer.Type = "ROBOT" },
		}
		st := newStore(t) // every rejected load must leave it empty
		for name, mutate := range cases {
			d := Fixture()
			mutate(d)
			err := st.Load(ctx, d, nil)
			if certsum.ErrorCode(err) != certsum.CodeInvalid {
				t.Errorf("%s: Load error %v, want code invalid", name, err)
				continue
			}
			n, err := st.CountIdentities(ctx)
			mustOK(t, err, "CountIdentities")
			if n != 0 {
				t.Errorf("%s: %d identities stored by a rejected load", name, n)
			}
		}
		mustCode(t, st.Load(ctx, nil, nil), certsum.CodeInvalid)
	})

	t.Run("a later dataset may refer to the inventory already stored", func(t *testing.T) {
		st := newStore(t)
		inv := Fixture()
		campaigns := inv.Campaigns
		inv.Campaigns = nil
		mustOK(t, st.Load(ctx, inv, nil), "Load inventory")
		mustOK(t, st.Load(ctx, &certsum.Dataset{Campaigns: campaigns}, nil), "Load campaigns")
		m := newModel(Fixture())
		items := allItems(t, st, certActive)
		if len(items) != len(m.certItems(certActive)) {
			t.Fatalf("%d items, want %d", len(items), len(m.certItems(certActive)))
		}
		for _, it := range items {
			mi := m.items[it.ID]
			if it.AccessSummary.Access.Name != m.accessName(mi.typ, mi.accessID) {
				t.Errorf("item %s: access name %q, want %q", it.ID, it.AccessSummary.Access.Name, m.accessName(mi.typ, mi.accessID))
			}
			if e := it.AccessSummary.Entitlement; e != nil {
				want := ""
				if e.Account != nil && e.Account.ID != nil {
					want = *e.Account.ID
				}
				if want != mi.accountID {
					t.Errorf("item %s: account %q, want %q", it.ID, want, mi.accountID)
				}
			}
		}
		mustNoDrift(t, st)
		mustRecount(t, st, certActive)
	})
}
