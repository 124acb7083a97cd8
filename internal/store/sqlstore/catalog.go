package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/certsum/certsum"
)

// This file plans a Load: it checks a whole dataset against itself and the stored inventory
// before a row is written, and names what the written rows copy (access names, source
// names, accounts). The writing itself is each backend's (batched inserts, COPY).

// MaxLoadErrors is how many problems a rejected Load reports.
const MaxLoadErrors = 10

// DatasetRows counts the rows Load writes, for progress reports.
func DatasetRows(d *certsum.Dataset) int {
	n := len(d.Identities) + len(d.GovernanceGroups) + len(d.Sources) + len(d.Accounts) +
		len(d.Entitlements) + len(d.AccessProfiles) + len(d.Roles) + len(d.Campaigns)
	for _, g := range d.GovernanceGroups {
		n += len(g.MemberIDs)
	}
	for _, a := range d.AccessProfiles {
		n += len(a.EntitlementIDs)
	}
	for _, r := range d.Roles {
		n += len(r.AccessProfileIDs) + len(r.EntitlementIDs)
	}
	for _, k := range d.Campaigns {
		n += len(k.Certifications)
		for _, c := range k.Certifications {
			n += len(c.IdentitySummaries) + len(c.Items)
			for _, it := range c.Items {
				if it.Decision != nil {
					n++
				}
			}
		}
	}
	return n
}

// named is an inventory object's name and source.
type named struct {
	name     string
	sourceID string
}

// Inventory tables a dataset refers to.
const (
	tIdentities     = "identities"
	tGroups         = "governance_groups"
	tSources        = "sources"
	tAccounts       = "accounts"
	tEntitlements   = "entitlements"
	tAccessProfiles = "access_profiles"
	tRoles          = "roles"
)

// Catalog resolves the ids a dataset refers to: first within the dataset, then among the
// rows already stored, which it reads with one query per table for all the ids the dataset
// does not define.
type Catalog struct {
	ctx context.Context
	q   Querier
	dl  Dialect
	d   *certsum.Dataset

	objs         map[string]map[string]named // table → id → name (and source)
	accountOwner map[string]string           // account id → identity id
	accountOf    map[[2]string]string        // (identity, source) → account id

	problems []string
	// repeatedItem is the first review item id the dataset repeats: a conflict, as an id
	// already stored is.
	repeatedItem string
}

// NewCatalog reads what the dataset refers to and does not define, inside the load's
// transaction q.
func NewCatalog(ctx context.Context, q Querier, dl Dialect, d *certsum.Dataset) (*Catalog, error) {
	c := &Catalog{ctx: ctx, q: q, dl: dl, d: d, objs: map[string]map[string]named{},
		accountOwner: map[string]string{}, accountOf: map[[2]string]string{}}
	for _, t := range []string{tIdentities, tGroups, tSources, tAccounts, tEntitlements, tAccessProfiles, tRoles} {
		c.objs[t] = map[string]named{}
	}
	for _, i := range d.Identities {
		c.addLocal("identity", tIdentities, i.ID, named{name: i.Name})
	}
	for _, g := range d.GovernanceGroups {
		c.addLocal("governance group", tGroups, g.ID, named{name: g.Name})
	}
	for _, src := range d.Sources {
		c.addLocal("source", tSources, src.ID, named{name: src.Name})
	}
	for _, a := range d.Accounts {
		if c.addLocal("account", tAccounts, a.ID, named{name: a.Name, sourceID: a.SourceID}) {
			c.accountOwner[a.ID] = a.IdentityID
			k := [2]string{a.IdentityID, a.SourceID}
			if prev, ok := c.accountOf[k]; !ok || a.ID < prev {
				c.accountOf[k] = a.ID
			}
		}
	}
	for _, e := range d.Entitlements {
		c.addLocal("entitlement", tEntitlements, e.ID, named{name: e.Name, sourceID: e.SourceID})
	}
	for _, a := range d.AccessProfiles {
		c.addLocal("access profile", tAccessProfiles, a.ID, named{name: a.Name, sourceID: a.SourceID})
	}
	for _, r := range d.Roles {
		c.addLocal("role", tRoles, r.ID, named{name: r.Name})
	}
	if err := c.fetchStored(); err != nil {
		return nil, err
	}
	return c, nil
}

// addLocal records a dataset object, reporting an empty or repeated id.
func (c *Catalog) addLocal(kind, table, id string, v named) bool {
	m := c.objs[table]
	switch {
	case strings.TrimSpace(id) == "":
		c.problem("a %s has no id", kind)
		return false
	case hasKey(m, id):
		c.problem("%s id %q appears more than once", kind, id)
		return false
	}
	m[id] = v
	return true
}

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

func (c *Catalog) problem(format string, args ...any) {
	if len(c.problems) < MaxLoadErrors {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// accessTable returns the table and the name of the objects an access type names.
func accessTable(t certsum.DtoType) (table, kind string) {
	switch t {
	case certsum.TypeEntitlement:
		return tEntitlements, "entitlement"
	case certsum.TypeAccessProfile:
		return tAccessProfiles, "access profile"
	case certsum.TypeRole:
		return tRoles, "role"
	case certsum.TypeAccount:
		return tAccounts, "account"
	}
	return "", ""
}

// refs walks every reference of the inventory and the certifications (not the review items,
// which itemRefs walks): ref is called with the table, the id, a description of what refers
// to it, and whether an empty id is allowed.
func (c *Catalog) refs(ref func(table, kind, id, where string, optional bool)) {
	d := c.d
	for _, i := range d.Identities {
		ref(tIdentities, "manager", i.ManagerID, "identity "+i.ID, true)
	}
	for _, g := range d.GovernanceGroups {
		ref(tIdentities, "owner", g.OwnerID, "governance group "+g.ID, true)
		for _, m := range g.MemberIDs {
			ref(tIdentities, "member", m, "governance group "+g.ID, false)
		}
	}
	for _, src := range d.Sources {
		ref(tIdentities, "owner", src.OwnerID, "source "+src.ID, true)
	}
	for _, a := range d.Accounts {
		ref(tSources, "source", a.SourceID, "account "+a.ID, false)
		ref(tIdentities, "identity", a.IdentityID, "account "+a.ID, false)
	}
	for _, e := range d.Entitlements {
		ref(tSources, "source", e.SourceID, "entitlement "+e.ID, false)
		ref(tIdentities, "owner", e.OwnerID, "entitlement "+e.ID, true)
	}
	for _, a := range d.AccessProfiles {
		ref(tSources, "source", a.SourceID, "access profile "+a.ID, false)
		ref(tIdentities, "owner", a.OwnerID, "access profile "+a.ID, true)
		for _, e := range a.EntitlementIDs {
			ref(tEntitlements, "entitlement", e, "access profile "+a.ID, false)
		}
	}
	for _, r := range d.Roles {
		ref(tIdentities, "owner", r.OwnerID, "role "+r.ID, true)
		for _, a := range r.AccessProfileIDs {
			ref(tAccessProfiles, "access profile", a, "role "+r.ID, false)
		}
		for _, e := range r.EntitlementIDs {
			ref(tEntitlements, "entitlement", e, "role "+r.ID, false)
		}
	}
	for _, k := range d.Campaigns {
		for _, cd := range k.Certifications {
			cert := cd.Certification
			where := "certification " + cert.ID
			switch cert.Reviewer.Type {
			case certsum.TypeIdentity:
				ref(tIdentities, "reviewer identity", cert.Reviewer.ID, where, false)
			case certsum.TypeGovernanceGroup:
				ref(tGroups, "reviewer governance group", cert.Reviewer.ID, where, false)
			}
			for _, is := range cd.IdentitySummaries {
				ref(tIdentities, "identity", is.IdentityID, "identity summary "+is.ID, false)
			}
		}
	}
}

// itemRefs walks the references of every review item: what it reviews and the account it
// names. Review items are the bulk of a dataset, so nothing here builds a string.
func (c *Catalog) itemRefs(ref func(it *certsum.ItemData, table, id string)) {
	for _, k := range c.d.Campaigns {
		for _, cd := range k.Certifications {
			for i := range cd.Items {
				it := &cd.Items[i]
				if table, _ := accessTable(it.AccessType); table != "" {
					ref(it, table, it.AccessID)
				}
				if it.AccountID != "" {
					ref(it, tAccounts, it.AccountID)
				}
			}
		}
	}
}

// fetchStored reads the stored rows of every id the dataset refers to but does not define,
// then the sources of stored entitlements and access profiles it refers to.
func (c *Catalog) fetchStored() error {
	wanted := map[string]map[string]bool{}
	want := func(table, id string) {
		if id == "" || hasKey(c.objs[table], id) {
			return
		}
		if wanted[table] == nil {
			wanted[table] = map[string]bool{}
		}
		wanted[table][id] = true
	}
	c.refs(func(table, _, id, _ string, _ bool) { want(table, id) })
	c.itemRefs(func(_ *certsum.ItemData, table, id string) { want(table, id) })
	if err := c.fetch(wanted); err != nil {
		return err
	}
	// The names of the sources of entitlements and access profiles, dataset or stored.
	wanted = map[string]map[string]bool{}
	for _, t := range []string{tEntitlements, tAccessProfiles, tAccounts} {
		for _, v := range c.objs[t] {
			want(tSources, v.sourceID)
		}
	}
	return c.fetch(wanted)
}

func (c *Catalog) fetch(wanted map[string]map[string]bool) error {
	for table, set := range wanted {
		ids := make([]string, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		cols := `id, name, '', ''`
		switch table {
		case tAccounts:
			cols = `id, name, source_id, identity_id`
		case tEntitlements, tAccessProfiles:
			cols = `id, name, source_id, ''`
		}
		rows, err := c.q.Query(c.ctx, `SELECT `+cols+` FROM `+table+` WHERE `+c.dl.AnyOf("id", c.dl.Param(1)), c.dl.IDs(ids))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, owner string
			var v named
			if err := rows.Scan(&id, &v.name, &v.sourceID, &owner); err != nil {
				rows.Close()
				return err
			}
			c.objs[table][id] = v
			if table == tAccounts {
				c.accountOwner[id] = owner
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// resolveAccounts finds, for entitlement review items that name no account, the stored
// account (the first by id) through which the identity holds access on the entitlement's
// source, when the dataset has none.
func (c *Catalog) resolveAccounts() error {
	type pair = [2]string
	need := map[pair]bool{}
	identities := map[string]bool{}
	for _, k := range c.d.Campaigns {
		for _, cd := range k.Certifications {
			identityOf := make(map[string]string, len(cd.IdentitySummaries))
			for _, is := range cd.IdentitySummaries {
				identityOf[is.ID] = is.IdentityID
			}
			for _, it := range cd.Items {
				if it.AccessType != certsum.TypeEntitlement || it.AccountID != "" {
					continue
				}
				p := pair{identityOf[it.IdentitySummaryID], c.objs[tEntitlements][it.AccessID].sourceID}
				if _, ok := c.accountOf[p]; !ok {
					need[p] = true
					identities[p[0]] = true
				}
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	ids := make([]string, 0, len(identities))
	for id := range identities {
		ids = append(ids, id)
	}
	for p := range need {
		c.accountOf[p] = ""
	}
	rows, err := c.q.Query(c.ctx, `SELECT identity_id, source_id, MIN(id) FROM accounts
		WHERE `+c.dl.AnyOf("identity_id", c.dl.Param(1))+` GROUP BY identity_id, source_id`, c.dl.IDs(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p pair
		var id string
		if err := rows.Scan(&p[0], &p[1], &id); err != nil {
			return err
		}
		if need[p] {
			c.accountOf[p] = id
		}
	}
	return rows.Err()
}

// Validate checks every reference and value of the dataset and returns every problem (up to
// MaxLoadErrors) as one invalid error.
func (c *Catalog) Validate() error {
	c.refs(func(table, kind, id, where string, optional bool) {
		if id == "" && optional {
			return
		}
		if !hasKey(c.objs[table], id) {
			c.problem("%s: unknown %s %q", where, kind, id)
		}
	})
	c.itemRefs(func(it *certsum.ItemData, table, id string) {
		if !hasKey(c.objs[table], id) {
			_, kind := accessTable(it.AccessType)
			if table == tAccounts {
				kind = "account"
			}
			c.problem("review item %s: unknown %s %q", it.ID, kind, id)
		}
	})
	d := c.d
	for _, i := range d.Identities {
		if strings.TrimSpace(i.Name) == "" {
			c.problem("identity %q has no name", i.ID)
		}
	}
	for _, g := range d.GovernanceGroups {
		if dup := certsum.FirstRepeat(g.MemberIDs); dup != "" {
			c.problem("governance group %s: member %q appears more than once", g.ID, dup)
		}
	}
	for _, a := range d.AccessProfiles {
		if dup := certsum.FirstRepeat(a.EntitlementIDs); dup != "" {
			c.problem("access profile %s: entitlement %q appears more than once", a.ID, dup)
		}
	}
	for _, r := range d.Roles {
		if dup := certsum.FirstRepeat(r.AccessProfileIDs); dup != "" {
			c.problem("role %s: access profile %q appears more than once", r.ID, dup)
		}
		if dup := certsum.FirstRepeat(r.EntitlementIDs); dup != "" {
			c.problem("role %s: entitlement %q appears more than once", r.ID, dup)
		}
	}
	c.validateCampaigns()
	if len(c.problems) > 0 {
		return certsum.Invalidf("dataset", "the dataset is invalid: %s", strings.Join(c.problems, "; "))
	}
	if c.repeatedItem != "" {
		return certsum.Conflictf("review item %q already exists", c.repeatedItem)
	}
	return c.resolveAccounts()
}

func (c *Catalog) validateCampaigns() {
	campaigns, certs, summaries, items := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, k := range c.d.Campaigns {
		kc := k.Campaign
		switch {
		case strings.TrimSpace(kc.ID) == "":
			c.problem("a campaign has no id")
		case campaigns[kc.ID]:
			c.problem("campaign id %q appears more than once", kc.ID)
		}
		campaigns[kc.ID] = true
		if strings.TrimSpace(kc.Name) == "" {
			c.problem("campaign %s has no name", kc.ID)
		}
		if kc.Type == "" {
			c.problem("campaign %s has no type", kc.ID)
		}
		if kc.Status == "" {
			c.problem("campaign %s has no status", kc.ID)
		}
		switch kc.MandatoryCommentRequirement {
		case "", certsum.CommentsAll, certsum.CommentsRevokeOnly, certsum.CommentsNone:
		default:
			c.problem("campaign %s: mandatoryCommentRequirement %q is not ALL_DECISIONS, REVOKE_ONLY_DECISIONS or NO_DECISIONS",
				kc.ID, kc.MandatoryCommentRequirement)
		}
		for _, cd := range k.Certifications {
			cert := cd.Certification
			where := "certification " + cert.ID
			switch {
			case strings.TrimSpace(cert.ID) == "":
				c.problem("a certification of campaign %s has no id", kc.ID)
			case certs[cert.ID]:
				c.problem("certification id %q appears more than once", cert.ID)
			}
			certs[cert.ID] = true
			switch cert.Phase {
			case certsum.PhaseStaged, certsum.PhaseActive, certsum.PhaseSigned:
			default:
				c.problem("%s: phase %q is not STAGED, ACTIVE or SIGNED", where, cert.Phase)
			}
			switch cert.Reviewer.Type {
			case certsum.TypeIdentity, certsum.TypeGovernanceGroup:
			default:
				c.problem("%s: reviewer type %q is not IDENTITY or GOVERNANCE_GROUP", where, cert.Reviewer.Type)
			}
			local := map[string]bool{}
			identities := map[string]bool{}
			for _, is := range cd.IdentitySummaries {
				switch {
				case strings.TrimSpace(is.ID) == "":
					c.problem("%s: an identity summary has no id", where)
				case summaries[is.ID]:
					c.problem("identity summary id %q appears more than once", is.ID)
				}
				summaries[is.ID] = true
				local[is.ID] = true
				if identities[is.IdentityID] {
					c.problem("%s: identity %q has more than one identity summary", where, is.IdentityID)
				}
				identities[is.IdentityID] = true
			}
			for _, it := range cd.Items {
				// Review items are the bulk of a dataset: no string is built unless a check fails.
				switch {
				case strings.TrimSpace(it.ID) == "":
					c.problem("%s: a review item has no id", where)
				case items[it.ID] && c.repeatedItem == "":
					c.repeatedItem = it.ID
				}
				items[it.ID] = true
				if !local[it.IdentitySummaryID] {
					c.problem("review item %s: identity summary %q is not in %s", it.ID, it.IdentitySummaryID, where)
				}
				if table, _ := accessTable(it.AccessType); table == "" {
					c.problem("review item %s: access type %q is not ENTITLEMENT, ACCESS_PROFILE, ROLE or ACCOUNT", it.ID, it.AccessType)
				}
				if it.Decision != nil {
					if !it.Decision.Decision.Valid() {
						c.problem("review item %s: decision %q is not APPROVE or REVOKE", it.ID, it.Decision.Decision)
					}
					if it.Decision.ProposedEndDate != nil && it.Decision.Decision != certsum.Revoke {
						c.problem("review item %s: proposedEndDate is only allowed with REVOKE", it.ID)
					}
				}
			}
		}
	}
}

// IdentityName returns the name of an identity the dataset refers to.
func (c *Catalog) IdentityName(id string) string { return c.objs[tIdentities][id].name }

// Describe returns the copied columns of a review item: the access item's name, the source
// name of an entitlement or access profile, and the account through which the identity
// holds it (the given one, or the identity's account on the entitlement's source; nil for
// none).
func (c *Catalog) Describe(it certsum.ItemData, identity string) (name string, entSource, apSource *string, account any) {
	table, _ := accessTable(it.AccessType)
	v := c.objs[table][it.AccessID]
	name = v.name
	switch it.AccessType {
	case certsum.TypeEntitlement:
		s := c.objs[tSources][v.sourceID].name
		entSource = &s
	case certsum.TypeAccessProfile:
		s := c.objs[tSources][v.sourceID].name
		apSource = &s
	}
	switch {
	case it.AccountID != "":
		account = it.AccountID
	case it.AccessType == certsum.TypeAccount:
		account = it.AccessID
	case it.AccessType == certsum.TypeEntitlement:
		account = NullString(c.accountOf[[2]string{identity, v.sourceID}])
	}
	return name, entSource, apSource, account
}

// CampaignColumns are the columns of CampaignRow.
var CampaignColumns = []string{"id", "name", "description", "deadline", "type", "email_notification_enabled",
	"auto_revoke_allowed", "recommendations_enabled", "status", "correlated_status", "created", "modified", "alerts",
	"filter", "sunset_comments_required", "source_owner_campaign_info", "mandatory_comment_requirement"}

// CampaignRow returns the stored values of a dataset's campaign (CampaignColumns): created
// defaults to now, modified to created, the correlated status to CORRELATED and the comment
// requirement to NO_DECISIONS.
func CampaignRow(dl Dialect, k certsum.Campaign, now certsum.Time) ([]any, error) {
	created := k.Created
	if created.IsZero() {
		created = now
	}
	modified := k.Modified
	if modified.IsZero() {
		modified = created
	}
	alerts := k.Alerts
	if alerts == nil {
		alerts = []certsum.CampaignAlert{}
	}
	aj, err := JSONText(alerts)
	if err != nil {
		return nil, err
	}
	var filter, so any
	if k.Filter != nil {
		if filter, err = JSONText(k.Filter); err != nil {
			return nil, err
		}
	}
	if k.SourceOwnerCampaignInfo != nil {
		if so, err = JSONText(k.SourceOwnerCampaignInfo); err != nil {
			return nil, err
		}
	}
	corr := k.CorrelatedStatus
	if corr == "" {
		corr = certsum.Correlated
	}
	req := k.MandatoryCommentRequirement
	if req == "" {
		req = certsum.CommentsNone
	}
	return []any{k.ID, k.Name, k.Description, dl.NullTimeArg(k.Deadline), string(k.Type),
		k.EmailNotificationEnabled, k.AutoRevokeAllowed, k.RecommendationsEnabled, string(k.Status), string(corr),
		dl.TimeArg(created), dl.TimeArg(modified), aj, filter, k.SunsetCommentsRequired, so, string(req)}, nil
}

// CertificationRow is a certification of a dataset with its campaign's id.
type CertificationRow struct {
	Campaign string
	Data     *certsum.CertificationData
}

// Certifications lists the certifications of a dataset in order.
func Certifications(d *certsum.Dataset) []CertificationRow {
	var out []CertificationRow
	for i := range d.Campaigns {
		for j := range d.Campaigns[i].Certifications {
			out = append(out, CertificationRow{d.Campaigns[i].Campaign.ID, &d.Campaigns[i].Certifications[j]})
		}
	}
	return out
}

// Pair is a (parent, child, position) link row.
type Pair struct {
	Parent, Child string
	Ord           int
}

// Flatten returns the links of parents to their children, in order.
func Flatten[T any](xs []T, parent func(T) string, children func(T) []string) []Pair {
	var out []Pair
	for _, x := range xs {
		for i, c := range children(x) {
			out = append(out, Pair{parent(x), c, i})
		}
	}
	return out
}
