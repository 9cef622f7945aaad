package dossier

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestLoadRecognisesOtherDocuments passes real SBOMs, VEX documents and a
// gzip file where a dossier belongs: each gives one NotADossierError naming
// the format instead of a list of unknown-field issues.
func TestLoadRecognisesOtherDocuments(t *testing.T) {
	tests := []struct {
		rel, kind, format string
	}{
		{"sbom/osv-scanner-fixtures/sbom-insecure/alpine-zlib-16.cdx.json", KindSBOM, "CycloneDX JSON"},
		{"sbom/osv-scanner-fixtures/sbom-insecure/alpine.cdx.xml", KindSBOM, "CycloneDX XML"},
		{"sbom/osv-scanner-fixtures/sbom-insecure/only-unimportant.spdx.json", KindSBOM, "SPDX JSON"},
		{"sbom/spdx-tools-golang/sample-docs/tv/hello.spdx", KindSBOM, "SPDX tag-value"},
		{"sbom/spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json", KindSBOM, "SPDX 3.0 JSON-LD"},
		{"sbom/bom-shelter/in-the-lab-subset/vmware_nginx-photon.syft.spdx.json.gz", KindGzip, "gzip"},
		{"vex/openvex/go-vex-csaf-testdata/openvex.json", KindVEX, "OpenVEX"},
		{"vex/openvex/go-vex-csaf-testdata/csaf.json", KindVEX, "CSAF"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.rel), func(t *testing.T) {
			path := testdata.Path(t, tt.rel)
			_, err := Load(path)
			var nd *NotADossierError
			if !errors.As(err, &nd) || !errors.Is(err, ErrNotADossier) {
				t.Fatalf("Load = %v, want a NotADossierError", err)
			}
			if nd.Kind != tt.kind || !strings.HasPrefix(nd.Format, tt.format) || nd.File != path {
				t.Errorf("got %+v, want kind %q format %q file %q", nd, tt.kind, tt.format, path)
			}
			if strings.Count(err.Error(), "\n") != 0 || strings.Contains(err.Error(), "unknown field") {
				t.Errorf("want one line, got %q", err)
			}
		})
	}
}

// TestLoadSentinels checks the sentinel causes a caller maps to advice.
func TestLoadSentinels(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	badID := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := minimal + "notApplicable:\n  - requirement: CRA-I.2.z\n    justification: none\n"
	if err := os.WriteFile(badID, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"folder without dossier.yaml", dir, ErrMissing},
		{"no such path", filepath.Join(dir, "nope"), ErrMissing},
		{"empty file", empty, ErrEmpty},
		{"unknown requirement", badID, ErrUnknownRequirement},
		{"real example is a dossier", "../../examples/smart-plug", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %v, want errors.Is %v", err, tt.want)
			}
			if errors.Is(err, ErrNotADossier) {
				t.Errorf("%v should not be ErrNotADossier", err)
			}
		})
	}
}

// FuzzSniff feeds arbitrary bytes to the recogniser of other documents,
// seeded with the start of real SBOMs and VEX documents: it must never
// panic, and what it recognises it must name completely.
func FuzzSniff(f *testing.F) {
	addRealSeeds(f, 4<<10, otherDocuments)
	f.Add([]byte(minimal))
	f.Add([]byte{0x1f, 0x8b, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		err := sniff(data, "f")
		if err == nil {
			return
		}
		var nd *NotADossierError
		if !errors.As(err, &nd) || nd.File != "f" || nd.Kind == "" || nd.Format == "" || strings.Contains(err.Error(), "\n") {
			t.Fatalf("sniff: %v", err)
		}
	})
}

// otherDocuments are real SBOMs and VEX documents from the shared data
// that seed the fuzz targets: a CycloneDX JSON, CycloneDX XML, SPDX
// tag-value and OpenVEX file first, then SPDX JSON, SPDX 3.0 and CSAF.
var otherDocuments = []string{
	"sbom/osv-scanner-fixtures/sbom-insecure/alpine-zlib-16.cdx.json",
	"sbom/osv-scanner-fixtures/sbom-insecure/alpine.cdx.xml",
	"sbom/spdx-tools-golang/sample-docs/tv/hello.spdx",
	"vex/openvex/go-vex-csaf-testdata/openvex.json",
	"sbom/osv-scanner-fixtures/sbom-insecure/only-unimportant.spdx.json",
	"sbom/spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json",
	"vex/openvex/go-vex-csaf-testdata/csaf.json",
}

// addRealSeeds adds the first n bytes of each shared-data file as a seed.
func addRealSeeds(f *testing.F, n int, rels []string) {
	for _, rel := range rels {
		data, err := os.ReadFile(testdata.Path(f, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), n)])
	}
}
