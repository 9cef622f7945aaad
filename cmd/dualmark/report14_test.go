package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// runOut runs the command line and returns the exit code and output.
func runOut(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out, code := runCatalog(t, args...)
	return code, out
}

// TestArt14Flow walks a case through open, status, draft, submit and
// record, pinning exit codes and the deadlines printed.
func TestArt14Flow(t *testing.T) {
	dir := t.TempDir()
	c := filepath.Join(dir, "case.json")
	fields := filepath.Join(dir, "fields.json")
	os.WriteFile(fields, []byte(`{"vulnerability":{"id":"CVE-2023-44487","nature":"HTTP/2 rapid reset","exploit":"remote, unauthenticated"},
"measuresTaken":"HTTP/2 disabled","userMeasures":"disable remote access","sensitivity":"TLP:AMBER"}`), 0o644)
	steps := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"open", []string{"art14", "open", "testdata/art14-spec.json", "--out", c, "--at", "2026-10-02T08:00:00Z"}, 0, "opened LUMORA-2026-007"},
		{"Art14(2)(a) early warning at 50 %", []string{"art14", "status", c, "--at", "2026-10-02T20:00:00Z"}, 0, "2026-10-03 07:30  at-50"},
		{"Art14(2)(a) early warning overdue", []string{"art14", "status", c, "--at", "2026-10-03T07:30:00Z"}, 1, "overdue"},
		{"status json", []string{"art14", "status", c, "--at", "2026-10-02T20:00:00Z", "--json"}, 0, `"state": "at-50"`},
		{"draft early warning", []string{"art14", "draft", c, "--stage", "early-warning", "--at", "2026-10-02T09:00:00Z"}, 0, "NCSC-NL"},
		{"submit early warning", []string{"art14", "submit", c, "--stage", "early-warning", "--channel", "SRP", "--receipt", "R1", "--at", "2026-10-02T18:00:00Z"}, 0, "submitted"},
		{"submit twice", []string{"art14", "submit", c, "--stage", "early-warning", "--channel", "SRP", "--receipt", "R2", "--at", "2026-10-02T19:00:00Z"}, 2, ""},
		{"draft notification", []string{"art14", "draft", c, "--stage", "notification", "--at", "2026-10-02T19:00:00Z", "--format", "json"}, 0, `"CRA-14.AEV.VN"`},
		{"incomplete notification refused", []string{"art14", "submit", c, "--stage", "notification", "--channel", "SRP", "--receipt", "R3", "--at", "2026-10-03T10:00:00Z"}, 2, ""},
		{"fill notification", []string{"art14", "draft", c, "--stage", "notification", "--set", fields, "--format", "html"}, 0, "<table>"},
		{"submit notification", []string{"art14", "submit", c, "--stage", "notification", "--channel", "SRP", "--receipt", "R3", "--at", "2026-10-03T10:00:00Z"}, 0, ""},
		{"backwards event refused", []string{"art14", "record", c, "--measure-available", "2026-10-10T12:00:00Z", "--at", "2026-10-03T09:00:00Z"}, 2, ""},
		{"measure available", []string{"art14", "record", c, "--measure-available", "2026-10-10T12:00:00Z", "--at", "2026-10-10T12:05:00Z"}, 0, ""},
		{"Art14(2)(c) final report 14 days after the fix", []string{"art14", "status", c, "--at", "2026-10-11T00:00:00Z"}, 0, "2026-10-24 12:00  running"},
		{"bad stage", []string{"art14", "draft", c, "--stage", "nope"}, 2, ""},
		{"csirts", []string{"art14", "csirts"}, 0, "NCSC-NL"},
	}
	for _, s := range steps {
		code, out := runOut(t, s.args...)
		if code != s.code || !strings.Contains(out, s.want) {
			t.Fatalf("%s: exit %d (want %d), output:\n%s\nwant %q", s.name, code, s.code, out, s.want)
		}
	}
}

// TestCSAFCommands: vex and advisory write checked documents, check finds
// a TC failure document (exit 1), provider writes a directory.
func TestCSAFCommands(t *testing.T) {
	sd := testdata.Path(t, "csaf/oasis-csaf/csaf_2.0")
	dir := t.TempDir()
	c := filepath.Join(dir, "case.json")
	if code, out := runOut(t, "art14", "open", "testdata/art14-spec.json", "--out", c, "--at", "2026-10-02T08:00:00Z"); code != 0 {
		t.Fatal(out)
	}
	pub := []string{"--publisher", "Lumora Vision PSIRT", "--namespace", "https://lumora.example", "--at", "2026-10-20T10:00:00Z", "--schema-dir", sd}
	out := filepath.Join(dir, "csaf")
	for _, s := range []struct {
		name string
		args []string
		code int
	}{
		{"advisory", append([]string{"csaf", "advisory", c, "--out", out}, pub...), 0},
		{"vex", append([]string{"csaf", "vex", "../../internal/csaf/testdata/security-camera.scan.json", "--out", out, "--vendor", "Lumora Vision", "--name", "IC400 camera", "--version", "3.2.0", "--vex", "testdata/camera-vex.openvex.json"}, pub...), 0},
		{"vex without publisher", []string{"csaf", "vex", "../../internal/csaf/testdata/security-camera.scan.json", "--out", out}, 2},
		{"check generated", []string{"csaf", "check", "--schema-dir", sd, filepath.Join(out, "ic400_camera-3_2_0-csaf_vex.json"), filepath.Join(out, "ic400_camera-3_2_0-csaf_security_advisory.json")}, 0},
		{"check 6.1.1 failure", []string{"csaf", "check", "--schema-dir", sd, filepath.Join(sd, "test/validator/data/mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json")}, 1},
		{"check missing file", []string{"csaf", "check", "--schema-dir", sd, filepath.Join(dir, "nope.json")}, 2},
		{"provider", []string{"csaf", "provider", "--schema-dir", sd, "--out", filepath.Join(dir, "site"), "--base-url", "https://lumora.example", "--publisher", "Lumora Vision PSIRT", "--namespace", "https://lumora.example",
			filepath.Join(out, "ic400_camera-3_2_0-csaf_vex.json")}, 0},
		{"products", []string{"csaf", "products", testdata.Path(t, "csaf/cisa-ics-csaf/raw-2024/icsa-24-016-01.json"), "--vendor", "SEW-EURODRIVE", "--name", "MOVITOOLS MotionStudio", "--version", "6.5.0.2"}, 1},
		{"products other version", []string{"csaf", "products", testdata.Path(t, "csaf/cisa-ics-csaf/raw-2024/icsa-24-016-01.json"), "--vendor", "SEW-EURODRIVE", "--name", "MOVITOOLS MotionStudio", "--version", "6.6"}, 0},
	} {
		if code, o := runOut(t, s.args...); code != s.code {
			t.Errorf("%s: exit %d, want %d:\n%s", s.name, code, s.code, o)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "site/.well-known/csaf/white/index.txt")); err != nil {
		t.Error(err)
	}
}
