package readmodel

import (
	"cmp"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// certIndex is every certification at one moment: listIdentityCertifications, and the
// version and reviewers of certifications whose model is not loaded.
type certIndex struct {
	certs      []certsum.IndexedCertification
	json       [][]byte
	byID       map[string]int32
	byReviewer map[string][]int32 // identity id → certifications it reviews, directly or through a group
	tbl        *table
}

func newCertIndex(in []certsum.IndexedCertification) *certIndex {
	n := len(in)
	ix := &certIndex{certs: in, json: make([][]byte, n), byID: make(map[string]int32, n), byReviewer: map[string][]int32{}}
	byFold := map[string][]int32{}
	byCampaign := map[string][]int32{}
	for i := range in {
		c := &in[i].Certification
		ix.json[i] = mustJSON(c)
		ix.byID[c.ID] = int32(i) // exact, as the store's primary key compares
		byFold[foldKey(c.ID)] = append(byFold[foldKey(c.ID)], int32(i))
		byCampaign[foldKey(c.Campaign.ID)] = append(byCampaign[foldKey(c.Campaign.ID)], int32(i))
		if c.Reviewer.Type == certsum.TypeGovernanceGroup {
			for _, m := range in[i].ReviewerMembers {
				ix.byReviewer[m] = append(ix.byReviewer[m], int32(i))
			}
		} else {
			ix.byReviewer[c.Reviewer.ID] = append(ix.byReviewer[c.Reviewer.ID], int32(i))
		}
	}
	cert := func(r int32) *certsum.Certification { return &in[r].Certification }
	str := func(get func(c *certsum.Certification) string) *column {
		return &column{
			str: func(r int32) (string, bool) { return get(cert(r)), true },
			cmp: func(a, b int32) int { return strings.Compare(get(cert(a)), get(cert(b))) },
		}
	}
	id := str(func(c *certsum.Certification) string { return c.ID })
	id.lookup = func(v string) []int32 { return byFold[foldKey(v)] }
	campaign := str(func(c *certsum.Certification) string { return c.Campaign.ID })
	campaign.lookup = func(v string) []int32 { return byCampaign[foldKey(v)] }
	ix.tbl = newTable(certsum.CertificationSchema, n, map[string]*column{
		"id":          id,
		"campaign.id": campaign,
		"phase":       str(func(c *certsum.Certification) string { return string(c.Phase) }),
		"completed":   {flag: func(r int32) bool { return cert(r).Completed }},
		"name":        str(func(c *certsum.Certification) string { return c.Name }),
		"due":         {cmp: cmpTime(func(r int32) *certsum.Time { return cert(r).Due })},
		"signed":      {cmp: cmpTime(func(r int32) *certsum.Time { return cert(r).Signed })},
	}, "", nil)
	return ix
}

// cmpTime orders rows by a nullable date-time at millisecond precision, nulls first.
func cmpTime(get func(r int32) *certsum.Time) func(a, b int32) int {
	return func(a, b int32) int {
		x, y := get(a), get(b)
		if x == nil || y == nil {
			return cmp.Compare(btoi(x != nil), btoi(y != nil))
		}
		return cmp.Compare(x.UnixMilli(), y.UnixMilli())
	}
}

// reviewedBy restricts a list to the certifications the identity reviews.
func (ix *certIndex) reviewedBy(identityID string) *restriction {
	rows := slices.Clone(ix.byReviewer[identityID])
	if rows == nil {
		rows = []int32{}
	}
	return &restriction{key: identityID, rows: rows}
}

// isReviewer reports whether the identity reviews certification r.
func (ix *certIndex) isReviewer(r int32, identityID string) bool {
	c := ix.certs[r]
	if c.Certification.Reviewer.Type == certsum.TypeGovernanceGroup {
		return slices.Contains(c.ReviewerMembers, identityID)
	}
	return c.Certification.Reviewer.ID == identityID
}
