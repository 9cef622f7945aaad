//go:build !unix

package sbom

import "time"

// cpuTime falls back to wall time where getrusage is not available.
func cpuTime(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
