package clienttest

import (
	"fmt"
	"time"

	"github.com/certsum/certsum"
)

// ID returns a deterministic certsum id (32 hex characters): the hex code of a kind letter
// and a number, so that ids read well in failures.
func ID(kind byte, n int) string { return fmt.Sprintf("%02x%030d", kind, n) }

// Identities every dataset has.
var (
	// AdminID is Ada Admin, the identity of Server's ORG_ADMIN client.
	AdminID = ID('i', 1)
	// ReviewerID is the identity who reviews the certifications of the Paging dataset and
	// Mia Manager in the Review dataset.
	ReviewerID = ID('i', 2)
)

// PageLimit is the page size the paging tests use; Sizes are the collection sizes around
// it that the Paging dataset provides for every list operation.
const PageLimit = 4

// Sizes are 0, 1, limit-1, limit, limit+1 and 2×limit.
var Sizes = []int{0, 1, PageLimit - 1, PageLimit, PageLimit + 1, 2 * PageLimit}

// ItemsCert is the certification of the Paging dataset with n identity summaries, n review
// items and n distinct entitlement access summaries.
func ItemsCert(n int) string { return ID('c', 100+n) }

// PermissionsCert is the certification of the Paging dataset whose item PermissionsItem(n)
// grants an entitlement with n permissions.
var PermissionsCert = ID('c', 200)

// PermissionsItem is the review item of PermissionsCert whose entitlement has n permissions.
func PermissionsItem(n int) string { return ID('t', 9000+n) }

// GroupCert is the certification of the Paging dataset reviewed by a governance group of n
// members (n ≥ 1).
func GroupCert(n int) string { return ID('c', 300+n) }

// SizedCampaign is the campaign of the Paging dataset with n certifications.
func SizedCampaign(n int) string { return ID('k', 10+n) }

// Paging is a dataset with a collection of every size in Sizes for every list operation:
// certifications (filter campaign.id eq SizedCampaign(n)), review items, identity summaries
// and entitlement access summaries (ItemsCert(n)), reviewers (GroupCert(n)) and permissions
// (PermissionsItem(n)).
func Paging() *certsum.Dataset {
	at := func(d time.Duration) certsum.Time { return certsum.NewTime(Epoch.Add(d)) }
	maxN := Sizes[len(Sizes)-1]
	src := ID('s', 1)
	inv := certsum.Inventory{
		Identities: []certsum.Identity{
			{ID: AdminID, Name: "Ada Admin", Email: "ada@acme.example"},
			{ID: ReviewerID, Name: "Rex Reviewer", Email: "rex@acme.example"},
		},
		Sources: []certsum.Source{{ID: src, Name: "Directory", Type: "Active Directory - Direct"}},
	}
	subject := func(k int) string { return ID('i', 100+k) }
	account := func(k int) string { return ID('a', k) }
	ent := func(k int) string { return ID('e', k) }
	permEnt := func(n int) string { return ID('e', 100+n) }
	for k := 1; k <= maxN; k++ {
		inv.Identities = append(inv.Identities, certsum.Identity{ID: subject(k), Name: fmt.Sprintf("Subject %02d", k)})
		inv.Accounts = append(inv.Accounts, certsum.Account{ID: account(k), NativeIdentity: fmt.Sprintf("subject%02d", k),
			Name: fmt.Sprintf("subject%02d", k), SourceID: src, IdentityID: subject(k),
			Created: at(-1000 * time.Hour), Modified: at(-100 * time.Hour), UsageDays: 10})
		inv.Entitlements = append(inv.Entitlements, certsum.Entitlement{ID: ent(k), Name: fmt.Sprintf("Group %02d", k),
			SourceID: src, AttributeName: "memberOf", AttributeValue: fmt.Sprintf("CN=Group %02d", k),
			SourceSchemaObjectType: "group", Revocable: true, Permissions: []certsum.Permission{}})
	}
	for _, n := range Sizes {
		perms := []certsum.Permission{}
		for j := 1; j <= n; j++ {
			perms = append(perms, certsum.Permission{Rights: []string{"SELECT"}, Target: fmt.Sprintf("T%02d", j)})
		}
		inv.Entitlements = append(inv.Entitlements, certsum.Entitlement{ID: permEnt(n), Name: fmt.Sprintf("Tables %d", n),
			SourceID: src, AttributeName: "grant", AttributeValue: fmt.Sprintf("TABLES_%d", n),
			SourceSchemaObjectType: "role", Revocable: true, Permissions: perms})
		if n > 0 {
			g := certsum.GovernanceGroup{ID: ID('g', n), Name: fmt.Sprintf("Group of %d", n), OwnerID: AdminID}
			for k := 1; k <= n; k++ {
				g.MemberIDs = append(g.MemberIDs, subject(k))
			}
			inv.GovernanceGroups = append(inv.GovernanceGroups, g)
		}
	}

	campaign := func(id, name string) certsum.Campaign {
		return certsum.Campaign{ID: id, Name: name, Description: nil, Deadline: certsum.TimePtr(Epoch.Add(30 * 24 * time.Hour)),
			Type: certsum.CampaignManager, Status: certsum.StatusActive, CorrelatedStatus: certsum.Correlated,
			Created: at(-48 * time.Hour), Modified: at(-48 * time.Hour), Alerts: []certsum.CampaignAlert{},
			SunsetCommentsRequired: true, MandatoryCommentRequirement: certsum.CommentsNone}
	}
	cert := func(id, name, reviewer string, rtype certsum.DtoType) certsum.Certification {
		return certsum.Certification{ID: id, Name: name, Created: at(-47 * time.Hour), Modified: at(-47 * time.Hour),
			Reviewer: certsum.Reviewer{ID: reviewer, Type: rtype}, Phase: certsum.PhaseActive,
			Due: certsum.TimePtr(Epoch.Add(30 * 24 * time.Hour))}
	}
	item := func(id, summary, access, acct string) certsum.ItemData {
		return certsum.ItemData{ID: id, IdentitySummaryID: summary, AccessType: certsum.TypeEntitlement, AccessID: access, AccountID: acct}
	}
	// oneItem is a certification reviewing Subject 01's Group 01.
	oneItem := func(id, name, reviewer string, rtype certsum.DtoType, n int) certsum.CertificationData {
		sum := ID('u', n)
		return certsum.CertificationData{Certification: cert(id, name, reviewer, rtype),
			IdentitySummaries: []certsum.IdentitySummary{{ID: sum, Name: "Subject 01", IdentityID: subject(1)}},
			Items:             []certsum.ItemData{item(ID('t', n), sum, ent(1), account(1))}}
	}

	main := certsum.CampaignData{Campaign: campaign(ID('k', 1), "Paging campaign")}
	for _, n := range Sizes {
		cd := certsum.CertificationData{Certification: cert(ItemsCert(n), fmt.Sprintf("Items %d", n), ReviewerID, certsum.TypeIdentity),
			IdentitySummaries: []certsum.IdentitySummary{}, Items: []certsum.ItemData{}}
		for k := 1; k <= n; k++ {
			sum := ID('u', 100*n+k)
			cd.IdentitySummaries = append(cd.IdentitySummaries, certsum.IdentitySummary{ID: sum, Name: fmt.Sprintf("Subject %02d", k), IdentityID: subject(k)})
			cd.Items = append(cd.Items, item(ID('t', 100*n+k), sum, ent(k), account(k)))
		}
		main.Certifications = append(main.Certifications, cd)
		if n > 0 {
			main.Certifications = append(main.Certifications,
				oneItem(GroupCert(n), fmt.Sprintf("Group review %d", n), ID('g', n), certsum.TypeGovernanceGroup, 9100+n))
		}
	}
	perm := certsum.CertificationData{Certification: cert(PermissionsCert, "Permissions", ReviewerID, certsum.TypeIdentity),
		IdentitySummaries: []certsum.IdentitySummary{{ID: ID('u', 9001), Name: "Subject 01", IdentityID: subject(1)}}}
	for _, n := range Sizes {
		perm.Items = append(perm.Items, item(PermissionsItem(n), ID('u', 9001), permEnt(n), account(1)))
	}
	main.Certifications = append(main.Certifications, perm)

	ds := &certsum.Dataset{Inventory: inv, Campaigns: []certsum.CampaignData{main}}
	for _, n := range Sizes {
		cd := certsum.CampaignData{Campaign: campaign(SizedCampaign(n), fmt.Sprintf("Campaign of %d", n))}
		for j := 1; j <= n; j++ {
			cd.Certifications = append(cd.Certifications, oneItem(ID('c', 1000+10*n+j),
				fmt.Sprintf("Campaign %d certification %d", n, j), ReviewerID, certsum.TypeIdentity, 10000+10*n+j))
		}
		ds.Campaigns = append(ds.Campaigns, cd)
	}
	return ds
}
