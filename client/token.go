package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/certsum/certsum"
)

// tokenCache holds the current access token. mu guards the fields; sem lets one caller at a
// time fetch a token while the others wait (or give up when their context ends).
type tokenCache struct {
	mu        sync.Mutex
	value     string
	refreshAt time.Time // zero: the server gave no lifetime; keep the token until a 401
	sem       chan struct{}
}

// tokenResponse is the part of the token endpoint's answer the client uses.
type tokenResponse struct {
	AccessToken string      `json:"access_token"`
	TokenType   string      `json:"token_type"`
	ExpiresIn   json.Number `json:"expires_in"`
	Scope       string      `json:"scope"`
}

// Authenticate fetches an access token now unless a fresh one is cached, which proves the
// base URL and the credentials work. Other methods authenticate on their own; this is for
// callers that want to check credentials before using them (certsum login does).
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.token(ctx)
	return err
}

// cached returns the cached token if it does not need replacing yet.
func (c *Client) cached() (string, bool) {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	t := &c.tokens
	if t.value != "" && (t.refreshAt.IsZero() || c.now().Before(t.refreshAt)) {
		return t.value, true
	}
	return "", false
}

// token returns a usable access token, fetching one when none is cached or the cached one is
// within the refresh margin of its expiry.
func (c *Client) token(ctx context.Context) (string, error) {
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	select {
	case c.tokens.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.tokens.sem }()
	if tok, ok := c.cached(); ok { // fetched by another caller while this one waited
		return tok, nil
	}
	tok, refreshAt, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	c.tokens.mu.Lock()
	c.tokens.value, c.tokens.refreshAt = tok, refreshAt
	c.tokens.mu.Unlock()
	return tok, nil
}

// dropToken forgets tok (if it is still the cached token) after the server refused it.
func (c *Client) dropToken(tok string) {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if c.tokens.value == tok {
		c.tokens.value, c.tokens.refreshAt = "", time.Time{}
	}
}

// fetchToken runs the client-credentials grant against {base}/oauth/token and returns the
// token and when to replace it: its lifetime (expires_in, counted from before the request
// left) minus the refresh margin, which is at most half the lifetime so that a short-lived
// token is still used for a while.
func (c *Client) fetchToken(ctx context.Context) (string, time.Time, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.id},
		"client_secret": {c.secret},
	}.Encode()
	issued := c.now()
	// Issuing a token changes nothing on the server, so it is retried like a read.
	resp, err := c.send(ctx, "createOauthToken", true, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+TokenPath, strings.NewReader(form))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("get access token: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return "", time.Time{}, fmt.Errorf("get access token: %w", decodeTokenError(resp))
	}
	var tr tokenResponse
	if err := decodeBody(resp, &tr); err != nil {
		return "", time.Time{}, fmt.Errorf("get access token: %w", err)
	}
	if tr.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("get access token: %w",
			certsum.Errorf(certsum.CodeInternal, "the token endpoint answered without an access_token"))
	}
	var refreshAt time.Time
	if tr.ExpiresIn != "" {
		secs, err := tr.ExpiresIn.Float64()
		if err != nil || secs < 0 {
			return "", time.Time{}, fmt.Errorf("get access token: %w",
				certsum.Errorf(certsum.CodeInternal, "the token endpoint sent expires_in %q, which is not a number of seconds", tr.ExpiresIn))
		}
		if secs > 0 {
			lifetime := time.Duration(secs * float64(time.Second))
			margin := min(c.tokenMargin, lifetime/2)
			refreshAt = issued.Add(lifetime - margin)
		}
	}
	return tr.AccessToken, refreshAt, nil
}
