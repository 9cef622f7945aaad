package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/aibom"
	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// aiAssessment is the camera example as if it recognised faces (a
// high-risk use under AI Act Annex III, point 1) and its SBOM listed the ML
// model and datasets of the real SPDX 3 AI example.
func aiAssessment(t *testing.T) *assess.Assessment {
	t.Helper()
	d, err := dossier.Load(filepath.Join("..", "..", "examples", "security-camera"))
	if err != nil {
		t.Fatal(err)
	}
	d.File = "examples/security-camera/dossier.yaml"
	yes := true
	d.Product.AI = &dossier.AIUse{HighRisk: &yes, Basis: "annex-iii", AnnexIIIUse: "biometrics", Description: "face recognition of household members"}
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/spdx-examples/ai/example01/spdx3.0/simplehtr-example.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := assess.Evaluate(d, assess.Inputs{Catalog: cat, On: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Version: testVersion, AI: aibom.Check(doc)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGoldenAI pins the AI section of every format, and checks that the
// JSON validates against docs/assessment.schema.json.
func TestGoldenAI(t *testing.T) {
	a := aiAssessment(t)
	if a.AI == nil || len(a.AI.Models) == 0 || a.AI.HighRisk == nil || a.AI.HighRisk.Article12.Confidence != "U" {
		t.Fatalf("AI section %+v", a.AI)
	}
	if l := a.AI.HighRisk.Article12; l.Holds || l.Met+l.NotMet+l.Open != len(l.Covers) {
		t.Errorf("Art. 12 counts %+v: the camera meets not every covered requirement", l)
	}
	var note bool
	for _, r := range a.Regimes["cra"].Requirements {
		if r.ID == "CRA-II.1" {
			note = strings.Contains(strings.Join(r.Reasons, "\n"), "note [U]: AI components without their provenance")
		}
	}
	if !note {
		t.Error("CRA-II.1 lacks the AI provenance note")
	}
	for _, format := range []string{"table", "markdown", "html", "json"} {
		var buf bytes.Buffer
		if err := Write(&buf, a, format); err != nil {
			t.Fatal(err)
		}
		if format != "json" && !strings.Contains(buf.String(), "High-risk AI use (AI Act Annex III: biometrics") {
			t.Errorf("%s: no high-risk AI line", format)
		}
		golden := filepath.Join("testdata", "camera-ai"+Extension(format))
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from the golden file; if the change is intended run go test ./internal/report -update and review the diff", golden)
		}
		if format == "json" {
			inst, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := compileSchemaFile(t, "../../docs/assessment.schema.json").Validate(inst); err != nil {
				t.Error(err)
			}
		}
	}
}
