package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
	"github.com/certsum/certsum/internal/clienttest"
)

// sleeps records the waits a client asks for instead of waiting; each wait may also move a
// clock (the server's, so that a rate-limit window really passes).
type sleeps struct {
	mu      sync.Mutex
	waits   []time.Duration
	advance func(time.Duration)
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	if s.advance != nil {
		s.advance(d)
	}
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func TestTokenIsFetchedLazilyAndReused(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})
	if n := srv.TokenRequests(); n != 0 {
		t.Fatalf("New made %d token requests, want none", n)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("three calls made %d token requests, want 1", n)
	}
}

func TestConcurrentCallsShareOneTokenRequest(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetIdentitySummaries(context.Background(), clienttest.ReviewCert, client.ListOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("8 concurrent calls made %d token requests, want 1", n)
	}
}

func TestTokenIsRefreshedBeforeItExpires(t *testing.T) {
	// Tokens live 10 minutes; the client replaces them one minute (its margin) early, by its
	// own clock.
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review(), TokenTTL: 10 * time.Minute})
	clock := clienttest.NewClock(clienttest.Epoch)
	c := mustClient(t, srv, client.Options{Now: clock.Now})
	ctx := context.Background()
	call := func() {
		t.Helper()
		if _, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert); err != nil {
			t.Fatal(err)
		}
	}
	call()
	clock.Advance(8*time.Minute + 59*time.Second)
	call()
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests before the margin: %d, want 1", n)
	}
	clock.Advance(time.Second) // 9 minutes: within a minute of expiry
	call()
	if n := srv.TokenRequests(); n != 2 {
		t.Fatalf("token requests at the margin: %d, want 2", n)
	}
	if n := srv.APIRequests(); n != 3 {
		t.Fatalf("API requests: %d, want 3 (no request was refused)", n)
	}
}

func TestShortLivedTokensAreKeptForHalfTheirLife(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review(), TokenTTL: time.Minute})
	clock := clienttest.NewClock(clienttest.Epoch)
	c := mustClient(t, srv, client.Options{Now: clock.Now, TokenMargin: 5 * time.Minute})
	for _, step := range []time.Duration{0, 29 * time.Second, time.Second} {
		clock.Advance(step)
		if _, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Fatalf("token requests: %d, want 2 (one reused for 29 s, replaced at 30 s)", n)
	}
}

func TestAnExpiredTokenIsReplacedOnceAfterA401(t *testing.T) {
	// The server's clock runs ahead of the client's: the client still trusts its token, the
	// server finds it expired and answers 401.
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review(), TokenTTL: 10 * time.Minute})
	clock := clienttest.NewClock(clienttest.Epoch)
	c := mustClient(t, srv, client.Options{Now: clock.Now})
	ctx := context.Background()
	if _, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert); err != nil {
		t.Fatal(err)
	}
	srv.Clock.Advance(11 * time.Minute)
	cert, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert)
	if err != nil {
		t.Fatalf("call with an expired token: %v", err)
	}
	if cert.ID != clienttest.ReviewCert {
		t.Fatalf("got certification %s", cert.ID)
	}
	if tr, ar := srv.TokenRequests(), srv.APIRequests(); tr != 2 || ar != 3 {
		t.Fatalf("%d token and %d API requests, want 2 and 3 (refused, then retried with a new token)", tr, ar)
	}
}

func TestA401WithAFreshTokenIsNotRetriedAgain(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})
	api401 := clienttest.Fault{PathPrefix: "/v2024/", Status: 401}
	srv.Inject(api401, api401, api401)
	_, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	e := wantCode(t, err, certsum.CodeUnauthenticated)
	if e.Status != 401 || e.Message != "JWT validation failed: JWT is expired" {
		t.Fatalf("error %+v", e)
	}
	if tr, ar := srv.TokenRequests(), srv.APIRequests(); tr != 2 || ar != 2 {
		t.Fatalf("%d token and %d API requests, want 2 and 2", tr, ar)
	}
}

func TestA429IsRetriedAfterRetryAfter(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sl := &sleeps{}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep})
	srv.Inject(clienttest.Fault{Method: "GET", Status: 429, RetryAfter: "7"})
	cert, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	if err != nil || cert.ID != clienttest.ReviewCert {
		t.Fatalf("after a 429: %+v, %v", cert, err)
	}
	if w := sl.got(); len(w) != 1 || w[0] != 7*time.Second {
		t.Fatalf("waits %v, want [7s]", w)
	}
	if n := srv.APIRequests(); n != 2 {
		t.Fatalf("%d API requests, want 2", n)
	}
}

func TestTheRealRateLimitIsWaitedOut(t *testing.T) {
	// Two requests per 10 s; the third gets the limiter's 429 and Retry-After, and the
	// client's wait moves the server clock past the window.
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review(), RateLimit: 2})
	sl := &sleeps{advance: srv.Clock.Advance}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep})
	for i := 0; i < 3; i++ {
		if _, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	w := sl.got()
	if len(w) != 1 || w[0] < time.Second || w[0] > 10*time.Second {
		t.Fatalf("waits %v, want one Retry-After wait of 1-10 s", w)
	}
}

func TestRateLimitedWritesThatAreNotIdempotentAreNotRetried(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sl := &sleeps{}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep})
	srv.Inject(clienttest.Fault{Method: "POST", PathPrefix: "/v2024/", Status: 429, RetryAfter: "1"})
	_, err := c.SignOffIdentityCertification(context.Background(), clienttest.OtherCert)
	e := wantCode(t, err, certsum.CodeRateLimited)
	if e.Message != "Rate Limit Exceeded" || len(sl.got()) != 0 || srv.APIRequests() != 1 {
		t.Fatalf("error %+v after %d waits and %d requests; want one request, no retry", e, len(sl.got()), srv.APIRequests())
	}
}

func TestServerErrorsAreRetriedWithBackoffForReadsAndDecide(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sl := &sleeps{}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep, BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	ctx := context.Background()

	srv.Inject(clienttest.Fault{Method: "GET", Status: 503}, clienttest.Fault{Method: "GET", Status: 500, Body: `{}`})
	if _, err := c.GetIdentitySummaries(ctx, clienttest.ReviewCert, client.ListOptions{}); err != nil {
		t.Fatalf("read after a 503 and a 500: %v", err)
	}
	w := sl.got()
	if len(w) != 2 || w[0] < 50*time.Millisecond || w[0] > 100*time.Millisecond || w[1] < 100*time.Millisecond || w[1] > 200*time.Millisecond {
		t.Fatalf("waits %v, want one in [50ms,100ms] then one in [100ms,200ms]", w)
	}

	srv.Inject(clienttest.Fault{Method: "POST", PathPrefix: "/v2024/", Status: 502, Body: `{}`})
	cert, err := c.MakeIdentityDecision(ctx, clienttest.OtherCert, []certsum.ReviewDecision{{ID: clienttest.ItemSidVPN, Decision: certsum.Approve}})
	if err != nil || cert.DecisionsMade != 1 {
		t.Fatalf("decide after a 502: %+v, %v", cert, err)
	}

	before := srv.APIRequests()
	srv.Inject(clienttest.Fault{Method: "POST", PathPrefix: "/v2024/", Status: 503})
	_, err = c.SignOffIdentityCertification(ctx, clienttest.ReviewCert)
	wantCode(t, err, certsum.CodeUnavailable)
	if n := srv.APIRequests() - before; n != 1 {
		t.Fatalf("sign-off after a 503 was sent %d times, want once", n)
	}
}

func TestRetriesStopAfterMaxRetries(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sl := &sleeps{}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep, MaxRetries: 2})
	for i := 0; i < 3; i++ {
		srv.Inject(clienttest.Fault{Method: "GET", Status: 503})
	}
	_, err := c.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	e := wantCode(t, err, certsum.CodeUnavailable)
	if e.Status != 503 || e.DetailCode != "503 Service Unavailable" || len(sl.got()) != 2 || srv.APIRequests() != 3 {
		t.Fatalf("error %+v after %d waits and %d requests; want 3 requests, 2 waits", e, len(sl.got()), srv.APIRequests())
	}

	none := mustClient(t, srv, client.Options{Sleep: sl.Sleep, MaxRetries: -1})
	srv.Inject(clienttest.Fault{Method: "GET", Status: 503})
	_, err = none.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	wantCode(t, err, certsum.CodeUnavailable)
	if len(sl.got()) != 2 {
		t.Fatal("a client with retries off waited")
	}
}

func TestAWaitLongerThanTheDeadlineReturnsTheRealError(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sl := &sleeps{}
	c := mustClient(t, srv, client.Options{Sleep: sl.Sleep})
	srv.Inject(clienttest.Fault{Method: "GET", Status: 429, RetryAfter: "3600"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert)
	wantCode(t, err, certsum.CodeRateLimited)
	if len(sl.got()) != 0 {
		t.Fatalf("waited %v although the deadline is nearer than Retry-After", sl.got())
	}
}

func TestContextCancellationStopsCallsWaitsAndWalks(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := mustClient(t, srv, client.Options{})

	t.Run("a cancelled context sends nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if srv.TokenRequests()+srv.APIRequests() != 0 {
			t.Fatal("a request was sent on a cancelled context")
		}
	})
	t.Run("cancelling during a Retry-After wait ends the call at once", func(t *testing.T) {
		if err := c.Authenticate(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.Inject(clienttest.Fault{Method: "GET", Status: 429, RetryAfter: "3600"})
		ctx, cancel := context.WithCancel(context.Background())
		before := srv.APIRequests()
		go func() { // cancel once the 429 has been served, so the client is waiting
			for srv.APIRequests() == before {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		_, err := c.GetIdentityCertification(ctx, clienttest.ReviewCert)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("the call took %v after cancellation", d)
		}
	})
	t.Run("an iterator yields the cancellation and stops", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n, errs := 0, 0
		for _, err := range c.AllIdentityAccessReviewItems(ctx, clienttest.ReviewCert, client.ReviewItemListOptions{ListOptions: client.ListOptions{Limit: 2}}) {
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("error %v, want context.Canceled", err)
				}
				errs++
				continue
			}
			n++
			if n == 2 {
				cancel()
			}
		}
		if n != 2 || errs != 1 {
			t.Fatalf("%d records and %d errors, want 2 records then one error", n, errs)
		}
	})
}

func TestAnUnreachableServerIsUnavailableAfterRetries(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	base := srv.URL
	srv.HTTP.Close()
	sl := &sleeps{}
	c, err := client.New(base, "id", "secret", client.Options{Sleep: sl.Sleep, MaxRetries: 3, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetIdentityCertification(context.Background(), clienttest.ReviewCert)
	e := wantCode(t, err, certsum.CodeUnavailable)
	if e.Cause == nil || e.Status != 0 {
		t.Fatalf("error %+v, want the connection error as cause and no status", e)
	}
	if len(sl.got()) != 3 {
		t.Fatalf("waits %v, want 3", sl.got())
	}
}
