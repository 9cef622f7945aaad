package advisory

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/testdata"
)

const stagedCVE = "advisories/cve5"

var (
	cveLinesOnce sync.Once
	cveLinesAll  map[string][]byte
)

// cveLines returns the staged CVE record lines whose id is in ids (all
// when ids is nil), reading the staged files once per test binary.
func cveLines(t testing.TB, ids ...string) map[string][]byte {
	t.Helper()
	paths := []string{testdata.Path(t, stagedCVE+"/vulnrichment.cve5.jsonl.gz"), testdata.Path(t, stagedCVE+"/openssl-secjson.cve5.jsonl.gz")}
	cveLinesOnce.Do(func() {
		cveLinesAll = map[string][]byte{}
		for _, p := range paths {
			fh, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(fh)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(zr); err != nil {
				t.Fatal(err)
			}
			fh.Close()
			for _, line := range bytes.Split(buf.Bytes(), []byte{'\n'}) {
				if i := bytes.Index(line, []byte(`"cveId":"`)); i >= 0 {
					id, _, _ := strings.Cut(string(line[i+9:min(len(line), i+40)]), `"`)
					cveLinesAll[id] = line
				}
			}
		}
	})
	if ids == nil {
		return cveLinesAll
	}
	out := map[string][]byte{}
	for _, id := range ids {
		if l, ok := cveLinesAll[id]; ok {
			out[id] = l
		}
	}
	return out
}

// TestImportCVEStaged imports the staged CVE records and pins what is
// kept, withdrawn and skipped, and the keys and lookups matching relies on.
func TestImportCVEStaged(t *testing.T) {
	if testing.Short() {
		t.Skip("imports all 44,402 staged CVE records; TestImportCVEStagedShort imports a few")
	}
	im := NewImporter()
	if err := im.Add(testdata.Path(t, stagedCVE)); err != nil {
		t.Fatal(err)
	}
	p := im.Provenance()
	var src *Source
	for i := range p.Sources {
		if p.Sources[i].Kind == KindCVE5 {
			src = &p.Sources[i]
		} else {
			t.Errorf("unexpected source %+v", p.Sources[i])
		}
	}
	if src == nil {
		t.Fatal("no cve5 source")
	}
	t.Logf("cve5: %d taken (%d withdrawn), %d skipped; %d CVE records in the database", src.Records, src.Withdrawn, src.Skipped, p.CVERecords)
	// 44,403 lines: 44,402 records read (1,612 of them with 7,090 version
	// items whose bounds do not parse: kept, warned about; cve5's
	// TestStagedRecords), 1 is OpenSSL's
	// disputed list; 12 OpenSSL CVEs are also in vulnrichment, whose copy
	// (dated, OpenSSL's files carry no dates) is kept.
	if src.Records != 44402 || src.Skipped != 1 || src.Withdrawn != 104 || p.CVERecords != 44390 || p.CVEWithdrawn != 104 {
		t.Errorf("source %+v, provenance CVE %d/%d", *src, p.CVERecords, p.CVEWithdrawn)
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
	if len(im.Warnings) != 7090 || zephyr != 1 {
		t.Errorf("%d warnings (%d for the Zephyr record CVE-2023-4258), want 7090 (1)", len(im.Warnings), zephyr)
	}
	if len(p.Ecosystems) != 0 {
		t.Errorf("CVE records counted as ecosystems: %v", p.Ecosystems)
	}
	disputed := false
	for _, is := range im.Issues {
		if is.Reason == "" || !strings.HasPrefix(is.ID, "CVE-") && !strings.Contains(is.Reason, "not a CVE JSON 5 record") {
			t.Errorf("issue without id or reason: %v", is)
		}
		if strings.Contains(is.File, "openssl") && strings.Contains(is.Reason, "not a CVE JSON 5 record") && is.Line == 273 {
			disputed = true
		}
	}
	if !disputed {
		t.Error("OpenSSL's disputed list was not reported")
	}
	dir := t.TempDir()
	if _, err := im.Write(dir); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	lookups := []struct {
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
	}
	for _, l := range lookups {
		recs, err := l.get()
		if err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		found := false
		for _, r := range recs {
			if r.ID == l.want {
				found = true
				if r.CVE == nil || len(r.CVE.Containers) == 0 {
					t.Errorf("%s: %s has no CVE data", l.name, r.ID)
				}
			}
		}
		if !found {
			t.Errorf("%s: %s not among %d records", l.name, l.want, len(recs))
		}
	}
	if recs, _ := db.LookupCPEBrief("n/a", "n/a"); len(recs) != 0 {
		t.Errorf("placeholder vendor/product indexed: %d records under n/a:n/a", len(recs))
	}
	// The stored record answers as the parsed one does.
	recs, _ := db.LookupIDBrief("CVE-2024-36971")
	if len(recs) != 1 {
		t.Fatalf("LookupIDBrief: %d records", len(recs))
	}
	d := recs[0].CVE.Decide(nil, "5.15.150")
	if d.Status != cve5.StatusAffected || d.Container != cve5.KindCNA || !reflect.DeepEqual(d.Fixed, []string{"5.15.161"}) {
		t.Errorf("stored CVE-2024-36971 @ 5.15.150: %+v", d)
	}
	full, _ := db.LookupID("CVE-2024-1086")
	r := full[0]
	if r.Summary == "" || !strings.HasPrefix(r.Details, "A use-after-free") || r.CVE.Description != r.Details || len(r.CVE.References) != len(r.References) {
		t.Errorf("full record: summary %q, details %.30q, CVE description %.30q, %d/%d references", r.Summary, r.Details, r.CVE.Description, len(r.CVE.References), len(r.References))
	}
	if len(r.Severity) != 1 || r.Severity[0] != (Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}) {
		t.Errorf("severity = %+v", r.Severity)
	}
	if db.Status().NewestRecord.IsZero() {
		t.Error("no newest record date")
	}
}

// TestCVERoundTrip encodes and decodes every staged CVE record: the full
// decode gives back the converted record exactly.
func TestCVERoundTrip(t *testing.T) {
	n, least := 0, 43000
	if testing.Short() { // one record in ten (ids ending in 7): all take minutes under the race detector
		least = 4000
	}
	for id, line := range cveLines(t) {
		if testing.Short() && !strings.HasSuffix(id, "7") {
			continue
		}
		c, err := cve5.Parse(line)
		if err != nil {
			continue
		}
		want := FromCVE(c)
		got, err := decodeRecord(encodeRecord(nil, want))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: round trip changed the record\nwant %s\ngot  %s", id, a, b)
		}
		n++
	}
	if n < least {
		t.Errorf("only %d records round-tripped", n)
	}
}

// TestCVEAndOSVSameID: an OSV record and a CVE record with one id are both
// kept and both returned by LookupID; a newer CVE record replaces an older
// one of the same id, an older one does not.
func TestCVEAndOSVSameID(t *testing.T) {
	osvDoc, err := os.ReadFile(testdata.Path(t, "advisories/osv-dev-testdata/CVE-2023-21400.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The staged CVE data has no record with an id the staged OSV data
	// uses: CVE-2024-1086's record is given the OSV record's id.
	line := cveLines(t, "CVE-2024-1086")["CVE-2024-1086"]
	cveDoc := bytes.ReplaceAll(line, []byte(`"cveId":"CVE-2024-1086"`), []byte(`"cveId":"CVE-2023-21400"`))
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	older := bytes.ReplaceAll(cveDoc, []byte(`"dateUpdated":"2024-08-01T18:26:30.467Z"`), []byte(`"dateUpdated":"2020-01-01T00:00:00Z"`))
	older = bytes.ReplaceAll(older, []byte(`"title":"Use-after-free`), []byte(`"title":"OLDER Use-after-free`))
	im := NewImporter()
	for _, p := range []string{write("osv.json", osvDoc), write("cve.json", cveDoc), write("older.json", older)} {
		if err := im.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	db, err := openImage(im.Image(), "memory")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.LookupID("CVE-2023-21400")
	if err != nil || len(recs) != 2 {
		t.Fatalf("LookupID: %d records, %v", len(recs), err)
	}
	if recs[0].CVE != nil || recs[1].CVE == nil {
		t.Errorf("want the OSV record, then the CVE record: %v, %v", recs[0].CVE != nil, recs[1].CVE != nil)
	}
	if strings.HasPrefix(recs[1].Summary, "OLDER") {
		t.Error("an older CVE record replaced a newer one")
	}
	if p := im.Provenance(); p.Records != 2 || p.CVERecords != 1 {
		t.Errorf("provenance: %d records, %d CVE", p.Records, p.CVERecords)
	}
}

// TestCVEBadRecords: a bad record is an Issue with its id and reason and
// changes nothing else: the other records of the file answer as before.
func TestCVEBadRecords(t *testing.T) {
	lines := cveLines(t, "CVE-2024-1086", "CVE-2024-5535", "CVE-2024-26581")
	bad := bytes.Replace(lines["CVE-2024-5535"], []byte(`"lessThan":"3.3.2"`), []byte(`"lessThan":"n/a"`), 1)
	if bytes.Equal(bad, lines["CVE-2024-5535"]) {
		t.Fatal("the edit did not apply")
	}
	var buf bytes.Buffer
	buf.Write(lines["CVE-2024-1086"])
	buf.WriteString("\n{\"cveMetadata\": 5}\n")
	buf.Write(bad)
	buf.WriteString("\nnot json\n")
	buf.Write(lines["CVE-2024-26581"])
	buf.WriteString("\n")
	im := NewImporter()
	if err := im.AddReader(&buf, "mixed.jsonl"); err != nil {
		t.Fatal(err)
	}
	// Two issues (lines 2 and 4), each naming its line; the record with a
	// bound that does not parse (line 3) is kept with a warning naming its
	// id and field.
	if len(im.Issues) != 2 {
		t.Fatalf("issues: %v", im.Issues)
	}
	want := `mixed.jsonl:3 CVE-2024-5535: /containers/cna/affected/0/versions/0/lessThan: "n/a" does not parse as a semver version: the item answers nothing`
	if len(im.Warnings) != 1 || im.Warnings[0].String() != want {
		t.Errorf("warnings = %q, want %q", im.Warnings, want)
	}
	for _, is := range im.Issues {
		if is.Reason == "" || is.Line == 0 {
			t.Errorf("issue without line or reason: %v", is)
		}
	}
	db, err := openImage(im.Image(), "memory")
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range map[string]string{"CVE-2024-1086": cve5.StatusAffected, "CVE-2024-26581": cve5.StatusUnaffected} {
		recs, _ := db.LookupID(id)
		if len(recs) != 1 || recs[0].CVE.Decide(nil, "4.4.94").Status != v {
			t.Errorf("%s @ 4.4.94: %d records, want %s", id, len(recs), v)
		}
	}
	// the kept record: its other items answer (1.1.1w < 1.1.1za), the bad
	// item's range answers nothing, and its entry's defaultStatus is not
	// taken for a version the bad item may cover
	recs, _ := db.LookupID("CVE-2024-5535")
	if len(recs) != 1 {
		t.Fatalf("CVE-2024-5535: %d records, want the record kept", len(recs))
	}
	if d := recs[0].CVE.Decide(nil, "1.1.1w"); d.Status != cve5.StatusAffected || d.Container != cve5.KindCNA {
		t.Errorf("CVE-2024-5535 @ 1.1.1w: %s by %q, want affected by the CNA", d.Status, d.Container)
	}
	if d := recs[0].CVE.Decide(nil, "3.3.1"); d.Container == cve5.KindCNA {
		t.Errorf("CVE-2024-5535 @ 3.3.1: the CNA answered %s through its bad item's entry", d.Status)
	}
}

// TestProvenanceStale: warnings for an old build and an old newest record.
func TestProvenanceStale(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		built, newest time.Time
		want          int
	}{
		{now.Add(-time.Hour), now.Add(-2 * 24 * time.Hour), 0},
		{now.Add(-8 * 24 * time.Hour), now.Add(-8 * 24 * time.Hour), 2},
		{now.Add(-time.Hour), now.Add(-30 * 24 * time.Hour), 1},
		{now.Add(-8 * 24 * time.Hour), time.Time{}, 1},
	}
	for _, tt := range tests {
		w := Provenance{Built: tt.built, NewestRecord: tt.newest}.Stale(now)
		if len(w) != tt.want {
			t.Errorf("built %v, newest %v: warnings %q, want %d", tt.built, tt.newest, w, tt.want)
		}
	}
}

// BenchmarkColdLookupKernel opens a database of the staged CVE records and
// looks up the Linux kernel under its CPE (linux:linux_kernel, the ADP's
// entries) and the kernel CNA's vendor:product (linux:linux), as a cold
// scan of one kernel component does: brief decoding of every record under
// both keys.
func BenchmarkColdLookupKernel(b *testing.B) {
	dir := b.TempDir()
	im := NewImporter()
	if err := im.Add(testdata.Path(b, stagedCVE)); err != nil {
		b.Fatal(err)
	}
	if _, err := im.Write(dir); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		db, err := OpenDB(dir)
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for _, product := range []string{"linux_kernel", "linux"} {
			recs, err := db.LookupCPEBrief("linux", product)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
		db.Close()
	}
	b.ReportMetric(float64(n), "records")
}

// TestImportCVEListTree imports a directory in the cvelistV5 layout
// (cves/<year>/<n>xxx/CVE-*.json, with the checkout's change logs), built
// from staged records.
func TestImportCVEListTree(t *testing.T) {
	root := t.TempDir()
	lines := cveLines(t, "CVE-2024-1086", "CVE-2024-5535", "CVE-2023-0872")
	files := map[string][]byte{
		"cves/2024/1xxx/CVE-2024-1086.json": lines["CVE-2024-1086"],
		"cves/2024/5xxx/CVE-2024-5535.json": lines["CVE-2024-5535"],
		"cves/2023/0xxx/CVE-2023-0872.json": lines["CVE-2023-0872"],
		"cves/2023/0xxx/CVE-2023-0001.json": []byte(`{"dataType": "CVE_RECORD", "dataVersion": "5.1", "containers": {}}`),
		"cves/delta.json":                   []byte(`{"fetchTime": "2024-10-24T00:00:00Z", "new": []}`),
		"cves/deltaLog.json":                []byte(`[{"fetchTime": "2024-10-24T00:00:00Z"}]`),
	}
	for rel, data := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	im := NewImporter()
	if err := im.Add(root); err != nil {
		t.Fatal(err)
	}
	p := im.Provenance()
	if len(p.Sources) != 1 || p.Sources[0].Kind != KindCVE5 || p.Sources[0].Location != filepath.Join(root, "cves") || p.Sources[0].Records != 3 || p.Sources[0].Skipped != 1 {
		t.Errorf("sources = %+v", p.Sources)
	}
	if len(im.Issues) != 1 || !strings.HasSuffix(im.Issues[0].File, "CVE-2023-0001.json") || !strings.Contains(im.Issues[0].Reason, "/cveMetadata: missing") {
		t.Errorf("issues = %v", im.Issues)
	}
}
