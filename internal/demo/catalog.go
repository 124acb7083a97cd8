package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// Sources of the demo company, in the order they are created.
const (
	srcAD = iota
	srcWorkday
	srcOkta
	srcGitHub
	srcAWS
	srcSalesforce
	srcServiceNow
	srcSAP
	srcFinDW
	numSources
)

// sourceSpec describes a connected system.
type sourceSpec struct {
	name, typ string
	ownerDept string // department of the source owner
	ownerTeam string // preferred team of the owner within that department
}

var sources = [numSources]sourceSpec{
	srcAD:         {"Active Directory", "Active Directory - Direct", "IT", "Identity & Access"},
	srcWorkday:    {"Workday", "Workday", "Human Resources", "People Operations"},
	srcOkta:       {"Okta", "Okta", "IT", "Identity & Access"},
	srcGitHub:     {"GitHub", "GitHub", "Engineering", "Developer Experience"},
	srcAWS:        {"AWS IAM", "Amazon Web Services", "Engineering", "Infrastructure"},
	srcSalesforce: {"Salesforce", "Salesforce", "Sales", "Sales Operations"},
	srcServiceNow: {"ServiceNow", "ServiceNow", "IT", "Enterprise Applications"},
	srcSAP:        {"SAP ERP", "SAP - Direct", "Finance", "General Ledger"},
	srcFinDW:      {"Finance Data Warehouse", "Oracle Database", "Finance", "FP&A"},
}

const (
	awsProd    = "481516234200"
	awsDev     = "271828182845"
	awsStaging = "314159265358"
)

// entSpec is one entitlement of the catalog.
type entSpec struct {
	src         int
	key         string // unique handle used by the tables below
	name        string
	attr, value string
	schema      string
	desc        string
	priv        bool
	fixed       bool   // not revocable (birthright)
	isPerm      bool   // represents an account permission
	ownerDept   string // entitlement owned by this department's head instead of the source owner
	perms       []certsum.Permission
	data        *certsum.DataAccess
}

// apSpec is an access profile: entitlements of one source.
type apSpec struct {
	src  int
	name string
	desc string
	priv bool
	ents []string
}

// roleSpec is a business role bundling access profiles and entitlements.
type roleSpec struct {
	name      string
	desc      string
	ownerDept string
	priv      bool
	fixed     bool
	aps       []string
	ents      []string
}

func perm(target string, rights ...string) certsum.Permission {
	return certsum.Permission{Rights: rights, Target: target}
}

func dataAccess(impact string, policies []string, cats ...any) *certsum.DataAccess {
	d := &certsum.DataAccess{Policies: []certsum.DataAccessValue{}, Categories: []certsum.DataAccessCategory{}}
	for _, p := range policies {
		d.Policies = append(d.Policies, certsum.DataAccessValue{Value: p})
	}
	for i := 0; i+1 < len(cats); i += 2 {
		d.Categories = append(d.Categories, certsum.DataAccessCategory{Value: cats[i].(string), MatchCount: cats[i+1].(int)})
	}
	d.ImpactScore = &certsum.DataAccessValue{Value: impact}
	return d
}

// adGroup returns an Active Directory group entitlement.
func adGroup(cn, desc string) entSpec {
	return entSpec{
		src: srcAD, key: "ad:" + cn, name: cn, attr: "memberOf",
		value: "CN=" + cn + ",OU=Groups," + adBaseDN, schema: "group", desc: desc,
	}
}

func entitlementSpecs() []entSpec {
	var out []entSpec
	add := func(e ...entSpec) { out = append(out, e...) }
	privileged := func(e entSpec) entSpec { e.priv = true; return e }

	// Active Directory: company-wide groups.
	allStaff := adGroup("All Staff", "Company-wide distribution list and Microsoft 365 group")
	allStaff.fixed = true
	add(allStaff,
		adGroup("VPN Users", "Remote access through the GlobalProtect VPN"),
		adGroup("Corp WiFi", "802.1X access to the ACME-CORP wireless network"),
		adGroup("M365 E3 Licensed", "Assigns a Microsoft 365 E3 license (mail, Teams, OneDrive)"),
		adGroup("MFA Enforced", "Conditional-access policy group that requires multi-factor sign-in"),
		adGroup("Managers", "Distribution list of every people manager"),
		adGroup("Remote Desktop Users", "Remote Desktop sign-in to the jump hosts"),
		adGroup("Citrix-Users", "Citrix Workspace published desktops"),
		privileged(adGroup("Domain Admins", "Full administrative control of the acme.com domain")),
		privileged(adGroup("Enterprise Admins", "Forest-wide administrative control")),
		privileged(adGroup("Schema Admins", "Can modify the Active Directory schema")),
		privileged(adGroup("Account Operators", "Can create and modify user accounts and groups")),
		privileged(adGroup("Backup Operators", "Can back up and restore every file on domain controllers")),
		privileged(adGroup("Server Operators", "Can administer domain member servers")),
		privileged(adGroup("Group Policy Creator Owners", "Can create and edit Group Policy objects")),
		privileged(adGroup("DnsAdmins", "Administers the DNS service")),
		privileged(adGroup("Workstation Admins", "Local administrator on every managed workstation")),
		privileged(adGroup("SQL Server Admins", "sysadmin on the on-premises SQL Server estate")),
		privileged(adGroup("Helpdesk Password Reset", "Can reset passwords and unlock user accounts")),
		privileged(adGroup("Exchange Recipient Admins", "Manages mailboxes, contacts and distribution lists")),
		privileged(adGroup("Local-Admin-Exempt", "Exempt from the policy that removes local administrator rights")),
		privileged(adGroup("LAPS-Readers", "Read local administrator passwords stored by LAPS")),
		privileged(adGroup("Cert Publishers", "Publish certificates to the directory")),
		privileged(adGroup("AAD-Connect-Admins", "Administer Entra ID Connect synchronisation")),
		adGroup("USB-Storage-Exempt", "Exempt from the policy that blocks USB mass storage"),
		adGroup("Guest-WiFi-Sponsors", "Can sponsor guest wireless access"),
		adGroup("Conference-Room-Booking", "Book conference rooms and equipment"),
		adGroup("Protected Users", "Accounts with hardened Kerberos settings"),
	)
	for _, o := range offices {
		if o.code != "" {
			add(adGroup("Printers-"+o.code, "Follow-me printing in the "+o.name+" office"))
		}
	}
	for _, a := range []struct{ cn, desc string }{
		{"App-Jira-Users", "Jira Software (on-premises) user license"},
		{"App-Confluence", "Confluence Data Center user license"},
		{"App-Tableau-Viewers", "Tableau Server viewer license"},
		{"App-Tableau-Creators", "Tableau Server creator license"},
		{"App-Adobe-CC", "Adobe Creative Cloud desktop apps"},
		{"App-Visio", "Microsoft Visio desktop app"},
		{"App-Project", "Microsoft Project desktop app"},
		{"App-PowerBI-Pro", "Power BI Pro license"},
		{"App-AutoCAD", "AutoCAD LT license for facilities planning"},
		{"App-SQL-Developer", "SQL Developer and database client tools"},
	} {
		add(adGroup(a.cn, a.desc))
	}
	for _, p := range []struct{ cn, desc string }{
		{"PRJ-Phoenix", "Project Phoenix: checkout rewrite (2025)"},
		{"PRJ-Atlas", "Project Atlas: data platform consolidation"},
		{"PRJ-ERP-Upgrade", "SAP S/4HANA upgrade programme"},
		{"PRJ-Datacenter-Exit", "Migration out of the Ashburn data centre"},
		{"PRJ-Zero-Trust", "Zero-trust network access rollout"},
		{"PRJ-Mobile-Redesign", "Mobile app redesign"},
		{"PRJ-SOC2-Audit", "Evidence collection for the SOC 2 Type II audit"},
		{"PRJ-Office-Move-LON", "London office move"},
	} {
		add(adGroup(p.cn, p.desc))
	}
	for _, m := range []struct{ cn, desc string }{
		{"MBX-AccountsPayable", "Send-as and full access to the accounts-payable@acme.com mailbox"},
		{"MBX-Support", "Full access to the support@acme.com mailbox"},
		{"MBX-Recruiting", "Full access to the careers@acme.com mailbox"},
		{"MBX-Legal", "Full access to the legal@acme.com mailbox"},
		{"MBX-Security-Alerts", "Full access to the security-alerts@acme.com mailbox"},
		{"MBX-Sales-Inbound", "Full access to the sales@acme.com mailbox"},
	} {
		add(adGroup(m.cn, m.desc))
	}
	// Active Directory: per department and per team.
	for _, d := range departments {
		dn := strings.ReplaceAll(d.name, " ", "")
		all := adGroup(dn+" - All", "Distribution list of the "+d.name+" department")
		all.ownerDept = d.name
		read := adGroup("FS-"+dn+"-Read", `Read access to \\fs01.acme.com\`+dn+" department share")
		read.ownerDept = d.name
		modify := adGroup("FS-"+dn+"-Modify", `Modify access to \\fs01.acme.com\`+dn+" department share")
		modify.ownerDept = d.name
		switch d.name {
		case "Human Resources":
			read.data = dataAccess("High", []string{"GDPR", "CCPA"}, "PII", 18450, "Health Information", 312)
			modify.data = dataAccess("High", []string{"GDPR", "CCPA"}, "PII", 18450, "Health Information", 312)
		case "Finance":
			read.data = dataAccess("Medium", []string{"SOX"}, "Financial Records", 9120, "Bank Account Numbers", 214)
			modify.data = dataAccess("High", []string{"SOX"}, "Financial Records", 9120, "Bank Account Numbers", 214)
		case "Legal":
			read.data = dataAccess("Medium", []string{"Attorney-Client Privilege"}, "Contracts", 4380)
			modify.data = dataAccess("High", []string{"Attorney-Client Privilege"}, "Contracts", 4380)
		}
		members := adGroup("SP-"+dn+"-Members", "Member of the "+d.name+" SharePoint site")
		members.ownerDept = d.name
		owners := adGroup("SP-"+dn+"-Owners", "Owner of the "+d.name+" SharePoint site")
		owners.ownerDept = d.name
		mgrs := adGroup(dn+"-Managers", "People managers of the "+d.name+" department")
		mgrs.ownerDept = d.name
		add(all, read, modify, members, owners, mgrs)
		for _, t := range d.teams {
			e := adGroup(d.short+"-"+teamSlug(t, ""), "Members of the "+t+" team ("+d.name+")")
			e.ownerDept = d.name
			add(e)
		}
	}

	// Workday security groups.
	wd := func(name, desc string, priv bool, data *certsum.DataAccess) entSpec {
		return entSpec{src: srcWorkday, key: "workday:" + name, name: name, attr: "securityGroups", value: name,
			schema: "securityGroup", desc: desc, priv: priv, data: data}
	}
	ess := wd("Employee As Self", "View and update one's own worker data, pay slips and time off", false, nil)
	ess.fixed = true
	add(ess,
		wd("Manager", "Approve time off and view the team's worker data", false, nil),
		wd("HR Partner", "View and change worker data of a supervisory organisation", false,
			dataAccess("High", []string{"GDPR", "CCPA"}, "PII", 98000, "Compensation", 98000)),
		wd("HR Administrator", "Administer business processes and worker data tenant-wide", true,
			dataAccess("High", []string{"GDPR", "CCPA"}, "PII", 100000, "Compensation", 100000)),
		wd("Payroll Administrator", "Run payroll and change pay components", true,
			dataAccess("High", []string{"SOX", "GDPR"}, "Bank Account Numbers", 100000, "Compensation", 100000)),
		wd("Payroll Partner", "View payroll results of a pay group", false, nil),
		wd("Compensation Partner", "Propose compensation changes", false, nil),
		wd("Benefits Administrator", "Administer benefit plans and enrolments", false, nil),
		wd("Recruiter", "Manage job requisitions and candidates", false, nil),
		wd("Recruiting Coordinator", "Schedule interviews and manage candidate communication", false, nil),
		wd("Finance Analyst", "View cost center and spend reports", false, nil),
		wd("Cost Center Manager", "Approve spend and view cost center financials", false, nil),
		wd("Expense Partner", "Audit and approve expense reports", false, nil),
		wd("Time Tracking Administrator", "Correct and approve time entries for any worker", false, nil),
		wd("Absence Partner", "Manage leave of absence requests", false, nil),
		wd("Talent Partner", "Manage performance reviews and succession plans", false, nil),
		wd("Security Administrator", "Maintain Workday security groups and policies", true, nil),
		wd("Integration System User", "Service access for integrations (ISU)", true, nil),
		wd("Report Writer", "Create custom reports", false, nil),
		wd("Executive", "Executive dashboards and organisation-wide headcount reports", false, nil),
		wd("Benefits Partner", "View benefit elections of a supervisory organisation", false, nil),
		wd("Onboarding Coordinator", "Run onboarding tasks for new hires", false, nil),
		wd("Learning Administrator", "Manage courses and learning assignments", false, nil),
	)

	// Okta groups and app assignments.
	oktaGroup := func(name, desc string, priv bool) entSpec {
		return entSpec{src: srcOkta, key: "okta:" + name, name: name, attr: "groups", value: name,
			schema: "group", desc: desc, priv: priv}
	}
	oktaApp := func(name, desc string) entSpec {
		return entSpec{src: srcOkta, key: "okta:" + name, name: name, attr: "apps", value: teamSlug(name, "_"),
			schema: "application", desc: desc}
	}
	everyone := oktaGroup("Everyone", "Every Okta user", false)
	everyone.fixed = true
	add(everyone,
		oktaGroup("Okta Super Admins", "Super administrator of the Okta org", true),
		oktaGroup("Okta Help Desk Admins", "Reset passwords and factors in Okta", true),
		oktaGroup("Engineering", "Engineering department push group", false),
		oktaGroup("Sales", "Sales department push group", false),
		oktaGroup("Contractors", "Non-employee workforce", false),
	)
	for _, a := range []struct{ name, desc string }{
		{"Slack", "Slack Enterprise Grid"}, {"Zoom", "Zoom meetings"}, {"Google Workspace", "Google Workspace (Docs, Drive)"},
		{"Atlassian Cloud", "Jira and Confluence Cloud"}, {"Box", "Box enterprise file sharing"},
		{"DocuSign", "DocuSign eSignature sender"}, {"Figma", "Figma editor seat"}, {"Miro", "Miro whiteboards"},
		{"Tableau", "Tableau Cloud"}, {"Zendesk", "Zendesk agent workspace"}, {"PagerDuty", "PagerDuty on-call"},
		{"Datadog", "Datadog monitoring"}, {"Lucidchart", "Lucidchart diagrams"}, {"Asana", "Asana projects"},
		{"Gong", "Gong revenue intelligence"}, {"LinkedIn Sales Navigator", "LinkedIn Sales Navigator seat"},
		{"Greenhouse", "Greenhouse recruiting"}, {"Expensify", "Expensify expense reports"},
		{"Coupa", "Coupa procurement"}, {"1Password", "1Password Business vault"},
		{"Salesforce", "Salesforce single sign-on tile"}, {"Workday", "Workday single sign-on tile"},
		{"GitHub Enterprise", "GitHub Enterprise Cloud single sign-on"}, {"AWS IAM Identity Center", "AWS access portal"},
		{"ServiceNow", "ServiceNow single sign-on tile"}, {"Adobe Acrobat Sign", "Adobe Acrobat Sign sender"},
		{"Smartsheet", "Smartsheet project plans"}, {"Snowflake", "Snowflake data warehouse"}, {"Looker", "Looker dashboards"},
		{"Zscaler", "Zscaler Private Access"}, {"Calendly", "Calendly scheduling"}, {"Loom", "Loom video messages"},
		{"Notion", "Notion workspace"}, {"Grammarly", "Grammarly Business"}, {"Workato", "Workato integration recipes"},
	} {
		add(oktaApp(a.name, a.desc))
	}

	// GitHub organisation roles and teams.
	gh := func(value, desc string, priv bool) entSpec {
		attr, schema := "teams", "team"
		if strings.Count(value, ":") == 1 {
			attr, schema = "orgRole", "orgRole"
		}
		return entSpec{src: srcGitHub, key: "github:" + value, name: value, attr: attr, value: value,
			schema: schema, desc: desc, priv: priv}
	}
	add(gh("acme:owner", "Owner of the acme GitHub organisation", true),
		gh("acme:member", "Member of the acme GitHub organisation", false),
		gh("acme/engineering", "Every engineer; read access to internal repositories", false),
		gh("acme/all-developers", "Write access to service repositories", false),
		gh("acme/infra-admins", "Admin on infrastructure and Terraform repositories", true),
		gh("acme/release-managers", "Can push release tags and approve production releases", true),
		gh("acme/security-champions", "Security reviewers for pull requests", false),
		gh("acme/sre", "Site reliability engineering", false),
		gh("acme/oncall", "Maintainers of runbooks and alerting rules", false),
		gh("acme/frontend-guild", "Frontend guild", false),
		gh("acme/backend-guild", "Backend guild", false),
		gh("acme/docs-writers", "Write access to the docs site", false),
		gh("acme/data-science", "Notebooks and model repositories", false),
		gh("acme/security", "Security team repositories", false),
		gh("acme/mobile-release", "Publishes the iOS and Android apps", false),
		gh("acme/api-reviewers", "Required reviewers for public API changes", false),
		gh("acme/design-system", "Maintainers of the design system", false),
		gh("acme/ml-platform", "Machine learning platform repositories", false),
		gh("acme/interns", "Read access for interns", false),
		gh("acme/contractors-readonly", "Read access for contractors", false),
	)
	for _, t := range departments[0].teams {
		add(gh("acme/"+teamSlug(t, "-"), "The "+t+" engineering team", false))
	}

	// AWS IAM policies and roles.
	awsPolicy := func(account, name, desc string, priv bool, perms ...certsum.Permission) entSpec {
		arn := "arn:aws:iam::" + account + ":policy/" + name
		if account == "aws" {
			arn = "arn:aws:iam::aws:policy/" + name
		}
		if perms == nil {
			perms = []certsum.Permission{}
		}
		return entSpec{src: srcAWS, key: "aws:policy/" + name, name: name, attr: "policies", value: arn,
			schema: "policy", desc: desc, priv: priv, perms: perms}
	}
	awsRole := func(account, name, desc string, priv bool) entSpec {
		return entSpec{src: srcAWS, key: "aws:role/" + name, name: name, attr: "roles",
			value: "arn:aws:iam::" + account + ":role/" + name, schema: "role", desc: desc, priv: priv}
	}
	add(awsPolicy("aws", "ReadOnlyAccess", "Read-only access to every service in acme-prod", false),
		awsPolicy("aws", "AdministratorAccess", "Full access to every service and resource", true),
		awsPolicy("aws", "PowerUserAccess", "Full access except IAM and organisation management", true),
		awsPolicy("aws", "SecurityAudit", "Read security configuration metadata", false),
		awsPolicy("aws", "ViewOnlyAccess", "List resources and view basic metadata", false),
		awsPolicy("aws", "AmazonS3ReadOnlyAccess", "Read every S3 bucket", false),
		awsPolicy("aws", "AmazonEC2FullAccess", "Full access to EC2", true),
		awsPolicy("aws", "AmazonRDSReadOnlyAccess", "Read RDS configuration", false),
		awsPolicy("aws", "CloudWatchReadOnlyAccess", "Read CloudWatch metrics, logs and alarms", false),
		awsPolicy("aws", "IAMFullAccess", "Full access to IAM", true),
		awsPolicy("aws", "AWSBillingReadOnlyAccess", "Read billing and cost data", false),
		awsPolicy(awsProd, "payments-s3-read", "Read the payments data buckets", false,
			perm("arn:aws:s3:::acme-payments-prod", "s3:ListBucket"),
			perm("arn:aws:s3:::acme-payments-prod/*", "s3:GetObject")),
		awsPolicy(awsProd, "datalake-athena-query", "Query the curated data lake with Athena", false,
			perm("arn:aws:athena:us-east-1:"+awsProd+":workgroup/analytics", "athena:StartQueryExecution", "athena:GetQueryResults"),
			perm("arn:aws:glue:us-east-1:"+awsProd+":catalog", "glue:GetDatabase", "glue:GetTable"),
			perm("arn:aws:s3:::acme-datalake-curated/*", "s3:GetObject")),
		awsPolicy(awsProd, "prod-deploy", "Deploy services to the production ECS clusters", false,
			perm("arn:aws:ecs:us-east-1:"+awsProd+":service/prod/*", "ecs:UpdateService", "ecs:DescribeServices"),
			perm("arn:aws:ecr:us-east-1:"+awsProd+":repository/*", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:CompleteLayerUpload")),
		awsPolicy(awsProd, "kms-payments-decrypt", "Decrypt with the payments KMS key", true,
			perm("arn:aws:kms:us-east-1:"+awsProd+":key/6f1c2a9e-3b7d-4e52-9a11-0c8d2f4b7e31", "kms:Decrypt", "kms:GenerateDataKey")),
		awsPolicy(awsProd, "billing-exports-read", "Read cost and usage report exports", false,
			perm("arn:aws:s3:::acme-billing-exports/*", "s3:GetObject"),
			perm("*", "ce:GetCostAndUsage")),
		awsPolicy(awsProd, "secrets-app-read", "Read production application secrets", true,
			perm("arn:aws:secretsmanager:us-east-1:"+awsProd+":secret:prod/*", "secretsmanager:GetSecretValue")),
		awsPolicy(awsProd, "cloudtrail-read", "Search CloudTrail events and read the trail bucket", false,
			perm("*", "cloudtrail:LookupEvents"),
			perm("arn:aws:s3:::acme-cloudtrail-logs/*", "s3:GetObject")),
		awsRole(awsProd, "prod-deploy", "Assumed by engineers deploying to production", false),
		awsRole(awsProd, "break-glass-admin", "Emergency administrator role, alarmed on use", true),
		awsRole(awsProd, "oncall-readonly", "Read-only role for the on-call rotation", false),
		awsRole(awsProd, "data-engineer", "Runs Glue jobs and manages the data lake", false),
		awsRole(awsProd, "security-incident-response", "Forensics and containment during incidents", true),
		awsRole(awsProd, "finops-analyst", "Cost analysis across accounts", false),
		awsRole(awsDev, "dev-developer", "Developer role in the acme-dev sandbox account", false),
		awsRole(awsDev, "dev-admin", "Administrator in the acme-dev sandbox account", true),
		awsRole(awsDev, "dev-ci", "CI pipelines in the acme-dev account", false),
		awsRole(awsDev, "dev-readonly", "Read-only role in the acme-dev account", false),
		awsRole(awsStaging, "staging-deploy", "Deploy to the staging environment", false),
		awsRole(awsStaging, "staging-readonly", "Read-only role in the staging account", false),
		awsRole(awsStaging, "sandbox-admin", "Administrator of the shared sandbox", true),
	)

	// Salesforce profiles and permission sets.
	sf := func(kind, name, desc string, priv bool, data *certsum.DataAccess) entSpec {
		attr, schema := "profile", "Profile"
		if kind == "permissionSet" {
			attr, schema = "permissionSets", "PermissionSet"
		}
		return entSpec{src: srcSalesforce, key: "sf:" + kind + ":" + name, name: name, attr: attr,
			value: name, schema: schema, desc: desc, priv: priv, data: data}
	}
	custData := func(n int) *certsum.DataAccess {
		return dataAccess("Medium", []string{"GDPR", "CCPA"}, "Customer Contact Data", n)
	}
	add(sf("profile", "System Administrator", "Full administrative access to the Salesforce org", true, custData(412000)),
		sf("profile", "Standard User", "Standard Salesforce user", false, nil),
		sf("profile", "Sales User", "Accounts, contacts, opportunities and quotes", false, nil),
		sf("profile", "Sales Manager", "Sales User plus team forecasts and approvals", false, nil),
		sf("profile", "Support Agent", "Cases, knowledge and customer contacts", false, nil),
		sf("profile", "Marketing User", "Campaigns, leads and email templates", false, nil),
		sf("profile", "Read Only", "Read-only access to standard objects", false, nil),
		sf("profile", "Contract Manager", "Contracts and approvals", false, nil),
		sf("profile", "Solution Manager", "Products, price books and solutions", false, nil),
		sf("profile", "Chatter Free User", "Chatter collaboration only", false, nil),
		sf("permissionSet", "Modify All Data", "Create, edit and delete every record regardless of sharing", true, custData(412000)),
		sf("permissionSet", "View All Data", "Read every record regardless of sharing", true, custData(412000)),
		sf("permissionSet", "API Enabled", "Access the Salesforce APIs", false, nil),
		sf("permissionSet", "Sales Cloud User", "Sales Cloud feature license", false, nil),
		sf("permissionSet", "Service Cloud User", "Service Cloud feature license", false, nil),
		sf("permissionSet", "Knowledge User", "Read and author knowledge articles", false, nil),
		sf("permissionSet", "Marketing User", "Create and manage campaigns", false, nil),
		sf("permissionSet", "CPQ User", "Configure, price, quote", false, nil),
		sf("permissionSet", "CPQ Admin", "Administer CPQ price rules and templates", true, nil),
		sf("permissionSet", "Einstein Analytics User", "CRM Analytics dashboards", false, nil),
		sf("permissionSet", "Report Builder", "Create and customise reports", false, nil),
		sf("permissionSet", "Export Reports", "Export report data to files", false, custData(150000)),
		sf("permissionSet", "Flow Builder", "Build and activate flows", false, nil),
		sf("permissionSet", "Lightning Console User", "Service console apps", false, nil),
		sf("permissionSet", "Territory Management", "Manage sales territories", false, nil),
		sf("permissionSet", "Forecasting User", "Collaborative forecasts", false, nil),
		sf("permissionSet", "Manage Users", "Create and edit users, reset passwords", true, nil),
		sf("permissionSet", "Inbox User", "Salesforce Inbox for email and calendar", false, nil),
		sf("permissionSet", "Field Service Dispatcher", "Dispatch field service appointments", false, nil),
		sf("permissionSet", "Customer Portal Manager", "Manage customer community users", false, nil),
	)

	// ServiceNow roles and assignment groups.
	sn := func(name, desc string, priv bool) entSpec {
		return entSpec{src: srcServiceNow, key: "sn:" + name, name: name, attr: "roles", value: name,
			schema: "sys_user_role", desc: desc, priv: priv}
	}
	snGroup := func(name, desc string) entSpec {
		return entSpec{src: srcServiceNow, key: "sn:group:" + name, name: name, attr: "groups", value: name,
			schema: "sys_user_group", desc: desc}
	}
	add(sn("admin", "Full ServiceNow administration", true),
		sn("security_admin", "Elevated role for ACLs and security properties", true),
		sn("user_admin", "Manage users, groups and roles", true),
		sn("itil", "Fulfiller: work incidents, problems and changes", false),
		sn("itil_admin", "ITIL process administration", false),
		sn("catalog_admin", "Manage the service catalog", false),
		sn("knowledge_admin", "Manage knowledge bases", false),
		sn("knowledge", "Author knowledge articles", false),
		sn("approver_user", "Approve requests and changes", false),
		sn("asset", "Manage hardware and software assets", false),
		sn("change_manager", "Manage the change calendar and CAB", false),
		sn("problem_manager", "Manage problems and known errors", false),
		sn("incident_manager", "Coordinate major incidents", false),
		sn("report_admin", "Administer reports and dashboards", false),
		sn("sn_si.analyst", "Security incident response analyst", false),
		sn("sn_vul.vulnerability_analyst", "Vulnerability response analyst", false),
		sn("sn_grc.manager", "Governance, risk and compliance manager", false),
		sn("sn_hr_core.basic", "HR case management fulfiller", false),
		sn("sn_customerservice_agent", "Customer service case agent", false),
		sn("sn_esm_user", "Enterprise service management requester", false),
		sn("workflow_admin", "Build and publish workflows", false),
		snGroup("Service Desk", "Level 1 service desk queue"),
		snGroup("Network Operations", "Network incident and change queue"),
		snGroup("Desktop Support", "Deskside support queue"),
		snGroup("Change Advisory Board", "Approves normal and emergency changes"),
		snGroup("Security Operations", "Security incident queue"),
		snGroup("Database Administration", "Database support queue"),
		snGroup("Application Support", "Business application support queue"),
		snGroup("Facilities", "Facilities requests queue"),
	)

	// SAP ERP roles and profiles, with the transactions they allow.
	sap := func(name, desc string, priv bool, perms ...certsum.Permission) entSpec {
		attr, schema := "roles", "role"
		if !strings.HasPrefix(name, "Z_") {
			attr, schema = "profiles", "profile"
		}
		if perms == nil {
			perms = []certsum.Permission{}
		}
		return entSpec{src: srcSAP, key: "sap:" + name, name: name, attr: attr, value: name, schema: schema,
			desc: desc, priv: priv, perms: perms}
	}
	add(sap("Z_FI_AP_CLERK", "Post and display vendor invoices", false,
		perm("FB60", "Create", "Display"), perm("FBL1N", "Display"), perm("MIRO", "Create")),
		sap("Z_FI_AP_SUPERVISOR", "Release payments and run the payment program", false,
			perm("F110", "Execute"), perm("FBL1N", "Display"), perm("FB02", "Change")),
		sap("Z_FI_AR_CLERK", "Post customer invoices and incoming payments", false,
			perm("FB70", "Create"), perm("F-28", "Create"), perm("FBL5N", "Display")),
		sap("Z_FI_GL_ACCOUNTANT", "Post general ledger journal entries", false,
			perm("FB50", "Create"), perm("F-02", "Create"), perm("FAGLL03", "Display")),
		sap("Z_FI_GL_CLOSE", "Period-end closing activities", false,
			perm("OB52", "Change"), perm("F.05", "Execute"), perm("FAGL_FC_VAL", "Execute")),
		sap("Z_FI_DISPLAY", "Display financial documents and reports", false,
			perm("FB03", "Display"), perm("FAGLB03", "Display")),
		sap("Z_CO_CONTROLLER", "Cost center accounting and allocations", false,
			perm("KSU5", "Execute"), perm("KS02", "Change"), perm("S_ALR_87013611", "Display")),
		sap("Z_MM_BUYER", "Create and change purchase orders", false,
			perm("ME21N", "Create"), perm("ME22N", "Change"), perm("ME23N", "Display")),
		sap("Z_MM_PURCH_APPROVER", "Release purchase orders", false, perm("ME29N", "Execute")),
		sap("Z_MM_INVENTORY", "Goods movements and stock overview", false, perm("MIGO", "Create"), perm("MMBE", "Display")),
		sap("Z_SD_ORDER_ENTRY", "Create and change sales orders", false, perm("VA01", "Create"), perm("VA02", "Change")),
		sap("Z_HR_PAYROLL", "Maintain payroll master data", false, perm("PA30", "Change"), perm("PC00_M10_CALC", "Execute")),
		sap("Z_TR_TREASURY", "Cash management and bank statements", false, perm("FF7A", "Display"), perm("FF_5", "Execute")),
		sap("Z_BC_BASIS_ADMIN", "Basis administration: transports, jobs, system parameters", true,
			perm("STMS", "Execute"), perm("SM37", "Change"), perm("RZ10", "Change")),
		sap("Z_BC_USER_ADMIN", "Create users and assign roles", true, perm("SU01", "Create", "Change"), perm("PFCG", "Change")),
		sap("Z_FI_AA_ASSETS", "Fixed asset accounting", false, perm("AS01", "Create"), perm("AS02", "Change"), perm("AW01N", "Display")),
		sap("Z_FI_TAX", "Tax reporting and tax codes", false, perm("S_ALR_87012357", "Display"), perm("FTXP", "Display")),
		sap("Z_MM_VENDOR_MASTER", "Create and change vendor master data", true, perm("XK01", "Create"), perm("XK02", "Change")),
		sap("Z_FI_BANK_MASTER", "Maintain house bank and vendor bank details", true, perm("FI12", "Change"), perm("FI01", "Create")),
		sap("SAP_ALL", "Every authorization in the system", true, perm("*", "Execute", "Create", "Change", "Delete")),
		sap("SAP_NEW", "Authorizations for new checks after upgrades", true),
		sap("S_A.SYSTEM", "System administrator (superuser)", true, perm("*", "Execute")),
	)

	// Finance data warehouse roles and direct grants.
	fdw := func(name, desc string, priv bool, data *certsum.DataAccess, perms ...certsum.Permission) entSpec {
		if perms == nil {
			perms = []certsum.Permission{}
		}
		return entSpec{src: srcFinDW, key: "fdw:" + name, name: name, attr: "roles", value: name,
			schema: "role", desc: desc, priv: priv, data: data, perms: perms}
	}
	grant := func(priv, object, desc string, data *certsum.DataAccess) entSpec {
		name := priv + " ON " + object
		return entSpec{src: srcFinDW, key: "fdw:grant:" + name, name: name, attr: "privileges", value: name,
			schema: "privilege", desc: desc, isPerm: true, data: data,
			perms: []certsum.Permission{perm(object, priv)}}
	}
	fin := func(n int) *certsum.DataAccess {
		return dataAccess("Medium", []string{"SOX"}, "Financial Records", n)
	}
	payroll := dataAccess("High", []string{"GDPR", "SOX"}, "Compensation", 100000, "Bank Account Numbers", 100000)
	add(fdw("FIN_READONLY", "Read the general ledger and payables schemas", false, fin(5_400_000),
		perm("FINANCE.GL_JOURNAL", "SELECT"), perm("FINANCE.GL_BALANCES", "SELECT"), perm("FINANCE.AP_INVOICES", "SELECT")),
		fdw("FIN_REPORTING", "Reporting views for FP&A", false, fin(5_400_000),
			perm("REPORTING.*", "SELECT"), perm("FINANCE.GL_BALANCES", "SELECT"), perm("FINANCE.BUDGET_LINES", "SELECT")),
		fdw("FIN_ETL", "Load and transform finance data", false, fin(5_400_000),
			perm("STAGING.*", "SELECT", "INSERT", "UPDATE", "DELETE"), perm("FINANCE.GL_JOURNAL", "INSERT"),
			perm("FINANCE.AP_INVOICES", "INSERT", "UPDATE")),
		fdw("PAYROLL_READ", "Read payroll runs and compensation", false, payroll,
			perm("HR.PAYROLL_RUNS", "SELECT"), perm("HR.COMPENSATION", "SELECT")),
		fdw("DBA", "Database administrator", true, fin(5_400_000), perm("*", "ALL PRIVILEGES")),
		fdw("AUDIT_VIEWER", "Read the database audit trail", false, nil, perm("SYS.AUD$", "SELECT"), perm("SYS.DBA_AUDIT_TRAIL", "SELECT")),
		fdw("TREASURY_ANALYST", "Cash positions and bank balances", false, fin(220_000),
			perm("TREASURY.CASH_POSITIONS", "SELECT"), perm("TREASURY.BANK_BALANCES", "SELECT")),
		fdw("AR_ANALYST", "Receivables and collections", false, fin(1_300_000),
			perm("FINANCE.AR_INVOICES", "SELECT"), perm("FINANCE.AR_RECEIPTS", "SELECT")),
		fdw("BUDGET_PLANNER", "Write budget and forecast lines", false, fin(310_000),
			perm("FINANCE.BUDGET_LINES", "SELECT", "INSERT", "UPDATE")),
		fdw("TAX_ANALYST", "Tax provision tables", false, fin(95_000), perm("TAX.PROVISION", "SELECT"), perm("TAX.JURISDICTIONS", "SELECT")),
		grant("SELECT", "FINANCE.GL_JOURNAL", "Direct read grant on the journal table", fin(5_400_000)),
		grant("INSERT", "FINANCE.GL_JOURNAL", "Direct insert grant on the journal table", fin(5_400_000)),
		grant("UPDATE", "FINANCE.AP_INVOICES", "Direct update grant on payables invoices", fin(860_000)),
		grant("SELECT", "HR.PAYROLL_RUNS", "Direct read grant on payroll runs", payroll),
		grant("EXECUTE", "FINANCE.PKG_PERIOD_CLOSE", "Run the period-close package", nil),
		grant("CREATE", "SESSION", "Connect to the database", nil),
	)
	return out
}

// teamSlug turns "Developer Experience" into "developer-experience" (sep "-"), "DeveloperExperience" (sep "").
func teamSlug(s, sep string) string {
	var b strings.Builder
	up := sep == ""
	next := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if up {
				if next && r >= 'a' && r <= 'z' {
					r -= 'a' - 'A'
				}
			} else if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			if !up && next && b.Len() > 0 {
				b.WriteString(sep)
			}
			b.WriteRune(r)
			next = false
		default:
			next = true
		}
	}
	return b.String()
}

// accessProfileSpecs lists the 40 access profiles.
func accessProfileSpecs() []apSpec {
	out := []apSpec{
		{srcAD, "AD - Standard Employee Access", "Network, mail and remote access every employee gets", false,
			[]string{"ad:All Staff", "ad:VPN Users", "ad:Corp WiFi", "ad:M365 E3 Licensed", "ad:MFA Enforced"}},
	}
	for _, d := range departments {
		dn := strings.ReplaceAll(d.name, " ", "")
		out = append(out, apSpec{srcAD, "AD - " + d.name + " Department Access",
			"Distribution list, department share (read) and SharePoint site of " + d.name, false,
			[]string{"ad:" + dn + " - All", "ad:FS-" + dn + "-Read", "ad:SP-" + dn + "-Members"}})
	}
	out = append(out,
		apSpec{srcAD, "AD - Server Administration", "Administer Windows member servers and SQL Server", true,
			[]string{"ad:Server Operators", "ad:Remote Desktop Users", "ad:SQL Server Admins", "ad:Backup Operators"}},
		apSpec{srcOkta, "Okta - Standard Apps", "Single sign-on to the everyday collaboration apps", false,
			[]string{"okta:Everyone", "okta:Slack", "okta:Zoom", "okta:Google Workspace", "okta:Atlassian Cloud", "okta:1Password"}},
		apSpec{srcOkta, "Okta - Engineering Tools", "Monitoring, paging and design tools for engineers", false,
			[]string{"okta:Engineering", "okta:PagerDuty", "okta:Datadog", "okta:Lucidchart"}},
		apSpec{srcOkta, "Okta - Sales Tools", "Sales productivity apps", false,
			[]string{"okta:Sales", "okta:Gong", "okta:LinkedIn Sales Navigator", "okta:DocuSign"}},
		apSpec{srcWorkday, "Workday - Employee Self Service", "Own worker data, pay slips and time off", false,
			[]string{"workday:Employee As Self"}},
		apSpec{srcWorkday, "Workday - Manager Self Service", "Team time off, worker data and cost center approvals", false,
			[]string{"workday:Manager", "workday:Absence Partner"}},
		apSpec{srcWorkday, "Workday - HR Partner", "Worker data and talent processes of a supervisory organisation", false,
			[]string{"workday:HR Partner", "workday:Talent Partner", "workday:Absence Partner"}},
		apSpec{srcWorkday, "Workday - Payroll Administration", "Run payroll and maintain pay components", true,
			[]string{"workday:Payroll Administrator", "workday:Payroll Partner", "workday:Time Tracking Administrator"}},
		apSpec{srcWorkday, "Workday - Recruiting", "Requisitions, candidates and interview scheduling", false,
			[]string{"workday:Recruiter", "workday:Recruiting Coordinator"}},
		apSpec{srcGitHub, "GitHub - Developer", "Organisation membership and write access to service repositories", false,
			[]string{"github:acme:member", "github:acme/engineering", "github:acme/all-developers"}},
		apSpec{srcGitHub, "GitHub - Platform Maintainer", "Runbooks, alerting rules and release tags", false,
			[]string{"github:acme/sre", "github:acme/oncall", "github:acme/release-managers"}},
		apSpec{srcGitHub, "GitHub - Organization Administration", "Owner of the acme organisation", true,
			[]string{"github:acme:owner", "github:acme/infra-admins"}},
		apSpec{srcAWS, "AWS - Production Read Only", "Read-only console access to acme-prod", false,
			[]string{"aws:policy/ReadOnlyAccess", "aws:policy/CloudWatchReadOnlyAccess", "aws:role/oncall-readonly"}},
		apSpec{srcAWS, "AWS - Production Deploy", "Deploy services to production", false,
			[]string{"aws:policy/prod-deploy", "aws:role/prod-deploy", "aws:policy/AmazonS3ReadOnlyAccess"}},
		apSpec{srcAWS, "AWS - Data Lake Analyst", "Query and transform the data lake", false,
			[]string{"aws:policy/datalake-athena-query", "aws:role/data-engineer", "aws:policy/AmazonS3ReadOnlyAccess"}},
		apSpec{srcAWS, "AWS - Break Glass Administrator", "Emergency administrator access to acme-prod", true,
			[]string{"aws:policy/AdministratorAccess", "aws:role/break-glass-admin"}},
		apSpec{srcSalesforce, "Salesforce - Sales Representative", "Opportunities, quotes and forecasts", false,
			[]string{"sf:profile:Sales User", "sf:permissionSet:Sales Cloud User", "sf:permissionSet:Forecasting User"}},
		apSpec{srcSalesforce, "Salesforce - Sales Manager", "Team forecasts, territories and reports", false,
			[]string{"sf:profile:Sales Manager", "sf:permissionSet:Sales Cloud User", "sf:permissionSet:Report Builder",
				"sf:permissionSet:Forecasting User", "sf:permissionSet:Territory Management"}},
		apSpec{srcSalesforce, "Salesforce - Support Agent", "Cases, knowledge and the service console", false,
			[]string{"sf:profile:Support Agent", "sf:permissionSet:Service Cloud User", "sf:permissionSet:Knowledge User",
				"sf:permissionSet:Lightning Console User"}},
		apSpec{srcSalesforce, "Salesforce - Marketing User", "Campaigns, leads and reports", false,
			[]string{"sf:profile:Marketing User", "sf:permissionSet:Marketing User", "sf:permissionSet:Report Builder"}},
		apSpec{srcSalesforce, "Salesforce - Administrator", "Administer the Salesforce org", true,
			[]string{"sf:profile:System Administrator", "sf:permissionSet:Modify All Data", "sf:permissionSet:Manage Users",
				"sf:permissionSet:API Enabled"}},
		apSpec{srcServiceNow, "ServiceNow - Service Desk Agent", "Work incidents and requests in the service desk queue", false,
			[]string{"sn:itil", "sn:knowledge", "sn:group:Service Desk"}},
		apSpec{srcServiceNow, "ServiceNow - Change Manager", "Run the change advisory board", false,
			[]string{"sn:change_manager", "sn:group:Change Advisory Board", "sn:itil"}},
		apSpec{srcServiceNow, "ServiceNow - Administrator", "Administer the ServiceNow instance", true,
			[]string{"sn:admin", "sn:user_admin", "sn:security_admin"}},
		apSpec{srcSAP, "SAP - Accounts Payable", "Vendor invoices and payables reports", false,
			[]string{"sap:Z_FI_AP_CLERK", "sap:Z_FI_DISPLAY"}},
		apSpec{srcSAP, "SAP - General Ledger", "Journal entries and period close", false,
			[]string{"sap:Z_FI_GL_ACCOUNTANT", "sap:Z_FI_GL_CLOSE", "sap:Z_FI_DISPLAY"}},
		apSpec{srcSAP, "SAP - Procurement", "Purchase orders and goods receipts", false,
			[]string{"sap:Z_MM_BUYER", "sap:Z_MM_INVENTORY"}},
		apSpec{srcFinDW, "Finance DW - Reporting Analyst", "Read finance reporting views", false,
			[]string{"fdw:FIN_READONLY", "fdw:FIN_REPORTING", "fdw:grant:CREATE ON SESSION"}},
		apSpec{srcFinDW, "Finance DW - ETL Engineer", "Load the finance warehouse", false,
			[]string{"fdw:FIN_ETL", "fdw:grant:CREATE ON SESSION"}},
	)
	return out
}

// deptAP names the Active Directory access profile of a department.
func deptAP(di int) string { return "AD - " + departments[di].name + " Department Access" }

// roleSpecs lists the 15 roles.
func roleSpecs() []roleSpec {
	return []roleSpec{
		{"Employee Birthright", "Access every employee receives on the first day", "IT", false, true,
			[]string{"AD - Standard Employee Access", "Okta - Standard Apps", "Workday - Employee Self Service"}, nil},
		{"People Manager", "Access for anyone with direct reports", "Human Resources", false, false,
			[]string{"Workday - Manager Self Service"}, []string{"ad:Managers"}},
		{"Software Engineer", "Build and ship product services", "Engineering", false, false,
			[]string{"AD - Engineering Department Access", "GitHub - Developer", "Okta - Engineering Tools", "AWS - Production Read Only"},
			[]string{"ad:App-Jira-Users", "aws:role/dev-ci"}},
		{"Site Reliability Engineer", "Operate production and the on-call rotation", "Engineering", false, false,
			[]string{"AD - Engineering Department Access", "GitHub - Developer", "GitHub - Platform Maintainer",
				"Okta - Engineering Tools", "AWS - Production Read Only", "AWS - Production Deploy"},
			[]string{"sn:itil", "aws:policy/secrets-app-read"}},
		{"Data Engineer", "Build pipelines for the data lake and finance warehouse", "Engineering", false, false,
			[]string{"AD - Engineering Department Access", "GitHub - Developer", "AWS - Data Lake Analyst", "Finance DW - ETL Engineer"},
			[]string{"okta:Tableau", "github:acme/data-science"}},
		{"Account Executive", "Sell to and manage customer accounts", "Sales", false, false,
			[]string{"AD - Sales Department Access", "Okta - Sales Tools", "Salesforce - Sales Representative"}, nil},
		{"Customer Support Agent", "Resolve customer cases", "Support", false, false,
			[]string{"AD - Support Department Access", "Salesforce - Support Agent", "ServiceNow - Service Desk Agent"},
			[]string{"okta:Zendesk"}},
		{"Financial Analyst", "Planning, reporting and the general ledger", "Finance", false, false,
			[]string{"AD - Finance Department Access", "SAP - General Ledger", "Finance DW - Reporting Analyst"},
			[]string{"okta:Tableau", "workday:Cost Center Manager"}},
		{"Accounts Payable Specialist", "Process vendor invoices and payments", "Finance", false, false,
			[]string{"AD - Finance Department Access", "SAP - Accounts Payable"},
			[]string{"ad:MBX-AccountsPayable", "okta:Coupa"}},
		{"HR Business Partner", "Support managers and employees of a business unit", "Human Resources", false, false,
			[]string{"AD - Human Resources Department Access", "Workday - HR Partner"}, nil},
		{"Marketing Specialist", "Campaigns, content and events", "Marketing", false, false,
			[]string{"AD - Marketing Department Access", "Salesforce - Marketing User"}, []string{"okta:Figma"}},
		{"IT Service Desk Analyst", "First-line IT support: tickets, passwords, devices", "IT", true, false,
			[]string{"AD - IT Department Access", "ServiceNow - Service Desk Agent"},
			[]string{"ad:Helpdesk Password Reset", "okta:Okta Help Desk Admins"}},
		{"Legal Counsel", "Contracts, privacy and compliance", "Legal", false, false,
			[]string{"AD - Legal Department Access"}, []string{"okta:DocuSign", "ad:MBX-Legal"}},
		{"Operations Analyst", "Procurement, facilities and supply chain", "Operations", false, false,
			[]string{"AD - Operations Department Access", "SAP - Procurement"}, []string{"okta:Coupa"}},
		{"Security Analyst", "Detect, investigate and respond to security incidents", "Security", false, false,
			[]string{"AD - Security Department Access"},
			[]string{"aws:policy/SecurityAudit", "sn:sn_si.analyst", "ad:MBX-Security-Alerts", "github:acme/security"}},
	}
}

// catalog is the built access catalog with its lookup tables.
type catalog struct {
	entSrc   []int
	entPriv  []bool
	entByKey map[string]int
	apSrc    []int
	apEnts   [][]int
	apPriv   []bool
	apByName map[string]int
	roleAPs  [][]int
	roleEnts [][]int
	rolePriv []bool
	roleByNm map[string]int
}

// buildCatalog creates sources, entitlements, access profiles and roles. Owners are filled
// in once the organisation exists.
func (g *gen) buildCatalog() {
	c := &g.cat
	now := g.now
	for i, s := range sources {
		owner := g.pickOwner(s.ownerDept, s.ownerTeam, i)
		g.srcOwner[i] = owner
		g.ds.Sources = append(g.ds.Sources, certsum.Source{
			ID: g.ids.next(), Name: s.name, Type: s.typ, OwnerID: g.ds.Identities[owner].ID,
		})
	}
	specs := entitlementSpecs()
	c.entByKey = make(map[string]int, len(specs))
	g.ds.Entitlements = make([]certsum.Entitlement, 0, len(specs))
	for _, e := range specs {
		if _, dup := c.entByKey[e.key]; dup {
			panic("demo: duplicate entitlement key " + e.key) // programmer error in the tables above
		}
		c.entByKey[e.key] = len(g.ds.Entitlements)
		c.entSrc = append(c.entSrc, e.src)
		c.entPriv = append(c.entPriv, e.priv)
		owner := g.srcOwner[e.src]
		if e.ownerDept != "" {
			owner = g.heads[deptIndex(e.ownerDept)]
		}
		desc := e.desc
		perms := e.perms
		if perms == nil {
			perms = []certsum.Permission{}
		}
		g.ds.Entitlements = append(g.ds.Entitlements, certsum.Entitlement{
			ID: g.ids.next(), Name: e.name, Description: &desc, SourceID: g.ds.Sources[e.src].ID,
			AttributeName: e.attr, AttributeValue: e.value, SourceSchemaObjectType: e.schema,
			OwnerID: g.ds.Identities[owner].ID, Privileged: e.priv, Revocable: !e.fixed,
			IsPermission: e.isPerm, Permissions: perms, DataAccess: e.data,
		})
	}
	aps := accessProfileSpecs()
	c.apByName = make(map[string]int, len(aps))
	for _, a := range aps {
		ents := make([]int, len(a.ents))
		ids := make([]string, len(a.ents))
		for i, k := range a.ents {
			ents[i] = c.mustEnt(k)
			if c.entSrc[ents[i]] != a.src {
				panic(fmt.Sprintf("demo: access profile %q holds %q of another source", a.name, k))
			}
			ids[i] = g.ds.Entitlements[ents[i]].ID
		}
		c.apByName[a.name] = len(g.ds.AccessProfiles)
		c.apSrc = append(c.apSrc, a.src)
		c.apEnts = append(c.apEnts, ents)
		c.apPriv = append(c.apPriv, a.priv)
		created := now.AddDate(-2, -g.rng.IntN(24), -g.rng.IntN(28))
		modified := created.Add(time.Duration(g.rng.Int64N(int64(now.Sub(created)))))
		g.ds.AccessProfiles = append(g.ds.AccessProfiles, certsum.AccessProfile{
			ID: g.ids.next(), Name: a.name, Description: a.desc, SourceID: g.ds.Sources[a.src].ID,
			OwnerID: g.ds.Identities[g.srcOwner[a.src]].ID, Privileged: a.priv, EntitlementIDs: ids,
			Created: certsum.NewTime(created), Modified: certsum.NewTime(modified),
		})
	}
	roles := roleSpecs()
	c.roleByNm = make(map[string]int, len(roles))
	for _, r := range roles {
		var apIdx, entIdx []int
		apIDs, entIDs := []string{}, []string{}
		for _, n := range r.aps {
			a := c.mustAP(n)
			apIdx = append(apIdx, a)
			apIDs = append(apIDs, g.ds.AccessProfiles[a].ID)
		}
		for _, k := range r.ents {
			e := c.mustEnt(k)
			entIdx = append(entIdx, e)
			entIDs = append(entIDs, g.ds.Entitlements[e].ID)
		}
		c.roleByNm[r.name] = len(g.ds.Roles)
		c.roleAPs = append(c.roleAPs, apIdx)
		c.roleEnts = append(c.roleEnts, entIdx)
		c.rolePriv = append(c.rolePriv, r.priv)
		g.ds.Roles = append(g.ds.Roles, certsum.Role{
			ID: g.ids.next(), Name: r.name, Description: r.desc, OwnerID: g.ds.Identities[g.heads[deptIndex(r.ownerDept)]].ID,
			Privileged: r.priv, Revocable: !r.fixed, AccessProfileIDs: apIDs, EntitlementIDs: entIDs,
		})
	}
}

func (c *catalog) mustEnt(key string) int {
	i, ok := c.entByKey[key]
	if !ok {
		panic("demo: unknown entitlement key " + key) // programmer error in the tables
	}
	return i
}

func (c *catalog) mustAP(name string) int {
	i, ok := c.apByName[name]
	if !ok {
		panic("demo: unknown access profile " + name)
	}
	return i
}

func (c *catalog) mustRole(name string) int {
	i, ok := c.roleByNm[name]
	if !ok {
		panic("demo: unknown role " + name)
	}
	return i
}

func deptIndex(name string) int {
	for i, d := range departments {
		if d.name == name {
			return i
		}
	}
	panic("demo: unknown department " + name)
}

// pickOwner chooses the owner of source si: a director (else a manager, else the head) of
// the given department, preferring the given team and people who own no other source yet.
func (g *gen) pickOwner(dept, team string, si int) int {
	di := deptIndex(dept)
	ti := -1
	for i, t := range departments[di].teams {
		if t == team {
			ti = i
		}
	}
	taken := func(p int) bool {
		for s := 0; s < si; s++ {
			if g.srcOwner[s] == p {
				return true
			}
		}
		return false
	}
	// Sources sharing department and team share their owner (Okta with Active Directory).
	for s := 0; s < si; s++ {
		if sources[s].ownerDept == dept && sources[s].ownerTeam == team {
			return g.srcOwner[s]
		}
	}
	for _, lv := range []int{2, 1, 3} {
		var best []int
		var any []int
		for i := range g.people {
			p := &g.people[i]
			if p.dept != di || p.level != lv || taken(i) {
				continue
			}
			if p.team == ti {
				best = append(best, i)
			}
			any = append(any, i)
		}
		if len(best) > 0 {
			return best[g.rng.IntN(len(best))]
		}
		if len(any) > 0 {
			return any[g.rng.IntN(len(any))]
		}
	}
	return g.heads[di]
}
