package client_test

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
	"github.com/certsum/certsum/internal/clienttest"
)

// walker is one list operation as the paging test drives it: the All… iterator and the
// one-page method, both reduced to record keys, over a collection of n records.
type walker struct {
	name string
	path func(n int) string // request path of the collection
	all  func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error]
	list func(c *client.Client, n int, o client.ListOptions) ([]string, error)
}

func keys[T any](seq iter.Seq2[T, error], key func(T) string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			if !yield(key(v), err) {
				return
			}
		}
	}
}

func pageKeys[T any](p certsum.Page[T], err error, key func(T) string) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return ids(p.Items, key), nil
}

func walkers() []walker {
	ctx := context.Background()
	certID := func(x certsum.Certification) string { return x.ID }
	itemID := func(x certsum.AccessReviewItem) string { return x.ID }
	sumID := func(x certsum.IdentitySummary) string { return x.ID }
	accessID := func(x certsum.AccessSummary) string { return x.Access.ID }
	reviewerID := func(x certsum.IdentityReference) string { return x.ID }
	target := func(x certsum.Permission) string { return x.Target }
	inCampaign := func(n int, o client.ListOptions) client.CertificationListOptions {
		o.Filters = client.In("campaign.id", clienttest.SizedCampaign(n))
		return client.CertificationListOptions{ListOptions: o}
	}
	return []walker{
		{"listIdentityCertifications", func(int) string { return "/v2024/certifications" },
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllIdentityCertifications(ctx, inCampaign(n, o)), certID)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.ListIdentityCertifications(ctx, inCampaign(n, o))
				return pageKeys(p, err, certID)
			}},
		{"listIdentityAccessReviewItems", func(n int) string { return "/v2024/certifications/" + clienttest.ItemsCert(n) + "/access-review-items" },
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllIdentityAccessReviewItems(ctx, clienttest.ItemsCert(n), client.ReviewItemListOptions{ListOptions: o}), itemID)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.ListIdentityAccessReviewItems(ctx, clienttest.ItemsCert(n), client.ReviewItemListOptions{ListOptions: o})
				return pageKeys(p, err, itemID)
			}},
		{"getIdentitySummaries", func(n int) string { return "/v2024/certifications/" + clienttest.ItemsCert(n) + "/identity-summaries" },
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllIdentitySummaries(ctx, clienttest.ItemsCert(n), o), sumID)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.GetIdentitySummaries(ctx, clienttest.ItemsCert(n), o)
				return pageKeys(p, err, sumID)
			}},
		{"getIdentityAccessSummaries", func(n int) string {
			return "/v2024/certifications/" + clienttest.ItemsCert(n) + "/access-summaries/ENTITLEMENT"
		},
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllIdentityAccessSummaries(ctx, clienttest.ItemsCert(n), certsum.TypeEntitlement, o), accessID)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.GetIdentityAccessSummaries(ctx, clienttest.ItemsCert(n), certsum.TypeEntitlement, o)
				return pageKeys(p, err, accessID)
			}},
		{"listCertificationReviewers", func(n int) string { return "/v2024/certifications/" + clienttest.GroupCert(n) + "/reviewers" },
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllCertificationReviewers(ctx, clienttest.GroupCert(n), o), reviewerID)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.ListCertificationReviewers(ctx, clienttest.GroupCert(n), o)
				return pageKeys(p, err, reviewerID)
			}},
		{"getIdentityCertificationItemPermissions", func(n int) string {
			return "/v2024/certifications/" + clienttest.PermissionsCert + "/access-review-items/" + clienttest.PermissionsItem(n) + "/permissions"
		},
			func(c *client.Client, n int, o client.ListOptions) iter.Seq2[string, error] {
				return keys(c.AllIdentityCertificationItemPermissions(ctx, clienttest.PermissionsCert, clienttest.PermissionsItem(n), o), target)
			},
			func(c *client.Client, n int, o client.ListOptions) ([]string, error) {
				p, err := c.GetIdentityCertificationItemPermissions(ctx, clienttest.PermissionsCert, clienttest.PermissionsItem(n), o)
				return pageKeys(p, err, target)
			}},
	}
}

// TestIteratorsWalkEveryPageBoundary walks collections of 0, 1, limit-1, limit, limit+1 and
// 2×limit records of every list operation through the real server, and checks that the
// walk yields exactly what one big page holds, with as few requests as the total allows.
func TestIteratorsWalkEveryPageBoundary(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{})
	c := mustClient(t, srv, client.Options{})
	const limit = clienttest.PageLimit
	for _, w := range walkers() {
		for _, n := range clienttest.Sizes {
			if n == 0 && w.name == "listCertificationReviewers" {
				continue // a certification always has a reviewer
			}
			t.Run(fmt.Sprintf("%s over %d records", w.name, n), func(t *testing.T) {
				want, err := w.list(c, n, client.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(want) != n {
					t.Fatalf("the fixture collection has %d records, want %d", len(want), n)
				}
				before := len(srv.Requests())
				got := []string{}
				for k, err := range w.all(c, n, client.ListOptions{Limit: limit}) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, k)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("walked records (-want +got):\n%s", diff)
				}
				reqs := srv.Requests()[before:]
				wantReqs := n/limit + 1 // the last page is short, or empty
				if n%limit == 0 && n > 0 {
					wantReqs = n / limit // the total says a full last page is the last
				}
				if len(reqs) != wantReqs {
					t.Fatalf("%d requests, want %d: %v", len(reqs), wantReqs, reqs)
				}
				for i, r := range reqs {
					if !strings.HasPrefix(r, "GET "+w.path(n)+"?") {
						t.Fatalf("request %q is not for %s", r, w.path(n))
					}
					hasCount := strings.Contains(r, "count=true")
					if hasCount != (i == 0) {
						t.Errorf("request %d (%s): count=true should be on the first page only", i, r)
					}
					if wantOffset := fmt.Sprintf("offset=%d", i*limit); i > 0 && !strings.Contains(r, wantOffset) {
						t.Errorf("request %d (%s) lacks %s", i, r, wantOffset)
					}
				}
			})
		}
	}
}

func TestIteratorStartsAtTheOffsetAndStopsWhenTheCallerStops(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{})
	c := mustClient(t, srv, client.Options{})
	ctx := context.Background()
	cert := clienttest.ItemsCert(8)
	var got []string
	for s, err := range c.AllIdentitySummaries(ctx, cert, client.ListOptions{Limit: 2, Offset: 3, Sorters: "-name"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Name)
		if len(got) == 3 {
			break
		}
	}
	if want := []string{"Subject 05", "Subject 04", "Subject 03"}; !cmp.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests for 3 records in pages of 2, want 2", n)
	}
}

// TestIteratorSurvivesACollectionThatShrinksWhileWalked reassigns identities away from a
// certification between pages, as another reviewer might.
func TestIteratorSurvivesACollectionThatShrinksWhileWalked(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{})
	c := mustClient(t, srv, client.Options{})
	ctx := context.Background()
	cert := clienttest.ItemsCert(8)
	var got []string
	for s, err := range c.AllIdentitySummaries(ctx, cert, client.ListOptions{Limit: clienttest.PageLimit}) {
		if err != nil {
			t.Fatalf("walk failed after %v: %v", got, err)
		}
		got = append(got, s.Name)
		if len(got) == 1 {
			// The first page is fetched; move the first three identities elsewhere.
			var refs []certsum.ReassignReference
			for k := 1; k <= 3; k++ {
				refs = append(refs, certsum.ReassignReference{ID: clienttest.ID('u', 800+k), Type: certsum.ReassignIdentitySummary})
			}
			if _, err := c.ReassignIdentityCertifications(ctx, cert, certsum.ReviewReassign{
				Reassign: refs, ReassignTo: clienttest.AdminID, Reason: "moved to Ada"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Page one held Subjects 01-04; after the move the collection is Subjects 04-08 and
	// offset 4 holds Subject 08 alone: a short page that ends the walk.
	if want := []string{"Subject 01", "Subject 02", "Subject 03", "Subject 04", "Subject 08"}; !cmp.Equal(got, want) {
		t.Fatalf("walked %v, want %v", got, want)
	}
}
