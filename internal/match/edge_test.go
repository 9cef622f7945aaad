package match

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/dualmark/dualmark/internal/vex"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/testdata"
)

// edgeRecords are the real edge-case records: osv-schema linter and
// GHSA-conversion test records and the osv.dev website fixtures.
func edgeRecords(t *testing.T) []*advisory.Record {
	t.Helper()
	var recs []*advisory.Record
	recs = append(recs, recordsIn(t, testdata.Path(t, "advisories/osv-schema/linter-testdata"))...)
	for _, f := range []string{"withdrawn", "pypi_normalize", "multiple_ranges_in_package", "maven_greater_than", "npm_greater_than"} {
		recs = append(recs, readRecordFile(t, testdata.Path(t, "advisories/osv-schema/ghsa-to-osv-pairs/"+f+".osv.json")))
	}
	recs = append(recs, recordsIn(t, testdata.Path(t, "advisories/osv-dev-testdata"))...)
	return recs
}

type matchCase struct {
	name string
	c    Component
	want []string // record ids, any order; nil = no finding
	// reason, when set, is the not-matchable reason expected
	reason string
	kind   string // expected match kind of every finding ("" = purl)
	fixed  map[string][]string
	// atLeast: want must be among the findings, others may be too
	atLeast bool
}

func runCases(t *testing.T, src Source, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Scan([]Component{tc.c}, src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Advisory.ID)
				kind := tc.kind
				if kind == "" {
					kind = MatchPURL
				}
				if f.Match != kind {
					t.Errorf("%s matched by %s, want %s", f.Advisory.ID, f.Match, kind)
				}
				if kind == MatchCPE && (f.Confidence <= 0 || f.Confidence >= 1) {
					t.Errorf("CPE match without a confidence below 1: %v", f.Confidence)
				}
				if want, ok := tc.fixed[f.Advisory.ID]; ok && !slices.Equal(f.Fixed, want) {
					t.Errorf("%s fixed %v, want %v", f.Advisory.ID, f.Fixed, want)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if tc.atLeast {
				for _, id := range want {
					if !slices.Contains(got, id) {
						t.Errorf("findings %v lack %s", got, id)
					}
				}
			} else if !slices.Equal(got, want) {
				t.Errorf("findings %v, want %v", got, want)
			}
			if tc.reason != "" && res.Summary.Reasons[tc.reason] != 1 {
				t.Errorf("not matchable reasons %v, want %q", res.Summary.Reasons, tc.reason)
			}
		})
	}
}

func TestEdgeCases(t *testing.T) {
	ix := NewIndex(edgeRecords(t))
	runCases(t, ix, []matchCase{
		{name: "osv.dev fixture: PyPI fixed at 1.2.0, inside", c: Component{PURL: "pkg:pypi/demo-lib@1.1.9"},
			want: []string{"MULTI-ECO-FIX-DEMO"}, fixed: map[string][]string{"MULTI-ECO-FIX-DEMO": {"1.2.0"}}},
		{name: "osv.dev fixture: PyPI fixed version is not affected", c: Component{PURL: "pkg:pypi/demo-lib@1.2.0"}},
		{name: "osv.dev fixture: npm never fixed", c: Component{PURL: "pkg:npm/demo-lib@9.9.9"},
			want: []string{"MULTI-ECO-FIX-DEMO"}, fixed: map[string][]string{"MULTI-ECO-FIX-DEMO": {}}},
		{name: "withdrawn record is ignored", c: Component{PURL: "pkg:gem/activesupport@3.2.1"}},
		{name: "PyPI name normalised (PEP 503)", c: Component{PURL: "pkg:pypi/Products.PluggableAuthService@2.6.0"},
			want: []string{"GHSA-p44j-xrqg-4xrr"}},
		{name: "PyPI normalised, fixed", c: Component{PURL: "pkg:pypi/products_pluggableauthservice@2.6.1"}},
		{name: "Go linter record, inside", c: Component{PURL: "pkg:golang/github.com/gin-gonic/gin@v1.5.0"}, want: []string{"GO-2020-0001"}},
		{name: "Go module paths are case-sensitive", c: Component{PURL: "pkg:golang/github.com/Gin-Gonic/gin@v1.5.0"}},
		{name: "Go fixed", c: Component{PURL: "pkg:golang/github.com/gin-gonic/gin@v1.6.0"}},
		{name: "no identifier", c: Component{Name: "vendor-blob", Version: "1.0"}, reason: ReasonNoIdentifier},
		{name: "unknown ecosystem", c: Component{PURL: "pkg:oci/alpine@sha256%3Aabc"}, reason: ReasonUnknownEcosystem},
		{name: "no version", c: Component{PURL: "pkg:pypi/demo-lib"}, reason: ReasonNoVersion},
		{name: "bad purl", c: Component{PURL: "not-a-purl"}, reason: ReasonBadPURL},
	})
}

// TestStagedEdgeCases uses the staged advisory sources: a GIT range
// before the ECOSYSTEM range (PyPI), CPE matching of Bitnami records, no CPE
// matching for distro packages, GIT tag matching (OSS-Fuzz), RPM epochs.
func TestStagedEdgeCases(t *testing.T) {
	ix := NewIndex(staged(t))
	runCases(t, ix, []matchCase{
		{name: "GIT range does not hide the ECOSYSTEM range (post-release not in versions list)",
			c: Component{PURL: "pkg:pypi/urllib3@1.26.4.post1"}, want: []string{"PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-212"}},
		{name: "CPE match on a component without purl",
			c:    Component{Name: "activemq", Version: "5.15.12", CPEs: []string{"cpe:2.3:a:apache:activemq:5.15.12:*:*:*:*:*:*:*"}},
			kind: MatchCPE, want: []string{"BIT-activemq-2020-11998", "BIT-activemq-2023-46604"}, atLeast: true},
		{name: "distro package never matched against upstream CPE versions",
			c: Component{PURL: "pkg:deb/debian/activemq@5.15.12-1?distro=debian-11", CPEs: []string{"cpe:2.3:a:apache:activemq:5.15.12:*:*:*:*:*:*:*"}}},
		{name: "GIT tag listed in versions",
			c:    Component{Name: "libxml2", PURL: "pkg:generic/libxml2@v2.9.11?vcs_url=git%2Bhttps://gitlab.gnome.org/GNOME/libxml2.git"},
			kind: MatchGit, want: gitIDs(t, ix, "https://gitlab.gnome.org/GNOME/libxml2.git", "v2.9.11")},
		{name: "repository purl: its CPE is matched too",
			c: Component{Name: "activemq", PURL: "pkg:github/apache/activemq@activemq-5.15.12", Version: "5.15.12",
				CPEs: []string{"cpe:2.3:a:apache:activemq:5.15.12:*:*:*:*:*:*:*"}},
			kind: MatchCPE, want: []string{"BIT-activemq-2020-11998"}, atLeast: true},
		{name: "GIT: an unlisted version is never guessed",
			c: Component{Name: "libxml2", PURL: "pkg:generic/libxml2@2.9.11?vcs_url=git%2Bhttps://gitlab.gnome.org/GNOME/libxml2.git"}},
		{name: "AlmaLinux RPM with epoch", c: Component{PURL: "pkg:rpm/almalinux/oci-umount@2.3.4-1?epoch=2&distro=almalinux-8.5"},
			want: almaIDs(t, ix, "oci-umount")},
	})
}

// gitIDs lists, independently of the matcher, the records whose GIT range
// is on repo and whose versions list holds tag.
func gitIDs(t *testing.T, ix *Index, repo, tag string) []string {
	recs, _ := ix.LookupRepo(repo)
	var out []string
	for _, r := range recs {
		for _, a := range r.Affected {
			if slices.Contains(a.Versions, tag) && !slices.Contains(out, r.ID) {
				out = append(out, r.ID)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no staged record lists %s for %s", tag, repo)
	}
	return out
}

// almaIDs lists the AlmaLinux:8 records naming the package (every one of
// them is "introduced 0, fixed 2:2.3.4-2…", so 2:2.3.4-1 is affected).
func almaIDs(t *testing.T, ix *Index, name string) []string {
	recs, _ := ix.Lookup("AlmaLinux:8", name)
	var out []string
	for _, r := range recs {
		for _, a := range r.Affected {
			if a.Package != nil && a.Package.Ecosystem == "AlmaLinux:8" && a.Package.Name == name && !slices.Contains(out, r.ID) {
				out = append(out, r.ID)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no AlmaLinux:8 record for %s", name)
	}
	return out
}

func TestQueryFromPURL(t *testing.T) {
	tests := []struct {
		purl   string
		want   Query
		reason string
	}{
		{"pkg:golang/github.com/BurntSushi/toml@v1.2.0", Query{Ecosystem: "Go", Name: "github.com/BurntSushi/toml", Version: "v1.2.0"}, ""},
		{"pkg:golang/github.com/BurntSushi/toml@v1.2.0?type=module", Query{Ecosystem: "Go", Name: "github.com/BurntSushi/toml", Version: "v1.2.0"}, ""},
		{"pkg:npm/%40babel/core@7.0.0", Query{Ecosystem: "npm", Name: "@babel/core", Version: "7.0.0"}, ""},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", Query{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, ""},
		{"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?arch=arm64&distro=debian-11", Query{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u3", Distro: true}, ""},
		{"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?distro=bullseye&upstream=openssl", Query{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u3", Distro: true}, ""},
		{"pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04", Query{Ecosystem: "Ubuntu:22.04", Name: "bash", Version: "5.1-6ubuntu1", Distro: true}, ""},
		{"pkg:apk/alpine/busybox@1.30.1-r5?arch=x86_64&distro=alpine-3.18.4", Query{Ecosystem: "Alpine:v3.18", Name: "busybox", Version: "1.30.1-r5", Distro: true}, ""},
		{"pkg:rpm/almalinux/oci-umount@2.3.4-1?epoch=2&distro=almalinux-9.2", Query{Ecosystem: "AlmaLinux:9", Name: "oci-umount", Version: "2:2.3.4-1", Distro: true}, ""},
		{"pkg:pypi/Django@4.2", Query{Ecosystem: "PyPI", Name: "Django", Version: "4.2"}, ""},
		{"pkg:cargo/tokio@1.0.0", Query{Ecosystem: "crates.io", Name: "tokio", Version: "1.0.0"}, ""},
		{"pkg:nuget/Newtonsoft.Json@12.0.1", Query{Ecosystem: "NuGet", Name: "Newtonsoft.Json", Version: "12.0.1"}, ""},
		{"pkg:composer/Laravel/Framework@7.12.0", Query{Ecosystem: "Packagist", Name: "laravel/framework", Version: "7.12.0"}, ""},
		{"pkg:github/Madler/zlib@v1.2.11", Query{Repo: "https://github.com/madler/zlib", Version: "v1.2.11"}, ""},
		{"pkg:oci/alpine@sha256%3Aabc", Query{}, ReasonUnknownEcosystem},
		{"pkg:deb/raspbian/foo@1", Query{}, ReasonUnknownEcosystem},
		{"nope", Query{}, ReasonBadPURL},
	}
	for _, tc := range tests {
		got, reason := QueryFromPURL(tc.purl)
		if reason != tc.reason || (reason == "" && got != tc.want) {
			t.Errorf("QueryFromPURL(%q) = %+v, %q; want %+v, %q", tc.purl, got, reason, tc.want, tc.reason)
		}
	}
}

func TestCVSSSeverity(t *testing.T) {
	tests := []struct {
		vector string
		score  float64
		level  string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, SeverityCritical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10, SeverityCritical},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, SeverityLow},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, SeverityCritical},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, SeverityHigh},
	}
	for _, tc := range tests {
		s, ok := CVSSScore(tc.vector)
		if !ok || s != tc.score || LevelForScore(s) != tc.level {
			t.Errorf("%s: score %v (%v) level %s, want %v %s", tc.vector, s, ok, LevelForScore(s), tc.score, tc.level)
		}
	}
	if _, ok := CVSSScore("CVSS:3.1/garbage"); ok {
		t.Error("garbage vector scored")
	}
	r := &advisory.Record{DatabaseSpecific: []byte(`{"severity":"MODERATE"}`)}
	if got := RecordSeverity(r); got.Level != SeverityMedium {
		t.Errorf("database_specific MODERATE → %s, want medium", got.Level)
	}
}

func TestLinkAliases(t *testing.T) {
	fs := []Finding{
		{Advisory: AdvisoryRef{ID: "GHSA-x", Aliases: []string{"CVE-1"}}},
		{Advisory: AdvisoryRef{ID: "PYSEC-y", Aliases: []string{"CVE-1", "GHSA-x"}}},
		{Advisory: AdvisoryRef{ID: "CVE-1", Aliases: []string{}}},
		{Advisory: AdvisoryRef{ID: "GO-z", Aliases: []string{"CVE-2"}}},
	}
	linkAliases(fs)
	want := [][]string{{"PYSEC-y", "CVE-1"}, {"GHSA-x", "CVE-1"}, {"GHSA-x", "PYSEC-y"}, nil}
	for i := range fs {
		if !slices.Equal(fs[i].Advisory.Related, want[i]) {
			t.Errorf("%s related %v, want %v", fs[i].Advisory.ID, fs[i].Advisory.Related, want[i])
		}
	}
	res := &Result{Findings: fs}
	res.Summary.BySeverity, res.Summary.ByMatch = map[string]int{}, map[string]int{}
	summarize(res)
	if res.Summary.Vulnerabilities != 2 {
		t.Errorf("%d vulnerabilities, want 2 (one alias group and GO-z)", res.Summary.Vulnerabilities)
	}
}

// TestVEXOption: statements the caller read from a VEX file suppress the
// finding they name (reading the file is vex's, see vex.TestLoadDocument).
func TestVEXOption(t *testing.T) {
	ix := NewIndex(edgeRecords(t))
	comp := []Component{{PURL: "pkg:golang/github.com/gin-gonic/gin@v1.5.0"}}
	dir := t.TempDir()
	good := dir + "/gin.openvex.json"
	os.WriteFile(good, []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"GO-2020-0001"},"products":[{"@id":"pkg:golang/github.com/gin-gonic/gin"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`), 0o644)
	doc, err := vex.LoadDocument(good)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Scan(comp, ix, Options{VEX: doc.Statements})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || !res.Findings[0].Suppressed || res.Summary.Affected != 0 || res.Summary.NotAffected != 1 {
		t.Errorf("VEX file not applied: %+v", res)
	}
}

// TestLinkAliasesPairwise: the pairwise comparison of small finding sets
// relates exactly the findings the map of names does, in the same order,
// on generated sets sharing names at random (TestCompiledScanSameResult
// and the goldens cover the staged scans).
func TestLinkAliasesPairwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 11))
	names := []string{"CVE-1", "CVE-2", "GHSA-a", "GHSA-b", "GO-1", "PYSEC-1", "OSV-1"}
	var sets [][]Finding
	for range 5000 {
		n := 2 + rng.IntN(linkAliasesPairwise-1)
		fs := make([]Finding, n)
		for i := range fs {
			fs[i].Advisory.ID = names[rng.IntN(len(names))]
			for range rng.IntN(3) {
				fs[i].Advisory.Aliases = append(fs[i].Advisory.Aliases, names[rng.IntN(len(names))])
			}
		}
		sets = append(sets, fs)
	}
	related := 0
	for _, fs := range sets {
		small, byMap := slices.Clone(fs), slices.Clone(fs)
		linkAliasesSmall(small)
		// the map path, as linkAliases takes it for larger sets
		names := map[string][]int{}
		for i := range byMap {
			names[byMap[i].Advisory.ID] = append(names[byMap[i].Advisory.ID], i)
			for _, x := range byMap[i].Advisory.Aliases {
				names[x] = append(names[x], i)
			}
		}
		for i := range byMap {
			var rel []int
			rel = append(rel, names[byMap[i].Advisory.ID]...)
			for _, x := range byMap[i].Advisory.Aliases {
				rel = append(rel, names[x]...)
			}
			slices.Sort(rel)
			for k, j := range rel {
				if j != i && (k == 0 || rel[k-1] != j) {
					byMap[i].Advisory.Related = append(byMap[i].Advisory.Related, byMap[j].Advisory.ID)
				}
			}
		}
		for i := range fs {
			if !slices.Equal(small[i].Advisory.Related, byMap[i].Advisory.Related) {
				t.Fatalf("finding %d of %+v: pairwise %v, map %v", i, fs, small[i].Advisory.Related, byMap[i].Advisory.Related)
			}
			related += len(small[i].Advisory.Related)
		}
	}
	if related == 0 {
		t.Fatal("no finding related: the generated sets test nothing")
	}
}
