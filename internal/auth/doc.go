// Package auth is certsum's OAuth 2.0 client-credentials server and token verifier: it
// registers clients (personal access tokens owned by an identity, and API clients without
// one) with hashed secrets, issues ES256 JWTs from POST /oauth/token, keeps the signing keys
// in the store so that every replica verifies every other's tokens, rotates them, serves the
// public keys as JWKS, and puts the verified Principal in the request context. Policy that
// needs the resource (admin or reviewer, 404 before 403) belongs to the HTTP layer, which
// uses the accessors here.
package auth
