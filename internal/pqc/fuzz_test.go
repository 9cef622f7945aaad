package pqc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// FuzzCheckCBOM reads arbitrary bytes as a CBOM and rates it: nothing may
// panic, every asset gets a known rating, an unknown one is never a pass,
// and warnings name a place.
func FuzzCheckCBOM(f *testing.F) {
	for _, rel := range []string{
		"sbom/cyclonedx-bom-examples/CBOM/Algorithm/bom.json", "sbom/cyclonedx-bom-examples/CBOM/Key/bom.json",
		"sbom/cyclonedx-bom-examples/CBOM/Protocol/bom.json", "sbom/cyclonedx-bom-examples/CBOM/Certificate/bom.json",
		"sbom/cyclonedx-bom-examples/CBOM/Example-With-Dependencies/bom.json",
		"sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-full-1.6.json",
		"sbom/cyclonedx-spec/test-resources/1.7/valid-cryptography-full-1.7.json",
		"sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-full-1.6.xml",
		"sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-implementation-1.6.xml",
	} {
		b, err := os.ReadFile(testdata.Path(f, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, p := range []string{"../../examples/home-router/cbom.cdx.json", "../../examples/smart-plug/cbom.cdx.json"} {
		if b, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(b)
		}
	}
	pol, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := sbom.Parse(bytes.NewReader(data), "fuzz", sbom.Options{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		res, err := CheckDocument(doc, "fuzz", Options{On: date("2026-12-03"), SupportUntil: date("2031-06-30"), Policy: pol})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Assets {
			if !validRating(a.Rating) || a.Status == "" {
				t.Fatalf("asset %q: rating %q status %q", a.Name, a.Rating, a.Status)
			}
			if a.Rating == Unknown && a.Status == StatusOK {
				t.Fatalf("asset %q: unknown but ok", a.Name)
			}
		}
		if res.Ready && len(res.Findings) > 0 {
			t.Fatal("ready with findings")
		}
		for _, w := range res.Warnings {
			if w.Location == "" || w.Message == "" {
				t.Fatalf("warning without place: %+v", w)
			}
		}
	})
}
