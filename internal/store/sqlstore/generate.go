package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// Generation turns a PENDING campaign into its certifications (INVENTORY.md §2.8) in one
// write transaction, so that the campaign is either STAGED with all of them or left with
// none: it reads the live inventory, streams the identities in scope ordered by reviewer,
// folds each identity's holdings into review items (certsum.AccessCatalog.ReviewedAs), and
// writes certifications, identity summaries and review items in batches as it goes. Only the
// catalog of roles, access profiles and entitlements and one small record per certification
// stay in memory, whatever the number of identities.

// genCatalog is the live catalog generation reads once.
type genCatalog struct {
	access      certsum.AccessCatalog
	names       map[certsum.DtoType]map[string]string
	entSource   map[string]string
	apSource    map[string]string
	sourceName  map[string]string
	sourceOwner map[string]string // live sources → live owner ("" for none)
	// removedIdentities and removedAccounts are what imports removed: generation reads
	// assignments without joining identities and accounts again, and drops these here.
	removedIdentities map[string]bool
	removedAccounts   map[string]bool
}

// loadGenCatalog reads the live catalog.
func loadGenCatalog(ctx context.Context, tx Querier) (*genCatalog, error) {
	c := &genCatalog{
		access: certsum.AccessCatalog{RoleProfiles: map[string][]string{}, RoleEntitlements: map[string][]string{},
			ProfileEnts: map[string][]string{}},
		names: map[certsum.DtoType]map[string]string{certsum.TypeRole: {}, certsum.TypeAccessProfile: {},
			certsum.TypeEntitlement: {}},
		entSource: map[string]string{}, apSource: map[string]string{}, sourceName: map[string]string{},
		sourceOwner: map[string]string{}, removedIdentities: map[string]bool{}, removedAccounts: map[string]bool{},
	}
	queries := []struct {
		sql  string
		scan func(a, b, c string)
	}{
		{`SELECT s.id, s.name, COALESCE(o.id, '') FROM sources s
			LEFT JOIN identities o ON o.id = s.owner_id AND o.deleted_at IS NULL WHERE s.deleted_at IS NULL`,
			func(id, name, owner string) { c.sourceName[id], c.sourceOwner[id] = name, owner }},
		{`SELECT id, name, source_id FROM entitlements WHERE deleted_at IS NULL`,
			func(id, name, src string) { c.names[certsum.TypeEntitlement][id], c.entSource[id] = name, src }},
		{`SELECT id, name, source_id FROM access_profiles WHERE deleted_at IS NULL`,
			func(id, name, src string) { c.names[certsum.TypeAccessProfile][id], c.apSource[id] = name, src }},
		{`SELECT id, name, '' FROM roles WHERE deleted_at IS NULL`,
			func(id, name, _ string) { c.names[certsum.TypeRole][id] = name }},
		{`SELECT m.access_profile_id, m.entitlement_id, '' FROM access_profile_entitlements m
			JOIN entitlements e ON e.id = m.entitlement_id AND e.deleted_at IS NULL ORDER BY m.access_profile_id, m.ord`,
			func(ap, e, _ string) { c.access.ProfileEnts[ap] = append(c.access.ProfileEnts[ap], e) }},
		{`SELECT m.role_id, m.access_profile_id, '' FROM role_access_profiles m
			JOIN access_profiles a ON a.id = m.access_profile_id AND a.deleted_at IS NULL ORDER BY m.role_id, m.ord`,
			func(r, ap, _ string) { c.access.RoleProfiles[r] = append(c.access.RoleProfiles[r], ap) }},
		{`SELECT id, '', '' FROM identities WHERE deleted_at IS NOT NULL`,
			func(id, _, _ string) { c.removedIdentities[id] = true }},
		{`SELECT id, '', '' FROM accounts WHERE deleted_at IS NOT NULL`,
			func(id, _, _ string) { c.removedAccounts[id] = true }},
		{`SELECT m.role_id, m.entitlement_id, '' FROM role_entitlements m
			JOIN entitlements e ON e.id = m.entitlement_id AND e.deleted_at IS NULL ORDER BY m.role_id, m.ord`,
			func(r, e, _ string) { c.access.RoleEntitlements[r] = append(c.access.RoleEntitlements[r], e) }},
	}
	for _, q := range queries {
		err := Each(ctx, tx, q.sql, nil, func(rows Rows) error {
			var a, b, x string
			if err := rows.Scan(&a, &b, &x); err != nil {
				return err
			}
			q.scan(a, b, x)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// genCert is a certification being generated.
type genCert struct {
	key          any
	id           string
	reviewerID   string
	reviewerType certsum.DtoType
	tally        certsum.Tally
	identities   int
	summaries    map[string]any // identity → summary key, for certifications an identity may join twice
}

// generator writes one campaign's certifications.
type generator[K Key] struct {
	c        *Core[K]
	tx       Querier
	dl       Dialect
	camp     *certsum.Campaign
	cat      *genCatalog
	now      certsum.Time
	certs    map[string]*genCert // by reviewer type + id
	order    []*genCert
	alerts   []certsum.CampaignAlert
	summary  [][]any
	items    [][]any
	next     map[string]int64 // the next integer key of each table, where keys are integers
	progress func(done, total int)
	done     int
	total    int
	w        *importWriter // the batched inserts
	attrs    string        // the attributes of the identity identityRows hands fn (see there)
	prefix   string        // of the ids of the summaries and items, random per generation
	seq      int64
	// access counts the buffered items per certification and access item: flush adds them
	// to the access summaries.
	access map[string]*accessCount
}

// accessCount is one access summary's share of the buffered items.
type accessCount struct {
	cert                any
	typ                 certsum.DtoType
	id, name            string
	entSource, apSource any
	items               int
}

// seqID returns the next id of an identity summary or review item: the generation's random
// prefix and a sequence number, 32 hex characters like every id. Ids that grow within a
// generation are appended to the id indexes instead of scattered across them, which makes
// writing a large campaign several times faster; they stay unguessable across campaigns.
func (g *generator[K]) seqID() string {
	if g.prefix == "" {
		g.prefix = certsum.NewID()[:20]
	}
	g.seq++
	return fmt.Sprintf("%s%012x", g.prefix, g.seq)
}

// intKeys reports whether the backend keys the certification tables by integers.
func (g *generator[K]) intKeys() bool {
	var zero K
	_, ok := any(zero).(int64)
	return ok
}

// key returns the key of a new row of table with public id id: the next integer where keys
// are integers, the id itself otherwise.
func (g *generator[K]) key(table, id string) any {
	if !g.intKeys() {
		return id
	}
	k := g.next[table]
	g.next[table] = k + 1
	return k
}

// startKeys reads where each table's integer keys continue.
func (g *generator[K]) startKeys(ctx context.Context) error {
	g.next = map[string]int64{}
	if !g.intKeys() {
		return nil
	}
	for _, t := range []string{"certifications", "identity_summaries", "review_items"} {
		var max int64
		if _, err := QueryRow(ctx, g.tx, `SELECT COALESCE(MAX(key), 0) FROM `+t, nil, &max); err != nil {
			return err
		}
		g.next[t] = max + 1
	}
	return nil
}

// keyCols returns the key column of a certification table to insert besides id, if any.
func (g *generator[K]) keyCols(col string) []string {
	if col == "id" {
		return nil
	}
	return []string{col}
}

// cert returns the certification of a reviewer, creating it.
func (g *generator[K]) cert(ctx context.Context, reviewerType certsum.DtoType, reviewerID string) (*genCert, error) {
	k := string(reviewerType) + ":" + reviewerID
	if gc, ok := g.certs[k]; ok {
		return gc, nil
	}
	var name string
	table := "identities"
	if reviewerType == certsum.TypeGovernanceGroup {
		table = "governance_groups"
	}
	if _, err := QueryRow(ctx, g.tx, `SELECT name FROM `+table+` WHERE id = `+g.dl.Param(1), []any{reviewerID}, &name); err != nil {
		return nil, err
	}
	gc := &genCert{id: certsum.NewID(), reviewerID: reviewerID, reviewerType: reviewerType}
	gc.key = g.key("certifications", gc.id)
	keys := g.dl.Keys()
	cols := append(g.keyCols(keys.Cert), "id", "campaign_id", "name", "reviewer_id", "reviewer_type", "phase", "created", "modified")
	args := []any{}
	if len(cols) == 9 {
		args = append(args, gc.key)
	}
	now := g.dl.TimeArg(g.now)
	args = append(args, gc.id, g.camp.ID, g.camp.Name+": "+name, reviewerID, string(reviewerType), string(certsum.PhaseStaged), now, now)
	if _, err := g.tx.Exec(ctx, `INSERT INTO certifications (`+strings.Join(cols, ", ")+`) VALUES (`+Params(g.dl, 1, len(cols))+`)`,
		args...); err != nil {
		return nil, err
	}
	g.certs[k] = gc
	g.order = append(g.order, gc)
	return gc, nil
}

// add puts one identity's review items into a certification.
func (g *generator[K]) add(ctx context.Context, gc *genCert, identityID, identityName string, items []certsum.Holding) error {
	if len(items) == 0 {
		return nil
	}
	keys := g.dl.Keys()
	var t certsum.Tally
	for _, h := range items {
		t.Add(h.Type, "", 1)
	}
	summaryKey, merged := gc.summaries[identityID]
	if !merged {
		sid := g.seqID()
		summaryKey = g.key("identity_summaries", sid)
		row := []any{}
		if g.intKeys() {
			row = append(row, summaryKey)
		}
		row = append(row, sid, gc.key, identityID, identityName)
		for i := range t {
			row = append(row, t[i][0])
		}
		g.summary = append(g.summary, row)
		gc.identities++
		if gc.summaries != nil {
			gc.summaries[identityID] = summaryKey
		}
	} else {
		if err := g.flush(ctx); err != nil {
			return err
		}
		if _, err := g.tx.Exec(ctx, `UPDATE identity_summaries SET ent_total = ent_total + `+g.dl.Param(1)+
			`, ap_total = ap_total + `+g.dl.Param(2)+`, role_total = role_total + `+g.dl.Param(3)+
			`, acct_total = acct_total + `+g.dl.Param(4)+` WHERE `+keys.Summary+` = `+g.dl.Param(5),
			t[0][0], t[1][0], t[2][0], t[3][0], summaryKey); err != nil {
			return err
		}
	}
	gc.tally.Plus(t)
	for _, h := range items {
		id := g.seqID()
		row := []any{}
		if g.intKeys() {
			row = append(row, g.key("review_items", id))
		}
		var entSource, apSource, account any
		switch h.Type {
		case certsum.TypeEntitlement:
			entSource, account = g.cat.sourceName[g.cat.entSource[h.AccessID]], null(h.AccountID)
		case certsum.TypeAccessProfile:
			apSource = g.cat.sourceName[g.cat.apSource[h.AccessID]]
		}
		name := g.cat.names[h.Type][h.AccessID]
		row = append(row, id, gc.key, summaryKey, string(h.Type), h.AccessID, name, entSource, apSource, account, false)
		g.items = append(g.items, row)
		ak := gc.id + "\x00" + string(h.Type) + "\x00" + h.AccessID
		if a, ok := g.access[ak]; ok {
			a.items++
		} else {
			if g.access == nil {
				g.access = map[string]*accessCount{}
			}
			g.access[ak] = &accessCount{cert: gc.key, typ: h.Type, id: h.AccessID, name: name, entSource: entSource,
				apSource: apSource, items: 1}
		}
	}
	if len(g.items) >= 20000 {
		return g.flush(ctx)
	}
	return nil
}

// flush writes the buffered identity summaries, then their review items.
func (g *generator[K]) flush(ctx context.Context) error {
	keys := g.dl.Keys()
	sumCols := append(g.keyCols(keys.Summary), "id", keys.SummaryCert, "identity_id", "name",
		"ent_total", "ap_total", "role_total", "acct_total")
	if err := g.w.upsert(ctx, table{name: "identity_summaries", cols: sumCols}, g.summary); err != nil {
		return err
	}
	itemCols := append(g.keyCols(keys.Item), "id", keys.ItemCert, keys.ItemSummary, "access_type", "access_id",
		"access_name", "ent_source_name", "ap_source_name", "account_id", "new_access")
	if err := g.w.upsert(ctx, table{name: "review_items", cols: itemCols}, g.items); err != nil {
		return err
	}
	rows := make([][]any, 0, len(g.access))
	for _, a := range g.access {
		if a.typ != certsum.TypeAccount {
			rows = append(rows, []any{a.cert, string(a.typ), a.id, a.name, a.entSource, a.apSource, a.items, 0})
		}
	}
	accessTable := table{name: "access_summaries", cols: []string{keys.AccessCert, "access_type", "access_id", "name",
		"ent_source_name", "ap_source_name", "items_total", "items_decided"},
		key: []string{keys.AccessCert, "access_type", "access_id"}, insertOnly: []string{"name", "ent_source_name",
			"ap_source_name", "items_decided"}, add: []string{"items_total"}}
	if err := g.w.upsert(ctx, accessTable, rows); err != nil {
		return err
	}
	g.summary, g.items = g.summary[:0], g.items[:0]
	clear(g.access)
	return nil
}

// holdingRow is one row of a generation query.
type holdingRow struct {
	reviewer, identity, name, manager, typ, access, account, attrs string
}

// identityRows streams rows of (reviewer, identity, name, manager, access type, access id,
// account id) of live identities and assignments, ordered by reviewer then identity, and
// calls fn with each identity's live holdings; a removed manager is no manager. The rows
// arrive in batches (Backend.Fetch), so that fn may write. While fn runs, g.attrs holds the
// identity's attributes as JSON when the campaign filter reads them ("" otherwise).
func (g *generator[K]) identityRows(ctx context.Context, stmt string, args []any,
	fn func(reviewer, identity, name, manager string, held []certsum.Holding) error) error {
	var cur struct {
		reviewer, identity, name, manager, attrs string
		held                                     []certsum.Holding
	}
	emit := func() error {
		if cur.identity == "" {
			return nil
		}
		g.done++
		if g.progress != nil && g.done%1000 == 0 {
			// A SOURCE_OWNER campaign reads an identity once per owner it holds access of.
			g.progress(min(g.done, g.total), g.total)
		}
		g.attrs = cur.attrs
		return fn(cur.reviewer, cur.identity, cur.name, cur.manager, cur.held)
	}
	var buf []holdingRow
	scan := func(rows Rows) error {
		var r holdingRow
		if err := rows.Scan(&r.reviewer, &r.identity, &r.name, &r.manager, &r.typ, &r.access, &r.account, &r.attrs); err != nil {
			return err
		}
		buf = append(buf, r)
		return nil
	}
	flush := func() error {
		for _, r := range buf {
			if r.identity != cur.identity || r.reviewer != cur.reviewer {
				if err := emit(); err != nil {
					return err
				}
				cur.reviewer, cur.identity, cur.name, cur.manager, cur.attrs, cur.held =
					r.reviewer, r.identity, r.name, r.manager, r.attrs, cur.held[:0]
				if g.cat.removedIdentities[cur.manager] {
					cur.manager = ""
				}
			}
			t := certsum.DtoType(r.typ)
			if _, live := g.cat.names[t][r.access]; live && !g.cat.removedAccounts[r.account] {
				cur.held = append(cur.held, certsum.Holding{Type: t, AccessID: r.access, AccountID: r.account})
			}
		}
		buf = buf[:0]
		return nil
	}
	if err := g.c.B.Fetch(ctx, g.tx, stmt, args, 5000, scan, flush); err != nil {
		return err
	}
	return emit()
}

// holdingsSelect is the columns and joins every generation query shares: the live
// assignments of live identities, with the identity's manager (live or not), and its
// attributes when the campaign filter reads them.
func (g *generator[K]) holdingsSelect() string {
	attrs := `''`
	if f := g.camp.FilterSnapshot; f != nil && f.UsesAttributes() {
		attrs = `CAST(i.attributes AS TEXT)`
	}
	return `i.id, i.name, COALESCE(i.manager_id, ''), a.access_type, a.access_id, a.account_id, ` + attrs + `
FROM identities i
JOIN assignments a ON a.identity_id = i.id AND a.deleted_at IS NULL`
}

// manager generates a MANAGER campaign: one certification per manager over the direct
// reports' access. Identities without a (live) manager are left out, named in an alert.
func (g *generator[K]) manager(ctx context.Context) error {
	var without []string
	n, err := countAndSample(ctx, g.tx, `FROM identities i WHERE i.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM identities m WHERE m.id = i.manager_id AND m.deleted_at IS NULL)
		AND EXISTS (SELECT 1 FROM assignments a WHERE a.identity_id = i.id AND a.deleted_at IS NULL)`, nil, &without)
	if err != nil {
		return err
	}
	if n > 0 {
		g.alert("WARN", fmt.Sprintf("%d identities with access have no manager and are not reviewed in this campaign: %s",
			n, sample(without, n)))
	}
	return g.identityRows(ctx, `SELECT i.manager_id, `+g.holdingsSelect()+` WHERE i.deleted_at IS NULL AND i.manager_id IS NOT NULL
		ORDER BY i.manager_id, i.id`, nil, func(reviewer, identity, name, manager string, held []certsum.Holding) error {
		if manager == "" {
			return nil // a removed manager: counted in the alert above
		}
		items, err := g.filter(identity, name, g.cat.access.ReviewedAs(held))
		if err != nil || len(items) == 0 {
			return err
		}
		gc, err := g.cert(ctx, certsum.TypeIdentity, reviewer)
		if err != nil {
			return err
		}
		return g.add(ctx, gc, identity, name, items)
	})
}

// filter keeps the items the campaign's filter keeps (all of them without a filter).
func (g *generator[K]) filter(identity, name string, items []certsum.Holding) ([]certsum.Holding, error) {
	f := g.camp.FilterSnapshot
	if f == nil || len(items) == 0 {
		return items, nil
	}
	it := certsum.FilterItem{IdentityID: identity, IdentityName: name}
	if f.UsesAttributes() {
		// The attributes came with the identity's rows (holdingsSelect).
		if err := json.Unmarshal([]byte(g.attrs), &it.Attributes); err != nil {
			return nil, fmt.Errorf("attributes of %s: %w", identity, err)
		}
	}
	var out []certsum.Holding
	for _, h := range items {
		it.Type, it.AccessID, it.AccessName = h.Type, h.AccessID, g.cat.names[h.Type][h.AccessID]
		switch h.Type {
		case certsum.TypeEntitlement:
			it.SourceID = g.cat.entSource[h.AccessID]
		case certsum.TypeAccessProfile:
			it.SourceID = g.cat.apSource[h.AccessID]
		default:
			it.SourceID = ""
		}
		it.SourceName = g.cat.sourceName[it.SourceID]
		if f.Keeps(&it) {
			out = append(out, h)
		}
	}
	return out, nil
}

// sourceOwner generates a SOURCE_OWNER campaign: one certification per source owner over
// the access profiles and entitlements on their selected sources. Sources without an owner
// are skipped with a WARN alert; an owner's own access goes to their manager, else the
// campaign owner.
func (g *generator[K]) sourceOwner(ctx context.Context) error {
	selected := g.camp.SourceOwnerCampaignInfo.SourceIDs
	if len(selected) == 0 {
		for id := range g.cat.sourceName {
			selected = append(selected, id)
		}
	}
	byOwner := map[string][]string{}
	var owners, ownerless []string
	for _, s := range selected {
		o := g.cat.sourceOwner[s]
		if o == "" {
			ownerless = append(ownerless, s)
			continue
		}
		if byOwner[o] == nil {
			owners = append(owners, o)
		}
		byOwner[o] = append(byOwner[o], s)
	}
	slices.Sort(owners)
	slices.Sort(ownerless)
	if len(ownerless) > 0 {
		g.alert("WARN", fmt.Sprintf("%d sources have no owner and are not reviewed: %s", len(ownerless), sample(ownerless, len(ownerless))))
	}
	type deferred struct {
		identity, name, reviewer string
		items                    []certsum.Holding
	}
	var self []deferred
	for _, owner := range owners {
		srcs := map[string]bool{}
		for _, s := range byOwner[owner] {
			srcs[s] = true
		}
		args := Args(g.dl)
		ph := args.Add(g.dl.IDs(byOwner[owner]))
		err := g.identityRows(ctx, `SELECT '', `+g.holdingsSelect()+` WHERE i.deleted_at IS NULL AND i.id IN
			(SELECT identity_id FROM assignments WHERE deleted_at IS NULL AND `+g.dl.AnyOf("source_id", ph)+`)
			ORDER BY i.id`, args.Values, func(_, identity, name, manager string, held []certsum.Holding) error {
			var items []certsum.Holding
			for _, h := range g.cat.access.ReviewedAs(held) {
				switch {
				case h.Type == certsum.TypeEntitlement && srcs[g.cat.entSource[h.AccessID]],
					h.Type == certsum.TypeAccessProfile && srcs[g.cat.apSource[h.AccessID]]:
					items = append(items, h)
				}
			}
			items, err := g.filter(identity, name, items)
			if err != nil {
				return err
			}
			if identity == owner {
				if r := certsum.ReviewerFor(identity, "", manager, g.camp.OwnerID); r != "" {
					self = append(self, deferred{identity, name, r, items})
				} else if len(items) > 0 {
					g.alert("WARN", fmt.Sprintf("the access of %s on their own sources has no reviewer but themselves and is not reviewed", identity))
				}
				return nil
			}
			gc, err := g.cert(ctx, certsum.TypeIdentity, owner)
			if err != nil {
				return err
			}
			return g.add(ctx, gc, identity, name, items)
		})
		if err != nil {
			return err
		}
		// The owner's certification may receive another owner's own access later.
		if gc, ok := g.certs[string(certsum.TypeIdentity)+":"+owner]; ok && gc.summaries == nil {
			if err := g.flush(ctx); err != nil {
				return err
			}
			gc.summaries = map[string]any{}
			if err := Each(ctx, g.tx, `SELECT identity_id, `+g.dl.Keys().Summary+` FROM identity_summaries WHERE `+
				g.dl.Keys().SummaryCert+` = `+g.dl.Param(1), []any{gc.key}, func(rows Rows) error {
				var id string
				var k K
				if err := rows.Scan(&id, &k); err != nil {
					return err
				}
				gc.summaries[id] = k
				return nil
			}); err != nil {
				return err
			}
		}
	}
	for _, d := range self {
		gc, err := g.cert(ctx, certsum.TypeIdentity, d.reviewer)
		if err != nil {
			return err
		}
		if gc.summaries == nil {
			gc.summaries = map[string]any{}
		}
		if err := g.add(ctx, gc, d.identity, d.name, d.items); err != nil {
			return err
		}
	}
	return nil
}

// search generates a SEARCH campaign over its identityIds: all their access (IDENTITY), or
// the access its constraints name (ACCESS, and IDENTITY with constraints). Its reviewer
// reviews everything; without one each identity's manager, else the campaign owner.
func (g *generator[K]) search(ctx context.Context) error {
	info := g.camp.SearchCampaignInfo
	ids := info.IdentityIDs
	if info.Query != nil && *info.Query != "" {
		var err error
		if ids, err = g.selected(ctx, *info.Query); err != nil {
			return err
		}
		if len(ids) == 0 {
			g.alert("WARN", "the search query selects no identity: "+*info.Query)
			return nil
		}
	}
	args := Args(g.dl)
	ph := args.Add(g.dl.IDs(ids))
	keep := func(h certsum.Holding) bool {
		if len(info.AccessConstraints) == 0 {
			return true
		}
		a, ok := info.Constrains(h.Type)
		if !ok {
			return false
		}
		if a.Operator == certsum.ConstraintAll {
			return true
		}
		for _, id := range a.IDs {
			if id == h.AccessID {
				return true
			}
		}
		return false
	}
	var unreviewed []string
	err := g.identityRows(ctx, `SELECT '', `+g.holdingsSelect()+` WHERE i.deleted_at IS NULL AND `+g.dl.AnyOf("i.id", ph)+`
		ORDER BY i.id`, args.Values, func(_, identity, name, manager string, held []certsum.Holding) error {
		var items []certsum.Holding
		for _, h := range g.cat.access.ReviewedAs(held) {
			if keep(h) {
				items = append(items, h)
			}
		}
		items, err := g.filter(identity, name, items)
		if err != nil || len(items) == 0 {
			return err
		}
		rt, given := certsum.TypeIdentity, ""
		if r := info.Reviewer; r != nil {
			rt, given = r.Type, r.ID
		}
		var reviewer string
		if rt == certsum.TypeGovernanceGroup {
			reviewer = given
		} else if given != "" {
			reviewer = certsum.ReviewerFor(identity, given, manager, g.camp.OwnerID)
		} else {
			reviewer = certsum.ReviewerFor(identity, manager, "", g.camp.OwnerID)
		}
		if reviewer == "" {
			unreviewed = append(unreviewed, identity)
			return nil
		}
		if reviewer != given {
			rt = certsum.TypeIdentity
		}
		gc, err := g.cert(ctx, rt, reviewer)
		if err != nil {
			return err
		}
		return g.add(ctx, gc, identity, name, items)
	})
	if len(unreviewed) > 0 {
		g.alert("WARN", fmt.Sprintf("%d identities would review their own access and are not reviewed: %s",
			len(unreviewed), sample(unreviewed, len(unreviewed))))
	}
	return err
}

// selected returns the live identities a search query selects, in id order: each is
// matched with its name, email, attributes, and the ids and sources of the access it holds.
func (g *generator[K]) selected(ctx context.Context, query string) ([]string, error) {
	q, err := certsum.ParseSearchQuery(query)
	if err != nil {
		return nil, err
	}
	var out []string
	var cur *certsum.SearchSubject
	done := func() {
		if cur != nil && q.Matches(cur) {
			out = append(out, cur.ID)
		}
	}
	err = Each(ctx, g.tx, `SELECT i.id, i.name, COALESCE(i.email, ''), CAST(i.attributes AS TEXT),
			COALESCE(a.access_type, ''), COALESCE(a.access_id, '')
		FROM identities i LEFT JOIN assignments a ON a.identity_id = i.id AND a.deleted_at IS NULL
		WHERE i.deleted_at IS NULL ORDER BY i.id`, nil, func(rows Rows) error {
		var id, name, email, attrs, typ, access string
		if err := rows.Scan(&id, &name, &email, &attrs, &typ, &access); err != nil {
			return err
		}
		if cur == nil || cur.ID != id {
			done()
			cur = &certsum.SearchSubject{ID: id, Name: name, Email: email}
			if err := json.Unmarshal([]byte(attrs), &cur.Attributes); err != nil {
				return fmt.Errorf("attributes of %s: %w", id, err)
			}
		}
		if _, live := g.cat.names[certsum.DtoType(typ)][access]; live {
			cur.AccessIDs = append(cur.AccessIDs, access)
			switch certsum.DtoType(typ) {
			case certsum.TypeEntitlement:
				cur.SourceIDs = append(cur.SourceIDs, g.cat.entSource[access])
			case certsum.TypeAccessProfile:
				cur.SourceIDs = append(cur.SourceIDs, g.cat.apSource[access])
			}
		}
		return nil
	})
	done()
	return out, err
}

// alert adds an alert to the campaign.
func (g *generator[K]) alert(level, text string) {
	origin := "DEFAULT"
	locale := "en-US"
	g.alerts = append(g.alerts, certsum.CampaignAlert{Level: level,
		Localizations: []certsum.ErrorMessage{{Locale: &locale, LocaleOrigin: &origin, Text: text}}})
}

// finish writes every certification's counters, the access summaries, and the campaign's
// totals and status.
func (g *generator[K]) finish(ctx context.Context) error {
	if err := g.flush(ctx); err != nil {
		return err
	}
	keys, dl := g.dl.Keys(), g.dl
	for _, gc := range g.order {
		args := append(TallyArgs(gc.tally), gc.identities, gc.key)
		if _, err := g.tx.Exec(ctx, `UPDATE certifications SET `+SetCounters(dl, 1, false)+`, identities_total = `+
			dl.Param(len(CounterColumns)+1)+` WHERE `+keys.Cert+` = `+dl.Param(len(CounterColumns)+2), args...); err != nil {
			return err
		}
	}
	status := certsum.StatusStaged
	if len(g.order) == 0 {
		status = certsum.StatusError
		g.alert("ERROR", "the campaign has nothing to review: no identity in its scope holds access it covers")
	}
	if g.alerts == nil {
		g.alerts = []certsum.CampaignAlert{}
	}
	alerts, err := json.Marshal(g.alerts)
	if err != nil {
		return err
	}
	if _, err := g.tx.Exec(ctx, `UPDATE campaigns SET status = `+dl.Param(1)+`, total_certifications = `+dl.Param(2)+
		`, alerts = `+dl.Param(3)+`, modified = `+dl.Param(4)+`, inventory_version = `+dl.Param(5)+` WHERE id = `+dl.Param(6),
		string(status), len(g.order), string(alerts), dl.TimeArg(g.now), g.camp.InventoryVersion, g.camp.ID); err != nil {
		return err
	}
	return recountCampaignCounters(ctx, g.tx, dl, `k.id = `+dl.Param(1), g.camp.ID)
}

// countAndSample counts the rows of "FROM … WHERE …" and reads the first ids (i.id) into
// sample.
func countAndSample(ctx context.Context, tx Querier, from string, args []any, sample *[]string) (int, error) {
	var n int
	if _, err := QueryRow(ctx, tx, `SELECT COUNT(*) `+from, args, &n); err != nil {
		return 0, err
	}
	err := Each(ctx, tx, `SELECT i.id `+from+` ORDER BY i.id LIMIT 10`, args, func(rows Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		*sample = append(*sample, id)
		return nil
	})
	return n, err
}

// sample lists the first ids of n, with how many more there are.
func sample(ids []string, n int) string {
	if len(ids) > 10 {
		ids = ids[:10]
	}
	s := strings.Join(ids, ", ")
	if n > len(ids) {
		s += fmt.Sprintf(" and %d more", n-len(ids))
	}
	return s
}
