package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/sbomtest"
	"github.com/dualmark/dualmark/internal/testdata"
)

func loadBench(b *testing.B, rel string) []byte {
	b.Helper()
	data, err := os.ReadFile(testdata.Path(b, rel))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// mapDecodeTime is the CPU time encoding/json takes to decode data into
// map[string]any, the yardstick of the speed target.
func mapDecodeTime(data []byte) time.Duration {
	return cpuTime(func() {
		var m map[string]any
		_ = json.Unmarshal(data, &m)
	})
}

func benchParse(b *testing.B, rel string, target float64) {
	data := loadBench(b, rel)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var doc *Document
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		doc, err = Parse(bytes.NewReader(data), rel, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(doc.Components)), "components")
	if target > 0 {
		// compare CPU time, best of 7, interleaved, so that the load of
		// other processes on the shared machine does not count
		base, ours := time.Duration(1<<62), time.Duration(1<<62)
		for i := 0; i < 7; i++ {
			runtime.GC()
			base = min(base, mapDecodeTime(data))
			runtime.GC()
			ours = min(ours, cpuTime(func() {
				if _, err := Parse(bytes.NewReader(data), rel, Options{}); err != nil {
					b.Fatal(err)
				}
			}))
		}
		per := ours
		b.ReportMetric(float64(ours)/1e6, "cpu-ms")
		ratio := float64(base) / float64(per)
		b.ReportMetric(ratio, "x-map-speed")
		// the target is >= 0.5x the speed of map decoding; fail
		// only when it is missed by far, as the machine is shared
		if ratio < target/2 {
			b.Fatalf("%s: parse %v vs map[string]any %v = %.2fx, target >= %.2fx", rel, per, base, ratio, target)
		}
	}
}

func BenchmarkParseCycloneDXJSON1k(b *testing.B)   { benchParse(b, "bench/synth-1000.cdx.json", 0.5) }
func BenchmarkParseCycloneDXJSON10k(b *testing.B)  { benchParse(b, "bench/synth-10000.cdx.json", 0.5) }
func BenchmarkParseCycloneDXJSON50k(b *testing.B)  { benchParse(b, "bench/synth-50000.cdx.json", 0.5) }
func BenchmarkParseCycloneDXJSON100k(b *testing.B) { benchParse(b, "bench/synth-100000.cdx.json", 0.5) }
func BenchmarkParseSPDXJSON10k(b *testing.B)       { benchParse(b, "bench/synth-10000.spdx.json", 0.5) }

// BenchmarkParseLargestReal reads the largest real SBOMs staged.
func BenchmarkParseLargestReal(b *testing.B) {
	for _, rel := range []string{
		"sbom/bom-shelter/in-the-wild/spdx/constellation-spdx.json",
		"sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml",
		"sbom/bom-shelter/in-the-wild/spdx/grype-sbom.spdx",
	} {
		b.Run(rel[len("sbom/"):], func(b *testing.B) { benchParse(b, rel, 0) })
	}
}

// TestPeakMemory checks the memory target: while the 100,000
// component CycloneDX JSON is read, the heap (HeapAlloc: live objects plus
// garbage not yet collected, sampled every 2 ms) grows by at most 3x the
// file size.
func TestPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 40+ MB file")
	}
	path := testdata.Path(t, "bench/synth-100000.cdx.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	stop := sbomtest.SampleHeap()
	doc, err := ParseFile(path, Options{})
	used := stop()
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(used) / float64(st.Size())
	t.Logf("%d components, file %d bytes, peak heap growth %d bytes = %.2fx", len(doc.Components), st.Size(), used, ratio)
	if ratio > 3 {
		t.Errorf("peak heap growth %.2fx the file size, target <= 3x", ratio)
	}
}
