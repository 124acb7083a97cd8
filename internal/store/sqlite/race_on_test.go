//go:build race

package sqlite

// raceEnabled reports whether the race detector is on; the heaviest randomized tests run
// fewer steps under it, because it slows the pure-Go SQLite engine down about tenfold.
const raceEnabled = true
