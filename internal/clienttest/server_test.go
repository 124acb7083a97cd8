package clienttest

import (
	"context"
	"testing"
)

func TestBothDatasetsLoad(t *testing.T) {
	for name, s := range map[string]*Server{
		"paging": Start(t, Options{}),
		"review": Start(t, Options{Dataset: Review()}),
	} {
		n, err := s.Store.CountIdentities(context.Background())
		if err != nil || n < 3 {
			t.Errorf("%s dataset: %d identities, %v", name, n, err)
		}
	}
}
