//go:build soak

package main

// The soak: certsum serving a mixed load of reads (summaries, review items, certifications)
// and decisions at half the capacity measured first, for CERTSUM_SOAK (2m in CI, 30m for the
// long form), while its resident memory, goroutines and open files are sampled from its own
// /metrics. Goroutines and open files must stay flat and memory bounded (a leak fails the
// test); latency is reported, first window against last, never asserted.
//
//	CERTSUM_SOAK=30m go test -tags soak -count=1 -run TestSoak -timeout 40m -v ./cmd/certsum/

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type soakSample struct {
	at                     time.Duration
	rss, goroutines, files float64
}

func TestSoak(t *testing.T) {
	total := 2 * time.Minute
	if s := os.Getenv("CERTSUM_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 30*time.Second {
			t.Fatalf("CERTSUM_SOAK=%q: a duration of at least 30s", s)
		}
		total = d
	}
	r := newRig(t, filepath.Join(t.TempDir(), "certsum.db"))
	r.procs = []*chaosProc{r.start(0)}
	defer r.stopAll()
	base := r.procs[0].base
	token := r.token(base)
	var paths []string
	for id := range r.certs {
		paths = append(paths, "/v2024/certifications/"+id+"/decision-summary",
			"/v2024/certifications/"+id+"/identity-summaries?limit=50",
			"/v2024/certifications/"+id+"/access-summaries/ENTITLEMENT?limit=50",
			"/v2024/certifications/"+id+"/access-review-items?limit=50",
			"/v3/certifications/"+id)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	get := func(path string) (int, time.Duration) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return 0, 0
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, time.Since(start)
	}

	// Capacity: as many requests of the soak's mix (one decision request in ten) as 8
	// workers can get answered in 10 s.
	var ids []string
	for id := range r.certs {
		ids = append(ids, id)
	}
	var done atomic.Int64
	stop := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := newRand(100 + w)
			for i := w; time.Now().Before(stop); i++ {
				if i%10 == 9 {
					r.one(rng, base, token, ids[rng.IntN(len(ids))])
					done.Add(1)
				} else if code, _ := get(paths[i%len(paths)]); code == 200 {
					done.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	capacity := float64(done.Load()) / 10
	rate := capacity / 2
	t.Logf("capacity %.0f req/s; soaking at %.0f req/s (reads, and one decision request in ten) for %s", capacity, rate, total)

	// The soak: an open loop at rate, one request in ten a decision.
	ctx, cancel := context.WithTimeout(context.Background(), total)
	defer cancel()
	window := total / 6
	if window > 5*time.Minute {
		window = 5 * time.Minute
	}
	var latMu sync.Mutex
	var first, last []time.Duration
	begin := time.Now()
	record := func(d time.Duration) {
		at := time.Since(begin)
		latMu.Lock()
		defer latMu.Unlock()
		switch {
		case at < window:
			first = append(first, d)
		case at > total-window:
			last = append(last, d)
		}
	}
	var samples []soakSample
	// Start and end are sampled with the load's connections closed and a moment to settle,
	// so that they compare what certsum holds, not the client's connection pool.
	settle := func() {
		client.CloseIdleConnections()
		chaosClient.CloseIdleConnections()
		time.Sleep(2 * time.Second)
	}
	sample := func() {
		code, text := r.metricsText(base, token)
		if code != 200 {
			t.Errorf("/metrics → %d", code)
			return
		}
		samples = append(samples, soakSample{at: time.Since(begin), rss: metricValue(text, "process_resident_memory_bytes"),
			goroutines: metricValue(text, "go_goroutines"), files: metricValue(text, "process_open_fds")})
	}
	settle()
	sample()
	begin = time.Now() // the schedule starts now
	sem := make(chan struct{}, 64)
	samplesTick := time.NewTicker(5 * time.Second)
	defer samplesTick.Stop()
	pace := time.NewTicker(2 * time.Millisecond)
	defer pace.Stop()
	var sent, failed atomic.Int64
	var inflight sync.WaitGroup
	rng := newRand(3)
	// An open loop on a schedule: at every pace tick, as many requests start as the rate
	// says are due by now, so the rate holds however the ticks fall.
	var issued int64
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-samplesTick.C:
			sample()
		case <-pace.C:
		}
		due := int64(time.Since(begin).Seconds()*rate) - issued
		for ; due > 0; due-- {
			issued++
			select {
			case sem <- struct{}{}:
			default:
				failed.Add(1) // the server is behind by 64 requests: counted, not queued
				continue
			}
			sent.Add(1)
			inflight.Add(1)
			decide := issued%10 == 0
			path := paths[rng.IntN(len(paths))]
			cert := ids[rng.IntN(len(ids))]
			go func() {
				defer inflight.Done()
				defer func() { <-sem }()
				if decide {
					start := time.Now()
					r.one(newRand(int(start.UnixNano()%1000)), base, token, cert)
					record(time.Since(start))
					return
				}
				code, d := get(path)
				if code != 200 {
					failed.Add(1)
					return
				}
				record(d)
			}()
		}
	}
	inflight.Wait()
	settle()
	sample()
	r.check(context.Background(), 1)

	p99 := func(ds []time.Duration) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[len(ds)*99/100]
	}
	start, end := samples[0], samples[len(samples)-1]
	maxOf := func(f func(soakSample) float64) float64 {
		m := 0.0
		for _, s := range samples {
			m = max(m, f(s))
		}
		return m
	}
	t.Logf("soak %s aimed at %.0f req/s, sent %.0f req/s: %d requests, %d not answered 200 or shed", total, rate,
		float64(sent.Load())/total.Seconds(), sent.Load(), failed.Load())
	t.Logf("RSS MB start/end/max %.1f / %.1f / %.1f", start.rss/1e6, end.rss/1e6, maxOf(func(s soakSample) float64 { return s.rss })/1e6)
	t.Logf("goroutines start/end/max %.0f / %.0f / %.0f", start.goroutines, end.goroutines, maxOf(func(s soakSample) float64 { return s.goroutines }))
	t.Logf("open files start/end/max %.0f / %.0f / %.0f", start.files, end.files, maxOf(func(s soakSample) float64 { return s.files }))
	t.Logf("p99 first %s: %s (%d requests); last %s: %s (%d requests)", window, p99(first), len(first), window, p99(last), len(last))
	// Leaks fail; latency is only reported.
	if end.goroutines > start.goroutines+10 {
		t.Errorf("goroutines grew from %.0f to %.0f", start.goroutines, end.goroutines)
	}
	if end.files > start.files+10 {
		t.Errorf("open files grew from %.0f to %.0f", start.files, end.files)
	}
	if end.rss > 2*start.rss+64e6 {
		t.Errorf("resident memory grew from %.0f MB to %.0f MB", start.rss/1e6, end.rss/1e6)
	}
	if failed.Load()*100 > sent.Load() {
		t.Errorf("%d of %d requests failed or were shed at half the capacity", failed.Load(), sent.Load())
	}
}

// metricsText reads the server's /metrics with an ORG_ADMIN token.
func (r *chaosRig) metricsText(base, token string) (int, string) {
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func metricValue(text, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+-]+)$`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}
