// Package client is the typed Go client of certsum's v2024 certification and certification
// summary API, and the only way the certsum command-line tool talks to a server.
//
// A Client fetches an OAuth2 client-credentials token lazily from {base}/oauth/token,
// refreshes it before it expires and once more after a 401, retries reads (and the
// idempotent decide) after a 429 (waiting Retry-After), a 5xx or a connection error (with
// capped exponential backoff and jitter), and turns every error response back into a
// *certsum.Error so that certsum.ErrorCode reports the same code on both sides of the wire.
// There is one method per operation of the API, named after its operationId, and an All…
// iterator for every list operation that walks the whole collection page by page.
//
// The package imports only certsum and the standard library, so it can become a module of
// its own.
package client
