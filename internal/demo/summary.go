package demo

import "github.com/certsum/certsum"

// Summary counts what a dataset holds, for reports such as the end of `certsum demo`.
type Summary struct {
	Identities        int
	Accounts          int
	Entitlements      int
	AccessProfiles    int
	Roles             int
	GovernanceGroups  int
	Assignments       int
	Campaigns         int
	Certifications    int
	IdentitySummaries int
	Items             int
	Decided           int
	// Largest is the certification with the most review items.
	Largest CertificationSize
}

// CertificationSize names a certification and its size.
type CertificationSize struct {
	ID         string
	Name       string
	Identities int
	Items      int
}

// Summarize counts ds.
func Summarize(ds *certsum.Dataset) Summary {
	s := Summary{
		Identities: len(ds.Identities), Accounts: len(ds.Accounts), Entitlements: len(ds.Entitlements),
		AccessProfiles: len(ds.AccessProfiles), Roles: len(ds.Roles), GovernanceGroups: len(ds.GovernanceGroups),
		Campaigns: len(ds.Campaigns),
	}
	for _, k := range ds.Campaigns {
		s.Certifications += len(k.Certifications)
		for _, cd := range k.Certifications {
			s.IdentitySummaries += len(cd.IdentitySummaries)
			s.Items += len(cd.Items)
			for i := range cd.Items {
				if cd.Items[i].Decision != nil {
					s.Decided++
				}
			}
			if len(cd.Items) > s.Largest.Items {
				s.Largest = CertificationSize{ID: cd.Certification.ID, Name: cd.Certification.Name,
					Identities: len(cd.IdentitySummaries), Items: len(cd.Items)}
			}
		}
	}
	return s
}
