package match

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

// realDB imports the staged OSV data, KEV and EPSS into an on-disk database
// (once per test binary) and opens it, as `dualmark db import` would.
func realDB(tb testing.TB) *advisory.DB {
	tb.Helper()
	// the sources the scanned SBOMs need (Go, PyPI, crates.io, Hackage,
	// CRAN, Maven/NuGet/npm), KEV and the KEV×EPSS join; the distro, Bitnami
	// and OSS-Fuzz data and the 360k-row EPSS file only slow the import
	srcs := []string{
		testdata.Path(tb, "advisories/osv/go-vulndb/Go.osv.jsonl.gz"),
		testdata.Path(tb, "advisories/osv/pypa-advisory-database/PyPI.osv.jsonl.gz"),
		testdata.Path(tb, "advisories/osv/rustsec-advisory-db/crates.io.osv.jsonl.gz"),
		testdata.Path(tb, "advisories/osv/haskell-security-advisories/Hackage.osv.jsonl.gz"),
		testdata.Path(tb, "advisories/osv/r-advisory-database/CRAN.osv.jsonl.gz"),
		testdata.Path(tb, "advisories/osv-derived"),
		testdata.Path(tb, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(tb, "epss/kev-epss-nvd.csv"),
	}
	dbOnce.Do(func() { dbDir, dbErr = importDB("dualmark-match-db-", srcs) })
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

// importDB imports sources into a new temporary database directory, as
// "dualmark db import" does.
func importDB(prefix string, srcs []string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	im := advisory.NewImporter()
	for _, s := range srcs {
		if err := im.Add(s); err != nil {
			return dir, err
		}
	}
	_, err = im.Write(dir)
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbDir != "" {
		os.RemoveAll(dbDir)
	}
	os.Exit(code)
}

// TestScanRealSBOMs scans real SBOMs end to end (sbom.ParseFile, on-disk
// database) and checks findings a person can verify by hand, plus the
// summary invariant: every component is matched, clean or not matchable.
func TestScanRealSBOMs(t *testing.T) {
	db := realDB(t)
	tests := []struct {
		file      string
		mustFind  [][2]string // (component name, advisory id)
		mustNot   [][2]string
		wantKEV   bool
		minAffect int
	}{
		{
			file:     "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json",
			mustFind: [][2]string{{"jackson-databind", "CVE-2020-25649"}},
			wantKEV:  true, minAffect: 50,
		},
		{
			file:      "sbom/cyclonedx-generators/node-npm/juice-shop.bare.cdx-1.6.json",
			mustFind:  [][2]string{{"jsonwebtoken", "NSWG-ECO-17"}},
			minAffect: 3,
		},
		{
			file:      "sbom/cyclonedx-generators/gomod/app_minikube-v1.23.1.bom.json",
			mustFind:  [][2]string{{"github.com/docker/docker", "GO-2024-2914"}},
			minAffect: 10,
		},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			doc, err := sbom.ParseFile(testdata.Path(t, tc.file), sbom.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := ScanDocument(doc, db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Summary
			if s.Components != len(doc.Components) || s.Affected+s.NotAffected+s.NoData+s.Unmatchable != s.Components {
				t.Errorf("summary does not account for every component: %+v (document has %d)", s, len(doc.Components))
			}
			if s.Affected < tc.minAffect {
				t.Errorf("%d components with findings, want ≥ %d", s.Affected, tc.minAffect)
			}
			has := func(name, id string) bool {
				for _, f := range res.Findings {
					if strings.HasSuffix(f.Component.Name, name) && (f.Advisory.ID == id || contains(f.Advisory.Aliases, id)) {
						return true
					}
				}
				return false
			}
			for _, p := range tc.mustFind {
				if !has(p[0], p[1]) {
					t.Errorf("no finding %s on %s", p[1], p[0])
				}
			}
			for _, p := range tc.mustNot {
				if has(p[0], p[1]) {
					t.Errorf("unexpected finding %s on %s", p[1], p[0])
				}
			}
			if tc.wantKEV && s.KEV == 0 {
				t.Error("no KEV finding")
			}
			seen := map[[2]string]bool{}
			for _, f := range res.Findings {
				k := [2]string{f.Component.Ref + f.Component.PURL + f.Component.Name, f.Advisory.ID}
				if seen[k] {
					t.Errorf("two findings for %v", k)
				}
				seen[k] = true
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestVEXSuppression: a real CycloneDX VEX statement (CVE-2020-25649,
// not_affected) suppresses the keycloak finding, which stays in the result
// with the statement.
func TestVEXSuppression(t *testing.T) {
	db := realDB(t)
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := vex.Load(testdata.Path(t, "sbom/cyclonedx-bom-examples/VEX/vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The example VEX names a product by bom-ref of another BOM; say which
	// purl it covers, as a supplier's VEX for this SBOM would.
	for i := range stmts {
		if stmts[i].Vulnerability == "CVE-2020-25649" {
			stmts[i].Products = []string{"pkg:maven/com.fasterxml.jackson.core/jackson-databind"}
		}
	}
	res, err := ScanDocument(doc, db, Options{VEX: stmts})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if f.Advisory.ID == "CVE-2020-25649" {
			n++
			if !f.Suppressed || f.SuppressedBy == nil || f.SuppressedBy.Status != vex.StatusNotAffected {
				t.Errorf("finding %+v not suppressed by the not_affected statement", f)
			}
		}
	}
	if n == 0 || res.Summary.Suppressed < n {
		t.Errorf("%d CVE-2020-25649 findings, %d suppressed", n, res.Summary.Suppressed)
	}
}

// goldenResult is a small fixed result covering every field: KEV, EPSS,
// CVSS, a CPE match with confidence, aliases, a VEX-suppressed finding.
func goldenResult() *Result {
	st := &vex.Statement{Vulnerability: "CVE-2021-44228", Status: vex.StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path",
		Format: "openvex", Source: "vendor.vex.json#/statements/0"}
	res := &Result{Findings: []Finding{
		{Component: ComponentRef{Ref: "c1", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			Advisory: AdvisoryRef{ID: "CVE-2021-44228", Aliases: []string{}, Summary: "Remote code injection in Log4j <\"JNDI\">"},
			Match:    MatchPURL, Ecosystem: "Maven", KEV: true, KEVDateAdded: "2021-12-10", KnownRansomware: true,
			EPSS: &EPSS{Score: 0.94358, Percentile: 0.99968}, Severity: SeverityCritical,
			CVSS:  &Score{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Level: SeverityCritical},
			Fixed: []string{"2.15.0"}, Suppressed: true, SuppressedBy: st},
		{Component: ComponentRef{Name: "nginx", Version: "1.20.0"},
			Advisory: AdvisoryRef{ID: "BIT-nginx-2021-23017", Aliases: []string{"CVE-2021-23017"}, Summary: "nginx resolver off-by-one"},
			Match:    MatchCPE, Confidence: 0.8, Ecosystem: "Bitnami", EPSS: &EPSS{Score: 0.00043, Percentile: 0.1},
			Severity: SeverityHigh, CVSS: &Score{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 8.1, Level: SeverityHigh},
			Fixed: []string{"1.20.1", "1.21.0"}},
		{Component: ComponentRef{Ref: "c3", Name: "golang.org/x/net", Version: "v0.0.1", PURL: "pkg:golang/golang.org/x/net@v0.0.1"},
			Advisory: AdvisoryRef{ID: "GO-2022-0236", Aliases: []string{"CVE-2021-31525", "GHSA-h86h-8ppg-mxmh"}, Related: []string{"GHSA-h86h-8ppg-mxmh"}},
			Match:    MatchPURL, Ecosystem: "Go", Severity: SeverityUnknown, Fixed: []string{}},
	}}
	res.Summary = Summary{Components: 4, Affected: 2, NotAffected: 1, Unmatchable: 1,
		Reasons:   map[string]int{ReasonNoIdentifier: 1},
		Uncovered: []Unmatchable{{Component: ComponentRef{Ref: "c4", Name: "vendor-blob"}, Coverage: CoverageUnmatchable, Reason: ReasonNoIdentifier}},
		Findings:  3, Suppressed: 1, Vulnerabilities: 2, KEV: 0,
		BySeverity: map[string]int{SeverityHigh: 1, SeverityUnknown: 1}, ByMatch: map[string]int{MatchPURL: 1, MatchCPE: 1}}
	return res
}

// TestRenderGolden pins every output format on a fixed result; run with
// -update to rewrite testdata/golden.*.
func TestRenderGolden(t *testing.T) {
	res := goldenResult()
	opts := RenderOptions{SBOM: "firmware.cdx.json", Time: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0"}
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
	results := []*Result{goldenResult()}
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	real, err := ScanDocument(doc, realDB(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, real, &Result{Findings: []Finding{}})
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
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ScanDocument(doc, realDB(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Result{res, goldenResult()} {
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

// TestParallelSameAsSerial: splitting the components over workers gives
// exactly the result of one worker.
func TestParallelSameAsSerial(t *testing.T) {
	comps := benchComponents(t, "bench/synth-10000.cdx.json")
	src := DBSource{DB: realDB(t)}
	par, err := Scan(comps, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := parallelFrom
	parallelFrom = len(comps) + 1
	defer func() { parallelFrom = old }()
	ser, err := Scan(comps, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	WriteJSON(&a, par)
	WriteJSON(&b, ser)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("parallel and serial scans differ (%d vs %d findings)", len(par.Findings), len(ser.Findings))
	}
	if par.Summary.Findings < 5000 {
		t.Errorf("only %d findings on the 10,000-component benchmark SBOM", par.Summary.Findings)
	}
}

// TestSPDXSameAsCycloneDX: the SPDX and CycloneDX forms of the 10,000-
// component benchmark SBOM (same components) give the same findings; the
// SPDX root package without purl is counted as not matchable, not dropped.
func TestSPDXSameAsCycloneDX(t *testing.T) {
	db := realDB(t)
	scan := func(rel string) *Result {
		doc, err := sbom.ParseFile(testdata.Path(t, rel), sbom.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := ScanDocument(doc, db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	cdx, spdx := scan("bench/synth-10000.cdx.json"), scan("bench/synth-10000.spdx.json")
	key := func(r *Result) map[string]bool {
		m := map[string]bool{}
		for _, f := range r.Findings {
			m[f.Component.PURL+" "+f.Advisory.ID] = true
		}
		return m
	}
	if !reflect.DeepEqual(key(cdx), key(spdx)) {
		t.Errorf("findings differ: CycloneDX %d, SPDX %d", len(cdx.Findings), len(spdx.Findings))
	}
	if spdx.Summary.Components != 10001 || spdx.Summary.Reasons[ReasonNoIdentifier] != 1 {
		t.Errorf("SPDX summary %+v", spdx.Summary)
	}
}
