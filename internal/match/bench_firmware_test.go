package match

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// bareDecode is what testdata/baredecode does: read the file and decode it
// into map[string]any, the yardstick of the cold-scan target.
func bareDecode(tb testing.TB, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
}

// coldScan is "dualmark scan" minus process start: parse the SBOM, open
// the database, match, render the table, with the collector set as the
// scan command sets it (cmd/dualmark/scan.go: GC percent 400; before
// 2026-12-03 18:35 UTC the benchmarks ran at the default 100, which cost
// a firmware scan about a quarter more CPU).
func coldScan(tb testing.TB, path, db string) *Result {
	return coldScanFrom(tb, path, db, func(d *advisory.DB) Source { return DBSource{DB: d} })
}

// coldScanFrom is coldScan reading the database through the source src
// makes of it (recordsOnly: matching from the records, as before the
// compiled matchers).
func coldScanFrom(tb testing.TB, path, db string, src func(*advisory.DB) Source) *Result {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	doc, err := sbom.ParseFile(path, sbom.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	d, err := advisory.OpenDB(db)
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	res, err := Scan(Components(doc), src(d), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := writeTable(io.Discard, res); err != nil {
		tb.Fatal(err)
	}
	return res
}

// timed runs f and returns its wall and CPU time.
func timed(f func()) (wall, cpu time.Duration) {
	start, cpu0 := time.Now(), cpuTime()
	f()
	return time.Since(start), cpuTime() - cpu0
}

// maxDecodeRatio is the asserted bound of the cold 10k scan's CPU time
// over the bare decode's, measured in the same run. The target is
// 2; it is not reached: 6.3 in this benchmark and 6.2 for the processes
// on 2026-12-03 (docs/BENCHMARKS.md, "Firmware matching, second pass",
// has the profile); with the compiled matchers (database format 5,
// 2026-12-04) 4.6 in this benchmark at load average 25-30 (the records
// path 5.6 in the same run) and 6.2 for the processes at load 33-39; with
// the record facts (compiler version 2, 2026-12-06) 2.85-2.94 in this
// benchmark at load 8-10 (the base commit 3.70 in the same window) and 4.0
// for the processes. The bound was 10, then 7; it is 4.5, about 1.5 × what
// is measured, loose enough for the shared machine.
const maxDecodeRatio = 4.5

// BenchmarkColdScanVsDecode times the cold scan of the 10,000-component
// benchmark SBOM and a bare encoding/json decode of the same file into
// map[string]any, interleaved in the same run, and reports the ratio of the
// median CPU times (issue 9's target: ≤ 2). The same scan matching from the
// records instead of the compiled matchers (recordsOnly) runs in turn too,
// as the before of the compiled matchers: records/decode.
func BenchmarkColdScanVsDecode(b *testing.B) {
	realDB(b)
	path := testdata.Path(b, "bench/synth-10000.cdx.json")
	var dw, dc, sw, sc, rc []time.Duration
	records := func(d *advisory.DB) Source { return recordsOnly{DBSource{DB: d}} }
	for b.Loop() {
		w, c := timed(func() { bareDecode(b, path) })
		dw, dc = append(dw, w), append(dc, c)
		w, c = timed(func() { coldScan(b, path, dbDir) })
		sw, sc = append(sw, w), append(sc, c)
		_, c = timed(func() { coldScanFrom(b, path, dbDir, records) })
		rc = append(rc, c)
	}
	decodeCPU, scanCPU := median(dc), median(sc)
	ratio := scanCPU.Seconds() / decodeCPU.Seconds()
	b.ReportMetric(median(dw).Seconds(), "decode-wall-s")
	b.ReportMetric(decodeCPU.Seconds(), "decode-cpu-s")
	b.ReportMetric(median(sw).Seconds(), "scan-wall-s")
	b.ReportMetric(scanCPU.Seconds(), "scan-cpu-s")
	b.ReportMetric(ratio, "scan/decode")
	b.ReportMetric(median(rc).Seconds(), "records-scan-cpu-s")
	b.ReportMetric(median(rc).Seconds()/decodeCPU.Seconds(), "records/decode")
	if ratio > maxDecodeRatio {
		b.Fatalf("cold scan %v CPU is %.2f × the bare decode's %v, limit %.1f", scanCPU, ratio, decodeCPU, maxDecodeRatio)
	}
}

var (
	fwDBOnce sync.Once
	fwDBDir  string
	fwDBErr  error
)

// firmwareDB imports the staged CVE records, KEV and EPSS (once).
func firmwareDB(tb testing.TB) string {
	srcs := []string{
		testdata.Path(tb, "advisories/cve5"),
		testdata.Path(tb, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(tb, "epss/kev-epss-nvd.csv"),
	}
	fwDBOnce.Do(func() { fwDBDir, fwDBErr = importDB("dualmark-fw-db-", srcs) })
	if fwDBErr != nil {
		tb.Fatal(fwDBErr)
	}
	return fwDBDir
}

// firmwareSBOM writes a CycloneDX SBOM of n CPE-identified components, as
// a build system (Yocto, Buildroot) writes one for a firmware image: one
// Linux kernel, OpenSSL, curl, glibc, BusyBox, zlib and dnsmasq at the
// versions of the router example, and the rest by CPE vendor:product pairs
// the staged CVE records name (every component a lookup that finds
// records), at version 1.0.
func firmwareSBOM(tb testing.TB, n int) string {
	type comp struct {
		Type    string `json:"type"`
		Ref     string `json:"bom-ref"`
		Name    string `json:"name"`
		Version string `json:"version"`
		CPE     string `json:"cpe"`
	}
	var cs []comp
	add := func(part, vendor, product, version string) {
		cs = append(cs, comp{"library", fmt.Sprint("c", len(cs)), product, version,
			fmt.Sprintf("cpe:2.3:%s:%s:%s:%s:*:*:*:*:*:*:*", part, vendor, product, version)})
	}
	add("o", "linux", "linux_kernel", "4.4.94")
	add("a", "openssl", "openssl", "1.1.1w")
	add("a", "haxx", "curl", "7.74.0")
	add("a", "gnu", "glibc", "2.31")
	add("a", "busybox", "busybox", "1.31.1")
	add("a", "zlib", "zlib", "1.2.13")
	add("a", "thekelleys", "dnsmasq", "2.86")
	seen := map[string]bool{}
	for _, r := range stagedCVERecords(tb) {
		for _, c := range r.CVE.Containers {
			for _, p := range c.Affected {
				for _, s := range p.CPEs {
					cp, ok := ident.ParseCPE(s)
					k := cp.Vendor + ":" + cp.Product
					if !ok || seen[k] || len(cs) >= n || strings.ContainsAny(k, "\\*") {
						continue
					}
					seen[k] = true
					add("a", cp.Vendor, cp.Product, "1.0")
				}
			}
		}
	}
	if len(cs) < n {
		tb.Fatalf("only %d CPE products in the staged CVE records", len(cs))
	}
	doc := map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": cs}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("firmware-%d.cdx.json", n))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// firmwareTarget is issue 9's target for a cold scan of 2,000
// CPE-identified firmware components (0.5 s). Measured after deciding only
// the entries a product's keys name (docs/BENCHMARKS.md, "Firmware
// matching"): a median 0.44-0.54 s of CPU in this benchmark at load
// average 10-13 with the default collector (0.65 s before, on an idle
// machine), less with the scan command's GC percent that coldScan now
// sets; 0.51 s of CPU for the built binary against the full database at
// load 12 (0.67 s before).
// The benchmark asserts 1.5 × the target on CPU time, as the other cold
// scans do (an upper bound of the wall time on an idle 2-core machine; the
// shared machine's wall time measures the other users).
const firmwareTarget = 500 * time.Millisecond

// BenchmarkFirmwareScan is a cold scan of 2,000 CPE-identified firmware
// components against the staged CVE records (44,000), KEV and EPSS.
func BenchmarkFirmwareScan(b *testing.B) {
	db := firmwareDB(b)
	path := firmwareSBOM(b, 2000)
	var walls, cpus []time.Duration
	findings := 0
	for b.Loop() {
		var res *Result
		w, c := timed(func() { res = coldScan(b, path, db) })
		walls, cpus = append(walls, w), append(cpus, c)
		findings = len(res.Findings)
	}
	wall, cpu := median(walls), median(cpus)
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(findings), "findings")
	if limit := firmwareTarget * 3 / 2; cpu > limit {
		b.Fatalf("cold firmware scan of 2,000 components took a median %v of CPU, limit %v (1.5 × the issue's %v target)", cpu, limit, firmwareTarget)
	}
}
