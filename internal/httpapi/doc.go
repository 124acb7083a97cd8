// Package httpapi serves certsum's JSON REST API: the SailPoint ISC v2024 certification and
// certification-summary routes under /v2024, the OAuth token endpoint and the JWKS document.
// It owns the middleware chain (request id, access log, panic recovery, bearer-token
// verification, rate limiting, per-route scopes), the per-certification authorization rule,
// the only table that maps certsum error codes to HTTP statuses, and the only writers of JSON
// bodies and error bodies. It talks to storage only through certsum.Store and never listens;
// cmd/certsum owns the http.Server.
package httpapi
