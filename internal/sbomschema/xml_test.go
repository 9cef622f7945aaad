package sbomschema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// strictXMLGaps are CycloneDX XML "invalid" conformance files that --strict
// accepts, each with the reason. Keep this list short and honest; it is
// empty now: every invalid XML file of 1.2–1.7 is rejected.
var strictXMLGaps = map[string]string{}

// TestStrictConformanceXML validates every CycloneDX XML conformance file
// of cyclonedx-spec/test-resources 1.2–1.7: valid-* must pass --strict,
// invalid-* must be rejected with an error naming the XML element or
// attribute (an XPath-like /bom/... path).
func TestStrictConformanceXML(t *testing.T) {
	root := testdata.Path(t, "sbom/cyclonedx-spec/test-resources")
	var valid, invalid, gaps int
	for _, v := range []string{"1.2", "1.3", "1.4", "1.5", "1.6", "1.7"} {
		files, _ := filepath.Glob(filepath.Join(root, v, "*.xml"))
		if len(files) == 0 {
			t.Errorf("no XML conformance files for %s", v)
		}
		for _, f := range files {
			base := filepath.Base(f)
			t.Run(v+"/"+base, func(t *testing.T) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				doc, err := sbom.Parse(strings.NewReader(string(data)), base, sbom.Options{Strict: true})
				switch {
				case strings.HasPrefix(base, "valid-"):
					valid++
					if err != nil {
						t.Errorf("valid file rejected: %v", err)
					} else if hasWarning(doc, "no schema") {
						t.Errorf("valid file not schema-validated: %v", doc.Warnings)
					}
				case strings.HasPrefix(base, "invalid-"):
					invalid++
					if reason, ok := strictXMLGaps[base]; ok {
						gaps++
						if err != nil {
							t.Errorf("known gap (%s) is now rejected: remove it from strictXMLGaps: %v", reason, err)
						}
						return
					}
					if err == nil {
						t.Errorf("invalid file accepted by --strict")
					} else if !strings.Contains(err.Error(), "/bom") {
						t.Errorf("error names no XML element or attribute: %v", err)
					} else {
						t.Logf("%v", err)
					}
				}
			})
		}
	}
	if valid < 100 || invalid < 100 {
		t.Errorf("only %d valid and %d invalid XML conformance files found", valid, invalid)
	}
	t.Logf("%d valid and %d invalid CycloneDX XML conformance files, %d known gaps", valid, invalid, gaps)
}
