// Command benchroutes measures the latency of every API route of a running certsum, one
// request at a time, and prints p50 and p99 per route as a Markdown table: the token issue,
// the nine certification reads (over the certification with the most review items), a
// decision of 250 items, a reassignment of 5 items and sign-offs of small certifications
// that it first decides completely. It writes to the database: run it on a copy.
//
//	go run ./bench/benchroutes -base http://127.0.0.1:8080 -client-id ID -client-secret S
//
// Start the server with --rate-limit 0, or the limiter answers part of the requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "server URL, without /v2024")
	id := flag.String("client-id", "", "OAuth client id (ORG_ADMIN)")
	secret := flag.String("client-secret", "", "OAuth client secret")
	n := flag.Int("n", 200, "timed requests per route")
	warm := flag.Int("warmup", 20, "untimed requests per route before the timed ones")
	signoffs := flag.Int("signoffs", 20, "small certifications to decide and sign off")
	label := flag.String("label", "", "a label printed above the table")
	flag.Parse()
	b := &bench{base: strings.TrimSuffix(*base, "/"), id: *id, secret: *secret, n: *n, warm: *warm,
		http: &http.Client{Timeout: 2 * time.Minute}}
	if err := b.run(context.Background(), *signoffs, *label, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchroutes:", err)
		os.Exit(1)
	}
}

type bench struct {
	base, id, secret, token string
	n, warm                 int
	http                    *http.Client
	rows                    []row
}

// row is one route's measurements.
type row struct {
	route string
	times []time.Duration
}

// call sends one request and decodes a 2xx answer into out (when not nil).
func (b *bench) call(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// issueToken requests a token with the client credentials.
func (b *bench) issueToken(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {b.id}, "client_secret": {b.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	// The body is read to its end, so that the connection is reused.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("token: %d %s", resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return err
	}
	b.token = tok.AccessToken
	return nil
}

// time runs fn warm times untimed, then n times timed, and records the route.
func (b *bench) time(route string, n int, fn func(i int) error) error {
	for i := 0; i < b.warm; i++ {
		if err := fn(i); err != nil {
			return fmt.Errorf("%s: %w", route, err)
		}
	}
	r := row{route: route}
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := fn(b.warm + i); err != nil {
			return fmt.Errorf("%s: %w", route, err)
		}
		r.times = append(r.times, time.Since(start))
	}
	b.rows = append(b.rows, r)
	return nil
}

func (b *bench) run(ctx context.Context, signoffs int, label string, w io.Writer) error {
	if b.id == "" || b.secret == "" {
		return errors.New("-client-id and -client-secret are required")
	}
	if err := b.issueToken(ctx); err != nil {
		return err
	}
	certs, err := b.certifications(ctx)
	if err != nil {
		return err
	}
	big := certs[0]
	for _, c := range certs {
		if c.DecisionsTotal > big.DecisionsTotal {
			big = c
		}
	}
	c := "/v2024/certifications/" + url.PathEscape(big.ID)
	var sums []certsum.IdentitySummary
	if err := b.call(ctx, "GET", c+"/identity-summaries?limit=250", nil, &sums); err != nil {
		return err
	}
	var ents []certsum.AccessReviewItem
	if err := b.call(ctx, "GET", c+"/access-review-items?limit=250&filters="+url.QueryEscape(`type eq "ENTITLEMENT"`), nil, &ents); err != nil {
		return err
	}
	if len(sums) == 0 || len(ents) == 0 {
		return fmt.Errorf("certification %s has no identity summaries or no entitlement items", big.ID)
	}
	get := func(path string) func(int) error {
		return func(int) error { return b.call(ctx, "GET", path, nil, nil) }
	}
	reads := []struct{ route, path string }{
		{"GET /certifications (first page, count)", "/v2024/certifications?limit=250&count=true"},
		{"GET /certifications/{id}", c},
		{"GET .../decision-summary", c + "/decision-summary"},
		{"GET .../identity-summaries (first page, count)", c + "/identity-summaries?limit=250&count=true"},
		{"GET .../access-summaries/ENTITLEMENT (first page, count)", c + "/access-summaries/ENTITLEMENT?limit=250&count=true"},
		{"GET .../access-review-items (first page, count)", c + "/access-review-items?limit=250&count=true"},
		{"GET .../reviewers", c + "/reviewers"},
		{"GET .../access-review-items/{itemId}/permissions", c + "/access-review-items/" + url.PathEscape(ents[0].ID) + "/permissions"},
	}
	if err := b.time("POST /oauth/token", b.n, func(int) error { return b.issueToken(ctx) }); err != nil {
		return err
	}
	for _, r := range reads {
		if err := b.time(r.route, b.n, get(r.path)); err != nil {
			return err
		}
	}
	err = b.time("GET .../identity-summaries/{id}", b.n, func(i int) error {
		return b.call(ctx, "GET", c+"/identity-summaries/"+url.PathEscape(sums[i%len(sums)].ID), nil, nil)
	})
	if err != nil {
		return err
	}
	if err := b.decide(ctx, c); err != nil {
		return err
	}
	if err := b.reassign(ctx, c, big, certs); err != nil {
		return err
	}
	if err := b.signOff(ctx, certs, signoffs); err != nil {
		return err
	}
	b.print(w, label, big)
	return nil
}

// certifications lists every certification.
func (b *bench) certifications(ctx context.Context) ([]certsum.Certification, error) {
	var all []certsum.Certification
	for off := 0; ; off += certsum.MaxLimit {
		var page []certsum.Certification
		if err := b.call(ctx, "GET", fmt.Sprintf("/v2024/certifications?limit=%d&offset=%d", certsum.MaxLimit, off), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < certsum.MaxLimit {
			break
		}
	}
	if len(all) == 0 {
		return nil, errors.New("the server has no certifications")
	}
	return all, nil
}

// decide times decisions of 250 items of the certification, walking its first 2,000 items
// and flipping each between APPROVE and REVOKE.
func (b *bench) decide(ctx context.Context, c string) error {
	var items []certsum.AccessReviewItem
	for off := 0; off < 2000; off += 250 {
		var page []certsum.AccessReviewItem
		if err := b.call(ctx, "GET", fmt.Sprintf("%s/access-review-items?limit=250&offset=%d", c, off), nil, &page); err != nil {
			return err
		}
		items = append(items, page...)
		if len(page) < 250 {
			break
		}
	}
	if len(items) < 250 {
		return fmt.Errorf("the certification has only %d items", len(items))
	}
	bulk, comments := true, "benchmark"
	batches := len(items) / 250
	return b.time("POST .../decide (250 items)", b.n, func(i int) error {
		batch := items[(i%batches)*250 : (i%batches+1)*250]
		body := make([]certsum.ReviewDecision, len(batch))
		for j := range batch {
			if batch[j].Decision == certsum.Approve {
				batch[j].Decision = certsum.Revoke
			} else {
				batch[j].Decision = certsum.Approve
			}
			body[j] = certsum.ReviewDecision{ID: batch[j].ID, Decision: batch[j].Decision, Bulk: &bulk, Comments: &comments}
		}
		return b.call(ctx, "POST", c+"/decide", body, nil)
	})
}

// reassign times reassignments of 5 items at a time from the end of the certification to
// the reviewer of another certification of its campaign (or of any other).
func (b *bench) reassign(ctx context.Context, c string, big certsum.Certification, certs []certsum.Certification) error {
	to := ""
	for _, o := range certs {
		if o.Reviewer.Type == certsum.TypeIdentity && o.Reviewer.ID != big.Reviewer.ID {
			to = o.Reviewer.ID
			if o.Campaign.ID == big.Campaign.ID {
				break
			}
		}
	}
	if to == "" {
		return errors.New("no other reviewer to reassign to")
	}
	need := (b.warm + b.n) * 5
	var items []certsum.AccessReviewItem
	for off := max(0, big.DecisionsTotal-need-250); len(items) < need; off += 250 {
		var page []certsum.AccessReviewItem
		if err := b.call(ctx, "GET", fmt.Sprintf("%s/access-review-items?limit=250&offset=%d", c, off), nil, &page); err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		items = append(items, page...)
	}
	if len(items) < need {
		return fmt.Errorf("the certification has only %d items to reassign, want %d", len(items), need)
	}
	return b.time("POST .../reassign (5 items)", b.n, func(i int) error {
		refs := make([]certsum.ReassignReference, 5)
		for j := range refs {
			refs[j] = certsum.ReassignReference{ID: items[i*5+j].ID, Type: certsum.ReassignItem}
		}
		return b.call(ctx, "POST", c+"/reassign", certsum.ReviewReassign{Reassign: refs, ReassignTo: to, Reason: "benchmark"}, nil)
	})
}

// signOff decides every item of small active certifications (untimed), then times their
// sign-offs.
func (b *bench) signOff(ctx context.Context, certs []certsum.Certification, n int) error {
	var small []certsum.Certification
	for _, c := range certs {
		if c.Phase == certsum.PhaseActive && c.DecisionsTotal > 0 && c.DecisionsTotal <= 250 {
			small = append(small, c)
		}
	}
	slices.SortFunc(small, func(a, b certsum.Certification) int { return strings.Compare(a.ID, b.ID) })
	if len(small) < n {
		return fmt.Errorf("only %d small active certifications to sign off, want %d", len(small), n)
	}
	small = small[:n]
	comments := "benchmark"
	for _, c := range small {
		path := "/v2024/certifications/" + url.PathEscape(c.ID)
		var items []certsum.AccessReviewItem
		if err := b.call(ctx, "GET", path+"/access-review-items?limit=250", nil, &items); err != nil {
			return err
		}
		body := make([]certsum.ReviewDecision, 0, len(items))
		bulk := true
		for _, it := range items {
			if !it.Completed {
				body = append(body, certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk, Comments: &comments})
			}
		}
		if len(body) > 0 {
			if err := b.call(ctx, "POST", path+"/decide", body, nil); err != nil {
				return err
			}
		}
	}
	warm := b.warm
	b.warm = 0
	defer func() { b.warm = warm }()
	return b.time("POST .../sign-off", n, func(i int) error {
		return b.call(ctx, "POST", "/v2024/certifications/"+url.PathEscape(small[i].ID)+"/sign-off", nil, nil)
	})
}

// quantile returns the q-quantile (nearest rank) of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func (b *bench) print(w io.Writer, label string, big certsum.Certification) {
	if label != "" {
		fmt.Fprintf(w, "%s\n\n", label)
	}
	fmt.Fprintf(w, "certification %s: %d identities, %d review items\n\n", big.ID, big.IdentitiesTotal, big.DecisionsTotal)
	fmt.Fprintln(w, "| route | n | p50 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, r := range b.rows {
		s := slices.Clone(r.times)
		slices.Sort(s)
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", r.route, len(s), ms(quantile(s, 0.5)), ms(quantile(s, 0.99)), ms(s[len(s)-1]))
	}
}
