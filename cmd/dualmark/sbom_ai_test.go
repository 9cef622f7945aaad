package main

import (
	"encoding/json"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestSBOMInspectAI pins the ML model and dataset listing of sbom inspect
// on the SPDX 3 AI example, and the "ai" JSON key (absent without models).
func TestSBOMInspectAI(t *testing.T) {
	f := testdata.Path(t, "sbom/spdx-examples/ai/example01/spdx3.0/simplehtr-example.json")
	code, out, errOut := runCaptured("sbom", "inspect", f)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	checkGolden(t, "sbom-inspect-ai.golden", out)
	for _, c := range []struct {
		file   string
		hasAI  bool
		models int
	}{
		{"sbom/cyclonedx-spec/test-resources/1.7/valid-machine-learning-1.7.json", true, 1},
		{"sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json", false, 0},
	} {
		code, out, _ := runCaptured("sbom", "inspect", testdata.Path(t, c.file), "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d", c.file, code)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		raw, ok := got["ai"]
		if ok != c.hasAI || got["componentCount"] == nil {
			t.Errorf("%s: ai key present %v, want %v", c.file, ok, c.hasAI)
			continue
		}
		if ok {
			var ai struct {
				Models []struct{ Name string } `json:"models"`
			}
			if err := json.Unmarshal(raw, &ai); err != nil || len(ai.Models) != c.models {
				t.Errorf("%s: models %v (%v)", c.file, ai.Models, err)
			}
		}
	}
}
