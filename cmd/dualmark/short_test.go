package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// stagedCVEs writes the named records of the staged CVE JSON 5 files, one
// file each, into a temporary directory and returns it: the small real
// database a test imports under -short (make race) instead of all 44,402
// records, which took minutes under the race detector.
func stagedCVEs(t *testing.T, ids ...string) string {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[`"cveId":"`+id+`"`] = true
	}
	dir := t.TempDir()
	found := 0
	for _, rel := range []string{"advisories/cve5/openssl-secjson.cve5.jsonl.gz", "advisories/cve5/vulnrichment.cve5.jsonl.gz"} {
		f, err := os.Open(testdata.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() && found < len(ids) {
			b := sc.Bytes()
			i := bytes.Index(b, []byte(`"cveId":"`))
			if i < 0 {
				continue
			}
			j := bytes.IndexByte(b[i+9:], '"')
			if j < 0 || !want[string(b[i:i+9+j+1])] {
				continue
			}
			found++
			if err := os.WriteFile(filepath.Join(dir, string(b[i+9:i+9+j])+".json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if found != len(ids) {
		t.Fatalf("found %d of the records %v in the staged CVE files", found, ids)
	}
	return dir
}
