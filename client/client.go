package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/certsum/certsum"
)

// APIPrefix is the path prefix of every API operation below the base URL.
const APIPrefix = "/v2024"

// AdminPrefix is the path prefix of certsum's own administration routes.
const AdminPrefix = "/certsum/v1"

// TokenPath is the path of the OAuth2 token endpoint below the base URL.
const TokenPath = "/oauth/token"

// Defaults applied by New to zero Options fields.
const (
	// DefaultMaxRetries is how many times a retryable request is sent again.
	DefaultMaxRetries = 4
	// DefaultBackoffBase is the wait before the first retry after a 5xx or connection error.
	DefaultBackoffBase = 500 * time.Millisecond
	// DefaultBackoffMax caps the exponential backoff.
	DefaultBackoffMax = 30 * time.Second
	// DefaultTokenMargin is how long before its expiry a token is replaced.
	DefaultTokenMargin = time.Minute
	// DefaultTimeout bounds each HTTP request of the default HTTP client.
	DefaultTimeout = time.Minute
	// DefaultUserAgent is the User-Agent header sent when Options.UserAgent is empty.
	DefaultUserAgent = "certsum-client-go"
)

// Options tunes a Client. Every field is optional; the zero value gives sensible defaults.
type Options struct {
	// HTTPClient sends every request. Nil means a client whose requests time out after
	// DefaultTimeout; the context passed to each method bounds everything in any case.
	HTTPClient *http.Client
	// Now is the clock that decides when the access token must be refreshed and reads
	// Retry-After dates. Nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries. It must return ctx.Err() as soon as ctx is done. Nil means
	// a timer that does exactly that.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives a debug record per request and a warning per retry. Nil discards.
	Logger *slog.Logger
	// MaxRetries is how many times a retryable request is sent again after its first
	// attempt: 0 means DefaultMaxRetries, a negative value turns retries off.
	MaxRetries int
	// BackoffBase is the wait before the first retry of a failed (5xx or unreachable)
	// request; each further retry doubles it, up to BackoffMax, and a random jitter takes up
	// to half of it away. A 429 waits what its Retry-After says instead. 0 means
	// DefaultBackoffBase.
	BackoffBase time.Duration
	// BackoffMax caps the backoff between retries. 0 means DefaultBackoffMax.
	BackoffMax time.Duration
	// TokenMargin is how long before its expiry a token is replaced; it never exceeds half
	// the token's lifetime. 0 means DefaultTokenMargin.
	TokenMargin time.Duration
	// UserAgent is sent on every request. Empty means DefaultUserAgent.
	UserAgent string
}

// Client calls one certsum server (or any server of SailPoint's v2024 certification API) as
// one OAuth2 client. It is safe for concurrent use.
type Client struct {
	base   string // scheme://host[:port][/path], no trailing slash
	id     string
	secret string

	hc          *http.Client
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
	log         *slog.Logger
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
	tokenMargin time.Duration
	userAgent   string
	jitter      func(d time.Duration) time.Duration // a random duration in [0, d)

	tokens tokenCache
}

// New returns a Client for the server at baseURL (the host root, as in SAIL_BASE_URL: for
// example http://127.0.0.1:8080, without /v2024) authenticating as clientID/clientSecret.
// No request is made until the first call. The error is a certsum.CodeInvalid *certsum.Error
// when baseURL is not an absolute http or https URL or a credential is empty.
func New(baseURL, clientID, clientSecret string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, certsum.Invalidf("baseURL", "base URL %q must be an absolute http:// or https:// URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, certsum.Invalidf("baseURL", "base URL %q must not carry a query or fragment", baseURL)
	}
	if clientID == "" || clientSecret == "" {
		return nil, certsum.Invalidf("clientID", "a client id and a client secret are required")
	}
	c := &Client{
		base:        strings.TrimRight(u.String(), "/"),
		id:          clientID,
		secret:      clientSecret,
		hc:          opts.HTTPClient,
		now:         opts.Now,
		sleep:       opts.Sleep,
		log:         opts.Logger,
		maxRetries:  opts.MaxRetries,
		backoffBase: opts.BackoffBase,
		backoffMax:  opts.BackoffMax,
		tokenMargin: opts.TokenMargin,
		userAgent:   opts.UserAgent,
		jitter:      randomJitter,
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.backoffBase <= 0 {
		c.backoffBase = DefaultBackoffBase
	}
	if c.backoffMax <= 0 {
		c.backoffMax = DefaultBackoffMax
	}
	if c.backoffMax < c.backoffBase {
		c.backoffMax = c.backoffBase
	}
	if c.tokenMargin <= 0 {
		c.tokenMargin = DefaultTokenMargin
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	c.tokens.sem = make(chan struct{}, 1)
	return c, nil
}

// BaseURL returns the server's base URL as New normalised it.
func (c *Client) BaseURL() string { return c.base }

// ClientID returns the OAuth2 client id the Client authenticates as.
func (c *Client) ClientID() string { return c.id }

// call describes one API request.
type call struct {
	op     string // operationId, for errors and logs
	method string
	path   string // escaped, relative to APIPrefix (AdminPrefix with admin)
	admin  bool   // one of certsum's own administration routes
	query  url.Values
	body   []byte // JSON; nil for none
	// retry allows retries after 5xx, 429 and connection errors: true for reads and for the
	// idempotent decide.
	retry bool
}

// do sends cl with a bearer token and decodes a 2xx JSON body into out (unless out is nil).
// A 401 drops the token and sends the request once more with a fresh one, so a token that
// expired early (or was revoked by a key rotation) costs one round trip, not a failure.
func (c *Client) do(ctx context.Context, cl call, out any) (http.Header, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", cl.op, err)
	}
	prefix := APIPrefix
	if cl.admin {
		prefix = AdminPrefix
	}
	target := c.base + prefix + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	for reauth := false; ; reauth = true {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cl.op, err)
		}
		resp, err := c.send(ctx, cl.op, cl.retry, func() (*http.Request, error) {
			var body io.Reader
			if cl.body != nil {
				body = bytes.NewReader(cl.body)
			}
			req, err := http.NewRequestWithContext(ctx, cl.method, target, body)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			if cl.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cl.op, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && !reauth {
			drain(resp)
			c.dropToken(tok)
			c.log.DebugContext(ctx, "certsum token refused; fetching a new one", "op", cl.op)
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			err := decodeError(resp)
			drain(resp)
			return nil, fmt.Errorf("%s: %w", cl.op, err)
		}
		err = decodeBody(resp, out)
		drain(resp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cl.op, err)
		}
		return resp.Header, nil
	}
}

// send performs one logical request, sending it again after a 429 (waiting Retry-After) and,
// when retry is set, after a 5xx or a connection error (waiting an exponential backoff with
// jitter), at most maxRetries times. The returned response's status is final: 2xx, an error
// that is not retried, or the last error once retries are used up. Its body is open.
func (c *Client) send(ctx context.Context, op string, retry bool, newReq func() (*http.Request, error)) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := newReq()
		if err != nil {
			return nil, certsum.Errorf(certsum.CodeInvalid, "build request: %v", err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		start := time.Now()
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			c.log.DebugContext(ctx, "certsum request failed", "op", op, "method", req.Method,
				"path", req.URL.Path, "attempt", attempt+1, "error", err)
			uerr := &certsum.Error{Code: certsum.CodeUnavailable,
				Message: "cannot reach the certsum server at " + c.base, Cause: err}
			if !retry || attempt >= c.maxRetries {
				return nil, uerr
			}
			wait := c.backoff(attempt)
			if err := c.wait(ctx, op, wait, "connection error"); err != nil {
				return nil, err
			}
			continue
		}
		c.log.DebugContext(ctx, "certsum request", "op", op, "method", req.Method, "path", req.URL.Path,
			"status", resp.StatusCode, "attempt", attempt+1, "elapsed", time.Since(start))
		retryable := resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented
		if !retryable || !retry || attempt >= c.maxRetries {
			return resp, nil
		}
		wait := c.backoff(attempt)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
				wait = ra
			}
		}
		// If the wait cannot finish before the deadline, the caller learns the real
		// reason (429, 503…) now rather than a deadline error later.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return resp, nil
		}
		drain(resp)
		if err := c.wait(ctx, op, wait, resp.Status); err != nil {
			return nil, err
		}
	}
}

// wait sleeps d before a retry, giving up when ctx ends.
func (c *Client) wait(ctx context.Context, op string, d time.Duration, reason string) error {
	c.log.WarnContext(ctx, "certsum request will be retried", "op", op, "reason", reason, "wait", d)
	if err := c.sleep(ctx, d); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return err
	}
	return nil
}

// decodeBody decodes a JSON response body into out; an empty body leaves out untouched.
func decodeBody(resp *http.Response, out any) error {
	if out == nil {
		return nil
	}
	if d, ok := out.(*download); ok {
		n, err := io.Copy(d.w, resp.Body)
		d.n += n
		if err != nil {
			return &certsum.Error{Code: certsum.CodeInternal, Status: resp.StatusCode,
				Message: "the download broke off", Cause: err}
		}
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return &certsum.Error{Code: certsum.CodeInternal, Status: resp.StatusCode,
			Message: "the server's response is not the expected JSON", Cause: err}
	}
	return nil
}

// download is a do target that takes the body as it comes (a file), counting its bytes.
type download struct {
	w io.Writer
	n int64
}

// drain reads what is left of a body (bounded) and closes it so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// totalCount reads X-Total-Count: -1 when the header is absent, an error when it is not a
// non-negative integer.
func totalCount(h http.Header) (int, error) {
	v := h.Get("X-Total-Count")
	if v == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, certsum.Errorf(certsum.CodeInternal, "the server sent X-Total-Count %q, which is not a count", v)
	}
	return n, nil
}
