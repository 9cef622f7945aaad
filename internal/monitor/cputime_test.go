//go:build unix

package monitor

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used: on a
// loaded shared machine the benchmarks assert their targets on it, and
// report wall time beside it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
