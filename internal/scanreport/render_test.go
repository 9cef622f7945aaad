package scanreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/vex"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var (
	dbOnce sync.Once
	dbDir  string
	dbErr  error
)

// realDB imports the staged Maven/NuGet/npm OSV data (what the keycloak
// SBOM needs), KEV and the KEV×EPSS join into an on-disk database (once per
// test binary) and opens it, as a database import would.
func realDB(tb testing.TB) *advisory.DB {
	tb.Helper()
	srcs := []string{
		testdata.Path(tb, "advisories/osv-derived"),
		testdata.Path(tb, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(tb, "epss/kev-epss-nvd.csv"),
	}
	dbOnce.Do(func() {
		dbDir, dbErr = os.MkdirTemp("", "dualmark-scanreport-db-")
		if dbErr != nil {
			return
		}
		im := advisory.NewImporter()
		for _, s := range srcs {
			if dbErr = im.Add(s); dbErr != nil {
				return
			}
		}
		_, dbErr = im.Write(dbDir)
	})
	if dbErr != nil {
		tb.Fatal(dbErr)
	}
	db, err := advisory.OpenDB(dbDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// keycloakScan scans a real CycloneDX SBOM (keycloak 10.0.2) against realDB.
func keycloakScan(t *testing.T) *match.Result {
	t.Helper()
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.ScanDocument(doc, realDB(t), match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbDir != "" {
		os.RemoveAll(dbDir)
	}
	os.Exit(code)
}

// goldenResult is a small fixed result covering every field: KEV, match.EPSS,
// CVSS, a CPE match with confidence, aliases, a VEX-suppressed finding.
func goldenResult() *match.Result {
	st := &vex.Statement{Vulnerability: "CVE-2021-44228", Status: vex.StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path",
		Format: "openvex", Source: "vendor.vex.json#/statements/0"}
	res := &match.Result{Findings: []match.Finding{
		{Component: match.ComponentRef{Ref: "c1", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			Advisory: match.AdvisoryRef{ID: "CVE-2021-44228", Aliases: []string{}, Summary: "Remote code injection in Log4j <\"JNDI\">"},
			Match:    match.MatchPURL, Ecosystem: "Maven", KEV: true, KEVDateAdded: "2021-12-10", KnownRansomware: true,
			EPSS: &match.EPSS{Score: 0.94358, Percentile: 0.99968}, Severity: match.SeverityCritical,
			CVSS:  &match.Score{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Level: match.SeverityCritical},
			Fixed: []string{"2.15.0"}, Suppressed: true, SuppressedBy: st},
		{Component: match.ComponentRef{Name: "nginx", Version: "1.20.0"},
			Advisory: match.AdvisoryRef{ID: "BIT-nginx-2021-23017", Aliases: []string{"CVE-2021-23017"}, Summary: "nginx resolver off-by-one"},
			Match:    match.MatchCPE, Confidence: 0.8, Ecosystem: "Bitnami", EPSS: &match.EPSS{Score: 0.00043, Percentile: 0.1},
			Severity: match.SeverityHigh, CVSS: &match.Score{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 8.1, Level: match.SeverityHigh},
			Fixed: []string{"1.20.1", "1.21.0"}},
		{Component: match.ComponentRef{Ref: "c3", Name: "golang.org/x/net", Version: "v0.0.1", PURL: "pkg:golang/golang.org/x/net@v0.0.1"},
			Advisory: match.AdvisoryRef{ID: "GO-2022-0236", Aliases: []string{"CVE-2021-31525", "GHSA-h86h-8ppg-mxmh"}, Related: []string{"GHSA-h86h-8ppg-mxmh"}},
			Match:    match.MatchPURL, Ecosystem: "Go", Severity: match.SeverityUnknown, Fixed: []string{}},
	}}
	res.Summary = match.Summary{Components: 4, Affected: 2, NotAffected: 1, Unmatchable: 1,
		Reasons:   map[string]int{match.ReasonNoIdentifier: 1},
		Uncovered: []match.Unmatchable{{Component: match.ComponentRef{Ref: "c4", Name: "vendor-blob"}, Coverage: match.CoverageUnmatchable, Reason: match.ReasonNoIdentifier}},
		Findings:  3, Suppressed: 1, Vulnerabilities: 2, KEV: 0,
		BySeverity: map[string]int{match.SeverityHigh: 1, match.SeverityUnknown: 1}, ByMatch: map[string]int{match.MatchPURL: 1, match.MatchCPE: 1}}
	return res
}

// TestRenderGolden pins every output format on a fixed result; run with
// -update to rewrite testdata/golden.*.
func TestRenderGolden(t *testing.T) {
	res := goldenResult()
	opts := RenderOptions{SBOM: "firmware.cdx.json", Time: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0", Tooling: "dualmark scan"}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, res, format, opts); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden."+format)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s output differs from %s:\n%s", format, path, buf.String())
			}
		})
	}
	// the table reads KEV first, then severity
	var buf bytes.Buffer
	WriteTable(&buf, res)
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "4 components: 2 affected, 1 not affected, 0 no data, 1 unmatchable") || !strings.HasPrefix(lines[2], "KEV") {
		t.Errorf("table does not start with the four coverage counts and the header:\n%s", buf.String())
	}
	lines = lines[2:]
	if !strings.Contains(lines[1], "BIT-nginx") || !strings.Contains(lines[2], "GO-2022-0236") || !strings.Contains(lines[3], "suppressed") {
		t.Errorf("table order wrong:\n%s", buf.String())
	}
}

// TestJSONSameAsEncodingJSON: the hand-written JSON writer produces the
// same document as encoding/json, on the golden result and a real scan.
func TestJSONSameAsEncodingJSON(t *testing.T) {
	results := []*match.Result{goldenResult()}
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	real, err := match.ScanDocument(doc, realDB(t), match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, real, &match.Result{Findings: []match.Finding{}})
	for i, res := range results {
		var fast bytes.Buffer
		if err := WriteJSON(&fast, res); err != nil {
			t.Fatal(err)
		}
		std, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(fast.Bytes(), &a); err != nil {
			t.Fatalf("result %d: WriteJSON wrote invalid JSON: %v", i, err)
		}
		json.Unmarshal(std, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("result %d: WriteJSON and encoding/json differ", i)
		}
	}
	for _, s := range []string{"plain", "quote\" back\\slash", "ctl\x01\n\t", "<html>&", "bad\xffutf8", "line\u2028sep", "ünï"} {
		std, _ := json.Marshal(s)
		var got, want string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		json.Unmarshal(std, &want)
		if got != want {
			t.Errorf("appendString(%q) decodes to %q, encoding/json to %q", s, got, want)
		}
	}
}

// TestSARIFValidates validates the SARIF rendering of a real scan against
// the SARIF 2.1.0 JSON schema.
func TestSARIFValidates(t *testing.T) {
	schemaPath := testdata.Path(t, "specs/sarif-2.1.0/sarif-schema-2.1.0.json")
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	res := keycloakScan(t)
	for _, r := range []*match.Result{res, goldenResult()} {
		var buf bytes.Buffer
		if err := Render(&buf, r, FormatSARIF, RenderOptions{SBOM: "bom.json", Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("SARIF does not validate: %v", err)
		}
	}
}
