package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// checkGolden compares out with testdata/<name>, rewriting it under -update.
func checkGolden(t *testing.T, name, out string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != out {
		t.Errorf("output differs from %s (rerun with -update if intended):\n%s", golden, out)
	}
}

func TestSBOMInspectJSONContract(t *testing.T) {
	for _, c := range []struct {
		file, format, version, encoding string
		count                           int
	}{
		{"sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json", "cyclonedx", "1.2", "json", 903},
		{"sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml", "cyclonedx", "1.2", "xml", 903},
		{"sbom/bom-shelter/in-the-wild/spdx/grype-sbom.spdx", "spdx", "2.2", "tag-value", 1160},
		{"sbom/bom-shelter/in-the-lab-subset/balena_armv7hf-supervisor.syft.spdx.json.gz", "spdx", "2.3", "json", 619},
		{"sbom/spdx-examples/software/example11/spdx3.0/sbom.spdx3.json", "spdx", "3.0", "json-ld", 4},
	} {
		code, out, errOut := runCaptured("sbom", "inspect", testdata.Path(t, c.file), "--json")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", c.file, code, errOut)
			continue
		}
		var got struct {
			Format         string `json:"format"`
			SpecVersion    string `json:"specVersion"`
			Encoding       string `json:"encoding"`
			ComponentCount int    `json:"componentCount"`
			Components     []struct {
				Name    string   `json:"name"`
				Version string   `json:"version"`
				PURL    *string  `json:"purl"`
				CPEs    []string `json:"cpes"`
				Type    *string  `json:"type"`
			} `json:"components"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got.Format != c.format || got.SpecVersion != c.version || got.Encoding != c.encoding || got.ComponentCount != c.count || len(got.Components) != c.count {
			t.Errorf("%s: got %s %s %s %d (%d rows), want %s %s %s %d", c.file, got.Format, got.SpecVersion, got.Encoding,
				got.ComponentCount, len(got.Components), c.format, c.version, c.encoding, c.count)
		}
		if len(got.Components) > 0 && (got.Components[0].PURL == nil || got.Components[0].Type == nil || got.Components[0].CPEs == nil) {
			t.Errorf("%s: component rows lack purl/type/cpes keys", c.file)
		}
	}
}

func TestSBOMGolden(t *testing.T) {
	f := testdata.Path(t, "sbom/sbomqs/bsi-tr-03183-fixtures/cdx/validFullyCompliantBsiV21.cdx16.json")
	code, out, _ := runCaptured("sbom", "inspect", f)
	if code != 0 {
		t.Fatalf("inspect exit %d", code)
	}
	checkGolden(t, "sbom-inspect.golden", out)
	g := testdata.Path(t, "sbom/sbomqs/bsi-tr-03183-fixtures/cdx/missingComponentDeployableHash.cdx16.json")
	code, out, _ = runCaptured("sbom", "check", g)
	if code != 1 {
		t.Fatalf("check of a failing fixture: exit %d, want 1", code)
	}
	checkGolden(t, "sbom-check.golden", out)
}

func TestSBOMExitCodes(t *testing.T) {
	good := testdata.Path(t, "sbom/sbomqs/bsi-tr-03183-fixtures/cdx/validFullyCompliantBsiV21.cdx16.json")
	keycloak := testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": 7}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"sbom", "check", good}, 0, ""},
		{[]string{"sbom", "check", keycloak}, 1, ""},
		{[]string{"sbom", "check", keycloak, "--profile", "ntia", "--json"}, 1, ""},
		{[]string{"sbom", "check", good, "--profile", "iso-1"}, 2, "unknown SBOM quality profile"},
		{[]string{"sbom", "inspect", "/nonexistent/sbom.json"}, 2, "no such file"},
		{[]string{"sbom", "inspect", bad}, 2, "/components/0/name"},
		{[]string{"sbom", "inspect", keycloak, "--max-bytes", "1000"}, 2, "size limit"},
		{[]string{"sbom", "inspect"}, 2, "one SBOM file"},
		{[]string{"sbom", "convert", good, "--to", "swid"}, 2, "--to"},
		{[]string{"sbom", "inspect", "--help"}, 0, ""},
	} {
		code, _, errOut := runCaptured(c.args...)
		if code != c.want || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d (%q), want %d with %q", c.args, code, errOut, c.want, c.msg)
		}
	}
}

// TestSBOMConvertRoundTrip converts real SBOMs of each format to both
// targets and reads them back: the contract fields of every component and
// the dependency edges must survive.
func TestSBOMConvertRoundTrip(t *testing.T) {
	for _, file := range []string{
		"sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml",
		"sbom/bom-shelter/in-the-wild/spdx/grype-sbom.spdx",
		"sbom/sbomqs/bsi-tr-03183-fixtures/cdx/validFullyCompliantBsiV21.cdx16.json",
		"sbom/spdx-examples/software/example9/spdx3.0/appbomination.spdx3.json",
	} {
		src := testdata.Path(t, file)
		orig, err := sbom.ParseFile(src, sbom.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{sbom.TargetCycloneDX16JSON, sbom.TargetSPDX23JSON} {
			out := filepath.Join(t.TempDir(), "out.json")
			if code, _, errOut := runCaptured("sbom", "convert", src, "--to", to, "-o", out); code != 0 {
				t.Fatalf("%s -> %s: exit %d: %s", file, to, code, errOut)
			}
			back, err := sbom.ParseFile(out, sbom.Options{Strict: to == sbom.TargetCycloneDX16JSON})
			if err != nil {
				t.Fatalf("%s -> %s: reading back: %v", file, to, err)
			}
			compareRoundTrip(t, file+" -> "+to, orig, back)
		}
	}
}

type contractKey struct {
	Name, Version, Supplier, PURL, CPEs, Hashes, Licenses, Type, Scope, FileName string
}

func keyOf(c sbom.Component) contractKey {
	hs := make([]string, 0, len(c.Hashes))
	for _, h := range c.Hashes {
		hs = append(hs, h.Algorithm+":"+h.Value)
	}
	purl := c.PURL
	if c.PURLDerived {
		purl = "derived:" + purl
	}
	typ := c.Type
	if typ == "" {
		typ = "library" // CycloneDX requires a type; an unset SPDX purpose becomes library
	}
	return contractKey{c.Name, c.Version, c.Supplier, purl, strings.Join(c.CPEs, ","), strings.Join(hs, ","), c.Licenses, typ, c.Scope, c.FileName}
}

// allComponents returns the components plus a subject that is not among
// them (CycloneDX metadata.component), which conversion maps onto a package.
func allComponents(d *sbom.Document) []sbom.Component {
	cs := d.Components
	if d.Subject != nil {
		found := false
		for _, c := range cs {
			if c.Ref == d.Subject.Ref {
				found = true
			}
		}
		if !found {
			cs = append([]sbom.Component{*d.Subject}, cs...)
		}
	}
	return cs
}

func compareRoundTrip(t *testing.T, what string, a, b *sbom.Document) {
	t.Helper()
	count := map[contractKey]int{}
	ca, cb := allComponents(a), allComponents(b)
	if len(ca) != len(cb) {
		t.Errorf("%s: %d components, %d after the round trip", what, len(ca), len(cb))
	}
	for _, c := range ca {
		count[keyOf(c)]++
	}
	for _, c := range cb {
		k := keyOf(c)
		if count[k] == 0 {
			t.Errorf("%s: component changed or appeared: %+v", what, k)
			return
		}
		count[k]--
	}
	edges := func(d *sbom.Document) int {
		n := 0
		for _, dep := range d.Dependencies {
			n += len(dep.DependsOn)
		}
		return n
	}
	if edges(a) != edges(b) {
		t.Errorf("%s: %d dependency edges, %d after the round trip", what, edges(a), edges(b))
	}
}
