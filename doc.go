// Package certsum holds the domain of certsum, a self-hosted server for access
// certification campaigns that implements SailPoint Identity Security Cloud's v2024
// Certification Summaries API: the resource types (whose JSON tags are the wire format of
// the v2024 OpenAPI document), the filter/sorter schema of every list endpoint, the closed
// set of error codes, and the storage interfaces that every backend implements.
//
// The package imports only the standard library and certsum/query, so that the client
// package can depend on it without pulling in servers or drivers.
package certsum
