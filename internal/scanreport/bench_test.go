package scanreport

import (
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

var (
	benchOnce sync.Once
	benchRes  *match.Result
	benchErr  error
)

// benchResult scans the 100,000-component benchmark SBOM (about 110,000
// findings) against the sources match's benchmarks import (once).
func benchResult(b *testing.B) *match.Result {
	srcs := []string{
		testdata.Path(b, "advisories/osv/go-vulndb/Go.osv.jsonl.gz"),
		testdata.Path(b, "advisories/osv/pypa-advisory-database/PyPI.osv.jsonl.gz"),
		testdata.Path(b, "advisories/osv/rustsec-advisory-db/crates.io.osv.jsonl.gz"),
		testdata.Path(b, "advisories/osv/haskell-security-advisories/Hackage.osv.jsonl.gz"),
		testdata.Path(b, "advisories/osv/r-advisory-database/CRAN.osv.jsonl.gz"),
		testdata.Path(b, "advisories/osv-derived"),
		testdata.Path(b, "kev/known_exploited_vulnerabilities.json"),
		testdata.Path(b, "epss/kev-epss-nvd.csv"),
	}
	path := testdata.Path(b, "bench/synth-100000.cdx.json")
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dualmark-scanreport-bench-db-")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		im := advisory.NewImporter()
		for _, s := range srcs {
			if benchErr = im.Add(s); benchErr != nil {
				return
			}
		}
		if _, benchErr = im.Write(dir); benchErr != nil {
			return
		}
		db, err := advisory.OpenDB(dir)
		if err != nil {
			benchErr = err
			return
		}
		defer db.Close()
		doc, err := sbom.ParseFile(path, sbom.Options{})
		if err != nil {
			benchErr = err
			return
		}
		benchRes, benchErr = match.ScanDocument(doc, db, match.Options{})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRes
}

// BenchmarkWriteTable renders the scan table of the 100,000-component
// benchmark SBOM: the table is tuned for that size (two passes over one
// scratch buffer). Asserted bound: 1 s per table, far above the ~0.1 s it
// takes, to catch a return to per-cell strings or a quadratic layout
// without failing on the shared machine.
func BenchmarkWriteTable(b *testing.B) {
	res := benchResult(b)
	if len(res.Findings) < 100000 {
		b.Fatalf("%d findings, want the ~110,000 of the benchmark SBOM", len(res.Findings))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := WriteTable(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if per := b.Elapsed() / time.Duration(b.N); per > time.Second {
		b.Fatalf("%v per table, bound 1 s", per)
	}
}
