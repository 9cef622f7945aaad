package sbom

import (
	"sort"
	"strings"
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

// TestSPDXEncodingsAgree reads the SPDX 2.3 example of tools-golang in its
// JSON, YAML and tag-value forms: the three must give the same components.
func TestSPDXEncodingsAgree(t *testing.T) {
	base := "sbom/spdx-tools-golang/sample-docs/"
	var docs []*Document
	for _, c := range []struct{ file, enc string }{
		{"json/SPDXJSONExample-v2.3.spdx.json", EncodingJSON},
		{"yaml/SPDXYAMLExample-2.3.spdx.yaml", EncodingYAML},
		{"tv/SPDXTagExample-v2.3.spdx", EncodingTagValue},
	} {
		doc, err := ParseFile(testdata.Path(t, base+c.file), Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if doc.Encoding != c.enc || doc.SpecVersion != "2.3" {
			t.Errorf("%s: detected %s %s", c.file, doc.Encoding, doc.SpecVersion)
		}
		docs = append(docs, doc)
	}
	key := func(d *Document) []string {
		var out []string
		for _, c := range d.Components {
			out = append(out, c.Ref+"|"+c.Name+"|"+c.Version+"|"+c.PURL+"|"+c.Supplier+"|"+c.Licenses+"|"+strings.Join(c.CPEs, ","))
		}
		sort.Strings(out) // the tag-value example lists the packages in another order
		return out
	}
	want := key(docs[0])
	if len(want) == 0 {
		t.Fatal("no packages in the JSON example")
	}
	for i, d := range docs[1:] {
		if got := key(d); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("encoding %d differs from JSON:\n%s\nvs\n%s", i+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if docs[0].Subject == nil || docs[0].Subject.Name != "glibc" {
		t.Errorf("subject = %+v, want glibc (the DESCRIBES target)", docs[0].Subject)
	}
}

// TestDetectIgnoresFileName checks that detection looks at content only: a
// CycloneDX document named .spdx and SPDX tag-value named .json both parse.
func TestDetectIgnoresFileName(t *testing.T) {
	// grype-sbom-modified.spdx.json is tag-value despite its name
	doc, err := ParseFile(testdata.Path(t, "sbom/bom-shelter/in-the-wild/spdx/grype-sbom-modified.spdx.json"), Options{})
	if err != nil || doc.Encoding != EncodingTagValue {
		t.Fatalf("got %v, %v; want tag-value", doc, err)
	}
	cdx := `{"specVersion": "1.5", "bomFormat": "CycloneDX", "components": [{"type": "library", "name": "a", "description": "see \"spdxVersion\""}]}`
	d, err := Parse(strings.NewReader(cdx), "x.spdx", Options{})
	if err != nil || d.Format != FormatCycloneDX || len(d.Components) != 1 {
		t.Fatalf("CycloneDX named .spdx: %v %v", d, err)
	}
}
