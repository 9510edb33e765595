//go:build unix

// Package cputime tells the CPU time the process used: on a shared machine
// it says what a benchmark costs where wall time cannot.
package cputime

import (
	"syscall"
	"time"
)

// Used is the CPU time (user and system) this process used so far.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
