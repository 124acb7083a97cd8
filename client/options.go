package client

import (
	"net/url"
	"strconv"
	"strings"
)

// ListOptions are the standard collection parameters of a list operation. Zero fields are not
// sent, so the server's defaults apply (limit 250, offset 0, no count, no filter, the
// endpoint's default order). The server validates every value and answers a bad one with a
// 400 (certsum.CodeInvalid).
type ListOptions struct {
	// Limit is the page size, 1 to 250; 0 leaves it to the server (250). A limit of 0 cannot
	// be sent: to learn only the size of a collection, ask for Limit 1 with Count. For the
	// All… iterators it is the size of each page they fetch.
	Limit int
	// Offset is how many records to skip; the All… iterators start there.
	Offset int
	// Count asks for the size of the filtered collection (X-Total-Count), returned as
	// Page.Total. The All… iterators always ask for it on their first page.
	Count bool
	// Filters is an expression of the API's filter language, for example
	// `completed eq false and name sw "Ann"`. Quote renders a string literal safely.
	Filters string
	// Sorters is a comma-separated list of sortable attributes, each optionally prefixed
	// by "-" for descending order, for example "-name".
	Sorters string
	// Progress, when set, is called by the All… iterators after every page with the number
	// of records fetched so far and the collection's size (-1 when the server did not say).
	// The List… methods ignore it.
	Progress func(fetched, total int)
}

// values encodes the parameters that differ from the server's defaults.
func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Limit != 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset != 0 {
		v.Set("offset", strconv.Itoa(o.Offset))
	}
	if o.Count {
		v.Set("count", "true")
	}
	if o.Filters != "" {
		v.Set("filters", o.Filters)
	}
	if o.Sorters != "" {
		v.Set("sorters", o.Sorters)
	}
	return v
}

// CertificationListOptions are the parameters of listIdentityCertifications.
type CertificationListOptions struct {
	ListOptions
	// ReviewerIdentity keeps the certifications this identity reviews; "me" means the
	// identity of the caller's token. Empty sends nothing: administrators then see every
	// certification and other callers the ones they review.
	ReviewerIdentity string
}

// ReviewItemListOptions are the parameters of listIdentityAccessReviewItems. Entitlements,
// AccessProfiles and Roles each keep the items granting one of the listed access ids; the
// server accepts at most one of the three.
type ReviewItemListOptions struct {
	ListOptions
	Entitlements   []string
	AccessProfiles []string
	Roles          []string
}

// DecisionSummaryOptions are the parameters of getIdentityDecisionSummary, which takes a
// filter (on identitySummary.id) and nothing else.
type DecisionSummaryOptions struct {
	// Filters restricts the counts to some identities, for example
	// `identitySummary.id in ("a","b")`; In builds that expression.
	Filters string
}

// Quote renders s as a string literal of the filter language: in double quotes, with
// backslashes and double quotes escaped.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// In renders the filter `field in ("v1","v2",…)` with every value quoted, or `field eq "v"`
// for a single value. It returns "" for no values.
func In(field string, values ...string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return field + " eq " + Quote(values[0])
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = Quote(v)
	}
	return field + " in (" + strings.Join(q, ",") + ")"
}
