package certsum_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

func TestParseFilter(t *testing.T) {
	e, err := certsum.ParseFilter(`identitySummary.id in ("a","b")`, certsum.DecisionSummarySchema)
	if err != nil {
		t.Fatal(err)
	}
	want := &query.List{Field: "identitySummary.id", Op: query.OpIn, Values: []query.Literal{query.StringLit{Value: "a"}, query.StringLit{Value: "b"}}}
	if d := cmp.Diff(query.Expr(want), e); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if e, err := certsum.ParseFilter("  ", certsum.DecisionSummarySchema); e != nil || err != nil {
		t.Errorf("a blank filter = %v, %v; want nil, nil", e, err)
	}
	_, err = certsum.ParseFilter(`identitySummary.id eq "a" and`, certsum.DecisionSummarySchema)
	if certsum.ErrorCode(err) != certsum.CodeInvalid {
		t.Errorf("a bad filter = %v, want an invalid error", err)
	}
}
