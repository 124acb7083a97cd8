package postgres

// Test helpers for the external test package (replica_test.go), which may import the HTTP
// layer that this package itself must never depend on.
var (
	MustSchemaDSN = mustSchemaDSN
	TestDSN       = testDSN
)
