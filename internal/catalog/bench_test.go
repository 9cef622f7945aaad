package catalog

import (
	"testing"
	"time"
)

// BenchmarkParse measures loading and checking the embedded data (done
// once per process by Load).
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(dataFS); err != nil {
			b.Fatal(err)
		}
	}
	if per := b.Elapsed() / time.Duration(b.N); per > 500*time.Millisecond {
		b.Fatalf("Parse takes %v; it runs at every dualmark start, keep it well under 500ms", per)
	}
}

// BenchmarkCoverage measures the full coverage table (Map for every
// requirement against every regime).
func BenchmarkCoverage(b *testing.B) {
	c := mustLoad(b)
	for b.Loop() {
		c.Coverage()
	}
}
