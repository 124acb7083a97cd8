package sqlite

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

// randomWorld is a random campaign of several certifications and a model of what the store
// should hold: where every item is and what its decision is.
type randomWorld struct {
	rng       *rand.Rand
	d         *certsum.Dataset
	reviewers []string // identity ids with a certification; certification id = "c-" + reviewer
	items     map[string]*modelItem
	signed    map[string]bool   // by reviewer
	audits    map[string]int    // audit records per item
	renamed   map[string]string // reviewer → id of a certification created by a reassignment
}

// certID returns the id of a reviewer's certification.
func (w *randomWorld) certID(reviewer string) string {
	if id, ok := w.renamed[reviewer]; ok {
		return id
	}
	return "c-" + reviewer
}

type modelItem struct {
	id        string
	identity  string
	reviewer  string
	typ       certsum.DtoType
	accessID  string
	decision  certsum.Decision
	comment   string
	commented bool
}

var accessPool = map[certsum.DtoType][]string{
	certsum.TypeEntitlement:   {"e0", "e1", "e2", "e3"},
	certsum.TypeAccessProfile: {"p0", "p1"},
	certsum.TypeRole:          {"r0", "r1"},
	certsum.TypeAccount:       nil, // the identity's own account
}

func newRandomWorld(seed uint64) *randomWorld {
	w := &randomWorld{
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		d:     &certsum.Dataset{},
		items: map[string]*modelItem{}, signed: map[string]bool{}, audits: map[string]int{}, renamed: map[string]string{},
	}
	const people = 14
	for i := 0; i < people; i++ {
		id := fmt.Sprintf("p%02d", i)
		w.d.Identities = append(w.d.Identities, certsum.Identity{ID: id, Name: fmt.Sprintf("Person %c%02d", 'A'+w.rng.IntN(26), i)})
		w.d.Accounts = append(w.d.Accounts, certsum.Account{ID: "a-" + id, NativeIdentity: id, Name: id, SourceID: "src", IdentityID: id})
	}
	w.d.Sources = []certsum.Source{{ID: "src", Name: "Directory"}}
	for _, e := range accessPool[certsum.TypeEntitlement] {
		w.d.Entitlements = append(w.d.Entitlements, certsum.Entitlement{ID: e, Name: "Ent " + e, SourceID: "src"})
	}
	for _, p := range accessPool[certsum.TypeAccessProfile] {
		w.d.AccessProfiles = append(w.d.AccessProfiles, certsum.AccessProfile{ID: p, Name: "AP " + p, SourceID: "src", EntitlementIDs: []string{"e0"}})
	}
	for _, r := range accessPool[certsum.TypeRole] {
		w.d.Roles = append(w.d.Roles, certsum.Role{ID: r, Name: "Role " + r, AccessProfileIDs: []string{"p0"}, EntitlementIDs: []string{"e1"}})
	}
	camp := certsum.CampaignData{Campaign: certsum.Campaign{ID: "k", Name: "Random", Type: certsum.CampaignManager,
		Status: certsum.StatusActive, MandatoryCommentRequirement: certsum.CommentsNone}}
	n := 0
	for r := 0; r < 3; r++ {
		reviewer := fmt.Sprintf("p%02d", r)
		w.reviewers = append(w.reviewers, reviewer)
		cd := certsum.CertificationData{Certification: certsum.Certification{ID: "c-" + reviewer, Name: "Cert " + reviewer,
			Reviewer: certsum.Reviewer{ID: reviewer, Type: certsum.TypeIdentity}, Phase: certsum.PhaseActive}}
		for _, person := range w.rng.Perm(people)[:2+w.rng.IntN(5)] {
			identity := fmt.Sprintf("p%02d", person)
			sid := fmt.Sprintf("s-%s-%s", reviewer, identity)
			cd.IdentitySummaries = append(cd.IdentitySummaries, certsum.IdentitySummary{ID: sid, IdentityID: identity})
			for k := 0; k < 1+w.rng.IntN(6); k++ {
				typ := certsum.AccessTypes[w.rng.IntN(len(certsum.AccessTypes))]
				access := "a-" + identity
				if pool := accessPool[typ]; pool != nil {
					access = pool[w.rng.IntN(len(pool))]
				}
				m := &modelItem{id: fmt.Sprintf("i%03d", n), identity: identity, reviewer: reviewer, typ: typ, accessID: access}
				n++
				it := certsum.ItemData{ID: m.id, IdentitySummaryID: sid, AccessType: typ, AccessID: access}
				if w.rng.IntN(4) == 0 {
					m.decision = []certsum.Decision{certsum.Approve, certsum.Revoke}[w.rng.IntN(2)]
					it.Decision = &certsum.DecisionRecord{Decision: m.decision}
					w.audits[m.id] = 1
				}
				w.items[m.id] = m
				cd.Items = append(cd.Items, it)
			}
		}
		camp.Certifications = append(camp.Certifications, cd)
	}
	w.d.Campaigns = []certsum.CampaignData{camp}
	return w
}

func (w *randomWorld) itemIDs(reviewer string) []string {
	var out []string
	for id, m := range w.items {
		if m.reviewer == reviewer {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// decide makes a random decide request on a random certification and updates the model
// when it should succeed.
func (w *randomWorld) decide(t *testing.T, st certsum.Store) {
	reviewer := w.reviewers[w.rng.IntN(len(w.reviewers))]
	ids := w.itemIDs(reviewer)
	if len(ids) == 0 {
		return
	}
	w.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:1+w.rng.IntN(min(len(ids), 8))]
	var body []certsum.ReviewDecision
	for _, id := range ids {
		m := w.items[id]
		d := certsum.ReviewDecision{ID: id, Bulk: ptr(false)}
		switch w.rng.IntN(3) {
		case 0: // repeat the current decision exactly, when there is one
			if m.decision != "" {
				d.Decision = m.decision
				if m.commented {
					d.Comments = ptr(m.comment)
				}
				break
			}
			fallthrough
		default:
			d.Decision = []certsum.Decision{certsum.Approve, certsum.Revoke}[w.rng.IntN(2)]
			if w.rng.IntN(2) == 0 {
				d.Comments = ptr([]string{"ok", "not needed", "left team"}[w.rng.IntN(3)])
			}
		}
		body = append(body, d)
	}
	bad := w.rng.IntN(10) == 0
	if bad {
		body = append(body, approve("no-such-item"))
	}
	_, err := st.Decide(ctx, w.certID(reviewer), reviewer, body)
	switch {
	case bad:
		mustCode(t, err, certsum.CodeReference)
		return
	case w.signed[reviewer]:
		mustCode(t, err, certsum.CodeConflict)
		return
	case err != nil:
		t.Fatalf("Decide: %v", err)
	}
	for _, d := range body {
		m := w.items[d.ID]
		comment, commented := "", d.Comments != nil
		if commented {
			comment = *d.Comments
		}
		if m.decision != d.Decision || m.commented != commented || m.comment != comment {
			w.audits[d.ID]++
		}
		m.decision, m.comment, m.commented = d.Decision, comment, commented
	}
}

// reassign moves random items or identity summaries to a random identity.
func (w *randomWorld) reassign(t *testing.T, st certsum.Store) {
	from := w.reviewers[w.rng.IntN(len(w.reviewers))]
	ids := w.itemIDs(from)
	if len(ids) == 0 {
		return
	}
	to := fmt.Sprintf("p%02d", w.rng.IntN(len(w.d.Identities)))
	if to == from {
		return
	}
	var refs []certsum.ReassignReference
	moving := map[string]bool{}
	for k := 0; k < 1+w.rng.IntN(3); k++ {
		m := w.items[ids[w.rng.IntN(len(ids))]]
		if w.rng.IntN(2) == 0 {
			refs = append(refs, certsum.ReassignReference{ID: m.id, Type: certsum.ReassignItem})
			moving[m.id] = true
			continue
		}
		// Name the identity's summary in this certification, whatever its id is now.
		p, err := st.ListIdentitySummaries(ctx, w.certID(from), certsum.ListQuery{Limit: 1,
			Filter: mustFilter(t, fmt.Sprintf(`name eq %q`, w.nameOf(m.identity)), certsum.IdentitySummarySchema)})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("summary of %s in c-%s: %+v, %v", m.identity, from, p.Items, err)
		}
		refs = append(refs, certsum.ReassignReference{ID: p.Items[0].ID, Type: certsum.ReassignIdentitySummary})
		for id, o := range w.items {
			if o.reviewer == from && o.identity == m.identity {
				moving[id] = true
			}
		}
	}
	targetExists := false
	for _, r := range w.reviewers {
		targetExists = targetExists || r == to
	}
	_, err := st.Reassign(ctx, w.certID(from), from, certsum.ReviewReassign{Reassign: refs, ReassignTo: to, Reason: "random"})
	switch {
	case w.signed[from] || w.signed[to]:
		mustCode(t, err, certsum.CodeConflict)
		return
	case err != nil:
		t.Fatalf("Reassign: %v", err)
	}
	if !targetExists {
		// The store named the new certification; find it and remember it under its reviewer.
		p, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: to}, page(10, 0))
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("new certification of %s: %+v, %v", to, p.Items, err)
		}
		w.reviewers = append(w.reviewers, to)
		w.renamed[to] = p.Items[0].ID
	}
	for id := range moving {
		w.items[id].reviewer = to
	}
}

func (w *randomWorld) nameOf(identity string) string {
	for _, i := range w.d.Identities {
		if i.ID == identity {
			return i.Name
		}
	}
	return ""
}

// signOff signs a random certification off, expecting success exactly when it is active
// and complete.
func (w *randomWorld) signOff(t *testing.T, st certsum.Store) {
	reviewer := w.reviewers[w.rng.IntN(len(w.reviewers))]
	complete := true
	for _, m := range w.items {
		if m.reviewer == reviewer && m.decision == "" {
			complete = false
		}
	}
	_, err := st.SignOff(ctx, w.certID(reviewer), reviewer)
	if w.signed[reviewer] || !complete {
		mustCode(t, err, certsum.CodeConflict)
		return
	}
	if err != nil {
		t.Fatalf("SignOff: %v", err)
	}
	w.signed[reviewer] = true
}

// check compares the store with the model and the stored counters with their recount.
func (w *randomWorld) check(t *testing.T, st certsum.Store) {
	t.Helper()
	mustNoDrift(t, st)
	for _, reviewer := range w.reviewers {
		var want certsum.DecisionSummary
		identities := map[string]bool{} // identity → all decided
		made := 0
		n := 0
		for _, m := range w.items {
			if m.reviewer != reviewer {
				continue
			}
			n++
			want.Add(m.typ, m.decision, 1)
			if _, ok := identities[m.identity]; !ok {
				identities[m.identity] = true
			}
			if m.decision == "" {
				identities[m.identity] = false
			} else {
				made++
			}
		}
		done := 0
		for _, ok := range identities {
			done += b2i(ok)
		}
		id := w.certID(reviewer)
		c := mustCert(t, st, id)
		got := [4]int{c.DecisionsTotal, c.DecisionsMade, c.IdentitiesTotal, c.IdentitiesCompleted}
		if exp := [4]int{n, made, len(identities), done}; got != exp {
			t.Fatalf("%s total/made/identities/completed = %v, model says %v", id, got, exp)
		}
		ds, err := st.DecisionSummary(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, *ds); diff != "" {
			t.Fatalf("%s decision summary (-model +store):\n%s", id, diff)
		}
	}
	k, err := st.GetCampaign(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	signed := 0
	for _, r := range w.reviewers {
		signed += b2i(w.signed[r])
	}
	if k.TotalCertifications != len(w.reviewers) || k.CompletedCertifications != signed {
		t.Fatalf("campaign counts %d/%d, model %d/%d", k.CompletedCertifications, k.TotalCertifications, signed, len(w.reviewers))
	}
	if (signed == len(w.reviewers)) != (k.Status == certsum.StatusCompleted) {
		t.Fatalf("campaign status %s with %d of %d signed", k.Status, signed, len(w.reviewers))
	}
	ids := make([]string, 0, len(w.items))
	for id := range w.items {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	probe := w.items[ids[w.rng.IntN(len(ids))]]
	h, err := st.DecisionHistory(ctx, w.certID(probe.reviewer), probe.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != w.audits[probe.id] {
		t.Fatalf("%s has %d audit records, model %d", probe.id, len(h), w.audits[probe.id])
	}
}

func TestPropertyCountersMatchRecountAfterRandomOperations(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6}
	steps := 120
	if testing.Short() || raceEnabled {
		seeds, steps = seeds[:2], 50
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			w := newRandomWorld(seed)
			st := mustOpen(t, newClock())
			mustLoad(t, st, w.d)
			w.check(t, st)
			for i := 0; i < steps; i++ {
				switch r := w.rng.IntN(10); {
				case r < 7:
					w.decide(t, st)
				case r < 9:
					w.reassign(t, st)
				default:
					w.signOff(t, st)
				}
				w.check(t, st)
			}
		})
	}
}
