package dossier

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestExampleSBOMs validates each example SBOM against the CycloneDX 1.6 JSON
// schema and checks that it is the SBOM its dossier points at, with
// purls or CPEs on every component.
func TestExampleSBOMs(t *testing.T) {
	dir := testdata.Path(t, "sbom/cyclonedx-spec/schema")
	files := map[string]string{}
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		files["http://cyclonedx.org/schema/"+name] = filepath.Join(dir, name)
	}
	sch := compileFiles(t, false, "http://cyclonedx.org/schema/bom-1.6.schema.json", files)
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"gadget","name":"x"}]}`))
	if sch.Validate(bad) == nil {
		t.Fatal("the CycloneDX schema accepts a component of type gadget; the check is toothless")
	}
	for _, ex := range exampleDirs {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			d, err := Load(ex)
			if err != nil {
				t.Fatal(err)
			}
			if d.SBOM == nil || d.SBOM.Path == "" {
				t.Fatal("example has no SBOM path")
			}
			path := filepath.Join(d.BaseDir, d.SBOM.Path)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("%s is not valid CycloneDX 1.6: %v", path, err)
			}
			data, _ := os.ReadFile(path)
			var bom struct {
				Metadata struct {
					Component struct{ Version string }
				}
				Components []struct {
					Name, Version, Purl, CPE string
				}
			}
			if err := json.Unmarshal(data, &bom); err != nil {
				t.Fatal(err)
			}
			if bom.Metadata.Component.Version != d.Product.FirmwareVersion {
				t.Errorf("SBOM describes firmware %s, dossier %s", bom.Metadata.Component.Version, d.Product.FirmwareVersion)
			}
			for _, comp := range bom.Components {
				if comp.Purl == "" && comp.CPE == "" && !strings.HasPrefix(comp.Name, "voltic") && !strings.HasPrefix(comp.Name, "lumora") && !strings.HasPrefix(comp.Name, "kestrel") {
					t.Errorf("third-party component %s %s has neither purl nor CPE", comp.Name, comp.Version)
				}
			}
		})
	}
}
