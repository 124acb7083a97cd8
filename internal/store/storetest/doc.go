// Package storetest is the conformance suite every certsum storage backend runs:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t testing.TB) certsum.Store { return openFreshStore(t) })
//	}
//
// Run loads a fixed, hand-made dataset (Fixture) into fresh stores and checks, in named
// subtests per capability, every store method and error code; every filter, sorter and
// paging case of every endpoint schema (certsum's schema.go), differentially against the
// query package's reference semantics (query.Eval and query.Select) over an independent model
// of the data; the summary counters against Verify and against a recount from the listed
// review items; a random decide/change/repeat property test; concurrent deciding, signing off
// and reassigning on one certification; and UTC round trips of every stored time.
//
// Each newStore call must return an empty, migrated store of its own that the test owns (the
// factory registers its clean-up with t.Cleanup), using the wall clock or any clock that does
// not run backwards.
package storetest
