package match

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/testdata"
)

// stagedFiles are the staged OSV sources, read directly until the advisory
// database is available to tests.
var stagedFiles = []string{
	"advisories/osv/go-vulndb/Go.osv.jsonl.gz",
	"advisories/osv/pypa-advisory-database/PyPI.osv.jsonl.gz",
	"advisories/osv/rustsec-advisory-db/crates.io.osv.jsonl.gz",
	"advisories/osv/haskell-security-advisories/Hackage.osv.jsonl.gz",
	"advisories/osv/r-advisory-database/CRAN.osv.jsonl.gz",
	"advisories/osv/bitnami-vulndb/Bitnami.osv.jsonl.gz",
	"advisories/osv/almalinux-osv-database/AlmaLinux.osv.jsonl.gz",
	"advisories/osv/oss-fuzz-vulns/OSS-Fuzz.osv.jsonl.gz",
	"advisories/osv/psf-advisory-database/CPython.osv.jsonl.gz",
	"advisories/osv-derived/ghsa-maven-nuget.osv.jsonl.gz",
	"advisories/osv-derived/nodejs-wg-npm.osv.jsonl.gz",
}

// readJSONL reads OSV records, one per line, from a .jsonl.gz file.
func readJSONL(tb testing.TB, path string) []*advisory.Record {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out []*advisory.Record
	for line := 1; sc.Scan(); line++ {
		var r advisory.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, &r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}

// readRecordFile reads one OSV JSON record.
func readRecordFile(tb testing.TB, path string) *advisory.Record {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var r advisory.Record
	if err := json.Unmarshal(b, &r); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return &r
}

var (
	stagedOnce    sync.Once
	stagedRecords []*advisory.Record
)

// staged returns every staged OSV record (read once per test binary).
func staged(tb testing.TB) []*advisory.Record {
	tb.Helper()
	paths := make([]string, len(stagedFiles))
	for i, f := range stagedFiles {
		paths[i] = testdata.Path(tb, f)
	}
	stagedOnce.Do(func() {
		for _, p := range paths {
			stagedRecords = append(stagedRecords, readJSONL(tb, p)...)
		}
	})
	return stagedRecords
}

// recordsIn reads every *.json record in a directory.
func recordsIn(tb testing.TB, dir string) []*advisory.Record {
	tb.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var out []*advisory.Record
	for _, n := range names {
		if strings.HasSuffix(n, ".json") {
			out = append(out, readRecordFile(tb, n))
		}
	}
	return out
}
