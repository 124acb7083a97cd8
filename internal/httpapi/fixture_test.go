package httpapi

import (
	"fmt"
	"time"

	"github.com/certsum/certsum"
)

// fixtureNow anchors every time of the fixture and the test clock.
var fixtureNow = time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)

// fid returns a deterministic 32-hex id: a kind letter's code and a number, so ids read
// well in failures.
func fid(kind byte, n int) string { return fmt.Sprintf("%02x%030d", kind, n) }

// Fixture ids.
var (
	idAdmin    = fid('i', 1)
	idMia      = fid('i', 2) // reviews certA, certC and the staged certS
	idOlaf     = fid('i', 3) // reviews certB
	idGina     = fid('i', 4) // member of the Security Reviewers group
	idGus      = fid('i', 5) // member of the Security Reviewers group
	idSam      = fid('i', 6)
	idSue      = fid('i', 7)
	idSid      = fid('i', 8)
	idRita     = fid('i', 9) // reassign target
	idGroup    = fid('g', 1)
	idSrcAD    = fid('s', 1)
	idSrcDB    = fid('s', 2)
	idEntAdm   = fid('e', 1) // AD Domain Admins, privileged
	idEntOrd   = fid('e', 2) // DB orders access, with permissions
	idEntVPN   = fid('e', 3) // AD VPN users
	idAPAD     = fid('p', 1) // AD basics: VPN + Domain Admins
	idRoleEng  = fid('r', 1) // Engineer: AD basics + orders
	idCampA    = fid('k', 1) // ACTIVE, REVOKE_ONLY_DECISIONS
	idCampC    = fid('k', 2) // ACTIVE, ALL_DECISIONS
	idCampS    = fid('k', 3) // STAGED
	idCertA    = fid('c', 1)
	idCertB    = fid('c', 2)
	idCertG    = fid('c', 3) // reviewed by the governance group
	idCertC    = fid('c', 4)
	idCertS    = fid('c', 5) // STAGED
	idSumSam   = fid('u', 1) // certA
	idSumSue   = fid('u', 2) // certA
	idSumSidB  = fid('u', 3) // certB
	idSumSidG  = fid('u', 4) // certG
	idSumSidC  = fid('u', 5) // certC
	idSumSamS  = fid('u', 6) // certS
	idAcctSamA = fid('a', 1)
	idAcctSamD = fid('a', 2)
	idAcctSueA = fid('a', 3)
	idAcctSueD = fid('a', 4)
	idAcctSidA = fid('a', 5)
	idAcctSidD = fid('a', 6)
)

// Review item ids of certA: Sam × role, access profile, two entitlements and an account;
// Sue × two entitlements (one approved) and the role.
var (
	itemSamRole = fid('t', 1)
	itemSamAP   = fid('t', 2)
	itemSamAdm  = fid('t', 3)
	itemSamOrd  = fid('t', 4)
	itemSamAcct = fid('t', 5)
	itemSueAdm  = fid('t', 6) // approved in the fixture
	itemSueOrd  = fid('t', 7)
	itemSueRole = fid('t', 8)
	itemSidVPNB = fid('t', 9)  // certB
	itemSidAdmB = fid('t', 10) // certB
	itemSidOrdG = fid('t', 11) // certG
	itemSidVPNC = fid('t', 12) // certC
	itemSamVPNS = fid('t', 13) // certS
)

func strp(s string) *string { return &s }

// fixtureDataset is a small organisation with every case the handlers distinguish: a
// reviewer with two active certifications and a staged one, a certification of another
// reviewer, one reviewed by a governance group, a campaign that requires comments on every
// decision, items of every access type, an entitlement with permissions, and one decided item.
func fixtureDataset() *certsum.Dataset {
	at := func(d time.Duration) certsum.Time { return certsum.NewTime(fixtureNow.Add(d)) }
	ident := func(id, name, mgr string) certsum.Identity {
		return certsum.Identity{ID: id, Name: name, Email: "person." + id[28:] + "@acme.example", ManagerID: mgr, Department: "Engineering", Title: "Engineer"}
	}
	acct := func(id, src, who, native string) certsum.Account {
		return certsum.Account{ID: id, NativeIdentity: native, Name: native, SourceID: src, IdentityID: who,
			Created: at(-900 * time.Hour), Modified: at(-100 * time.Hour), UsageDays: 42}
	}
	inv := certsum.Inventory{
		Identities: []certsum.Identity{
			ident(idAdmin, "Ada Admin", ""), ident(idMia, "Mia Manager", idAdmin), ident(idOlaf, "Olaf Other", idAdmin),
			ident(idGina, "Gina Group", idAdmin), ident(idGus, "Gus Group", idAdmin),
			ident(idSam, "Sam Staff", idMia), ident(idSue, "Sue Staff", idMia), ident(idSid, "Sid Staff", idOlaf),
			ident(idRita, "Rita Reassign", idAdmin),
		},
		GovernanceGroups: []certsum.GovernanceGroup{{ID: idGroup, Name: "Security Reviewers", OwnerID: idAdmin, MemberIDs: []string{idGina, idGus}}},
		Sources: []certsum.Source{
			{ID: idSrcAD, Name: "Active Directory", Type: "Active Directory - Direct", OwnerID: idAdmin},
			{ID: idSrcDB, Name: "Orders DB", Type: "JDBC", OwnerID: idAdmin},
		},
		Accounts: []certsum.Account{
			acct(idAcctSamA, idSrcAD, idSam, "CN=Sam Staff,OU=Users,DC=acme,DC=com"), acct(idAcctSamD, idSrcDB, idSam, "SSTAFF"),
			acct(idAcctSueA, idSrcAD, idSue, "CN=Sue Staff,OU=Users,DC=acme,DC=com"), acct(idAcctSueD, idSrcDB, idSue, "USTAFF"),
			acct(idAcctSidA, idSrcAD, idSid, "CN=Sid Staff,OU=Users,DC=acme,DC=com"), acct(idAcctSidD, idSrcDB, idSid, "ISTAFF"),
		},
		Entitlements: []certsum.Entitlement{
			{ID: idEntAdm, Name: "Domain Admins", Description: strp("Full control of the domain"), SourceID: idSrcAD,
				AttributeName: "memberOf", AttributeValue: "CN=Domain Admins,OU=Groups,DC=acme,DC=com", SourceSchemaObjectType: "group",
				OwnerID: idAdmin, Privileged: true, Revocable: true, Permissions: []certsum.Permission{}},
			{ID: idEntOrd, Name: "Orders Writer", SourceID: idSrcDB, AttributeName: "role", AttributeValue: "ORDERS_RW",
				SourceSchemaObjectType: "role", OwnerID: idAdmin, Revocable: true,
				Permissions: []certsum.Permission{
					{Rights: []string{"SELECT", "INSERT", "UPDATE"}, Target: "SYS.ORDERS"},
					{Rights: []string{"SELECT"}, Target: "SYS.CUSTOMERS"},
					{Rights: []string{"SELECT", "DELETE"}, Target: "AUDIT.ORDER_LOG"},
				}},
			{ID: idEntVPN, Name: "VPN Users", SourceID: idSrcAD, AttributeName: "memberOf",
				AttributeValue: "CN=VPN Users,OU=Groups,DC=acme,DC=com", SourceSchemaObjectType: "group", Revocable: true,
				Permissions: []certsum.Permission{}},
		},
		AccessProfiles: []certsum.AccessProfile{{ID: idAPAD, Name: "AD Basics", Description: "VPN and admin groups", SourceID: idSrcAD,
			OwnerID: idAdmin, EntitlementIDs: []string{idEntVPN, idEntAdm}, Created: at(-2000 * time.Hour), Modified: at(-1000 * time.Hour)}},
		Roles: []certsum.Role{{ID: idRoleEng, Name: "Engineer", Description: "Engineering staff", OwnerID: idAdmin, Revocable: true,
			AccessProfileIDs: []string{idAPAD}, EntitlementIDs: []string{idEntOrd}}},
	}

	campaign := func(id, name string, status certsum.CampaignStatus, req certsum.CommentRequirement) certsum.Campaign {
		return certsum.Campaign{ID: id, Name: name, Description: strp(name + " of the fixture"), Deadline: certsum.TimePtr(fixtureNow.Add(21 * 24 * time.Hour)),
			Type: certsum.CampaignManager, Status: status, CorrelatedStatus: certsum.Correlated, Created: at(-48 * time.Hour),
			Modified: at(-48 * time.Hour), Alerts: []certsum.CampaignAlert{}, SunsetCommentsRequired: true, MandatoryCommentRequirement: req}
	}
	cert := func(id, name, reviewer string, rtype certsum.DtoType, phase certsum.Phase) certsum.Certification {
		c := certsum.Certification{ID: id, Name: name, Created: at(-47 * time.Hour), Modified: at(-47 * time.Hour),
			Reviewer: certsum.Reviewer{ID: reviewer, Type: rtype}, Phase: phase}
		if phase == certsum.PhaseActive {
			c.Due = certsum.TimePtr(fixtureNow.Add(21 * 24 * time.Hour))
		}
		return c
	}
	sum := func(id, name, identity string) certsum.IdentitySummary {
		return certsum.IdentitySummary{ID: id, Name: name, IdentityID: identity}
	}
	item := func(id, summary string, t certsum.DtoType, access, account string) certsum.ItemData {
		return certsum.ItemData{ID: id, IdentitySummaryID: summary, AccessType: t, AccessID: access, AccountID: account}
	}
	approved := item(itemSueAdm, idSumSue, certsum.TypeEntitlement, idEntAdm, idAcctSueA)
	approved.Decision = &certsum.DecisionRecord{ID: fid('d', 1), DecidedBy: idMia, DecidedAt: at(-time.Hour),
		Decision: certsum.Approve, Bulk: false, Comments: strp("still administers the domain")}

	return &certsum.Dataset{
		Inventory: inv,
		Campaigns: []certsum.CampaignData{
			{Campaign: campaign(idCampA, "Q1 2030 Manager Review", certsum.StatusActive, certsum.CommentsRevokeOnly),
				Certifications: []certsum.CertificationData{
					{Certification: cert(idCertA, "Mia Manager's access review", idMia, certsum.TypeIdentity, certsum.PhaseActive),
						IdentitySummaries: []certsum.IdentitySummary{sum(idSumSam, "Sam Staff", idSam), sum(idSumSue, "Sue Staff", idSue)},
						Items: []certsum.ItemData{
							item(itemSamRole, idSumSam, certsum.TypeRole, idRoleEng, ""),
							item(itemSamAP, idSumSam, certsum.TypeAccessProfile, idAPAD, ""),
							item(itemSamAdm, idSumSam, certsum.TypeEntitlement, idEntAdm, idAcctSamA),
							item(itemSamOrd, idSumSam, certsum.TypeEntitlement, idEntOrd, idAcctSamD),
							item(itemSamAcct, idSumSam, certsum.TypeAccount, idAcctSamD, ""),
							approved,
							item(itemSueOrd, idSumSue, certsum.TypeEntitlement, idEntOrd, idAcctSueD),
							item(itemSueRole, idSumSue, certsum.TypeRole, idRoleEng, ""),
						}},
					{Certification: cert(idCertB, "Olaf Other's access review", idOlaf, certsum.TypeIdentity, certsum.PhaseActive),
						IdentitySummaries: []certsum.IdentitySummary{sum(idSumSidB, "Sid Staff", idSid)},
						Items: []certsum.ItemData{
							item(itemSidVPNB, idSumSidB, certsum.TypeEntitlement, idEntVPN, idAcctSidA),
							item(itemSidAdmB, idSumSidB, certsum.TypeEntitlement, idEntAdm, idAcctSidA),
						}},
					{Certification: cert(idCertG, "Security Reviewers' access review", idGroup, certsum.TypeGovernanceGroup, certsum.PhaseActive),
						IdentitySummaries: []certsum.IdentitySummary{sum(idSumSidG, "Sid Staff", idSid)},
						Items:             []certsum.ItemData{item(itemSidOrdG, idSumSidG, certsum.TypeEntitlement, idEntOrd, idAcctSidD)}},
				}},
			{Campaign: campaign(idCampC, "Privileged Access Review", certsum.StatusActive, certsum.CommentsAll),
				Certifications: []certsum.CertificationData{
					{Certification: cert(idCertC, "Mia Manager's privileged review", idMia, certsum.TypeIdentity, certsum.PhaseActive),
						IdentitySummaries: []certsum.IdentitySummary{sum(idSumSidC, "Sid Staff", idSid)},
						Items:             []certsum.ItemData{item(itemSidVPNC, idSumSidC, certsum.TypeEntitlement, idEntVPN, idAcctSidA)}},
				}},
			{Campaign: campaign(idCampS, "Q2 2030 Manager Review", certsum.StatusStaged, certsum.CommentsNone),
				Certifications: []certsum.CertificationData{
					{Certification: cert(idCertS, "Mia Manager's next review", idMia, certsum.TypeIdentity, certsum.PhaseStaged),
						IdentitySummaries: []certsum.IdentitySummary{sum(idSumSamS, "Sam Staff", idSam)},
						Items:             []certsum.ItemData{item(itemSamVPNS, idSumSamS, certsum.TypeEntitlement, idEntVPN, idAcctSamA)}},
				}},
		},
	}
}
