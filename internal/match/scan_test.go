package match

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/vex"
)

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
	a, _ := json.Marshal(par)
	b, _ := json.Marshal(ser)
	if !bytes.Equal(a, b) {
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
