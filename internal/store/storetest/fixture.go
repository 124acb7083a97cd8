package storetest

import (
	"fmt"
	"time"

	"github.com/certsum/certsum"
)

// Ids of the fixture's objects that the tests name.
const (
	idRita  = "id-rita"  // reviews certActive, certStaged and certDone
	idSam   = "id-sam"   // reviews certSigned and certRevoke
	idCara  = "id-cara"  // reviews certAll; has no email
	idNora  = "id-nora"  // reviews nothing: the reassignment target
	idGwen  = "id-gwen"  // member of groupReviewers
	idGus   = "id-gus"   // member of groupReviewers
	idAnn1  = "id-ann1"  // "Ann Lee", member of groupReviewers
	idAnn2  = "id-ann2"  // "Ann Lee" as well: names are not unique
	idOscar = "id-oscar" // in no certification

	groupReviewers = "gg-reviewers"

	campaignManager = "k-manager" // ACTIVE: certActive, certGroup, certSigned
	campaignStaged  = "k-staged"  // STAGED: certStaged
	campaignAll     = "k-all"     // ACTIVE, ALL_DECISIONS: certAll
	campaignRevoke  = "k-revoke"  // ACTIVE, REVOKE_ONLY_DECISIONS: certRevoke
	campaignDone    = "k-done"    // COMPLETED: certDone

	certActive = "c-active" // ACTIVE, reviewer idRita, the busiest certification
	certGroup  = "c-group"  // ACTIVE, reviewer groupReviewers
	certSigned = "c-signed" // SIGNED, reviewer idSam, every item decided
	certStaged = "c-staged" // STAGED, reviewer idRita
	certAll    = "c-all"    // ACTIVE, reviewer idCara, comments on every decision
	certRevoke = "c-revoke" // ACTIVE, reviewer idSam, comments on revocations
	certDone   = "c-done"   // SIGNED, reviewer idRita

	entAdmins = "ent-admins" // Domain Admins: five permissions, data access
	entUsers  = "ent-users"  // no permissions
)

// fixtureZone is the odd offset every fixture time is written in, with nanoseconds, so that
// the UTC, millisecond round trip shows.
var fixtureZone = time.FixedZone("UTC+05:30", 5*3600+30*60)

// at returns a fixture instant: day d of February 2026 plus minutes m, in fixtureZone, with
// sub-millisecond digits that storage must drop.
func at(d, m int) certsum.Time {
	return certsum.Time{Time: time.Date(2026, time.February, d, 9, m, 7, 123456789, fixtureZone)}
}

func atPtr(d, m int) *certsum.Time { t := at(d, m); return &t }

func strPtr(s string) *string { return &s }

// subjects are the identities under review: names that probe case folding (ASCII only),
// byte order ('Z' < 'a' < 'É'), LIKE metacharacters, a backslash, a quote and a tie.
var subjects = []certsum.Identity{
	{ID: "id-al", Name: "Al", Email: "al@example.com"},
	{ID: "id-alan", Name: "Alan", Email: "ALAN@example.com"},
	{ID: "id-alanb", Name: "alan b"},
	{ID: "id-emile", Name: "Émile Zola", Email: "emile@example.com"},
	{ID: "id-emile2", Name: "émile zola"},
	{ID: "id-pct", Name: "100%_Pure", Email: "pct@example.com"},
	{ID: "id-under", Name: "100_Pure"},
	{ID: "id-bs", Name: `Back\slash`},
	{ID: idAnn1, Name: "Ann Lee", Email: "ann1@example.com"},
	{ID: idAnn2, Name: "Ann Lee", Email: "ann2@example.com"},
	{ID: "id-zed", Name: "Zed", Email: "zed@example.com"},
	{ID: "id-amy", Name: "amy"},
	{ID: "id-bob", Name: "Bob", Email: "bob@example.com"},
	{ID: "id-quote", Name: `Quote "Q"`},
}

// Fixture returns the conformance dataset: a small inventory and five campaigns whose names,
// ids and values exercise every filter and sort edge, with some items already decided. Each
// call returns a fresh copy.
func Fixture() *certsum.Dataset {
	d := &certsum.Dataset{}
	d.Identities = []certsum.Identity{
		{ID: idRita, Name: "Rita Reviewer", Email: "rita@example.com", Department: "Audit", Title: "Manager"},
		{ID: idSam, Name: "Sam Signer", Email: "sam@example.com", ManagerID: idRita},
		{ID: idCara, Name: "Cara Commenter", ManagerID: idRita},
		{ID: idNora, Name: "Nora Newcomer", Email: "nora@example.com"},
		{ID: idGwen, Name: "Gwen Group", Email: "gwen@example.com"},
		{ID: idGus, Name: "gus member"},
		{ID: idOscar, Name: "Oscar Outsider"},
	}
	for _, s := range subjects {
		s.ManagerID = idRita
		d.Identities = append(d.Identities, s)
	}
	d.GovernanceGroups = []certsum.GovernanceGroup{
		{ID: groupReviewers, Name: "Access Reviewers", Description: "reviews together", OwnerID: idGwen,
			MemberIDs: []string{idGwen, idGus, idAnn1}},
	}
	d.Sources = []certsum.Source{
		{ID: "src-ad", Name: "Active Directory", Type: "Active Directory - Direct", OwnerID: idRita},
		{ID: "src-sap", Name: "SAP_%ERP", Type: "SAP"},
		{ID: "src-gh", Name: "github", Type: "GitHub", OwnerID: idSam},
	}
	usage := []int{-1, 0, 45, 120}
	for i, s := range subjects {
		d.Accounts = append(d.Accounts, certsum.Account{
			ID: "acct-" + s.ID + "-ad", NativeIdentity: "CN=" + s.Name, Name: s.Name + " (AD)", SourceID: "src-ad",
			IdentityID: s.ID, Disabled: i%5 == 0, Locked: i%7 == 0, Created: at(1, i), Modified: at(2, i),
			UsageDays: usage[i%len(usage)],
		})
		if i%2 == 0 {
			d.Accounts = append(d.Accounts, certsum.Account{
				ID: "acct-" + s.ID + "-sap", NativeIdentity: fmt.Sprintf("SAP%03d", i), Name: s.Name + " (SAP)",
				SourceID: "src-sap", IdentityID: s.ID, Created: at(3, i), UsageDays: usage[(i+1)%len(usage)],
			})
		}
	}
	d.Entitlements = []certsum.Entitlement{
		{ID: entAdmins, Name: "Domain Admins", Description: strPtr("full control"), SourceID: "src-ad",
			AttributeName: "memberOf", AttributeValue: "CN=Domain Admins", SourceSchemaObjectType: "group",
			OwnerID: idRita, Privileged: true, Revocable: true, CloudGoverned: true,
			Permissions: []certsum.Permission{
				{Rights: []string{"READ", "WRITE"}, Target: "SYS.OBJAUTH2"},
				{Rights: []string{"read"}, Target: "sys.table"},
				{Rights: []string{"DELETE", "read"}, Target: "Zeta"},
				{Rights: []string{"Write"}, Target: "alpha"},
				{Rights: []string{}, Target: "SYS.OBJAUTH2"},
				{Rights: []string{"READ", "Execute"}, Target: "100%_target"},
			},
			DataAccess: &certsum.DataAccess{
				Policies:    []certsum.DataAccessValue{{Value: "GDPR"}},
				Categories:  []certsum.DataAccessCategory{{Value: "PII", MatchCount: 3}},
				ImpactScore: &certsum.DataAccessValue{Value: "HIGH"},
			}},
		{ID: entUsers, Name: "domain users", SourceID: "src-ad", AttributeName: "memberOf", AttributeValue: "CN=Users",
			SourceSchemaObjectType: "group", Revocable: true},
		{ID: "ent-fin", Name: "FI_%Posting", SourceID: "src-sap", AttributeName: "role", AttributeValue: "FI_POST",
			Revocable: true, Permissions: []certsum.Permission{{Rights: []string{"POST"}, Target: "ledger"}}},
		{ID: "ent-hr", Name: "HR Read", SourceID: "src-sap", AttributeName: "role", AttributeValue: "HR_READ"},
		{ID: "ent-repo", Name: "repo:write", SourceID: "src-gh", AttributeName: "team", AttributeValue: "writers",
			OwnerID: idSam, IsPermission: true},
		{ID: "ent-uni", Name: "Émoji ünïcode", SourceID: "src-gh", AttributeName: "team", AttributeValue: "ü"},
	}
	d.AccessProfiles = []certsum.AccessProfile{
		{ID: "ap-ad", Name: "AD Basics", Description: "everyone", SourceID: "src-ad", OwnerID: idRita,
			EntitlementIDs: []string{entUsers}, Created: at(4, 1), Modified: at(5, 1)},
		{ID: "ap-sap", Name: "SAP Finance", Description: "finance", SourceID: "src-sap", Privileged: true,
			EntitlementIDs: []string{"ent-fin", "ent-hr"}, Created: at(4, 2)},
		{ID: "ap-gh", Name: "github devs", SourceID: "src-gh", CloudGoverned: true,
			EntitlementIDs: []string{"ent-repo"}, Created: at(4, 3), Modified: at(6, 3)},
	}
	d.Roles = []certsum.Role{
		{ID: "role-eng", Name: "Engineer", Description: "builds", OwnerID: idSam, Revocable: true,
			AccessProfileIDs: []string{"ap-gh", "ap-ad"}, EntitlementIDs: []string{"ent-uni"}},
		{ID: "role-fin", Name: "finance", AccessProfileIDs: []string{"ap-sap"}},
		{ID: "role-adm", Name: "Admin_%", Privileged: true, EntitlementIDs: []string{entAdmins}},
	}

	manager := campaign(campaignManager, "Q1 Manager Review", certsum.CampaignManager, certsum.StatusActive, certsum.CommentsNone, 1)
	manager.Description = strPtr("quarterly")
	manager.Deadline = atPtr(28, 0)
	manager.Filter = &certsum.CampaignFilterRef{ID: "flt-1", Type: "CAMPAIGN_FILTER", Name: "managers"}
	manager.Alerts = []certsum.CampaignAlert{{Level: "WARN", Localizations: []certsum.ErrorMessage{
		{Locale: strPtr("en-US"), LocaleOrigin: strPtr("DEFAULT"), Text: "late"}}}}
	staged := campaign(campaignStaged, "Audit _special%", certsum.CampaignSearch, certsum.StatusStaged, certsum.CommentsNone, 2)
	all := campaign(campaignAll, "comments required", certsum.CampaignSourceOwner, certsum.StatusActive, certsum.CommentsAll, 3)
	all.SourceOwnerCampaignInfo = &certsum.SourceOwnerCampaignInfo{SourceIDs: []string{"src-sap"}}
	revoke := campaign(campaignRevoke, "Revoke comments", certsum.CampaignManager, certsum.StatusActive, certsum.CommentsRevokeOnly, 4)
	done := campaign(campaignDone, "Zz Done", certsum.CampaignManager, certsum.StatusCompleted, certsum.CommentsNone, 5)

	d.Campaigns = []certsum.CampaignData{
		{Campaign: manager, Certifications: []certsum.CertificationData{
			cert(certActive, "Q1 Manager Review - Rita", idRita, certsum.TypeIdentity, certsum.PhaseActive, atPtr(28, 0), nil,
				[]string{"id-al", "id-alan", "id-alanb", "id-emile", "id-emile2", "id-pct", "id-under", "id-bs", idAnn1, idAnn2, "id-zed", "id-amy"}, 0),
			cert(certGroup, "Q1 Manager Review - group", groupReviewers, certsum.TypeGovernanceGroup, certsum.PhaseActive, atPtr(28, 0), nil,
				[]string{"id-bob", "id-quote", "id-pct"}, 1),
			cert(certSigned, "q1 manager review - sam", idSam, certsum.TypeIdentity, certsum.PhaseSigned, atPtr(27, 0), atPtr(20, 5),
				[]string{"id-zed", "id-alan"}, 2),
		}},
		{Campaign: staged, Certifications: []certsum.CertificationData{
			cert(certStaged, "Audit - Rita", idRita, certsum.TypeIdentity, certsum.PhaseStaged, nil, nil, []string{"id-bob"}, 3),
		}},
		{Campaign: all, Certifications: []certsum.CertificationData{
			cert(certAll, "Comments - Cara", idCara, certsum.TypeIdentity, certsum.PhaseActive, atPtr(26, 0), nil, []string{"id-zed", "id-amy"}, 4),
		}},
		{Campaign: revoke, Certifications: []certsum.CertificationData{
			cert(certRevoke, "Revoke - Sam", idSam, certsum.TypeIdentity, certsum.PhaseActive, atPtr(25, 0), nil, []string{"id-al"}, 5),
		}},
		{Campaign: done, Certifications: []certsum.CertificationData{
			cert(certDone, "Done - Rita", idRita, certsum.TypeIdentity, certsum.PhaseSigned, atPtr(10, 0), atPtr(9, 0), []string{"id-amy"}, 6),
		}},
	}
	return d
}

func campaign(id, name string, typ certsum.CampaignType, status certsum.CampaignStatus, req certsum.CommentRequirement, n int) certsum.Campaign {
	return certsum.Campaign{
		ID: id, Name: name, Type: typ, Status: status, CorrelatedStatus: certsum.Correlated,
		Created: at(1, 10*n), Modified: at(2, 10*n), MandatoryCommentRequirement: req,
		EmailNotificationEnabled: n%2 == 0, RecommendationsEnabled: n%3 == 0, SunsetCommentsRequired: true,
	}
}

// accessCycle is what the review items of the fixture's identities target, in turn.
var accessCycle = []struct {
	typ certsum.DtoType
	id  string
}{
	{certsum.TypeRole, "role-eng"},
	{certsum.TypeEntitlement, entAdmins},
	{certsum.TypeAccessProfile, "ap-sap"},
	{certsum.TypeEntitlement, entUsers},
	{certsum.TypeRole, "role-adm"},
	{certsum.TypeEntitlement, "ent-fin"},
	{certsum.TypeAccessProfile, "ap-gh"},
	{certsum.TypeEntitlement, "ent-uni"},
	{certsum.TypeRole, "role-fin"},
	{certsum.TypeAccessProfile, "ap-ad"},
	{certsum.TypeEntitlement, "ent-repo"},
	{certsum.TypeEntitlement, "ent-hr"},
}

// cert builds one certification: an identity summary per identity and, per identity, three
// to six review items cycling through accessCycle (plus the identity's AD account every
// third identity). In ACTIVE certifications about a third of the items are already decided;
// in SIGNED ones all are; in STAGED ones none.
func cert(id, name, reviewer string, rtype certsum.DtoType, phase certsum.Phase, due, signed *certsum.Time,
	identities []string, seed int) certsum.CertificationData {
	cd := certsum.CertificationData{Certification: certsum.Certification{
		ID: id, Name: name, Phase: phase, Due: due, Signed: signed,
		Reviewer: certsum.Reviewer{ID: reviewer, Type: rtype},
		Created:  at(7, seed), Modified: at(8, seed),
	}}
	if seed == 2 {
		cd.Certification.HasErrors = true
		cd.Certification.ErrorMessage = strPtr("one source was unreachable")
	}
	n := seed
	for i, identity := range identities {
		sid := "is-" + id + "-" + identity
		cd.IdentitySummaries = append(cd.IdentitySummaries, certsum.IdentitySummary{ID: sid, IdentityID: identity})
		count := 3 + (i+seed)%4
		for j := 0; j < count; j++ {
			a := accessCycle[(n+j)%len(accessCycle)]
			it := certsum.ItemData{
				ID: fmt.Sprintf("it-%s-%s-%d", id, identity, j), IdentitySummaryID: sid,
				AccessType: a.typ, AccessID: a.id, NewAccess: (i+j)%4 == 0,
			}
			cd.Items = append(cd.Items, it)
		}
		if i%3 == 0 {
			cd.Items = append(cd.Items, certsum.ItemData{
				ID: fmt.Sprintf("it-%s-%s-acct", id, identity), IdentitySummaryID: sid,
				AccessType: certsum.TypeAccount, AccessID: "acct-" + identity + "-ad",
			})
		}
		n += 5
	}
	for k := range cd.Items {
		var decide bool
		switch phase {
		case certsum.PhaseSigned:
			decide = true
		case certsum.PhaseActive:
			decide = (k+seed)%3 == 0
		}
		if !decide {
			continue
		}
		rec := &certsum.DecisionRecord{Decision: certsum.Approve, DecidedBy: reviewer, DecidedAt: at(15, k%60), Bulk: k%2 == 0}
		if (k+seed)%2 == 1 {
			rec.Decision = certsum.Revoke
			rec.Comments = strPtr(fmt.Sprintf("no longer needed (%d)", k))
			rec.ProposedEndDate = atPtr(27, k%60)
		}
		if k%4 == 0 {
			rec.Recommendation = &certsum.Recommendation{Recommendation: strPtr("APPROVE"), Reasons: []string{"peers have it"},
				Timestamp: atPtr(14, k%60)}
		}
		cd.Items[k].Decision = rec
	}
	return cd
}
