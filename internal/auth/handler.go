package auth

import (
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/ratelimit"
)

// maxTokenRequest bounds the body of a token request.
const maxTokenRequest = 64 << 10

// maxClientIDLen bounds a client id worth looking up or counting.
const maxClientIDLen = 256

// grantType is an OAuth 2.0 grant. certsum supports client_credentials only; modelling it as
// a type keeps the parsing of grants in one place when more arrive.
type grantType string

const grantClientCredentials grantType = "client_credentials"

// parseGrantType reads grant_type, accepting either case ("CLIENT_CREDENTIALS" is how
// SailPoint's parameter table writes it).
func parseGrantType(s string) (grantType, bool) {
	if strings.EqualFold(s, string(grantClientCredentials)) {
		return grantClientCredentials, true
	}
	return "", false
}

// tokenRequest is a parsed client-credentials request.
type tokenRequest struct {
	grant        grantType
	clientID     string
	clientSecret string
	scopes       []string
	basic        bool // credentials came in an Authorization: Basic header
}

// oauthError is an RFC 6749 §5.2 error answer.
type oauthError struct {
	status      int
	code        string
	description string
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

func invalidRequest(desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_request", desc}
}

// parseTokenRequest reads the parameters from a form body, a multipart body or the query
// string, and the client credentials from those or from HTTP Basic. The client id is
// returned even when the request is otherwise bad, so that it can still be rate limited.
func parseTokenRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, *oauthError) {
	var tr tokenRequest
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequest)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(maxTokenRequest)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return tr, invalidRequest("the request body could not be read as a form")
	}
	for name, vs := range r.Form {
		if len(vs) > 1 {
			return tr, invalidRequest("parameter " + name + " is given more than once")
		}
	}
	tr.clientID = r.Form.Get("client_id")
	tr.clientSecret = r.Form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return tr, &oauthError{http.StatusUnauthorized, "invalid_client", "the Basic credentials are not form-encoded"}
		}
		if tr.clientSecret != "" || tr.clientID != "" && tr.clientID != id {
			return tr, invalidRequest("client credentials are given both in the Authorization header and as parameters")
		}
		tr.clientID, tr.clientSecret, tr.basic = id, secret, true
	}
	if len(tr.clientID) > maxClientIDLen {
		tr.clientID = ""
		return tr, &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
	}
	gt := r.Form.Get("grant_type")
	if gt == "" {
		return tr, invalidRequest("grant_type is required")
	}
	g, ok := parseGrantType(gt)
	if !ok {
		return tr, &oauthError{http.StatusBadRequest, "unsupported_grant_type", "only the client_credentials grant is supported"}
	}
	tr.grant = g
	if tr.clientID == "" || tr.clientSecret == "" {
		return tr, &oauthError{http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required"}
	}
	tr.scopes = strings.Fields(r.Form.Get("scope"))
	return tr, nil
}

// Rate-limit key spaces of the token endpoint (ratelimit.Key's api part).
const (
	// limitIssued counts the tokens issued to a client: the documented per-client limit.
	limitIssued = "oauth"
	// limitFailedAddr counts failed token requests from one remote address. Past the limit
	// the address gets 429 for every token request until the window ends, so that
	// guessing is throttled where it comes from.
	limitFailedAddr = "oauth-failed-addr"
	// limitFailedClient counts failed attempts naming one client id. Past the limit further
	// failures get 429 instead of 401 (and a warning is logged), but a request with the
	// correct secret is still answered: nobody can lock a client out by naming it.
	limitFailedClient = "oauth-failed-client"
)

// TokenHandler serves POST /oauth/token: the client-credentials grant with credentials in a
// form body, a multipart body, query parameters or HTTP Basic. Errors follow RFC 6749
// (invalid_request and unsupported_grant_type 400, invalid_client 401, invalid_scope 400),
// always as JSON. With a limiter, failed requests are limited per remote address and per
// client id (see limitFailedAddr, limitFailedClient) and issued tokens per client id.
func (s *Service) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeOAuthError(w, &oauthError{http.StatusMethodNotAllowed, "invalid_request", "the token endpoint accepts POST only"}, false)
			return
		}
		ctx := r.Context()
		addr := remoteAddr(r)
		if s.limiter != nil {
			if res, err := s.limiter.Peek(ctx, ratelimit.Key(limitFailedAddr, addr)); err == nil && !res.Allowed {
				ratelimit.WriteExceeded(w, res.RetryAfter)
				return
			}
		}
		tr, perr := parseTokenRequest(w, r)
		if perr != nil {
			if s.failed(w, r, addr, tr.clientID) {
				return
			}
			writeOAuthError(w, perr, tr.basic)
			return
		}
		_, resp, err := s.Issue(ctx, tr.clientID, tr.clientSecret, tr.scopes)
		if err != nil {
			var e *certsum.Error
			switch code := certsum.ErrorCode(err); {
			case code == certsum.CodeUnauthenticated:
				if s.failed(w, r, addr, tr.clientID) {
					return
				}
				writeOAuthError(w, &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}, tr.basic)
			case code == certsum.CodeInvalid && errors.As(err, &e) && e.Field == "scope":
				writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_scope", e.Message}, false)
			default:
				s.logger.Error("token request failed", "client_id", tr.clientID, "err", err)
				writeOAuthError(w, &oauthError{http.StatusInternalServerError, "server_error", "the token could not be issued"}, false)
			}
			return
		}
		if s.limiter != nil {
			if res, err := s.limiter.Allow(ctx, ratelimit.Key(limitIssued, tr.clientID)); err == nil && !res.Allowed {
				ratelimit.WriteExceeded(w, res.RetryAfter)
				return
			}
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		writeJSON(w, http.StatusOK, resp)
	})
}

// failed counts a failed token request against its remote address and, when it names one,
// its client id. It answers 429 itself, and reports true, when either count is past the
// limit; otherwise the caller answers the failure.
func (s *Service) failed(w http.ResponseWriter, r *http.Request, addr, clientID string) bool {
	if s.limiter == nil {
		return false
	}
	ctx := r.Context()
	res, err := s.limiter.Allow(ctx, ratelimit.Key(limitFailedAddr, addr))
	if err == nil && !res.Allowed {
		ratelimit.WriteExceeded(w, res.RetryAfter)
		return true
	}
	if clientID == "" {
		return false
	}
	res, err = s.limiter.Allow(ctx, ratelimit.Key(limitFailedClient, clientID))
	if err == nil && !res.Allowed {
		s.logger.Debug("failed token requests for one client past the limit", "client_id", clientID, "remote_addr", addr)
		ratelimit.WriteExceeded(w, res.RetryAfter)
		return true
	}
	return false
}

// remoteAddr is the host part of the request's remote address (the peer certsum sees; a
// proxy in front of certsum shows as one address).
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeOAuthError writes an RFC 6749 error body; a failed Basic authentication also gets
// the WWW-Authenticate challenge RFC 6749 §5.2 asks for.
func writeOAuthError(w http.ResponseWriter, e *oauthError, basic bool) {
	if e.status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="certsum"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

// writeJSON writes v as the application/json body with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// jwk is one public key of the JWKS document (RFC 7517, 7518 §6.2).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// JWKSHandler serves GET /.well-known/jwks.json: the public keys that verify tokens now,
// active and retired, newest first.
func (s *Service) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		keys, err := s.keys.verifying(r.Context())
		if err != nil {
			s.logger.Error("cannot read signing keys for JWKS", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "signing keys are unavailable"})
			return
		}
		doc := struct {
			Keys []jwk `json:"keys"`
		}{Keys: make([]jwk, 0, len(keys))}
		for _, k := range keys {
			x, y, err := coordinates(k.pub)
			if err != nil {
				continue
			}
			doc.Keys = append(doc.Keys, jwk{Kty: "EC", Crv: "P-256", Alg: algorithm, Use: "sig", Kid: k.kid, X: x, Y: y})
		}
		w.Header().Set("Cache-Control", "public, max-age=60")
		writeJSON(w, http.StatusOK, doc)
	})
}

// Authenticate verifies the bearer token of every request and passes it on with the
// Principal in its context (PrincipalFrom). A missing, malformed, expired, wrongly signed
// or otherwise unacceptable token is answered 401 {"error":"JWT validation failed: <why>"}
// as application/json; the scheme "Bearer" is matched in any case. When the store cannot
// be read to check the token it answers 503 in the same shape.
func (s *Service) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, reason := bearerToken(r)
		if reason != "" {
			writeUnauthorized(w, unauthenticated(reason))
			return
		}
		p, err := s.Verify(r.Context(), token)
		if err != nil {
			if certsum.ErrorCode(err) == certsum.CodeUnauthenticated {
				s.logger.Debug("token refused", "reason", certsum.ErrorText(err), "path", r.URL.Path)
				writeUnauthorized(w, err)
				return
			}
			s.logger.Error("cannot verify token", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "token verification is unavailable; try again"})
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header, or says why
// there is none.
func bearerToken(r *http.Request) (token, reason string) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0 || strings.TrimSpace(values[0]) == "":
		return "", reasonMissing
	case len(values) > 1:
		return "", reasonMalformed
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", reasonScheme
	}
	token = strings.TrimSpace(rest)
	if token == "" {
		return "", reasonMissing
	}
	return token, ""
}

// writeUnauthorized writes the documented 401 body {"error":"<why>"} with an RFC 6750
// challenge.
func writeUnauthorized(w http.ResponseWriter, err error) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": certsum.ErrorText(err)})
}
