package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// stagedCVELine returns the staged vulnrichment line of one CVE record.
func stagedCVELine(t *testing.T, id string) []byte {
	t.Helper()
	f, err := os.Open(testdata.Path(t, "advisories/cve5/vulnrichment.cve5.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(`"cveId":"`+id+`"`)) {
			return append([]byte(nil), sc.Bytes()...)
		}
	}
	t.Fatalf("%s is not staged", id)
	return nil
}

// TestDBImportWarnings: a CVE record with a version item whose bound does
// not parse in its versionType (the real Zephyr record CVE-2023-4258) is
// imported, and db import names the item as a warning, on stderr and in
// the JSON output.
func TestDBImportWarnings(t *testing.T) {
	src := filepath.Join(t.TempDir(), "zephyr.jsonl")
	if err := os.WriteFile(src, append(stagedCVELine(t, "CVE-2023-4258"), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCaptured("db", "import", "--db", filepath.Join(t.TempDir(), "db"), "-q", src)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "kept 1 version item(s) that answer nothing") || !strings.Contains(errOut, "CVE-2023-4258: /containers/cna/affected/0/versions/0/lessThanOrEqual") {
		t.Errorf("stderr does not name the warning:\n%s", errOut)
	}
	if !strings.Contains(out, "records:    1 (0 skipped at import)") {
		t.Errorf("the record was not kept:\n%s", out)
	}
	code, out, errOut = runCaptured("db", "import", "--db", filepath.Join(t.TempDir(), "db"), "-q", "--json", src)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Records  int `json:"records"`
		Warnings []struct {
			ID     string `json:"id"`
			Reason string `json:"reason"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Records != 1 || len(res.Warnings) != 1 || res.Warnings[0].ID != "CVE-2023-4258" {
		t.Errorf("JSON: %d records, warnings %+v", res.Records, res.Warnings)
	}
}
