package readmodel

import (
	"cmp"
	"slices"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// tally holds decision counters per access type in certsum.AccessTypes order (entitlement,
// access profile, role, account): total, approved, revoked.
type tally [12]int32

func typeSlot(t certsum.DtoType) int {
	switch t {
	case certsum.TypeEntitlement:
		return 0
	case certsum.TypeAccessProfile:
		return 1
	case certsum.TypeRole:
		return 2
	case certsum.TypeAccount:
		return 3
	}
	return -1
}

func tallyOf(d certsum.DecisionSummary) tally {
	return tally{
		int32(d.EntitlementDecisionsTotal), int32(d.EntitlementsApproved), int32(d.EntitlementsRevoked),
		int32(d.AccessProfileDecisionsTotal), int32(d.AccessProfilesApproved), int32(d.AccessProfilesRevoked),
		int32(d.RoleDecisionsTotal), int32(d.RolesApproved), int32(d.RolesRevoked),
		int32(d.AccountDecisionsTotal), int32(d.AccountsApproved), int32(d.AccountsRevoked),
	}
}

func (t *tally) plus(o tally, sign int32) {
	for i := range t {
		t[i] += sign * o[i]
	}
}

func (t tally) summary() certsum.DecisionSummary {
	var d certsum.DecisionSummary
	for i, typ := range certsum.AccessTypes {
		total, approved, revoked := int(t[3*i]), int(t[3*i+1]), int(t[3*i+2])
		d.Add(typ, "", total-approved-revoked)
		d.Add(typ, certsum.Approve, approved)
		d.Add(typ, certsum.Revoke, revoked)
	}
	return d
}

// certModel is one certification in memory at one version.
type certModel struct {
	version  int64
	cert     certsum.Certification
	certJSON []byte
	members  []string
	sums     *summaryRows
	acc      *accessRows
	items    *itemRows // nil unless built with items
	total    tally     // the sum of every identity summary's counters
	decJSON  []byte    // the unfiltered decision summary
	base     int64     // estimated bytes, without lazily built orders and sets
}

// newCertModel builds the model of a snapshot; items, when not nil, are the streamed review
// items (see itemBuilder).
func newCertModel(s *certsum.CertificationSnapshot, ib *itemBuilder) (*certModel, error) {
	m := &certModel{version: s.Version, members: s.ReviewerMembers}
	m.setCert(s.Certification)
	m.sums = newSummaryRows(s.Summaries)
	for _, t := range m.sums.counts {
		m.total.plus(t, 1)
	}
	m.decJSON = mustJSON(m.total.summary())
	m.acc = newAccessRows(s.Access)
	m.base = 1024 + int64(len(m.certJSON)) + m.sums.size + m.acc.size
	if ib != nil {
		items, err := ib.finish(m.sums, m.acc, s.Accounts)
		if err != nil {
			return nil, err
		}
		m.items = items
		m.base += items.size
	}
	return m, nil
}

func (m *certModel) setCert(c certsum.Certification) {
	m.cert = c
	m.certJSON = mustJSON(&c)
}

// size is the model's estimated memory, including what its tables built since.
func (m *certModel) size() int64 {
	n := m.base + m.sums.tbl.extra.Load() + m.sums.ds.extra.Load()
	for _, t := range m.acc.tables {
		n += t.extra.Load()
	}
	if m.items != nil {
		n += m.items.tbl.extra.Load()
	}
	return n
}

// isReviewer reports whether the identity reviews the certification.
func (m *certModel) isReviewer(identityID string) bool {
	r := m.cert.Reviewer
	if r.Type == certsum.TypeGovernanceGroup {
		return slices.Contains(m.members, identityID)
	}
	return r.ID == identityID
}

// foldKey is the lookup key of an id under ASCII case folding.
func foldKey(s string) string { return query.FoldASCII(s) }

// summaryRows are a certification's identity summaries.
type summaryRows struct {
	id, name, identityID []string
	done                 []bool
	counts               []tally
	prefix               [][]byte           // the JSON object up to and including `"completed":`
	byID                 map[string]int32   // exact id → row
	byFold               map[string][]int32 // ASCII-folded id → rows
	tbl                  *table             // getIdentitySummaries
	ds                   *table             // getIdentityDecisionSummary's filter
	size                 int64
}

func newSummaryRows(in []certsum.SummaryRecord) *summaryRows {
	n := len(in)
	s := &summaryRows{
		id: make([]string, n), name: make([]string, n), identityID: make([]string, n),
		done: make([]bool, n), counts: make([]tally, n), prefix: make([][]byte, n),
		byID: make(map[string]int32, n), byFold: make(map[string][]int32, n),
	}
	for i, r := range in {
		s.id[i], s.name[i], s.identityID[i] = r.Summary.ID, r.Summary.Name, r.Summary.IdentityID
		s.done[i] = r.Summary.Completed
		s.counts[i] = tallyOf(r.Counts)
		b := r.Summary
		b.Completed = false
		s.prefix[i], _ = cutSuffix(mustJSON(&b), "false}")
		s.byID[r.Summary.ID] = int32(i)
		s.byFold[foldKey(r.Summary.ID)] = append(s.byFold[foldKey(r.Summary.ID)], int32(i))
		s.size += int64(len(s.prefix[i]) + 2*len(r.Summary.ID) + len(r.Summary.Name) + len(r.Summary.IdentityID) + 250)
	}
	id := &column{
		str:    func(r int32) (string, bool) { return s.id[r], true },
		cmp:    func(a, b int32) int { return strings.Compare(s.id[a], s.id[b]) },
		lookup: s.lookup,
	}
	s.tbl = newTable(certsum.IdentitySummarySchema, n, map[string]*column{
		"id": id,
		"name": {
			str: func(r int32) (string, bool) { return s.name[r], true },
			cmp: func(a, b int32) int { return strings.Compare(s.name[a], s.name[b]) },
		},
	}, "completed", s.done)
	s.ds = newTable(certsum.DecisionSummarySchema, n, map[string]*column{"identitySummary.id": id}, "", nil)
	return s
}

func (s *summaryRows) lookup(v string) []int32 { return s.byFold[foldKey(v)] }

// value returns summary r.
func (s *summaryRows) value(r int32) certsum.IdentitySummary {
	return certsum.IdentitySummary{ID: s.id[r], Name: s.name[r], IdentityID: s.identityID[r], Completed: s.done[r]}
}

// appendJSON appends summary r's JSON.
func (s *summaryRows) appendJSON(dst []byte, r int32) []byte {
	dst = append(dst, s.prefix[r]...)
	return append(appendBool(dst, s.done[r]), '}')
}

// accessRows are a certification's distinct access items of every type.
type accessRows struct {
	typ                 []certsum.DtoType
	id, name            []string
	entSource, apSource []*string
	total, decided      []int32
	vals                []certsum.AccessSummary
	json                [][]byte // the AccessSummary without account
	accountPrefix       [][]byte // entitlements: json without the closing `null}}` of account
	byKey               map[string]int32
	byID                map[string][]int32 // folded id → rows of any type
	tables              map[certsum.DtoType]*table
	rowOf               []int32 // row → its row in its type's table
	rowsOf              map[certsum.DtoType][]int32
	size                int64
}

// value returns access row g as its access summary: a copy of the top level, whose nested
// details are the model's own.
func (a *accessRows) value(g int32) certsum.AccessSummary {
	v := a.vals[g]
	if v.Entitlement != nil {
		e := *v.Entitlement
		v.Entitlement = &e
	}
	if v.AccessProfile != nil {
		ap := *v.AccessProfile
		v.AccessProfile = &ap
	}
	if v.Role != nil {
		role := *v.Role
		v.Role = &role
	}
	return v
}

func accessKey(t certsum.DtoType, id string) string { return string(t) + "\x00" + id }

func newAccessRows(in []certsum.AccessRecord) *accessRows {
	n := len(in)
	a := &accessRows{
		typ: make([]certsum.DtoType, n), id: make([]string, n), name: make([]string, n),
		entSource: make([]*string, n), apSource: make([]*string, n),
		total: make([]int32, n), decided: make([]int32, n),
		vals: make([]certsum.AccessSummary, n), json: make([][]byte, n), accountPrefix: make([][]byte, n),
		byKey: make(map[string]int32, n), byID: make(map[string][]int32, n),
		tables: map[certsum.DtoType]*table{}, rowOf: make([]int32, n), rowsOf: map[certsum.DtoType][]int32{},
	}
	for i, r := range in {
		ref := r.Summary.Access
		a.typ[i], a.id[i], a.name[i] = ref.Type, ref.ID, ref.Name
		a.entSource[i], a.apSource[i] = r.EntitlementSourceName, r.AccessProfileSourceName
		a.total[i], a.decided[i] = int32(r.Total), int32(r.Decided)
		a.vals[i] = r.Summary
		a.json[i] = mustJSON(&r.Summary)
		if r.Summary.Entitlement != nil && r.Summary.Entitlement.Account == nil {
			a.accountPrefix[i], _ = cutSuffix(a.json[i], "null}}")
		}
		a.byKey[accessKey(ref.Type, ref.ID)] = int32(i)
		a.byID[foldKey(ref.ID)] = append(a.byID[foldKey(ref.ID)], int32(i))
		a.rowOf[i] = int32(len(a.rowsOf[ref.Type]))
		a.rowsOf[ref.Type] = append(a.rowsOf[ref.Type], int32(i))
		a.size += int64(len(a.json[i]) + 2*len(ref.ID) + len(ref.Name) + 250)
	}
	for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
		a.tables[typ] = a.newTypeTable(typ)
	}
	return a
}

// newTypeTable is getIdentityAccessSummaries over the rows of one type.
func (a *accessRows) newTypeTable(typ certsum.DtoType) *table {
	rows := a.rowsOf[typ]
	done := make([]bool, len(rows))
	for i, g := range rows {
		done[i] = a.decided[g] == a.total[g]
	}
	str := func(vals []string) func(r int32) (string, bool) {
		return func(r int32) (string, bool) { return vals[rows[r]], true }
	}
	ptr := func(vals []*string) func(r int32) (string, bool) {
		return func(r int32) (string, bool) {
			if p := vals[rows[r]]; p != nil {
				return *p, true
			}
			return "", false
		}
	}
	byID := make(map[string][]int32)
	for i, g := range rows {
		k := foldKey(a.id[g])
		byID[k] = append(byID[k], int32(i))
	}
	return newTable(certsum.AccessSummarySchema, len(rows), map[string]*column{
		"access.id": {
			str:    str(a.id),
			cmp:    func(x, y int32) int { return strings.Compare(a.id[rows[x]], a.id[rows[y]]) },
			lookup: func(v string) []int32 { return byID[foldKey(v)] },
		},
		"access.name": {
			str: str(a.name),
			cmp: func(x, y int32) int { return strings.Compare(a.name[rows[x]], a.name[rows[y]]) },
		},
		"entitlement.sourceName":   {str: ptr(a.entSource), cmp: cmpNullable(ptr(a.entSource))},
		"accessProfile.sourceName": {str: ptr(a.apSource), cmp: cmpNullable(ptr(a.apSource))},
	}, "completed", done)
}

// cmpNullable orders rows by a nullable string, nulls first.
func cmpNullable(get func(r int32) (string, bool)) func(a, b int32) int {
	return func(a, b int32) int {
		x, xok := get(a)
		y, yok := get(b)
		if !xok || !yok {
			return cmp.Compare(btoi(xok), btoi(yok))
		}
		return strings.Compare(x, y)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// setCounts records access row g's counters and its completed flag.
func (a *accessRows) setCounts(g int32, total, decided int32) {
	a.total[g], a.decided[g] = total, decided
	if t := a.tables[a.typ[g]]; t != nil {
		t.setDone(a.rowOf[g], decided == total)
	}
}
