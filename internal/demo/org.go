package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// domain is the demo company's mail and directory domain.
const (
	companyDomain = "acme.com"
	adBaseDN      = "DC=acme,DC=com"
)

// job is a staff title of a department and the business role that goes with it ("" when the
// job has none and its holders get the department's access profile directly).
type job struct {
	title  string
	role   string
	weight int
}

// deptSpec describes one department of the demo company.
type deptSpec struct {
	name   string
	short  string // prefix of its Active Directory team groups
	weight int    // share of the headcount, in percent
	head   string // title of the department head, who reports to the CEO
	mgr    string // title of a first-line manager ("Manager" unless the department says otherwise)
	teams  []string
	jobs   []job
	// extras are access items members may hold beyond their roles: "ap:NAME" or an
	// entitlement key, with the probability that a member holds it.
	extras []extra
}

// extra is a probabilistic direct assignment.
type extra struct {
	key string
	p   float64
}

var departments = []deptSpec{
	{
		name: "Engineering", short: "Eng", weight: 28, head: "Chief Technology Officer", mgr: "Engineering Manager",
		teams: []string{"Platform", "Payments", "Mobile", "Data", "Infrastructure", "Identity", "Search", "Web", "Developer Experience", "Billing"},
		jobs: []job{
			{"Software Engineer", "Software Engineer", 50}, {"Site Reliability Engineer", "Site Reliability Engineer", 14},
			{"Data Engineer", "Data Engineer", 12}, {"QA Engineer", "Software Engineer", 8},
			{"Product Manager", "", 8}, {"Engineering Program Manager", "", 4}, {"Technical Writer", "", 4},
		},
		extras: []extra{
			{"ap:AWS - Production Deploy", 0.10}, {"ap:GitHub - Platform Maintainer", 0.05},
			{"ap:AWS - Break Glass Administrator", 0.004}, {"ap:GitHub - Organization Administration", 0.003},
			{"aws:role/dev-developer", 0.45}, {"aws:role/dev-admin", 0.03}, {"aws:policy/AmazonEC2FullAccess", 0.015},
			{"aws:policy/kms-payments-decrypt", 0.01}, {"github:acme/frontend-guild", 0.2}, {"github:acme/backend-guild", 0.25},
			{"github:acme/docs-writers", 0.05}, {"github:acme/api-reviewers", 0.05}, {"github:acme/design-system", 0.06},
			{"github:acme/ml-platform", 0.04}, {"github:acme/mobile-release", 0.03}, {"aws:role/staging-deploy", 0.2},
			{"aws:role/staging-readonly", 0.15}, {"aws:role/dev-readonly", 0.1}, {"aws:role/sandbox-admin", 0.01},
			{"okta:Snowflake", 0.1}, {"okta:Looker", 0.05}, {"okta:Workato", 0.01}, {"okta:GitHub Enterprise", 0.5}, {"okta:AWS IAM Identity Center", 0.4}, {"sn:itil", 0.12}, {"okta:Miro", 0.2}, {"okta:Lucidchart", 0.15},
			{"ad:Remote Desktop Users", 0.08}, {"ad:App-SQL-Developer", 0.1}, {"sf:permissionSet:API Enabled", 0.01},
		},
	},
	{
		name: "Sales", short: "Sales", weight: 16, head: "Chief Revenue Officer", mgr: "Sales Manager",
		teams: []string{"Enterprise", "Mid-Market", "EMEA", "APAC", "Public Sector", "Sales Operations", "Partnerships"},
		jobs: []job{
			{"Account Executive", "Account Executive", 50}, {"Sales Development Representative", "Account Executive", 25},
			{"Solutions Engineer", "", 15}, {"Sales Operations Analyst", "", 10},
		},
		extras: []extra{
			{"ap:Salesforce - Sales Manager", 0.03}, {"okta:Salesforce", 0.7}, {"sf:permissionSet:Report Builder", 0.2}, {"sf:permissionSet:CPQ User", 0.3},
			{"sf:permissionSet:Export Reports", 0.02}, {"okta:DocuSign", 0.4}, {"okta:Tableau", 0.1}, {"ad:App-PowerBI-Pro", 0.05},
			{"ad:MBX-Sales-Inbound", 0.1}, {"sf:permissionSet:Einstein Analytics User", 0.1},
		},
	},
	{
		name: "Support", short: "Support", weight: 11, head: "Vice President, Customer Support",
		teams: []string{"Tier 1", "Tier 2", "Escalations", "Customer Success", "Support Operations"},
		jobs: []job{
			{"Customer Support Agent", "Customer Support Agent", 60}, {"Technical Support Engineer", "Customer Support Agent", 25},
			{"Customer Success Manager", "", 15},
		},
		extras: []extra{
			{"ad:MBX-Support", 0.3}, {"sn:knowledge_admin", 0.03}, {"sf:permissionSet:Field Service Dispatcher", 0.05},
			{"aws:role/oncall-readonly", 0.03}, {"okta:PagerDuty", 0.1}, {"sf:permissionSet:Knowledge User", 0.2},
			{"sn:sn_customerservice_agent", 0.25}, {"okta:Salesforce", 0.5},
		},
	},
	{
		name: "Marketing", short: "Mktg", weight: 7, head: "Chief Marketing Officer",
		teams: []string{"Brand", "Demand Generation", "Product Marketing", "Content", "Events"},
		jobs: []job{
			{"Marketing Specialist", "Marketing Specialist", 50}, {"Content Strategist", "Marketing Specialist", 20},
			{"Marketing Operations Analyst", "Marketing Specialist", 15}, {"Designer", "", 15},
		},
		extras: []extra{
			{"ad:App-Adobe-CC", 0.35}, {"okta:Asana", 0.4}, {"sf:permissionSet:Export Reports", 0.03}, {"okta:Tableau", 0.08},
		},
	},
	{
		name: "Finance", short: "Fin", weight: 6, head: "Chief Financial Officer",
		teams: []string{"Accounts Payable", "General Ledger", "FP&A", "Treasury", "Tax", "Payroll"},
		jobs: []job{
			{"Financial Analyst", "Financial Analyst", 40}, {"Accounts Payable Specialist", "Accounts Payable Specialist", 25},
			{"Accountant", "Financial Analyst", 25}, {"Payroll Specialist", "", 10},
		},
		extras: []extra{
			{"sap:Z_FI_AP_SUPERVISOR", 0.05}, {"sap:Z_CO_CONTROLLER", 0.08}, {"sap:Z_TR_TREASURY", 0.06}, {"sap:Z_FI_AR_CLERK", 0.15},
			{"fdw:PAYROLL_READ", 0.05}, {"fdw:TREASURY_ANALYST", 0.05}, {"fdw:AR_ANALYST", 0.1},
			{"fdw:grant:SELECT ON FINANCE.GL_JOURNAL", 0.1}, {"fdw:grant:EXECUTE ON FINANCE.PKG_PERIOD_CLOSE", 0.04},
			{"workday:Finance Analyst", 0.3}, {"workday:Expense Partner", 0.1}, {"ad:App-PowerBI-Pro", 0.3},
			{"sf:profile:Read Only", 0.08}, {"sap:SAP_ALL", 0.002}, {"sap:Z_FI_AA_ASSETS", 0.06}, {"sap:Z_FI_TAX", 0.05},
			{"sap:Z_FI_BANK_MASTER", 0.01}, {"fdw:BUDGET_PLANNER", 0.1}, {"fdw:TAX_ANALYST", 0.05},
		},
	},
	{
		name: "Human Resources", short: "HR", weight: 4, head: "Chief People Officer",
		teams: []string{"Talent Acquisition", "HR Business Partners", "Total Rewards", "People Operations"},
		jobs: []job{
			{"HR Business Partner", "HR Business Partner", 35}, {"Recruiter", "", 35}, {"People Operations Specialist", "HR Business Partner", 30},
		},
		extras: []extra{
			{"ap:Workday - Recruiting", 0.3}, {"ap:Workday - Payroll Administration", 0.04}, {"workday:Compensation Partner", 0.1},
			{"workday:Benefits Administrator", 0.08}, {"okta:Greenhouse", 0.35}, {"sap:Z_HR_PAYROLL", 0.05},
			{"workday:HR Administrator", 0.02}, {"ad:MBX-Recruiting", 0.2}, {"workday:Benefits Partner", 0.1},
			{"workday:Onboarding Coordinator", 0.15}, {"workday:Learning Administrator", 0.05}, {"sn:sn_hr_core.basic", 0.3},
		},
	},
	{
		name: "Legal", short: "Legal", weight: 2, head: "General Counsel",
		teams: []string{"Commercial", "Privacy", "Compliance"},
		jobs: []job{
			{"Corporate Counsel", "Legal Counsel", 50}, {"Paralegal", "Legal Counsel", 30}, {"Compliance Analyst", "", 20},
		},
		extras: []extra{
			{"okta:Adobe Acrobat Sign", 0.3}, {"sf:profile:Contract Manager", 0.2}, {"sn:sn_grc.manager", 0.1}, {"okta:Box", 0.5},
		},
	},
	{
		name: "IT", short: "IT", weight: 7, head: "Chief Information Officer",
		teams: []string{"Service Desk", "End User Computing", "Network", "Identity & Access", "Enterprise Applications"},
		jobs: []job{
			{"IT Service Desk Analyst", "IT Service Desk Analyst", 45}, {"Systems Administrator", "IT Service Desk Analyst", 25},
			{"Network Engineer", "", 15}, {"Enterprise Applications Analyst", "", 15},
		},
		extras: []extra{
			{"ap:AD - Server Administration", 0.08}, {"ap:ServiceNow - Change Manager", 0.1}, {"ap:ServiceNow - Administrator", 0.02},
			{"ad:Workstation Admins", 0.15}, {"ad:Domain Admins", 0.01}, {"ad:Exchange Recipient Admins", 0.04}, {"ad:DnsAdmins", 0.02},
			{"ad:Account Operators", 0.01}, {"okta:Okta Super Admins", 0.005}, {"sn:asset", 0.15}, {"sn:group:Network Operations", 0.12},
			{"sn:group:Desktop Support", 0.2}, {"aws:policy/ViewOnlyAccess", 0.1}, {"sf:profile:System Administrator", 0.005},
			{"github:acme:member", 0.1}, {"workday:Security Administrator", 0.004}, {"ad:LAPS-Readers", 0.1},
			{"ad:Local-Admin-Exempt", 0.03}, {"ad:AAD-Connect-Admins", 0.01}, {"ad:Cert Publishers", 0.01},
			{"sn:workflow_admin", 0.04}, {"okta:ServiceNow", 0.6}, {"ad:USB-Storage-Exempt", 0.05},
		},
	},
	{
		name: "Operations", short: "Ops", weight: 15, head: "Chief Operating Officer",
		teams: []string{"Procurement", "Facilities", "Supply Chain", "Business Operations", "Logistics"},
		jobs: []job{
			{"Operations Analyst", "Operations Analyst", 50}, {"Buyer", "Operations Analyst", 25}, {"Facilities Coordinator", "", 25},
		},
		extras: []extra{
			{"sap:Z_MM_PURCH_APPROVER", 0.06}, {"sap:Z_SD_ORDER_ENTRY", 0.2}, {"sn:group:Facilities", 0.1},
			{"sap:Z_MM_VENDOR_MASTER", 0.02}, {"ad:App-AutoCAD", 0.08}, {"ad:Conference-Room-Booking", 0.2},
			{"okta:Tableau", 0.05}, {"ad:App-Visio", 0.1}, {"sf:profile:Read Only", 0.03},
		},
	},
	{
		name: "Security", short: "Sec", weight: 4, head: "Chief Information Security Officer",
		teams: []string{"Security Operations", "GRC", "Application Security", "Incident Response"},
		jobs: []job{
			{"Security Analyst", "Security Analyst", 60}, {"Security Engineer", "Security Analyst", 40},
		},
		extras: []extra{
			{"aws:role/security-incident-response", 0.15}, {"aws:policy/cloudtrail-read", 0.4}, {"sn:sn_vul.vulnerability_analyst", 0.3},
			{"sn:sn_grc.manager", 0.1}, {"github:acme/security-champions", 0.3}, {"ap:GitHub - Developer", 0.3},
			{"okta:Okta Help Desk Admins", 0.05},
		},
	},
}

// Extras every employee may hold whatever the department.
var commonExtras = []extra{
	{"okta:Box", 0.15}, {"okta:Asana", 0.08}, {"okta:Expensify", 0.3}, {"okta:Lucidchart", 0.05},
	{"ad:Citrix-Users", 0.04}, {"ad:App-Visio", 0.03}, {"ad:App-Project", 0.04}, {"okta:Workday", 0.3},
	{"ad:Guest-WiFi-Sponsors", 0.02}, {"ad:Protected Users", 0.01}, {"sn:sn_esm_user", 0.05},
	{"ad:App-Confluence", 0.1}, {"ad:App-Tableau-Viewers", 0.06}, {"ad:App-Tableau-Creators", 0.01},
	{"ad:PRJ-Phoenix", 0.02}, {"ad:PRJ-Atlas", 0.02}, {"ad:PRJ-ERP-Upgrade", 0.01}, {"ad:PRJ-Datacenter-Exit", 0.01},
	{"ad:PRJ-Zero-Trust", 0.01}, {"ad:PRJ-Mobile-Redesign", 0.015}, {"ad:PRJ-SOC2-Audit", 0.01}, {"ad:PRJ-Office-Move-LON", 0.005},
	{"okta:Smartsheet", 0.03}, {"okta:Calendly", 0.04}, {"okta:Loom", 0.05}, {"okta:Notion", 0.04}, {"okta:Grammarly", 0.05},
	{"okta:Zscaler", 0.02},
}

// office is a location; its code names the Active Directory printer group.
type office struct {
	name, code string
	weight     int
}

var offices = []office{
	{"New York", "NYC", 22}, {"San Francisco", "SFO", 16}, {"Austin", "AUS", 14}, {"Chicago", "CHI", 8},
	{"London", "LON", 10}, {"Dublin", "DUB", 6}, {"Bangalore", "BLR", 9}, {"Toronto", "TOR", 5}, {"Remote", "", 10},
}

// Levels of the manager tree below a department head; level 0 is staff.
const (
	levelCEO  = 100
	levelHead = 99
)

// person is the generator's view of one identity.
type person struct {
	dept    int // index into departments; -1 for the CEO
	level   int // 0 staff, 1 first-line manager, 2 director, …; levelHead, levelCEO
	team    int // index into the department's teams, -1 above team level
	office  int
	job     int // index into the department's jobs, -1 for managers
	manager int // -1 for the CEO
	reports []int
	first   string
	last    string
	local   string // mail local part, also the base of account names
	hired   time.Time

	roles   []int // assigned roles
	aps     []int // access profiles assigned directly
	ents    []int // entitlements assigned directly
	effAPs  []int // every access profile held (direct or through a role), no duplicates
	effEnts []int // every entitlement held, no duplicates
	account [numSources]int
}

func (p *person) isManager() bool { return len(p.reports) > 0 }

// buildOrg creates the identities and the manager tree: CEO → department heads → senior
// leaders → directors → managers → staff, each manager with about 5–12 direct reports.
func (g *gen) buildOrg() {
	n := g.opts.Identities
	g.people = make([]person, 0, n)
	g.ds.Identities = make([]certsum.Identity, 0, n)

	ceo := g.newPerson(-1, levelCEO, -1, -1, "Chief Executive Officer")
	// Everyone but the CEO and the department heads is shared out by department weight
	// (largest remainder, so the sizes are exact and deterministic).
	rest := n - 1 - len(departments)
	sizes := make([]int, len(departments))
	rems := make([]float64, len(departments))
	given := 0
	for i, d := range departments {
		exact := float64(rest) * float64(d.weight) / 100
		sizes[i] = int(exact)
		rems[i] = exact - float64(sizes[i])
		given += sizes[i]
	}
	for given < rest {
		best := 0
		for i := range rems {
			if rems[i] > rems[best] {
				best = i
			}
		}
		sizes[best]++
		rems[best] = -1
		given++
	}
	g.heads = make([]int, len(departments))
	for di, d := range departments {
		head := g.newPerson(di, levelHead, -1, ceo, d.head)
		g.heads[di] = head
		g.buildDept(di, head, sizes[di])
	}
}

// buildDept adds size people below head: first-line managers over staff, then as many
// levels of leaders as needed until at most 12 report to the head.
func (g *gen) buildDept(di, head, size int) {
	d := &departments[di]
	counts := levelCounts(size)
	// Create from the top so that identities list leaders before their teams.
	levels := make([][]int, len(counts))
	teamStart := g.rng.IntN(len(d.teams))
	for lv := len(counts) - 1; lv >= 0; lv-- {
		var parents []int
		if lv == len(counts)-1 {
			parents = []int{head}
		} else {
			parents = levels[lv+1]
		}
		spans := g.spread(counts[lv], len(parents))
		for pi, parent := range parents {
			for range spans[pi] {
				// Directors and managers take the department's teams in turn from a
				// random start, so siblings lead different teams; staff join their
				// manager's team.
				team := -1
				switch {
				case lv >= 3:
				case lv == 0 && g.people[parent].team >= 0:
					team = g.people[parent].team
				case lv == 0:
					team = g.rng.IntN(len(d.teams))
				default:
					team = (teamStart + len(levels[lv])) % len(d.teams)
				}
				title, jobIdx := g.title(di, lv, team)
				id := g.newPerson(di, lv, team, parent, title)
				g.people[id].job = jobIdx
				levels[lv] = append(levels[lv], id)
			}
		}
	}
}

// levelCounts splits size people into staff and the managers above them: element 0 is the
// staff count, element k the number at level k; the last level has at most 12 people, who
// report to the department head. The sum is exactly size.
func levelCounts(size int) []int {
	const span = 8.5
	chain := func(staff int) []int {
		c := []int{staff}
		for x := staff; x > 12; {
			x = int(math.Ceil(float64(x) / span))
			c = append(c, x)
		}
		return c
	}
	total := func(c []int) int {
		s := 0
		for _, v := range c {
			s += v
		}
		return s
	}
	lo, hi := 0, size // largest staff count whose chain fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if total(chain(mid)) <= size {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	c := chain(lo)
	c[0] += size - total(c)
	if c[0] == 0 {
		return nil
	}
	if len(c) == 1 && c[0] > 12 {
		// 13 or 14 people: too many to report to the head directly, too few for the
		// chain above to add a level. Two first-line managers take the staff.
		c = []int{size - 2, 2}
	}
	return c
}

// spread shares n children among k parents with spans of about 5–12, every parent getting at
// least one child when n ≥ k, in random but deterministic proportions.
func (g *gen) spread(n, k int) []int {
	out := make([]int, k)
	if k == 0 {
		return out
	}
	if k == 1 {
		out[0] = n
		return out
	}
	avg := float64(n) / float64(k)
	lo := max(1, min(5, int(avg)))
	hi := max(12, int(math.Ceil(avg)))
	sum := 0
	for i := range out {
		out[i] = lo + g.rng.IntN(hi-lo+1)
		sum += out[i]
	}
	for sum != n {
		i := g.rng.IntN(k)
		switch {
		case sum < n && out[i] < hi:
			out[i]++
			sum++
		case sum > n && out[i] > lo:
			out[i]--
			sum--
		case sum > n && lo == 1 && out[i] > 0 && n < k:
			out[i]--
			sum--
		}
	}
	return out
}

// title returns the job title for a new member of department di at level lv, and the job
// index for staff (-1 for managers).
func (g *gen) title(di, lv, team int) (string, int) {
	d := &departments[di]
	teamName := d.name
	if team >= 0 {
		teamName = d.teams[team]
	}
	switch lv {
	case 0:
		j := g.pickJob(di)
		t := d.jobs[j].title
		switch r := g.rng.IntN(100); {
		case r < 28:
			t = "Senior " + t
		case r < 33 && di == 0:
			t = "Staff " + t
		case r < 36 && di == 0:
			t = "Principal " + t
		}
		return t, j
	case 1:
		m := d.mgr
		if m == "" {
			m = "Manager"
		}
		return m + ", " + teamName, -1
	case 2:
		return "Director, " + teamName, -1
	case 3:
		return "Senior Director, " + d.name, -1
	case 4:
		return "Vice President, " + d.name, -1
	default:
		return "Senior Vice President, " + d.name, -1
	}
}

func (g *gen) pickJob(di int) int {
	jobs := departments[di].jobs
	total := 0
	for _, j := range jobs {
		total += j.weight
	}
	r := g.rng.IntN(total)
	for i, j := range jobs {
		if r < j.weight {
			return i
		}
		r -= j.weight
	}
	return len(jobs) - 1
}

func (g *gen) pickOffice() int {
	total := 0
	for _, o := range offices {
		total += o.weight
	}
	r := g.rng.IntN(total)
	for i, o := range offices {
		if r < o.weight {
			return i
		}
		r -= o.weight
	}
	return len(offices) - 1
}

// newPerson adds an identity with a fresh, mostly unique name and returns its index.
func (g *gen) newPerson(dept, level, team, manager int, title string) int {
	idx := len(g.people)
	first, middle, last, suffix := g.uniqueName()
	name := first + " " + last
	if middle != 0 {
		name = first + " " + string(middle) + ". " + last
	}
	if suffix > 0 {
		name = fmt.Sprintf("%s %d", name, suffix)
	}
	local := g.mailLocal(first, middle, last)
	p := person{
		dept: dept, level: level, team: team, office: g.pickOffice(), job: -1, manager: manager,
		first: first, last: last, local: local, hired: g.hireDate(),
	}
	for i := range p.account {
		p.account[i] = -1
	}
	g.people = append(g.people, p)
	deptName := ""
	if dept >= 0 {
		deptName = departments[dept].name
	} else {
		deptName = "Executive"
	}
	ident := certsum.Identity{
		ID:         g.ids.next(),
		Name:       name,
		Email:      local + "@" + companyDomain,
		Department: deptName,
		Title:      title,
	}
	if manager >= 0 {
		ident.ManagerID = g.ds.Identities[manager].ID
		g.people[manager].reports = append(g.people[manager].reports, idx)
	}
	g.ds.Identities = append(g.ds.Identities, ident)
	return idx
}

// hireDate returns a start date: mostly years ago, about 2 % in the last month.
func (g *gen) hireDate() time.Time {
	if g.chance(0.02) {
		return g.between(g.now.AddDate(0, 0, -30), g.now.AddDate(0, 0, -2))
	}
	// Tenure skews short, as in a growing company: the square of a uniform draw.
	u := g.rng.Float64()
	return g.now.Add(-time.Duration(u*u*float64(12*365*24*time.Hour)) - 31*24*time.Hour).Truncate(time.Millisecond)
}

// uniqueName draws a name not used yet: "First Last", else with a middle initial, else with
// a number.
func (g *gen) uniqueName() (first string, middle byte, last string, suffix int) {
	for attempt := 0; attempt < 4; attempt++ {
		first = firstNames[g.rng.IntN(len(firstNames))]
		last = lastNames[g.rng.IntN(len(lastNames))]
		if g.claimName(first + " " + last) {
			return first, 0, last, 0
		}
	}
	for attempt := 0; attempt < 6; attempt++ {
		middle = middleInitials[g.rng.IntN(len(middleInitials))]
		if g.claimName(first + " " + string(middle) + ". " + last) {
			return first, middle, last, 0
		}
	}
	middle = 0
	for suffix = 2; ; suffix++ {
		if g.claimName(fmt.Sprintf("%s %s %d", first, last, suffix)) {
			return first, 0, last, suffix
		}
	}
}

func (g *gen) claimName(n string) bool {
	if _, taken := g.names[n]; taken {
		return false
	}
	g.names[n] = struct{}{}
	return true
}

// mailLocal returns a unique mail local part: first.last, first.m.last, or first.last2….
func (g *gen) mailLocal(first string, middle byte, last string) string {
	base := slug(first) + "."
	if middle != 0 {
		base += strings.ToLower(string(middle)) + "."
	}
	base += slug(last)
	local := base
	for n := 2; ; n++ {
		if _, taken := g.locals[local]; !taken {
			g.locals[local] = struct{}{}
			return local
		}
		local = fmt.Sprintf("%s%d", base, n)
	}
}

// slug lower-cases a name for use in mail addresses and logins, dropping apostrophes and
// spaces.
func slug(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		}
	}
	return b.String()
}
