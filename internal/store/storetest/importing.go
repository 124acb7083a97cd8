package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// importInput is a small organisation written the way an import gives it: two sources, a
// manager chain, accounts, entitlements, an access profile, a role, assignments of every
// type and a governance group.
func importInput() *certsum.InventoryInput {
	pos := func(line int) certsum.InputPos { return certsum.InputPos{File: "org.json", Line: line, Column: 3} }
	in := &certsum.InventoryInput{
		FormatVersion: certsum.InventoryFormatVersion,
		Name:          "org.json",
		Identities: []certsum.InputIdentity{
			{ID: "ceo", Name: "carla", DisplayName: "Carla CEO", Email: "carla@example.com", Attributes: map[string]string{"department": "Board"}, Pos: pos(2)},
			{ID: "mgr", Name: "mario", Email: "mario@example.com", ManagerID: "ceo", Pos: pos(3)},
			{ID: "ann", Name: "ann", Email: "ann@example.com", ManagerID: "mgr", Attributes: map[string]string{"title": "Engineer"}, Pos: pos(4)},
			{ID: "dave", Name: "dave", ManagerID: "mgr", Status: certsum.IdentityInactive, Pos: pos(5)},
		},
		Sources: []certsum.InputSource{
			{ID: "ad", Name: "Active Directory", OwnerID: "ceo", Authoritative: true, Pos: pos(7)},
			{ID: "gh", Name: "GitHub", OwnerID: "mgr", Pos: pos(8)},
		},
		Accounts: []certsum.InputAccount{
			{ID: "ad:ann", SourceID: "ad", NativeIdentity: "CN=ann", IdentityID: "ann", Pos: pos(10)},
			{ID: "gh:ghost", SourceID: "gh", NativeIdentity: "ghost", Pos: pos(11)},
		},
		Entitlements: []certsum.InputEntitlement{
			{ID: "ad-admins", SourceID: "ad", Name: "Domain Admins", Privileged: true, Pos: pos(13)},
			{ID: "ad-users", SourceID: "ad", Name: "Domain Users", Pos: pos(14)},
			{ID: "gh-org", SourceID: "gh", Name: "org member", Pos: pos(15)},
		},
		AccessProfiles: []certsum.InputAccessProfile{
			{ID: "ap-ad", Name: "AD basics", SourceID: "ad", OwnerID: "mgr", EntitlementIDs: []string{"ad-users"}, Pos: pos(17)},
		},
		Roles: []certsum.InputRole{
			{ID: "role-eng", Name: "Engineering", OwnerID: "ceo", AccessProfileIDs: []string{"ap-ad"}, EntitlementIDs: []string{"gh-org"}, Pos: pos(19)},
		},
		Assignments: []certsum.InputAssignment{
			{IdentityID: "ann", AccessType: certsum.TypeRole, AccessID: "role-eng", Pos: pos(21)},
			{IdentityID: "ann", AccessType: certsum.TypeEntitlement, AccessID: "ad-admins", AccountID: "ad:ann", Pos: pos(22)},
			{IdentityID: "dave", AccessType: certsum.TypeAccessProfile, AccessID: "ap-ad", Pos: pos(23)},
			{IdentityID: "dave", AccessType: certsum.TypeEntitlement, AccessID: "gh-org", Pos: pos(24)},
		},
		GovernanceGroups: []certsum.InputGovernanceGroup{
			{ID: "gg-sec", Name: "Security", MemberIDs: []string{"ceo", "mgr"}, Pos: pos(26)},
		},
	}
	in.Cover(certsum.ImportKinds...)
	return in
}

// counts is the report's counts as "kind:created/updated/unchanged/removed" of the kinds
// that have any, for compact comparisons.
func counts(r *certsum.ImportReport) map[string][4]int {
	out := map[string][4]int{}
	for k, c := range r.Counts {
		if c != (certsum.ImportCounts{}) {
			out[k] = [4]int{c.Created, c.Updated, c.Unchanged, c.Removed}
		}
	}
	return out
}

func mustImport(t *testing.T, st certsum.Store, in *certsum.InventoryInput, opts certsum.ImportOptions) *certsum.ImportReport {
	t.Helper()
	r, err := st.ImportInventory(context.Background(), in, opts)
	if err != nil {
		t.Fatalf("ImportInventory: %v", err)
	}
	if r.Status != certsum.ImportSucceeded || r.Finished == nil {
		t.Fatalf("report status %s (finished %v), want SUCCEEDED", r.Status, r.Finished)
	}
	return r
}

func mustVersion(t *testing.T, st certsum.Store, want int64) {
	t.Helper()
	v, err := st.InventoryVersion(context.Background())
	mustOK(t, err, "InventoryVersion")
	if v != want {
		t.Fatalf("inventory version = %d, want %d", v, want)
	}
}

func testImport(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()

	t.Run("a first import creates every object and makes version 1", func(t *testing.T) {
		st := newStore(t)
		mustVersion(t, st, 0)
		r := mustImport(t, st, importInput(), certsum.ImportOptions{Source: "org.json"})
		want := map[string][4]int{
			certsum.KindIdentity: {4, 0, 0, 0}, certsum.KindSource: {2, 0, 0, 0},
			// dave's gh-org assignment names no account: the import creates gh:dave.
			certsum.KindAccount: {3, 0, 0, 0}, certsum.KindEntitlement: {3, 0, 0, 0},
			certsum.KindAccessProfile: {1, 0, 0, 0}, certsum.KindRole: {1, 0, 0, 0},
			certsum.KindAssignment: {4, 0, 0, 0}, certsum.KindGovernanceGroup: {1, 0, 0, 0},
		}
		if diff := cmp.Diff(want, counts(r)); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		if !r.Changed || r.InventoryVersion != 1 || r.Mode != certsum.ImportSnapshot || r.Source != "org.json" {
			t.Errorf("report = changed %v, version %d, mode %s, source %q; want true, 1, snapshot, org.json",
				r.Changed, r.InventoryVersion, r.Mode, r.Source)
		}
		mustVersion(t, st, 1)
		got, err := st.FindIdentity(ctx, "ann")
		mustOK(t, err, "FindIdentity")
		wantAnn := certsum.Identity{ID: "ann", Name: "ann", Email: "ann@example.com", ManagerID: "mgr", Title: "Engineer"}
		if diff := cmp.Diff(wantAnn, *got); diff != "" {
			t.Errorf("imported identity (-want +got):\n%s", diff)
		}
		n, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n != 4 {
			t.Errorf("CountIdentities = %d, want 4", n)
		}
		kept, err := st.GetImportReport(ctx, r.ID)
		mustOK(t, err, "GetImportReport")
		if diff := cmp.Diff(r, kept); diff != "" {
			t.Errorf("kept report differs from the returned one (-returned +kept):\n%s", diff)
		}
	})

	t.Run("importing the same input again changes nothing and makes no version", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		r := mustImport(t, st, importInput(), certsum.ImportOptions{})
		for kind, c := range r.Counts {
			if c.Changed() {
				t.Errorf("%s: %+v on a repeated import, want only unchanged", kind, c)
			}
		}
		if r.Counts[certsum.KindAssignment].Unchanged != 4 || r.Counts[certsum.KindAccount].Unchanged != 3 {
			t.Errorf("unchanged assignments/accounts = %d/%d, want 4/3", r.Counts[certsum.KindAssignment].Unchanged,
				r.Counts[certsum.KindAccount].Unchanged)
		}
		if r.Changed || r.InventoryVersion != 1 || len(r.Changes) != 0 {
			t.Errorf("report = changed %v, version %d, %d changes; want false, 1, 0", r.Changed, r.InventoryVersion, len(r.Changes))
		}
		mustVersion(t, st, 1)
	})

	t.Run("a defaulted value and the same value spelled out are the same content", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		in := importInput()
		in.Sources[0].Type = certsum.DefaultSourceType
		in.Entitlements[0].Attribute = certsum.DefaultEntAttribute
		in.Identities[0].Status = certsum.IdentityActive
		r := mustImport(t, st, in, certsum.ImportOptions{})
		if r.Changed {
			t.Errorf("spelling out defaults changed %v", r.Changes)
		}
	})

	t.Run("a dry run reports the change set and writes nothing", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		in := importInput()
		in.Identities[2].Email = "ann.lee@example.com"
		in.Identities = in.Identities[:3] // dave leaves
		in.Assignments = in.Assignments[:2]
		r := mustImport(t, st, in, certsum.ImportOptions{DryRun: true})
		wantChanges := []certsum.ImportChange{
			{Kind: certsum.KindIdentity, ID: "ann", Action: certsum.ChangeUpdated},
			{Kind: certsum.KindIdentity, ID: "dave", Action: certsum.ChangeRemoved},
			{Kind: certsum.KindAccount, ID: "gh:dave", Action: certsum.ChangeRemoved},
			{Kind: certsum.KindAssignment, ID: "dave/ACCESS_PROFILE/ap-ad", Action: certsum.ChangeRemoved},
			{Kind: certsum.KindAssignment, ID: "dave/ENTITLEMENT/gh-org/gh:dave", Action: certsum.ChangeRemoved},
		}
		if diff := cmp.Diff(wantChanges, r.Changes); diff != "" {
			t.Errorf("dry-run changes (-want +got):\n%s", diff)
		}
		if !r.DryRun || !r.Changed || r.InventoryVersion != 1 {
			t.Errorf("report = dry run %v, changed %v, version %d; want true, true, 1", r.DryRun, r.Changed, r.InventoryVersion)
		}
		mustVersion(t, st, 1)
		again := mustImport(t, st, importInput(), certsum.ImportOptions{})
		if again.Changed {
			t.Errorf("after a dry run the original input changed %v: the dry run wrote", again.Changes)
		}
	})

	t.Run("a snapshot removes what it no longer lists, softly, and can restore it", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		in := importInput()
		in.Identities = in.Identities[:3]
		in.Assignments = in.Assignments[:2]
		r := mustImport(t, st, in, certsum.ImportOptions{})
		if got := counts(r)[certsum.KindIdentity]; got != [4]int{0, 0, 3, 1} {
			t.Errorf("identity counts = %v, want 3 unchanged and 1 removed", got)
		}
		mustVersion(t, st, 2)
		n, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n != 3 {
			t.Errorf("CountIdentities after the removal = %d, want 3", n)
		}
		// A removed identity cannot be named by a later import that does not list it.
		late := importInput()
		late.Mode = certsum.ImportMerge
		late.Identities = nil
		late.Assignments = []certsum.InputAssignment{{IdentityID: "dave", AccessType: certsum.TypeRole, AccessID: "role-eng",
			Pos: certsum.InputPos{File: "late.json", Line: 9, Column: 5}}}
		_, err = st.ImportInventory(ctx, late, certsum.ImportOptions{})
		mustCode(t, err, certsum.CodeInvalid)
		var problems certsum.InputProblems
		if !errors.As(err, &problems) || len(problems) != 1 || problems[0].Line != 9 ||
			!strings.Contains(problems[0].Message, `"dave" names no identity`) {
			t.Fatalf("problems = %v, want one at late.json:9 naming dave", err)
		}
		// Listing dave again restores him: an update of the kept row, not a new one.
		r = mustImport(t, st, importInput(), certsum.ImportOptions{})
		if got := counts(r)[certsum.KindIdentity]; got != [4]int{0, 1, 3, 0} {
			t.Errorf("identity counts on restore = %v, want 1 updated and 3 unchanged", got)
		}
		mustVersion(t, st, 3)
	})

	t.Run("a snapshot keeps the identities certsum made itself", func(t *testing.T) {
		testImportKeepsWhatNoImportWrote(t, newStore)
	})

	t.Run("a merge only upserts", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		in := &certsum.InventoryInput{FormatVersion: 1, Identities: []certsum.InputIdentity{{ID: "eve", Name: "eve", ManagerID: "ceo"}}}
		in.Cover(certsum.KindIdentity)
		r := mustImport(t, st, in, certsum.ImportOptions{Mode: certsum.ImportMerge})
		if diff := cmp.Diff(map[string][4]int{certsum.KindIdentity: {1, 0, 0, 0}}, counts(r)); diff != "" {
			t.Errorf("merge counts (-want +got):\n%s", diff)
		}
		n, err := st.CountIdentities(ctx)
		mustOK(t, err, "CountIdentities")
		if n != 5 {
			t.Errorf("CountIdentities after the merge = %d, want 5", n)
		}
	})

	t.Run("a scoped snapshot removes from its sources only", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		// A new sync of GitHub alone: gh-org is gone, a new entitlement arrives.
		in := &certsum.InventoryInput{FormatVersion: 1,
			Entitlements: []certsum.InputEntitlement{{ID: "gh-admin", SourceID: "gh", Name: "org admin"}},
			Accounts:     []certsum.InputAccount{{ID: "gh:ghost", SourceID: "gh", NativeIdentity: "ghost"}},
			Assignments:  []certsum.InputAssignment{{IdentityID: "ann", AccessType: certsum.TypeEntitlement, AccessID: "gh-admin"}},
		}
		in.Cover(certsum.KindEntitlement, certsum.KindAccount, certsum.KindAssignment)
		r := mustImport(t, st, in, certsum.ImportOptions{ScopeSourceIDs: []string{"gh"}})
		want := map[string][4]int{
			certsum.KindEntitlement: {1, 0, 0, 1},
			// gh:ann is new; gh:dave is gone, AD's account is out of scope.
			certsum.KindAccount:    {1, 0, 1, 1},
			certsum.KindAssignment: {1, 0, 0, 1},
		}
		if diff := cmp.Diff(want, counts(r)); diff != "" {
			t.Errorf("scoped counts (-want +got):\n%s", diff)
		}
		var removed []string
		for _, c := range r.Changes {
			if c.Action == certsum.ChangeRemoved {
				removed = append(removed, c.Kind+" "+c.ID)
			}
		}
		wantRemoved := []string{"account gh:dave", "entitlement gh-org", "assignment dave/ENTITLEMENT/gh-org/gh:dave"}
		if diff := cmp.Diff(wantRemoved, removed); diff != "" {
			t.Errorf("removed (-want +got):\n%s", diff)
		}
	})

	t.Run("a refused import applies nothing and keeps its report", func(t *testing.T) {
		st := newStore(t)
		mustImport(t, st, importInput(), certsum.ImportOptions{})
		in := importInput()
		in.Identities[1].Email = "changed@example.com"
		in.Identities[2].ManagerID = "nobody"
		in.Assignments = append(in.Assignments, in.Assignments[0])
		r, err := st.ImportInventory(ctx, in, certsum.ImportOptions{})
		mustCode(t, err, certsum.CodeInvalid)
		if r == nil || r.Status != certsum.ImportRefused || len(r.Problems) != 2 || r.Changed {
			t.Fatalf("report = %+v, want REFUSED with 2 problems and no change", r)
		}
		if p := r.Problems[0]; p.InputPos != (certsum.InputPos{File: "org.json", Line: 4, Column: 3}) ||
			!strings.Contains(p.Message, `managerId "nobody" names no identity`) {
			t.Errorf("first problem = %v, want org.json:4:3 about managerId", p)
		}
		mustVersion(t, st, 1)
		got, err := st.FindIdentity(ctx, "mgr")
		mustOK(t, err, "FindIdentity")
		if got.Email != "mario@example.com" {
			t.Errorf("refused import changed mgr's email to %q", got.Email)
		}
		kept, err := st.GetImportReport(ctx, r.ID)
		mustOK(t, err, "GetImportReport")
		if kept.Status != certsum.ImportRefused || len(kept.Problems) != 2 {
			t.Errorf("kept report = %s with %d problems, want REFUSED with 2", kept.Status, len(kept.Problems))
		}
		_, err = st.GetImportReport(ctx, "no-such-import")
		mustCode(t, err, certsum.CodeNotFound)
	})

	t.Run("an entitlement assignment without an account needs an unambiguous one", func(t *testing.T) {
		st := newStore(t)
		in := importInput()
		in.Accounts = append(in.Accounts, certsum.InputAccount{ID: "ad:ann2", SourceID: "ad", NativeIdentity: "CN=ann2", IdentityID: "ann"})
		in.Assignments = append(in.Assignments, certsum.InputAssignment{IdentityID: "ann", AccessType: certsum.TypeEntitlement,
			AccessID: "ad-users", Pos: certsum.InputPos{File: "org.json", Line: 30, Column: 3}})
		_, err := st.ImportInventory(ctx, in, certsum.ImportOptions{})
		var problems certsum.InputProblems
		if !errors.As(err, &problems) || len(problems) != 1 || problems[0].Line != 30 ||
			!strings.Contains(problems[0].Message, "has 2 accounts on source \"ad\" (ad:ann, ad:ann2)") {
			t.Fatalf("err = %v, want one problem at line 30 naming both accounts", err)
		}
		mustVersion(t, st, 0)
	})
}

func testImportKeepsWhatNoImportWrote(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	st := newStore(t)
	mustImport(t, st, importInput(), certsum.ImportOptions{})
	own := &certsum.Identity{ID: "certsum-admin", Name: "certsum administrator"}
	mustOK(t, st.CreateIdentity(ctx, own), "CreateIdentity")
	r := mustImport(t, st, importInput(), certsum.ImportOptions{})
	if r.Changed {
		t.Errorf("a snapshot removed what no import wrote: %v", r.Changes)
	}
	n, err := st.CountIdentities(ctx)
	mustOK(t, err, "CountIdentities")
	if n != 5 {
		t.Errorf("CountIdentities = %d, want the 4 imported and certsum's own", n)
	}
}
