package vex

import (
	"os"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// maxFuzzBytes bounds FuzzParse's seeds and inputs.
const maxFuzzBytes = 64 << 10

// realDocs are real VEX documents of all three formats.
var realDocs = []string{
	"vex/openvex/go-vex-testdata/v0.0.1.json",
	"vex/openvex/go-vex-testdata/v0.2.0.json",
	"vex/openvex/vexctl-testdata/v020-1.vex.json",
	"sbom/cyclonedx-bom-examples/VEX/vex.json",
	"csaf/redhat-csaf/rhsa-2020_1358.json",
	"csaf/oasis-csaf/csaf_2.0/examples/csaf/csaf_vex/sec-vex-2022-0001.json",
	"vex/openvex/go-vex-testdata/csaf.json",
}

func TestParseReal(t *testing.T) {
	tests := []struct {
		file    string
		format  string
		vuln    string
		status  string
		product string // a product the first statement of vuln covers ("" = skip)
		minN    int
	}{
		{"vex/openvex/go-vex-testdata/v0.0.1.json", "openvex", "CVE-2023-12345", StatusFixed, "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7", 1},
		{"vex/openvex/go-vex-testdata/v0.2.0.json", "openvex", "CVE-2023-1255", StatusFixed, "pkg:apk/alpine/libssl3@3.0.8-r3", 1},
		{"sbom/cyclonedx-bom-examples/VEX/vex.json", "cyclonedx", "CVE-2020-25649", StatusNotAffected, "", 1},
		{"csaf/oasis-csaf/csaf_2.0/examples/csaf/csaf_vex/sec-vex-2022-0001.json", "csaf", "CVE-2021-44228", StatusNotAffected, "csaf:Secvisogram <=1.14.0", 1},
		{"csaf/oasis-csaf/csaf_2.1/examples/csaf/csaf_vex/sec-vex-2022-0001.json", "csaf", "CVE-2021-44228", StatusNotAffected, "", 1},
		{"vex/openvex/go-vex-testdata/csaf.json", "csaf", "CVE-2009-4487", StatusNotAffected, "pkg:golang/github.com/go-homedir@v1.2.0", 1},
		{"csaf/redhat-csaf/rhsa-2020_1358.json", "csaf", "CVE-2020-1711", StatusFixed, "", 1000},
		{"vex/openvex/vexctl-testdata/v001-1.vex.json", "openvex", "", "", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			stmts, err := Load(testdata.Path(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(stmts) < tc.minN {
				t.Fatalf("%d statements, want ≥ %d", len(stmts), tc.minN)
			}
			if tc.vuln == "" {
				return
			}
			var st *Statement
			for i := range stmts {
				if stmts[i].Vulnerability == tc.vuln {
					st = &stmts[i]
					break
				}
			}
			if st == nil {
				t.Fatalf("no statement about %s in %+v", tc.vuln, stmts)
			}
			if st.Format != tc.format || st.Status != tc.status {
				t.Errorf("format %q status %q, want %q %q", st.Format, st.Status, tc.format, tc.status)
			}
			if tc.product != "" && !contains(st.Products, tc.product) {
				t.Errorf("products %v lack %s", st.Products, tc.product)
			}
			if !strings.Contains(st.Source, "#/") {
				t.Errorf("source %q does not point into the document", st.Source)
			}
		})
	}
}

func TestAppliesTo(t *testing.T) {
	st := Statement{Vulnerability: "CVE-2021-44228", Aliases: []string{"GHSA-jfh8-c2jp-5v3q"}, Status: StatusNotAffected,
		Products: []string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:npm/lodash"}}
	tests := []struct {
		ids  []string
		purl string
		want bool
	}{
		{[]string{"GHSA-jfh8-c2jp-5v3q"}, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", true},
		{[]string{"CVE-2021-44228"}, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", true},
		{[]string{"CVE-2021-44228"}, "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0", false},
		{[]string{"CVE-2021-44228"}, "pkg:npm/lodash@4.17.20", true},
		{[]string{"CVE-2021-45046"}, "pkg:npm/lodash@4.17.20", false},
		{[]string{"CVE-2021-44228"}, "", false},
	}
	for _, tc := range tests {
		if got := st.AppliesTo(tc.ids, tc.purl); got != tc.want {
			t.Errorf("AppliesTo(%v, %q) = %v, want %v", tc.ids, tc.purl, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{`, "not a JSON VEX document"},
		{`{"foo": 1}`, "neither OpenVEX"},
		{`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "status": "maybe"}]}`, "#/statements/0/status"},
		{`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {}, "status": "fixed"}]}`, "no name"},
		{`{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "odd"}}]}`, "analysis/state"},
		{`{"document": {"csaf_version": "2.0"}, "vulnerabilities": [{}]}`, "neither cve nor ids"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc), "x.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "x.json") {
			t.Errorf("Parse(%s) error %v, want one naming x.json and %q", tc.doc, err, tc.want)
		}
	}
}

// FuzzParse feeds mutations of the real documents of every format but the
// 1.2 MB Red Hat CSAF advisory to Parse (one run of it takes 0.4 s, so its
// mutants held the fuzzer at 0 execs/s for 39 s of a 60 s run; the two
// small CSAF documents stand for the format); inputs grown past 64 kB
// are skipped.
func FuzzParse(f *testing.F) {
	for _, rel := range realDocs {
		if b, err := os.ReadFile(testdata.Path(f, rel)); err == nil && len(b) <= maxFuzzBytes {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzBytes {
			t.Skip()
		}
		stmts, err := Parse(data, "fuzz.json")
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s.Vulnerability == "" || s.Status == "" {
				t.Fatalf("statement without vulnerability or status: %+v", s)
			}
			s.AppliesTo([]string{"CVE-1"}, "pkg:npm/x@1")
		}
	})
}
