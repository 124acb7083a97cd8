// Package demo builds certsum's demo dataset: a realistic, deterministic organisation (a
// company with departments, a manager tree, sources such as Active Directory, Workday, GitHub,
// AWS IAM, Salesforce and ServiceNow, their accounts, entitlements, access profiles and roles)
// and its access-review campaigns: an ACTIVE manager campaign with about 40 % of its items
// decided and two certifications signed off, a STAGED campaign (partly reviewed by a
// governance group), a COMPLETED campaign from the previous quarter and an ACTIVE source-owner
// campaign whose Active Directory certification grows to over a million review items at
// 100,000 identities. Generate is a pure function of its Options; Fill writes the result
// through certsum.Store.Load.
package demo
