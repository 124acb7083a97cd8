package certsum

import (
	"cmp"
	"slices"
)

// This file holds the rules of campaign generation that do not depend on storage: which of
// an identity's access becomes a review item, and who reviews an identity when the campaign
// type names nobody. The store applies them while it streams the inventory.

// Holding is one access an identity holds: a role or access profile assigned to it, or an
// entitlement held through an account.
type Holding struct {
	Type      DtoType
	AccessID  string
	AccountID string // entitlements only
}

// AccessCatalog is what generation needs to know of the live roles and access profiles:
// what each contains.
type AccessCatalog struct {
	RoleProfiles     map[string][]string
	RoleEntitlements map[string][]string
	ProfileEnts      map[string][]string
}

// ReviewedAs returns the review items an identity's holdings become (INVENTORY.md §2.1):
// every assigned role; every assigned access profile that no assigned role contains; every
// held entitlement that no assigned role, no access profile of an assigned role and no
// assigned access profile contains. Access granted through a role or access profile is
// reviewed as that role or profile, not again as its parts. Items come in type order (ROLE,
// ACCESS_PROFILE, ENTITLEMENT), then by id and account.
func (c *AccessCatalog) ReviewedAs(held []Holding) []Holding {
	covered := map[string]bool{} // access profiles and entitlements inside assigned roles or profiles
	coveredAP := map[string]bool{}
	for _, h := range held {
		if h.Type != TypeRole {
			continue
		}
		for _, ap := range c.RoleProfiles[h.AccessID] {
			coveredAP[ap] = true
			for _, e := range c.ProfileEnts[ap] {
				covered[e] = true
			}
		}
		for _, e := range c.RoleEntitlements[h.AccessID] {
			covered[e] = true
		}
	}
	for _, h := range held {
		if h.Type == TypeAccessProfile {
			for _, e := range c.ProfileEnts[h.AccessID] {
				covered[e] = true
			}
		}
	}
	out := make([]Holding, 0, len(held))
	for _, h := range held {
		switch {
		case h.Type == TypeRole:
		case h.Type == TypeAccessProfile && coveredAP[h.AccessID]:
			continue
		case h.Type == TypeEntitlement && covered[h.AccessID]:
			continue
		}
		out = append(out, h)
	}
	order := map[DtoType]int{TypeRole: 0, TypeAccessProfile: 1, TypeEntitlement: 2}
	slices.SortFunc(out, func(a, b Holding) int {
		return cmp.Or(cmp.Compare(order[a.Type], order[b.Type]), cmp.Compare(a.AccessID, b.AccessID),
			cmp.Compare(a.AccountID, b.AccountID))
	})
	return slices.CompactFunc(out, func(a, b Holding) bool { return a == b })
}

// ReviewerFor applies the self-review rule (INVENTORY.md §2.8): nobody reviews their own
// access. When the reviewer a campaign type gives is the subject (or there is none), the
// subject's manager reviews, else the campaign owner; "" when that is the subject too.
func ReviewerFor(subject, reviewer, manager, owner string) string {
	for _, r := range []string{reviewer, manager, owner} {
		if r != "" && r != subject {
			return r
		}
	}
	return ""
}
