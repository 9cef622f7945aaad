package advisory

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/testdata"
)

// shortCVEs are the vulnrichment records TestImportCVEStagedShort imports
// besides OpenSSL's whole file: the ones TestImportCVEStaged looks up, and
// the Zephyr record with a range that answers nothing.
var shortCVEs = []string{"CVE-2024-1086", "CVE-2024-36971", "CVE-2006-20001", "CVE-2023-4258"}

// TestImportCVEStagedShort is TestImportCVEStaged's path on a small real
// database, for -short (make race, where importing all 44,402 records took
// over 7 minutes): OpenSSL's whole staged file (with the disputed list at
// line 273) and four vulnrichment records as JSON lines, imported,
// written, verified and looked up by CPE, repo and id.
func TestImportCVEStagedShort(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	lines := cveLines(t, shortCVEs...)
	for _, id := range shortCVEs {
		if lines[id] == nil {
			t.Fatalf("%s is not in the staged CVE files", id)
		}
		b.Write(lines[id])
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "vulnrichment-part.cve5.jsonl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	im := NewImporter()
	for _, p := range []string{testdata.Path(t, stagedCVE+"/openssl-secjson.cve5.jsonl.gz"), filepath.Join(dir, "vulnrichment-part.cve5.jsonl")} {
		if err := im.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	p := im.Provenance()
	if len(p.Sources) != 2 {
		t.Fatalf("sources %+v", p.Sources)
	}
	records, skipped := 0, 0
	for _, s := range p.Sources {
		if s.Kind != KindCVE5 {
			t.Errorf("unexpected source %+v", s)
		}
		records += s.Records
		skipped += s.Skipped
	}
	t.Logf("%d taken, %d skipped; %d CVE records in the database (%d withdrawn)", records, skipped, p.CVERecords, p.CVEWithdrawn)
	if records != 272+len(shortCVEs) || skipped != 1 || p.CVERecords != 272+len(shortCVEs) {
		t.Errorf("%d records taken, %d skipped, %d in the database; want %d, 1, %d", records, skipped, p.CVERecords, 272+len(shortCVEs), 272+len(shortCVEs))
	}
	zephyr := 0
	for _, w := range im.Warnings {
		if !strings.HasPrefix(w.ID, "CVE-") || w.Line == 0 || !strings.Contains(w.Reason, "answers nothing") {
			t.Errorf("warning without id, line or reason: %v", w)
		}
		if w.ID == "CVE-2023-4258" {
			zephyr++
		}
	}
	if zephyr != 1 {
		t.Errorf("%d warnings for the Zephyr record CVE-2023-4258, want 1", zephyr)
	}
	disputed := false
	for _, is := range im.Issues {
		if strings.Contains(is.File, "openssl") && strings.Contains(is.Reason, "not a CVE JSON 5 record") && is.Line == 273 {
			disputed = true
		}
	}
	if !disputed {
		t.Error("OpenSSL's disputed list was not reported")
	}
	out := t.TempDir()
	if _, err := im.Write(out); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name string
		get  func() ([]*Record, error)
		want string
	}{
		{"CPE of the ADP", func() ([]*Record, error) { return db.LookupCPEBrief("linux", "linux_kernel") }, "CVE-2024-1086"},
		{"CNA vendor:product", func() ([]*Record, error) { return db.LookupCPEBrief("Linux", "Kernel") }, "CVE-2024-1086"},
		{"CNA repo", func() ([]*Record, error) { return db.LookupRepoBrief("https://git.kernel.org") }, "CVE-2024-1086"},
		{"OpenSSL CNA", func() ([]*Record, error) { return db.LookupCPEBrief("openssl", "openssl") }, "CVE-2024-5535"},
		{"inner spaces as _", func() ([]*Record, error) {
			return db.LookupCPEBrief("apache_software_foundation", "apache_http_server")
		}, "CVE-2006-20001"},
		{"id", func() ([]*Record, error) { return db.LookupID("cve-2024-36971") }, "CVE-2024-36971"},
	} {
		recs, err := l.get()
		if err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		found := false
		for _, r := range recs {
			found = found || r.ID == l.want && r.CVE != nil && len(r.CVE.Containers) > 0
		}
		if !found {
			t.Errorf("%s: %s not among %d records (or without CVE data)", l.name, l.want, len(recs))
		}
	}
	recs, _ := db.LookupIDBrief("CVE-2024-36971")
	if len(recs) != 1 {
		t.Fatalf("LookupIDBrief: %d records", len(recs))
	}
	if d := recs[0].CVE.Decide(nil, "5.15.150"); d.Status != cve5.StatusAffected || d.Container != cve5.KindCNA || len(d.Fixed) != 1 || d.Fixed[0] != "5.15.161" {
		t.Errorf("stored CVE-2024-36971 @ 5.15.150: %+v", d)
	}
}

// zipHead returns a zip of the first n members of the zip data, in order.
func zipHead(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File[:min(n, len(zr.File))] {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
