package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestScanCommand runs "dualmark db import" on the staged Maven/NuGet/npm
// conversions and KEV, then "dualmark scan" of the real keycloak SBOM with
// every format and --fail-on level, as a user would.
func TestScanCommand(t *testing.T) {
	db := t.TempDir()
	if code, _, errs := runCaptured("db", "import", "--db", db,
		testdata.Path(t, "advisories/osv-derived"),
		testdata.Path(t, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(t, "epss/kev-epss-nvd.csv")); code != 0 {
		t.Fatalf("db import: exit %d: %s", code, errs)
	}
	keycloak := testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json")
	minikube := testdata.Path(t, "sbom/cyclonedx-generators/gomod/app_minikube-v1.23.1.bom.json")

	code, out, errs := runCaptured("scan", keycloak, "--db", db)
	if code != 1 || !strings.Contains(out, "KEV") || !strings.Contains(out, "components: ") {
		t.Fatalf("table scan: exit %d, stderr %s\n%s", code, errs, out)
	}
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "KEV ") && strings.Contains(l, "SEVERITY") {
			if !strings.HasPrefix(lines[i+1], "KEV") {
				t.Errorf("the first finding of the table is not a KEV one: %q", lines[i+1])
			}
			break
		}
	}
	if !strings.HasPrefix(out, "903 components: ") || !strings.Contains(out, "advisory database built ") {
		t.Errorf("the table does not start with the coverage counts and the database dates:\n%.400s", out)
	}

	code, out, _ = runCaptured("scan", keycloak, "--db", db, "--json")
	var res struct {
		Findings []struct {
			Component struct{ Name, Version, PURL string }
			Advisory  struct {
				ID      string
				Aliases []string
			}
			Match      string
			KEV        bool
			Severity   string
			Fixed      []string
			Suppressed bool
		}
		Summary struct {
			Components, Affected, NotAffected, NoData, Unmatchable int
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 {
		t.Fatalf("--json: exit %d, %v", code, err)
	}
	s := res.Summary
	if s.Components != 903 || s.Affected+s.NotAffected+s.NoData+s.Unmatchable != s.Components || len(res.Findings) == 0 {
		t.Errorf("summary %+v with %d findings", s, len(res.Findings))
	}

	for _, format := range []string{"sarif", "cyclonedx-vdr", "openvex"} {
		code, out, errs := runCaptured("scan", keycloak, "--db", db, "--format", format)
		if code != 1 || !json.Valid([]byte(out)) {
			t.Errorf("--format %s: exit %d, valid JSON %v, stderr %s", format, code, json.Valid([]byte(out)), errs)
		}
	}

	tests := []struct {
		args []string
		want int
	}{
		{[]string{"scan", keycloak, "--db", db, "--fail-on", "kev"}, 1},
		{[]string{"scan", keycloak, "--db", db, "--fail-on", "none"}, 0},
		{[]string{"scan", minikube, "--db", db}, 0}, // no Go data imported: nothing found
		{[]string{"scan", keycloak, "--db", db, "--format", "yaml"}, 2},
		{[]string{"scan", keycloak, "--db", db, "--fail-on", "medium"}, 1},
		{[]string{"scan", keycloak, "--db", db, "--fail-on", "severe"}, 2},
		{[]string{"scan", keycloak, "--db", db, "--platform", "plan9"}, 2},
		{[]string{"scan", "--db", db}, 2},
		{[]string{"scan", filepath.Join(t.TempDir(), "missing.json"), "--db", db}, 2},
		{[]string{"scan", keycloak, "--db", filepath.Join(t.TempDir(), "nodb")}, 2},
	}
	for _, tc := range tests {
		if code, _, errs := runCaptured(tc.args...); code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args[1:], code, tc.want, errs)
		}
	}

	// A VEX that says not_affected for every finding's id suppresses them
	// all: exit 0, and the suppressed findings stay in the JSON.
	var stmts []string
	for _, f := range res.Findings {
		stmts = append(stmts, `{"vulnerability":{"name":"`+f.Advisory.ID+`"},"products":[{"@id":"`+f.Component.PURL+`"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}`)
	}
	vexFile := filepath.Join(t.TempDir(), "all.openvex.json")
	doc := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"test","timestamp":"2026-11-29T00:00:00Z","version":1,"statements":[` + strings.Join(stmts, ",") + `]}`
	if err := os.WriteFile(vexFile, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCaptured("scan", keycloak, "--db", db, "--vex", vexFile, "--json")
	if code != 0 {
		t.Fatalf("all findings suppressed by VEX: exit %d, want 0 (%s)", code, errs)
	}
	var sup struct {
		Findings []struct {
			Suppressed   bool
			SuppressedBy *struct{ Source string }
		}
	}
	json.Unmarshal([]byte(out), &sup)
	if len(sup.Findings) != len(res.Findings) {
		t.Errorf("%d findings with VEX, %d without: suppressed findings must stay", len(sup.Findings), len(res.Findings))
	}
	for _, f := range sup.Findings {
		if !f.Suppressed || f.SuppressedBy == nil || !strings.Contains(f.SuppressedBy.Source, "all.openvex.json#/statements/") {
			t.Fatalf("finding not suppressed with its statement: %+v", f)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"status":"maybe"}]}`), 0o644)
	if code, _, errs := runCaptured("scan", keycloak, "--db", db, "--vex", bad); code != 2 || !strings.Contains(errs, "bad.json") {
		t.Errorf("bad VEX: exit %d, %q; want 2 naming the file", code, errs)
	}
}

// TestScanFirmware imports the staged CVE records, KEV and EPSS and scans
// the router firmware SBOM (Linux 4.4.94, OpenSSL 1.1.1w, curl 7.74.0,
// glibc 2.31 by CPE) as a new user would: CVE-2024-1086 (KEV) on the
// kernel and CVE-2024-5535 on OpenSSL, each with severity, its source and
// the deciding container; CVE-2024-26581 not on 4.4.94; coverage counted.
func TestScanFirmware(t *testing.T) {
	db := t.TempDir()
	cves := testdata.Path(t, "advisories/cve5")
	if testing.Short() { // the records the checks below name, not all 44,402
		cves = stagedCVEs(t, "CVE-2024-1086", "CVE-2024-5535", "CVE-2024-26581")
	}
	if code, _, errs := runCaptured("db", "import", "--db", db,
		cves,
		testdata.Path(t, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(t, "epss/kev-epss-nvd.csv")); code != 0 {
		t.Fatalf("db import: exit %d: %s", code, errs)
	}
	router := filepath.Join("testdata", "router.cdx.json")
	code, out, errs := runCaptured("scan", router, "--db", db, "--json")
	if code != 1 {
		t.Fatalf("exit %d (%s)", code, errs)
	}
	var res struct {
		Findings []struct {
			Component      struct{ Name string }
			Advisory       struct{ ID string }
			Match          string
			KEV            bool
			Severity       string
			SeveritySource string
			Exploitation   string
			DecidedBy      *struct{ Container, Provider string }
		}
		Summary struct {
			Components, Affected, NotAffected, NoData, Unmatchable int
			Platform                                               string
			Database                                               *struct{ Built, NewestRecord string }
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		key := f.Component.Name + " " + f.Advisory.ID
		seen[key] = true
		switch key {
		case "linux CVE-2024-1086", "openssl CVE-2024-5535":
			if f.Severity == "unknown" || f.SeveritySource == "" || f.DecidedBy == nil || f.DecidedBy.Container != "cna" || f.Match != "cpe" {
				t.Errorf("%s: %+v", key, f)
			}
			if key == "linux CVE-2024-1086" && (!f.KEV || f.Exploitation != "active") {
				t.Errorf("%s: KEV %v, exploitation %q", key, f.KEV, f.Exploitation)
			}
		}
	}
	for _, k := range []string{"linux CVE-2024-1086", "openssl CVE-2024-5535"} {
		if !seen[k] {
			t.Errorf("%s not found", k)
		}
	}
	if seen["linux CVE-2024-26581"] {
		t.Error("CVE-2024-26581 shown on Linux 4.4.94")
	}
	s := res.Summary
	if s.Components != 6 || s.Affected+s.NotAffected+s.NoData+s.Unmatchable != 6 || s.Unmatchable != 1 ||
		s.Platform != "linux" || s.Database == nil || s.Database.Built == "" || s.Database.NewestRecord == "" {
		t.Errorf("summary %+v", s)
	}
	// the counts of the whole data (under -short curl, glibc and busybox
	// have no record in the small database)
	summary := "6 components: 4 affected, 0 not affected, 1 no data, 1 unmatchable\n"
	if testing.Short() {
		summary = "6 components: 2 affected, 0 not affected, 3 no data, 1 unmatchable\n"
	} else if s.NoData != 1 {
		t.Errorf("summary %+v", s)
	}

	code, table, _ := runCaptured("scan", router, "--db", db)
	if code != 1 || !strings.HasPrefix(table, summary) ||
		strings.Contains(table, "clean") || !strings.Contains(table, "(cna Google)") {
		t.Errorf("table: exit %d\n%.600s", code, table)
	}
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--fail-on", "kev"}, 1},
		{[]string{"--fail-on", "critical", "--ignore-unknown-severity"}, 1},
		{[]string{"--fail-on", "none"}, 0},
	}
	for _, tc := range tests {
		if code, _, errs := runCaptured(append([]string{"scan", router, "--db", db}, tc.args...)...); code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.want, errs)
		}
	}
}
