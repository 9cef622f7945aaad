package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCatalog runs dualmark with args and returns stdout and the exit code.
func runCatalog(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		out.WriteString(err.Error())
	}
	code := exitCode(err)
	return out.String(), code
}

func TestCatalogCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // substring of the output
	}{
		{"list all", []string{"catalog", "list"}, 0, "EN303645-5.13-1"},
		{"list regime", []string{"catalog", "list", "--regime", "fcc"}, 0, "FCC-REG-11"},
		{"list unknown regime", []string{"catalog", "list", "--regime", "us"}, 2, "valid regimes: cra, red-da, nistir8425, fcc, en303645, bsi-tr03183"},
		{"show", []string{"catalog", "show", "CRA-14.AEV.FR"}, 0, "14 days after a corrective or mitigating measure is available"},
		{"show any case", []string{"catalog", "show", "en303645-5.1-1"}, 0, "EN303645-5.1-1"},
		{"show unknown with suggestion", []string{"catalog", "show", "CRA-I.2.z"}, 2, "did you mean CRA-I.2.a"},
		{"show unknown without suggestion", []string{"catalog", "show", "banana"}, 2, "IDs look like"},
		{"show needs an ID", []string{"catalog", "show"}, 2, "give one requirement ID"},
		{"map", []string{"catalog", "map", "CRA-14.AEV.EW"}, 0, "No US equivalent"},
		{"map unknown", []string{"catalog", "map", "FCC-REG-12"}, 2, "did you mean"},
		{"coverage", []string{"catalog", "coverage"}, 0, "en303645     cra"},
		{"export bad format", []string{"catalog", "export", "--format", "xml", "--out", "x"}, 2, "valid formats: oscal"},
		{"export needs out", []string{"catalog", "export"}, 2, "--out DIR is required"},
		{"doc", []string{"catalog", "doc"}, 0, "## Coverage"},
		{"categories", []string{"catalog", "categories"}, 0, "CRA-AIII.I.17"},
		{"categories json", []string{"catalog", "categories", "--json"}, 0, `"important-class-II"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := runCatalog(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%.2000s", tt.want, out)
			}
		})
	}
}

// TestCatalogJSONContract pins the JSON shapes other tools rely on.
func TestCatalogJSONContract(t *testing.T) {
	out, code := runCatalog(t, "catalog", "list", "--regime", "en303645", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var reqs []map[string]any
	if err := json.Unmarshal([]byte(out), &reqs); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 68 {
		t.Errorf("%d EN 303 645 requirements, want 68", len(reqs))
	}
	for _, key := range []string{"id", "regime", "title", "kind", "obligation", "source", "confidence", "evidence"} {
		if _, ok := reqs[0][key]; !ok {
			t.Errorf("list JSON lacks %q: %v", key, reqs[0])
		}
	}
	out, code = runCatalog(t, "catalog", "map", "CRA-I.2.e", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var maps []map[string]any
	if err := json.Unmarshal([]byte(out), &maps); err != nil {
		t.Fatal(err)
	}
	derived := false
	for _, m := range maps {
		for _, key := range []string{"from", "to", "relation", "rationale", "origin"} {
			if _, ok := m[key]; !ok {
				t.Errorf("map JSON lacks %q: %v", key, m)
			}
		}
		if m["derived"] == true {
			derived = true
		}
	}
	if !derived {
		t.Error("CRA-I.2.e should have a counterpart derived through EN 303 645")
	}
	out, code = runCatalog(t, "catalog", "coverage", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var cov []struct {
		From, To                   string
		Total, Full, Partial, None int
	}
	if err := json.Unmarshal([]byte(out), &cov); err != nil || len(cov) != 30 {
		t.Fatalf("coverage JSON: %v, %d pairs, want 30 (6 regimes)", err, len(cov))
	}
}

func TestCatalogExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oscal")
	out, code := runCatalog(t, "catalog", "export", "--format", "oscal", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 7 {
		t.Fatalf("export wrote %d files (%v), want 7", len(entries), err)
	}
}

// TestRegimeTitlesAgree: the regime titles of assess --json are the ones
// catalog regimes --json lists, for every regime of every example.
func TestRegimeTitlesAgree(t *testing.T) {
	code, out, errOut := runCaptured("catalog", "regimes", "--json")
	var cat struct {
		AssessmentRegimes []struct{ ID, Title string } `json:"assessmentRegimes"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &cat) != nil || len(cat.AssessmentRegimes) != 4 {
		t.Fatalf("catalog regimes --json: exit %d %s %s", code, out, errOut)
	}
	titles := map[string]string{}
	for _, r := range cat.AssessmentRegimes {
		titles[r.ID] = r.Title
	}
	for _, ex := range []string{"smart-plug", "security-camera", "home-router"} {
		t.Run(ex, func(t *testing.T) {
			_, out, errOut := runCaptured("assess", filepath.Join("..", "..", "examples", ex), "--json", "--on", "2026-12-03")
			var a struct {
				Regimes map[string]struct{ Title string } `json:"regimes"`
			}
			if err := json.Unmarshal([]byte(out), &a); err != nil || len(a.Regimes) != 4 {
				t.Fatalf("assess --json: %v %s", err, errOut)
			}
			for id, r := range a.Regimes {
				if r.Title == "" || r.Title != titles[id] {
					t.Errorf("%s: assess says %q, catalog regimes says %q", id, r.Title, titles[id])
				}
			}
		})
	}
}

// TestCatalogListAssessmentRegime: catalog list --regime takes the values
// assess --regime takes as well; us-ctm is NIST IR 8425 and FCC together.
func TestCatalogListAssessmentRegime(t *testing.T) {
	count := func(args ...string) int {
		code, out, errOut := runCaptured(append([]string{"catalog", "list", "--json"}, args...)...)
		var reqs []struct{ ID string }
		if code != 0 || json.Unmarshal([]byte(out), &reqs) != nil {
			t.Fatalf("catalog list %v: exit %d %s", args, code, errOut)
		}
		return len(reqs)
	}
	if us, n, f := count("--regime", "us-ctm"), count("--regime", "nistir8425"), count("--regime", "fcc"); us == 0 || us != n+f {
		t.Errorf("us-ctm lists %d requirements, nistir8425 %d + fcc %d", us, n, f)
	}
	if code, _, errOut := runCaptured("catalog", "list", "--regime", "bogus"); code != 2 || !strings.Contains(errOut, "us-ctm") {
		t.Errorf("unknown regime: exit %d %q", code, errOut)
	}
}

// TestCatalogListRegimes: catalog list --regime takes a comma-separated
// list like assess --regime; a requirement two regimes share is listed
// once, and an unknown name anywhere in the list is an error.
func TestCatalogListRegimes(t *testing.T) {
	rows := func(regime string) int {
		t.Helper()
		code, out, errOut := runCaptured("catalog", "list", "--regime", regime, "--json")
		if code != 0 {
			t.Fatalf("--regime %s: exit %d: %s", regime, code, errOut)
		}
		var reqs []struct{ ID string }
		if err := json.Unmarshal([]byte(out), &reqs); err != nil {
			t.Fatal(err)
		}
		return len(reqs)
	}
	cra, ctm := rows("cra"), rows("us-ctm")
	if got := rows("cra,us-ctm"); got != cra+ctm {
		t.Errorf("cra,us-ctm: %d requirements, want %d + %d", got, cra, ctm)
	}
	if got := rows(" cra , cra"); got != cra {
		t.Errorf("cra twice: %d requirements, want %d", got, cra)
	}
	if code, _, errOut := runCaptured("catalog", "list", "--regime", "cra,bogus"); code != 2 || !strings.Contains(errOut, `unknown regime "bogus"`) {
		t.Errorf("cra,bogus: exit %d, %q", code, errOut)
	}
}
