package cve5

import (
	"slices"
	"testing"
)

// compareCustomSlices is compareCustom as it was before it read tokens one
// at a time: both versions split by customTokens first. It is the
// reference of TestCompareCustomDifferential.
func compareCustomSlices(a, b string) int {
	ta, tb := customTokens(a), customTokens(b)
	for i := 0; ; i++ {
		switch {
		case i == len(ta) && i == len(tb):
			return 0
		case i == len(ta):
			if tb[i].pre {
				return 1
			}
			return -1
		case i == len(tb):
			if ta[i].pre {
				return -1
			}
			return 1
		}
		if c := compareToken(ta[i], tb[i]); c != 0 {
			return c
		}
	}
}

// TestCompareCustomDifferential compares the allocation-free compareCustom
// with the slice-based reference over every pair of the distinct version
// strings of the staged OpenSSL records and of the first 700 of
// vulnrichment's distinct version strings,
// plus hand-picked edge cases (leading "v", "V", "~", pre-release words,
// letters only, empty).
func TestCompareCustomDifferential(t *testing.T) {
	seen := map[string]bool{}
	limit := 0
	add := func(s string) {
		if s != "" && len(seen) < limit {
			seen[s] = true
		}
	}
	limit = 100
	for _, s := range []string{"v1.2", "V1.2", "v", "va", "v1", "1.0~rc1", "1.0~1", "6.8-rc1", "6.8", "1.1.1w", "1.1.1za",
		"1.0.2", "1.0.2a", "abc", "1..2", "1.2.3-beta.4", "1.2.3.dev1", "x", "~", "-1", "0.9.8zh", "2.6.12-rc2"} {
		add(s)
	}
	per := 700
	if testing.Short() { // 150 of each: 1 M pairs take minutes under the race detector
		per = 150
	}
	for _, rel := range stagedFiles {
		limit += per // the kernel's (first in vulnrichment) and OpenSSL's
		eachLineWhile(t, rel, func(_ int, b []byte) bool {
			if len(seen) >= limit { // full: the rest of the file is not read
				return false
			}
			r, err := Parse(b)
			if err != nil {
				return true
			}
			for _, c := range r.Containers {
				for _, p := range c.Affected {
					for _, v := range p.Versions {
						add(v.Version)
						add(v.LessThan)
						add(v.LessThanOrEqual)
						for _, ch := range v.Changes {
							add(ch.At)
						}
					}
				}
			}
			return true
		})
	}
	vs := make([]string, 0, len(seen))
	for s := range seen {
		vs = append(vs, s)
	}
	slices.Sort(vs)
	n := 0
	for _, a := range vs {
		for _, b := range vs {
			n++
			if got, want := compareCustom(a, b), compareCustomSlices(a, b); got != want {
				t.Fatalf("compareCustom(%q, %q) = %d, the reference says %d", a, b, got, want)
			}
		}
	}
	t.Logf("%d versions, %d pairs", len(vs), n)
}

// TestCompareCustomAllocs pins that comparing custom versions allocates
// nothing when they are lower case.
func TestCompareCustomAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { compareCustom("v6.1.94-rc1", "6.1.94") }); n != 0 {
		t.Errorf("compareCustom allocates %.0f times per call", n)
	}
}
