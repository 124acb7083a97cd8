package inventory

import (
	"fmt"
	"math/rand/v2"

	"github.com/certsum/certsum"
)

// Synthetic builds a large, valid inventory for benchmarks and scale tests: identities in a
// manager tree ten wide, 20 sources with 500 entitlements each, access profiles of three
// entitlements of one source, roles of two access profiles and an entitlement, accounts of
// every identity on five sources, and perIdentity assignments per identity (one role, two
// access profiles, the rest entitlements held through the identity's accounts). The same
// arguments give the same inventory.
func Synthetic(identities, perIdentity int, seed uint64) *certsum.InventoryInput {
	const (
		sources        = 20
		entsPerSource  = 500
		apsPerSource   = 10
		roles          = 50
		accountsPerOne = 5
	)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	in := &certsum.InventoryInput{FormatVersion: certsum.InventoryFormatVersion, Name: "synthetic"}
	in.Cover(certsum.ImportKinds...)
	in.Identities = make([]certsum.InputIdentity, identities)
	for i := range in.Identities {
		x := certsum.InputIdentity{ID: fmt.Sprintf("u%06d", i), Name: fmt.Sprintf("user.%06d", i),
			Email:      fmt.Sprintf("user.%06d@example.com", i),
			Attributes: map[string]string{"department": fmt.Sprintf("dept-%02d", i%40)}}
		if i > 0 {
			x.ManagerID = fmt.Sprintf("u%06d", (i-1)/10)
		}
		in.Identities[i] = x
	}
	ent := func(s, e int) string { return fmt.Sprintf("s%02d:e%03d", s, e) }
	for s := range sources {
		in.Sources = append(in.Sources, certsum.InputSource{ID: fmt.Sprintf("s%02d", s), Name: fmt.Sprintf("Source %02d", s),
			OwnerID: fmt.Sprintf("u%06d", s+1)})
		for e := range entsPerSource {
			in.Entitlements = append(in.Entitlements, certsum.InputEntitlement{ID: ent(s, e), SourceID: fmt.Sprintf("s%02d", s),
				Name: fmt.Sprintf("group %d of source %d", e, s), Privileged: e%50 == 0})
		}
		for a := range apsPerSource {
			in.AccessProfiles = append(in.AccessProfiles, certsum.InputAccessProfile{ID: fmt.Sprintf("s%02d:ap%02d", s, a),
				Name: fmt.Sprintf("profile %d of source %d", a, s), SourceID: fmt.Sprintf("s%02d", s), OwnerID: "u000000",
				EntitlementIDs: []string{ent(s, 3*a), ent(s, 3*a+1), ent(s, 3*a+2)}})
		}
	}
	for r := range roles {
		s := r % sources
		in.Roles = append(in.Roles, certsum.InputRole{ID: fmt.Sprintf("role%02d", r), Name: fmt.Sprintf("Role %d", r),
			OwnerID: "u000000", AccessProfileIDs: []string{fmt.Sprintf("s%02d:ap%02d", s, r%apsPerSource),
				fmt.Sprintf("s%02d:ap%02d", (s+1)%sources, r%apsPerSource)}, EntitlementIDs: []string{ent(s, 499)}})
	}
	in.Accounts = make([]certsum.InputAccount, 0, identities*accountsPerOne)
	in.Assignments = make([]certsum.InputAssignment, 0, identities*perIdentity)
	held := map[string]bool{}
	for i := range identities {
		id := in.Identities[i].ID
		first := rng.IntN(sources)
		var srcs [accountsPerOne]int
		for k := range srcs {
			srcs[k] = (first + k*3) % sources
			in.Accounts = append(in.Accounts, certsum.InputAccount{ID: fmt.Sprintf("s%02d:%s", srcs[k], id),
				SourceID: fmt.Sprintf("s%02d", srcs[k]), NativeIdentity: in.Identities[i].Name, IdentityID: id})
		}
		clear(held)
		add := func(t certsum.DtoType, access, account string) {
			if held[access] {
				return
			}
			held[access] = true
			in.Assignments = append(in.Assignments, certsum.InputAssignment{IdentityID: id, AccessType: t, AccessID: access, AccountID: account})
		}
		add(certsum.TypeRole, fmt.Sprintf("role%02d", rng.IntN(roles)), "")
		for range 2 {
			s := srcs[rng.IntN(accountsPerOne)]
			add(certsum.TypeAccessProfile, fmt.Sprintf("s%02d:ap%02d", s, rng.IntN(apsPerSource)), "")
		}
		for n := 0; len(held) < perIdentity && n < 10*perIdentity; n++ {
			s := srcs[rng.IntN(accountsPerOne)]
			add(certsum.TypeEntitlement, ent(s, 30+rng.IntN(entsPerSource-31)), fmt.Sprintf("s%02d:%s", s, id))
		}
	}
	return in
}
