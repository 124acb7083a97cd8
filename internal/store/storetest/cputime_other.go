//go:build !unix

package storetest

import "time"

// cpuTime returns -1: the process CPU time is not read on this system.
func cpuTime() time.Duration { return -1 }
