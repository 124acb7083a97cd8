package readmodel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// names mixes case variants, shared prefixes, duplicates, non-letters and UTF-8, the cases
// where ASCII-folded matching and byte-wise sorting part ways.
var testNames = []string{"john", "John", "JOHN", "Jo", "jo", "jOhnny", "Johnson", "J-1", "j-1", "Mary",
	"mary ann", "MARY", "Émile", "émile", "zoe", "Zoë", "", "a", "A", "ab", "aB", "Ab", "AB", "abc", "[x]", "_y"}

// randomCase flips the case of ASCII letters at random.
func randomCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if rng.IntN(2) == 0 {
			switch {
			case 'a' <= c && c <= 'z':
				b[i] = c - 'a' + 'A'
			case 'A' <= c && c <= 'Z':
				b[i] = c - 'A' + 'a'
			}
		}
	}
	return string(b)
}

// randomPrefix is a prefix of one of vals (or of nothing) in random case.
func randomPrefix(rng *rand.Rand, vals []string) string {
	v := vals[rng.IntN(len(vals))]
	if rng.IntN(10) == 0 {
		v = "zz-none"
	}
	cut := rng.IntN(len(v) + 1)
	for cut > 0 && cut < len(v) && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return randomCase(rng, v[:cut])
}

// filterGen writes random filters over a schema's attributes.
type filterGen struct {
	rng   *rand.Rand
	terms []func() string
}

func (g *filterGen) term() string { return g.terms[g.rng.IntN(len(g.terms))]() }

func (g *filterGen) expr(depth int) string {
	switch n := g.rng.IntN(10); {
	case depth > 0 && n < 3:
		return g.expr(depth-1) + " and " + g.expr(depth-1)
	case depth > 0 && n < 4:
		return "(" + g.expr(depth-1) + " or " + g.expr(depth-1) + ")"
	case depth > 0 && n < 5:
		return "not (" + g.expr(depth-1) + ")"
	}
	return g.term()
}

func quote(s string) string { return query.StringLit{Value: s}.String() }

// sortersFor returns a random sorters parameter over the schema's sortable fields.
func sortersFor(rng *rand.Rand, s *query.Schema) string {
	var fields []string
	for _, f := range s.Fields {
		if f.Sortable {
			fields = append(fields, f.Name)
		}
	}
	rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	fields = fields[:rng.IntN(len(fields)+1)]
	for i := range fields {
		if rng.IntN(2) == 0 {
			fields[i] = "-" + fields[i]
		}
	}
	return strings.Join(fields, ",")
}

// TestTableAgreesWithSelect compares random pages of an identity summary table, under random
// filters, sorters and flag changes, with query.Select over the same records.
func TestTableAgreesWithSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 400
	var recs []certsum.SummaryRecord
	for i := 0; i < n; i++ {
		recs = append(recs, certsum.SummaryRecord{Summary: certsum.IdentitySummary{
			ID:   fmt.Sprintf("%032x", rng.Uint64()),
			Name: testNames[rng.IntN(len(testNames))] + []string{"", "", " x", "Y"}[rng.IntN(4)],
			// A few ids differ from others only in case.
			IdentityID: fmt.Sprintf("i%d", i), Completed: rng.IntN(3) == 0,
		}})
	}
	recs[1].Summary.ID = strings.ToUpper(recs[0].Summary.ID)
	s := newSummaryRows(recs)
	g := &filterGen{rng: rng, terms: []func() string{
		func() string {
			return fmt.Sprintf("completed %s %t", []string{"eq", "ne"}[rng.IntN(2)], rng.IntN(2) == 0)
		},
		func() string { return "name sw " + quote(randomPrefix(rng, s.name)) },
		func() string { return "name eq " + quote(randomCase(rng, s.name[rng.IntN(n)])) },
		func() string { return "id eq " + quote(randomCase(rng, s.id[rng.IntN(n)])) },
		func() string {
			return fmt.Sprintf("id in (%s, %s)", quote(s.id[rng.IntN(n)]), quote(randomCase(rng, s.id[rng.IntN(n)])))
		},
	}}
	for round := 0; round < 1500; round++ {
		raw := ""
		if rng.IntN(5) > 0 {
			raw = g.expr(2)
		}
		filter, err := certsum.ParseFilter(raw, certsum.IdentitySummarySchema)
		if err != nil {
			t.Fatalf("filter %q: %v", raw, err)
		}
		keys, err := certsum.ParseSorters(sortersFor(rng, certsum.IdentitySummarySchema), certsum.IdentitySummarySchema)
		if err != nil {
			t.Fatal(err)
		}
		var records []query.Map
		for i := 0; i < n; i++ {
			records = append(records, query.Map{"id": s.id[i], "name": s.name[i], "completed": s.done[i]})
		}
		limit, offset := rng.IntN(40), rng.IntN(n)
		if rng.IntN(3) == 0 {
			offset = rng.IntN(20)
		}
		want, wantTotal, err := query.Select(certsum.IdentitySummarySchema, records, filter, keys, limit, offset)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		total, err := s.tbl.list(certsum.ListQuery{Filter: filter, Sort: keys, Limit: limit, Offset: offset}, nil,
			func(r int32) { got = append(got, s.id[r]) })
		if err != nil {
			t.Fatalf("filter %q: %v", raw, err)
		}
		var wantIDs []string
		for _, r := range want {
			wantIDs = append(wantIDs, r["id"].(string))
		}
		if total != wantTotal || !slices.Equal(got, wantIDs) {
			t.Fatalf("round %d: filter %q sort %v limit %d offset %d:\n got  %d %v\n want %d %v",
				round, raw, keys, limit, offset, total, got, wantTotal, wantIDs)
		}
		for flips := rng.IntN(4); flips > 0; flips-- {
			r := int32(rng.IntN(n))
			s.tbl.setDone(r, !s.done[r])
		}
	}
}

// TestAccessTableAgreesWithSelect does the same over access summaries, whose source names
// may be null.
func TestAccessTableAgreesWithSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 300
	var recs []certsum.AccessRecord
	sources := []string{"Active Directory", "active directory", "AWS", "aws iam", "Workday", ""}
	for i := 0; i < n; i++ {
		r := certsum.AccessRecord{Total: 1 + rng.IntN(3)}
		r.Decided = rng.IntN(r.Total + 1)
		typ := []certsum.DtoType{certsum.TypeEntitlement, certsum.TypeAccessProfile, certsum.TypeRole}[rng.IntN(3)]
		r.Summary.Access = certsum.AccessRef{Type: typ, ID: fmt.Sprintf("%032x", rng.Uint64()),
			Name: testNames[rng.IntN(len(testNames))]}
		src := sources[rng.IntN(len(sources))]
		switch typ {
		case certsum.TypeEntitlement:
			r.EntitlementSourceName = &src
		case certsum.TypeAccessProfile:
			if rng.IntN(4) > 0 {
				r.AccessProfileSourceName = &src
			}
		}
		recs = append(recs, r)
	}
	a := newAccessRows(recs)
	typ := certsum.TypeEntitlement
	rows := a.rowsOf[typ]
	g := &filterGen{rng: rng, terms: []func() string{
		func() string {
			return fmt.Sprintf("completed %s %t", []string{"eq", "ne"}[rng.IntN(2)], rng.IntN(2) == 0)
		},
		func() string { return "access.name sw " + quote(randomPrefix(rng, a.name)) },
		func() string { return "access.name eq " + quote(randomCase(rng, a.name[rng.IntN(n)])) },
		func() string { return "entitlement.sourceName sw " + quote(randomPrefix(rng, sources)) },
		func() string {
			return "accessProfile.sourceName eq " + quote(randomCase(rng, sources[rng.IntN(len(sources))]))
		},
		func() string { return "access.id in (" + quote(a.id[rng.IntN(n)]) + ")" },
	}}
	for round := 0; round < 1000; round++ {
		if round%100 == 0 {
			typ = []certsum.DtoType{certsum.TypeEntitlement, certsum.TypeAccessProfile, certsum.TypeRole}[round/100%3]
			rows = a.rowsOf[typ]
		}
		tbl := a.tables[typ]
		raw := g.expr(2)
		filter, err := certsum.ParseFilter(raw, certsum.AccessSummarySchema)
		if err != nil {
			t.Fatalf("filter %q: %v", raw, err)
		}
		keys, _ := certsum.ParseSorters(sortersFor(rng, certsum.AccessSummarySchema), certsum.AccessSummarySchema)
		var records []query.Map
		for _, g := range rows {
			rec := query.Map{"access.id": a.id[g], "access.name": a.name[g], "completed": a.decided[g] == a.total[g],
				"entitlement.sourceName": nil, "accessProfile.sourceName": nil}
			if p := a.entSource[g]; p != nil {
				rec["entitlement.sourceName"] = *p
			}
			if p := a.apSource[g]; p != nil {
				rec["accessProfile.sourceName"] = *p
			}
			records = append(records, rec)
		}
		limit, offset := rng.IntN(30), rng.IntN(len(rows)+1)
		want, wantTotal, err := query.Select(certsum.AccessSummarySchema, records, filter, keys, limit, offset)
		if err != nil {
			t.Fatal(err)
		}
		var got, wantIDs []string
		total, err := tbl.list(certsum.ListQuery{Filter: filter, Sort: keys, Limit: limit, Offset: offset}, nil,
			func(r int32) { got = append(got, a.id[rows[r]]) })
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range want {
			wantIDs = append(wantIDs, r["access.id"].(string))
		}
		if total != wantTotal || !slices.Equal(got, wantIDs) {
			t.Fatalf("round %d %s: filter %q sort %v limit %d offset %d:\n got  %d %v\n want %d %v",
				round, typ, raw, keys, limit, offset, total, got, wantTotal, wantIDs)
		}
		g := rows[rng.IntN(len(rows))]
		a.setCounts(g, a.total[g], int32(rng.IntN(int(a.total[g])+1)))
	}
}

// TestNullMatchesNoValueOnTheFirstSortKey: eq and sw on the first sort key are answered by
// binary search over the sorted rows; a null is not "" and has no prefix, not even "", in
// either direction.
func TestNullMatchesNoValueOnTheFirstSortKey(t *testing.T) {
	ad, empty := "Active Directory", ""
	sums := newSummaryRows([]certsum.SummaryRecord{{Summary: certsum.IdentitySummary{ID: "s1", Name: "ann"}}})
	recs := []certsum.AccessRecord{
		{Summary: certsum.AccessSummary{Access: certsum.AccessRef{Type: certsum.TypeEntitlement, ID: "e1", Name: "e1"}}, EntitlementSourceName: &ad, Total: 1},
		{Summary: certsum.AccessSummary{Access: certsum.AccessRef{Type: certsum.TypeRole, ID: "r1", Name: "r1"}}, Total: 1},
		{Summary: certsum.AccessSummary{Access: certsum.AccessRef{Type: certsum.TypeAccessProfile, ID: "a1", Name: "a1"}}, AccessProfileSourceName: &ad, Total: 1},
		{Summary: certsum.AccessSummary{Access: certsum.AccessRef{Type: certsum.TypeAccessProfile, ID: "a2", Name: "a2"}}, AccessProfileSourceName: &empty, Total: 1},
	}
	acr := newAccessRows(recs)
	b := newItemBuilder()
	for i, r := range recs {
		if err := b.add(certsum.ItemRecord{ID: fmt.Sprintf("i%d", i), IdentitySummaryID: "s1", AccessType: r.Summary.Access.Type,
			AccessID: r.Summary.Access.ID}); err != nil {
			t.Fatal(err)
		}
	}
	it, err := b.finish(sums, acr, nil)
	if err != nil {
		t.Fatal(err)
	}
	it.index()
	for _, tc := range []struct {
		filter, sorters string
		want            []string
	}{
		{`accessProfile.sourceName sw ""`, "accessProfile.sourceName", []string{"i3", "i2"}},
		{`accessProfile.sourceName sw ""`, "-accessProfile.sourceName", []string{"i2", "i3"}},
		{`accessProfile.sourceName eq ""`, "accessProfile.sourceName", []string{"i3"}},
		{`accessProfile.sourceName eq ""`, "-accessProfile.sourceName", []string{"i3"}},
		{`accessProfile.sourceName sw "act"`, "-accessProfile.sourceName", []string{"i2"}},
		{`entitlement.sourceName sw ""`, "entitlement.sourceName", []string{"i0"}},
	} {
		filter, err := certsum.ParseFilter(tc.filter, certsum.ReviewItemSchema)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := certsum.ParseSorters(tc.sorters, certsum.ReviewItemSchema)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		total, err := it.tbl.list(certsum.ListQuery{Filter: filter, Sort: keys, Limit: 10}, nil, func(r int32) { got = append(got, it.id(r)) })
		if err != nil {
			t.Fatal(err)
		}
		if total != len(tc.want) || !slices.Equal(got, tc.want) {
			t.Errorf("%s sorted by %s: %d %v, want %v", tc.filter, tc.sorters, total, got, tc.want)
		}
	}
}
