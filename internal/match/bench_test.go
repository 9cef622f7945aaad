package match

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/testdata"
)

// benchComponents reads the components of a synthetic CycloneDX SBOM.
func benchComponents(tb testing.TB, rel string) []Component {
	tb.Helper()
	b, err := os.ReadFile(testdata.Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Components []struct {
			Ref     string `json:"bom-ref"`
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	out := make([]Component, len(doc.Components))
	for i, c := range doc.Components {
		out[i] = Component{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL}
	}
	return out
}

// BenchmarkWarmMatch measures warm matching: a Matcher whose per-package
// range matchers are compiled checks the 10,000 components of the synthetic
// SBOM again and again. Target (issue 4): ≥ 1,000,000 component checks/s.
func BenchmarkWarmMatch(b *testing.B) {
	comps := benchComponents(b, "bench/synth-10000.cdx.json")
	m := NewMatcher(NewIndex(staged(b)))
	for i := range comps {
		if _, _, err := m.MatchComponent(&comps[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	checks := 0
	for b.Loop() {
		for i := range comps {
			m.MatchComponent(&comps[i])
		}
		checks += len(comps)
	}
	rate := float64(checks) / time.Since(start).Seconds()
	b.ReportMetric(rate, "checks/s")
	if rate < 250_000 {
		b.Fatalf("warm matching %.0f checks/s, target 1,000,000", rate)
	}
}
