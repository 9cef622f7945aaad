package oscal

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/testdata"
)

// schema compiles one of the official OSCAL 1.2.1 JSON schemas.
func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	p := testdata.Path(t, "specs/oscal/json-schema-1.2.1/"+name)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(p)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s does not validate against the OSCAL schema:\n%v", filepath.Base(path), err)
	}
}

// TestExportValidates writes the full export and validates every file
// against the official OSCAL 1.2.1 catalog and mapping schemas.
func TestExportValidates(t *testing.T) {
	catSchema := schema(t, "oscal_catalog_schema.json")
	mapSchema := schema(t, "oscal_mapping_schema.json")
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := Export(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(catalog.Regimes)+1 {
		t.Fatalf("wrote %d files, want %d", len(paths), len(catalog.Regimes)+1)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, MappingFileName) {
			validate(t, mapSchema, p)
		} else {
			validate(t, catSchema, p)
		}
	}
}

// TestSchemaRejectsBrokenExport makes sure the validation can fail: a
// control without a title and a map with an unknown relationship token.
func TestSchemaRejectsBrokenExport(t *testing.T) {
	catSchema := schema(t, "oscal_catalog_schema.json")
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := BuildCatalog(c, catalog.RegimeBSI)
	if err != nil {
		t.Fatal(err)
	}
	doc.Catalog.Groups[0].Controls[0].ID = "TR03183-2:SBOM.format" // a colon is not an OSCAL token
	data, _ := json.Marshal(doc)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := catSchema.Validate(v); err == nil {
		t.Error("schema accepted a control ID with a colon")
	}
}

// TestCatalogContent checks that every requirement becomes exactly one
// control carrying its original ID, and every direct row one map.
func TestCatalogContent(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, regime := range catalog.Regimes {
		doc, err := BuildCatalog(c, regime)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range doc.Catalog.Groups {
			for _, ctl := range g.Controls {
				n++
				if ctl.Props[0].Name != "label" || ControlID(ctl.Props[0].Value) != ctl.ID {
					t.Errorf("%s: label prop %v does not carry the original ID", ctl.ID, ctl.Props[0])
				}
			}
		}
		if want := len(c.ByRegime(regime)); n != want {
			t.Errorf("%s: %d controls, want %d", regime, n, want)
		}
	}
	if _, err := BuildCatalog(c, "nope"); err == nil {
		t.Error("unknown regime accepted")
	}
	maps, direct := 0, 0
	for _, m := range BuildMapping(c).MappingCollection.Mappings {
		maps += len(m.Maps)
	}
	for _, r := range c.Rows() {
		if r.Relation != catalog.None {
			direct++
		}
	}
	if maps != 2*direct {
		t.Errorf("mapping collection has %d maps, want two per direct row (each direction): %d", maps, 2*direct)
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestBSICatalogGolden pins the exported form of one small catalog, so a
// change to the OSCAL shape shows up in review.
func TestBSICatalogGolden(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := BuildCatalog(c, catalog.RegimeBSI)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("testdata", "bsi-tr03183.catalog.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/oscal -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; run go test ./internal/oscal -update and review the diff", p)
	}
}
