package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestEcosystemOrder pins version order per ecosystem as OSV defines it,
// through the matcher's version type (fast path and osv-scalibr).
func TestEcosystemOrder(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		{"Go", "v1.2.3", "1.2.10", -1},
		{"Go", "v0.0.0-20210322153248-0c34fe9e7dc2", "0.0.0", -1},
		{"Go", "v0.0.0-20210322153248-0c34fe9e7dc2", "0.1.0", -1},
		{"Go", "v20.10.7+incompatible", "20.10.11+incompatible", -1},
		{"npm", "1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"npm", "1.0.0-rc.1", "1.0.0", -1},
		{"npm", "2.0.0", "10.0.0", -1},
		{"crates.io", "0.9.0", "0.10.0-alpha", -1},
		{"PyPI", "1.0rc1", "1.0", -1},
		{"PyPI", "1.0.post1", "1.0", 1},
		{"PyPI", "1.0.dev1", "1.0a1", -1},
		{"PyPI", "1!0.1", "2.0", 1},
		{"PyPI", "1.26.4.post1", "1.26.5", -1},
		{"Maven", "1.0-SNAPSHOT", "1.0", -1},
		{"Maven", "2.12.1.Final", "2.12.1", 0},
		{"Maven", "9.4.40.v20210413", "9.4.41", -1},
		{"Maven", "1.0-alpha", "1.0-beta", -1},
		{"NuGet", "4.3.0", "4.3.0.1", -1},
		{"NuGet", "1.0.0-RC", "1.0.0-rc", 0},
		{"RubyGems", "1.0.0.pre", "1.0.0", -1},
		{"Debian", "1:1.0-1", "2.0-1", 1},
		{"Debian:12", "1.1.1n-0+deb11u3", "1.1.1n-0+deb11u4", -1},
		{"Debian", "1.0~rc1", "1.0", -1},
		{"Ubuntu:22.04", "5.1-6ubuntu1", "5.1-6ubuntu1.1", -1},
		{"Alpine:v3.18", "1.30.1-r5", "1.30.1-r10", -1},
		{"Alpine", "1.2.3_rc1", "1.2.3", -1},
		{"AlmaLinux:8", "2:2.3.4-1", "2:2.3.4-2.git87f9237.module_el8.5.0+119+9a9ec082", -1},
		{"AlmaLinux", "1:0.9", "2.0", 1},
		{"Hackage", "1.0", "1.0.0", -1},
		{"CRAN", "1.2-3", "1.2-10", -1},
		{"Packagist", "1.0.0-beta1", "1.0.0", -1},
		{"Bitnami", "5.15.12", "5.15.13", -1},
	}
	for _, tc := range tests {
		a, err := parseVersion(tc.eco, tc.a)
		if err != nil {
			t.Errorf("%s %q: %v", tc.eco, tc.a, err)
			continue
		}
		b, err := parseVersion(tc.eco, tc.b)
		if err != nil {
			t.Errorf("%s %q: %v", tc.eco, tc.b, err)
			continue
		}
		if got := a.compare(b); got != tc.want {
			t.Errorf("%s: %q vs %q = %d, want %d", tc.eco, tc.a, tc.b, got, tc.want)
		}
		if got := b.compare(a); got != -tc.want {
			t.Errorf("%s: %q vs %q = %d, want %d (reversed)", tc.eco, tc.b, tc.a, got, -tc.want)
		}
	}
}

// TestReadingOrder: the reading order is active before suppressed, KEV
// first, then severity, EPSS (none last), id, component name and the
// findings' own order, checked against a sort through the findings on
// generated findings with many ties.
func TestReadingOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	sevs := []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNone, SeverityUnknown}
	fs := make([]Finding, 3000)
	for i := range fs {
		f := &fs[i]
		f.Severity = sevs[rng.IntN(len(sevs))]
		f.KEV = rng.IntN(10) == 0
		f.Suppressed = rng.IntN(10) == 0
		if rng.IntN(3) == 0 {
			f.EPSS = &EPSS{Score: float64(rng.IntN(5)) / 4}
		}
		f.Advisory.ID = fmt.Sprintf("GHSA-%d", rng.IntN(40))
		f.Component.Name = fmt.Sprintf("pkg-%d", rng.IntN(5))
	}
	want := make([]int, len(fs))
	for i := range want {
		want[i] = i
	}
	rank := func(f *Finding) int {
		r := severityRank(f.Severity)
		if f.KEV {
			r += 10
		}
		if f.Suppressed {
			r -= 100
		}
		return r
	}
	sort.SliceStable(want, func(x, y int) bool {
		a, b := &fs[want[x]], &fs[want[y]]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra > rb
		}
		if ea, eb := epssScore(a), epssScore(b); ea != eb {
			return ea > eb
		}
		if a.Advisory.ID != b.Advisory.ID {
			return a.Advisory.ID < b.Advisory.ID
		}
		return a.Component.Name < b.Component.Name
	})
	if got := ReadingOrder(fs); !slices.Equal(got, want) {
		t.Fatalf("reading order differs from the reference sort (first 20: %v, want %v)", got[:20], want[:20])
	}
}
