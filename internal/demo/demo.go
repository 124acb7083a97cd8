package demo

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// Size limits of Options.Identities.
const (
	// DefaultIdentities is used when Options.Identities is zero.
	DefaultIdentities = 1000
	// MinIdentities is the smallest organisation Generate builds: a CEO, ten department
	// heads and enough people for every source to have an owner and every campaign a
	// certification. Smaller values are raised to it.
	MinIdentities = 100
	// MaxIdentities bounds memory use: the dataset takes about 11 KB per identity (1.1 GB
	// at 100,000 identities), so about 5.5 GB at the maximum.
	MaxIdentities = 500_000
)

// DefaultNow is the instant the dataset is anchored to when Options.Now is zero.
var DefaultNow = time.Date(2026, time.November, 16, 9, 0, 0, 0, time.UTC)

// Options selects the demo dataset. Generate is a pure function of them.
type Options struct {
	// Identities is the number of people in the organisation (DefaultIdentities when zero,
	// at least MinIdentities).
	Identities int
	// Seed selects one of many equally realistic organisations.
	Seed int64
	// Now anchors every timestamp (DefaultNow when zero): the ACTIVE campaigns started a
	// week or so before it and are due about three weeks after it, the COMPLETED campaign
	// ended in the previous quarter, and campaign names carry its quarter.
	Now time.Time
}

// normalized returns the options with defaults applied.
func (o Options) normalized() Options {
	if o.Identities == 0 {
		o.Identities = DefaultIdentities
	}
	o.Identities = min(max(o.Identities, MinIdentities), MaxIdentities)
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	return o
}

// Generate builds the demo dataset for opts with its four campaigns made by hand, for tests
// and benchmarks that load a fixed dataset with certsum.Store.Load. The same options always
// give a deep-equal dataset. Counters and completed flags are left zero: Load computes them.
// certsum's commands build the demo with Fill instead, through the import and the campaign
// engine.
func Generate(opts Options) *certsum.Dataset {
	g := generate(opts)
	g.buildCampaigns()
	return g.ds
}

// generate builds the organisation and its inventory, without campaigns.
func generate(opts Options) *gen {
	opts = opts.normalized()
	seed := uint64(opts.Seed)
	g := &gen{
		opts:   opts,
		now:    opts.Now,
		rng:    rand.New(rand.NewPCG(seed, 0x6365727473756d31)), // "certsum1"
		ids:    idGen{rng: rand.New(rand.NewPCG(seed, 0x6365727473756d32))},
		ds:     &certsum.Dataset{},
		names:  make(map[string]struct{}, opts.Identities),
		locals: make(map[string]struct{}, opts.Identities),
	}
	g.buildOrg()
	g.buildCatalog()
	g.buildGroups()
	g.assignAccess()
	g.buildAccounts()
	return g
}

// assignments returns what every person was given: roles and access profiles, and
// entitlements held through the person's account on their source.
func (g *gen) assignments() []certsum.InputAssignment {
	var out []certsum.InputAssignment
	for pi := range g.people {
		p := &g.people[pi]
		id := g.ds.Identities[pi].ID
		for _, r := range p.roles {
			out = append(out, certsum.InputAssignment{IdentityID: id, AccessType: certsum.TypeRole, AccessID: g.ds.Roles[r].ID})
		}
		for _, a := range p.aps {
			out = append(out, certsum.InputAssignment{IdentityID: id, AccessType: certsum.TypeAccessProfile,
				AccessID: g.ds.AccessProfiles[a].ID})
		}
		for _, e := range p.ents {
			acct, _, _ := g.accountFlags(pi, g.cat.entSrc[e])
			out = append(out, certsum.InputAssignment{IdentityID: id, AccessType: certsum.TypeEntitlement,
				AccessID: g.ds.Entitlements[e].ID, AccountID: acct})
		}
	}
	return out
}

// gen holds the state of one Generate call.
type gen struct {
	opts Options
	now  time.Time
	rng  *rand.Rand
	ids  idGen
	ds   *certsum.Dataset

	people   []person
	heads    []int // department head per department
	names    map[string]struct{}
	locals   map[string]struct{}
	srcOwner [numSources]int
	cat      catalog
	groups   groupRefs
	slab     []certsum.DecisionRecord
}

// idGen produces the dataset's ids: 32 lowercase hex characters shaped like SailPoint's
// own (Hibernate UUID-hex style): a node and epoch part fixed per seed, a 48-bit counter that
// grows with every id, and 16 random bits. Ids therefore sort in creation order, which is
// what makes a bulk load append to its indexes instead of writing all over them. They are cut
// from shared blocks to keep millions of them cheap.
type idGen struct {
	rng     *rand.Rand
	prefix  [16]byte // hex of the node and epoch
	counter uint64
	started bool
	buf     string
}

const (
	idsPerBlock = 2048
	hexDigits   = "0123456789abcdef"
)

func (g *idGen) next() string {
	if !g.started {
		node := 0x2c910000 | g.rng.Uint64()&0xffff
		epoch := g.rng.Uint64() & 0xffffffff
		putHex(g.prefix[:], node<<32|epoch)
		g.counter = g.rng.Uint64() >> 24 // leaves room for 2^40 ids below the 48-bit limit
		g.started = true
	}
	if len(g.buf) == 0 {
		var b strings.Builder
		b.Grow(32 * idsPerBlock)
		var id [32]byte
		copy(id[:16], g.prefix[:])
		for range idsPerBlock {
			g.counter++
			putHex(id[16:28], g.counter)
			putHex(id[28:32], g.rng.Uint64())
			b.Write(id[:])
		}
		g.buf = b.String()
	}
	id := g.buf[:32]
	g.buf = g.buf[32:]
	return id
}

// putHex writes the low 4*len(dst) bits of v as lowercase hex, most significant first.
func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&0xf]
		v >>= 4
	}
}

// decision returns a fresh DecisionRecord from a slab, so that a million decisions cost a
// few hundred allocations.
func (g *gen) decision() *certsum.DecisionRecord {
	if len(g.slab) == 0 {
		g.slab = make([]certsum.DecisionRecord, 4096)
	}
	d := &g.slab[0]
	g.slab = g.slab[1:]
	return d
}

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// between returns a uniformly random instant in [a, b), truncated to milliseconds.
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a))))).Truncate(time.Millisecond)
}
