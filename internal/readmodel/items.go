package readmodel

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/certsum/certsum"
)

// Decision codes of itemRows.decision.
const (
	undecided uint8 = iota
	approved
	revoked
)

func decisionCode(d certsum.Decision) uint8 {
	switch d {
	case certsum.Approve:
		return approved
	case certsum.Revoke:
		return revoked
	}
	return undecided
}

// itemRows are a certification's review items in a compact form: ids in one string, the
// identity summary and access item by row, the account and comments by index into tables
// of JSON encoded once.
type itemRows struct {
	n        int
	ids      string
	idOff    []uint32 // item r's id is ids[idOff[r]:idOff[r+1]]
	sum      []int32  // identity summary row
	acc      []int32  // access row
	account  []int32  // index into accounts, -1 for none
	comment  []int32  // index into comments, -1 for null
	decision []uint8
	newAcc   []bool
	done     []bool

	accounts    [][]byte // account JSON
	accountVal  []certsum.EntitlementAccount
	comments    [][]byte // comment JSON strings
	commentText []string // the same comments as text
	commentIdx  map[string]int32

	byID     []int32 // rows sorted by folded id
	bySumOff []int32 // items of summary s: bySum[bySumOff[s]:bySumOff[s+1]]
	bySum    []int32
	byAccOff []int32 // items of access row g: byAcc[byAccOff[g]:byAccOff[g+1]]
	byAcc    []int32

	sums *summaryRows
	acr  *accessRows
	tbl  *table
	size int64
}

// id returns item r's id without copying.
func (it *itemRows) id(r int32) string { return it.ids[it.idOff[r]:it.idOff[r+1]] }

// itemBuilder collects streamed review items.
type itemBuilder struct {
	ids         strings.Builder
	idOff       []uint32
	recs        []pendingItem
	comments    map[string]int32
	commentJSON [][]byte
	commentText []string
}

// pendingItem is an item before summary and access ids are resolved to rows.
type pendingItem struct {
	summaryID, accessKey, accountID string
	newAccess                       bool
	decision                        uint8
	comment                         int32
}

func newItemBuilder() *itemBuilder {
	return &itemBuilder{idOff: []uint32{0}, comments: map[string]int32{}}
}

// add takes one streamed item. Summary ids, access keys and account ids repeat across
// items, so they are interned through the rows they resolve to at finish.
func (b *itemBuilder) add(r certsum.ItemRecord) error {
	b.ids.WriteString(r.ID)
	if b.ids.Len() > 1<<32-1 {
		return fmt.Errorf("review item ids exceed 4 GiB")
	}
	b.idOff = append(b.idOff, uint32(b.ids.Len()))
	c := int32(-1)
	if r.Comments != nil {
		var ok bool
		if c, ok = b.comments[*r.Comments]; !ok {
			c = int32(len(b.commentJSON))
			b.comments[*r.Comments] = c
			b.commentJSON = append(b.commentJSON, appendString(nil, *r.Comments))
			b.commentText = append(b.commentText, *r.Comments)
		}
	}
	b.recs = append(b.recs, pendingItem{summaryID: r.IdentitySummaryID, accessKey: accessKey(r.AccessType, r.AccessID),
		accountID: r.AccountID, newAccess: r.NewAccess, decision: decisionCode(r.Decision), comment: c})
	return nil
}

// finish resolves the items against the certification's summaries and access rows.
func (b *itemBuilder) finish(sums *summaryRows, acr *accessRows, accounts map[string]certsum.EntitlementAccount) (*itemRows, error) {
	n := len(b.recs)
	it := &itemRows{
		n: n, ids: b.ids.String(), idOff: b.idOff,
		sum: make([]int32, n), acc: make([]int32, n), account: make([]int32, n), comment: make([]int32, n),
		decision: make([]uint8, n), newAcc: make([]bool, n), done: make([]bool, n),
		comments: b.commentJSON, commentText: b.commentText, commentIdx: b.comments, sums: sums, acr: acr,
	}
	acctIdx := map[string]int32{}
	for r, p := range b.recs {
		s, ok := sums.byIDExact(p.summaryID)
		if !ok {
			return nil, fmt.Errorf("review item %s names identity summary %s, which the certification does not have", it.id(int32(r)), p.summaryID)
		}
		g, ok := acr.byKey[p.accessKey]
		if !ok {
			return nil, fmt.Errorf("review item %s names access %q, which the certification does not have", it.id(int32(r)), p.accessKey)
		}
		it.sum[r], it.acc[r], it.comment[r] = s, g, p.comment
		it.decision[r], it.newAcc[r], it.done[r] = p.decision, p.newAccess, p.decision != undecided
		it.account[r] = -1
		if p.accountID != "" && acr.typ[g] == certsum.TypeEntitlement {
			// An entitlement carries the account through which the identity holds it.
			a, ok := acctIdx[p.accountID]
			if !ok {
				if acct, found := accounts[p.accountID]; found {
					a = int32(len(it.accounts))
					it.accounts = append(it.accounts, mustJSON(&acct))
					it.accountVal = append(it.accountVal, acct)
				} else {
					a = -1
				}
				acctIdx[p.accountID] = a
			}
			it.account[r] = a
		}
	}
	b.recs = nil
	it.index()
	it.tbl = it.newTable()
	it.size = int64(len(it.ids)) + int64(n)*(4+4+4+4+4+1+1+1+4+4+4)
	for _, a := range it.accounts {
		it.size += int64(len(a)) + 24
	}
	for _, c := range it.comments {
		it.size += int64(2*len(c)) + 64
	}
	return it, nil
}

// byIDExact finds a summary row by its exact id.
func (s *summaryRows) byIDExact(id string) (int32, bool) {
	r, ok := s.byID[id]
	return r, ok
}

// index builds the id, summary and access lookups.
func (it *itemRows) index() {
	it.byID = make([]int32, it.n)
	for i := range it.byID {
		it.byID[i] = int32(i)
	}
	slices.SortFunc(it.byID, func(a, b int32) int { return compareFold(it.id(a), it.id(b)) })
	it.bySumOff, it.bySum = groupRows(len(it.sums.id), it.sum)
	it.byAccOff, it.byAcc = groupRows(len(it.acr.id), it.acc)
}

// groupRows builds a compressed adjacency list: for each of k keys, the rows whose key it is.
func groupRows(k int, key []int32) ([]int32, []int32) {
	off := make([]int32, k+1)
	for _, g := range key {
		off[g+1]++
	}
	for i := 1; i <= k; i++ {
		off[i] += off[i-1]
	}
	rows := make([]int32, len(key))
	fill := slices.Clone(off[:k])
	for r, g := range key {
		rows[fill[g]] = int32(r)
		fill[g]++
	}
	return off, rows
}

// compareFold orders strings by their ASCII-folded bytes.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lowerASCII(a[i]), lowerASCII(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// lookupID returns the rows whose id equals v under ASCII case folding.
func (it *itemRows) lookupID(v string) []int32 {
	i := sort.Search(it.n, func(i int) bool { return compareFold(it.id(it.byID[i]), v) >= 0 })
	var out []int32
	for ; i < it.n && compareFold(it.id(it.byID[i]), v) == 0; i++ {
		out = append(out, it.byID[i])
	}
	return out
}

// rowsOfSummaries returns the items of the given summary rows.
func (it *itemRows) rowsOfSummaries(sums []int32) []int32 {
	var out []int32
	for _, s := range sums {
		out = append(out, it.bySum[it.bySumOff[s]:it.bySumOff[s+1]]...)
	}
	return out
}

// rowsOfAccess returns the items of the given access rows.
func (it *itemRows) rowsOfAccess(acc []int32) []int32 {
	var out []int32
	for _, g := range acc {
		out = append(out, it.byAcc[it.byAccOff[g]:it.byAccOff[g+1]]...)
	}
	return out
}

func (it *itemRows) newTable() *table {
	sums, acr := it.sums, it.acr
	accStr := func(vals []string) func(r int32) (string, bool) {
		return func(r int32) (string, bool) { return vals[it.acc[r]], true }
	}
	accPtr := func(vals []*string) func(r int32) (string, bool) {
		return func(r int32) (string, bool) {
			if p := vals[it.acc[r]]; p != nil {
				return *p, true
			}
			return "", false
		}
	}
	accType := func(r int32) (string, bool) { return string(acr.typ[it.acc[r]]), true }
	typ := &column{str: accType, cmp: func(a, b int32) int { return strings.Compare(string(acr.typ[it.acc[a]]), string(acr.typ[it.acc[b]])) }}
	return newTable(certsum.ReviewItemSchema, it.n, map[string]*column{
		"id": {
			str:    func(r int32) (string, bool) { return it.id(r), true },
			cmp:    func(a, b int32) int { return strings.Compare(it.id(a), it.id(b)) },
			lookup: it.lookupID,
		},
		"type":        typ,
		"access.type": typ,
		"identitySummary.id": {
			str:    func(r int32) (string, bool) { return sums.id[it.sum[r]], true },
			lookup: func(v string) []int32 { return it.rowsOfSummaries(sums.lookup(v)) },
		},
		"identitySummary.name": {
			str: func(r int32) (string, bool) { return sums.name[it.sum[r]], true },
			cmp: func(a, b int32) int { return strings.Compare(sums.name[it.sum[a]], sums.name[it.sum[b]]) },
		},
		"access.id": {
			str:    accStr(acr.id),
			lookup: func(v string) []int32 { return it.rowsOfAccess(acr.byID[foldKey(v)]) },
		},
		"access.name": {
			str: accStr(acr.name),
			cmp: func(a, b int32) int { return strings.Compare(acr.name[it.acc[a]], acr.name[it.acc[b]]) },
		},
		"entitlement.sourceName":   {str: accPtr(acr.entSource), cmp: cmpNullable(accPtr(acr.entSource))},
		"accessProfile.sourceName": {str: accPtr(acr.apSource), cmp: cmpNullable(accPtr(acr.apSource))},
	}, "completed", it.done)
}

// restrict returns the rows of the entitlements / access-profiles / roles parameter: items
// whose access is of f.AccessType and whose access id is exactly one of f.AccessIDs.
func (it *itemRows) restrict(f certsum.ReviewItemFilter) *restriction {
	ids := slices.Clone(f.AccessIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var acc []int32
	for _, id := range ids {
		if g, ok := it.acr.byKey[accessKey(f.AccessType, id)]; ok {
			acc = append(acc, g)
		}
	}
	return &restriction{key: string(f.AccessType) + ":" + strings.Join(ids, ","), rows: it.rowsOfAccess(acc)}
}

// appendJSON appends item r as encoding/json writes a certsum.AccessReviewItem.
func (it *itemRows) appendJSON(dst []byte, r int32) []byte {
	g := it.acc[r]
	dst = append(dst, `{"accessSummary":`...)
	if a := it.account[r]; a >= 0 && it.acr.accountPrefix[g] != nil {
		dst = append(dst, it.acr.accountPrefix[g]...)
		dst = append(dst, it.accounts[a]...)
		dst = append(dst, "}}"...)
	} else {
		dst = append(dst, it.acr.json[g]...)
	}
	dst = append(dst, `,"identitySummary":`...)
	dst = it.sums.appendJSON(dst, it.sum[r])
	dst = append(dst, `,"id":`...)
	dst = appendString(dst, it.id(r))
	dst = append(dst, `,"completed":`...)
	dst = appendBool(dst, it.done[r])
	dst = append(dst, `,"newAccess":`...)
	dst = appendBool(dst, it.newAcc[r])
	switch it.decision[r] {
	case approved:
		dst = append(dst, `,"decision":"APPROVE"`...)
	case revoked:
		dst = append(dst, `,"decision":"REVOKE"`...)
	}
	dst = append(dst, `,"comments":`...)
	if c := it.comment[r]; c >= 0 {
		dst = append(dst, it.comments[c]...)
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

// value returns item r as the store returns it, equal to what appendJSON writes. Its
// nested access details are the model's own, shared with every item of the same access.
func (it *itemRows) value(r int32) certsum.AccessReviewItem {
	g := it.acr.value(it.acc[r])
	if a := it.account[r]; a >= 0 && it.acr.accountPrefix[it.acc[r]] != nil {
		e := *g.Entitlement
		acct := it.accountVal[a]
		e.Account = &acct
		g.Entitlement = &e
	}
	v := certsum.AccessReviewItem{AccessSummary: g, IdentitySummary: it.sums.value(it.sum[r]), ID: it.id(r),
		Completed: it.done[r], NewAccess: it.newAcc[r]}
	switch it.decision[r] {
	case approved:
		v.Decision = certsum.Approve
	case revoked:
		v.Decision = certsum.Revoke
	}
	if c := it.comment[r]; c >= 0 {
		text := it.commentText[c]
		v.Comments = &text
	}
	return v
}

// setComment records item r's comments.
func (it *itemRows) setComment(r int32, c *string) {
	if c == nil {
		it.comment[r] = -1
		return
	}
	i, ok := it.commentIdx[*c]
	if !ok {
		i = int32(len(it.comments))
		it.commentIdx[*c] = i
		it.comments = append(it.comments, appendString(nil, *c))
		it.commentText = append(it.commentText, *c)
	}
	it.comment[r] = i
}
