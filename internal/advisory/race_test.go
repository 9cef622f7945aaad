//go:build race

package advisory

// raceEnabled reports whether the tests run under the race detector, which
// slows this package's decoding 5-20 times: time bounds meant for a plain
// build are widened with it.
const raceEnabled = true
