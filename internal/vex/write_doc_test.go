package vex

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestWriteRoundTrip: what the OpenVEX and CycloneDX writers produce, the
// reader reads back to the same statements (status, products, aliases,
// justification mapped), and bad statements are refused.
func TestWriteDocRoundTrip(t *testing.T) {
	doc := &OutDocument{ID: "https://registry.example/vex/v1", Author: "Kestrel Networks PSIRT", Timestamp: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Product: "Kestrel AX3000", ProductVersion: "3.1.0", Statements: []Statement{
			{Vulnerability: "CVE-2024-1086", Aliases: []string{"GHSA-xxxx"}, Products: []string{"pkg:generic/linux@5.15.150"}, Status: StatusAffected, Action: "Update linux to 5.15.151 or later."},
			{Vulnerability: "CVE-2023-52434", Products: []string{"pkg:generic/linux@5.15.150"}, Status: StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path"},
			{Vulnerability: "CVE-2024-0001", Products: []string{"pkg:generic/curl@8.5.0"}, Status: StatusFixed},
			{Vulnerability: "CVE-2024-0002", Products: []string{"pkg:generic/curl@8.5.0"}, Status: StatusUnderInvestigation},
		}}
	for _, c := range []struct {
		name  string
		write func() ([]byte, error)
		just  string
	}{
		{"openvex", func() ([]byte, error) { return OpenVEX(doc) }, "vulnerable_code_not_in_execute_path"},
		{"cyclonedx", func() ([]byte, error) { return CycloneDX(doc, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79") }, "code_not_reachable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := c.write()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data, "out.json")
			if err != nil {
				t.Fatalf("the reader refuses the written document: %v\n%s", err, data)
			}
			if len(got) != len(doc.Statements) {
				t.Fatalf("%d statements read back, want %d", len(got), len(doc.Statements))
			}
			for i, want := range doc.Statements {
				g := got[i]
				if g.Format != c.name || g.Vulnerability != want.Vulnerability || g.Status != want.Status || !reflect.DeepEqual(g.Products, want.Products) {
					t.Errorf("statement %d: %+v, want %+v", i, g, want)
				}
				if len(want.Aliases) > 0 && !reflect.DeepEqual(g.Aliases, want.Aliases) {
					t.Errorf("statement %d aliases %v", i, g.Aliases)
				}
			}
			if got[1].Justification != c.just {
				t.Errorf("justification %q, want %q", got[1].Justification, c.just)
			}
			if !strings.Contains(got[0].Action+got[0].Impact, "5.15.151") {
				t.Errorf("the action statement is lost: %+v", got[0])
			}
		})
	}
	bad := []*OutDocument{
		{ID: "x", Author: "a", Timestamp: doc.Timestamp, Product: "p", Statements: []Statement{{Vulnerability: "CVE-1", Status: "maybe"}}},
		{ID: "x", Author: "a", Timestamp: doc.Timestamp, Product: "p", Statements: []Statement{{Status: StatusAffected}}},
	}
	for i, d := range bad {
		if _, err := OpenVEX(d); err == nil {
			t.Errorf("OpenVEX accepts bad document %d", i)
		}
		if _, err := CycloneDX(d, ""); err == nil {
			t.Errorf("CycloneDX accepts bad document %d", i)
		}
	}
	if _, err := OpenVEX(&OutDocument{ID: "x", Author: "a", Timestamp: doc.Timestamp, Statements: []Statement{{Vulnerability: "CVE-1", Status: StatusNotAffected}}}); err == nil {
		t.Error("OpenVEX accepts not_affected without justification or impact")
	}
}

func compileSchemas(t *testing.T, url string, files map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
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

// TestWriteRanges: a decision about a range of versions ("not affected:
// every lodash < 4.17.21", "affected: linux >= 5.14 and < 5.15.151") is
// written as CycloneDX affects versions (the vers: range with the version
// status) and as OpenVEX products whose purl carries the range as its vers
// qualifier; both validate against their JSON schemas (CycloneDX 1.6,
// OpenVEX 0.2.0); ranges that are not vers: ranges, and products with a
// version, are refused.
func TestWriteRanges(t *testing.T) {
	cdxSchema := compileSchemas(t, "http://cyclonedx.org/schema/bom-1.6.schema.json", map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "sbom/cyclonedx-spec/schema/bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "sbom/cyclonedx-spec/schema/spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "sbom/cyclonedx-spec/schema/jsf-0.82.schema.json",
	})
	ovxSchema := compileSchemas(t, "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json", map[string]string{
		"https://github.com/openvex/spec/openvex_json_schema_0.2.0.json": "vex/openvex/spec/openvex_json_schema.json",
	})
	doc := &OutDocument{ID: "https://registry.example/vex/v1", Author: "Kestrel Networks PSIRT", Timestamp: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Product: "Kestrel AX3000", ProductVersion: "3.1.0",
		Statements: []Statement{{Vulnerability: "CVE-2024-0001", Products: []string{"pkg:generic/curl@8.5.0"}, Status: StatusFixed}},
		Ranges: []RangeStatement{
			{Statement{Vulnerability: "CVE-2021-23337", Products: []string{"pkg:npm/lodash"}, Status: StatusNotAffected, Justification: "vulnerable_code_not_present"}, "vers:npm/<4.17.21"},
			{Statement{Vulnerability: "CVE-2024-1086", Products: []string{"pkg:generic/linux?distro=kestrel"}, Status: StatusAffected, Action: "Update to 5.15.151."}, "vers:generic/>=5.14|<5.15.151"},
		}}
	data, err := CycloneDX(doc, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(sch *jsonschema.Schema, data []byte) {
		t.Helper()
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("does not validate: %v\n%s", err, data)
		}
	}
	validate(cdxSchema, data)
	var bom struct {
		Vulnerabilities []struct {
			ID      string `json:"id"`
			Affects []struct {
				Ref      string `json:"ref"`
				Versions []struct{ Range, Status string }
			} `json:"affects"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatal(err)
	}
	want := map[string][3]string{"CVE-2021-23337": {"pkg:npm/lodash", "vers:npm/<4.17.21", "unaffected"},
		"CVE-2024-1086": {"pkg:generic/linux?distro=kestrel", "vers:generic/>=5.14|<5.15.151", "affected"}}
	for _, v := range bom.Vulnerabilities {
		w, ok := want[v.ID]
		if !ok {
			if len(v.Affects) != 1 || len(v.Affects[0].Versions) != 0 {
				t.Errorf("%s: a statement about one version got a range: %+v", v.ID, v.Affects)
			}
			continue
		}
		delete(want, v.ID)
		if len(v.Affects) != 1 || v.Affects[0].Ref != w[0] || len(v.Affects[0].Versions) != 1 || v.Affects[0].Versions[0].Range != w[1] || v.Affects[0].Versions[0].Status != w[2] {
			t.Errorf("%s: affects %+v, want %v", v.ID, v.Affects, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("CycloneDX lacks %v", want)
	}
	ovx, err := OpenVEX(doc)
	if err != nil {
		t.Fatal(err)
	}
	validate(ovxSchema, ovx)
	for _, id := range []string{`"pkg:npm/lodash?vers=vers%3Anpm%2F%3C4.17.21"`, `"pkg:generic/linux?distro=kestrel\u0026vers=vers%3Ageneric%2F%3E%3D5.14%7C%3C5.15.151"`} {
		if !strings.Contains(string(ovx), strings.ReplaceAll(id, `\u0026`, "&")) {
			t.Errorf("OpenVEX lacks the product %s:\n%s", id, ovx)
		}
	}
	for _, bad := range []RangeStatement{
		{Statement{Vulnerability: "CVE-1", Products: []string{"pkg:npm/lodash"}, Status: StatusAffected}, "<4.17.21"},
		{Statement{Vulnerability: "CVE-1", Products: []string{"pkg:npm/lodash"}, Status: StatusAffected}, "vers:npm/"},
		{Statement{Vulnerability: "CVE-1", Products: []string{"pkg:npm/lodash"}, Status: StatusAffected}, "vers:npm/<"},
		{Statement{Vulnerability: "CVE-1", Products: []string{"pkg:npm/lodash"}, Status: StatusAffected}, "vers:npm/~1.2"},
		{Statement{Vulnerability: "CVE-1", Products: []string{"pkg:npm/lodash@4.17.20"}, Status: StatusAffected}, "vers:npm/<4.17.21"},
		{Statement{Vulnerability: "CVE-1", Status: StatusAffected}, "vers:npm/<4.17.21"},
	} {
		d := *doc
		d.Ranges = []RangeStatement{bad}
		if _, err := CycloneDX(&d, ""); err == nil {
			t.Errorf("CycloneDX accepts %+v", bad)
		}
		if _, err := OpenVEX(&d); err == nil {
			t.Errorf("OpenVEX accepts %+v", bad)
		}
	}
}
