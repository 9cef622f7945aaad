//go:build !unix

package advisory

import "time"

// cpuTime is not measured where getrusage is missing; assertions on it
// then always pass.
func cpuTime() time.Duration { return 0 }
