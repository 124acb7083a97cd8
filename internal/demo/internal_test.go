package demo

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

func TestLevelCountsSplitsEveryoneWithSpansThatFit(t *testing.T) {
	for _, size := range []int{0, 1, 5, 12, 13, 40, 99, 280, 1000, 28000, 250_000} {
		c := levelCounts(size)
		sum := 0
		for _, v := range c {
			sum += v
		}
		if sum != size {
			t.Errorf("levelCounts(%d) = %v sums to %d", size, c, sum)
		}
		if len(c) > 0 && c[len(c)-1] > 12 {
			t.Errorf("levelCounts(%d) = %v: %d report to the head, want at most 12", size, c, c[len(c)-1])
		}
		for lv := 1; lv < len(c); lv++ {
			if span := float64(c[lv-1]) / float64(c[lv]); span < 4 || span > 13 {
				t.Errorf("levelCounts(%d) = %v: level %d has an average span of %.1f", size, c, lv, span)
			}
		}
	}
}

func TestSpreadSharesChildrenWithinSpanBounds(t *testing.T) {
	g := &gen{rng: rand.New(rand.NewPCG(1, 2))}
	for _, tc := range []struct{ n, k int }{{85, 10}, {3, 5}, {40, 1}, {2353, 277}, {12, 2}} {
		out := g.spread(tc.n, tc.k)
		sum := 0
		for _, v := range out {
			sum += v
			if tc.n >= tc.k*5 && (v < 5 || v > 12) && tc.k > 1 {
				t.Errorf("spread(%d, %d) gave a span of %d", tc.n, tc.k, v)
			}
		}
		if sum != tc.n || len(out) != tc.k {
			t.Errorf("spread(%d, %d) = %v", tc.n, tc.k, out)
		}
	}
}

func TestQuarterLabelsWrapAcrossYears(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		now    string
		offset int
		label  string
		start  string
	}{
		{"2026-11-16T09:00:00Z", 0, "Q4 2026", "2026-10-01T00:00:00Z"},
		{"2026-11-16T09:00:00Z", 1, "Q1 2027", "2027-01-01T00:00:00Z"},
		{"2026-11-16T09:00:00Z", -1, "Q3 2026", "2026-07-01T00:00:00Z"},
		{"2027-02-03T00:00:00Z", -1, "Q4 2026", "2026-10-01T00:00:00Z"},
		{"2027-03-31T23:59:59Z", 0, "Q1 2027", "2027-01-01T00:00:00Z"},
	} {
		label, start := quarter(at(tc.now), tc.offset)
		if label != tc.label || !start.Equal(at(tc.start)) {
			t.Errorf("quarter(%s, %d) = %s, %s; want %s, %s", tc.now, tc.offset, label, start, tc.label, tc.start)
		}
	}
}

func TestIDsAreHexUniqueAndIncreasing(t *testing.T) {
	g := idGen{rng: rand.New(rand.NewPCG(7, 8))}
	prev := ""
	seen := map[string]bool{}
	for i := 0; i < 3*idsPerBlock+5; i++ {
		id := g.next()
		if !certsum.ValidID(id) {
			t.Fatalf("id %q is not 32 lowercase hex characters", id)
		}
		if seen[id] || id <= prev {
			t.Fatalf("id %d %q is not new and greater than %q", i, id, prev)
		}
		seen[id] = true
		prev = id
	}
	other := idGen{rng: rand.New(rand.NewPCG(9, 8))}
	if a, b := other.next(), (&idGen{rng: rand.New(rand.NewPCG(7, 8))}).next(); a[:16] == b[:16] {
		t.Errorf("different seeds share the id prefix %s", a[:16])
	}
}

func TestSlugMakesMailSafeNames(t *testing.T) {
	for in, want := range map[string]string{"O'Brien": "obrien", "Min-jun": "min-jun", "DeLeon": "deleon", "Van Der Berg": "vanderberg"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := teamSlug("Identity & Access", "-"); got != "identity-access" {
		t.Errorf(`teamSlug("Identity & Access", "-") = %q`, got)
	}
	if got := teamSlug("Developer Experience", ""); got != "DeveloperExperience" {
		t.Errorf(`teamSlug("Developer Experience", "") = %q`, got)
	}
}

func TestCatalogTablesAreConsistent(t *testing.T) {
	// Generate panics on an unknown or foreign key, so reaching the checks proves every
	// table entry resolves.
	ds := Generate(Options{Identities: MinIdentities, Seed: 1})
	if len(ds.Entitlements) != len(entitlementSpecs()) || len(ds.AccessProfiles) != 40 || len(ds.Roles) != 15 {
		t.Fatalf("catalog has %d entitlements, %d access profiles, %d roles", len(ds.Entitlements), len(ds.AccessProfiles), len(ds.Roles))
	}
}
