package readmodel

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// table is one listable collection held in memory: n rows with the attributes of a schema.
// It answers a ListQuery in O(log n + limit) for the filters it indexes:
//
//   - sorting: one permutation per distinct sort-key list, built on first use and kept;
//   - the flag that changes in place (completed): a Fenwick tree over each permutation, so
//     counting and finding the k-th row with or without the flag is O(log n);
//   - eq and sw on the first sort key: the matching rows are contiguous in the permutation
//     (one block per ASCII case variant of the value), found by binary search;
//   - eq and in on id attributes: direct lookups.
//
// Any other filter is evaluated once per permutation by a scan and its result (the matching
// positions) is cached; the attributes it reads never change while the table lives. A
// filter that mixes the completed flag into or / not is evaluated by a scan per request.
//
// Rows are read under the owner's read lock; setDone runs under the owner's write lock.
type table struct {
	schema *query.Schema
	n      int
	cols   map[string]*column
	dyn    string // name of the flag that changes in place ("" for none)
	done   []bool // that flag per row

	mu      sync.Mutex
	orders  map[string]*orderSlot
	sets    map[string]*set
	setSize int          // positions held by sets
	gen     atomic.Int64 // bumped by setDone
	extra   atomic.Int64 // bytes of lazily built orders and cached sets
}

// orderSlot builds one permutation once.
type orderSlot struct {
	once sync.Once
	o    *order
}

// order is the rows sorted by keys (then by id ascending): perm maps a position to a row,
// pos a row to its position, and fen counts rows whose flag is set by position.
type order struct {
	keys []query.SortKey
	perm []int32
	pos  []int32
	fen  *fenwick
}

// newTable returns a table over n rows. done may be nil when the schema has no flag that
// changes in place; otherwise the completed column reads it.
func newTable(s *query.Schema, n int, cols map[string]*column, dyn string, done []bool) *table {
	t := &table{schema: s, n: n, cols: cols, dyn: dyn, done: done,
		orders: map[string]*orderSlot{}, sets: map[string]*set{}}
	if dyn != "" {
		cols[dyn] = &column{flag: func(r int32) bool { return t.done[r] }}
	}
	return t
}

func (t *table) column(name string) (*column, error) {
	c, ok := t.cols[name]
	if !ok {
		return nil, certsum.Invalidf("filters", "filters: %s has no attribute %q", t.schema.Name, name)
	}
	return c, nil
}

// sortKeyString renders a sort-key list as the map key of its permutation.
func sortKeyString(keys []query.SortKey) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.String())
	}
	return b.String()
}

// order returns the permutation of keys (the schema's default order when empty), building
// it on first use.
func (t *table) order(keys []query.SortKey) (*order, error) {
	keys = query.SortKeys(t.schema, keys)
	k := sortKeyString(keys)
	t.mu.Lock()
	slot := t.orders[k]
	if slot == nil {
		for _, sk := range keys {
			if c, ok := t.cols[sk.Field]; !ok || c.cmp == nil {
				t.mu.Unlock()
				return nil, certsum.Invalidf("sorters", "sorters: %s cannot sort on %q", t.schema.Name, sk.Field)
			}
		}
		slot = &orderSlot{}
		t.orders[k] = slot
	}
	t.mu.Unlock()
	slot.once.Do(func() {
		slot.o = t.buildOrder(keys)
		t.extra.Add(int64(12 * t.n))
	})
	return slot.o, nil
}

func (t *table) buildOrder(keys []query.SortKey) *order {
	o := &order{keys: keys, perm: make([]int32, t.n), pos: make([]int32, t.n)}
	for i := range o.perm {
		o.perm[i] = int32(i)
	}
	cmps := make([]func(a, b int32) int, len(keys))
	for i, k := range keys {
		cmps[i] = t.cols[k.Field].cmp
	}
	id := t.cols[t.schema.IDField].cmp
	slices.SortFunc(o.perm, func(a, b int32) int {
		for i, c := range cmps {
			if r := c(a, b); r != 0 {
				if keys[i].Desc {
					return -r
				}
				return r
			}
		}
		return id(a, b)
	})
	for p, r := range o.perm {
		o.pos[r] = int32(p)
	}
	if t.done != nil {
		o.fen = newFenwick(t.n, func(p int) bool { return t.done[o.perm[p]] })
	}
	return o
}

// setDone changes the flag of row r, keeping every permutation's counts right. The caller
// holds the owner's write lock.
func (t *table) setDone(r int32, v bool) {
	if t.done[r] == v {
		return
	}
	t.done[r] = v
	d := int32(-1)
	if v {
		d = 1
	}
	t.mu.Lock()
	for _, slot := range t.orders {
		if slot.o != nil {
			slot.o.fen.add(int(slot.o.pos[r]), d)
		}
	}
	t.mu.Unlock()
	t.gen.Add(1)
}

// req is what a filter asks of the flag that changes in place.
type req int8

const (
	reqAny   req = iota // no condition
	reqSet              // the flag is true
	reqClear            // the flag is false
	reqNone             // contradictory: nothing matches
)

func (r req) and(o req) req {
	switch {
	case r == reqAny:
		return o
	case o == reqAny || o == r:
		return r
	}
	return reqNone
}

// conjuncts flattens a chain of ands.
func conjuncts(e query.Expr, out []query.Expr) []query.Expr {
	if l, ok := e.(*query.Logical); ok && l.Op == query.And {
		return conjuncts(l.Right, conjuncts(l.Left, out))
	}
	return append(out, e)
}

// conjoin rebuilds a left-associated and-chain (nil for none).
func conjoin(terms []query.Expr) query.Expr {
	var e query.Expr
	for _, t := range terms {
		if e == nil {
			e = t
		} else {
			e = &query.Logical{Op: query.And, Left: e, Right: t}
		}
	}
	return e
}

// mentions reports whether e reads the attribute.
func mentions(e query.Expr, field string) bool {
	switch n := e.(type) {
	case *query.Logical:
		return mentions(n.Left, field) || mentions(n.Right, field)
	case *query.Not:
		return mentions(n.X, field)
	case *query.Compare:
		return n.Field == field
	case *query.List:
		return n.Field == field
	case *query.Presence:
		return n.Field == field
	}
	return false
}

// flagTerm reads "completed eq/ne true/false", possibly under not, as a requirement.
func flagTerm(e query.Expr, field string) (req, bool) {
	neg := false
	for {
		n, ok := e.(*query.Not)
		if !ok {
			break
		}
		neg, e = !neg, n.X
	}
	c, ok := e.(*query.Compare)
	if !ok || c.Field != field {
		return reqAny, false
	}
	b, ok := c.Value.(query.BoolLit)
	if !ok || (c.Op != query.OpEq && c.Op != query.OpNe) {
		return reqAny, false
	}
	want := b.Value
	if c.Op == query.OpNe {
		want = !want
	}
	if neg {
		want = !want
	}
	if want {
		return reqSet, true
	}
	return reqClear, true
}

// split separates a filter into a requirement on the in-place flag and a static rest. ok is
// false when the flag appears elsewhere than in the top-level and-chain.
func (t *table) split(e query.Expr) (r req, static []query.Expr, ok bool) {
	if e == nil {
		return reqAny, nil, true
	}
	terms := conjuncts(e, nil)
	if t.dyn == "" {
		return reqAny, terms, true
	}
	for _, term := range terms {
		if q, isFlag := flagTerm(term, t.dyn); isFlag {
			r = r.and(q)
			continue
		}
		if mentions(term, t.dyn) {
			return reqAny, nil, false
		}
		static = append(static, term)
	}
	return r, static, true
}

// span is a run of positions [lo, hi) of a permutation.
type span struct{ lo, hi int32 }

// set is the result of a static filter in one permutation: spans, or a sorted list of
// positions. For a list it keeps, per flag generation, how many listed rows have the flag
// up to each index.
type set struct {
	spans  []span
	list   []int32
	isList bool

	mu   sync.Mutex
	gen  int64
	pref []int32
}

// restriction narrows a list to given rows before the filter (the reviewer of
// listIdentityCertifications); key names it in the set cache.
type restriction struct {
	key  string
	rows []int32
}

// maxSetPositions bounds the positions that cached sets of one table may hold, as a
// multiple of the table's size; past it the cache starts over.
const maxSetPositions = 4

// resolve returns the set of positions of o that match the static terms (and the
// restriction), from the cache when it was computed before.
func (t *table) resolve(o *order, terms []query.Expr, rs *restriction) (*set, error) {
	var kb strings.Builder
	kb.WriteString(sortKeyString(o.keys))
	if rs != nil {
		kb.WriteString("\x00r:")
		kb.WriteString(rs.key)
	}
	for _, term := range terms {
		kb.WriteString("\x00")
		kb.WriteString(term.String())
	}
	key := kb.String()
	t.mu.Lock()
	s := t.sets[key]
	t.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := t.compute(o, terms, rs)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.setSize+len(s.list) > maxSetPositions*t.n+1024 {
		t.extra.Add(-int64(4 * t.setSize))
		t.sets, t.setSize = map[string]*set{}, 0
	}
	t.sets[key] = s
	t.setSize += len(s.list)
	t.extra.Add(int64(4*len(s.list) + 8*len(s.spans) + len(key) + 64))
	t.mu.Unlock()
	return s, nil
}

// compute evaluates the static terms in permutation o.
func (t *table) compute(o *order, terms []query.Expr, rs *restriction) (*set, error) {
	if len(terms) == 0 && rs == nil {
		return &set{spans: []span{{0, int32(t.n)}}}, nil
	}
	// A restriction or an id lookup gives candidate rows; the other terms filter them.
	var cand []int32
	haveCand := false
	rest := terms
	if rs != nil {
		cand, haveCand = rs.rows, true
	} else {
		for i, term := range terms {
			if rows, ok := t.lookup(term); ok {
				cand, haveCand = rows, true
				rest = append(slices.Clone(terms[:i]), terms[i+1:]...)
				break
			}
		}
	}
	var spans []span
	ranged := false
	if !haveCand && len(o.keys) > 0 {
		for i, term := range terms {
			if sp, ok := t.rangeOf(o, term); ok {
				spans, ranged = sp, true
				rest = append(slices.Clone(terms[:i]), terms[i+1:]...)
				break
			}
		}
		if ranged && len(rest) == 0 {
			return &set{spans: spans}, nil
		}
	}
	m, err := t.compile(conjoin(rest))
	if err != nil {
		return nil, certsum.Invalidf("filters", "filters: %v", err)
	}
	s := &set{isList: true, list: []int32{}}
	switch {
	case haveCand:
		for _, r := range cand {
			if m(r) {
				s.list = append(s.list, o.pos[r])
			}
		}
		slices.Sort(s.list)
		s.list = slices.Compact(s.list)
	case ranged:
		for _, sp := range spans {
			for p := sp.lo; p < sp.hi; p++ {
				if m(o.perm[p]) {
					s.list = append(s.list, p)
				}
			}
		}
	default:
		for p, r := range o.perm {
			if m(r) {
				s.list = append(s.list, int32(p))
			}
		}
	}
	return s, nil
}

// lookup answers "id eq v" or "id in (...)" on an attribute with a lookup from the index.
func (t *table) lookup(term query.Expr) ([]int32, bool) {
	var field string
	var vals []query.Literal
	switch n := term.(type) {
	case *query.Compare:
		if n.Op != query.OpEq {
			return nil, false
		}
		field, vals = n.Field, []query.Literal{n.Value}
	case *query.List:
		if n.Op != query.OpIn {
			return nil, false
		}
		field, vals = n.Field, n.Values
	default:
		return nil, false
	}
	c, ok := t.cols[field]
	if !ok || c.lookup == nil {
		return nil, false
	}
	var rows []int32
	for _, v := range vals {
		s, ok := v.(query.StringLit)
		if !ok {
			return nil, false
		}
		rows = append(rows, c.lookup(s.Value)...)
	}
	return rows, true
}

// rangeOf answers "k eq v" and "k sw v" on the first sort key k of o with spans of o: the
// rows whose value matches under ASCII case folding are contiguous for each case variant
// of v, and the variants that occur are found by narrowing one character at a time.
func (t *table) rangeOf(o *order, term query.Expr) ([]span, bool) {
	c, ok := term.(*query.Compare)
	if !ok || c.Field != o.keys[0].Field || (c.Op != query.OpEq && c.Op != query.OpSw) {
		return nil, false
	}
	lit, ok := c.Value.(query.StringLit)
	col := t.cols[c.Field]
	if !ok || col == nil || col.str == nil {
		return nil, false
	}
	desc := o.keys[0].Desc
	val := lit.Value
	var out []span
	// bound returns the first position in [lo, hi) whose sign passes: the signs run
	// -1…0…+1 over an ascending permutation and +1…0…-1 over a descending one.
	bound := func(lo, hi int32, sign func(s string, ok bool) int, strict bool) int32 {
		a, b := 0, int(hi-lo)
		for a < b {
			h := int(uint(a+b) >> 1)
			s, ok := col.str(o.perm[lo+int32(h)])
			g := sign(s, ok)
			var pass bool
			switch {
			case !desc && !strict:
				pass = g >= 0
			case !desc && strict:
				pass = g > 0
			case desc && !strict:
				pass = g <= 0
			default:
				pass = g < 0
			}
			if pass {
				b = h
			} else {
				a = h + 1
			}
		}
		return lo + int32(a)
	}
	var walk func(prefix []byte, lo, hi int32)
	walk = func(prefix []byte, lo, hi int32) {
		if len(prefix) == len(val) {
			if c.Op == query.OpEq {
				p := string(prefix)
				exact := func(s string, ok bool) int {
					if !ok {
						return -1
					}
					return strings.Compare(s, p)
				}
				if desc {
					lo = bound(lo, hi, exact, false)
				} else {
					hi = bound(lo, hi, exact, true)
				}
			}
			if lo < hi {
				out = append(out, span{lo, hi})
			}
			return
		}
		ch := val[len(prefix)]
		variants := []byte{ch}
		if l := lowerASCII(ch); l != ch {
			variants = append(variants, l)
		} else if 'a' <= ch && ch <= 'z' {
			variants = append(variants, ch-'a'+'A')
		}
		for _, v := range variants {
			next := append(prefix, v)
			p := string(next)
			sign := func(s string, ok bool) int {
				if !ok {
					return -1
				}
				if len(s) >= len(p) {
					return strings.Compare(s[:len(p)], p)
				}
				if c := strings.Compare(s, p[:len(s)]); c != 0 {
					return c
				}
				return -1
			}
			a, b := bound(lo, hi, sign, false), bound(lo, hi, sign, true)
			if a < b {
				walk(next[:len(next):len(next)], a, b)
			}
		}
	}
	// Null matches neither eq nor sw, not even of "", which walk would otherwise give the
	// whole permutation: start from the non-null rows (nulls come first ascending, last
	// descending).
	lo, hi := int32(0), int32(t.n)
	if desc {
		hi = bound(lo, hi, func(_ string, ok bool) int { return b2s(ok) }, false)
	} else {
		lo = bound(lo, hi, func(_ string, ok bool) int { return b2s(ok) - 1 }, false)
	}
	walk(make([]byte, 0, len(val)), lo, hi)
	slices.SortFunc(out, func(a, b span) int { return int(a.lo - b.lo) })
	return out, true
}

// b2s is 1 for true and 0 for false.
func b2s(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// flagPrefix returns, for a list set, how many listed rows have the flag before each index,
// recomputed when the flag changed since.
func (t *table) flagPrefix(o *order, s *set) []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := t.gen.Load()
	if s.pref == nil || s.gen != g {
		pref := make([]int32, len(s.list)+1)
		for i, p := range s.list {
			pref[i+1] = pref[i]
			if t.done[o.perm[p]] {
				pref[i+1]++
			}
		}
		s.pref, s.gen = pref, g
	}
	return s.pref
}

// list answers q: it calls emit for each row of the page in order and returns the number
// of rows matching the filter. rs, when set, restricts the rows first.
func (t *table) list(q certsum.ListQuery, rs *restriction, emit func(r int32)) (int, error) {
	o, err := t.order(q.Sort)
	if err != nil {
		return 0, err
	}
	r, static, ok := t.split(q.Filter)
	if !ok {
		return t.scanList(o, q, rs, emit)
	}
	if r == reqNone {
		return 0, nil
	}
	s, err := t.resolve(o, static, rs)
	if err != nil {
		return 0, err
	}
	if s.isList {
		return t.pageList(o, s, r, q, emit), nil
	}
	return t.pageSpans(o, s.spans, r, q, emit), nil
}

// scanList evaluates a filter that reads the in-place flag inside or / not: one pass over
// the permutation.
func (t *table) scanList(o *order, q certsum.ListQuery, rs *restriction, emit func(r int32)) (int, error) {
	m, err := t.compile(q.Filter)
	if err != nil {
		return 0, certsum.Invalidf("filters", "filters: %v", err)
	}
	var allowed map[int32]bool
	if rs != nil {
		allowed = make(map[int32]bool, len(rs.rows))
		for _, r := range rs.rows {
			allowed[r] = true
		}
	}
	total := 0
	for _, r := range o.perm {
		if (allowed == nil || allowed[r]) && m(r) {
			if total >= q.Offset && total < q.Offset+q.Limit {
				emit(r)
			}
			total++
		}
	}
	return total, nil
}

// spanCount is the number of rows in sp that meet r.
func spanCount(o *order, sp span, r req) int {
	switch r {
	case reqSet:
		return o.fen.count(int(sp.lo), int(sp.hi))
	case reqClear:
		return int(sp.hi-sp.lo) - o.fen.count(int(sp.lo), int(sp.hi))
	}
	return int(sp.hi - sp.lo)
}

// nth returns the position of the k-th row (from 0) of sp that meets r.
func nth(o *order, sp span, r req, k int) int {
	switch r {
	case reqSet:
		return o.fen.selectSet(o.fen.prefix(int(sp.lo)) + k)
	case reqClear:
		return o.fen.selectClear(int(sp.lo) - o.fen.prefix(int(sp.lo)) + k)
	}
	return int(sp.lo) + k
}

// walkLimit is how many positions next steps over one by one before it jumps with the tree.
const walkLimit = 32

// next returns the first position after p (below hi) whose row meets r, or -1.
func (t *table) next(o *order, p, hi int, r req) int {
	if r == reqAny {
		if p+1 < hi {
			return p + 1
		}
		return -1
	}
	want := r == reqSet
	for q := p + 1; q < hi && q <= p+walkLimit; q++ {
		if t.done[o.perm[q]] == want {
			return q
		}
	}
	q := p + walkLimit + 1
	if q >= hi {
		return -1
	}
	var n int
	if want {
		n = o.fen.selectSet(o.fen.prefix(q))
	} else {
		n = o.fen.selectClear(q - o.fen.prefix(q))
	}
	if n < 0 || n >= hi {
		return -1
	}
	return n
}

func (t *table) pageSpans(o *order, spans []span, r req, q certsum.ListQuery, emit func(int32)) int {
	total := 0
	for _, sp := range spans {
		total += spanCount(o, sp, r)
	}
	off, left := q.Offset, q.Limit
	for _, sp := range spans {
		if left == 0 {
			break
		}
		c := spanCount(o, sp, r)
		if off >= c {
			off -= c
			continue
		}
		for p := nth(o, sp, r, off); p >= 0 && left > 0; p = t.next(o, p, int(sp.hi), r) {
			emit(o.perm[p])
			left--
		}
		off = 0
	}
	return total
}

func (t *table) pageList(o *order, s *set, r req, q certsum.ListQuery, emit func(int32)) int {
	if r == reqAny {
		for i := q.Offset; i < len(s.list) && i < q.Offset+q.Limit; i++ {
			emit(o.perm[s.list[i]])
		}
		return len(s.list)
	}
	pref := t.flagPrefix(o, s)
	want := r == reqSet
	count := func(i int) int { // matching entries among list[:i]
		if want {
			return int(pref[i])
		}
		return i - int(pref[i])
	}
	total := count(len(s.list))
	if q.Offset >= total || q.Limit == 0 {
		return total
	}
	// The first index whose prefix count passes the offset holds the first row of the page.
	lo, hi := 0, len(s.list)
	for lo < hi {
		h := (lo + hi) / 2
		if count(h+1) >= q.Offset+1 {
			hi = h
		} else {
			lo = h + 1
		}
	}
	for i, left := lo, q.Limit; i < len(s.list) && left > 0; i++ {
		row := o.perm[s.list[i]]
		if t.done[row] == want {
			emit(row)
			left--
		}
	}
	return total
}

// String describes the table for logs.
func (t *table) String() string { return fmt.Sprintf("%s (%d rows)", t.schema.Name, t.n) }
