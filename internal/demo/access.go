package demo

import (
	"strconv"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// groupRefs are the indexes of the governance groups in the dataset.
type groupRefs struct {
	security, itAccess, sox, cloud int
}

// buildGroups creates the governance groups.
func (g *gen) buildGroups() {
	add := func(name, desc, dept string, teams []string, n int) int {
		di := deptIndex(dept)
		head := g.heads[di]
		var pref, rest []int
		for i := range g.people {
			p := &g.people[i]
			if p.dept != di || i == head {
				continue
			}
			inTeam := false
			for _, t := range teams {
				if p.team >= 0 && departments[di].teams[p.team] == t {
					inTeam = true
				}
			}
			if inTeam {
				pref = append(pref, i)
			} else {
				rest = append(rest, i)
			}
		}
		g.rng.Shuffle(len(pref), func(i, j int) { pref[i], pref[j] = pref[j], pref[i] })
		g.rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		members := append(pref, rest...)
		if len(members) > n {
			members = members[:n]
		}
		ids := []string{g.ds.Identities[head].ID}
		for _, m := range members {
			ids = append(ids, g.ds.Identities[m].ID)
		}
		g.ds.GovernanceGroups = append(g.ds.GovernanceGroups, certsum.GovernanceGroup{
			ID: g.ids.next(), Name: name, Description: desc, OwnerID: g.ds.Identities[head].ID, MemberIDs: ids,
		})
		return len(g.ds.GovernanceGroups) - 1
	}
	g.groups.security = add("Security Reviewers", "Reviews privileged and administrative access across the company",
		"Security", []string{"GRC", "Security Operations"}, 6)
	g.groups.itAccess = add("IT Access Administrators", "Administers Active Directory, Okta and access requests",
		"IT", []string{"Identity & Access"}, 6)
	g.groups.sox = add("SOX Controllers", "Owns SOX IT general controls over the financial systems",
		"Finance", []string{"General Ledger", "FP&A"}, 5)
	g.groups.cloud = add("Cloud Platform Owners", "Approves changes to AWS accounts and the production platform",
		"Engineering", []string{"Infrastructure", "Platform"}, 6)
}

// holdings marks what one person holds while it is being computed.
type holdings struct {
	entMark []int // entMark[e] == stamp when entitlement e is held
	apMark  []int
	stamp   int
}

// assignAccess gives every person roles, access profiles and entitlements according to
// department, job and level, and computes what each one holds in effect.
func (g *gen) assignAccess() {
	c := &g.cat
	h := holdings{entMark: make([]int, len(c.entSrc)), apMark: make([]int, len(c.apSrc))}
	birthright := c.mustRole("Employee Birthright")
	peopleMgr := c.mustRole("People Manager")
	costCenter := c.mustEnt("workday:Cost Center Manager")
	executive := c.mustEnt("workday:Executive")
	managersDL := make([]int, len(departments))
	teamGroups := make([][]int, len(departments))
	ghTeams := make([]int, len(departments[0].teams))
	primaryRole := make([]int, len(departments))
	for di, d := range departments {
		dn := strings.ReplaceAll(d.name, " ", "")
		managersDL[di] = c.mustEnt("ad:" + dn + "-Managers")
		for _, t := range d.teams {
			teamGroups[di] = append(teamGroups[di], c.mustEnt("ad:"+d.short+"-"+teamSlug(t, "")))
		}
		primaryRole[di] = -1
		if r := d.jobs[0].role; r != "" {
			primaryRole[di] = c.mustRole(r)
		}
	}
	for ti, t := range departments[0].teams {
		ghTeams[ti] = c.mustEnt("github:acme/" + teamSlug(t, "-"))
	}
	printers := make([]int, len(offices))
	for i, o := range offices {
		printers[i] = -1
		if o.code != "" {
			printers[i] = c.mustEnt("ad:Printers-" + o.code)
		}
	}
	// resolved is a table of extras with its keys looked up: idx is an access profile
	// when isAP, an entitlement otherwise.
	type resolved struct {
		idx  []int
		p    []float64
		isAP []bool
	}
	resolveAll := func(ex []extra) resolved {
		var r resolved
		for _, x := range ex {
			if name, ok := strings.CutPrefix(x.key, "ap:"); ok {
				r.idx, r.isAP = append(r.idx, c.mustAP(name)), append(r.isAP, true)
			} else {
				r.idx, r.isAP = append(r.idx, c.mustEnt(x.key)), append(r.isAP, false)
			}
			r.p = append(r.p, x.p)
		}
		return r
	}
	deptExtras := make([]resolved, len(departments))
	for di, d := range departments {
		deptExtras[di] = resolveAll(d.extras)
	}
	common := resolveAll(commonExtras)
	fsRead := make([]int, len(departments))
	fsModify := make([]int, len(departments))
	spOwners := make([]int, len(departments))
	for di, d := range departments {
		dn := strings.ReplaceAll(d.name, " ", "")
		fsRead[di] = c.mustEnt("ad:FS-" + dn + "-Read")
		fsModify[di] = c.mustEnt("ad:FS-" + dn + "-Modify")
		spOwners[di] = c.mustEnt("ad:SP-" + dn + "-Owners")
	}

	for pi := range g.people {
		p := &g.people[pi]
		h.stamp++
		p.roles = append(p.roles[:0], birthright)
		di := p.dept
		jobRole := false
		if di >= 0 {
			switch {
			case p.level == 0 && departments[di].jobs[p.job].role != "":
				p.roles = append(p.roles, c.mustRole(departments[di].jobs[p.job].role))
				jobRole = true
			case (p.level == 1 || p.level == 2) && primaryRole[di] >= 0:
				p.roles = append(p.roles, primaryRole[di])
				jobRole = true
			}
		}
		if p.isManager() {
			p.roles = append(p.roles, peopleMgr)
		}
		// What the roles give.
		for _, r := range p.roles {
			for _, a := range c.roleAPs[r] {
				g.holdAP(p, &h, a)
			}
			for _, e := range c.roleEnts[r] {
				g.holdEnt(p, &h, e)
			}
		}
		// Direct access profiles and entitlements.
		grantAP := func(a int) {
			if h.apMark[a] != h.stamp {
				p.aps = append(p.aps, a)
				g.holdAP(p, &h, a)
			}
		}
		grantEnt := func(e int) {
			if e >= 0 && h.entMark[e] != h.stamp {
				p.ents = append(p.ents, e)
				g.holdEnt(p, &h, e)
			}
		}
		if di >= 0 {
			if !jobRole {
				grantAP(c.mustAP(deptAP(di))) // no job role: the department's profile directly
			}
			if p.team >= 0 {
				grantEnt(teamGroups[di][p.team])
				if di == 0 {
					grantEnt(ghTeams[p.team])
				}
			}
			if g.chance(0.25) {
				grantEnt(fsModify[di])
			}
			if p.isManager() {
				grantEnt(managersDL[di])
				if g.chance(0.3) {
					grantEnt(spOwners[di])
				}
			} else if g.chance(0.03) {
				grantEnt(spOwners[di])
			}
			if g.chance(0.08) {
				grantEnt(fsRead[g.rng.IntN(len(departments))])
			}
			ex := &deptExtras[di]
			for i, x := range ex.idx {
				if g.chance(ex.p[i]) {
					if ex.isAP[i] {
						grantAP(x)
					} else {
						grantEnt(x)
					}
				}
			}
		}
		grantEnt(printers[p.office])
		for i, x := range common.idx {
			if g.chance(common.p[i]) {
				grantEnt(x)
			}
		}
		if p.level >= 2 {
			grantEnt(costCenter)
		}
		if p.level >= levelHead {
			grantEnt(executive)
			for d := range departments {
				if g.chance(0.5) {
					grantEnt(fsRead[d])
				}
			}
		}
	}
}

func (g *gen) holdAP(p *person, h *holdings, a int) {
	if h.apMark[a] == h.stamp {
		return
	}
	h.apMark[a] = h.stamp
	p.effAPs = append(p.effAPs, a)
	for _, e := range g.cat.apEnts[a] {
		g.holdEnt(p, h, e)
	}
}

func (g *gen) holdEnt(p *person, h *holdings, e int) {
	if h.entMark[e] == h.stamp {
		return
	}
	h.entMark[e] = h.stamp
	p.effEnts = append(p.effEnts, e)
}

// buildAccounts gives every person an account on each source where they hold access.
func (g *gen) buildAccounts() {
	g.ds.Accounts = make([]certsum.Account, 0, len(g.people)*6) // about 5 per person
	for pi := range g.people {
		p := &g.people[pi]
		var need [numSources]bool
		for _, e := range p.effEnts {
			need[g.cat.entSrc[e]] = true
		}
		for s := range numSources {
			if need[s] {
				p.account[s] = len(g.ds.Accounts)
				g.ds.Accounts = append(g.ds.Accounts, g.newAccount(pi, s))
			}
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *gen) randomKey(prefix string, n int) string {
	b := make([]byte, len(prefix)+n)
	copy(b, prefix)
	for i := len(prefix); i < len(b); i++ {
		b[i] = base62[g.rng.IntN(len(base62))]
	}
	return string(b)
}

// newAccount returns person pi's account on source s, named the way that system names its
// users.
func (g *gen) newAccount(pi, s int) certsum.Account {
	p := &g.people[pi]
	ident := &g.ds.Identities[pi]
	employeeID := "E" + strconv.Itoa(100000+pi)
	var native, name string
	switch s {
	case srcAD:
		ou := "Executive"
		if p.dept >= 0 {
			ou = departments[p.dept].name
		}
		native = "CN=" + ident.Name + ",OU=" + ou + ",OU=Users," + adBaseDN
		name = p.local
	case srcWorkday:
		native, name = employeeID, ident.Name
	case srcOkta:
		native, name = g.randomKey("00u", 17), ident.Email
	case srcGitHub:
		native = strings.ReplaceAll(p.local, ".", "-") + "-acme"
		name = native
	case srcAWS:
		native, name = "arn:aws:iam::"+awsProd+":user/"+p.local, p.local
	case srcSalesforce:
		native, name = g.randomKey("005", 15), ident.Email
	case srcServiceNow:
		native, name = g.ids.next(), p.local
	case srcSAP:
		native, name = employeeID, strings.ToUpper(employeeID)
	case srcFinDW:
		native = strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(p.local))
		name = native
	}
	// Birthright accounts are created on the start date; the others when the access was
	// first requested, now and then in the last month (new access).
	var created time.Time
	switch {
	case s == srcAD || s == srcWorkday || s == srcOkta:
		created = g.between(p.hired, p.hired.Add(48*time.Hour))
	case g.chance(0.04):
		created = g.between(maxTime(p.hired, g.now.AddDate(0, 0, -30)), g.now.AddDate(0, 0, -1))
	default:
		created = g.between(p.hired, g.now.AddDate(0, 0, -1))
	}
	modified := g.between(created, g.now)
	usage := -1
	switch r := g.rng.IntN(100); {
	case r < 8:
		usage = -1
	case r < 16:
		usage = 0
	case r < 36:
		usage = 1 + g.rng.IntN(29)
	default:
		usage = 30 + g.rng.IntN(61)
	}
	return certsum.Account{
		ID: g.ids.next(), NativeIdentity: native, Name: name,
		SourceID: g.ds.Sources[s].ID, IdentityID: ident.ID,
		Disabled: g.chance(0.015), Locked: g.chance(0.005),
		Created: certsum.NewTime(created), Modified: certsum.NewTime(modified), UsageDays: usage,
	}
}
