package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/testdata"
)

// conformingDossier writes a dossier whose evidence demonstrates every
// EN 303 645 provision, so that regime conforms.
func conformingDossier(t *testing.T) string {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range cat.ByRegime(catalog.RegimeEN303645) {
		ids = append(ids, r.ID)
	}
	doc := fmt.Sprintf(`product: {name: Test Plug, model: TP-1}
manufacturer: {name: Test GmbH}
category: {class: default}
vulnerabilityHandling: {disclosurePolicy: "https://test.example/cvd"}
evidence:
  - {title: EN 303 645 test report, kind: test-report, url: "https://lab.example/r.pdf", issuer: Lab, date: 2026-09-01, demonstrates: [%s]}
`, strings.Join(ids, ", "))
	path := filepath.Join(t.TempDir(), "dossier.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAssessExitCodes(t *testing.T) {
	good := conformingDossier(t)
	bad := filepath.Join(t.TempDir(), "dossier.yaml")
	if err := os.WriteFile(bad, []byte("product: {name: X, model: Y, colour: red}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"conforming regime", []string{"assess", good, "--regime", "en303645", "--out", out}, 0},
		{"incomplete regime once the CRA applies", []string{"assess", good, "--regime", "cra", "--on", "2027-12-11", "--out", out}, 1},
		{"before 11 Dec 2027 only CRA Art. 14 applies", []string{"assess", good, "--regime", "cra", "--on", "2026-12-03", "--out", out}, 0},
		{"bad --on date", []string{"assess", good, "--on", "3.12.2026", "--out", out}, 2},
		{"example with gaps", []string{"assess", "../../examples/home-router", "--out", out}, 1},
		{"bad dossier", []string{"assess", bad, "--out", out}, 2},
		{"missing dossier", []string{"assess", filepath.Join(out, "nope"), "--out", out}, 2},
		{"unknown regime", []string{"assess", good, "--regime", "uk-psti", "--out", out}, 2},
		{"unknown format", []string{"assess", good, "--format", "pdf"}, 2},
		{"vex without db", []string{"assess", good, "--vex", "v.json", "--out", out}, 2},
		{"db without sbom", []string{"assess", good, "--db", out, "--out", out}, 2},
		{"no argument", []string{"assess"}, 2},
		{"unknown SBOM profile", []string{"assess", good, "--sbom-profile", "spdx-lite", "--out", out}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.args); got != tt.want {
				t.Errorf("run(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}

// TestAssessOut checks --out writes the report in the chosen format.
func TestAssessOut(t *testing.T) {
	out := t.TempDir()
	if got := run([]string{"assess", "../../examples/smart-plug", "--format", "json", "--out", out}); got > 1 {
		t.Fatalf("exit %d", got)
	}
	data, err := os.ReadFile(filepath.Join(out, "assessment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Product map[string]any `json:"product"`
		Regimes map[string]struct {
			Verdict      string `json:"verdict"`
			Requirements []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"requirements"`
		} `json:"regimes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Product["name"] != "Voltic SP-210 Smart Plug" || len(doc.Regimes) != 4 || len(doc.Regimes["cra"].Requirements) == 0 {
		t.Errorf("unexpected report: %s", data[:min(len(data), 300)])
	}
}

func TestAssessHelp(t *testing.T) {
	cmd := newAssessCmd()
	if !strings.Contains(cmd.Example, "dualmark assess") || !strings.Contains(cmd.Long, "Exit codes") {
		t.Error("assess --help needs examples and the exit codes")
	}
}

// assessJSON runs dualmark assess with --format json --out and decodes the
// report.
func assessJSON(t *testing.T, want int, args ...string) map[string]any {
	t.Helper()
	out := t.TempDir()
	args = append([]string{"assess"}, append(args, "--format", "json", "--out", out)...)
	if got := run(args); got != want {
		t.Fatalf("run(%q) = %d, want %d", args, got, want)
	}
	data, err := os.ReadFile(filepath.Join(out, "assessment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// blockingIDs returns the advisory aliases of the findings blocking CRA-I.2.a.
func blockingIDs(doc map[string]any) []string {
	var ids []string
	scan, _ := doc["scan"].(map[string]any)
	blocking, _ := scan["blocking"].([]any)
	for _, b := range blocking {
		for _, a := range b.(map[string]any)["aliases"].([]any) {
			ids = append(ids, a.(string))
		}
	}
	return ids
}

// TestAssessScanEndToEnd imports real Bitnami OSV records and the CISA KEV
// catalogue, assesses the camera example (nginx 1.22.1 is hit by the
// KEV-listed CVE-2023-44487), then suppresses that CVE with an OpenVEX
// statement.
func TestAssessScanEndToEnd(t *testing.T) {
	db := t.TempDir()
	if got := run([]string{"db", "import", "--db", db, testdata.Path(t, "advisories/osv/bitnami-vulndb"), testdata.Path(t, "kev/known_exploited_vulnerabilities.json")}); got != 0 {
		t.Fatalf("db import exit %d", got)
	}
	doc := assessJSON(t, 1, "../../examples/security-camera", "--db", db)
	if ids := blockingIDs(doc); !slices.Contains(ids, "CVE-2023-44487") {
		t.Fatalf("CVE-2023-44487 does not block CRA-I.2.a: %v", ids)
	}
	cra := doc["regimes"].(map[string]any)["cra"].(map[string]any)
	for _, r := range cra["requirements"].([]any) {
		r := r.(map[string]any)
		if r["id"] == "CRA-I.2.a" && r["status"] != "not-met" {
			t.Errorf("CRA-I.2.a = %v", r["status"])
		}
	}
	doc = assessJSON(t, 1, "../../examples/security-camera", "--db", db, "--vex", "testdata/camera-vex.openvex.json")
	if ids := blockingIDs(doc); slices.Contains(ids, "CVE-2023-44487") {
		t.Errorf("VEX did not suppress CVE-2023-44487: %v", ids)
	}
	if n := doc["scan"].(map[string]any)["suppressed"].(float64); n < 1 {
		t.Errorf("suppressed = %v", n)
	}
}
