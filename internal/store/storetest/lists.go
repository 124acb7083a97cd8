package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// collection is one list endpoint over one scope (a certification, an access type, a
// reviewer): the model's records, the field whose value identifies a record, and the call
// that lists it from the store, returning the identifying values in order and the total.
type collection struct {
	name    string
	schema  *query.Schema
	records []query.Map
	key     func(query.Map) string
	list    func(q certsum.ListQuery) ([]string, int, error)
}

func fieldKey(field string) func(query.Map) string {
	return func(r query.Map) string { return fmt.Sprint(r[field]) }
}

// check runs every filter, sorter and paging case of c's schema against the store and
// against query.Select over the model's records, and reports any difference in the records
// returned, their order or the total.
func (c collection) check(t *testing.T, rng *rand.Rand) {
	t.Helper()
	n := len(c.records)
	run := func(label, filter, sorters string, p page) {
		t.Helper()
		lq := q(t, c.schema, filter, sorters, p.limit, p.offset, p.count)
		want, total, err := query.Select(c.schema, c.records, lq.Filter, lq.Sort, p.limit, p.offset)
		if err != nil {
			t.Fatalf("suite bug: query.Select(%q): %v", filter, err)
		}
		wantKeys := make([]string, len(want))
		for i, r := range want {
			wantKeys[i] = c.key(r)
		}
		if !p.count {
			total = -1
		}
		got, gotTotal, err := c.list(lq)
		if err != nil {
			t.Errorf("%s: %s filters=%q sorters=%q limit=%d offset=%d: %v", c.name, label, filter, sorters, p.limit, p.offset, err)
			return
		}
		if strings.Join(got, "\n") != strings.Join(wantKeys, "\n") || gotTotal != total {
			t.Errorf("%s: %s filters=%q sorters=%q limit=%d offset=%d count=%t:\n got %d (total %d): %q\nwant %d (total %d): %q",
				c.name, label, filter, sorters, p.limit, p.offset, p.count, len(got), gotTotal, got, len(wantKeys), total, wantKeys)
		}
	}
	full := page{certsum.MaxLimit, 0, true}
	for _, f := range genFilters(c.schema, c.records, rng) {
		run("filter", f, "", full)
	}
	for _, s := range genSorts(c.schema) {
		run("sort", "", s, full)
	}
	sorts := genSorts(c.schema)
	for i, p := range genPages(n) {
		run("page", "", sorts[i%len(sorts)], p)
	}
}

// testLists checks every list endpoint of every schema differentially, after a few more
// decisions so that completed varies within each collection.
func testLists(t *testing.T, newStore func(testing.TB) certsum.Store) {
	st, m := fixtureStore(t, newStore)
	ctx := context.Background()
	more := []certsum.ReviewDecision{
		decision(m.undecided(certActive)[0], certsum.Approve, ""),
		decision(m.undecided(certActive)[3], certsum.Revoke, "gone"),
		decision(m.undecided(certGroup)[1], certsum.Revoke, ""),
	}
	if _, err := st.Decide(ctx, certActive, idRita, more[:2]); err != nil {
		t.Fatalf("Decide: %v", err)
	}
	if _, err := st.Decide(ctx, certGroup, idGwen, more[2:]); err != nil {
		t.Fatalf("Decide: %v", err)
	}
	m.decide(more)
	rng := rand.New(rand.NewPCG(7, 11))

	var cols []collection
	for _, reviewer := range []string{"", idRita, idGus, idOscar} {
		reviewer := reviewer
		cols = append(cols, collection{
			name: "ListCertifications(reviewer " + reviewer + ")", schema: certsum.CertificationSchema,
			records: m.certRecords(reviewer), key: fieldKey("id"),
			list: func(lq certsum.ListQuery) ([]string, int, error) {
				p, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: reviewer}, lq)
				keys := make([]string, len(p.Items))
				for i, c := range p.Items {
					keys[i] = c.ID
				}
				return keys, p.Total, err
			},
		})
	}
	for _, cert := range []string{certActive, certGroup, certSigned} {
		cert := cert
		filters := []certsum.ReviewItemFilter{{}, {AccessType: certsum.TypeEntitlement, AccessIDs: []string{entAdmins, "ent-fin", "no-such"}},
			{AccessType: certsum.TypeRole, AccessIDs: []string{"role-eng"}}}
		for _, f := range filters {
			f := f
			cols = append(cols, collection{
				name: fmt.Sprintf("ListReviewItems(%s, %s %v)", cert, f.AccessType, f.AccessIDs), schema: certsum.ReviewItemSchema,
				records: m.itemRecords(cert, f), key: fieldKey("id"),
				list: func(lq certsum.ListQuery) ([]string, int, error) {
					p, err := st.ListReviewItems(ctx, cert, f, lq)
					keys := make([]string, len(p.Items))
					for i, it := range p.Items {
						keys[i] = it.ID
					}
					return keys, p.Total, err
				},
			})
		}
		cols = append(cols, collection{
			name: "ListIdentitySummaries(" + cert + ")", schema: certsum.IdentitySummarySchema,
			records: m.summaryRecords(cert), key: fieldKey("id"),
			list: func(lq certsum.ListQuery) ([]string, int, error) {
				p, err := st.ListIdentitySummaries(ctx, cert, lq)
				keys := make([]string, len(p.Items))
				for i, s := range p.Items {
					keys[i] = s.ID
				}
				return keys, p.Total, err
			},
		})
		for _, typ := range []certsum.DtoType{certsum.TypeRole, certsum.TypeAccessProfile, certsum.TypeEntitlement} {
			typ := typ
			cols = append(cols, collection{
				name: fmt.Sprintf("ListAccessSummaries(%s, %s)", cert, typ), schema: certsum.AccessSummarySchema,
				records: m.accessRecords(cert, typ), key: fieldKey("access.id"),
				list: func(lq certsum.ListQuery) ([]string, int, error) {
					p, err := st.ListAccessSummaries(ctx, cert, typ, lq)
					keys := make([]string, len(p.Items))
					for i, a := range p.Items {
						keys[i] = a.Access.ID
					}
					return keys, p.Total, err
				},
			})
		}
	}
	for _, cert := range []string{certActive, certGroup} {
		cert := cert
		cols = append(cols, collection{
			name: "ListReviewers(" + cert + ")", schema: certsum.ReviewerSchema,
			records: m.reviewerRecords(cert), key: fieldKey("id"),
			list: func(lq certsum.ListQuery) ([]string, int, error) {
				p, err := st.ListReviewers(ctx, cert, lq)
				keys := make([]string, len(p.Items))
				for i, r := range p.Items {
					keys[i] = r.ID
				}
				return keys, p.Total, err
			},
		})
	}
	adminsItem := ""
	for _, it := range m.certItems(certActive) {
		if it.typ == certsum.TypeEntitlement && it.accessID == entAdmins {
			adminsItem = it.id
			break
		}
	}
	permKey := func(target string, rights []string) string { return target + "|" + strings.Join(rights, ",") }
	cols = append(cols, collection{
		name: "ListItemPermissions(" + adminsItem + ")", schema: certsum.PermissionSchema,
		records: m.permissionRecords(entAdmins),
		key:     func(r query.Map) string { return permKey(r["target"].(string), r["rights"].([]string)) },
		list: func(lq certsum.ListQuery) ([]string, int, error) {
			p, err := st.ListItemPermissions(ctx, certActive, adminsItem, lq)
			keys := make([]string, len(p.Items))
			for i, x := range p.Items {
				keys[i] = permKey(x.Target, x.Rights)
			}
			return keys, p.Total, err
		},
	})
	cols = append(cols, collection{
		name: "ListCampaigns", schema: certsum.CampaignSchema, records: m.campaignRecords(), key: fieldKey("id"),
		list: func(lq certsum.ListQuery) ([]string, int, error) {
			p, err := st.ListCampaigns(ctx, lq)
			keys := make([]string, len(p.Items))
			for i, k := range p.Items {
				keys[i] = k.ID
			}
			return keys, p.Total, err
		},
	})
	for _, c := range cols {
		c := c
		t.Run(c.name, func(t *testing.T) { c.check(t, rng) })
	}

	t.Run("the decision summary counts exactly the identity summaries its filter selects", func(t *testing.T) {
		for _, cert := range []string{certActive, certGroup} {
			recs := make([]query.Map, 0)
			for _, sid := range m.certSummaries(cert) {
				recs = append(recs, query.Map{"identitySummary.id": sid})
			}
			filters := append([]string{""}, genFilters(certsum.DecisionSummarySchema, recs, rng)...)
			for _, f := range filters {
				lq := q(t, certsum.DecisionSummarySchema, f, "", 0, 0, false)
				want, err := m.decisionSummary(cert, lq.Filter)
				mustOK(t, err, "model")
				got, err := st.DecisionSummary(ctx, cert, lq.Filter)
				if err != nil {
					t.Errorf("DecisionSummary(%s, %q): %v", cert, f, err)
					continue
				}
				if *got != want {
					t.Errorf("DecisionSummary(%s, %q) = %+v, want %+v", cert, f, *got, want)
				}
			}
		}
	})

	t.Run("every list rejects a limit above 250 and a negative offset", func(t *testing.T) {
		for _, lq := range []certsum.ListQuery{{Limit: certsum.MaxLimit + 1}, {Limit: 10, Offset: -1}, {Limit: -1}} {
			_, err := st.ListCertifications(ctx, certsum.CertificationFilter{}, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListReviewItems(ctx, certActive, certsum.ReviewItemFilter{}, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListIdentitySummaries(ctx, certActive, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListAccessSummaries(ctx, certActive, certsum.TypeRole, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListReviewers(ctx, certActive, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListItemPermissions(ctx, certActive, adminsItem, lq)
			mustCode(t, err, certsum.CodeInvalid)
			_, err = st.ListCampaigns(ctx, lq)
			mustCode(t, err, certsum.CodeInvalid)
		}
	})

	t.Run("a filter on a field of another schema is invalid", func(t *testing.T) {
		other, err := query.Parse(`access.name eq "x"`)
		mustOK(t, err, "parse")
		_, err = st.ListIdentitySummaries(ctx, certActive, certsum.ListQuery{Filter: other, Limit: 10})
		mustCode(t, err, certsum.CodeInvalid)
		_, err = st.ListCampaigns(ctx, certsum.ListQuery{Filter: other, Limit: 10})
		mustCode(t, err, certsum.CodeInvalid)
		_, err = st.DecisionSummary(ctx, certActive, other)
		mustCode(t, err, certsum.CodeInvalid)
	})
}
