package cve5

import "testing"

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
