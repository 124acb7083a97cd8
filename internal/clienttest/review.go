package clienttest

import (
	"time"

	"github.com/certsum/certsum"
)

// Ids of the Review dataset.
var (
	// ReviewCert is Mia Manager's certification: Sam and Sue, items of every access type,
	// one of them approved.
	ReviewCert = ID('c', 1)
	// OtherCert is Olaf Other's certification: two undecided entitlements of Sid, in
	// another campaign.
	OtherCert = ID('c', 2)
	// ReviewSumSam is Sam Staff's identity summary in ReviewCert.
	ReviewSumSam = ID('u', 1)
	// ReviewSumSue is Sue Staff's identity summary in ReviewCert.
	ReviewSumSue = ID('u', 2)
	// ItemSamRole is Sam's Engineer role in ReviewCert.
	ItemSamRole = ID('t', 1)
	// ItemSamProfile is Sam's AD Basics access profile in ReviewCert.
	ItemSamProfile = ID('t', 2)
	// ItemSamAdmins is Sam's Domain Admins entitlement in ReviewCert.
	ItemSamAdmins = ID('t', 3)
	// ItemSamOrders is Sam's Orders Writer entitlement in ReviewCert (it has permissions).
	ItemSamOrders = ID('t', 4)
	// ItemSamAccount is Sam's Orders DB account in ReviewCert.
	ItemSamAccount = ID('t', 5)
	// ItemSueAdmins is Sue's Domain Admins entitlement in ReviewCert, approved.
	ItemSueAdmins = ID('t', 6)
	// ItemSueOrders is Sue's Orders Writer entitlement in ReviewCert.
	ItemSueOrders = ID('t', 7)
	// ItemSueRole is Sue's Engineer role in ReviewCert.
	ItemSueRole = ID('t', 8)
	// ItemSidVPN is Sid's VPN Users entitlement in OtherCert.
	ItemSidVPN = ID('t', 9)
	// ItemSidAdmins is Sid's Domain Admins entitlement in OtherCert.
	ItemSidAdmins = ID('t', 10)
)

// Review is a small organisation for readable outputs: Mia Manager (ReviewerID) reviews Sam
// and Sue, whose items cover roles, access profiles, entitlements and accounts; Olaf Other
// reviews Sid in a second campaign.
func Review() *certsum.Dataset {
	at := func(d time.Duration) certsum.Time { return certsum.NewTime(Epoch.Add(d)) }
	str := func(s string) *string { return &s }
	var (
		olaf, sam, sue, sid = ID('i', 3), ID('i', 4), ID('i', 5), ID('i', 6)
		ad, db              = ID('s', 1), ID('s', 2)
		admins, orders, vpn = ID('e', 1), ID('e', 2), ID('e', 3)
		basics, engineer    = ID('p', 1), ID('r', 1)
	)
	acct := func(n int, src, who, native string) certsum.Account {
		return certsum.Account{ID: ID('a', n), NativeIdentity: native, Name: native, SourceID: src, IdentityID: who,
			Created: at(-900 * time.Hour), Modified: at(-100 * time.Hour), UsageDays: 42}
	}
	inv := certsum.Inventory{
		Identities: []certsum.Identity{
			{ID: AdminID, Name: "Ada Admin", Email: "ada@acme.example"},
			{ID: ReviewerID, Name: "Mia Manager", Email: "mia@acme.example", ManagerID: AdminID},
			{ID: olaf, Name: "Olaf Other", Email: "olaf@acme.example", ManagerID: AdminID},
			{ID: sam, Name: "Sam Staff", Email: "sam@acme.example", ManagerID: ReviewerID},
			{ID: sue, Name: "Sue Staff", Email: "sue@acme.example", ManagerID: ReviewerID},
			{ID: sid, Name: "Sid Staff", Email: "sid@acme.example", ManagerID: olaf},
		},
		Sources: []certsum.Source{
			{ID: ad, Name: "Active Directory", Type: "Active Directory - Direct", OwnerID: AdminID},
			{ID: db, Name: "Orders DB", Type: "JDBC", OwnerID: AdminID},
		},
		Accounts: []certsum.Account{
			acct(1, ad, sam, "CN=Sam Staff,OU=Users"), acct(2, db, sam, "SSTAFF"),
			acct(3, ad, sue, "CN=Sue Staff,OU=Users"), acct(4, db, sue, "USTAFF"),
			acct(5, ad, sid, "CN=Sid Staff,OU=Users"),
		},
		Entitlements: []certsum.Entitlement{
			{ID: admins, Name: "Domain Admins", Description: str("Full control of the domain"), SourceID: ad,
				AttributeName: "memberOf", AttributeValue: "CN=Domain Admins,OU=Groups", SourceSchemaObjectType: "group",
				OwnerID: AdminID, Privileged: true, Revocable: true, Permissions: []certsum.Permission{}},
			{ID: orders, Name: "Orders Writer", SourceID: db, AttributeName: "role", AttributeValue: "ORDERS_RW",
				SourceSchemaObjectType: "role", OwnerID: AdminID, Revocable: true,
				Permissions: []certsum.Permission{
					{Rights: []string{"SELECT", "INSERT", "UPDATE"}, Target: "SYS.ORDERS"},
					{Rights: []string{"SELECT"}, Target: "SYS.CUSTOMERS"},
				}},
			{ID: vpn, Name: "VPN Users", SourceID: ad, AttributeName: "memberOf", AttributeValue: "CN=VPN Users,OU=Groups",
				SourceSchemaObjectType: "group", Revocable: true, Permissions: []certsum.Permission{}},
		},
		AccessProfiles: []certsum.AccessProfile{{ID: basics, Name: "AD Basics", Description: "VPN and admin groups",
			SourceID: ad, OwnerID: AdminID, EntitlementIDs: []string{vpn, admins},
			Created: at(-2000 * time.Hour), Modified: at(-1000 * time.Hour)}},
		Roles: []certsum.Role{{ID: engineer, Name: "Engineer", Description: "Engineering staff", OwnerID: AdminID,
			Revocable: true, AccessProfileIDs: []string{basics}, EntitlementIDs: []string{orders}}},
	}
	campaign := func(id, name string) certsum.Campaign {
		return certsum.Campaign{ID: id, Name: name, Description: str(name + " of Acme"),
			Deadline: certsum.TimePtr(Epoch.Add(21 * 24 * time.Hour)), Type: certsum.CampaignManager,
			Status: certsum.StatusActive, CorrelatedStatus: certsum.Correlated, Created: at(-48 * time.Hour),
			Modified: at(-48 * time.Hour), Alerts: []certsum.CampaignAlert{}, SunsetCommentsRequired: true,
			MandatoryCommentRequirement: certsum.CommentsRevokeOnly}
	}
	cert := func(id, name, reviewer string) certsum.Certification {
		return certsum.Certification{ID: id, Name: name, Created: at(-47 * time.Hour), Modified: at(-47 * time.Hour),
			Reviewer: certsum.Reviewer{ID: reviewer, Type: certsum.TypeIdentity}, Phase: certsum.PhaseActive,
			Due: certsum.TimePtr(Epoch.Add(21 * 24 * time.Hour))}
	}
	item := func(id, summary string, t certsum.DtoType, access, account string) certsum.ItemData {
		return certsum.ItemData{ID: id, IdentitySummaryID: summary, AccessType: t, AccessID: access, AccountID: account}
	}
	approved := item(ItemSueAdmins, ReviewSumSue, certsum.TypeEntitlement, admins, ID('a', 3))
	approved.Decision = &certsum.DecisionRecord{ID: ID('d', 1), DecidedBy: ReviewerID, DecidedAt: at(-time.Hour),
		Decision: certsum.Approve, Comments: str("still runs the domain")}
	sumSid := ID('u', 3)
	return &certsum.Dataset{Inventory: inv, Campaigns: []certsum.CampaignData{
		{Campaign: campaign(ID('k', 1), "Q1 2030 Manager Review"), Certifications: []certsum.CertificationData{{
			Certification: cert(ReviewCert, "Mia Manager's access review", ReviewerID),
			IdentitySummaries: []certsum.IdentitySummary{
				{ID: ReviewSumSam, Name: "Sam Staff", IdentityID: sam},
				{ID: ReviewSumSue, Name: "Sue Staff", IdentityID: sue},
			},
			Items: []certsum.ItemData{
				item(ItemSamRole, ReviewSumSam, certsum.TypeRole, engineer, ""),
				item(ItemSamProfile, ReviewSumSam, certsum.TypeAccessProfile, basics, ""),
				item(ItemSamAdmins, ReviewSumSam, certsum.TypeEntitlement, admins, ID('a', 1)),
				item(ItemSamOrders, ReviewSumSam, certsum.TypeEntitlement, orders, ID('a', 2)),
				item(ItemSamAccount, ReviewSumSam, certsum.TypeAccount, ID('a', 2), ""),
				approved,
				item(ItemSueOrders, ReviewSumSue, certsum.TypeEntitlement, orders, ID('a', 4)),
				item(ItemSueRole, ReviewSumSue, certsum.TypeRole, engineer, ""),
			},
		}}},
		{Campaign: campaign(ID('k', 2), "Privileged Access Review"), Certifications: []certsum.CertificationData{{
			Certification:     cert(OtherCert, "Olaf Other's access review", olaf),
			IdentitySummaries: []certsum.IdentitySummary{{ID: sumSid, Name: "Sid Staff", IdentityID: sid}},
			Items: []certsum.ItemData{
				item(ItemSidVPN, sumSid, certsum.TypeEntitlement, vpn, ID('a', 5)),
				item(ItemSidAdmins, sumSid, certsum.TypeEntitlement, admins, ID('a', 5)),
			},
		}}},
	}}
}
