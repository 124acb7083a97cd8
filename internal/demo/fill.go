package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// Fill builds the demo organisation in st the one way data enters certsum: the generator
// writes the inventory as an import input (Inventory), ImportInventory loads it, the campaign
// engine creates and generates the four campaigns, and the reviewers' work is replayed
// through Decide and SignOff with the rules of live use, each step stamped with the time it
// was done (certsum.AsOf). st should be empty. progress, when set, sees each step by name
// with its work done and total.
//
// The campaigns: last quarter's SOX review of SAP ERP and the finance data warehouse
// (SOURCE_OWNER, COMPLETED: every item decided, every certification signed); this quarter's
// manager review (MANAGER, ACTIVE, about 40 % decided, two certifications signed); this
// quarter's infrastructure source-owner review of Active Directory, GitHub and AWS IAM
// (SOURCE_OWNER, ACTIVE, about 40 % decided); and next quarter's privileged access review
// by the Security Reviewers governance group (SEARCH, STAGED).
func Fill(ctx context.Context, st certsum.Store, opts Options, progress func(step string, done, total int)) (Summary, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	g := generate(opts)
	plan := g.campaignPlan()
	in := g.input()
	sum := Summary{Identities: len(in.Identities), Accounts: len(in.Accounts), Entitlements: len(in.Entitlements),
		AccessProfiles: len(in.AccessProfiles), Roles: len(in.Roles), GovernanceGroups: len(in.GovernanceGroups),
		Assignments: len(in.Assignments)}
	// The inventory is imported as it stood before the first campaign.
	importAt := plan[0].created.Add(-24 * time.Hour)
	_, err := st.ImportInventory(certsum.AsOf(ctx, importAt), in, certsum.ImportOptions{Source: "certsum demo",
		Progress: func(done, total int) { progress("importing the inventory", done, total) }})
	if err != nil {
		return sum, fmt.Errorf("import the demo inventory: %w", err)
	}
	r := &replay{g: g, st: st, cp: newCommentPool(), progress: progress}
	r.index()
	for _, c := range plan {
		if err := r.run(ctx, c, &sum); err != nil {
			return sum, fmt.Errorf("demo campaign %q: %w", c.k.Name, err)
		}
	}
	return sum, nil
}

// Inventory returns the demo organisation for opts as an import input: identities (with
// department and title attributes), sources, accounts, entitlements, access profiles, roles,
// governance groups and who holds what. Inventory is a pure function of opts.
func Inventory(opts Options) *certsum.InventoryInput { return generate(opts).input() }

// input writes the organisation as an import input.
func (g *gen) input() *certsum.InventoryInput {
	ds := g.ds
	in := &certsum.InventoryInput{FormatVersion: certsum.InventoryFormatVersion, Mode: certsum.ImportSnapshot,
		Name: "demo", Assignments: g.assignments()}
	in.Cover(certsum.ImportKinds...)
	in.Identities = make([]certsum.InputIdentity, len(ds.Identities))
	for i, x := range ds.Identities {
		in.Identities[i] = certsum.InputIdentity{ID: x.ID, Name: x.Name, Email: x.Email, ManagerID: x.ManagerID,
			Attributes: map[string]string{"department": x.Department, "title": x.Title}}
	}
	for _, x := range ds.Sources {
		in.Sources = append(in.Sources, certsum.InputSource{ID: x.ID, Name: x.Name, Type: x.Type, OwnerID: x.OwnerID})
	}
	in.Accounts = make([]certsum.InputAccount, len(ds.Accounts))
	for i, x := range ds.Accounts {
		a := certsum.InputAccount{ID: x.ID, SourceID: x.SourceID, NativeIdentity: x.NativeIdentity, IdentityID: x.IdentityID,
			Name: x.Name, Disabled: x.Disabled, Locked: x.Locked, Created: &x.Created, Modified: &x.Modified}
		if x.UsageDays >= 0 {
			a.UsageDays = &x.UsageDays
		}
		in.Accounts[i] = a
	}
	for _, x := range ds.Entitlements {
		e := certsum.InputEntitlement{ID: x.ID, SourceID: x.SourceID, Name: x.Name, Attribute: x.AttributeName,
			Value: x.AttributeValue, SchemaObjectType: x.SourceSchemaObjectType, Privileged: x.Privileged,
			Revocable: &x.Revocable, OwnerID: x.OwnerID, CloudGoverned: x.CloudGoverned, IsPermission: x.IsPermission,
			Permissions: x.Permissions, DataAccess: x.DataAccess}
		if x.Description != nil {
			e.Description = *x.Description
		}
		in.Entitlements = append(in.Entitlements, e)
	}
	for _, x := range ds.AccessProfiles {
		in.AccessProfiles = append(in.AccessProfiles, certsum.InputAccessProfile{ID: x.ID, Name: x.Name, SourceID: x.SourceID,
			OwnerID: x.OwnerID, EntitlementIDs: x.EntitlementIDs, Description: x.Description, Privileged: x.Privileged,
			CloudGoverned: x.CloudGoverned, Created: &x.Created, Modified: &x.Modified})
	}
	for _, x := range ds.Roles {
		in.Roles = append(in.Roles, certsum.InputRole{ID: x.ID, Name: x.Name, OwnerID: x.OwnerID,
			AccessProfileIDs: x.AccessProfileIDs, EntitlementIDs: x.EntitlementIDs, Description: x.Description,
			Privileged: x.Privileged, Revocable: &x.Revocable})
	}
	for _, x := range ds.GovernanceGroups {
		in.GovernanceGroups = append(in.GovernanceGroups, certsum.InputGovernanceGroup{ID: x.ID, Name: x.Name,
			MemberIDs: x.MemberIDs, Description: x.Description, OwnerID: x.OwnerID})
	}
	return in
}

// plannedCampaign is one demo campaign: what to create, when, and how far its reviewers got.
type plannedCampaign struct {
	k                    certsum.Campaign
	created, activated   time.Time
	deadline             time.Time // zero: left STAGED
	decidedFrom, reached time.Time // decisions are made in this span
	// share returns the fraction of a certification's items its reviewer decided and
	// whether (and when) they signed it off; identities is the certification's size.
	share func(identities int) (float64, time.Time)
}

// campaignPlan returns the four campaigns, oldest first.
func (g *gen) campaignPlan() []plannedCampaign {
	now := g.now
	label, _ := quarter(now, 0)
	next, _ := quarter(now, 1)
	prev, _ := quarter(now, -1)
	_, thisQuarter := quarter(now, 0)
	endOfDay := func(days int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day(), 23, 59, 59, 0, time.UTC).AddDate(0, 0, days)
	}
	campaign := func(name, desc string, typ certsum.CampaignType, comments certsum.CommentRequirement) certsum.Campaign {
		return certsum.Campaign{Name: name, Description: &desc, Type: typ, EmailNotificationEnabled: true,
			RecommendationsEnabled: typ == certsum.CampaignManager, SunsetCommentsRequired: true,
			MandatoryCommentRequirement: comments}
	}
	sourceIDs := func(srcs ...int) *certsum.SourceOwnerCampaignInfo {
		info := &certsum.SourceOwnerCampaignInfo{}
		for _, s := range srcs {
			info.SourceIDs = append(info.SourceIDs, g.ds.Sources[s].ID)
		}
		return info
	}

	var out []plannedCampaign
	// Last quarter's SOX review: everything decided and signed before the deadline.
	soxDeadline := thisQuarter.AddDate(0, 0, -1).Add(17 * time.Hour)
	sox := plannedCampaign{k: campaign(prev+" SOX Financial Systems Review",
		"Quarterly SOX ITGC review of access to SAP ERP and the finance data warehouse.",
		certsum.CampaignSourceOwner, certsum.CommentsRevokeOnly), created: soxDeadline.AddDate(0, 0, -30)}
	sox.k.SourceOwnerCampaignInfo = sourceIDs(srcSAP, srcFinDW)
	sox.activated, sox.deadline = sox.created.Add(3*time.Hour), soxDeadline
	sox.decidedFrom = sox.activated.Add(time.Hour)
	sox.share = func(int) (float64, time.Time) {
		return 1, g.between(sox.activated.AddDate(0, 0, 5), soxDeadline.Add(-time.Hour))
	}
	out = append(out, sox)

	// This quarter's manager review: a few finished, most under way, some not started.
	mgr := plannedCampaign{k: campaign(label+" Manager Access Review",
		"Quarterly review by every manager of their direct reports' access, required by the access control policy (AC-2).",
		certsum.CampaignManager, certsum.CommentsRevokeOnly), created: now.AddDate(0, 0, -10)}
	mgr.activated, mgr.deadline = mgr.created.Add(26*time.Hour), endOfDay(21)
	mgr.decidedFrom, mgr.reached = mgr.activated.Add(time.Hour), now
	signed := 0
	mgr.share = func(identities int) (float64, time.Time) {
		if signed < 2 && identities >= 3 && identities <= 12 && g.chance(0.25) {
			signed++
			return 1, g.between(mgr.activated.Add(48*time.Hour), now.Add(-time.Hour))
		}
		switch r := g.rng.Float64(); {
		case r < 0.18:
			return 0, time.Time{}
		case r < 0.28:
			return 1, time.Time{} // finished, waiting for sign-off
		default:
			return 0.15 + 0.6*g.rng.Float64(), time.Time{}
		}
	}
	out = append(out, mgr)

	// This quarter's infrastructure review by the source owners.
	infra := plannedCampaign{k: campaign(label+" Infrastructure Source Owner Review",
		"Source owners certify every entitlement and access profile on Active Directory, GitHub and AWS IAM.",
		certsum.CampaignSourceOwner, certsum.CommentsRevokeOnly), created: now.AddDate(0, 0, -6)}
	infra.k.SourceOwnerCampaignInfo = sourceIDs(srcAD, srcGitHub, srcAWS)
	infra.activated, infra.deadline = infra.created.Add(4*time.Hour), endOfDay(24)
	infra.decidedFrom, infra.reached = infra.activated.Add(2*time.Hour), now
	infra.share = func(int) (float64, time.Time) { return 0.36 + 0.08*g.rng.Float64(), time.Time{} }
	out = append(out, infra)

	// Next quarter's privileged access review, generated and waiting to be activated.
	priv := plannedCampaign{k: campaign(next+" Privileged Access Review",
		"Every holder of privileged roles, access profiles and entitlements, reviewed by the Security Reviewers.",
		certsum.CampaignSearch, certsum.CommentsAll), created: now.AddDate(0, 0, -2)}
	query := "id:*"
	priv.k.SearchCampaignInfo = &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, Query: &query,
		Reviewer:          &certsum.SearchReviewer{Type: certsum.TypeGovernanceGroup, ID: g.ds.GovernanceGroups[g.groups.security].ID},
		AccessConstraints: g.privilegedAccess()}
	out = append(out, priv)
	return out
}

// privilegedAccess is the access constraints of every privileged role, access profile and
// entitlement.
func (g *gen) privilegedAccess() []certsum.AccessConstraint {
	roles := certsum.AccessConstraint{Type: certsum.TypeRole, Operator: certsum.ConstraintSelected}
	for i, r := range g.ds.Roles {
		if g.cat.rolePriv[i] {
			roles.IDs = append(roles.IDs, r.ID)
		}
	}
	aps := certsum.AccessConstraint{Type: certsum.TypeAccessProfile, Operator: certsum.ConstraintSelected}
	for i, a := range g.ds.AccessProfiles {
		if g.cat.apPriv[i] {
			aps.IDs = append(aps.IDs, a.ID)
		}
	}
	ents := certsum.AccessConstraint{Type: certsum.TypeEntitlement, Operator: certsum.ConstraintSelected}
	for i, e := range g.ds.Entitlements {
		if g.cat.entPriv[i] {
			ents.IDs = append(ents.IDs, e.ID)
		}
	}
	var out []certsum.AccessConstraint
	for _, c := range []certsum.AccessConstraint{roles, aps, ents} {
		if len(c.IDs) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// replay runs the demo's campaigns through the store.
type replay struct {
	g        *gen
	st       certsum.Store
	cp       commentPool
	progress func(step string, done, total int)
	owner    string // the campaigns' owner: the head of IT, who runs the certification programme
	person   map[string]int
	role     map[string]int
	ap       map[string]int
	ent      map[string]int
	account  map[string]int
}

// index maps the inventory's ids back to the generator's people and catalog.
func (r *replay) index() {
	g := r.g
	r.owner = g.ds.Identities[g.heads[deptIndex("IT")]].ID
	r.person = make(map[string]int, len(g.ds.Identities))
	for i, x := range g.ds.Identities {
		r.person[x.ID] = i
	}
	r.account = make(map[string]int, len(g.ds.Accounts))
	for i, x := range g.ds.Accounts {
		r.account[x.ID] = i
	}
	r.role, r.ap, r.ent = map[string]int{}, map[string]int{}, map[string]int{}
	for i, x := range g.ds.Roles {
		r.role[x.ID] = i
	}
	for i, x := range g.ds.AccessProfiles {
		r.ap[x.ID] = i
	}
	for i, x := range g.ds.Entitlements {
		r.ent[x.ID] = i
	}
}

// flags returns the risk flags of a generated review item. Every access profile and
// entitlement item is a direct assignment: what a role or profile grants is reviewed as it.
func (r *replay) flags(it certsum.ItemRecord) uint8 {
	g := r.g
	var f uint8
	switch it.AccessType {
	case certsum.TypeRole:
		x := r.role[it.AccessID]
		if g.cat.rolePriv[x] {
			f |= flagPrivileged
		}
		if !g.ds.Roles[x].Revocable {
			f |= flagFixed
		}
	case certsum.TypeAccessProfile:
		f |= flagDirect
		if g.cat.apPriv[r.ap[it.AccessID]] {
			f |= flagPrivileged
		}
	case certsum.TypeEntitlement:
		f |= flagDirect
		x := r.ent[it.AccessID]
		if g.cat.entPriv[x] {
			f |= flagPrivileged
		}
		if !g.ds.Entitlements[x].Revocable {
			f |= flagFixed
		}
		if a, ok := r.account[it.AccountID]; ok {
			if g.ds.Accounts[a].Disabled {
				f |= flagDisabled
			}
			if g.ds.Accounts[a].UsageDays == 0 {
				f |= flagInactive
			}
		}
	}
	return f
}

// run creates, generates and (unless it stays STAGED) activates one campaign, then replays
// its reviewers' decisions and sign-offs.
func (r *replay) run(ctx context.Context, c plannedCampaign, sum *Summary) error {
	k := c.k
	if err := r.st.CreateCampaign(certsum.AsOf(ctx, c.created), &k, r.owner); err != nil {
		return err
	}
	step := "generating " + k.Name
	gen, err := r.st.GenerateCampaign(certsum.AsOf(ctx, c.created.Add(10*time.Minute)), k.ID,
		func(done, total int) { r.progress(step, done, total) })
	if err != nil {
		return err
	}
	if gen.Status != certsum.StatusStaged {
		return fmt.Errorf("generation left it %s", gen.Status)
	}
	sum.Campaigns++
	certs, err := r.certifications(ctx, k.ID)
	if err != nil {
		return err
	}
	sum.Certifications += len(certs)
	for _, cert := range certs {
		sum.IdentitySummaries += cert.IdentitiesTotal
		sum.Items += cert.DecisionsTotal
		if cert.DecisionsTotal > sum.Largest.Items {
			sum.Largest = CertificationSize{ID: cert.ID, Name: cert.Name, Identities: cert.IdentitiesTotal, Items: cert.DecisionsTotal}
		}
	}
	if c.deadline.IsZero() {
		return nil
	}
	if err := r.st.ActivateCampaign(certsum.AsOf(ctx, c.activated), k.ID, certsum.NewTime(c.deadline)); err != nil {
		return err
	}
	step = "deciding " + k.Name
	done := 0
	for _, cert := range certs {
		frac, signAt := c.share(cert.IdentitiesTotal)
		to := c.reached
		if !signAt.IsZero() {
			to = signAt.Add(-10 * time.Minute)
		}
		n, err := r.decide(ctx, cert, frac, c.decidedFrom, to)
		if err != nil {
			return fmt.Errorf("certification %s: %w", cert.Name, err)
		}
		sum.Decided += n
		if !signAt.IsZero() {
			if _, err := r.st.SignOff(certsum.AsOf(ctx, signAt), cert.ID, cert.Reviewer.ID); err != nil {
				return fmt.Errorf("sign off %s: %w", cert.Name, err)
			}
		}
		done++
		r.progress(step, done, len(certs))
	}
	return nil
}

// certifications returns a campaign's certifications in reviewer order.
func (r *replay) certifications(ctx context.Context, campaignID string) ([]certsum.Certification, error) {
	filter, err := certsum.ParseFilter(`campaign.id eq "`+campaignID+`"`, certsum.CertificationSchema)
	if err != nil {
		return nil, err
	}
	var out []certsum.Certification
	for off := 0; ; off += certsum.MaxLimit {
		p, err := r.st.ListCertifications(ctx, certsum.CertificationFilter{},
			certsum.ListQuery{Filter: filter, Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	slices.SortFunc(out, func(a, b certsum.Certification) int { return strings.Compare(a.Reviewer.ID, b.Reviewer.ID) })
	return out, nil
}

// decide has the reviewer decide the first frac of the certification's items, in the order
// generation wrote them (identity by identity), spread between from and to, in about eight
// requests (of 10 to certsum.MaxDecisions items), each stamped with the time of its first
// decision. It returns the number of decisions made.
func (r *replay) decide(ctx context.Context, cert certsum.Certification, frac float64, from, to time.Time) (int, error) {
	k := int(math.Round(frac * float64(cert.DecisionsTotal)))
	if k == 0 {
		return 0, nil
	}
	reader, ok := r.st.(certsum.SnapshotReader)
	if !ok {
		return 0, fmt.Errorf("the store cannot stream a certification's items")
	}
	var items []certsum.ItemRecord
	if _, err := reader.ReadCertification(ctx, cert.ID, func(it certsum.ItemRecord) error {
		items = append(items, it)
		return nil
	}); err != nil {
		return 0, err
	}
	// Generation gives ids that grow in the order it writes items.
	slices.SortFunc(items, func(a, b certsum.ItemRecord) int { return strings.Compare(a.ID, b.ID) })
	items = items[:min(k, len(items))]
	span := to.Sub(from)
	batch := make([]certsum.ReviewDecision, 0, min(certsum.MaxDecisions, max(10, len(items)/8)))
	var at time.Time
	for i, it := range items {
		if len(batch) == 0 {
			at = from.Add(time.Duration((float64(i) + r.g.rng.Float64()) / float64(len(items)) * float64(span)))
		}
		v := r.g.verdict(r.flags(it), &r.cp, to)
		v.ID = it.ID
		batch = append(batch, v)
		if len(batch) == cap(batch) || i == len(items)-1 {
			if _, err := r.st.Decide(certsum.AsOf(ctx, at), cert.ID, cert.Reviewer.ID, batch); err != nil {
				return 0, err
			}
			batch = batch[:0]
		}
	}
	return len(items), nil
}
