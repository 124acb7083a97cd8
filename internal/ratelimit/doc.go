// Package ratelimit counts requests per key in fixed windows (by default 100 per 10 seconds
// per client id and API version, as SailPoint's gateway does) and answers 429 with a
// Retry-After that really is long enough. Counters live in memory for a single server, or in
// Redis so that every replica shares them.
package ratelimit
