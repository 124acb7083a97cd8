package sqlstore

import "time"

// What a backend tells an operator (internal/metrics): how its transactions go and how its
// connection pools stand. Both backends report the same figures the same way.

// TxObserver sees every transaction a backend ran: whether it wrote, how long it took from
// its begin to its commit or rollback, and the error it ended with (nil when committed).
type TxObserver func(write bool, d time.Duration, err error)

// PoolStats are a backend's connection figures at one moment, summed over its pools.
type PoolStats struct {
	Open, InUse, Idle, Max int
	// Waits counts the requests that waited for a connection, WaitTime their total wait.
	Waits    int64
	WaitTime time.Duration
}

// PoolReporter is a store that reports its connection figures.
type PoolReporter interface {
	PoolStats() PoolStats
}

// Observe calls o, when set, with a transaction that began at start.
func (o TxObserver) Observe(write bool, start time.Time, err error) {
	if o != nil {
		o(write, time.Since(start), err)
	}
}
