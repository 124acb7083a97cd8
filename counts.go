package certsum

// Tally counts review items per access type: for each of AccessTypes (entitlement, access
// profile, role, account) the total, the approved and the revoked. It is the one shape of
// the counters a certification, an identity summary and a campaign keep, and the deltas a
// decision, a reassignment or a load make to them; both SQL backends store its twelve values
// as columns in Values order. (The read model keeps a compact int32 copy of the same twelve
// numbers per identity summary, for memory's sake.)
type Tally [4][3]int

// TallyCounters are the wire names of Tally's twelve values, in Values order, as drift
// reports name them.
var TallyCounters = []string{
	"entitlementDecisionsTotal", "entitlementsApproved", "entitlementsRevoked",
	"accessProfileDecisionsTotal", "accessProfilesApproved", "accessProfilesRevoked",
	"roleDecisionsTotal", "rolesApproved", "rolesRevoked",
	"accountDecisionsTotal", "accountsApproved", "accountsRevoked",
}

// TallyIndex is the position of an access type in a Tally, -1 for another type.
func TallyIndex(t DtoType) int {
	switch t {
	case TypeEntitlement:
		return 0
	case TypeAccessProfile:
		return 1
	case TypeRole:
		return 2
	case TypeAccount:
		return 3
	}
	return -1
}

// Add counts n items (negative to remove them) of type typ whose decision is d ("" when
// undecided). Other types are ignored.
func (t *Tally) Add(typ DtoType, d Decision, n int) {
	i := TallyIndex(typ)
	if i < 0 {
		return
	}
	t[i][0] += n
	switch d {
	case Approve:
		t[i][1] += n
	case Revoke:
		t[i][2] += n
	}
}

// Plus adds o to t.
func (t *Tally) Plus(o Tally) {
	for i := range t {
		for j := range t[i] {
			t[i][j] += o[i][j]
		}
	}
}

// Neg returns -t.
func (t Tally) Neg() Tally {
	for i := range t {
		for j := range t[i] {
			t[i][j] = -t[i][j]
		}
	}
	return t
}

// Values returns the twelve counters: total, approved, revoked of each access type in
// AccessTypes order.
func (t Tally) Values() []int {
	v := make([]int, 0, 12)
	for i := range t {
		v = append(v, t[i][0], t[i][1], t[i][2])
	}
	return v
}

// IsZero reports whether every counter is zero.
func (t Tally) IsZero() bool { return t == Tally{} }

// Total is the number of items over every access type.
func (t Tally) Total() int {
	n := 0
	for i := range t {
		n += t[i][0]
	}
	return n
}

// Decided is the number of decided items over every access type.
func (t Tally) Decided() int {
	n := 0
	for i := range t {
		n += t[i][1] + t[i][2]
	}
	return n
}

// Summary returns the tally as the API's decision summary.
func (t Tally) Summary() *DecisionSummary {
	var d DecisionSummary
	for _, typ := range AccessTypes {
		c := t[TallyIndex(typ)]
		d.Add(typ, "", c[0]-c[1]-c[2])
		d.Add(typ, Approve, c[1])
		d.Add(typ, Revoke, c[2])
	}
	return &d
}

// Tally returns the decision summary as a tally: the inverse of Tally.Summary.
func (s *DecisionSummary) Tally() Tally {
	var t Tally
	for _, x := range []struct {
		typ                      DtoType
		total, approved, revoked int
	}{
		{TypeEntitlement, s.EntitlementDecisionsTotal, s.EntitlementsApproved, s.EntitlementsRevoked},
		{TypeAccessProfile, s.AccessProfileDecisionsTotal, s.AccessProfilesApproved, s.AccessProfilesRevoked},
		{TypeRole, s.RoleDecisionsTotal, s.RolesApproved, s.RolesRevoked},
		{TypeAccount, s.AccountDecisionsTotal, s.AccountsApproved, s.AccountsRevoked},
	} {
		t[TallyIndex(x.typ)] = [3]int{x.total, x.approved, x.revoked}
	}
	return t
}
