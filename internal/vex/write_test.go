package vex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestWriteOpenVEXRoundTrip: the statements of real documents of every
// format, written as OpenVEX, validate against the OpenVEX 0.2.0 schema
// and read back to the same statements (status, justification, products,
// aliases, impact and action; Format and Source say where they were read).
func TestWriteOpenVEXRoundTrip(t *testing.T) {
	f, err := os.Open(testdata.Path(t, "vex/openvex/spec/openvex_json_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"
	if err := c.AddResource(id, schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	info := DocumentInfo{ID: "https://dualmark.dev/vex/test", Author: "dualmark test", Timestamp: "2026-12-03T00:00:00Z", Tooling: "test"}
	for _, rel := range realDocs {
		t.Run(rel, func(t *testing.T) {
			in, err := Load(testdata.Path(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteOpenVEX(&buf, in, info); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("written OpenVEX does not validate: %v", err)
			}
			out, err := Parse(buf.Bytes(), "written.json")
			if err != nil {
				t.Fatal(err)
			}
			in = unique(in)
			if len(out) != len(in) {
				t.Fatalf("%d statements read back, %d distinct written", len(out), len(in))
			}
			for i := range in {
				a, b := in[i], out[i]
				a.Justification, a.Impact = openVEXJustification(a.Justification, a.Impact)
				if a.Vulnerability != b.Vulnerability || a.Status != b.Status || a.Justification != b.Justification ||
					a.Impact != b.Impact || a.Action != b.Action || strings.Join(a.Products, " ") != strings.Join(b.Products, " ") ||
					strings.Join(a.Aliases, " ") != strings.Join(b.Aliases, " ") {
					t.Fatalf("statement %d: wrote %+v, read back %+v", i, a, b)
				}
				if b.Format != "openvex" {
					t.Errorf("statement %d read back as %q", i, b.Format)
				}
			}
		})
	}
}

// unique drops statements equal to an earlier one but for Format and Source.
func unique(st []Statement) []Statement {
	seen := map[string]bool{}
	var out []Statement
	for _, s := range st {
		k := fmt.Sprintf("%q %q %q %q %q %q %q %q", s.Vulnerability, s.Aliases, s.Products, s.Status, s.Justification, s.Impact, s.Action, s.Timestamp)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// TestOpenVEXJustification: OpenVEX and CSAF labels stay, CycloneDX ones
// map where they mean the same, and the rest keep their reason in the
// impact statement.
func TestOpenVEXJustification(t *testing.T) {
	tests := []struct{ j, impact, wantJ, wantImpact string }{
		{"", "", "", ""},
		{"vulnerable_code_not_in_execute_path", "", "vulnerable_code_not_in_execute_path", ""},
		{"code_not_reachable", "x", "vulnerable_code_not_in_execute_path", "x"},
		{"code_not_present", "", "vulnerable_code_not_present", ""},
		{"requires_environment", "", "", "justification: requires_environment"},
		{"protected_at_runtime", "ASLR", "", "ASLR (justification: protected_at_runtime)"},
	}
	for _, tc := range tests {
		j, imp := openVEXJustification(tc.j, tc.impact)
		if j != tc.wantJ || imp != tc.wantImpact {
			t.Errorf("%q, %q: got %q, %q; want %q, %q", tc.j, tc.impact, j, imp, tc.wantJ, tc.wantImpact)
		}
	}
}

// TestLoadDocument: the digest is that of the file's bytes, the statements
// those Load reads, and a missing or bad file is an error naming it.
func TestLoadDocument(t *testing.T) {
	path := testdata.Path(t, "vex/openvex/go-vex-testdata/v0.2.0.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadDocument(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if d.SHA256 != hex.EncodeToString(sum[:]) || d.Path != path || len(d.Statements) == 0 {
		t.Errorf("document %s: digest %s, %d statements", d.Path, d.SHA256, len(d.Statements))
	}
	if got := Statements([]*Document{d, d}); len(got) != 2*len(d.Statements) {
		t.Errorf("Statements of two documents: %d, want %d", len(got), 2*len(d.Statements))
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"status":`), 0o644)
	for _, p := range []string{filepath.Join(dir, "missing.json"), bad, dir} {
		if _, err := LoadDocument(p); err == nil || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("LoadDocument(%s): %v, want an error naming the file", p, err)
		}
	}
}

// TestCycloneDX: statuses become CycloneDX analysis states, OpenVEX and
// CSAF justifications CycloneDX's where one means the same, CycloneDX's
// own stay and unknown ones are left out.
func TestCycloneDX(t *testing.T) {
	tests := []struct {
		in   Statement
		want CycloneDXAnalysis
	}{
		{Statement{Status: StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path"}, CycloneDXAnalysis{State: "not_affected", Justification: "code_not_reachable"}},
		{Statement{Status: StatusNotAffected, Justification: "component_not_present", Impact: "not shipped"}, CycloneDXAnalysis{State: "not_affected", Justification: "code_not_present", Detail: "not shipped"}},
		{Statement{Status: StatusNotAffected, Justification: "protected_at_runtime"}, CycloneDXAnalysis{State: "not_affected", Justification: "protected_at_runtime"}},
		{Statement{Status: StatusNotAffected, Justification: "because"}, CycloneDXAnalysis{State: "not_affected"}},
		{Statement{Status: StatusFixed}, CycloneDXAnalysis{State: "resolved"}},
		{Statement{Status: StatusUnderInvestigation}, CycloneDXAnalysis{State: "in_triage"}},
		{Statement{Status: StatusAffected}, CycloneDXAnalysis{State: "exploitable"}},
	}
	for _, tc := range tests {
		if got := tc.in.CycloneDX(); got != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
