package assess

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

// BenchmarkEvaluate assesses the router example against all three regimes
// with the real catalog. An assessment is interactive: it must stay well
// under 50 ms.
func BenchmarkEvaluate(b *testing.B) {
	d, err := dossier.Load(filepath.Join("..", "..", "examples", "home-router"))
	if err != nil {
		b.Fatal(err)
	}
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for b.Loop() {
		if _, err := Evaluate(d, Inputs{On: testOn, Catalog: cat}); err != nil {
			b.Fatal(err)
		}
	}
	if per := time.Since(start) / time.Duration(b.N); per > 50*time.Millisecond {
		b.Fatalf("Evaluate took %v per assessment, want < 50 ms", per)
	}
}
