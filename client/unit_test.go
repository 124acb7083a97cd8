package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certsum/certsum"
)

func TestBackoffDoublesUpToTheCapAndJittersDownByAtMostHalf(t *testing.T) {
	c := mustNew(t, Options{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for name, jitter := range map[string]func(time.Duration) time.Duration{
		"no jitter":      func(time.Duration) time.Duration { return 0 },
		"largest jitter": func(d time.Duration) time.Duration { return d - 1 },
	} {
		c.jitter = jitter
		for attempt, w := range want {
			full := w * time.Millisecond
			got := c.backoff(attempt)
			lo := full
			if name == "largest jitter" {
				lo = full - full/2
			}
			if got != lo {
				t.Errorf("%s: backoff(%d) = %v, want %v", name, attempt, got, lo)
			}
		}
	}
	c.jitter = randomJitter
	for attempt := 0; attempt < 40; attempt++ {
		d := c.backoff(attempt)
		full := min(100*time.Millisecond<<min(attempt, 20), time.Second)
		if d < full/2 || d > full {
			t.Fatalf("backoff(%d) = %v, outside [%v, %v]", attempt, d, full/2, full)
		}
	}
}

func TestParseRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999", 24 * time.Hour, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSleepContextStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepContext on a cancelled context = %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("sleepContext waited although the context was cancelled")
	}
	if err := sleepContext(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("sleepContext(1ms) = %v", err)
	}
}

func TestCodeForStatusMapsBackToTheServersCode(t *testing.T) {
	cases := []struct {
		status int
		detail string
		want   certsum.Code
	}{
		{400, "400.1.3 Illegal value", certsum.CodeInvalid},
		{400, "400.1 Bad Request Content", certsum.CodeInvalid},
		{400, "400.1.404 Referenced object not found", certsum.CodeReference},
		{400, "", certsum.CodeInvalid},
		{401, "", certsum.CodeUnauthenticated},
		{403, "403 Forbidden", certsum.CodeForbidden},
		{404, "404 Not found", certsum.CodeNotFound},
		{405, "", certsum.CodeInvalid},
		{409, "", certsum.CodeConflict},
		{413, "", certsum.CodeInvalid},
		{429, "", certsum.CodeRateLimited},
		{500, "500.0 Internal Fault", certsum.CodeInternal},
		{502, "", certsum.CodeInternal},
		{503, "", certsum.CodeUnavailable},
	}
	for _, tc := range cases {
		if got := CodeForStatus(tc.status, tc.detail); got != tc.want {
			t.Errorf("CodeForStatus(%d, %q) = %s, want %s", tc.status, tc.detail, got, tc.want)
		}
	}
}

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

func TestDecodeErrorReadsEveryErrorBodyShape(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   certsum.Error
	}{
		{"error response DTO", 404,
			`{"detailCode":"404 Not found","trackingId":"b21b1f7ce4da4d639f2c62a57171b427","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"certification x not found"}],"causes":[]}`,
			certsum.Error{Code: certsum.CodeNotFound, Status: 404, DetailCode: "404 Not found",
				TrackingID: "b21b1f7ce4da4d639f2c62a57171b427", Message: "certification x not found"}},
		{"DTO with causes", 400,
			`{"detailCode":"400.1.404 Referenced object not found","trackingId":"t","messages":[{"text":"unknown ids"}],"causes":[{"text":"a"},{"text":"b"}]}`,
			certsum.Error{Code: certsum.CodeReference, Status: 400, DetailCode: "400.1.404 Referenced object not found",
				TrackingID: "t", Message: "unknown ids (a; b)"}},
		{"DTO whose first cause repeats the message", 400,
			`{"detailCode":"400.1.3 Illegal value","trackingId":"t","messages":[{"text":"bad a"}],"causes":[{"text":"bad a"},{"text":"bad b"}]}`,
			certsum.Error{Code: certsum.CodeInvalid, Status: 400, DetailCode: "400.1.3 Illegal value",
				TrackingID: "t", Message: "bad a (bad b)"}},
		{"401 with a string error", 401, `{"error":"JWT validation failed: JWT is expired"}`,
			certsum.Error{Code: certsum.CodeUnauthenticated, Status: 401, Message: "JWT validation failed: JWT is expired"}},
		{"401 with an object error", 401, `{"error":{"reason":"expired"}}`,
			certsum.Error{Code: certsum.CodeUnauthenticated, Status: 401, Message: `{"reason":"expired"}`}},
		{"429 message with spaces", 429, `{"message":" Rate Limit Exceeded "}`,
			certsum.Error{Code: certsum.CodeRateLimited, Status: 429, Message: "Rate Limit Exceeded"}},
		{"body that is not JSON", 502, `<html>bad gateway</html>`,
			certsum.Error{Code: certsum.CodeInternal, Status: 502, Message: "Bad Gateway"}},
		{"empty body", 503, ``,
			certsum.Error{Code: certsum.CodeUnavailable, Status: 503, Message: "Service Unavailable"}},
		{"OAuth2 error", 400, `{"error":"unsupported_grant_type","error_description":"only client_credentials"}`,
			certsum.Error{Code: certsum.CodeInvalid, Status: 400, Message: "only client_credentials"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeError(response(tc.status, tc.body))
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("decodeError (-want +got):\n%s", diff)
			}
			if certsum.ErrorCode(fmt.Errorf("wrapped: %w", got)) != tc.want.Code {
				t.Errorf("certsum.ErrorCode does not see %s through wrapping", tc.want.Code)
			}
		})
	}
}

func TestTokenErrorsThatRejectTheCredentialsAreUnauthenticated(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   certsum.Code
	}{
		{401, `{"error":"invalid_client","error_description":"unknown client"}`, certsum.CodeUnauthenticated},
		{400, `{"error":"invalid_client"}`, certsum.CodeUnauthenticated},
		{400, `{"error":"invalid_grant"}`, certsum.CodeUnauthenticated},
		{400, `{"error":"unsupported_grant_type"}`, certsum.CodeInvalid},
		{429, `{"message":" Rate Limit Exceeded "}`, certsum.CodeRateLimited},
	} {
		if got := decodeTokenError(response(tc.status, tc.body)).Code; got != tc.want {
			t.Errorf("token error %d %s: code %s, want %s", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestQuoteEscapesQuotesAndBackslashes(t *testing.T) {
	cases := map[string]string{
		``:               `""`,
		`Ann`:            `"Ann"`,
		`say "hi"`:       `"say \"hi\""`,
		`C:\dir`:         `"C:\\dir"`,
		`Ro+le #1 & 50%`: `"Ro+le #1 & 50%"`,
		"Zoë \\\" mixed": `"Zoë \\\" mixed"`,
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	if got, want := In("identitySummary.id", "a", `b"c`), `identitySummary.id in ("a","b\"c")`; got != want {
		t.Errorf("In = %s, want %s", got, want)
	}
	if got, want := In("id", "a"), `id eq "a"`; got != want {
		t.Errorf("In with one value = %s, want %s", got, want)
	}
	if got := In("id"); got != "" {
		t.Errorf("In with no values = %q, want empty", got)
	}
}

func TestPathOfEscapesSegmentsAndRejectsEmptyOnes(t *testing.T) {
	p, err := pathOf("op", "/certifications/{id}/access-review-items/{itemId}/permissions", "a/b c", "x?y")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/certifications/a%2Fb%20c/access-review-items/x%3Fy/permissions"; p != want {
		t.Errorf("pathOf = %s, want %s", p, want)
	}
	_, err = pathOf("getIdentitySummary", "/certifications/{id}/identity-summaries/{identitySummaryId}", "c1", " ")
	var e *certsum.Error
	if !errors.As(err, &e) || e.Code != certsum.CodeInvalid || e.Field != "identitySummaryId" {
		t.Fatalf("pathOf with an empty id = %v, want an invalid error about identitySummaryId", err)
	}
}

func TestListOptionsSendOnlyWhatDiffersFromTheDefaults(t *testing.T) {
	if got := (ListOptions{}).values().Encode(); got != "" {
		t.Errorf("zero ListOptions encode as %q, want nothing", got)
	}
	got := ListOptions{Limit: 10, Offset: 20, Count: true, Filters: `name sw "A b"`, Sorters: "-name"}.values().Encode()
	if want := "count=true&filters=name+sw+%22A+b%22&limit=10&offset=20&sorters=-name"; got != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}

// pages is an in-memory collection for walk: it answers offset/limit requests from a
// slice that a hook may change between requests, and records the requests.
type pages struct {
	items    []string
	requests []string
	before   func(n int) // called before request n (0-based)
	noTotal  bool
}

func (p *pages) fetch(_ context.Context, offset, limit int, count bool) (certsum.Page[string], error) {
	if p.before != nil {
		p.before(len(p.requests))
	}
	p.requests = append(p.requests, fmt.Sprintf("%d+%d count=%t", offset, limit, count))
	if offset < 0 {
		return certsum.Page[string]{}, certsum.Invalidf("offset", "negative offset")
	}
	end := min(offset+limit, len(p.items))
	out := []string{}
	if offset < len(p.items) {
		out = append(out, p.items[offset:end]...)
	}
	total := -1
	if count && !p.noTotal {
		total = len(p.items)
	}
	return certsum.Page[string]{Items: out, Total: total}, nil
}

func numbered(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("r%03d", i)
	}
	return s
}

func collect(t *testing.T, seq func(func(string, error) bool)) []string {
	t.Helper()
	got := []string{}
	for v, err := range seq {
		if err != nil {
			t.Fatalf("walk yielded error %v", err)
		}
		got = append(got, v)
	}
	return got
}

func TestWalkVisitsEveryRecordOnceAtPageBoundaries(t *testing.T) {
	const limit = 10
	for _, n := range []int{0, 1, limit - 1, limit, limit + 1, 2 * limit, 2*limit + 3} {
		for _, noTotal := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d records, total known %t", n, !noTotal), func(t *testing.T) {
				p := &pages{items: numbered(n), noTotal: noTotal}
				got := collect(t, walk(context.Background(), ListOptions{Limit: limit}, func(s string) string { return s }, p.fetch))
				if diff := cmp.Diff(numbered(n), got); diff != "" {
					t.Fatalf("records (-want +got):\n%s", diff)
				}
				// With a total, a last page of exactly limit records needs no extra request;
				// without one, the walk needs an empty page to know it is done.
				want := n/limit + 1
				if !noTotal && n%limit == 0 && n > 0 {
					want = n / limit
				}
				if len(p.requests) != want {
					t.Errorf("made %d requests %v, want %d", len(p.requests), p.requests, want)
				}
				if p.requests[0] != fmt.Sprintf("0+%d count=true", limit) {
					t.Errorf("first request %s does not ask for the count", p.requests[0])
				}
				for _, r := range p.requests[1:] {
					if strings.HasSuffix(r, "count=true") {
						t.Errorf("request %s asks for the count again", r)
					}
				}
			})
		}
	}
}

func TestWalkStartsAtTheGivenOffsetAndUsesTheDefaultLimit(t *testing.T) {
	p := &pages{items: numbered(600)}
	got := collect(t, walk(context.Background(), ListOptions{Offset: 95}, nil, p.fetch))
	if len(got) != 505 || got[0] != "r095" || got[504] != "r599" {
		t.Fatalf("got %d records from %s to %s, want 505 from r095 to r599", len(got), got[0], got[len(got)-1])
	}
	if want := []string{"95+250 count=true", "345+250 count=false", "595+250 count=false"}; !cmp.Equal(p.requests, want) {
		t.Errorf("requests %v, want %v", p.requests, want)
	}
}

func TestWalkToleratesACollectionThatShrinks(t *testing.T) {
	p := &pages{items: numbered(30)}
	p.before = func(n int) {
		if n == 1 { // after the first page, ten records before the offset go away
			p.items = p.items[10:]
		}
	}
	got := collect(t, walk(context.Background(), ListOptions{Limit: 10}, func(s string) string { return s }, p.fetch))
	// Offset paging skips the records that moved before the offset; what matters is that
	// the walk ends without an error or a refused offset.
	if want := numbered(10); !cmp.Equal(got[:10], want) {
		t.Fatalf("first page %v, want %v", got[:10], want)
	}
	if len(got) != 20 {
		t.Fatalf("got %d records %v, want 20", len(got), got)
	}
	for _, r := range p.requests {
		if strings.HasPrefix(r, "-") {
			t.Fatalf("asked for a negative offset: %v", p.requests)
		}
	}
}

func TestWalkEndsWhenTheCollectionEmptiesUnderIt(t *testing.T) {
	p := &pages{items: numbered(25)}
	p.before = func(n int) {
		if n == 1 {
			p.items = nil
		}
	}
	got := collect(t, walk(context.Background(), ListOptions{Limit: 10}, nil, p.fetch))
	if len(got) != 10 || len(p.requests) != 2 {
		t.Fatalf("got %d records in %d requests (%v); want the first page, then an empty one", len(got), len(p.requests), p.requests)
	}
}

func TestWalkSkipsRecordsAlreadyYieldedWhenTheCollectionGrowsBeforeTheOffset(t *testing.T) {
	p := &pages{items: numbered(20)}
	p.before = func(n int) {
		if n == 1 { // two records inserted at the front push r008 and r009 onto page two
			p.items = append([]string{"a", "b"}, p.items...)
		}
	}
	got := collect(t, walk(context.Background(), ListOptions{Limit: 10}, func(s string) string { return s }, p.fetch))
	if diff := cmp.Diff(numbered(20), got); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
}

func TestWalkStopsWhenTheConsumerStops(t *testing.T) {
	p := &pages{items: numbered(100)}
	n := 0
	for range walk(context.Background(), ListOptions{Limit: 10}, nil, p.fetch) {
		n++
		if n == 15 {
			break
		}
	}
	if len(p.requests) != 2 {
		t.Fatalf("made %d requests for 15 records, want 2", len(p.requests))
	}
}

func TestWalkYieldsAnErrorOnceAndStops(t *testing.T) {
	boom := certsum.Errorf(certsum.CodeUnavailable, "down")
	calls := 0
	fetch := func(_ context.Context, offset, limit int, _ bool) (certsum.Page[string], error) {
		calls++
		if offset > 0 {
			return certsum.Page[string]{}, boom
		}
		return certsum.Page[string]{Items: numbered(limit), Total: 100}, nil
	}
	var errs []error
	n := 0
	for v, err := range walk(context.Background(), ListOptions{Limit: 5}, nil, fetch) {
		if err != nil {
			errs = append(errs, err)
			if v != "" {
				t.Errorf("error yielded with record %q, want the zero value", v)
			}
			continue
		}
		n++
	}
	if n != 5 || len(errs) != 1 || !errors.Is(errs[0], boom) || calls != 2 {
		t.Fatalf("got %d records, errors %v in %d calls; want 5 records then one error", n, errs, calls)
	}
}

func TestWalkRejectsAPageLargerThanTheLimit(t *testing.T) {
	fetch := func(context.Context, int, int, bool) (certsum.Page[string], error) {
		return certsum.Page[string]{Items: numbered(11), Total: 11}, nil
	}
	for _, err := range walk(context.Background(), ListOptions{Limit: 10}, nil, fetch) {
		if certsum.ErrorCode(err) != certsum.CodeInternal {
			t.Fatalf("oversized page gave %v, want an internal error", err)
		}
		return
	}
	t.Fatal("walk yielded nothing")
}

func TestWalkReportsProgress(t *testing.T) {
	p := &pages{items: numbered(25)}
	var calls [][2]int
	o := ListOptions{Limit: 10, Progress: func(f, total int) { calls = append(calls, [2]int{f, total}) }}
	collect(t, walk(context.Background(), o, nil, p.fetch))
	if want := [][2]int{{10, 25}, {20, 25}, {25, 25}}; !cmp.Equal(calls, want) {
		t.Errorf("progress %v, want %v", calls, want)
	}
}

func TestNewRejectsBadBaseURLsAndMissingCredentials(t *testing.T) {
	for _, tc := range []struct{ base, id, secret string }{
		{"", "id", "s"},
		{"127.0.0.1:8080", "id", "s"},
		{"ftp://host", "id", "s"},
		{"http://", "id", "s"},
		{"http://host?x=1", "id", "s"},
		{"http://host", "", "s"},
		{"http://host", "id", ""},
	} {
		if _, err := New(tc.base, tc.id, tc.secret, Options{}); certsum.ErrorCode(err) != certsum.CodeInvalid {
			t.Errorf("New(%q, %q, %q) = %v, want an invalid error", tc.base, tc.id, tc.secret, err)
		}
	}
	c, err := New(" https://tenant.example.com/api/ ", "id", "s", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://tenant.example.com/api" {
		t.Errorf("BaseURL = %q, want the trailing slash trimmed", c.BaseURL())
	}
}

func mustNew(t testing.TB, o Options) *Client {
	t.Helper()
	c, err := New("http://127.0.0.1:1", "id", "secret", o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWalkRejectsNegativePagingWithoutARequest(t *testing.T) {
	for _, o := range []ListOptions{{Limit: -1}, {Offset: -5}} {
		p := &pages{items: numbered(3)}
		for _, err := range walk(context.Background(), o, nil, p.fetch) {
			if certsum.ErrorCode(err) != certsum.CodeInvalid {
				t.Errorf("%+v: error %v, want invalid", o, err)
			}
		}
		if len(p.requests) != 0 {
			t.Errorf("%+v: %d requests", o, len(p.requests))
		}
	}
}
