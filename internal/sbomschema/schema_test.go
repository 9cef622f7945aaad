package sbomschema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/sbomschema"
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
		doc, err := sbom.Parse(strings.NewReader(string(data)), base, sbom.Options{Strict: true})
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

func hasWarning(doc *sbom.Document, frag string) bool {
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
	if _, err := sbom.ParseFile(good, sbom.Options{Strict: true}); err != nil {
		t.Errorf("valid SPDX 3 example rejected: %v", err)
	}
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml"), sbom.Options{Strict: true})
	if err != nil || hasWarning(doc, "no schema") {
		t.Errorf("strict XML: want schema validation (via the JSON form) to pass, got %v", err)
	}
}

// TestValidateDirect calls Validate without the reader: a valid and an
// invalid CycloneDX JSON conformance file of 1.6, the XML form, an
// encoding without a schema, and a schema directory that lacks the schema.
func TestValidateDirect(t *testing.T) {
	root := testdata.Path(t, "sbom/cyclonedx-spec/test-resources/1.6")
	schemas := testdata.Path(t, "sbom/cyclonedx-spec/schema")
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	empty := t.TempDir()
	t.Setenv(sbomschema.EnvSchemaDir, "")
	t.Setenv("DUALMARK_TESTDATA", filepath.Join(empty, "none"))
	cases := []struct {
		name, file string
		kind       sbomschema.Kind
		dir        string
		want       string // "" = valid
	}{
		{"valid JSON", "valid-metadata-author-1.6.json", sbomschema.CycloneDXJSON, "", ""},
		{"invalid JSON", "invalid-metadata-timestamp-1.6.json", sbomschema.CycloneDXJSON, "", "/metadata/timestamp"},
		{"valid XML", "valid-metadata-author-1.6.xml", sbomschema.CycloneDXXML, "", ""},
		{"invalid XML", "invalid-metadata-timestamp-1.6.xml", sbomschema.CycloneDXXML, "", "/bom/metadata/timestamp"},
		{"no schema for SPDX 2", "valid-metadata-author-1.6.json", "SPDX 2 JSON", "", "no JSON schema"},
		{"schema dir without the schema", "valid-metadata-author-1.6.json", sbomschema.CycloneDXJSON, empty, "not found in " + empty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = schemas
			}
			err := sbomschema.Validate(read(c.file), c.kind, dir)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("valid file rejected: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
