// Package web holds the dashboard's templates and static files, embedded in the binary
// (internal/ui serves them).
package web

import "embed"

// FS is the templates/ and static/ folders.
//
//go:embed templates static
var FS embed.FS
