package aibom

import (
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestCheckReal inventories the real AI SBOMs: which provenance checks pass
// for a named model.
func TestCheckReal(t *testing.T) {
	for _, c := range []struct {
		file             string
		models, datasets int
		loc              string          // the model looked at
		want             map[string]bool // check ID -> pass
	}{
		{"sbom/cyclonedx-spec/test-resources/1.7/valid-machine-learning-1.7.json", 1, 0, "/components/0",
			map[string]bool{CheckSource: true, CheckHash: false, CheckDatasets: true, CheckCard: true}},
		{"sbom/spdx-examples/ai/example01/spdx3.0/simplehtr-example.json", 4, 1, "/@graph/101",
			map[string]bool{CheckSource: true, CheckHash: false, CheckDatasets: true, CheckCard: true}},
		// a software_Package whose primary purpose is "model": no card, no datasets
		{"sbom/spdx-examples/ai/example01/spdx3.0/simplehtr-example.json", 4, 1, "/@graph/21",
			map[string]bool{CheckDatasets: false, CheckCard: false}},
		{"sbom/spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json", 1, 1, "/@graph/20",
			map[string]bool{CheckSource: true, CheckCard: true, CheckDatasets: false}},
	} {
		t.Run(c.file+c.loc, func(t *testing.T) {
			doc, err := sbom.ParseFile(testdata.Path(t, c.file), sbom.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := Check(doc)
			if len(r.Models) != c.models || len(r.Datasets) != c.datasets {
				t.Fatalf("models %d datasets %d, want %d %d", len(r.Models), len(r.Datasets), c.models, c.datasets)
			}
			for _, m := range r.Models {
				if m.Location != c.loc {
					continue
				}
				for _, ch := range m.Checks {
					if want, ok := c.want[ch.ID]; ok && ch.Pass != want {
						t.Errorf("%s: pass %v, want %v (%s)", ch.ID, ch.Pass, want, ch.Detail)
					}
					if ch.Detail == "" {
						t.Errorf("%s: no detail", ch.ID)
					}
				}
				if r.Pass {
					t.Error("report passes although a mandatory check fails")
				}
				return
			}
			t.Errorf("no model at %s", c.loc)
		})
	}
}

// TestNoAI: an SBOM without models passes vacuously with empty lists.
func TestNoAI(t *testing.T) {
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/CBOM/Algorithm/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := Check(doc)
	if !r.Pass || len(r.Models) != 0 || r.Datasets == nil {
		t.Errorf("%+v", r)
	}
}

func TestArticle12(t *testing.T) {
	a := CRAArticle12()
	if a.Confidence != "U" || !strings.Contains(a.Text, "Art. 15") || len(a.Covers) != 1+13+8 {
		t.Errorf("%+v", a)
	}
}
