package match

import (
	"strings"
	"sync"
	"testing"
)

var (
	mixedOnce sync.Once
	mixedIx   *Index
)

// mixedIndex indexes every staged OSV record and every staged CVE record
// together, as a database importing all staged sources holds them.
func mixedIndex(tb testing.TB) *Index {
	osv, cve := staged(tb), stagedCVERecords(tb)
	mixedOnce.Do(func() {
		mixedIx = NewIndex(append(osv[:len(osv):len(osv)], cve...))
	})
	return mixedIx
}

// TestSmallFixes: pkg:alpine reads as pkg:apk/alpine (a distro package,
// never CPE-matched); the Go toolchain component "stdlib" is matched
// against the Go standard library's records; "(devel)" is an unparseable
// version.
func TestSmallFixes(t *testing.T) {
	q, reason := QueryFromPURL("pkg:alpine/busybox@1.36.1-r2?arch=x86_64&distro=3.18.4")
	if reason != "" || q.Ecosystem != "Alpine:v3.18" || q.Name != "busybox" || !q.Distro {
		t.Errorf("pkg:alpine: %+v %q", q, reason)
	}
	for _, p := range []string{"pkg:golang/stdlib@go1.21.0", "pkg:golang/stdlib@go1.21.0?type=module"} {
		if q, _ := QueryFromPURL(p); q.Ecosystem != "Go" || q.Name != "stdlib" || q.Version != "1.21.0" {
			t.Errorf("%s: %+v", p, q)
		}
	}
	ix := mixedIndex(t)
	tests := []struct {
		name     string
		c        Component
		coverage string
		must     string // an advisory id that must be found
		mustNot  string
	}{
		{"go stdlib from syft", Component{Name: "stdlib", Version: "go1.21.0", PURL: "pkg:golang/stdlib@go1.21.0"}, CoverageAffected, "GO-2024-2687", ""},
		{"(devel)", Component{Name: "github.com/grafana/grafana", Version: "(devel)", PURL: "pkg:golang/github.com/grafana/grafana@(devel)"}, CoverageUnmatchable, "", ""},
		{"alpine busybox, CPE present", Component{Name: "busybox", Version: "1.36.1-r2", PURL: "pkg:alpine/busybox@1.36.1-r2?distro=3.18.4",
			CPEs: []string{"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"}}, CoverageNoData, "", ""},
		{"nginx 1.22.1 is not nginx-gateway", Component{Name: "nginx", Version: "1.22.1", CPEs: []string{"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"}},
			CoverageAffected, "BIT-nginx-2023-44487", "BIT-nginx-gateway"},
	}
	for _, tc := range tests {
		res, err := Scan([]Component{tc.c}, ix, Options{Platform: "linux"})
		if err != nil {
			t.Fatal(err)
		}
		cov := CoverageNotAffected
		switch {
		case res.Summary.Affected == 1:
			cov = CoverageAffected
		case len(res.Summary.Uncovered) == 1:
			cov = res.Summary.Uncovered[0].Coverage
		}
		if cov != tc.coverage {
			t.Errorf("%s: %s (%+v), want %s", tc.name, cov, res.Summary.Uncovered, tc.coverage)
		}
		found := false
		for _, f := range res.Findings {
			found = found || f.Advisory.ID == tc.must
			if tc.mustNot != "" && strings.HasPrefix(f.Advisory.ID, tc.mustNot) {
				t.Errorf("%s: matched %s", tc.name, f.Advisory.ID)
			}
		}
		if tc.must != "" && !found {
			t.Errorf("%s: %s not found", tc.name, tc.must)
		}
	}
}

// TestOneRowPerVulnerability: nginx 1.25.3 is matched by Bitnami's OSV
// record BIT-nginx-2024-31079 and by the CVE record CVE-2024-31079 (CISA's
// ADP entry f5:nginx); the two are linked (related), counted once, and the
// table shows one row.
func TestOneRowPerVulnerability(t *testing.T) {
	ix := mixedIndex(t)
	res, err := Scan([]Component{{Name: "nginx", Version: "1.25.3", CPEs: []string{"cpe:2.3:a:f5:nginx:1.25.3:*:*:*:*:*:*:*"}}}, ix, Options{Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string][]string{}
	for i := range res.Findings {
		f := &res.Findings[i]
		groups[GroupKey(f)] = append(groups[GroupKey(f)], f.Advisory.ID)
	}
	if res.Summary.Vulnerabilities != len(groups) || len(groups) >= len(res.Findings) {
		t.Errorf("%d findings, %d groups, %d vulnerabilities counted", len(res.Findings), len(groups), res.Summary.Vulnerabilities)
	}
	var g []string
	for _, ids := range groups {
		for _, id := range ids {
			if id == "CVE-2024-31079" {
				g = ids
			}
		}
	}
	if len(g) < 2 {
		t.Errorf("CVE-2024-31079 and BIT-nginx-2024-31079 are not one vulnerability: %v", g)
	}
	var buf strings.Builder
	if err := writeTable(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "2024-31079") {
			rows++
			if !strings.Contains(l, "+1 related") {
				t.Errorf("the row does not say it stands for a related record: %q", l)
			}
		}
	}
	if rows != 1 {
		t.Errorf("CVE-2024-31079 on %d table rows:\n%s", rows, buf.String())
	}
}
