package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// quarter returns the label ("Q4 2026") of the quarter that is offset quarters from t's, and
// the first instant of that quarter.
func quarter(t time.Time, offset int) (string, time.Time) {
	q := (int(t.Month())-1)/3 + offset
	y := t.Year()
	for q < 0 {
		q += 4
		y--
	}
	y += q / 4
	q %= 4
	return fmt.Sprintf("Q%d %d", q+1, y), time.Date(y, time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// Item risk flags: what makes a reviewer revoke.
const (
	flagDisabled = 1 << iota // the account is disabled
	flagInactive             // the account was not used in 90 days
	flagPrivileged
	flagDirect // requested access rather than a birthright or role
	flagFixed  // not revocable: always approved
)

// Comments reviewers leave. Revocations always carry one (the manager campaign requires it).
var (
	revokeDisabled = []string{
		"Account disabled since the employee left the team; remove the access",
		"Employee is on extended leave; access should be removed until return",
		"Account is disabled and no longer needed",
	}
	revokeInactive = []string{
		"No sign-in in the last 90 days",
		"Unused access; not needed for the current role",
		"Never used since it was granted",
	}
	revokePrivileged = []string{
		"Admin access no longer required; use the break-glass process instead",
		"Privileged access should be requested through PAM for each change",
		"Standing admin rights are not justified for this role",
	}
	revokeOther = []string{
		"No longer on the payroll team",
		"Moved to Marketing in September; this belonged to the previous role",
		"Contractor engagement ended",
		"Project finished in Q3; access no longer needed",
		"Duplicate of access already granted through a role",
		"Not required for current responsibilities",
		"Role change: access no longer needed",
		"Transferred to a different cost center",
	}
	approveComments = []string{
		"Required for daily work",
		"Still on the on-call rotation",
		"Needed for the year-end close",
		"Confirmed with the employee",
		"Part of the current project",
		"Covers for the team lead during holidays",
	}
)

// commentPool holds one pointer per distinct comment so that a million decisions share them.
type commentPool struct {
	disabled, inactive, privileged, other, approve []*string
}

func newCommentPool() commentPool {
	ptrs := func(ss []string) []*string {
		out := make([]*string, len(ss))
		for i := range ss {
			s := ss[i]
			out[i] = &s
		}
		return out
	}
	return commentPool{ptrs(revokeDisabled), ptrs(revokeInactive), ptrs(revokePrivileged), ptrs(revokeOther), ptrs(approveComments)}
}

// certBuilder accumulates one certification.
type certBuilder struct {
	cd    certsum.CertificationData
	flags []uint8 // per item, parallel to cd.Items
}

func (g *gen) newCert(camp *certsum.Campaign, rev certsum.Reviewer, name string, phase certsum.Phase, created time.Time, due *time.Time, items int) *certBuilder {
	c := certsum.Certification{
		ID: g.ids.next(), Name: name, Campaign: camp.Ref(),
		Created: certsum.NewTime(created), Modified: certsum.NewTime(created),
		Reviewer: rev, Phase: phase,
	}
	if due != nil {
		c.Due = certsum.TimePtr(*due)
	}
	return &certBuilder{
		cd:    certsum.CertificationData{Certification: c, Items: make([]certsum.ItemData, 0, items)},
		flags: make([]uint8, 0, items),
	}
}

// summary adds person pi as an identity summary and returns the summary id.
func (g *gen) summary(b *certBuilder, pi int) string {
	id := g.ids.next()
	ident := &g.ds.Identities[pi]
	b.cd.IdentitySummaries = append(b.cd.IdentitySummaries, certsum.IdentitySummary{ID: id, Name: ident.Name, IdentityID: ident.ID})
	return id
}

func (g *gen) item(b *certBuilder, sum string, t certsum.DtoType, access, account string, newAccess bool, flags uint8) {
	b.cd.Items = append(b.cd.Items, certsum.ItemData{
		ID: g.ids.next(), IdentitySummaryID: sum, AccessType: t, AccessID: access, AccountID: account, NewAccess: newAccess,
	})
	b.flags = append(b.flags, flags)
}

// accountFlags returns the risk flags and new-access mark of person pi's account on source s.
func (g *gen) accountFlags(pi, s int) (string, uint8, bool) {
	a := &g.ds.Accounts[g.people[pi].account[s]]
	var f uint8
	if a.Disabled {
		f |= flagDisabled
	}
	if a.UsageDays == 0 {
		f |= flagInactive
	}
	return a.ID, f, a.Created.After(g.now.AddDate(0, 0, -30))
}

func (g *gen) addRole(b *certBuilder, sum string, r int) {
	var f uint8
	if g.cat.rolePriv[r] {
		f |= flagPrivileged
	}
	if !g.ds.Roles[r].Revocable {
		f |= flagFixed
	}
	g.item(b, sum, certsum.TypeRole, g.ds.Roles[r].ID, "", false, f)
}

func (g *gen) addAP(b *certBuilder, sum string, a int, direct bool) {
	var f uint8
	if g.cat.apPriv[a] {
		f |= flagPrivileged
	}
	if direct {
		f |= flagDirect
	}
	g.item(b, sum, certsum.TypeAccessProfile, g.ds.AccessProfiles[a].ID, "", false, f)
}

func (g *gen) addEnt(b *certBuilder, sum string, pi, e int, direct bool) {
	acct, f, isNew := g.accountFlags(pi, g.cat.entSrc[e])
	if g.cat.entPriv[e] {
		f |= flagPrivileged
	}
	if direct {
		f |= flagDirect
	}
	if !g.ds.Entitlements[e].Revocable {
		f |= flagFixed
	}
	g.item(b, sum, certsum.TypeEntitlement, g.ds.Entitlements[e].ID, acct, isNew, f)
}

func (g *gen) addAccount(b *certBuilder, sum string, pi, s int) {
	acct, f, isNew := g.accountFlags(pi, s)
	g.item(b, sum, certsum.TypeAccount, acct, "", isNew, f)
}

// decide gives the first frac of b's items a decision by reviewer, made between from and
// to (in item order, as a reviewer works through identities one by one). It returns the
// time of the last decision.
func (g *gen) decide(b *certBuilder, cp *commentPool, frac float64, reviewer string, from, to time.Time) time.Time {
	n := len(b.cd.Items)
	k := int(math.Round(frac * float64(n)))
	if k == 0 {
		return from
	}
	span := to.Sub(from)
	last := from
	certID := b.cd.Certification.ID
	for i := range k {
		it := &b.cd.Items[i]
		at := from.Add(time.Duration((float64(i) + g.rng.Float64()) / float64(k) * float64(span))).Truncate(time.Millisecond)
		if at.Before(last) {
			at = last
		}
		last = at
		d := g.decision()
		*d = certsum.DecisionRecord{
			ID: g.ids.next(), CertificationID: certID, ItemID: it.ID, DecidedBy: reviewer,
			DecidedAt: certsum.NewTime(at),
		}
		v := g.verdict(b.flags[i], cp, to)
		d.Decision, d.Comments, d.ProposedEndDate, d.Bulk = v.Decision, v.Comments, v.ProposedEndDate, v.Bulk != nil && *v.Bulk
		it.Decision = d
	}
	b.cd.Certification.Modified = certsum.NewTime(last)
	return last
}

// verdict is what a reviewer decides on an item with risk flags f in a review that ends at
// to: revocations grow likelier with every risk and always carry a comment, some with a
// proposed end date; some approvals carry a comment, others were made in bulk.
func (g *gen) verdict(f uint8, cp *commentPool, to time.Time) certsum.ReviewDecision {
	pRevoke := 0.04
	if f&flagDirect != 0 {
		pRevoke = 0.08
	}
	if f&flagPrivileged != 0 {
		pRevoke = max(pRevoke, 0.15)
	}
	if f&flagInactive != 0 {
		pRevoke = max(pRevoke, 0.35)
	}
	if f&flagDisabled != 0 {
		pRevoke = max(pRevoke, 0.75)
	}
	if f&flagFixed != 0 {
		pRevoke = 0
	}
	bulk := false
	v := certsum.ReviewDecision{Decision: certsum.Approve, Bulk: &bulk}
	if g.chance(pRevoke) {
		v.Decision = certsum.Revoke
		var pool []*string
		switch {
		case f&flagDisabled != 0:
			pool = cp.disabled
		case f&flagInactive != 0:
			pool = cp.inactive
		case f&flagPrivileged != 0:
			pool = cp.privileged
		default:
			pool = cp.other
		}
		v.Comments = pool[g.rng.IntN(len(pool))]
		if g.chance(0.15) {
			v.ProposedEndDate = certsum.TimePtr(to.AddDate(0, 0, 14))
		}
	} else if g.chance(0.12) {
		v.Comments = cp.approve[g.rng.IntN(len(cp.approve))]
	} else {
		bulk = g.chance(0.4)
	}
	return v
}

func (g *gen) identityReviewer(pi int) certsum.Reviewer {
	id := &g.ds.Identities[pi]
	email := id.Email
	return certsum.Reviewer{ID: id.ID, Name: id.Name, Email: &email, Type: certsum.TypeIdentity}
}

func (g *gen) groupReviewer(gi int) certsum.Reviewer {
	gg := &g.ds.GovernanceGroups[gi]
	return certsum.Reviewer{ID: gg.ID, Name: gg.Name, Type: certsum.TypeGovernanceGroup}
}

func (g *gen) campaign(name, desc string, typ certsum.CampaignType, status certsum.CampaignStatus,
	created, modified, deadline time.Time, comments certsum.CommentRequirement) certsum.Campaign {
	return certsum.Campaign{
		ID: g.ids.next(), Name: name, Description: &desc, Deadline: certsum.TimePtr(deadline), Type: typ,
		EmailNotificationEnabled: true, RecommendationsEnabled: typ == certsum.CampaignManager,
		Status: status, CorrelatedStatus: certsum.Correlated, Created: certsum.NewTime(created),
		Alerts: []certsum.CampaignAlert{}, Modified: certsum.NewTime(modified), SunsetCommentsRequired: true,
		MandatoryCommentRequirement: comments,
	}
}

// buildCampaigns creates the four campaigns and their certifications.
func (g *gen) buildCampaigns() {
	cp := newCommentPool()
	g.managerCampaign(&cp)
	g.sourceOwnerCampaign(&cp)
	g.stagedCampaign()
	g.completedCampaign(&cp)
}

// managerCampaign: one certification per manager over the direct reports' roles, access
// profiles, entitlements and accounts; about 40 % decided, two certifications signed off.
func (g *gen) managerCampaign(cp *commentPool) {
	label, _ := quarter(g.now, 0)
	created := g.now.AddDate(0, 0, -10)
	activated := created.Add(26 * time.Hour)
	deadline := time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 23, 59, 59, 0, time.UTC).AddDate(0, 0, 21)
	camp := g.campaign(label+" Manager Access Review",
		"Quarterly review by every manager of their direct reports' access, required by the access control policy (AC-2).",
		certsum.CampaignManager, certsum.StatusActive, created, activated, deadline, certsum.CommentsRevokeOnly)
	cd := certsum.CampaignData{Campaign: camp}

	var managers []int
	for i := range g.people {
		if g.people[i].isManager() {
			managers = append(managers, i)
		}
	}
	// The two certifications already signed off: managers with a handful of reports.
	var small []int
	for _, m := range managers {
		if n := len(g.people[m].reports); n >= 3 && n <= 12 {
			small = append(small, m)
		}
	}
	signed := map[int]bool{}
	for len(signed) < 2 && len(small) > 0 {
		i := g.rng.IntN(len(small))
		signed[small[i]] = true
		small = append(small[:i], small[i+1:]...)
	}
	for _, m := range managers {
		mp := &g.people[m]
		n := 0
		for _, r := range mp.reports {
			rp := &g.people[r]
			n += len(rp.roles) + len(rp.aps) + len(rp.ents)
			for _, a := range rp.account {
				if a >= 0 {
					n++
				}
			}
		}
		b := g.newCert(&camp, g.identityReviewer(m), camp.Name+" for "+g.ds.Identities[m].Name,
			certsum.PhaseActive, activated, &deadline, n)
		for _, r := range mp.reports {
			rp := &g.people[r]
			sum := g.summary(b, r)
			for _, x := range rp.roles {
				g.addRole(b, sum, x)
			}
			for _, x := range rp.aps {
				g.addAP(b, sum, x, true)
			}
			for _, x := range rp.ents {
				g.addEnt(b, sum, r, x, true)
			}
			for s := range numSources {
				if rp.account[s] >= 0 {
					g.addAccount(b, sum, r, s)
				}
			}
		}
		reviewer := g.ds.Identities[m].ID
		if signed[m] {
			at := g.between(activated.Add(48*time.Hour), g.now.Add(-time.Hour))
			g.decide(b, cp, 1, reviewer, activated.Add(time.Hour), at.Add(-10*time.Minute))
			b.cd.Certification.Phase = certsum.PhaseSigned
			b.cd.Certification.Signed = certsum.TimePtr(at)
			b.cd.Certification.Modified = certsum.NewTime(at)
		} else {
			var frac float64
			switch r := g.rng.Float64(); {
			case r < 0.18:
				frac = 0
			case r < 0.28:
				frac = 1 // finished, waiting for sign-off
			default:
				frac = 0.15 + 0.6*g.rng.Float64()
			}
			g.decide(b, cp, frac, reviewer, activated.Add(time.Hour), g.now)
		}
		cd.Certifications = append(cd.Certifications, b.cd)
	}
	g.ds.Campaigns = append(g.ds.Campaigns, cd)
}

// sourceOwnerCampaign: each owner of Active Directory, GitHub and AWS IAM reviews every
// holder of access on the sources they own (Okta shares its owner with Active Directory but
// is not in this campaign).
func (g *gen) sourceOwnerCampaign(cp *commentPool) {
	label, _ := quarter(g.now, 0)
	created := g.now.AddDate(0, 0, -6)
	activated := created.Add(4 * time.Hour)
	deadline := time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 23, 59, 59, 0, time.UTC).AddDate(0, 0, 24)
	srcs := []int{srcAD, srcGitHub, srcAWS}
	camp := g.campaign(label+" Infrastructure Source Owner Review",
		"Source owners certify every account and entitlement on Active Directory, GitHub and AWS IAM.",
		certsum.CampaignSourceOwner, certsum.StatusActive, created, activated, deadline, certsum.CommentsRevokeOnly)
	camp.SourceOwnerCampaignInfo = &certsum.SourceOwnerCampaignInfo{}
	for _, s := range srcs {
		camp.SourceOwnerCampaignInfo.SourceIDs = append(camp.SourceOwnerCampaignInfo.SourceIDs, g.ds.Sources[s].ID)
	}
	cd := certsum.CampaignData{Campaign: camp}
	for _, grp := range g.ownerGroups(srcs) {
		b := g.sourceOwnerCert(&camp, grp.owner, grp.srcs, certsum.PhaseActive, activated, &deadline)
		frac := 0.36 + 0.08*g.rng.Float64()
		g.decide(b, cp, frac, g.ds.Identities[grp.owner].ID, activated.Add(2*time.Hour), g.now)
		cd.Certifications = append(cd.Certifications, b.cd)
	}
	g.ds.Campaigns = append(g.ds.Campaigns, cd)
}

type ownerGroup struct {
	owner int
	srcs  []int
}

// ownerGroups groups sources by owner, in source order.
func (g *gen) ownerGroups(srcs []int) []ownerGroup {
	var out []ownerGroup
next:
	for _, s := range srcs {
		for i := range out {
			if out[i].owner == g.srcOwner[s] {
				out[i].srcs = append(out[i].srcs, s)
				continue next
			}
		}
		out = append(out, ownerGroup{owner: g.srcOwner[s], srcs: []int{s}})
	}
	return out
}

// sourceOwnerCert builds the certification in which owner reviews every holder of srcs
// (but not their own access): per holder and source, the access profiles and entitlements
// held and the account.
func (g *gen) sourceOwnerCert(camp *certsum.Campaign, owner int, srcs []int, phase certsum.Phase, created time.Time, due *time.Time) *certBuilder {
	var names []string
	for _, s := range srcs {
		names = append(names, sources[s].name)
	}
	n := 0
	for pi := range g.people {
		if pi == owner {
			continue
		}
		p := &g.people[pi]
		for _, s := range srcs {
			if p.account[s] >= 0 {
				n++
			}
		}
		for _, a := range p.effAPs {
			if in(srcs, g.cat.apSrc[a]) {
				n++
			}
		}
		for _, e := range p.effEnts {
			if in(srcs, g.cat.entSrc[e]) {
				n++
			}
		}
	}
	name := camp.Name + " for " + g.ds.Identities[owner].Name + " [" + strings.Join(names, ", ") + "]"
	b := g.newCert(camp, g.identityReviewer(owner), name, phase, created, due, n)
	for pi := range g.people {
		p := &g.people[pi]
		if pi == owner {
			continue
		}
		sum := ""
		for _, s := range srcs {
			if p.account[s] < 0 {
				continue
			}
			if sum == "" {
				sum = g.summary(b, pi)
			}
			direct := func(list []int, x int) bool { return in(list, x) }
			for _, a := range p.effAPs {
				if g.cat.apSrc[a] == s {
					g.addAP(b, sum, a, direct(p.aps, a))
				}
			}
			for _, e := range p.effEnts {
				if g.cat.entSrc[e] == s {
					g.addEnt(b, sum, pi, e, direct(p.ents, e))
				}
			}
			g.addAccount(b, sum, pi, s)
		}
	}
	return b
}

func in(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// stagedCampaign: next quarter's privileged access review, generated but not activated.
// Department heads review their department's privileged access; the Security Reviewers
// governance group reviews IT's.
func (g *gen) stagedCampaign() {
	label, _ := quarter(g.now, 1)
	created := g.now.AddDate(0, 0, -2)
	deadline := time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 23, 59, 59, 0, time.UTC).AddDate(0, 0, 75)
	camp := g.campaign(label+" Privileged Access Review",
		"Every holder of privileged roles, access profiles and entitlements, reviewed by the department head; IT by the Security Reviewers.",
		certsum.CampaignSearch, certsum.StatusStaged, created, created.Add(20*time.Minute), deadline, certsum.CommentsAll)
	cd := certsum.CampaignData{Campaign: camp}
	itDept := deptIndex("IT")
	for di := range departments {
		var holders []int
		for pi := range g.people {
			if g.people[pi].dept == di && pi != g.heads[di] && g.holdsPrivileged(pi) {
				holders = append(holders, pi)
			}
		}
		if len(holders) == 0 {
			continue
		}
		rev := g.identityReviewer(g.heads[di])
		if di == itDept {
			rev = g.groupReviewer(g.groups.security)
		}
		b := g.newCert(&camp, rev, camp.Name+" for "+rev.Name+" ("+departments[di].name+")",
			certsum.PhaseStaged, created, nil, 0)
		for _, pi := range holders {
			p := &g.people[pi]
			sum := g.summary(b, pi)
			for _, r := range p.roles {
				if g.cat.rolePriv[r] {
					g.addRole(b, sum, r)
				}
			}
			for _, a := range p.effAPs {
				if g.cat.apPriv[a] {
					g.addAP(b, sum, a, in(p.aps, a))
				}
			}
			for _, e := range p.effEnts {
				if g.cat.entPriv[e] {
					g.addEnt(b, sum, pi, e, in(p.ents, e))
				}
			}
		}
		cd.Certifications = append(cd.Certifications, b.cd)
	}
	g.ds.Campaigns = append(g.ds.Campaigns, cd)
}

func (g *gen) holdsPrivileged(pi int) bool {
	p := &g.people[pi]
	for _, r := range p.roles {
		if g.cat.rolePriv[r] {
			return true
		}
	}
	for _, a := range p.effAPs {
		if g.cat.apPriv[a] {
			return true
		}
	}
	for _, e := range p.effEnts {
		if g.cat.entPriv[e] {
			return true
		}
	}
	return false
}

// completedCampaign: last quarter's SOX review of the financial systems, every item decided
// and every certification signed before the deadline.
func (g *gen) completedCampaign(cp *commentPool) {
	_, start := quarter(g.now, 0)
	prev, _ := quarter(g.now, -1)
	deadline := start.AddDate(0, 0, -1).Add(17 * time.Hour)
	created := deadline.AddDate(0, 0, -30)
	activated := created.Add(3 * time.Hour)
	srcs := []int{srcSAP, srcFinDW}
	camp := g.campaign(prev+" SOX Financial Systems Review",
		"Quarterly SOX ITGC review of access to SAP ERP and the finance data warehouse.",
		certsum.CampaignSourceOwner, certsum.StatusCompleted, created, deadline, deadline, certsum.CommentsRevokeOnly)
	camp.SourceOwnerCampaignInfo = &certsum.SourceOwnerCampaignInfo{}
	for _, s := range srcs {
		camp.SourceOwnerCampaignInfo.SourceIDs = append(camp.SourceOwnerCampaignInfo.SourceIDs, g.ds.Sources[s].ID)
	}
	cd := certsum.CampaignData{Campaign: camp}
	last := activated
	for _, grp := range g.ownerGroups(srcs) {
		b := g.sourceOwnerCert(&camp, grp.owner, grp.srcs, certsum.PhaseSigned, activated, &deadline)
		signed := g.between(activated.AddDate(0, 0, 5), deadline.Add(-time.Hour))
		g.decide(b, cp, 1, g.ds.Identities[grp.owner].ID, activated.Add(time.Hour), signed.Add(-5*time.Minute))
		b.cd.Certification.Signed = certsum.TimePtr(signed)
		b.cd.Certification.Modified = certsum.NewTime(signed)
		if signed.After(last) {
			last = signed
		}
		cd.Certifications = append(cd.Certifications, b.cd)
	}
	cd.Campaign.Modified = certsum.NewTime(last)
	g.ds.Campaigns = append(g.ds.Campaigns, cd)
}
