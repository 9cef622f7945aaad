package match

import (
	"bufio"
	"compress/gzip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// stagedCVE are the staged CVE JSON 5 record files.
var stagedCVE = []string{
	"advisories/cve5/vulnrichment.cve5.jsonl.gz",
	"advisories/cve5/openssl-secjson.cve5.jsonl.gz",
}

var (
	cveOnce    sync.Once
	cveRecs    []*advisory.Record
	cveSkipped []string
)

// stagedCVERecords reads every staged CVE record with cve5.Parse, as the
// importer does; lines that are not CVE records are skipped and listed.
func stagedCVERecords(tb testing.TB) []*advisory.Record {
	tb.Helper()
	paths := make([]string, len(stagedCVE))
	for i, p := range stagedCVE {
		paths[i] = testdata.Path(tb, p)
	}
	cveOnce.Do(func() {
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				tb.Fatal(err)
			}
			zr, err := gzip.NewReader(f)
			if err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
			sc := bufio.NewScanner(zr)
			sc.Buffer(make([]byte, 1<<20), 64<<20)
			for sc.Scan() {
				r, err := cve5.Parse(sc.Bytes())
				if err != nil {
					cveSkipped = append(cveSkipped, err.Error())
					continue
				}
				cveRecs = append(cveRecs, &advisory.Record{ID: r.ID, CVE: r})
			}
			f.Close()
		}
	})
	return cveRecs
}

// stagedFirmwareIndex indexes the staged CVE records with the real KEV
// catalogue entries the router test needs.
func stagedFirmwareIndex(tb testing.TB) *Index {
	ix := NewIndex(stagedCVERecords(tb))
	for _, id := range []string{"CVE-2024-1086", "CVE-2024-36971"} {
		ix.AddKEV(id, KEVInfo{DateAdded: "2024"})
	}
	return ix
}

type wantFinding struct {
	component, id string
	container     string
	kev           bool
}

// TestRouterFirmware is the "done when": a router SBOM with Linux
// 4.4.94, OpenSSL 1.1.1w, curl 7.74.0 and glibc 2.31 identified by CPE
// shows CVE-2024-1086 (KEV) on the kernel and CVE-2024-5535 on OpenSSL,
// each with a severity and the container that decided, and does not show
// CVE-2024-26581 (unaffected before 6.5) on the 4.4 kernel.
func TestRouterFirmware(t *testing.T) {
	ix := stagedFirmwareIndex(t)
	doc, err := sbom.ParseFile("testdata/router.cdx.json", sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Scan(Components(doc), ix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(comp, id string) *Finding {
		for i := range res.Findings {
			f := &res.Findings[i]
			if f.Component.Name == comp && f.Advisory.ID == id {
				return f
			}
		}
		return nil
	}
	for _, w := range []wantFinding{
		{"linux", "CVE-2024-1086", "cna", true},
		{"openssl", "CVE-2024-5535", "cna", false},
	} {
		f := find(w.component, w.id)
		if f == nil {
			t.Errorf("%s: %s not found", w.component, w.id)
			continue
		}
		if f.DecidedBy == nil || f.DecidedBy.Container != w.container || f.KEV != w.kev ||
			f.Severity == SeverityUnknown || f.SeveritySource == SourceNone || f.Match != MatchCPE || f.Confidence != confidenceCPE {
			t.Errorf("%s %s: %+v decided by %+v", w.component, w.id, f, f.DecidedBy)
		}
	}
	if f := find("linux", "CVE-2024-1086"); f != nil && f.Exploitation != "active" {
		t.Errorf("CVE-2024-1086: SSVC exploitation %q, want active", f.Exploitation)
	}
	if f := find("linux", "CVE-2024-26581"); f != nil {
		t.Errorf("4.4.94 shows CVE-2024-26581 (unaffected before 6.5): %+v", f.DecidedBy)
	}
	s := res.Summary
	if s.Platform != PlatformLinux || s.PlatformSource != "sbom" {
		t.Errorf("platform %q from %q, want linux from the SBOM", s.Platform, s.PlatformSource)
	}
	if s.Affected+s.NotAffected+s.NoData+s.Unmatchable != s.Components || s.Unmatchable != 1 {
		t.Errorf("coverage %+v", s)
	}
	for _, u := range s.Uncovered {
		if u.Component.Name == "wifi-calibration-blob" && u.Coverage != CoverageUnmatchable {
			t.Errorf("the blob without identifier is %s", u.Coverage)
		}
	}
	for _, comp := range []string{"linux", "openssl", "curl", "glibc"} {
		n := 0
		for i := range res.Findings {
			if res.Findings[i].Component.Name == comp {
				n++
			}
		}
		t.Logf("%s: %d findings", comp, n)
		if n == 0 && comp != "glibc" {
			t.Errorf("%s: no findings", comp)
		}
	}
}

// TestKernelSeries checks stable-series ranges (lessThanOrEqual "5.15.*")
// on real Linux CNA records: CVE-2024-36971 is fixed in 5.15.161 and
// 6.1.94, so 5.15.150 and 6.1.55 have it and the fixed versions don't.
func TestKernelSeries(t *testing.T) {
	ix := stagedFirmwareIndex(t)
	tests := []struct {
		version string
		id      string
		want    bool
	}{
		{"5.15.150", "CVE-2024-36971", true},
		{"6.1.55", "CVE-2024-36971", true},
		{"5.15.161", "CVE-2024-36971", false},
		{"6.1.94", "CVE-2024-36971", false},
		{"4.4.94", "CVE-2024-36971", false}, // before 4.6: unaffected
		{"4.4.94", "CVE-2024-26581", false},
		{"6.6.10", "CVE-2024-26581", true}, // 6.6.17 fixed it
		{"6.6.17", "CVE-2024-26581", false},
	}
	for _, tc := range tests {
		for _, c := range []Component{
			{Name: "linux", Version: tc.version, CPEs: []string{"cpe:2.3:o:linux:linux_kernel:" + tc.version + ":*:*:*:*:*:*:*"}},
			{Name: "linux", Version: tc.version, PURL: "pkg:generic/linux@" + tc.version},
		} {
			res, err := Scan([]Component{c}, ix, Options{Platform: "Linux"})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(res.Findings, func(f Finding) bool { return f.Advisory.ID == tc.id })
			if got != tc.want {
				t.Errorf("%s %s: has %s = %v, want %v", c.PURL+strings.Join(c.CPEs, ""), tc.version, tc.id, got, tc.want)
			}
		}
	}
}

// TestPlatformRule: CVE-2024-4030 (CPython, platforms ["Windows"] in the
// PSF's CNA container) never matches Linux firmware, is kept and flagged
// when the platform is unknown, and matches a Windows product unflagged.
func TestPlatformRule(t *testing.T) {
	ix := stagedFirmwareIndex(t)
	python := Component{Name: "python", Version: "3.11.4", CPEs: []string{"cpe:2.3:a:python:python:3.11.4:*:*:*:*:*:*:*"}}
	kernel := Component{Name: "linux", Version: "6.1.55", Type: "operating-system"}
	tests := []struct {
		name       string
		components []Component
		platform   string
		want       bool
		flag       string
	}{
		{"linux from options", []Component{python}, "Linux (Yocto)", false, ""},
		{"rtos from options", []Component{python}, "zephyr", false, ""},
		{"linux from the kernel component", []Component{python, kernel}, "", false, ""},
		{"unknown platform", []Component{python}, "", true, PlatformWindows},
		{"windows", []Component{python}, "Windows 11", true, ""},
	}
	for _, tc := range tests {
		res, err := Scan(tc.components, ix, Options{Platform: tc.platform})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(res.Findings, func(f Finding) bool { return f.Advisory.ID == "CVE-2024-4030" })
		if (i >= 0) != tc.want {
			t.Errorf("%s: CVE-2024-4030 found %v, want %v (platform %q)", tc.name, i >= 0, tc.want, res.Summary.Platform)
			continue
		}
		if i >= 0 && res.Findings[i].Platform != tc.flag {
			t.Errorf("%s: flagged %q, want %q", tc.name, res.Findings[i].Platform, tc.flag)
		}
	}
}

// TestADPCommitRanges: CISA's ADP copies the Linux CNA's git ranges as
// "custom" ranges of commit ids (CVE-2023-52584: 1da177e4c3f4 to
// 521f28eedd6b); they never decide a numbered release, so 6.11.5 (the CNA
// gives no answer past its 6.7 series) is not reported affected by them.
func TestADPCommitRanges(t *testing.T) {
	for _, s := range []struct {
		in   string
		want bool
	}{{"521f28eedd6b", true}, {"1da177e4c3f4", true}, {"6.11.5", false}, {"1234567", false}, {"deadbeefz", false}, {"abc", false}} {
		if got := commitID(s.in); got != s.want {
			t.Errorf("commitID(%q) = %v", s.in, got)
		}
	}
	ix := stagedFirmwareIndex(t)
	c := Component{Name: "linux", Version: "6.11.5", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:6.11.5:*:*:*:*:*:*:*"}}
	res, err := Scan([]Component{c}, ix, Options{Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Advisory.ID == "CVE-2023-52584" || f.Advisory.ID == "CVE-2021-47464" {
			t.Errorf("6.11.5: %s decided by %+v, fixed %v", f.Advisory.ID, f.DecidedBy, f.Fixed)
		}
		for _, x := range f.Fixed {
			if commitID(x) {
				t.Errorf("%s: fixed in commit %s for a numbered release", f.Advisory.ID, x)
			}
		}
	}
}

// TestCPEKey: the sliced vendor:product agrees with ParseCPE on every CPE
// of the staged CVE records.
func TestCPEKey(t *testing.T) {
	n := 0
	for _, r := range stagedCVERecords(t) {
		for _, c := range r.CVE.Containers {
			for _, p := range c.Affected {
				for _, s := range p.CPEs {
					n++
					got, ok := cpeKey(s)
					cp, want := ident.ParseCPE(s)
					if ok != want || (ok && got != productKey(cp.Vendor, cp.Product)) {
						t.Fatalf("%q: cpeKey %q %v, ParseCPE %+v %v", s, got, ok, cp, want)
					}
				}
			}
		}
	}
	for _, s := range []string{"cpe:2.3:a:*:x:1", "cpe:2.3:a", "cpe:/a:openssl:openssl:1.0", `cpe:2.3:a:w1\.fi:hostapd:2.10:*:*:*:*:*:*:*`} {
		got, ok := cpeKey(s)
		cp, want := ident.ParseCPE(s)
		if ok != want || (ok && got != productKey(cp.Vendor, cp.Product)) {
			t.Errorf("%q: cpeKey %q %v, ParseCPE %+v %v", s, got, ok, cp, want)
		}
	}
	t.Logf("%d CPEs", n)
}

// TestKernelPastLastSeries pins what the records say about a kernel newer
// than every stable series a Linux CNA record lists (6.11.5): the CNA's
// last item ("6.8 <= V <= *", unaffected) has versionType
// original_commit_for_fix, which the algorithm does not order, so the CNA
// gives no answer and CISA's ADP decides. For CVE-2024-36971 the ADP has
// the range "6.10 <= V <= *" unaffected, so 6.11.5 is not affected; for
// CVE-2023-52696 and CVE-2024-26592 the ADP turned the CNA's range into
// the single version 6.8 (unaffected, defaultStatus affected), so the
// record as published says 6.11.5 is affected, and the finding says the
// ADP decided (docs/SCANNING.md).
func TestKernelPastLastSeries(t *testing.T) {
	ix := stagedFirmwareIndex(t)
	c := Component{Name: "linux", Version: "6.11.5", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:6.11.5:*:*:*:*:*:*:*"}}
	res, err := Scan([]Component{c}, ix, Options{Platform: "Linux"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.DecidedBy != nil {
			got[f.Advisory.ID] = f.DecidedBy.Container
		}
	}
	if _, ok := got["CVE-2024-36971"]; ok {
		t.Error("CVE-2024-36971 reported on 6.11.5: the ADP's range 6.10 <= V <= * says unaffected")
	}
	for _, id := range []string{"CVE-2023-52696", "CVE-2024-26592"} {
		if got[id] != "adp" {
			t.Errorf("%s on 6.11.5: decided by %q, want the ADP (its single-version entry 6.8)", id, got[id])
		}
	}
}
