package cve5

import (
	"bytes"
	"testing"
)

// BenchmarkParseStaged parses every staged CVE record (44,403 lines) per
// iteration; bytes/s is the JSON read.
func BenchmarkParseStaged(b *testing.B) {
	var lines [][]byte
	size := 0
	for _, rel := range stagedFiles {
		eachLine(b, rel, func(_ int, l []byte) {
			lines = append(lines, append([]byte(nil), l...))
			size += len(l)
		})
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			_, _ = Parse(l)
		}
	}
}

// BenchmarkDecideKernel asks CVE-2024-36971 for the status of a kernel
// release (CNA and ADP, wildcard bounds, unknown versionTypes).
func BenchmarkDecideKernel(b *testing.B) {
	r := mustParse(b, "CVE-2024-36971")
	for b.Loop() {
		r.Decide(nil, "5.15.150")
	}
}

// BenchmarkDecideStagedKernel asks every staged Linux CNA record (about
// 1,100, CNA and CISA ADP entries) for four kernel releases: the work a
// firmware scan's kernel component costs in the version algorithm.
func BenchmarkDecideStagedKernel(b *testing.B) {
	var recs []*Record
	eachLine(b, stagedFiles[0], func(_ int, l []byte) {
		if !bytes.Contains(l, []byte(`"assignerShortName":"Linux"`)) {
			return
		}
		if r, err := Parse(l); err == nil {
			recs = append(recs, r)
		}
	})
	if len(recs) < 1000 {
		b.Fatalf("%d Linux records, want about 1,100", len(recs))
	}
	b.ResetTimer()
	for b.Loop() {
		decideAll(recs)
	}
}

// decideAll decides each record for four kernel releases (a function of
// its own, so that an instruction count can be taken of it alone:
// valgrind --tool=callgrind --toggle-collect='*cve5.decideAll').
//
//go:noinline
func decideAll(recs []*Record) {
	for _, r := range recs {
		for _, v := range [...]string{"4.4.94", "5.15.150", "6.1.55", "6.11.5"} {
			r.Decide(nil, v)
		}
	}
}
