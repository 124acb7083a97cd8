package client_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// A reviewer's script: list my open certifications, show their progress, and approve every
// open entitlement that is not privileged.
func Example() {
	ctx := context.Background()
	c, err := client.New(os.Getenv("SAIL_BASE_URL"), os.Getenv("SAIL_CLIENT_ID"), os.Getenv("SAIL_CLIENT_SECRET"), client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	certs, err := c.ListIdentityCertifications(ctx, client.CertificationListOptions{
		ReviewerIdentity: "me",
		ListOptions:      client.ListOptions{Filters: "completed eq false", Sorters: "due", Count: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d open certifications\n", certs.Total)
	for _, cert := range certs.Items {
		s, err := c.GetIdentityDecisionSummary(ctx, cert.ID, client.DecisionSummaryOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d/%d entitlements decided\n", cert.Name, s.EntitlementDecisionsMade, s.EntitlementDecisionsTotal)

		// Walk every page of the open entitlement items.
		var decisions []certsum.ReviewDecision
		for item, err := range c.AllIdentityAccessReviewItems(ctx, cert.ID, client.ReviewItemListOptions{
			ListOptions: client.ListOptions{Filters: `completed eq false and access.type eq "ENTITLEMENT"`},
		}) {
			if err != nil {
				log.Fatal(err)
			}
			if e := item.AccessSummary.Entitlement; e != nil && !e.Privileged {
				decisions = append(decisions, certsum.ReviewDecision{ID: item.ID, Decision: certsum.Approve})
			}
		}
		for len(decisions) > 0 { // at most 250 decisions per request
			batch := decisions[:min(250, len(decisions))]
			decisions = decisions[len(batch):]
			updated, err := c.MakeIdentityDecision(ctx, cert.ID, batch)
			switch certsum.ErrorCode(err) {
			case "":
				fmt.Printf("%s: %d/%d decided\n", updated.Name, updated.DecisionsMade, updated.DecisionsTotal)
			case certsum.CodeConflict, certsum.CodeInvalid:
				log.Printf("%s: %v", cert.Name, err) // e.g. signed off meanwhile, or a comment is required
			default:
				log.Fatal(err)
			}
		}
	}
}
