//go:build unix

package sbom

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) the process spent in f.
// The speed ratios of the benchmarks use it rather than wall time, which on
// a shared, overloaded machine measures mostly the other processes.
func cpuTime(f func()) time.Duration {
	var a, b syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &a)
	f()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &b)
	return time.Duration(b.Utime.Nano()-a.Utime.Nano()) + time.Duration(b.Stime.Nano()-a.Stime.Nano())
}
