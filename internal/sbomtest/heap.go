// Package sbomtest holds what the tests and benchmarks of the SBOM
// packages (sbom, sbomquality, sbomschema, cmd/dualmark) share: a
// race-safe sampler of peak heap and writers of generated SBOMs of a
// million components. Only tests import it.
package sbomtest

import (
	"runtime"
	"sync"
	"time"
)

// SampleHeap starts sampling the heap (HeapAlloc: live objects plus
// garbage not yet collected) every 2 ms; the returned stop function ends
// the sampling, waits for the sampler to finish and returns the peak growth
// over the heap at the start. The sampler owns peak until it has exited,
// which is what the race detector found missing in the first version.
func SampleHeap() (stop func() uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		peak = max(peak, after.HeapAlloc)
		return peak - min(peak, before.HeapAlloc)
	}
}
