package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestErrorsAndHints runs dualmark on wrong input and checks the one
// message in dualmark's style, its hint and exit 2: no raw cobra text, no
// list of unknown-field issues for an SBOM given as a dossier.
func TestErrorsAndHints(t *testing.T) {
	empty := t.TempDir()
	sbomFile := filepath.Join("..", "..", "examples", "smart-plug", "sbom.cdx.json")
	spdx := testdata.Path(t, "sbom/osv-scanner-fixtures/sbom-insecure/only-unimportant.spdx.json")
	tests := []struct {
		name      string
		args      []string
		msg, hint string
	}{
		{"assess given a CycloneDX SBOM", []string{"assess", sbomFile}, "this is an SBOM (CycloneDX JSON), not a product dossier", "and this file with --sbom " + sbomFile + ", or scan it alone: dualmark scan " + sbomFile + " --db DIR"},
		{"docs given an SPDX SBOM", []string{"docs", spdx, "--out", empty}, "this is an SBOM (SPDX JSON), not a product dossier", "--sbom " + spdx},
		{"assess without a path", []string{"assess"}, "assess: wrong arguments (0 given; usage: dualmark assess PATH [flags])", "see dualmark assess --help"},
		{"unknown flag", []string{"assess", "x", "--bogus"}, "assess: unknown flag --bogus", "see dualmark assess --help"},
		{"flag without value", []string{"assess", "x", "--db"}, "assess: --db needs a value", "see dualmark assess --help"},
		{"unknown command", []string{"asess", "x"}, `unknown command "asess"`, "did you mean dualmark assess?"},
		{"unknown subcommand", []string{"catalog", "lst"}, `catalog: unknown command "lst"`, "did you mean dualmark catalog list?"},
		{"extra argument", []string{"version", "extra"}, "version: wrong arguments (1 given; usage: dualmark version [flags])", "see dualmark version --help"},
		{"no dossier", []string{"assess", empty}, "no dossier file", "dualmark init --out DIR"},
		{"no database", []string{"db", "status", "--db", empty}, "no advisory database in " + empty, "dualmark db import --db " + empty + " SOURCE..."},
		{"vex without db", []string{"assess", "../../examples/smart-plug", "--vex", "v.json"}, "VEX documents only apply to a scan", "--vex needs --db DIR"},
		{"label issue given a trust file", []string{"label", "issue", "testdata/label/trust.json", "--keys", empty, "--log", empty, "--out", filepath.Join(empty, "x.json")},
			"/product/name is missing", "or an assessment made by this dualmark: dualmark assess DOSSIER-DIR --format json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCaptured(tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			msg, hint, _ := strings.Cut(errOut, "\nhint: ")
			if !strings.Contains(msg, tt.msg) || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line containing %q", msg, tt.msg)
			}
			if !strings.Contains(hint, tt.hint) {
				t.Errorf("hint %q, want it to contain %q", hint, tt.hint)
			}
			for _, raw := range []string{"arg(s)", "unknown field", "unknown shorthand", "flag needs an argument"} {
				if strings.Contains(errOut, raw) {
					t.Errorf("raw library text %q in %q", raw, errOut)
				}
			}
		})
	}
}
