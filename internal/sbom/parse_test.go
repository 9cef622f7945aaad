package sbom

import (
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

func TestParseCycloneDXJSONKeycloak(t *testing.T) {
	doc, err := ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != FormatCycloneDX || doc.SpecVersion != "1.2" || doc.Encoding != EncodingJSON {
		t.Errorf("got %s %s %s", doc.Format, doc.SpecVersion, doc.Encoding)
	}
	if len(doc.Components) != 903 {
		t.Errorf("components = %d, want 903", len(doc.Components))
	}
}
