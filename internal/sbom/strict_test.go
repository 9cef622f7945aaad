package sbom

import (
	"errors"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbomschema"
)

// TestStrictKinds pins that the detected kinds Parse hands to
// sbomschema.Validate are the ones it has schemas for: a renamed kind
// would silently turn --strict into "no schema" warnings.
func TestStrictKinds(t *testing.T) {
	for _, c := range []struct {
		kind docKind
		want sbomschema.Kind
	}{
		{kindCycloneDXJSON, sbomschema.CycloneDXJSON},
		{kindCycloneDXXML, sbomschema.CycloneDXXML},
		{kindSPDX3JSONLD, sbomschema.SPDX3JSONLD},
	} {
		if sbomschema.Kind(c.kind) != c.want {
			t.Errorf("kind %q is not sbomschema's %q", c.kind, c.want)
		}
	}
	for _, k := range []docKind{kindSPDXJSON, kindSPDXYAML, kindSPDXTagValue} {
		if err := sbomschema.Validate([]byte("x"), sbomschema.Kind(k), ""); !errors.Is(err, sbomschema.ErrNoSchema) {
			t.Errorf("%s: want ErrNoSchema, got %v", k, err)
		}
	}
	doc, err := Parse(strings.NewReader("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\n"), "x.spdx", Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(doc, "no schema") {
		t.Errorf("strict tag-value: want the no-schema warning, got %v", doc.Warnings)
	}
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
