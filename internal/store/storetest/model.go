package storetest

import (
	"fmt"
	"sort"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// model is the suite's own account of what a store holds after loading a dataset and
// applying decisions: the oracle that list results, counters and summaries are compared
// with. It never reads a store.
type model struct {
	identities map[string]certsum.Identity
	groups     map[string]certsum.GovernanceGroup
	sources    map[string]certsum.Source
	accounts   map[string]certsum.Account
	ents       map[string]certsum.Entitlement
	aps        map[string]certsum.AccessProfile
	roles      map[string]certsum.Role
	campaigns  map[string]*mCampaign
	certs      map[string]*mCert
	summaries  map[string]*mSummary
	items      map[string]*mItem
}

type mCampaign struct {
	c     certsum.Campaign
	certs []string
}

type mCert struct {
	c        certsum.Certification
	campaign string
}

type mSummary struct {
	id, cert, identity string
}

type mItem struct {
	id, cert, summary string
	typ               certsum.DtoType
	accessID          string
	accountID         string
	newAccess         bool
	decision          certsum.Decision
	comments          *string
}

// newModel builds the model of a freshly loaded dataset.
func newModel(d *certsum.Dataset) *model {
	m := &model{
		identities: map[string]certsum.Identity{}, groups: map[string]certsum.GovernanceGroup{},
		sources: map[string]certsum.Source{}, accounts: map[string]certsum.Account{},
		ents: map[string]certsum.Entitlement{}, aps: map[string]certsum.AccessProfile{}, roles: map[string]certsum.Role{},
		campaigns: map[string]*mCampaign{}, certs: map[string]*mCert{}, summaries: map[string]*mSummary{},
		items: map[string]*mItem{},
	}
	for _, x := range d.Identities {
		m.identities[x.ID] = x
	}
	for _, x := range d.GovernanceGroups {
		m.groups[x.ID] = x
	}
	for _, x := range d.Sources {
		m.sources[x.ID] = x
	}
	for _, x := range d.Accounts {
		m.accounts[x.ID] = x
	}
	for _, x := range d.Entitlements {
		m.ents[x.ID] = x
	}
	for _, x := range d.AccessProfiles {
		m.aps[x.ID] = x
	}
	for _, x := range d.Roles {
		m.roles[x.ID] = x
	}
	for _, kd := range d.Campaigns {
		k := &mCampaign{c: kd.Campaign}
		m.campaigns[kd.Campaign.ID] = k
		for _, cd := range kd.Certifications {
			k.certs = append(k.certs, cd.Certification.ID)
			m.certs[cd.Certification.ID] = &mCert{c: cd.Certification, campaign: kd.Campaign.ID}
			identityOf := map[string]string{}
			for _, is := range cd.IdentitySummaries {
				m.summaries[is.ID] = &mSummary{id: is.ID, cert: cd.Certification.ID, identity: is.IdentityID}
				identityOf[is.ID] = is.IdentityID
			}
			for _, it := range cd.Items {
				mi := &mItem{id: it.ID, cert: cd.Certification.ID, summary: it.IdentitySummaryID, typ: it.AccessType,
					accessID: it.AccessID, accountID: it.AccountID, newAccess: it.NewAccess}
				if mi.accountID == "" {
					switch it.AccessType {
					case certsum.TypeAccount:
						mi.accountID = it.AccessID
					case certsum.TypeEntitlement:
						mi.accountID = m.accountOn(identityOf[it.IdentitySummaryID], m.ents[it.AccessID].SourceID)
					}
				}
				if it.Decision != nil {
					mi.decision = it.Decision.Decision
					mi.comments = it.Decision.Comments
				}
				m.items[it.ID] = mi
			}
		}
	}
	return m
}

// accountOn returns the identity's account on a source with the smallest id, or "".
func (m *model) accountOn(identity, source string) string {
	best := ""
	for id, a := range m.accounts {
		if a.IdentityID == identity && a.SourceID == source && (best == "" || id < best) {
			best = id
		}
	}
	return best
}

// decide records decisions as a store applies them.
func (m *model) decide(ds []certsum.ReviewDecision) {
	for _, d := range ds {
		it := m.items[d.ID]
		it.decision = d.Decision
		it.comments = d.Comments
	}
}

// accessName returns the name of an access item.
func (m *model) accessName(t certsum.DtoType, id string) string {
	switch t {
	case certsum.TypeEntitlement:
		return m.ents[id].Name
	case certsum.TypeAccessProfile:
		return m.aps[id].Name
	case certsum.TypeRole:
		return m.roles[id].Name
	case certsum.TypeAccount:
		return m.accounts[id].Name
	}
	return ""
}

// sourceNames returns the entitlement.sourceName and accessProfile.sourceName of an access
// item: the source name for the matching type, null otherwise.
func (m *model) sourceNames(t certsum.DtoType, id string) (ent, ap any) {
	switch t {
	case certsum.TypeEntitlement:
		return m.sources[m.ents[id].SourceID].Name, nil
	case certsum.TypeAccessProfile:
		return nil, m.sources[m.aps[id].SourceID].Name
	}
	return nil, nil
}

// certItems returns a certification's items, by id.
func (m *model) certItems(cert string) []*mItem {
	var out []*mItem
	for _, it := range m.items {
		if it.cert == cert {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// certSummaries returns a certification's identity summary ids, sorted.
func (m *model) certSummaries(cert string) []string {
	var out []string
	for id, s := range m.summaries {
		if s.cert == cert {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// summaryCompleted reports whether every item of an identity summary is decided.
func (m *model) summaryCompleted(sid string) bool {
	for _, it := range m.items {
		if it.summary == sid && it.decision == "" {
			return false
		}
	}
	return true
}

// counts returns a certification's expected counters.
func (m *model) counts(cert string) (made, total, identities, identitiesDone int) {
	for _, it := range m.certItems(cert) {
		total++
		if it.decision != "" {
			made++
		}
	}
	for _, sid := range m.certSummaries(cert) {
		identities++
		if m.summaryCompleted(sid) {
			identitiesDone++
		}
	}
	return
}

// decisionSummary counts a certification's items whose identity summary matches filter
// (DecisionSummarySchema; nil for all).
func (m *model) decisionSummary(cert string, filter query.Expr) (certsum.DecisionSummary, error) {
	var d certsum.DecisionSummary
	for _, it := range m.certItems(cert) {
		ok, err := query.Eval(filter, query.Map{"identitySummary.id": it.summary})
		if err != nil {
			return d, err
		}
		if ok {
			d.Add(it.typ, it.decision, 1)
		}
	}
	return d, nil
}

// reviews reports whether identity reviews the certification, directly or through its group.
func (m *model) reviews(cert, identity string) bool {
	c := m.certs[cert].c
	if c.Reviewer.Type == certsum.TypeIdentity {
		return c.Reviewer.ID == identity
	}
	for _, mem := range m.groups[c.Reviewer.ID].MemberIDs {
		if mem == identity {
			return true
		}
	}
	return false
}

// The records below are what query.Eval and query.Select see: each resource as the values of
// its schema's fields, plus the id field. A nil value is null.

func utc(t *certsum.Time) any {
	if t == nil {
		return nil
	}
	return t.Time.UTC().Truncate(time.Millisecond)
}

func (m *model) certRecords(reviewer string) []query.Map {
	var out []query.Map
	for id, c := range m.certs {
		if reviewer != "" && !m.reviews(id, reviewer) {
			continue
		}
		made, total, _, _ := m.counts(id)
		out = append(out, query.Map{
			"id": id, "campaign.id": c.campaign, "phase": string(c.c.Phase), "completed": made == total,
			"name": c.c.Name, "due": utc(c.c.Due), "signed": utc(c.c.Signed),
		})
	}
	return out
}

func (m *model) itemRecords(cert string, f certsum.ReviewItemFilter) []query.Map {
	var out []query.Map
	for _, it := range m.certItems(cert) {
		if f.AccessType != "" {
			if it.typ != f.AccessType || !contains(f.AccessIDs, it.accessID) {
				continue
			}
		}
		ent, ap := m.sourceNames(it.typ, it.accessID)
		s := m.summaries[it.summary]
		out = append(out, query.Map{
			"id": it.id, "type": string(it.typ), "access.type": string(it.typ), "completed": it.decision != "",
			"identitySummary.id": it.summary, "identitySummary.name": m.identities[s.identity].Name,
			"access.id": it.accessID, "access.name": m.accessName(it.typ, it.accessID),
			"entitlement.sourceName": ent, "accessProfile.sourceName": ap,
		})
	}
	return out
}

func (m *model) summaryRecords(cert string) []query.Map {
	var out []query.Map
	for _, sid := range m.certSummaries(cert) {
		s := m.summaries[sid]
		out = append(out, query.Map{"id": sid, "name": m.identities[s.identity].Name, "completed": m.summaryCompleted(sid)})
	}
	return out
}

func (m *model) accessRecords(cert string, t certsum.DtoType) []query.Map {
	type agg struct {
		open bool
	}
	seen := map[string]*agg{}
	var ids []string
	for _, it := range m.certItems(cert) {
		if it.typ != t {
			continue
		}
		a := seen[it.accessID]
		if a == nil {
			a = &agg{}
			seen[it.accessID] = a
			ids = append(ids, it.accessID)
		}
		if it.decision == "" {
			a.open = true
		}
	}
	var out []query.Map
	for _, id := range ids {
		ent, ap := m.sourceNames(t, id)
		out = append(out, query.Map{
			"access.id": id, "access.name": m.accessName(t, id), "completed": !seen[id].open,
			"entitlement.sourceName": ent, "accessProfile.sourceName": ap,
		})
	}
	return out
}

func (m *model) reviewerRecords(cert string) []query.Map {
	c := m.certs[cert].c
	ids := []string{c.Reviewer.ID}
	if c.Reviewer.Type == certsum.TypeGovernanceGroup {
		ids = m.groups[c.Reviewer.ID].MemberIDs
	}
	var out []query.Map
	for _, id := range ids {
		i := m.identities[id]
		var email any
		if i.Email != "" {
			email = i.Email
		}
		out = append(out, query.Map{"id": id, "name": i.Name, "email": email})
	}
	return out
}

func (m *model) permissionRecords(ent string) []query.Map {
	var out []query.Map
	for i, p := range m.ents[ent].Permissions {
		rights := p.Rights
		if rights == nil {
			rights = []string{}
		}
		out = append(out, query.Map{"id": fmt.Sprintf("%010d", i), "target": p.Target, "rights": rights})
	}
	return out
}

func (m *model) campaignRecords() []query.Map {
	var out []query.Map
	for id, k := range m.campaigns {
		out = append(out, query.Map{"id": id, "name": k.c.Name, "status": string(k.c.Status), "created": utc(&k.c.Created)})
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
