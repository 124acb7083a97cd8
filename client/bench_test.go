package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
	"github.com/certsum/certsum/internal/clienttest"
	"github.com/certsum/certsum/internal/demo"
)

// BenchmarkWalkReviewItems walks every review item of the largest certification of a
// 500-identity demo organisation through the real server, at two page sizes.
func BenchmarkWalkReviewItems(b *testing.B) {
	ctx := context.Background()
	srv := clienttest.Start(b, clienttest.Options{Dataset: demo.Generate(demo.Options{Identities: 500, Seed: 1})})
	c := mustClient(b, srv, client.Options{})
	var largest certsum.Certification
	for cert, err := range c.AllIdentityCertifications(ctx, client.CertificationListOptions{}) {
		if err != nil {
			b.Fatal(err)
		}
		if cert.DecisionsTotal > largest.DecisionsTotal {
			largest = cert
		}
	}
	for _, limit := range []int{50, 250} {
		b.Run(fmt.Sprintf("limit=%d/items=%d", limit, largest.DecisionsTotal), func(b *testing.B) {
			for b.Loop() {
				n := 0
				for _, err := range c.AllIdentityAccessReviewItems(ctx, largest.ID, client.ReviewItemListOptions{ListOptions: client.ListOptions{Limit: limit}}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != largest.DecisionsTotal {
					b.Fatalf("walked %d items, want %d", n, largest.DecisionsTotal)
				}
			}
			b.ReportMetric(float64(largest.DecisionsTotal)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
