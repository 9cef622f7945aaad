package sbom

import (
	"io"
	"os"
	"runtime/debug"
	"testing"

	"github.com/dualmark/dualmark/internal/sbomtest"
)

// millionBound is issue 16's memory target: the heap may grow by at most
// 3x the size of the file read.
const millionBound = 3.0

// benchMillion reads the file at path (with the CLI's soft memory limit,
// cmd/dualmark limitMemory: 2.5x the file, at least 256 MiB), runs work on
// the document and asserts the peak heap growth (HeapAlloc sampled every
// 2 ms, garbage included, the file's bytes included) against bound times
// the file size.
func benchMillion(b *testing.B, path string, bound float64, work func(*Document) error) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(max(st.Size()*5/2, 256<<20)))
	b.ResetTimer()
	for range b.N {
		stop := sbomtest.SampleHeap()
		var doc *Document
		var err error
		cpu := cpuTime(func() {
			doc, err = ParseFile(path, Options{})
			if err == nil && work != nil {
				err = work(doc)
			}
		})
		used := stop()
		b.ReportMetric(float64(cpu.Milliseconds()), "cpu-ms")
		if err != nil {
			b.Fatal(err)
		}
		ratio := float64(used) / float64(st.Size())
		b.ReportMetric(ratio, "x-file")
		b.ReportMetric(float64(used>>20), "peak-MB")
		if ratio > bound {
			b.Fatalf("peak heap growth %d MB = %.2fx the %d MB file, bound %.1fx", used>>20, ratio, st.Size()>>20, bound)
		}
	}
}

// BenchmarkMillionTagValue reads 1,000,000 SPDX 2.3 tag-value packages
// (the rich shape: supplier, SHA-256, licences, purl; a dependency chain).
func BenchmarkMillionTagValue(b *testing.B) {
	path := sbomtest.SPDXTagValue(b, b.TempDir(), 1_000_000)
	benchMillion(b, path, millionBound, nil)
}

// BenchmarkMillionConvert reads 1,000,000 rich CycloneDX components and
// converts them (the work of "sbom convert"), to each target.
func BenchmarkMillionConvert(b *testing.B) {
	path := sbomtest.CycloneDXJSON(b, b.TempDir(), 1_000_000, true)
	for _, target := range []string{TargetSPDX23JSON, TargetCycloneDX16JSON} {
		b.Run(target, func(b *testing.B) {
			benchMillion(b, path, millionBound, func(doc *Document) error { return Convert(io.Discard, doc, target) })
		})
	}
}

// BenchmarkMillionCycloneDXJSON reads 1,000,000 CycloneDX JSON components,
// lean (name, version, purl: 147 bytes of JSON each) and rich, streamed
// (what ParseFile does with a file this large) and whole (the bytes read
// at once, as below streamMinBytes), for the memory and CPU time of each.
func BenchmarkMillionCycloneDXJSON(b *testing.B) {
	for _, shape := range []struct {
		name string
		rich bool
	}{{"lean", false}, {"rich", true}} {
		b.Run(shape.name, func(b *testing.B) {
			path := sbomtest.CycloneDXJSON(b, b.TempDir(), 1_000_000, shape.rich)
			for _, mode := range []struct {
				name      string
				minStream int64
				bound     float64
			}{{"stream", 0, millionBound}, {"whole", 1 << 62, 4.5}} {
				b.Run(mode.name, func(b *testing.B) {
					defer func(m int64) { streamMinBytes = m }(streamMinBytes)
					streamMinBytes = mode.minStream
					benchMillion(b, path, mode.bound, nil)
				})
			}
		})
	}
}
