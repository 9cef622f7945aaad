package assess

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
	"gopkg.in/yaml.v3"
)

// FuzzEvaluate feeds arbitrary dossier YAML to the engine: decoded without
// the loader's validation (so the engine is also safe on dossiers nobody
// checked: negative years, end before start, unknown IDs and enum values),
// Evaluate must assess without panicking, cover every requirement and give
// a valid verdict. Seeded with the three example dossiers (the byte picks
// the example folder). It decodes with yaml.v3 directly:
// dossier.Parse (which checks IDs against the full catalog) takes seconds
// per execution under the fuzzer's comparison tracing, and the loader has
// its own fuzz target.
func FuzzEvaluate(f *testing.F) {
	examples := []string{"smart-plug", "security-camera", "home-router"}
	file := func(i uint8) string {
		return filepath.Join("..", "..", "examples", examples[int(i)%len(examples)], "dossier.yaml")
	}
	for i := range examples {
		data, err := os.ReadFile(file(uint8(i)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(i))
	}
	f.Add([]byte("product: {name: X, model: Y}\nmanufacturer: {name: Z}\ncategory: {class: critical}\nsupportPeriod: {start: 2026-01-01, end: 2025-01-01, expectedUseYears: -3}\n"), uint8(0))
	// The small test catalog keeps each execution cheap under the
	// fuzzer's comparison tracing (with the full catalog an execution
	// takes seconds there); every check still runs on every input.
	cat := testCatalog()
	scan := &match.Result{Findings: []match.Finding{{KEV: true}, {Severity: "critical", Fixed: []string{"1"}}}}
	f.Fuzz(func(t *testing.T, data []byte, example uint8) {
		d := &dossier.Dossier{}
		if err := yaml.Unmarshal(data, d); err != nil {
			return
		}
		d.File = file(example)
		a, err := Evaluate(d, Inputs{On: testOn, Catalog: cat, Scan: scan, SBOM: &SBOMSummary{Format: "cyclonedx"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range AllRegimes {
			rr := a.Regimes[r]
			if rr == nil || verdictRank[rr.Verdict] == 0 && rr.Verdict != DoesNotConform {
				t.Fatalf("%s: bad result %+v", r, rr)
			}
			if rr.Counts.Total != len(rr.Requirements) {
				t.Fatalf("%s: counts %d for %d requirements", r, rr.Counts.Total, len(rr.Requirements))
			}
		}
	})
}
