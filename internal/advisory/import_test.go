package advisory

import (
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestImportStagedData imports everything the speed targets name and pins
// the counts SOURCES.md gives for the staged feeds.
func TestImportStagedData(t *testing.T) {
	if testing.Short() {
		t.Skip("imports all staged data")
	}
	im := NewImporter()
	for _, rel := range stagedSources {
		if err := im.Add(testdata.Path(t, rel)); err != nil {
			t.Fatal(err)
		}
	}
	p := im.Provenance()
	want := map[string]int{
		"AlmaLinux": 5637, // 5680 records, 37 duplicate ids (newest modified kept)
		"Bitnami":   7444,
		"Go":        4291,
		"OSS-Fuzz":  4014, // 4019 with the package, less 5 duplicate ids
		"crates.io": 1206,
		"Maven":     5202,
		"NuGet":     660,
		"npm":       467,
		"CRAN":      14,
		"Hackage":   32,
		"GHC":       3,
		"(none)":    132, // CPython: GIT ranges only
	}
	for eco, n := range want {
		if p.Ecosystems[eco] != n {
			t.Errorf("%s: %d records, want %d", eco, p.Ecosystems[eco], n)
		}
	}
	if p.Records != 31729 || p.KEVEntries != 1404 || p.KEVCatalog != "2025.08.25" || p.EPSSScores != 360142 {
		t.Errorf("records %d (want 31729), KEV %d %q (want 1404, 2025.08.25), EPSS %d (want 360142)", p.Records, p.KEVEntries, p.KEVCatalog, p.EPSSScores)
	}
	// The only thing skipped is the KEV JSON schema, which is not data.
	if len(im.Issues) != 1 || !strings.HasSuffix(im.Issues[0].File, "known_exploited_vulnerabilities_schema.json") {
		t.Errorf("issues: %v", im.Issues)
	}
}
