//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process used so far: on
// a shared machine it says what a benchmark costs where wall time cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
