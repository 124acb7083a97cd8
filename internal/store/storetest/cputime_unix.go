//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time the process has used, or -1.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
