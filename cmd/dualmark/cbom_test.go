package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestCBOMCheckGolden runs cbom check on the example CBOMs, the staged real
// CBOMs and a dossier without CBOM, on a fixed date; the shared-data path is
// replaced by $DATA in the goldens.
func TestCBOMCheckGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
		data   string // shared-data file given as the last argument
		code   int
	}{
		{"cbom-router.golden", []string{"../../examples/home-router/cbom.cdx.json", "--support-until", "2031-06-30"}, "", 1},
		{"cbom-plug.golden", []string{"../../examples/smart-plug/cbom.cdx.json", "--support-until", "2031-12-31"}, "", 0},
		{"cbom-camera-dossier.golden", []string{"--dossier", "../../examples/security-camera"}, "", 1},
		{"cbom-ibm-protocol.golden", []string{"--support-until", "2031-06-30"}, "sbom/cyclonedx-bom-examples/CBOM/Protocol/bom.json", 1},
		{"cbom-ibm-algorithm.golden", nil, "sbom/cyclonedx-bom-examples/CBOM/Algorithm/bom.json", 0},
		{"cbom-ibm-certificate.golden", []string{"--support-until", "2029-12-31", "--json"}, "sbom/cyclonedx-bom-examples/CBOM/Certificate/bom.json", 0},
		{"cbom-spec-full-1.6-xml.golden", nil, "sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-full-1.6.xml", 1},
		{"cbom-spec-full-1.7.golden", nil, "sbom/cyclonedx-spec/test-resources/1.7/valid-cryptography-full-1.7.json", 1},
	} {
		t.Run(c.golden, func(t *testing.T) {
			args := append([]string{"cbom", "check", "--on", "2026-12-03"}, c.args...)
			if c.data != "" {
				args = append(args, testdata.Path(t, c.data))
			}
			code, out, errOut := runCaptured(args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, errOut)
			}
			if dir := testdata.Dir(); dir != "" {
				out = strings.ReplaceAll(out, dir, "$DATA")
			}
			checkGolden(t, c.golden, out)
		})
	}
}

// TestCBOMCheckJSON pins the JSON fields other tools read.
func TestCBOMCheckJSON(t *testing.T) {
	code, out, errOut := runCaptured("cbom", "check", "../../examples/home-router/cbom.cdx.json", "--on", "2026-12-03", "--support-until", "2031-06-30", "--json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Ready     bool           `json:"ready"`
		Readiness string         `json:"readiness"`
		Counts    map[string]int `json:"counts"`
		Findings  []struct {
			Ref, Status, Deadline, Message string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Ready || got.Readiness == "" || got.Counts["quantum-vulnerable"] == 0 {
		t.Errorf("ready=%v readiness=%q counts=%v", got.Ready, got.Readiness, got.Counts)
	}
	found := false
	for _, f := range got.Findings {
		if f.Ref == "fw-image-sig" {
			found = f.Status == "migrate" && f.Deadline == "2030-12-31" && strings.Contains(f.Message, "migrate by 2030-12-31")
		}
	}
	if !found {
		t.Errorf("no migrate-by-2030-12-31 finding for the RSA-2048 firmware signature: %+v", got.Findings)
	}
}

func TestCBOMHelp(t *testing.T) {
	cmd := newCBOMCheckCmd()
	if !strings.Contains(cmd.Example, "dualmark cbom check") || !strings.Contains(cmd.Long, "Exit codes") || !strings.Contains(cmd.Long, "a draft") {
		t.Error("cbom check --help needs examples, the exit codes and the draft status of IR 8547")
	}
}

// TestCBOMCheckErrors: bad usage and unreadable input exit 2 with a message
// naming the problem.
func TestCBOMCheckErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"cbom", "check"}, "takes one CBOM file"},
		{[]string{"cbom", "check", "x.json", "--dossier", "d"}, "not both"},
		{[]string{"cbom", "check", "../../examples/smart-plug/cbom.cdx.json", "--on", "03.12.2026"}, "--on"},
		{[]string{"cbom", "check", "../../examples/smart-plug/dossier.yaml"}, "dossier.yaml"},
		{[]string{"cbom", "check", "no-such-file.json"}, "no-such-file.json"},
	} {
		code, _, errOut := runCaptured(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}
