// Package sdktest proves that SailPoint's official SDKs work against certsum unchanged. It
// is a module of its own so that the SDKs and their dependencies never enter certsum's
// go.mod. Its tests start the real certsum API in-process (a SQLite file in a temporary
// directory, the demo dataset, the token endpoint and the v2024 routes behind
// httptest.NewServer), point the SDK at it exactly as a user would, through SAIL_BASE_URL,
// SAIL_CLIENT_ID and SAIL_CLIENT_SECRET, and check every certification and certification
// summary operation: that the SDK decodes each answer, that the values agree with what
// certsum's store holds, that paging, counting, errors and retries behave as the SDK
// expects. The ts directory does the same for the TypeScript SDK.
//
// Run it from this directory with `go test ./...`; after `npm ci` in ts, set
// CERTSUM_SDKTEST_TS=1 to make a missing node or SDK a failure instead of a skip.
package sdktest
