package registry

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestSplitSBOM cuts the staged 1,000-component SBOM into slices: sizes,
// every component kept once in order, the dependency graph dropped; a
// smaller SBOM comes back as it is; bad input is an error.
func TestSplitSBOM(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "bench/synth-1000.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	var whole struct {
		Components []struct {
			Ref string `json:"bom-ref"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &whole); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n     int
		sizes []int
		err   bool
	}{
		{n: 300, sizes: []int{300, 300, 300, 100}},
		{n: 500, sizes: []int{500, 500}},
		{n: 1000, sizes: []int{1000}},
		{n: 0, err: true},
	} {
		parts, err := SplitSBOM(data, c.n)
		if (err != nil) != c.err {
			t.Fatalf("n=%d: error %v", c.n, err)
		}
		if len(parts) != len(c.sizes) {
			t.Fatalf("n=%d: %d parts, want %d", c.n, len(parts), len(c.sizes))
		}
		if len(parts) == 1 && !bytes.Equal(parts[0], data) {
			t.Errorf("n=%d: an SBOM not above the size changed", c.n)
		}
		k := 0
		for i, p := range parts {
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(p, &doc); err != nil {
				t.Fatalf("n=%d part %d: %v", c.n, i, err)
			}
			var comps []struct {
				Ref string `json:"bom-ref"`
			}
			if err := json.Unmarshal(doc["components"], &comps); err != nil || len(comps) != c.sizes[i] {
				t.Fatalf("n=%d part %d: %d components (%v), want %d", c.n, i, len(comps), err, c.sizes[i])
			}
			if _, ok := doc["dependencies"]; ok && len(parts) > 1 {
				t.Errorf("n=%d part %d kept the dependency graph", c.n, i)
			}
			for _, cp := range comps {
				if cp.Ref != whole.Components[k].Ref {
					t.Fatalf("n=%d part %d: component %q, want %q", c.n, i, cp.Ref, whole.Components[k].Ref)
				}
				k++
			}
		}
	}
	for _, bad := range []string{`{`, `{"components": []}`, `{"bomFormat": "CycloneDX"}`, `[]`} {
		if _, err := SplitSBOM([]byte(bad), 10); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzSplitSBOM: any input and size gives slices that are JSON documents
// or an error, never a panic (seeded with the example router SBOM).
func FuzzSplitSBOM(f *testing.F) {
	router, err := os.ReadFile("../../examples/home-router/sbom.cdx.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(router, 7)
	f.Add([]byte(`{"components": [{}, {}, {}]}`), 2)
	f.Add([]byte(`{"components": null}`), 1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		parts, err := SplitSBOM(data, n)
		if err != nil {
			return
		}
		for i, p := range parts {
			if !json.Valid(p) {
				t.Fatalf("part %d is not JSON", i)
			}
		}
	})
}
