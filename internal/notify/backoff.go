package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff says how long to wait before the next attempt of a delivery.
type Backoff struct {
	// Base is the wait after the first failed attempt (default 30 s); it
	// doubles with every further failure.
	Base time.Duration
	// Max caps the wait (default 6 h).
	Max time.Duration
}

// Delay returns the pause after the failed attempt number attempt (1 for
// the first): Base·2^(attempt-1), capped at Max, with "equal jitter" — half
// of it fixed, the other half uniformly random — so receivers that failed
// together are not retried together.
func (b Backoff) Delay(attempt int) time.Duration {
	base, max := b.Base, b.Max
	if base <= 0 {
		base = 30 * time.Second
	}
	if max <= 0 {
		max = 6 * time.Hour
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}
