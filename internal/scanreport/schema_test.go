package scanreport

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles the schema at url after registering the local
// files that serve it and the schemas it refers to.
func compileSchema(t *testing.T, url string, files map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for u, rel := range files {
		f, err := os.Open(testdata.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if err := c.AddResource(u, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVDRAndOpenVEXValidate validates the CycloneDX VDR rendering against
// the CycloneDX 1.6 JSON schema and the OpenVEX rendering against the
// OpenVEX 0.2.0 schema, on a real scan and on the golden result.
func TestVDRAndOpenVEXValidate(t *testing.T) {
	cdx := compileSchema(t, "http://cyclonedx.org/schema/bom-1.6.schema.json", map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "sbom/cyclonedx-spec/schema/bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "sbom/cyclonedx-spec/schema/spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "sbom/cyclonedx-spec/schema/jsf-0.82.schema.json",
	})
	ovx := compileSchema(t, "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json", map[string]string{
		"https://github.com/openvex/spec/openvex_json_schema_0.2.0.json": "vex/openvex/spec/openvex_json_schema.json",
	})
	res := keycloakScan(t)
	opts := RenderOptions{SBOM: "bom.json", Time: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0", Tooling: "dualmark scan"}
	for _, r := range []*match.Result{res, goldenResult()} {
		for format, sch := range map[string]*jsonschema.Schema{FormatCycloneDXVDR: cdx, FormatOpenVEX: ovx} {
			var buf bytes.Buffer
			if err := Render(&buf, r, format, opts); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s (%d findings) does not validate: %v", format, len(r.Findings), err)
			}
		}
	}
}
