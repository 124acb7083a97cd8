package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

var ctx = context.Background()

func TestOpenSetsPragmasOnEveryConnectionAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pool := range []struct {
		name string
		q    querier
	}{{"reader", st.read}, {"writer", st.write}} {
		var journal string
		var fk, busy, sync int
		if err := pool.q.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		_ = pool.q.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
		_ = pool.q.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy)
		_ = pool.q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
		if journal != "wal" || fk != 1 || busy != 10000 || sync != 1 {
			t.Errorf("%s: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%d, want wal 1 10000 1",
				pool.name, journal, fk, busy, sync)
		}
	}
	if _, err := st.read.ExecContext(ctx, `INSERT INTO identities (id, name) VALUES ('x', 'x')`); err == nil {
		t.Error("the read pool accepted a write")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	var n, v int
	if err := st.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	files, _ := migrationFS.ReadDir("migrations")
	if n != len(files) || n == 0 {
		t.Errorf("schema_migrations has %d rows after two opens, want one per migration (%d)", n, len(files))
	}
}

func TestOpenRejectsUnusablePaths(t *testing.T) {
	for _, p := range []string{"", "a.db?mode=ro", "a#b.db"} {
		if _, err := Open(ctx, p, Options{}); certsum.ErrorCode(err) != certsum.CodeInvalid {
			t.Errorf("Open(%q) = %v, want invalid", p, err)
		}
	}
}

func TestInMemoryStoreWorks(t *testing.T) {
	st, err := Open(ctx, ":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustLoad(t, st, fixtureDataset())
	if n, err := st.CountIdentities(ctx); err != nil || n != 7 {
		t.Fatalf("CountIdentities = %d, %v; want 7", n, err)
	}
	if _, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-a1")}); err != nil {
		t.Fatal(err)
	}
	mustNoDrift(t, st)
}

func TestTimesRoundTripAsUTCMilliseconds(t *testing.T) {
	st := mustOpen(t, newClock())
	d := fixtureDataset()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := time.Date(2026, 2, 3, 10, 11, 12, 123456789, zone)
	d.Campaigns[0].Campaign.Created = certsum.Time{Time: local}
	d.Campaigns[0].Certifications[0].Certification.Due = &certsum.Time{Time: local}
	mustLoad(t, st, d)
	k, err := st.GetCampaign(ctx, "camp-1")
	if err != nil {
		t.Fatal(err)
	}
	want := local.UTC().Truncate(time.Millisecond)
	if !k.Created.Time.Equal(want) || k.Created.Location() != time.UTC {
		t.Errorf("campaign created = %v (%v), want %v UTC", k.Created.Time, k.Created.Location(), want)
	}
	c := mustCert(t, st, "cert-1")
	if c.Due == nil || !c.Due.Time.Equal(want) || c.Due.Location() != time.UTC {
		t.Errorf("certification due = %v, want %v UTC", c.Due, want)
	}
	var stored string
	if err := st.read.QueryRowContext(ctx, `SELECT created FROM campaigns WHERE id = 'camp-1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != "2026-02-03T04:41:12.123Z" {
		t.Errorf("stored created = %q, want 2026-02-03T04:41:12.123Z", stored)
	}
	b, _ := json.Marshal(c.Due)
	if string(b) != `"2026-02-03T04:41:12.123Z"` {
		t.Errorf("due marshals as %s", b)
	}
}

func TestLoadComputesEveryCounter(t *testing.T) {
	st, _ := fixtureStore(t)
	c := mustCert(t, st, "cert-1")
	got := [5]int{c.DecisionsTotal, c.DecisionsMade, c.IdentitiesTotal, c.IdentitiesCompleted, b2i(c.Completed)}
	if want := [5]int{9, 1, 3, 0, 0}; got != want {
		t.Errorf("cert-1 total/made/identities/completed/completed = %v, want %v", got, want)
	}
	c4 := mustCert(t, st, "cert-4")
	if !c4.Completed || c4.IdentitiesCompleted != 1 || c4.DecisionsMade != 1 {
		t.Errorf("cert-4 = %+v, want completed with its one identity", c4)
	}
	ds, err := st.DecisionSummary(ctx, "cert-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := certsum.DecisionSummary{
		EntitlementDecisionsTotal: 4, AccessProfileDecisionsTotal: 2, RoleDecisionsTotal: 2, AccountDecisionsTotal: 1,
		AccessProfileDecisionsMade: 1, AccessProfilesApproved: 1,
	}
	if diff := cmp.Diff(want, *ds); diff != "" {
		t.Errorf("decision summary (-want +got):\n%s", diff)
	}
	k, err := st.GetCampaign(ctx, "camp-3")
	if err != nil {
		t.Fatal(err)
	}
	if k.TotalCertifications != 2 || k.CompletedCertifications != 0 {
		t.Errorf("camp-3 certifications total/completed = %d/%d, want 2/0", k.TotalCertifications, k.CompletedCertifications)
	}
	hist, err := st.DecisionHistory(ctx, "cert-1", "i-b2")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Decision != certsum.Approve || hist[0].CertificationID != "cert-1" || hist[0].ItemID != "i-b2" {
		t.Errorf("loaded decision history of i-b2 = %+v", hist)
	}
	mustNoDrift(t, st)
}

func TestLoadReportsProgressUpToTheTotal(t *testing.T) {
	st := mustOpen(t, nil)
	var last [2]int
	calls := 0
	err := st.Load(ctx, fixtureDataset(), func(done, total int) {
		calls++
		if done < last[0] || done > total {
			t.Errorf("progress went %v → (%d, %d)", last, done, total)
		}
		last = [2]int{done, total}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last[0] != last[1] || last[1] == 0 {
		t.Errorf("last progress = %v after %d calls, want done == total > 0", last, calls)
	}
}

func TestLoadRejectsBadDatasetsAndWritesNothing(t *testing.T) {
	cases := []struct {
		name   string
		change func(d *certsum.Dataset)
		want   string
	}{
		{"an item names an unknown entitlement", func(d *certsum.Dataset) {
			d.Campaigns[0].Certifications[0].Items[0].AccessID = "ent-nope"
		}, `unknown entitlement "ent-nope"`},
		{"a summary names an unknown identity", func(d *certsum.Dataset) {
			d.Campaigns[0].Certifications[0].IdentitySummaries[0].IdentityID = "nobody"
		}, `unknown identity "nobody"`},
		{"a reviewer does not exist", func(d *certsum.Dataset) {
			d.Campaigns[0].Certifications[1].Certification.Reviewer.ID = "g-none"
		}, `unknown reviewer governance group "g-none"`},
		{"an item's summary is in another certification", func(d *certsum.Dataset) {
			d.Campaigns[0].Certifications[0].Items[0].IdentitySummaryID = "s2-dave"
		}, `identity summary "s2-dave" is not in certification cert-1`},
		{"an identity id repeats", func(d *certsum.Dataset) {
			d.Identities = append(d.Identities, certsum.Identity{ID: "bob", Name: "Bob Again"})
		}, `identity id "bob" appears more than once`},
		{"a role names an unknown access profile", func(d *certsum.Dataset) {
			d.Roles[0].AccessProfileIDs = append(d.Roles[0].AccessProfileIDs, "ap-none")
		}, `unknown access profile "ap-none"`},
		{"a loaded decision is not a decision", func(d *certsum.Dataset) {
			d.Campaigns[0].Certifications[0].Items[1].Decision = &certsum.DecisionRecord{Decision: "MAYBE"}
		}, `decision "MAYBE" is not APPROVE or REVOKE`},
		{"a manager does not exist", func(d *certsum.Dataset) {
			d.Identities[1].ManagerID = "ghost"
		}, `unknown manager "ghost"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := mustOpen(t, nil)
			d := fixtureDataset()
			tc.change(d)
			err := st.Load(ctx, d, nil)
			mustCode(t, err, certsum.CodeInvalid)
			if !strings.Contains(certsum.ErrorText(err), tc.want) {
				t.Errorf("error %q does not mention %q", certsum.ErrorText(err), tc.want)
			}
			if n, _ := st.CountIdentities(ctx); n != 0 {
				t.Errorf("%d identities written by a rejected load", n)
			}
		})
	}
}

func TestLoadResolvesReferencesToStoredInventoryAndRejectsStoredIDs(t *testing.T) {
	st, _ := fixtureStore(t)
	more := &certsum.Dataset{
		Inventory: certsum.Inventory{Identities: []certsum.Identity{{ID: "gina", Name: "Gina Green", ManagerID: "mgr"}}},
		Campaigns: []certsum.CampaignData{{
			Campaign: certsum.Campaign{ID: "camp-9", Name: "Later", Type: certsum.CampaignSearch, Status: certsum.StatusActive},
			Certifications: []certsum.CertificationData{{
				Certification:     certsum.Certification{ID: "cert-9", Name: "Later: Dave", Reviewer: certsum.Reviewer{ID: "dave", Type: certsum.TypeIdentity}, Phase: certsum.PhaseActive},
				IdentitySummaries: []certsum.IdentitySummary{{ID: "s9-gina", IdentityID: "gina"}, {ID: "s9-alice", IdentityID: "alice"}},
				Items: []certsum.ItemData{
					{ID: "i9-1", IdentitySummaryID: "s9-gina", AccessType: certsum.TypeRole, AccessID: "role-eng"},
					{ID: "i9-2", IdentitySummaryID: "s9-alice", AccessType: certsum.TypeEntitlement, AccessID: "ent-sap-fi"},
				},
			}},
		}},
	}
	mustLoad(t, st, more)
	c := mustCert(t, st, "cert-9")
	if c.DecisionsTotal != 2 || c.IdentitiesTotal != 2 || c.Campaign.MandatoryCommentRequirement != certsum.CommentsNone {
		t.Errorf("cert-9 = %+v", c)
	}
	items, err := st.ListReviewItems(ctx, "cert-9", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `id eq "i9-2"`, certsum.ReviewItemSchema)})
	if err != nil {
		t.Fatal(err)
	}
	if len(items.Items) != 1 || items.Items[0].AccessSummary.Entitlement == nil ||
		items.Items[0].AccessSummary.Entitlement.Account == nil || *items.Items[0].AccessSummary.Entitlement.Account.ID != "acct-alice-sap" {
		t.Errorf("i9-2 did not get alice's stored SAP account: %+v", items.Items)
	}
	mustNoDrift(t, st)

	again := &certsum.Dataset{Inventory: certsum.Inventory{Identities: []certsum.Identity{{ID: "alice", Name: "Alice Again"}}}}
	err = st.Load(ctx, again, nil)
	mustCode(t, err, certsum.CodeConflict)
	if !strings.Contains(certsum.ErrorText(err), `identity "alice" already exists`) {
		t.Errorf("conflict text = %q", certsum.ErrorText(err))
	}
}

func TestGetCertification(t *testing.T) {
	st, _ := fixtureStore(t)
	c := mustCert(t, st, "cert-1")
	want := &certsum.Certification{
		ID: "cert-1", Name: "Q1 Manager Review: Morgan Manager",
		Campaign: certsum.CampaignReference{ID: "camp-1", Name: "Q1 Manager Review", Type: certsum.TypeCampaign,
			CampaignType: certsum.CampaignManager, Description: ptr("Q1 Manager Review description"),
			CorrelatedStatus: certsum.Correlated, MandatoryCommentRequirement: certsum.CommentsRevokeOnly},
		IdentitiesTotal: 3, DecisionsMade: 1, DecisionsTotal: 9,
		Created: certsum.NewTime(t0), Modified: certsum.NewTime(t0), Due: certsum.TimePtr(due),
		Reviewer: certsum.Reviewer{ID: "mgr", Name: "Morgan Manager", Email: ptr("morgan@example.com"), Type: certsum.TypeIdentity},
		Phase:    certsum.PhaseActive,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("cert-1 (-want +got):\n%s", diff)
	}
	g := mustCert(t, st, "cert-2")
	if g.Reviewer.Name != "Auditors" || g.Reviewer.Type != certsum.TypeGovernanceGroup || g.Reviewer.Email != nil {
		t.Errorf("group reviewer = %+v", g.Reviewer)
	}
	_, err := st.GetCertification(ctx, "nope")
	mustCode(t, err, certsum.CodeNotFound)
}

func TestListCertifications(t *testing.T) {
	st, _ := fixtureStore(t)
	ids := func(p certsum.Page[certsum.Certification]) []string {
		var out []string
		for _, c := range p.Items {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		name  string
		f     certsum.CertificationFilter
		q     certsum.ListQuery
		want  []string
		total int
	}{
		{"everything by name", certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250, Count: true},
			[]string{"cert-5", "cert-4", "cert-3", "cert-2", "cert-1"}, 5},
		{"a reviewer's own certifications", certsum.CertificationFilter{ReviewerID: "mgr"}, page(250, 0),
			[]string{"cert-4", "cert-1"}, -1},
		{"a group member sees the group's certification", certsum.CertificationFilter{ReviewerID: "frank"}, page(250, 0),
			[]string{"cert-2"}, -1},
		{"filtered by campaign, counted, second page", certsum.CertificationFilter{},
			certsum.ListQuery{Limit: 1, Offset: 1, Count: true, Filter: mustFilter(t, `campaign.id eq "camp-1"`, certsum.CertificationSchema)},
			[]string{"cert-1"}, 2},
		{"completed ones sorted by due descending", certsum.CertificationFilter{},
			certsum.ListQuery{Limit: 10, Filter: mustFilter(t, `completed eq true`, certsum.CertificationSchema), Sort: mustSort(t, "-due", certsum.CertificationSchema)},
			[]string{"cert-4"}, -1},
		{"phase filter", certsum.CertificationFilter{},
			certsum.ListQuery{Limit: 10, Filter: mustFilter(t, `phase eq "STAGED"`, certsum.CertificationSchema)},
			[]string{"cert-3"}, -1},
		{"offset past the end", certsum.CertificationFilter{}, certsum.ListQuery{Limit: 10, Offset: 50, Count: true}, nil, 5},
		{"limit zero still counts", certsum.CertificationFilter{}, certsum.ListQuery{Limit: 0, Count: true}, nil, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := st.ListCertifications(ctx, tc.f, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Items == nil {
				t.Error("Items is nil")
			}
			if diff := cmp.Diff(tc.want, ids(p)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if p.Total != tc.total {
				t.Errorf("total = %d, want %d", p.Total, tc.total)
			}
		})
	}
	_, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 251})
	mustCode(t, err, certsum.CodeInvalid)
	_, err = st.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 1, Offset: -1})
	mustCode(t, err, certsum.CodeInvalid)
}

func TestListReviewItemsCarriesFullAccessDetails(t *testing.T) {
	st, _ := fixtureStore(t)
	p, err := st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 9 || len(p.Items) != 9 {
		t.Fatalf("total %d, %d items; want 9", p.Total, len(p.Items))
	}
	var order []string
	byID := map[string]certsum.AccessReviewItem{}
	for _, it := range p.Items {
		order = append(order, it.ID)
		byID[it.ID] = it
	}
	// Default order: identity name, then access name, then id.
	wantOrder := []string{"i-a3", "i-a1", "i-a4", "i-a2", "i-a5", "i-b2", "i-b1", "i-c1", "i-c2"}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("default order (-want +got):\n%s", diff)
	}

	a1 := byID["i-a1"]
	e := a1.AccessSummary.Entitlement
	if e == nil || a1.AccessSummary.Role != nil || a1.AccessSummary.AccessProfile != nil {
		t.Fatalf("i-a1 access summary = %+v", a1.AccessSummary)
	}
	if e.SourceName != "Active Directory" || e.SourceType != "Active Directory - Direct" || e.SourceID != "src-ad" ||
		!e.Privileged || !e.HasPermissions || !e.ContainsDataAccess || e.DataAccess == nil || e.DataAccess.ImpactScore.Value != "High" ||
		e.Owner == nil || e.Owner.Name != "Morgan Manager" || e.Owner.Email == nil || *e.Owner.Email != "morgan@example.com" {
		t.Errorf("i-a1 entitlement = %+v", e)
	}
	acct := e.Account
	if acct == nil || acct.NativeIdentity != "CN=Alice Archer,OU=Eng" || *acct.ID != "acct-alice-ad" || *acct.Name != "alice.archer" ||
		acct.ActivityInsights == nil || acct.ActivityInsights.UsageDays != 42 || acct.ActivityInsights.UsageDaysState != "COMPLETE" ||
		acct.Owner == nil || *acct.Owner.DisplayName != "Alice Archer" || acct.Type != certsum.TypeAccount {
		t.Errorf("i-a1 account = %+v", acct)
	}
	if a1.IdentitySummary.ID != "s-alice" || a1.IdentitySummary.IdentityID != "alice" || a1.IdentitySummary.Name != "Alice Archer" {
		t.Errorf("i-a1 identity summary = %+v", a1.IdentitySummary)
	}
	// i-a2 has no account given: the identity's account on the entitlement's source is used.
	a2 := byID["i-a2"].AccessSummary.Entitlement
	if a2 == nil || a2.Account == nil || *a2.Account.ID != "acct-alice-sap" || !a2.Account.Locked ||
		a2.Account.ActivityInsights.UsageDaysState != "UNKNOWN" || !byID["i-a2"].NewAccess {
		t.Errorf("i-a2 = %+v", byID["i-a2"])
	}
	if ap := byID["i-a3"].AccessSummary.AccessProfile; ap == nil || len(ap.Entitlements) != 1 || ap.Entitlements[0].ID != "ent-users" ||
		ap.Entitlements[0].Account != nil || ap.Owner == nil || ap.Owner.ID != "mgr" {
		t.Errorf("i-a3 access profile = %+v", ap)
	}
	r := byID["i-a4"].AccessSummary.Role
	if r == nil || len(r.AccessProfiles) != 1 || r.AccessProfiles[0].ID != "ap-ad-basic" || len(r.AccessProfiles[0].Entitlements) != 1 ||
		len(r.Entitlements) != 1 || r.Entitlements[0].ID != "ent-admins" || !r.Revocable {
		t.Errorf("i-a4 role = %+v", r)
	}
	a5 := byID["i-a5"].AccessSummary
	if a5.Access != (certsum.AccessRef{Type: certsum.TypeAccount, ID: "acct-alice-ad", Name: "alice.archer"}) ||
		a5.Entitlement != nil || a5.Role != nil || a5.AccessProfile != nil {
		t.Errorf("i-a5 access summary = %+v", a5)
	}
	b2 := byID["i-b2"]
	if !b2.Completed || b2.Decision != certsum.Approve {
		t.Errorf("i-b2 = %+v, want completed APPROVE", b2)
	}
	if byID["i-c1"].Comments != nil || byID["i-c1"].Decision != "" {
		t.Errorf("undecided i-c1 = %+v", byID["i-c1"])
	}
	// Nullable keys are present as null.
	raw, _ := json.Marshal(byID["i-c1"])
	for _, key := range []string{`"comments":null`, `"owner":null`, `"description":null`, `"dataAccess":null`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("i-c1 JSON lacks %s: %s", key, raw)
		}
	}
}

func TestListReviewItemsFilters(t *testing.T) {
	st, _ := fixtureStore(t)
	cases := []struct {
		name   string
		f      certsum.ReviewItemFilter
		filter string
		sort   string
		want   []string
	}{
		{"by identity name prefix, case-insensitive", certsum.ReviewItemFilter{}, `identitySummary.name sw "bob"`, "", []string{"i-b2", "i-b1"}},
		{"by access type", certsum.ReviewItemFilter{}, `access.type eq "ROLE"`, "", []string{"i-a4", "i-c2"}},
		{"open items of one summary", certsum.ReviewItemFilter{}, `identitySummary.id eq "s-bob" and completed eq false`, "", []string{"i-b1"}},
		{"entitlement source name", certsum.ReviewItemFilter{}, `entitlement.sourceName eq "sap"`, "", []string{"i-a2"}},
		{"access profile source", certsum.ReviewItemFilter{}, `accessProfile.sourceName sw "Active"`, "", []string{"i-a3", "i-b2"}},
		{"roles parameter", certsum.ReviewItemFilter{AccessType: certsum.TypeRole, AccessIDs: []string{"role-eng"}}, "", "-identitySummary.name", []string{"i-c2", "i-a4"}},
		{"entitlements parameter with a filter", certsum.ReviewItemFilter{AccessType: certsum.TypeEntitlement, AccessIDs: []string{"ent-admins", "ent-users"}},
			`not (identitySummary.name eq "Alice Archer")`, "access.name", []string{"i-b1", "i-c1"}},
		{"an empty id list matches nothing", certsum.ReviewItemFilter{AccessType: certsum.TypeRole, AccessIDs: []string{}}, "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := certsum.ListQuery{Limit: 250}
			if tc.filter != "" {
				q.Filter = mustFilter(t, tc.filter, certsum.ReviewItemSchema)
			}
			if tc.sort != "" {
				q.Sort = mustSort(t, tc.sort, certsum.ReviewItemSchema)
			}
			p, err := st.ListReviewItems(ctx, "cert-1", tc.f, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	_, err := st.ListReviewItems(ctx, "nope", certsum.ReviewItemFilter{}, page(10, 0))
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{AccessType: "CAMPAIGN"}, page(10, 0))
	mustCode(t, err, certsum.CodeInvalid)
}

func TestDecideRejectsBadRequests(t *testing.T) {
	st, _ := fixtureStore(t)
	many := make([]certsum.ReviewDecision, certsum.MaxDecisions+1)
	for i := range many {
		many[i] = approve(fmt.Sprintf("x%d", i))
	}
	withEnd := approve("i-a1")
	withEnd.ProposedEndDate = certsum.TimePtr(due)
	noBulk := approve("i-a1")
	noBulk.Bulk = nil
	pastEnd := revoke("i-a2", "gone")
	pastEnd.ProposedEndDate = certsum.TimePtr(newClock().Now().Add(-24 * time.Hour))
	longComment := approve("i-a2")
	longComment.Comments = ptr(strings.Repeat("é", certsum.MaxTextLength+1))
	badRec := approve("i-a1")
	badRec.Recommendation = &certsum.Recommendation{Recommendation: ptr("PROBABLY")}
	cases := []struct {
		name string
		cert string
		ds   []certsum.ReviewDecision
		code certsum.Code
		text string
	}{
		{"no decisions", "cert-1", nil, certsum.CodeInvalid, "at least one decision"},
		{"too many decisions", "cert-1", many, certsum.CodeInvalid, "at most 250"},
		{"an unknown decision", "cert-1", []certsum.ReviewDecision{{ID: "i-a1", Decision: "MAYBE", Bulk: ptr(true)}}, certsum.CodeInvalid, "APPROVE or REVOKE"},
		{"bulk missing", "cert-1", []certsum.ReviewDecision{noBulk}, certsum.CodeInvalid, "bulk is required"},
		{"proposedEndDate with APPROVE", "cert-1", []certsum.ReviewDecision{withEnd}, certsum.CodeInvalid, "decision 0: proposedEndDate may only be set on a REVOKE"},
		{"a proposedEndDate in the past", "cert-1", []certsum.ReviewDecision{pastEnd}, certsum.CodeInvalid, "decision 0: proposedEndDate 2026-03-01T09:30:00.000Z is not in the future"},
		{"comments over the limit", "cert-1", []certsum.ReviewDecision{approve("i-a1"), longComment}, certsum.CodeInvalid, "decision 1: comments has 4097 characters; at most 4096"},
		{"a recommendation outside the enum", "cert-1", []certsum.ReviewDecision{badRec}, certsum.CodeInvalid, "decision 0: recommendation must be one of"},
		{"the same id twice", "cert-1", []certsum.ReviewDecision{approve("i-a1"), revoke("i-a1", "x")}, certsum.CodeInvalid, "decision 1: item i-a1 is already decided by decision 0"},
		{"a revoke without the required comment", "cert-1", []certsum.ReviewDecision{approve("i-a1"), revoke("i-a2", "")}, certsum.CodeInvalid, "comments on every REVOKE"},
		{"a blank comment counts as missing", "cert-1", []certsum.ReviewDecision{revoke("i-a2", "  \t")}, certsum.CodeInvalid, "comments on every REVOKE"},
		{"items of another certification", "cert-1", []certsum.ReviewDecision{approve("i-a1"), approve("i2-d1"), approve("ghost")}, certsum.CodeReference, "i2-d1, ghost"},
		{"an unknown certification", "nope", []certsum.ReviewDecision{approve("i-a1")}, certsum.CodeNotFound, "not found"},
		{"a staged certification", "cert-3", []certsum.ReviewDecision{revoke("i3-a1", "too much")}, certsum.CodeConflict, "ACTIVE"},
		{"comments on every decision when the campaign says so", "cert-3", []certsum.ReviewDecision{approve("i3-a1")}, certsum.CodeInvalid, "every decision"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := st.CertificationVersion(ctx, "cert-1")
			_, err := st.Decide(ctx, tc.cert, "mgr", tc.ds)
			mustCode(t, err, tc.code)
			if !strings.Contains(certsum.ErrorText(err), tc.text) {
				t.Errorf("error %q does not mention %q", certsum.ErrorText(err), tc.text)
			}
			after, _ := st.CertificationVersion(ctx, "cert-1")
			if after != before {
				t.Errorf("a rejected decide changed the version %d → %d", before, after)
			}
		})
	}
	hist, err := st.DecisionHistory(ctx, "cert-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 { // only the loaded decision of i-b2
		t.Errorf("rejected requests wrote %d audit records", len(hist)-1)
	}
	c := mustCert(t, st, "cert-1")
	if c.DecisionsMade != 1 {
		t.Errorf("decisionsMade = %d after rejected requests, want 1", c.DecisionsMade)
	}
	mustNoDrift(t, st)
}

func TestDecideUpdatesEveryCounterAndIsIdempotent(t *testing.T) {
	st, clock := fixtureStore(t)
	v0, _ := st.CertificationVersion(ctx, "cert-1")
	clock.Advance(time.Hour)
	body := []certsum.ReviewDecision{approve("i-b1"), revoke("i-a1", "not needed")}
	c, err := st.Decide(ctx, "cert-1", "mgr", body)
	if err != nil {
		t.Fatal(err)
	}
	if c.DecisionsMade != 3 || c.IdentitiesCompleted != 1 || c.Completed || !c.Modified.Time.Equal(clock.Now()) {
		t.Errorf("after decide: made %d, identities completed %d, completed %t, modified %v",
			c.DecisionsMade, c.IdentitiesCompleted, c.Completed, c.Modified)
	}
	v1, _ := st.CertificationVersion(ctx, "cert-1")
	if v1 != v0+1 {
		t.Errorf("version %d → %d, want one step", v0, v1)
	}
	// Sending the same body again (as a retrying SDK does) changes nothing.
	c2, err := st.Decide(ctx, "cert-1", "mgr", body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, c2); diff != "" {
		t.Errorf("repeated decide changed the certification (-first +second):\n%s", diff)
	}
	if v2, _ := st.CertificationVersion(ctx, "cert-1"); v2 != v1 {
		t.Errorf("repeated decide moved the version %d → %d", v1, v2)
	}
	hist, _ := st.DecisionHistory(ctx, "cert-1", "i-a1")
	if len(hist) != 1 {
		t.Fatalf("i-a1 has %d audit records after a repeated decide, want 1", len(hist))
	}
	if h := hist[0]; h.Decision != certsum.Revoke || h.DecidedBy != "mgr" || *h.Comments != "not needed" ||
		h.PreviousDecision != "" || !h.DecidedAt.Time.Equal(clock.Now()) {
		t.Errorf("audit record = %+v", h)
	}

	// Changing a decision moves it between approved and revoked without touching made.
	clock.Advance(time.Minute)
	rec := &certsum.Recommendation{Recommendation: ptr("APPROVE"), Reasons: []string{"peers have it"}}
	change := approve("i-a1")
	change.Recommendation = rec
	change.Bulk = ptr(true)
	if _, err := st.Decide(ctx, "cert-1", "erin", []certsum.ReviewDecision{change}); err != nil {
		t.Fatal(err)
	}
	ds, _ := st.DecisionSummary(ctx, "cert-1", nil)
	if ds.EntitlementsApproved != 2 || ds.EntitlementsRevoked != 0 || ds.EntitlementDecisionsMade != 2 {
		t.Errorf("after the change: %+v", ds)
	}
	hist, _ = st.DecisionHistory(ctx, "cert-1", "i-a1")
	if len(hist) != 2 || hist[1].PreviousDecision != certsum.Revoke || hist[1].Decision != certsum.Approve ||
		!hist[1].Bulk || hist[1].DecidedBy != "erin" || hist[1].Recommendation == nil || hist[1].Recommendation.Reasons[0] != "peers have it" {
		t.Errorf("history after the change = %+v", hist)
	}
	// The same decision with a new comment is recorded but changes no counter.
	withComment := approve("i-a1")
	withComment.Comments = ptr("still needed")
	withComment.Bulk, withComment.Recommendation = ptr(true), rec
	if _, err := st.Decide(ctx, "cert-1", "erin", []certsum.ReviewDecision{withComment}); err != nil {
		t.Fatal(err)
	}
	hist, _ = st.DecisionHistory(ctx, "cert-1", "i-a1")
	if len(hist) != 3 || hist[2].PreviousDecision != certsum.Approve {
		t.Errorf("a new comment was not recorded: %+v", hist)
	}
	if ds2, _ := st.DecisionSummary(ctx, "cert-1", nil); *ds2 != *ds {
		t.Errorf("a new comment changed the counters: %+v → %+v", ds, ds2)
	}
	mustNoDrift(t, st)
}

func TestDecideAllOrNothing(t *testing.T) {
	st, _ := fixtureStore(t)
	before, _ := st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{}, page(250, 0))
	_, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-a1"), approve("i-a3"), approve("i-zz")})
	mustCode(t, err, certsum.CodeReference)
	after, _ := st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{}, page(250, 0))
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("a rejected batch changed items (-before +after):\n%s", diff)
	}
	if h, _ := st.DecisionHistory(ctx, "cert-1", "i-a1"); len(h) != 0 {
		t.Errorf("a rejected batch left %d audit records", len(h))
	}
}

func TestSummariesFollowDecisions(t *testing.T) {
	st, _ := fixtureStore(t)
	if _, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-c1"), approve("i-c2"), approve("i-a1")}); err != nil {
		t.Fatal(err)
	}
	p, err := st.ListIdentitySummaries(ctx, "cert-1", certsum.ListQuery{Limit: 10, Count: true,
		Filter: mustFilter(t, `completed eq false`, certsum.IdentitySummarySchema)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 2 || len(p.Items) != 2 || p.Items[0].ID != "s-alice" || p.Items[1].ID != "s-bob" {
		t.Errorf("open identity summaries = %+v (total %d)", p.Items, p.Total)
	}
	is, err := st.GetIdentitySummary(ctx, "cert-1", "s-carol")
	if err != nil || !is.Completed || is.Name != "Carol Cooper" || is.IdentityID != "carol" {
		t.Errorf("s-carol = %+v, %v", is, err)
	}
	_, err = st.GetIdentitySummary(ctx, "cert-1", "s2-dave")
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.GetIdentitySummary(ctx, "nope", "s-carol")
	mustCode(t, err, certsum.CodeNotFound)

	sorted, err := st.ListIdentitySummaries(ctx, "cert-1", certsum.ListQuery{Limit: 2, Offset: 1,
		Sort: mustSort(t, "-name", certsum.IdentitySummarySchema)})
	if err != nil || len(sorted.Items) != 2 || sorted.Items[0].Name != "Bob Baker" || sorted.Items[1].Name != "Alice Archer" || sorted.Total != -1 {
		t.Errorf("sorted page = %+v, %v", sorted, err)
	}

	// ent-admins is held by alice (decided) and bob (open): one access summary, not complete.
	ents, err := st.ListAccessSummaries(ctx, "cert-1", certsum.TypeEntitlement, certsum.ListQuery{Limit: 10, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range ents.Items {
		names = append(names, a.Access.Name)
		if a.Entitlement == nil || a.Entitlement.Account != nil || a.Role != nil || a.AccessProfile != nil {
			t.Errorf("access summary %s = %+v, want only an entitlement without account", a.Access.ID, a)
		}
	}
	if diff := cmp.Diff([]string{"Domain Admins", "Domain Users", "SAP FI Clerk"}, names); diff != "" || ents.Total != 3 {
		t.Errorf("entitlement access summaries (-want +got):\n%s total %d", diff, ents.Total)
	}
	raw, _ := json.Marshal(ents.Items[0])
	if !strings.Contains(string(raw), `"account":null`) || strings.Contains(string(raw), `"role"`) {
		t.Errorf("access summary JSON = %s", raw)
	}
	open, err := st.ListAccessSummaries(ctx, "cert-1", certsum.TypeEntitlement, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `completed eq false`, certsum.AccessSummarySchema)})
	if err != nil || len(open.Items) != 2 || open.Items[0].Access.ID != "ent-admins" || open.Items[1].Access.ID != "ent-sap-fi" {
		t.Errorf("open entitlements = %+v, %v", open.Items, err)
	}
	done, err := st.ListAccessSummaries(ctx, "cert-1", certsum.TypeRole, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `completed eq true`, certsum.AccessSummarySchema)})
	if err != nil || len(done.Items) != 0 {
		t.Errorf("role-eng is open for alice but listed complete: %+v, %v", done.Items, err)
	}
	aps, err := st.ListAccessSummaries(ctx, "cert-1", certsum.TypeAccessProfile, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `accessProfile.sourceName sw "active"`, certsum.AccessSummarySchema)})
	if err != nil || len(aps.Items) != 1 || aps.Items[0].AccessProfile == nil || aps.Items[0].AccessProfile.Name != "AD Basic" {
		t.Errorf("access profiles on AD = %+v, %v", aps.Items, err)
	}
	_, err = st.ListAccessSummaries(ctx, "cert-1", certsum.TypeAccount, page(10, 0))
	mustCode(t, err, certsum.CodeInvalid)
	_, err = st.ListAccessSummaries(ctx, "nope", certsum.TypeRole, page(10, 0))
	mustCode(t, err, certsum.CodeNotFound)

	// Restricted decision summaries add up the named identity summaries only.
	ds, err := st.DecisionSummary(ctx, "cert-1", mustFilter(t, `identitySummary.id in ("s-carol", "s-bob")`, certsum.DecisionSummarySchema))
	if err != nil {
		t.Fatal(err)
	}
	want := certsum.DecisionSummary{
		EntitlementDecisionsTotal: 2, EntitlementDecisionsMade: 1, EntitlementsApproved: 1,
		AccessProfileDecisionsTotal: 1, AccessProfileDecisionsMade: 1, AccessProfilesApproved: 1,
		RoleDecisionsTotal: 1, RoleDecisionsMade: 1, RolesApproved: 1,
	}
	if diff := cmp.Diff(want, *ds); diff != "" {
		t.Errorf("restricted decision summary (-want +got):\n%s", diff)
	}
	none, err := st.DecisionSummary(ctx, "cert-1", mustFilter(t, `identitySummary.id eq "s2-dave"`, certsum.DecisionSummarySchema))
	if err != nil || *none != (certsum.DecisionSummary{}) {
		t.Errorf("a summary of another certification counted: %+v, %v", none, err)
	}
	_, err = st.DecisionSummary(ctx, "nope", nil)
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.DecisionSummary(ctx, "nope", mustFilter(t, `identitySummary.id eq "x"`, certsum.DecisionSummarySchema))
	mustCode(t, err, certsum.CodeNotFound)
	mustNoDrift(t, st)
}

func TestSignOff(t *testing.T) {
	st, clock := fixtureStore(t)
	_, err := st.SignOff(ctx, "cert-1", "mgr")
	mustCode(t, err, certsum.CodeConflict)
	_, err = st.SignOff(ctx, "cert-3", "dave")
	mustCode(t, err, certsum.CodeConflict)
	_, err = st.SignOff(ctx, "nope", "dave")
	mustCode(t, err, certsum.CodeNotFound)

	clock.Advance(2 * time.Hour)
	c, err := st.SignOff(ctx, "cert-4", "mgr")
	if err != nil {
		t.Fatal(err)
	}
	if c.Phase != certsum.PhaseSigned || c.Signed == nil || !c.Signed.Time.Equal(clock.Now()) {
		t.Errorf("signed certification = %+v", c)
	}
	_, err = st.SignOff(ctx, "cert-4", "mgr")
	mustCode(t, err, certsum.CodeConflict)
	_, err = st.Decide(ctx, "cert-4", "mgr", []certsum.ReviewDecision{approve("i4-c1")})
	mustCode(t, err, certsum.CodeConflict)
	k, _ := st.GetCampaign(ctx, "camp-3")
	if k.Status != certsum.StatusActive || k.CompletedCertifications != 1 {
		t.Errorf("camp-3 after one of two sign-offs: %s %d/%d", k.Status, k.CompletedCertifications, k.TotalCertifications)
	}
	if _, err := st.Decide(ctx, "cert-5", "dave", []certsum.ReviewDecision{approve("i5-b1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignOff(ctx, "cert-5", "dave"); err != nil {
		t.Fatal(err)
	}
	k, _ = st.GetCampaign(ctx, "camp-3")
	if k.Status != certsum.StatusCompleted || k.CompletedCertifications != 2 {
		t.Errorf("camp-3 after the last sign-off: %s %d/%d", k.Status, k.CompletedCertifications, k.TotalCertifications)
	}
	mustNoDrift(t, st)
}

func TestReassign(t *testing.T) {
	st, clock := fixtureStore(t)
	if _, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{revoke("i-a1", "no"), approve("i-c1")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	src, err := st.Reassign(ctx, "cert-1", "mgr", certsum.ReviewReassign{
		Reassign: []certsum.ReassignReference{
			{ID: "s-alice", Type: certsum.ReassignIdentitySummary},
			{ID: "i-c1", Type: certsum.ReassignItem},
			{ID: "i-a2", Type: certsum.ReassignItem}, // already part of s-alice
		},
		ReassignTo: "erin", Reason: "Erin owns these systems",
	})
	if err != nil {
		t.Fatal(err)
	}
	if src.DecisionsTotal != 3 || src.DecisionsMade != 1 || src.IdentitiesTotal != 2 || src.IdentitiesCompleted != 0 {
		t.Errorf("source after reassign: total %d made %d identities %d completed %d",
			src.DecisionsTotal, src.DecisionsMade, src.IdentitiesTotal, src.IdentitiesCompleted)
	}
	mine, _ := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "erin"}, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `campaign.id eq "camp-1" and phase eq "ACTIVE"`, certsum.CertificationSchema)})
	var target *certsum.Certification
	for i := range mine.Items {
		if mine.Items[i].Reviewer.ID == "erin" {
			target = &mine.Items[i]
		}
	}
	if target == nil {
		t.Fatalf("no certification for erin after reassign: %+v", mine.Items)
	}
	if target.Phase != certsum.PhaseActive || target.Due == nil || !target.Due.Time.Equal(due) ||
		target.Reassignment == nil || target.Reassignment.From.ID != "cert-1" || target.Reassignment.Comment != "Erin owns these systems" ||
		target.Reassignment.From.Type != certsum.TypeCertification || target.Reassignment.From.Reviewer.Name != "Morgan Manager" ||
		target.Reviewer.Name != "Erin Evans" || target.Campaign.ID != "camp-1" {
		t.Errorf("target certification = %+v", target)
	}
	if target.DecisionsTotal != 6 || target.DecisionsMade != 2 || target.IdentitiesTotal != 2 || target.IdentitiesCompleted != 1 {
		t.Errorf("target counters: total %d made %d identities %d completed %d",
			target.DecisionsTotal, target.DecisionsMade, target.IdentitiesTotal, target.IdentitiesCompleted)
	}
	// The whole summary moved and kept its id; carol's single item got a new summary there.
	if _, err := st.GetIdentitySummary(ctx, target.ID, "s-alice"); err != nil {
		t.Errorf("s-alice did not move whole: %v", err)
	}
	items, _ := st.ListReviewItems(ctx, target.ID, certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `id eq "i-c1"`, certsum.ReviewItemSchema)})
	if len(items.Items) != 1 || items.Items[0].Decision != certsum.Approve || items.Items[0].IdentitySummary.ID == "s-carol" ||
		!items.Items[0].IdentitySummary.Completed {
		t.Errorf("i-c1 in the target = %+v", items.Items)
	}
	k, _ := st.GetCampaign(ctx, "camp-1")
	if k.TotalCertifications != 3 {
		t.Errorf("camp-1 totalCertifications = %d, want 3", k.TotalCertifications)
	}
	// A second reassignment to erin reuses her certification and merges into her summary of carol.
	if _, err := st.Reassign(ctx, "cert-1", "mgr", certsum.ReviewReassign{
		Reassign:   []certsum.ReassignReference{{ID: "s-carol", Type: certsum.ReassignTargetSummary}},
		ReassignTo: "erin", Reason: "all of Carol",
	}); err != nil {
		t.Fatal(err)
	}
	k, _ = st.GetCampaign(ctx, "camp-1")
	after := mustCert(t, st, target.ID)
	if k.TotalCertifications != 3 || after.IdentitiesTotal != 2 || after.DecisionsTotal != 7 {
		t.Errorf("after merging carol: campaign %d certifications, target identities %d, items %d",
			k.TotalCertifications, after.IdentitiesTotal, after.DecisionsTotal)
	}
	_, err = st.GetIdentitySummary(ctx, "cert-1", "s-carol")
	mustCode(t, err, certsum.CodeNotFound)
	// History follows the item.
	if h, err := st.DecisionHistory(ctx, target.ID, "i-a1"); err != nil || len(h) != 1 || h[0].CertificationID != "cert-1" {
		t.Errorf("history of the moved i-a1 = %+v, %v", h, err)
	}
	mustNoDrift(t, st)
}

func TestReassignRejectsBadRequests(t *testing.T) {
	st, _ := fixtureStore(t)
	ref := []certsum.ReassignReference{{ID: "i-a1", Type: certsum.ReassignItem}}
	tooMany := make([]certsum.ReassignReference, certsum.MaxReassignReferences+1)
	for i := range tooMany {
		tooMany[i] = certsum.ReassignReference{ID: fmt.Sprint(i), Type: certsum.ReassignItem}
	}
	cases := []struct {
		name string
		cert string
		r    certsum.ReviewReassign
		code certsum.Code
	}{
		{"more than 50 references", "cert-1", certsum.ReviewReassign{Reassign: tooMany, ReassignTo: "erin", Reason: "x"}, certsum.CodeInvalid},
		{"no references", "cert-1", certsum.ReviewReassign{ReassignTo: "erin", Reason: "x"}, certsum.CodeInvalid},
		{"an empty reason", "cert-1", certsum.ReviewReassign{Reassign: ref, ReassignTo: "erin", Reason: " "}, certsum.CodeInvalid},
		{"an unknown type", "cert-1", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{{ID: "i-a1", Type: "ROLE"}}, ReassignTo: "erin", Reason: "x"}, certsum.CodeInvalid},
		{"to the current reviewer", "cert-1", certsum.ReviewReassign{Reassign: ref, ReassignTo: "mgr", Reason: "x"}, certsum.CodeInvalid},
		{"to an unknown identity", "cert-1", certsum.ReviewReassign{Reassign: ref, ReassignTo: "ghost", Reason: "x"}, certsum.CodeReference},
		{"an item of another certification", "cert-1", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{{ID: "i2-d1", Type: certsum.ReassignItem}}, ReassignTo: "erin", Reason: "x"}, certsum.CodeReference},
		{"an unknown summary", "cert-1", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{{ID: "s-zed", Type: certsum.ReassignIdentitySummary}}, ReassignTo: "erin", Reason: "x"}, certsum.CodeReference},
		{"a staged certification", "cert-3", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{{ID: "i3-a1", Type: certsum.ReassignItem}}, ReassignTo: "erin", Reason: "x"}, certsum.CodeConflict},
		{"an unknown certification", "nope", certsum.ReviewReassign{Reassign: ref, ReassignTo: "erin", Reason: "x"}, certsum.CodeNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.Reassign(ctx, tc.cert, "mgr", tc.r)
			mustCode(t, err, tc.code)
		})
	}
	if k, _ := st.GetCampaign(ctx, "camp-1"); k.TotalCertifications != 2 {
		t.Errorf("rejected reassignments created certifications: %d", k.TotalCertifications)
	}
	mustNoDrift(t, st)
}

func TestReviewers(t *testing.T) {
	st, _ := fixtureStore(t)
	p, err := st.ListReviewers(ctx, "cert-2", certsum.ListQuery{Limit: 10, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []certsum.IdentityReference{
		{Type: certsum.TypeIdentity, ID: "erin", Name: "Erin Evans", Email: ptr("erin@example.com")},
		{Type: certsum.TypeIdentity, ID: "frank", Name: "Frank Fisher", Email: ptr("frank@example.com")},
	}
	if diff := cmp.Diff(want, p.Items); diff != "" || p.Total != 2 {
		t.Errorf("reviewers of cert-2 (-want +got):\n%s total %d", diff, p.Total)
	}
	p, err = st.ListReviewers(ctx, "cert-2", certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `email sw "FRANK"`, certsum.ReviewerSchema)})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != "frank" {
		t.Errorf("filtered reviewers = %+v, %v", p.Items, err)
	}
	p, err = st.ListReviewers(ctx, "cert-1", page(10, 0))
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != "mgr" {
		t.Errorf("reviewers of cert-1 = %+v, %v", p.Items, err)
	}
	_, err = st.ListReviewers(ctx, "nope", page(10, 0))
	mustCode(t, err, certsum.CodeNotFound)

	for _, tc := range []struct {
		cert, who string
		want      bool
	}{{"cert-1", "mgr", true}, {"cert-2", "erin", true}, {"cert-2", "mgr", false}, {"cert-1", "alice", false}} {
		got, err := st.IsReviewer(ctx, tc.cert, tc.who)
		if err != nil || got != tc.want {
			t.Errorf("IsReviewer(%s, %s) = %t, %v; want %t", tc.cert, tc.who, got, err, tc.want)
		}
	}
	_, err = st.IsReviewer(ctx, "nope", "mgr")
	mustCode(t, err, certsum.CodeNotFound)
}

func TestItemPermissions(t *testing.T) {
	st, _ := fixtureStore(t)
	p, err := st.ListItemPermissions(ctx, "cert-1", "i-a1", certsum.ListQuery{Limit: 10, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []certsum.Permission{
		{Rights: []string{"DELETE", "READ"}, Target: "APP.LOG"},
		{Rights: []string{"CREATE", "READ"}, Target: "SYS.OBJAUTH2"},
		{Rights: []string{"READ"}, Target: "SYS.USR02"},
	}
	if diff := cmp.Diff(want, p.Items); diff != "" || p.Total != 3 {
		t.Errorf("permissions (-want +got):\n%s total %d", diff, p.Total)
	}
	p, err = st.ListItemPermissions(ctx, "cert-1", "i-a1", certsum.ListQuery{Limit: 10,
		Filter: mustFilter(t, `rights ca ("read") and target sw "SYS."`, certsum.PermissionSchema)})
	if err != nil || len(p.Items) != 2 || p.Items[0].Target != "SYS.OBJAUTH2" {
		t.Errorf("filtered permissions = %+v, %v", p.Items, err)
	}
	p, err = st.ListItemPermissions(ctx, "cert-1", "i-a1", certsum.ListQuery{Limit: 1, Offset: 2})
	if err != nil || len(p.Items) != 1 || p.Items[0].Target != "SYS.USR02" {
		t.Errorf("third permission = %+v, %v", p.Items, err)
	}
	p, err = st.ListItemPermissions(ctx, "cert-1", "i-a4", certsum.ListQuery{Limit: 10, Count: true})
	if err != nil || len(p.Items) != 0 || p.Items == nil || p.Total != 0 {
		t.Errorf("a role item's permissions = %+v, %v", p, err)
	}
	_, err = st.ListItemPermissions(ctx, "cert-1", "i2-d1", page(10, 0))
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.ListItemPermissions(ctx, "nope", "i-a1", page(10, 0))
	mustCode(t, err, certsum.CodeNotFound)
}

func TestDecisionHistoryErrors(t *testing.T) {
	st, _ := fixtureStore(t)
	_, err := st.DecisionHistory(ctx, "nope", "")
	mustCode(t, err, certsum.CodeNotFound)
	_, err = st.DecisionHistory(ctx, "cert-1", "i2-d1")
	mustCode(t, err, certsum.CodeNotFound)
	h, err := st.DecisionHistory(ctx, "cert-2", "")
	if err != nil || h == nil || len(h) != 0 {
		t.Errorf("empty history = %#v, %v; want an empty, non-nil slice", h, err)
	}
}

func TestCertificationVersionGrowsWithEveryWrite(t *testing.T) {
	st, _ := fixtureStore(t)
	v := func(id string) int64 {
		n, err := st.CertificationVersion(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := v("cert-5")
	if _, err := st.Decide(ctx, "cert-5", "dave", []certsum.ReviewDecision{approve("i5-b1")}); err != nil {
		t.Fatal(err)
	}
	b := v("cert-5")
	if _, err := st.SignOff(ctx, "cert-5", "dave"); err != nil {
		t.Fatal(err)
	}
	c := v("cert-5")
	src := v("cert-1")
	if _, err := st.Reassign(ctx, "cert-1", "mgr", certsum.ReviewReassign{
		Reassign: []certsum.ReassignReference{{ID: "i-b1", Type: certsum.ReassignItem}}, ReassignTo: "dave", Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	if !(a < b && b < c && v("cert-1") > src) {
		t.Errorf("versions did not grow: %d %d %d, cert-1 %d → %d", a, b, c, src, v("cert-1"))
	}
	_, err := st.CertificationVersion(ctx, "nope")
	mustCode(t, err, certsum.CodeNotFound)
}

func TestCampaigns(t *testing.T) {
	st, _ := fixtureStore(t)
	k, err := st.GetCampaign(ctx, "camp-1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "Q1 Manager Review" || k.Type != certsum.CampaignManager || k.Alerts == nil || k.TotalCertifications != 2 ||
		k.MandatoryCommentRequirement != certsum.CommentsRevokeOnly || !k.SunsetCommentsRequired || k.Deadline == nil {
		t.Errorf("camp-1 = %+v", k)
	}
	_, err = st.GetCampaign(ctx, "nope")
	mustCode(t, err, certsum.CodeNotFound)
	p, err := st.ListCampaigns(ctx, certsum.ListQuery{Limit: 10, Count: true,
		Filter: mustFilter(t, `status in ("ACTIVE", "COMPLETED")`, certsum.CampaignSchema), Sort: mustSort(t, "-name", certsum.CampaignSchema)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.Items[0].ID != "camp-1" || p.Items[1].ID != "camp-3" || p.Total != 2 {
		t.Errorf("active campaigns = %+v (total %d)", p.Items, p.Total)
	}
}

func TestInventory(t *testing.T) {
	st, _ := fixtureStore(t)
	i, err := st.FindIdentity(ctx, "alice")
	if err != nil || i.Name != "Alice Archer" || i.ManagerID != "mgr" || i.Email != "alice@example.com" {
		t.Errorf("FindIdentity(alice) = %+v, %v", i, err)
	}
	i, err = st.FindIdentity(ctx, "Carol Cooper")
	if err != nil || i.ID != "carol" || i.Email != "" {
		t.Errorf("FindIdentity by name = %+v, %v", i, err)
	}
	_, err = st.FindIdentity(ctx, "Nobody")
	mustCode(t, err, certsum.CodeNotFound)

	twin := &certsum.Identity{Name: "Carol Cooper", ManagerID: "mgr"}
	if err := st.CreateIdentity(ctx, twin); err != nil {
		t.Fatal(err)
	}
	if !certsum.ValidID(twin.ID) {
		t.Errorf("CreateIdentity gave the id %q", twin.ID)
	}
	_, err = st.FindIdentity(ctx, "Carol Cooper")
	mustCode(t, err, certsum.CodeInvalid)
	err = st.CreateIdentity(ctx, &certsum.Identity{ID: "alice", Name: "Alice Two"})
	mustCode(t, err, certsum.CodeConflict)
	err = st.CreateIdentity(ctx, &certsum.Identity{Name: " "})
	mustCode(t, err, certsum.CodeInvalid)
	err = st.CreateIdentity(ctx, &certsum.Identity{Name: "Orphan", ManagerID: "ghost"})
	mustCode(t, err, certsum.CodeInvalid)
	if n, err := st.CountIdentities(ctx); err != nil || n != 8 {
		t.Errorf("CountIdentities = %d, %v; want 8", n, err)
	}
}

func TestVerifyFindsAndRepairsDrift(t *testing.T) {
	st, _ := fixtureStore(t)
	for _, stmt := range []string{
		`UPDATE certifications SET ent_approved = ent_approved + 2, identities_completed = 3 WHERE id = 'cert-1'`,
		`UPDATE identity_summaries SET role_total = 7 WHERE id = 's-bob'`,
		`UPDATE access_summaries SET items_decided = 1 WHERE cert_key = (SELECT key FROM certifications WHERE id = 'cert-1') AND access_id = 'ent-users'`,
		`DELETE FROM access_summaries WHERE cert_key = (SELECT key FROM certifications WHERE id = 'cert-2')`,
		`INSERT INTO access_summaries (cert_key, access_type, access_id, name, items_total, items_decided) VALUES ((SELECT key FROM certifications WHERE id = 'cert-5'), 'ROLE', 'ghost', 'Ghost', 1, 0)`,
		`UPDATE campaigns SET completed_certifications = 1 WHERE id = 'camp-2'`,
		`UPDATE campaign_counters SET ent_total = ent_total + 5 WHERE campaign_id = 'camp-1'`,
	} {
		if _, err := st.write.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	drifts, err := st.Verify(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []certsum.Drift{
		{Kind: "identity summary", ID: "s-bob", Counter: "roleDecisionsTotal", Stored: 7, Actual: 0},
		{Kind: "certification", ID: "cert-1", Counter: "entitlementsApproved", Stored: 2, Actual: 0},
		{Kind: "certification", ID: "cert-1", Counter: "identitiesCompleted", Stored: 3, Actual: 0},
		{Kind: "access summary", ID: "cert-1/ENTITLEMENT/ent-users", Counter: "itemsDecided", Stored: 1, Actual: 0},
		{Kind: "access summary", ID: "cert-2/ENTITLEMENT/ent-users", Counter: "itemsTotal", Stored: 0, Actual: 1},
		{Kind: "access summary", ID: "cert-5/ROLE/ghost", Counter: "itemsTotal", Stored: 1, Actual: 0},
		{Kind: "campaign", ID: "camp-2", Counter: "completedCertifications", Stored: 1, Actual: 0},
		{Kind: "campaign", ID: "camp-1", Counter: "entitlementDecisionsTotal", Stored: 10, Actual: 5},
	}
	if diff := cmp.Diff(want, drifts); diff != "" {
		t.Errorf("drifts (-want +got):\n%s", diff)
	}
	fixed, err := st.Verify(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, fixed); diff != "" {
		t.Errorf("Verify(fix) reported (-want +got):\n%s", diff)
	}
	mustNoDrift(t, st)
	if ents, _ := st.ListAccessSummaries(ctx, "cert-2", certsum.TypeEntitlement, page(10, 0)); len(ents.Items) != 1 || ents.Items[0].Access.Name != "Domain Users" {
		t.Errorf("repaired access summary of cert-2 = %+v", ents.Items)
	}
}

func TestDecisionAuditTrailIsAppendOnly(t *testing.T) {
	st, _ := fixtureStore(t)
	for _, stmt := range []string{`UPDATE decisions SET decision = 'REVOKE'`, `DELETE FROM decisions`} {
		if _, err := st.write.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
}

func TestContextCancellationPassesThrough(t *testing.T) {
	st, _ := fixtureStore(t)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := st.Decide(cctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-a1")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Decide with a cancelled context = %v, want context.Canceled in the chain", err)
	}
}

func TestCountsFromCountersMatchCountedRows(t *testing.T) {
	st, _ := fixtureStore(t)
	if _, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-c1"), approve("i-c2"), approve("i-a1")}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"", "completed eq true", "completed eq false", "completed ne true", "completed ne false"} {
		var filter, counted = mustFilterOrNil(t, f, certsum.IdentitySummarySchema), 0
		// "name sw \"\"" matches every name but is not a shape the counters answer, so the rows
		// are counted.
		rowsFilter := mustFilter(t, `name sw ""`, certsum.IdentitySummarySchema)
		if filter != nil {
			rowsFilter = mustFilter(t, f+` and name sw ""`, certsum.IdentitySummarySchema)
		}
		fast, err := st.ListIdentitySummaries(ctx, "cert-1", certsum.ListQuery{Limit: 1, Count: true, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		slow, err := st.ListIdentitySummaries(ctx, "cert-1", certsum.ListQuery{Limit: 250, Count: true, Filter: rowsFilter})
		if err != nil {
			t.Fatal(err)
		}
		counted = len(slow.Items)
		if fast.Total != slow.Total || fast.Total != counted {
			t.Errorf("identity summaries %q: counter total %d, counted total %d, rows %d", f, fast.Total, slow.Total, counted)
		}
	}
	for _, f := range []string{"", "completed eq true", "completed ne true", `access.type eq "ROLE"`, `type eq "entitlement"`,
		`access.type eq "ENTITLEMENT" and completed eq false`, `completed eq true and type eq "ACCESS_PROFILE"`,
		`access.type eq "CAMPAIGN"`, `access.type eq "ROLE" and access.type eq "ROLE"`} {
		itemFilter := mustFilterOrNil(t, f, certsum.ReviewItemSchema)
		fastItems, err := st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 1, Count: true, Filter: itemFilter})
		if err != nil {
			t.Fatal(err)
		}
		allItems, err := st.ListReviewItems(ctx, "cert-1", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 250, Filter: itemFilter})
		if err != nil {
			t.Fatal(err)
		}
		if fastItems.Total != len(allItems.Items) {
			t.Errorf("review items %q: counter total %d, rows %d", f, fastItems.Total, len(allItems.Items))
		}
	}
}

func mustFilterOrNil(tb testing.TB, raw string, s *query.Schema) query.Expr {
	tb.Helper()
	if raw == "" {
		return nil
	}
	return mustFilter(tb, raw, s)
}

func TestLoadRestoresTheConnectionAndEveryIndex(t *testing.T) {
	st := mustOpen(t, nil)
	indexes := func() []string {
		rows, err := st.write.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	before := indexes()
	mustLoad(t, st, fixtureDataset())
	if diff := cmp.Diff(before, indexes()); diff != "" {
		t.Errorf("indexes after a first load (-before +after):\n%s", diff)
	}
	var fk int
	var temp int
	if err := st.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := st.write.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || temp != 2 {
		t.Errorf("after Load the writer has foreign_keys=%d temp_store=%d, want 1 and 2 (memory)", fk, temp)
	}
	// The restored foreign keys still guard the tables.
	if _, err := st.write.ExecContext(ctx, `INSERT INTO identity_summaries (id, cert_key, identity_id, name) VALUES ('x', 999999, 'alice', 'x')`); err == nil {
		t.Error("an identity summary of a missing certification was accepted")
	}
}

func TestNarrowsByID(t *testing.T) {
	cases := []struct {
		filter string
		want   bool
	}{
		{`id eq "a"`, true},
		{`id in ("a", "b")`, true},
		{`id eq "a" and completed eq false`, true},
		{`completed eq false and id in ("a")`, true},
		{`id eq "a" or id eq "b"`, true},
		{`id eq "a" or completed eq true`, false},
		{`not (id eq "a")`, false},
		{`name sw "a"`, false},
		{`completed eq false`, false},
	}
	for _, tc := range cases {
		e := mustFilter(t, tc.filter, certsum.IdentitySummarySchema)
		if got := narrowsByID(e, "id"); got != tc.want {
			t.Errorf("narrowsByID(%s) = %t, want %t", tc.filter, got, tc.want)
		}
	}
}

func TestReviewItemListsAgreeWhateverDrivesThem(t *testing.T) {
	st, _ := fixtureStore(t)
	ids := func(f certsum.ReviewItemFilter, filter, sort string) []string {
		t.Helper()
		q := certsum.ListQuery{Limit: 250, Count: true, Filter: mustFilterOrNil(t, filter, certsum.ReviewItemSchema)}
		if sort != "" {
			q.Sort = mustSort(t, sort, certsum.ReviewItemSchema)
		}
		p, err := st.ListReviewItems(ctx, "cert-1", f, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		if p.Total != len(out) {
			t.Errorf("total %d for %d items (%q, %q)", p.Total, len(out), filter, sort)
		}
		slices.Sort(out)
		return out
	}
	all := ids(certsum.ReviewItemFilter{}, "", "")
	for _, sort := range []string{"identitySummary.name", "-access.name", "access.type", "entitlement.sourceName"} {
		if diff := cmp.Diff(all, ids(certsum.ReviewItemFilter{}, "", sort)); diff != "" {
			t.Errorf("sorted by %s (-default +sorted):\n%s", sort, diff)
		}
	}
	bySummary := ids(certsum.ReviewItemFilter{}, `identitySummary.id in ("s-bob", "s-carol")`, "")
	if diff := cmp.Diff([]string{"i-b1", "i-b2", "i-c1", "i-c2"}, bySummary); diff != "" {
		t.Errorf("by identity summary ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"i-a4", "i-c2"}, ids(certsum.ReviewItemFilter{}, `access.type eq "role"`, "")); diff != "" {
		t.Errorf("roles by type (-want +got):\n%s", diff)
	}
	none, err := st.ListReviewItems(ctx, "cert-2", certsum.ReviewItemFilter{}, certsum.ListQuery{Limit: 10, Count: true,
		Filter: mustFilter(t, `type eq "ROLE" and completed eq false`, certsum.ReviewItemSchema)})
	if err != nil || len(none.Items) != 0 || none.Items == nil || none.Total != 0 {
		t.Errorf("roles of a certification without any = %+v, %v", none, err)
	}
	byAccess := ids(certsum.ReviewItemFilter{}, `access.id eq "ROLE-ENG" or access.id eq "ap-ad-basic"`, "-access.name")
	if diff := cmp.Diff([]string{"i-a3", "i-a4", "i-b2", "i-c2"}, byAccess); diff != "" {
		t.Errorf("by access ids, case-insensitively (-want +got):\n%s", diff)
	}
}

func TestLoadRejectsARepeatedReviewItemIDAndWritesNothing(t *testing.T) {
	st := mustOpen(t, nil)
	d := fixtureDataset()
	items := d.Campaigns[0].Certifications[0].Items
	items[3].ID = items[1].ID
	err := st.Load(ctx, d, nil)
	mustCode(t, err, certsum.CodeConflict)
	if !strings.Contains(certsum.ErrorText(err), `review item "i-a2" already exists`) {
		t.Errorf("error text = %q", certsum.ErrorText(err))
	}
	if n, _ := st.CountIdentities(ctx); n != 0 {
		t.Errorf("%d identities written by a rejected load", n)
	}
}

func TestWritesAreCheckpointedInTheBackgroundNotByTheWriter(t *testing.T) {
	st, _ := fixtureStore(t)
	var auto int
	if err := st.write.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Errorf("the writer checkpoints every %d pages itself", auto)
	}
	done := make(chan int, 16)
	hook := func(mode string, frames, checkpointed int) {
		if mode == "PASSIVE" {
			select {
			case done <- checkpointed:
			default:
			}
		}
	}
	st.onCheckpoint.Store(&hook)
	for len(done) > 0 { // a checkpoint of the load may still report
		<-done
	}
	if _, err := st.Decide(ctx, "cert-1", "mgr", []certsum.ReviewDecision{approve("i-a1")}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-done:
		if n == 0 {
			t.Error("the background checkpoint copied no frames after a write")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no background checkpoint within 10s of a write")
	}
}
