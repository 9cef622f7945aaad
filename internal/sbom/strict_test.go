package sbom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// strictSemanticOnly are CycloneDX "invalid" conformance files whose flaw no
// JSON schema can see (uniqueness of bom-refs, references to unknown refs).
// dualmark reads them and reports the flaw as a warning instead; the test
// checks that warning.
var strictSemanticOnly = map[string]string{}

// TestStrictConformance validates every CycloneDX JSON conformance file of
// cyclonedx-spec/test-resources: valid-* must pass --strict, invalid-* must
// be rejected with the failing field named.
func TestStrictConformance(t *testing.T) {
	root := testdata.Path(t, "sbom/cyclonedx-spec/test-resources")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	var valid, invalid int
	for _, f := range files {
		base := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := Parse(strings.NewReader(string(data)), base, Options{Strict: true})
		switch {
		case strings.HasPrefix(base, "valid-"):
			valid++
			if err != nil {
				t.Errorf("%s: valid file rejected: %v", f, err)
			}
		case strings.HasPrefix(base, "invalid-"):
			invalid++
			if want, ok := strictSemanticOnly[base]; ok {
				if err != nil || !hasWarning(doc, want) {
					t.Errorf("%s: want a warning containing %q, got err=%v", base, want, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: invalid file accepted by --strict", f)
			} else if !strings.Contains(err.Error(), "/") {
				t.Errorf("%s: error names no field: %v", base, err)
			}
		}
	}
	if valid < 100 || invalid < 50 {
		t.Errorf("only %d valid and %d invalid conformance files found", valid, invalid)
	}
	t.Logf("%d valid and %d invalid CycloneDX JSON conformance files", valid, invalid)
}

func hasWarning(doc *Document, frag string) bool {
	if doc == nil {
		return false
	}
	for _, w := range doc.Warnings {
		if strings.Contains(w.Message, frag) {
			return true
		}
	}
	return false
}

func TestStrictSPDX3(t *testing.T) {
	good := testdata.Path(t, "sbom/spdx-examples/software/example1/spdx3.0/example1.json")
	if _, err := ParseFile(good, Options{Strict: true}); err != nil {
		t.Errorf("valid SPDX 3 example rejected: %v", err)
	}
	doc, err := ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml"), Options{Strict: true})
	if err != nil || hasWarning(doc, "no schema") {
		t.Errorf("strict XML: want schema validation (via the JSON form) to pass, got %v", err)
	}
}
