package demo_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
)

// mustGenerate builds a dataset and checks the invariants every dataset must hold.
func mustGenerate(t testing.TB, opts demo.Options) *certsum.Dataset {
	t.Helper()
	ds := demo.Generate(opts)
	checkReferences(t, ds)
	return ds
}

func TestGenerateIsAPureFunctionOfItsOptions(t *testing.T) {
	opts := demo.Options{Identities: 400, Seed: 42, Now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	a, b := demo.Generate(opts), demo.Generate(opts)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two datasets generated from the same options differ")
	}
	c := demo.Generate(demo.Options{Identities: 400, Seed: 43, Now: opts.Now})
	if reflect.DeepEqual(a.Identities, c.Identities) {
		t.Fatal("seeds 42 and 43 gave the same identities")
	}
	sameName := 0
	for i := range a.Identities {
		if a.Identities[i].Name == c.Identities[i].Name {
			sameName++
		}
	}
	if sameName > 20 {
		t.Errorf("seeds 42 and 43 share %d of 400 names position by position", sameName)
	}
	d := demo.Generate(demo.Options{Identities: 400, Seed: 42, Now: opts.Now.Add(time.Hour)})
	if reflect.DeepEqual(a.Campaigns[0].Campaign, d.Campaigns[0].Campaign) {
		t.Error("moving Now did not move the campaign dates")
	}
}

func TestOptionDefaults(t *testing.T) {
	ds := demo.Generate(demo.Options{})
	if len(ds.Identities) != demo.DefaultIdentities {
		t.Errorf("zero Identities gave %d identities, want %d", len(ds.Identities), demo.DefaultIdentities)
	}
	if got := ds.Campaigns[0].Campaign.Name; got != "Q4 2026 Manager Access Review" {
		t.Errorf("zero Now gave campaign %q, want the Q4 2026 review of DefaultNow", got)
	}
	if !reflect.DeepEqual(ds, demo.Generate(demo.Options{Identities: demo.DefaultIdentities, Now: demo.DefaultNow})) {
		t.Error("zero options differ from the explicit defaults")
	}
	if n := len(demo.Generate(demo.Options{Identities: 7}).Identities); n != demo.MinIdentities {
		t.Errorf("7 identities gave %d, want the minimum %d", n, demo.MinIdentities)
	}
	feb := demo.Generate(demo.Options{Identities: demo.MinIdentities, Now: time.Date(2027, 2, 3, 12, 0, 0, 0, time.FixedZone("X", 3600))})
	var names []string
	for _, c := range feb.Campaigns {
		names = append(names, c.Campaign.Name)
	}
	want := []string{"Q1 2027 Manager Access Review", "Q1 2027 Infrastructure Source Owner Review",
		"Q2 2027 Privileged Access Review", "Q4 2026 SOX Financial Systems Review"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("campaigns for February 2027 are %q, want %q", names, want)
	}
}

func TestDefaultOrganisationLooksLikeACompany(t *testing.T) {
	ds := mustGenerate(t, demo.Options{Identities: 1000, Seed: 1})
	if n := len(ds.Identities); n != 1000 {
		t.Fatalf("%d identities, want 1000", n)
	}
	if n := len(ds.Entitlements); n < 370 || n > 430 {
		t.Errorf("%d entitlements, want about 400", n)
	}
	if n := len(ds.AccessProfiles); n != 40 {
		t.Errorf("%d access profiles, want 40", n)
	}
	if n := len(ds.Roles); n != 15 {
		t.Errorf("%d roles, want 15", n)
	}
	sources := map[string]bool{}
	for _, s := range ds.Sources {
		sources[s.Name+" ("+s.Type+")"] = true
	}
	for _, want := range []string{"Active Directory (Active Directory - Direct)", "Workday (Workday)", "GitHub (GitHub)",
		"AWS IAM (Amazon Web Services)", "Salesforce (Salesforce)", "ServiceNow (ServiceNow)"} {
		if !sources[want] {
			t.Errorf("no source %s among %v", want, sources)
		}
	}
	depts := map[string]int{}
	for _, id := range ds.Identities {
		depts[id.Department]++
		if id.Title == "" {
			t.Errorf("identity %s has no title", id.Name)
		}
	}
	for _, d := range []string{"Engineering", "Sales", "Finance", "Human Resources", "Support", "Marketing", "Legal", "IT", "Operations"} {
		if depts[d] == 0 {
			t.Errorf("no one works in %s", d)
		}
	}
	if depts["Engineering"] < depts["Legal"]*5 {
		t.Errorf("department sizes are not realistic: %v", depts)
	}

	// Names and mail addresses.
	names, mails := map[string]bool{}, map[string]bool{}
	mail := regexp.MustCompile(`^[a-z][a-z-]*(\.[a-z])?\.[a-z][a-z-]*[0-9]*@acme\.com$`)
	for _, id := range ds.Identities {
		names[id.Name] = true
		if !mail.MatchString(id.Email) || mails[id.Email] {
			t.Errorf("email %q of %s is malformed or repeated", id.Email, id.Name)
		}
		mails[id.Email] = true
	}
	if len(names) < 990 {
		t.Errorf("only %d distinct names among 1000 identities", len(names))
	}

	// Entitlement realism: AD groups as distinguished names, ARNs, permissions, data access.
	var adDN, arn, perms, data, priv int
	for _, e := range ds.Entitlements {
		switch {
		case e.AttributeName == "memberOf" && strings.HasSuffix(e.AttributeValue, ",OU=Groups,DC=acme,DC=com"):
			adDN++
		case strings.HasPrefix(e.AttributeValue, "arn:aws:iam::"):
			arn++
		}
		if len(e.Permissions) > 0 {
			perms++
		}
		if e.DataAccess != nil {
			data++
		}
		if e.Privileged {
			priv++
		}
		if e.Description == nil || *e.Description == "" {
			t.Errorf("entitlement %s has no description", e.Name)
		}
	}
	if adDN < 100 || arn < 20 || perms < 20 || data < 10 || priv < 20 {
		t.Errorf("entitlements: %d AD groups, %d ARNs, %d with permissions, %d with data access, %d privileged",
			adDN, arn, perms, data, priv)
	}
	if len(ds.GovernanceGroups) == 0 || ds.GovernanceGroups[0].Name != "Security Reviewers" {
		t.Errorf("governance groups: %+v", ds.GovernanceGroups)
	}
}

func TestManagerTreeIsATreeWithRealisticSpans(t *testing.T) {
	for _, n := range []int{demo.MinIdentities, 1000, 5000} {
		ds := mustGenerate(t, demo.Options{Identities: n, Seed: 3})
		byID := map[string]int{}
		for i, id := range ds.Identities {
			byID[id.ID] = i
		}
		roots := 0
		reports := map[string]int{}
		for _, id := range ds.Identities {
			if id.ManagerID == "" {
				roots++
				continue
			}
			reports[id.ManagerID]++
			// Walk up: a tree reaches the root in fewer steps than there are people.
			cur, steps := id, 0
			for cur.ManagerID != "" && steps <= n {
				cur = ds.Identities[byID[cur.ManagerID]]
				steps++
			}
			if steps > n {
				t.Fatalf("%d identities: the management chain of %s has a cycle", n, id.Name)
			}
		}
		if roots != 1 {
			t.Errorf("%d identities: %d people have no manager, want only the CEO", n, roots)
		}
		inRange := 0
		for mgr, k := range reports {
			if k > 14 {
				t.Errorf("%d identities: %s has %d direct reports", n, ds.Identities[byID[mgr]].Name, k)
			}
			if k >= 5 && k <= 12 {
				inRange++
			}
		}
		if n >= 1000 && inRange*10 < len(reports)*7 {
			t.Errorf("%d identities: only %d of %d managers have 5–12 direct reports", n, inRange, len(reports))
		}
	}
}

func TestManagerCampaign(t *testing.T) {
	ds := mustGenerate(t, demo.Options{Identities: 1000, Seed: 1})
	now := demo.DefaultNow
	k := campaignNamed(t, ds, "Q4 2026 Manager Access Review")
	c := k.Campaign
	if c.Type != certsum.CampaignManager || c.Status != certsum.StatusActive || c.MandatoryCommentRequirement != certsum.CommentsRevokeOnly {
		t.Fatalf("campaign is %s %s %s", c.Type, c.Status, c.MandatoryCommentRequirement)
	}
	if d := c.Deadline.Sub(now); d < 18*24*time.Hour || d > 24*24*time.Hour {
		t.Errorf("deadline %s is %s after Now, want about three weeks", c.Deadline, d)
	}
	reports := map[string]map[string]bool{}
	for _, id := range ds.Identities {
		if id.ManagerID != "" {
			if reports[id.ManagerID] == nil {
				reports[id.ManagerID] = map[string]bool{}
			}
			reports[id.ManagerID][id.ID] = true
		}
	}
	if len(k.Certifications) != len(reports) {
		t.Errorf("%d certifications for %d managers", len(k.Certifications), len(reports))
	}
	seen := map[string]bool{}
	campaignTypes := map[certsum.DtoType]bool{}
	signed, items, decided, revoked, varied := 0, 0, 0, 0, 0
	for _, cd := range k.Certifications {
		cert := cd.Certification
		rev := cert.Reviewer.ID
		if seen[rev] {
			t.Errorf("manager %s has two certifications", rev)
		}
		seen[rev] = true
		covered := map[string]bool{}
		for _, s := range cd.IdentitySummaries {
			covered[s.IdentityID] = true
		}
		if !reflect.DeepEqual(covered, reports[rev]) {
			t.Errorf("certification of %s covers %d identities, not exactly the %d direct reports", cert.Reviewer.Name, len(covered), len(reports[rev]))
		}
		types := map[certsum.DtoType]bool{}
		all := true
		for _, it := range cd.Items {
			types[it.AccessType] = true
			items++
			if it.Decision == nil {
				all = false
				continue
			}
			decided++
			if it.Decision.Decision == certsum.Revoke {
				revoked++
				if it.Decision.Comments == nil || *it.Decision.Comments == "" {
					t.Errorf("revocation %s has no comment under REVOKE_ONLY_DECISIONS", it.Decision.ID)
				}
			}
			if it.Decision.DecidedAt.Before(cert.Created.Time) || it.Decision.DecidedAt.After(now) {
				t.Errorf("decision at %s outside %s..%s", it.Decision.DecidedAt, cert.Created, now)
			}
		}
		for ty := range types {
			campaignTypes[ty] = true
		}
		if len(types) >= 3 {
			varied++
		}
		switch cert.Phase {
		case certsum.PhaseSigned:
			signed++
			if !all || cert.Signed == nil || cert.Signed.After(now) || cert.Signed.Before(cert.Created.Time) {
				t.Errorf("signed certification %s: all decided %v, signed %v", cert.ID, all, cert.Signed)
			}
		case certsum.PhaseActive:
			if cert.Signed != nil {
				t.Errorf("active certification %s has a signed date", cert.ID)
			}
		default:
			t.Errorf("certification %s is %s", cert.ID, cert.Phase)
		}
	}
	if signed != 2 {
		t.Errorf("%d signed certifications, want exactly 2", signed)
	}
	if len(campaignTypes) != 4 || varied*10 < len(k.Certifications)*8 {
		t.Errorf("item types %v; %d of %d certifications have three or more", campaignTypes, varied, len(k.Certifications))
	}
	if share := float64(decided) / float64(items); share < 0.32 || share > 0.48 {
		t.Errorf("%.1f %% of %d items decided, want about 40 %%", 100*share, items)
	}
	if share := float64(revoked) / float64(decided); share < 0.03 || share > 0.25 {
		t.Errorf("%.1f %% of decisions are revocations", 100*share)
	}
	if items < 8000 || items > 25000 {
		t.Errorf("%d review items for 1,000 identities", items)
	}
}

func TestSourceOwnerCampaignCoversEveryHolder(t *testing.T) {
	ds := mustGenerate(t, demo.Options{Identities: 1000, Seed: 5})
	k := campaignNamed(t, ds, "Q4 2026 Infrastructure Source Owner Review")
	if k.Campaign.Type != certsum.CampaignSourceOwner || k.Campaign.Status != certsum.StatusActive {
		t.Fatalf("campaign is %s %s", k.Campaign.Type, k.Campaign.Status)
	}
	owner := map[string]string{}
	for _, s := range ds.Sources {
		owner[s.ID] = s.OwnerID
	}
	holders := map[string]map[string]bool{} // owner → identities holding an account on a source in the campaign
	for _, a := range ds.Accounts {
		for _, sid := range k.Campaign.SourceOwnerCampaignInfo.SourceIDs {
			if a.SourceID == sid && a.IdentityID != owner[sid] {
				if holders[owner[sid]] == nil {
					holders[owner[sid]] = map[string]bool{}
				}
				holders[owner[sid]][a.IdentityID] = true
			}
		}
	}
	if len(k.Certifications) != len(holders) {
		t.Fatalf("%d certifications for %d source owners", len(k.Certifications), len(holders))
	}
	items, decided := 0, 0
	for _, cd := range k.Certifications {
		got := map[string]bool{}
		for _, s := range cd.IdentitySummaries {
			got[s.IdentityID] = true
		}
		if !reflect.DeepEqual(got, holders[cd.Certification.Reviewer.ID]) {
			t.Errorf("certification of %s covers %d identities, want the %d holders", cd.Certification.Reviewer.Name,
				len(got), len(holders[cd.Certification.Reviewer.ID]))
		}
		for _, it := range cd.Items {
			items++
			if it.Decision != nil {
				decided++
			}
		}
	}
	if share := float64(decided) / float64(items); share < 0.34 || share > 0.46 {
		t.Errorf("%.1f %% of %d items decided, want about 40 %%", 100*share, items)
	}
}

func TestStagedAndCompletedCampaigns(t *testing.T) {
	ds := mustGenerate(t, demo.Options{Identities: 1000, Seed: 1})
	staged := campaignNamed(t, ds, "Q1 2027 Privileged Access Review")
	if staged.Campaign.Status != certsum.StatusStaged || len(staged.Certifications) == 0 {
		t.Fatalf("staged campaign: %s with %d certifications", staged.Campaign.Status, len(staged.Certifications))
	}
	groups := 0
	for _, cd := range staged.Certifications {
		if cd.Certification.Phase != certsum.PhaseStaged || cd.Certification.Due != nil {
			t.Errorf("staged certification %s is %s due %v", cd.Certification.ID, cd.Certification.Phase, cd.Certification.Due)
		}
		if cd.Certification.Reviewer.Type == certsum.TypeGovernanceGroup {
			groups++
		}
		for _, it := range cd.Items {
			if it.Decision != nil {
				t.Fatalf("staged item %s is decided", it.ID)
			}
		}
	}
	if groups != 1 {
		t.Errorf("%d staged certifications reviewed by a governance group, want 1", groups)
	}

	done := campaignNamed(t, ds, "Q3 2026 SOX Financial Systems Review")
	if done.Campaign.Status != certsum.StatusCompleted || !done.Campaign.Deadline.Before(demo.DefaultNow) {
		t.Fatalf("completed campaign: %s, deadline %s", done.Campaign.Status, done.Campaign.Deadline)
	}
	for _, cd := range done.Certifications {
		cert := cd.Certification
		if cert.Phase != certsum.PhaseSigned || cert.Signed == nil || cert.Signed.After(done.Campaign.Deadline.Time) {
			t.Errorf("certification %s of the completed campaign: %s, signed %v", cert.ID, cert.Phase, cert.Signed)
		}
		for _, it := range cd.Items {
			if it.Decision == nil {
				t.Fatalf("item %s of the completed campaign is undecided", it.ID)
			}
			if it.Decision.DecidedAt.After(cert.Signed.Time) {
				t.Errorf("item %s decided at %s after sign-off at %s", it.ID, it.Decision.DecidedAt, cert.Signed)
			}
		}
	}
}

func TestItemCountsScaleLinearly(t *testing.T) {
	count := func(n int) (items, largest, largestIDs int, largestName string) {
		ds := mustGenerate(t, demo.Options{Identities: n, Seed: 1})
		for _, k := range ds.Campaigns {
			for _, cd := range k.Certifications {
				items += len(cd.Items)
				if len(cd.Items) > largest {
					largest, largestIDs, largestName = len(cd.Items), len(cd.IdentitySummaries), cd.Certification.Name
				}
			}
		}
		return
	}
	small, _, _, _ := count(1000)
	if small < 15000 || small > 60000 {
		t.Errorf("1,000 identities give %d review items, want a few tens of thousands", small)
	}
	big, largest, ids, name := count(5000)
	if r := float64(big) / float64(small); r < 4 || r > 6 {
		t.Errorf("5× the identities gave %.1f× the review items", r)
	}
	// The Active Directory owner's certification is the largest and grows with the
	// company: at 5,000 identities it must already hold the share that makes 100,000
	// identities reach ≥ 50,000 identities and ≥ 1,000,000 items, with a margin (see
	// BenchmarkGenerate100k).
	if !strings.Contains(name, "[Active Directory") || ids < 2500 || largest < 55000 {
		t.Errorf("largest certification %q has %d identities and %d items", name, ids, largest)
	}
}

// BenchmarkGenerate100k measures the 100,000-identity dataset that `certsum demo
// --identities 100000` loads, and checks its largest certification:
//
//	go test -run '^$' -bench Generate100k -benchtime 1x ./internal/demo
func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		ds := demo.Generate(demo.Options{Identities: 100000, Seed: 1})
		b.StopTimer()
		s := demo.Summarize(ds)
		if s.Largest.Identities < 50000 || s.Largest.Items < 1_000_000 || !strings.Contains(s.Largest.Name, "[Active Directory") {
			b.Fatalf("largest certification %q: %d identities, %d items", s.Largest.Name, s.Largest.Identities, s.Largest.Items)
		}
		b.ReportMetric(float64(s.Items), "items")
		b.ReportMetric(float64(s.Largest.Items), "largest-items")
		b.ReportMetric(float64(s.Largest.Identities), "largest-identities")
		b.StartTimer()
	}
}

func campaignNamed(t testing.TB, ds *certsum.Dataset, name string) certsum.CampaignData {
	t.Helper()
	for _, k := range ds.Campaigns {
		if k.Campaign.Name == name {
			return k
		}
	}
	t.Fatalf("no campaign %q", name)
	return certsum.CampaignData{}
}

// checkReferences verifies that every id is well formed and unique and that every reference
// names an object of the right kind: what Store.Load needs to accept the dataset.
func checkReferences(t testing.TB, ds *certsum.Dataset) {
	t.Helper()
	ids := map[string]string{}
	fail := 0
	errorf := func(format string, args ...any) {
		t.Helper()
		if fail++; fail <= 10 {
			t.Errorf(format, args...)
		}
	}
	claim := func(kind, id string) {
		t.Helper()
		if !certsum.ValidID(id) {
			errorf("%s id %q is not 32 lowercase hex characters", kind, id)
		}
		if prev, dup := ids[id]; dup {
			errorf("%s id %s is also a %s id", kind, id, prev)
		}
		ids[id] = kind
	}
	is := func(kind, id string) bool { return ids[id] == kind }
	for _, x := range ds.Identities {
		claim("identity", x.ID)
	}
	for _, x := range ds.Identities {
		if x.ManagerID != "" && !is("identity", x.ManagerID) {
			errorf("identity %s: manager %q unknown", x.ID, x.ManagerID)
		}
	}
	for _, x := range ds.GovernanceGroups {
		claim("group", x.ID)
		if len(x.MemberIDs) == 0 {
			errorf("group %s has no members", x.Name)
		}
		for _, m := range x.MemberIDs {
			if !is("identity", m) {
				errorf("group %s: member %q unknown", x.Name, m)
			}
		}
	}
	sourceOf := map[string]string{}
	for _, x := range ds.Sources {
		claim("source", x.ID)
		if !is("identity", x.OwnerID) {
			errorf("source %s: owner %q unknown", x.Name, x.OwnerID)
		}
	}
	accountOf := map[[2]string]string{} // identity, source → account
	ownerOf := map[string]string{}
	for _, x := range ds.Accounts {
		claim("account", x.ID)
		if !is("source", x.SourceID) || !is("identity", x.IdentityID) {
			errorf("account %s: source %q or identity %q unknown", x.ID, x.SourceID, x.IdentityID)
		}
		k := [2]string{x.IdentityID, x.SourceID}
		if _, dup := accountOf[k]; dup {
			errorf("identity %s has two accounts on source %s", x.IdentityID, x.SourceID)
		}
		accountOf[k] = x.ID
		ownerOf[x.ID] = x.IdentityID
		if x.UsageDays < -1 || x.UsageDays > 90 || x.Modified.Before(x.Created.Time) {
			errorf("account %s: usage %d, created %s, modified %s", x.ID, x.UsageDays, x.Created, x.Modified)
		}
	}
	for _, x := range ds.Entitlements {
		claim("entitlement", x.ID)
		sourceOf[x.ID] = x.SourceID
		if !is("source", x.SourceID) || !is("identity", x.OwnerID) {
			errorf("entitlement %s: source %q or owner %q unknown", x.Name, x.SourceID, x.OwnerID)
		}
		if x.Permissions == nil {
			errorf("entitlement %s: nil permissions", x.Name)
		}
	}
	for _, x := range ds.AccessProfiles {
		claim("access profile", x.ID)
		for _, e := range x.EntitlementIDs {
			if !is("entitlement", e) || sourceOf[e] != x.SourceID {
				errorf("access profile %s: entitlement %q unknown or of another source", x.Name, e)
			}
		}
	}
	for _, x := range ds.Roles {
		claim("role", x.ID)
		for _, a := range x.AccessProfileIDs {
			if !is("access profile", a) {
				errorf("role %s: access profile %q unknown", x.Name, a)
			}
		}
		for _, e := range x.EntitlementIDs {
			if !is("entitlement", e) {
				errorf("role %s: entitlement %q unknown", x.Name, e)
			}
		}
	}
	for _, k := range ds.Campaigns {
		claim("campaign", k.Campaign.ID)
		if k.Campaign.SourceOwnerCampaignInfo != nil {
			for _, s := range k.Campaign.SourceOwnerCampaignInfo.SourceIDs {
				if !is("source", s) {
					errorf("campaign %s: source %q unknown", k.Campaign.Name, s)
				}
			}
		}
		for _, cd := range k.Certifications {
			cert := cd.Certification
			claim("certification", cert.ID)
			switch cert.Reviewer.Type {
			case certsum.TypeIdentity:
				if !is("identity", cert.Reviewer.ID) {
					errorf("certification %s: reviewer %q unknown", cert.ID, cert.Reviewer.ID)
				}
			case certsum.TypeGovernanceGroup:
				if !is("group", cert.Reviewer.ID) {
					errorf("certification %s: reviewer group %q unknown", cert.ID, cert.Reviewer.ID)
				}
			default:
				errorf("certification %s: reviewer type %q", cert.ID, cert.Reviewer.Type)
			}
			if cert.Campaign.ID != k.Campaign.ID {
				errorf("certification %s names campaign %s", cert.ID, cert.Campaign.ID)
			}
			identityOf := map[string]string{}
			for _, s := range cd.IdentitySummaries {
				claim("identity summary", s.ID)
				if !is("identity", s.IdentityID) {
					errorf("identity summary %s: identity %q unknown", s.ID, s.IdentityID)
				}
				identityOf[s.ID] = s.IdentityID
			}
			withItems := map[string]bool{}
			access := map[[3]string]bool{}
			for _, it := range cd.Items {
				claim("review item", it.ID)
				identity, ok := identityOf[it.IdentitySummaryID]
				if !ok {
					errorf("item %s: identity summary %q not in certification %s", it.ID, it.IdentitySummaryID, cert.ID)
				}
				withItems[it.IdentitySummaryID] = true
				key := [3]string{it.IdentitySummaryID, string(it.AccessType), it.AccessID}
				if access[key] {
					errorf("item %s repeats %s %s for one identity", it.ID, it.AccessType, it.AccessID)
				}
				access[key] = true
				switch it.AccessType {
				case certsum.TypeRole:
					ok = is("role", it.AccessID) && it.AccountID == ""
				case certsum.TypeAccessProfile:
					ok = is("access profile", it.AccessID) && it.AccountID == ""
				case certsum.TypeEntitlement:
					ok = is("entitlement", it.AccessID) && it.AccountID == accountOf[[2]string{identity, sourceOf[it.AccessID]}] && it.AccountID != ""
				case certsum.TypeAccount:
					ok = is("account", it.AccessID) && ownerOf[it.AccessID] == identity
				default:
					ok = false
				}
				if !ok {
					errorf("item %s: %s %q (account %q) is not held by identity %s", it.ID, it.AccessType, it.AccessID, it.AccountID, identity)
				}
				if d := it.Decision; d != nil {
					claim("decision", d.ID)
					if d.DecidedBy != cert.Reviewer.ID || d.ItemID != it.ID || d.CertificationID != cert.ID || !d.Decision.Valid() {
						errorf("decision %s: by %s on %s/%s is %s", d.ID, d.DecidedBy, d.CertificationID, d.ItemID, d.Decision)
					}
					if d.ProposedEndDate != nil && d.Decision != certsum.Revoke {
						errorf("decision %s approves with a proposed end date", d.ID)
					}
				}
			}
			for _, s := range cd.IdentitySummaries {
				if !withItems[s.ID] {
					errorf("identity summary %s of certification %s has no items", s.ID, cert.ID)
				}
			}
		}
	}
}
