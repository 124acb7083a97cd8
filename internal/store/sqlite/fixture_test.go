package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// The helpers in this file take testing.TB and certsum.Store so that the behaviour tests can
// move to a backend-independent conformance suite unchanged.

// fakeClock is an injectable clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mustOpen opens a fresh store in a temporary file.
func mustOpen(tb testing.TB, clock *fakeClock) *Store {
	tb.Helper()
	opts := Options{}
	if clock != nil {
		opts.Now = clock.Now
	}
	st, err := Open(context.Background(), filepath.Join(tb.TempDir(), "certsum.db"), opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// mustLoad loads d into st.
func mustLoad(tb testing.TB, st certsum.Store, d *certsum.Dataset) {
	tb.Helper()
	if err := st.Load(context.Background(), d, nil); err != nil {
		tb.Fatalf("Load: %v", err)
	}
}

// fixtureStore opens a store loaded with fixtureDataset.
func fixtureStore(tb testing.TB) (*Store, *fakeClock) {
	tb.Helper()
	clock := newClock()
	st := mustOpen(tb, clock)
	mustLoad(tb, st, fixtureDataset())
	return st, clock
}

// mustNoDrift fails when any stored counter differs from its recount.
func mustNoDrift(tb testing.TB, st certsum.Store) {
	tb.Helper()
	drifts, err := st.Verify(context.Background(), false)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	for _, d := range drifts {
		tb.Errorf("counter drift: %s %s %s stored %d, actual %d", d.Kind, d.ID, d.Counter, d.Stored, d.Actual)
	}
	if len(drifts) > 0 {
		tb.FailNow()
	}
}

// mustCode fails unless err carries the certsum error code want.
func mustCode(tb testing.TB, err error, want certsum.Code) {
	tb.Helper()
	if got := certsum.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// mustFilter parses and validates a filter against s.
func mustFilter(tb testing.TB, raw string, s *query.Schema) query.Expr {
	tb.Helper()
	e, err := certsum.ParseFilter(raw, s)
	if err != nil {
		tb.Fatalf("ParseFilter(%q): %v", raw, err)
	}
	return e
}

// mustSort parses and validates sorters against s.
func mustSort(tb testing.TB, raw string, s *query.Schema) []query.SortKey {
	tb.Helper()
	k, err := certsum.ParseSorters(raw, s)
	if err != nil {
		tb.Fatalf("ParseSorters(%q): %v", raw, err)
	}
	return k
}

// mustCert returns a certification.
func mustCert(tb testing.TB, st certsum.Store, id string) *certsum.Certification {
	tb.Helper()
	c, err := st.GetCertification(context.Background(), id)
	if err != nil {
		tb.Fatalf("GetCertification(%s): %v", id, err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func approve(id string) certsum.ReviewDecision {
	return certsum.ReviewDecision{ID: id, Decision: certsum.Approve, Bulk: ptr(false)}
}

func revoke(id, comment string) certsum.ReviewDecision {
	return certsum.ReviewDecision{ID: id, Decision: certsum.Revoke, Bulk: ptr(false), Comments: ptr(comment)}
}

func page(limit, offset int) certsum.ListQuery {
	return certsum.ListQuery{Limit: limit, Offset: offset}
}

// fixture times.
var (
	t0  = time.Date(2026, time.January, 5, 8, 0, 0, 0, time.UTC)
	due = time.Date(2026, time.April, 1, 17, 0, 0, 0, time.UTC)
)

// fixtureDataset is a small hand-made inventory with three campaigns:
//
//	camp-1 (MANAGER, ACTIVE, comments on revokes):
//	  cert-1  reviewer mgr:        alice (5 items: 2 entitlements, access profile, role, account),
//	                               bob (2 items, one approved), carol (2 items)
//	  cert-2  group g-auditors:    dave (1 item)
//	camp-2 (SEARCH, STAGED, comments on every decision):
//	  cert-3  reviewer dave:       alice (1 item)
//	camp-3 (MANAGER, ACTIVE, no comment requirement):
//	  cert-4  reviewer mgr:        carol (1 item, revoked)    — ready to sign off
//	  cert-5  reviewer dave:       bob (1 item, open)
func fixtureDataset() *certsum.Dataset {
	created := certsum.NewTime(t0)
	d := &certsum.Dataset{}
	d.Identities = []certsum.Identity{
		{ID: "mgr", Name: "Morgan Manager", Email: "morgan@example.com", Department: "Engineering", Title: "Director"},
		{ID: "alice", Name: "Alice Archer", Email: "alice@example.com", ManagerID: "mgr"},
		{ID: "bob", Name: "Bob Baker", Email: "bob@example.com", ManagerID: "mgr"},
		{ID: "carol", Name: "Carol Cooper", ManagerID: "mgr"},
		{ID: "dave", Name: "Dave Dunn", Email: "dave@example.com"},
		{ID: "erin", Name: "Erin Evans", Email: "erin@example.com"},
		{ID: "frank", Name: "Frank Fisher", Email: "frank@example.com"},
	}
	d.GovernanceGroups = []certsum.GovernanceGroup{
		{ID: "g-auditors", Name: "Auditors", OwnerID: "erin", MemberIDs: []string{"frank", "erin"}},
	}
	d.Sources = []certsum.Source{
		{ID: "src-ad", Name: "Active Directory", Type: "Active Directory - Direct", OwnerID: "mgr"},
		{ID: "src-sap", Name: "SAP", Type: "SAP - Direct"},
	}
	d.Accounts = []certsum.Account{
		{ID: "acct-alice-ad", NativeIdentity: "CN=Alice Archer,OU=Eng", Name: "alice.archer", SourceID: "src-ad", IdentityID: "alice", Created: created, Modified: created, UsageDays: 42},
		{ID: "acct-alice-sap", NativeIdentity: "AARCHER", Name: "AARCHER", SourceID: "src-sap", IdentityID: "alice", Created: created, Modified: created, UsageDays: -1, Locked: true},
		{ID: "acct-bob-ad", NativeIdentity: "CN=Bob Baker,OU=Eng", Name: "bob.baker", SourceID: "src-ad", IdentityID: "bob", Created: created, Modified: created, UsageDays: 3, Disabled: true},
		{ID: "acct-carol-ad", NativeIdentity: "CN=Carol Cooper,OU=Eng", Name: "carol.cooper", SourceID: "src-ad", IdentityID: "carol", Created: created, Modified: created, UsageDays: 0},
		{ID: "acct-dave-ad", NativeIdentity: "CN=Dave Dunn,OU=Ops", Name: "dave.dunn", SourceID: "src-ad", IdentityID: "dave", Created: created, Modified: created, UsageDays: 90},
	}
	d.Entitlements = []certsum.Entitlement{
		{
			ID: "ent-admins", Name: "Domain Admins", Description: ptr("Full control of the domain"), SourceID: "src-ad",
			AttributeName: "memberOf", AttributeValue: "CN=Domain Admins,CN=Users", SourceSchemaObjectType: "group",
			OwnerID: "mgr", Privileged: true, Revocable: true,
			Permissions: []certsum.Permission{
				{Rights: []string{"CREATE", "READ"}, Target: "SYS.OBJAUTH2"},
				{Rights: []string{"READ"}, Target: "SYS.USR02"},
				{Rights: []string{"DELETE", "READ"}, Target: "APP.LOG"},
			},
			DataAccess: &certsum.DataAccess{
				Policies:    []certsum.DataAccessValue{{Value: "GDPR"}},
				Categories:  []certsum.DataAccessCategory{{Value: "PII", MatchCount: 12}},
				ImpactScore: &certsum.DataAccessValue{Value: "High"},
			},
		},
		{ID: "ent-users", Name: "Domain Users", SourceID: "src-ad", AttributeName: "memberOf", AttributeValue: "CN=Domain Users", SourceSchemaObjectType: "group", Revocable: true},
		{ID: "ent-sap-fi", Name: "SAP FI Clerk", SourceID: "src-sap", AttributeName: "role", AttributeValue: "FI_CLERK", SourceSchemaObjectType: "role", OwnerID: "dave", CloudGoverned: true},
	}
	d.AccessProfiles = []certsum.AccessProfile{
		{ID: "ap-ad-basic", Name: "AD Basic", Description: "Everyday AD access", SourceID: "src-ad", OwnerID: "mgr", EntitlementIDs: []string{"ent-users"}, Created: created, Modified: created},
		{ID: "ap-sap", Name: "SAP Finance", Description: "Finance clerks", SourceID: "src-sap", EntitlementIDs: []string{"ent-sap-fi"}, Created: created, Modified: created},
	}
	d.Roles = []certsum.Role{
		{ID: "role-eng", Name: "Engineer", Description: "Engineering staff", OwnerID: "mgr", Revocable: true,
			AccessProfileIDs: []string{"ap-ad-basic"}, EntitlementIDs: []string{"ent-admins"}},
	}
	campaign := func(id, name string, typ certsum.CampaignType, status certsum.CampaignStatus, req certsum.CommentRequirement) certsum.Campaign {
		return certsum.Campaign{ID: id, Name: name, Description: ptr(name + " description"), Deadline: certsum.TimePtr(due),
			Type: typ, Status: status, CorrelatedStatus: certsum.Correlated, Created: created, Modified: created,
			SunsetCommentsRequired: true, MandatoryCommentRequirement: req}
	}
	cert := func(id, name, reviewer string, rt certsum.DtoType, phase certsum.Phase) certsum.Certification {
		return certsum.Certification{ID: id, Name: name, Reviewer: certsum.Reviewer{ID: reviewer, Type: rt},
			Phase: phase, Created: created, Modified: created, Due: certsum.TimePtr(due)}
	}
	decided := func(d certsum.Decision, comment string) *certsum.DecisionRecord {
		r := &certsum.DecisionRecord{DecidedBy: "mgr", DecidedAt: certsum.NewTime(t0.Add(time.Hour)), Decision: d}
		if comment != "" {
			r.Comments = ptr(comment)
		}
		return r
	}
	d.Campaigns = []certsum.CampaignData{
		{
			Campaign: campaign("camp-1", "Q1 Manager Review", certsum.CampaignManager, certsum.StatusActive, certsum.CommentsRevokeOnly),
			Certifications: []certsum.CertificationData{
				{
					Certification: cert("cert-1", "Q1 Manager Review: Morgan Manager", "mgr", certsum.TypeIdentity, certsum.PhaseActive),
					IdentitySummaries: []certsum.IdentitySummary{
						{ID: "s-alice", IdentityID: "alice"}, {ID: "s-bob", IdentityID: "bob"}, {ID: "s-carol", IdentityID: "carol"},
					},
					Items: []certsum.ItemData{
						{ID: "i-a1", IdentitySummaryID: "s-alice", AccessType: certsum.TypeEntitlement, AccessID: "ent-admins", AccountID: "acct-alice-ad"},
						{ID: "i-a2", IdentitySummaryID: "s-alice", AccessType: certsum.TypeEntitlement, AccessID: "ent-sap-fi", NewAccess: true},
						{ID: "i-a3", IdentitySummaryID: "s-alice", AccessType: certsum.TypeAccessProfile, AccessID: "ap-ad-basic"},
						{ID: "i-a4", IdentitySummaryID: "s-alice", AccessType: certsum.TypeRole, AccessID: "role-eng"},
						{ID: "i-a5", IdentitySummaryID: "s-alice", AccessType: certsum.TypeAccount, AccessID: "acct-alice-ad"},
						{ID: "i-b1", IdentitySummaryID: "s-bob", AccessType: certsum.TypeEntitlement, AccessID: "ent-admins"},
						{ID: "i-b2", IdentitySummaryID: "s-bob", AccessType: certsum.TypeAccessProfile, AccessID: "ap-ad-basic", Decision: decided(certsum.Approve, "")},
						{ID: "i-c1", IdentitySummaryID: "s-carol", AccessType: certsum.TypeEntitlement, AccessID: "ent-users"},
						{ID: "i-c2", IdentitySummaryID: "s-carol", AccessType: certsum.TypeRole, AccessID: "role-eng"},
					},
				},
				{
					Certification:     cert("cert-2", "Q1 Manager Review: Auditors", "g-auditors", certsum.TypeGovernanceGroup, certsum.PhaseActive),
					IdentitySummaries: []certsum.IdentitySummary{{ID: "s2-dave", IdentityID: "dave"}},
					Items: []certsum.ItemData{
						{ID: "i2-d1", IdentitySummaryID: "s2-dave", AccessType: certsum.TypeEntitlement, AccessID: "ent-users"},
					},
				},
			},
		},
		{
			Campaign: campaign("camp-2", "Privileged Access Search", certsum.CampaignSearch, certsum.StatusStaged, certsum.CommentsAll),
			Certifications: []certsum.CertificationData{
				{
					Certification:     cert("cert-3", "Privileged Access Search: Dave Dunn", "dave", certsum.TypeIdentity, certsum.PhaseStaged),
					IdentitySummaries: []certsum.IdentitySummary{{ID: "s3-alice", IdentityID: "alice"}},
					Items: []certsum.ItemData{
						{ID: "i3-a1", IdentitySummaryID: "s3-alice", AccessType: certsum.TypeEntitlement, AccessID: "ent-admins"},
					},
				},
			},
		},
		{
			Campaign: campaign("camp-3", "Finance Review", certsum.CampaignManager, certsum.StatusActive, certsum.CommentsNone),
			Certifications: []certsum.CertificationData{
				{
					Certification:     cert("cert-4", "Finance Review: Morgan Manager", "mgr", certsum.TypeIdentity, certsum.PhaseActive),
					IdentitySummaries: []certsum.IdentitySummary{{ID: "s4-carol", IdentityID: "carol"}},
					Items: []certsum.ItemData{
						{ID: "i4-c1", IdentitySummaryID: "s4-carol", AccessType: certsum.TypeAccessProfile, AccessID: "ap-sap", Decision: decided(certsum.Revoke, "left finance")},
					},
				},
				{
					Certification:     cert("cert-5", "Finance Review: Dave Dunn", "dave", certsum.TypeIdentity, certsum.PhaseActive),
					IdentitySummaries: []certsum.IdentitySummary{{ID: "s5-bob", IdentityID: "bob"}},
					Items: []certsum.ItemData{
						{ID: "i5-b1", IdentitySummaryID: "s5-bob", AccessType: certsum.TypeRole, AccessID: "role-eng"},
					},
				},
			},
		},
	}
	return d
}
