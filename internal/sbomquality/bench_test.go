package sbomquality

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/sbomtest"
)

// BenchmarkCheckMillion reads and checks 1,000,000 components (the work of
// `sbom check`, with the CLI's soft memory limit) and asserts the peak heap
// growth (HeapAlloc sampled every 2 ms, garbage included) against the file
// size, the target being 3x. The lean shape (147 bytes of JSON per
// component, of which the 224-byte Component alone is 1.5x) measured
// 3.87-4.06x until 2026-12-06, when ParseFile began streaming large
// CycloneDX JSON files (sbom.parseCycloneDXJSONStream: the file's bytes no
// longer held, its name, version and dependency refs shared with other
// strings) and the dependency check dropped its two maps of 1,000,000
// refs: 2.40-2.44x; the rich shape went from 2.70-2.88x to 2.10-2.11x.
// The bounds are those figures with a margin for the shared machine's GC
// timing: a regression past them fails.
func BenchmarkCheckMillion(b *testing.B) {
	for _, c := range []struct {
		name  string
		rich  bool
		bound float64
	}{{"lean", false, 2.7}, {"rich", true, 2.4}} {
		b.Run(c.name, func(b *testing.B) {
			path := sbomtest.CycloneDXJSON(b, b.TempDir(), 1_000_000, c.rich)
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			b.ResetTimer()
			// as the CLI does (cmd/dualmark limitMemory): a soft limit of
			// 2.5x the file, at least 256 MiB
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(max(st.Size()*5/2, 256<<20)))
			for range b.N {
				stop := sbomtest.SampleHeap()
				doc, err := sbom.ParseFile(path, sbom.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Check(doc, ProfileBSI21); err != nil {
					b.Fatal(err)
				}
				used := stop()
				ratio := float64(used) / float64(st.Size())
				b.ReportMetric(ratio, "x-file")
				b.ReportMetric(float64(used>>20), "peak-MB")
				if ratio > c.bound {
					b.Fatalf("%s: peak heap growth %d MB = %.2fx the %d MB file, bound %.1fx", c.name, used>>20, ratio, st.Size()>>20, c.bound)
				}
			}
		})
	}
}
