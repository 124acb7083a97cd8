// Command benchwriter is the write load of the read-path benchmark (BENCHMARKS.md, "Read path
// vs. ceiling"): it decides review items of one certification through the v2024 API at a
// steady rate — by default one request of 250 decisions every second — and stops by itself.
//
//	go run ./bench/benchwriter -base http://127.0.0.1:8080 -token-file TOKEN -cert ID
//
// It picks -pool review items spread over the certification (read through
// listIdentityAccessReviewItems), then sends decisions that alternate between APPROVE and
// REVOKE so that every request changes what the summaries show. It talks to loopback
// addresses only and runs at most -duration (capped at one hour).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "server URL (loopback only), without /v2024")
	tokenFile := flag.String("token-file", "", "file holding a bearer token of a reviewer or admin")
	cert := flag.String("cert", "", "certification to decide in")
	perRequest := flag.Int("decisions", 250, "decisions per request (1..250)")
	every := flag.Duration("every", time.Second, "interval between requests")
	pool := flag.Int("pool", 2000, "review items to cycle through")
	duration := flag.Duration("duration", 2*time.Minute, "how long to write (at most 1h)")
	flag.Parse()
	if err := run(*base, *tokenFile, *cert, *perRequest, *every, *pool, *duration); err != nil {
		log.Fatal(err)
	}
}

func run(base, tokenFile, cert string, perRequest int, every time.Duration, pool int, duration time.Duration) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("-base: %w", err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-base must be a loopback address, not %q", host)
	}
	switch {
	case cert == "":
		return fmt.Errorf("-cert is required")
	case perRequest < 1 || perRequest > 250:
		return fmt.Errorf("-decisions must be 1..250")
	case duration <= 0 || duration > time.Hour:
		return fmt.Errorf("-duration must be positive and at most 1h")
	case every < 10*time.Millisecond:
		return fmt.Errorf("-every must be at least 10ms")
	}
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return fmt.Errorf("-token-file: %w", err)
	}
	token := strings.TrimSpace(string(tok))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	c := &client{base: strings.TrimSuffix(base, "/") + "/v2024/certifications/" + url.PathEscape(cert), token: token,
		http: &http.Client{Timeout: 30 * time.Second}}
	ids, err := c.itemIDs(ctx, pool)
	if err != nil {
		return err
	}
	log.Printf("deciding %d decisions every %s among %d review items of %s for %s", perRequest, every, len(ids), cert, duration)
	var lat []time.Duration
	failed, next := 0, 0
	tick := time.NewTicker(every)
	defer tick.Stop()
	for round := 0; ; round++ {
		batch := make([]string, 0, perRequest)
		for len(batch) < perRequest && len(batch) < len(ids) {
			batch = append(batch, ids[next%len(ids)])
			next++
		}
		// A pass over the pool approves, the next one revokes, so every decision changes
		// the item.
		decision := "APPROVE"
		if (next-1)/len(ids)%2 == 1 {
			decision = "REVOKE"
		}
		start := time.Now()
		status, err := c.decide(ctx, batch, decision)
		took := time.Since(start)
		switch {
		case ctx.Err() != nil:
			report(lat, failed)
			return nil
		case err != nil || status != http.StatusOK:
			failed++
			log.Printf("request %d: status %d, %v", round, status, err)
		default:
			lat = append(lat, took)
		}
		select {
		case <-ctx.Done():
			report(lat, failed)
			return nil
		case <-tick.C:
		}
	}
}

func report(lat []time.Duration, failed int) {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	log.Printf("done: %d requests decided, %d failed; latency p50 %s, p99 %s, max %s",
		len(lat), failed, q(0.5), q(0.99), q(1))
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("%s %s: %s", method, path, bytes.TrimSpace(b))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

// itemIDs reads up to n review item ids from pages spread over the certification.
func (c *client) itemIDs(ctx context.Context, n int) ([]string, error) {
	var cert struct {
		DecisionsTotal int `json:"decisionsTotal"`
	}
	if _, err := c.do(ctx, http.MethodGet, "", nil, &cert); err != nil {
		return nil, err
	}
	pages := max(1, (n+249)/250)
	stride := max(250, cert.DecisionsTotal/pages/250*250)
	var ids []string
	for p := 0; p < pages && len(ids) < n; p++ {
		var items []struct {
			ID string `json:"id"`
		}
		path := fmt.Sprintf("/access-review-items?limit=250&offset=%d", p*stride)
		if _, err := c.do(ctx, http.MethodGet, path, nil, &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the certification has no review items")
	}
	return ids[:min(n, len(ids))], nil
}

type decision struct {
	ID       string `json:"id"`
	Decision string `json:"decision"`
	Bulk     bool   `json:"bulk"`
	Comments string `json:"comments"`
}

func (c *client) decide(ctx context.Context, ids []string, d string) (int, error) {
	body := make([]decision, len(ids))
	for i, id := range ids {
		body[i] = decision{ID: id, Decision: d, Bulk: true, Comments: "benchmark write load"}
	}
	return c.do(ctx, http.MethodPost, "/decide", body, nil)
}
