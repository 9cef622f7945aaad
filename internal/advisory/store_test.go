package advisory

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// sampleDir imports the staged per-record sample files (JSON and YAML of
// every feed) plus KEV and EPSS into a fresh database directory.
func sampleDir(t *testing.T) (string, *Importer) {
	t.Helper()
	im := NewImporter()
	for _, rel := range []string{
		"advisories/osv/go-vulndb/samples", "advisories/osv/pypa-advisory-database/samples",
		"advisories/osv/bitnami-vulndb/samples", "advisories/osv/oss-fuzz-vulns/samples",
		"advisories/osv/almalinux-osv-database/samples", "advisories/osv-dev-testdata",
		"kev/known_exploited_vulnerabilities.json", "epss/kev-epss-nvd.csv",
	} {
		if err := im.Add(testdata.Path(t, rel)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := im.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, im
}

func TestOpenDBLookups(t *testing.T) {
	dir, _ := sampleDir(t)
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := func(rs []*Record, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, r := range rs {
			s = append(s, r.ID)
		}
		return strings.Join(s, ",")
	}
	tests := []struct{ name, got, want string }{
		{"Go module path", ids(db.Lookup("Go", "github.com/gin-gonic/gin")), "GO-2020-0001"},
		{"Go is case-sensitive", ids(db.Lookup("Go", "github.com/Gin-Gonic/gin")), ""},
		{"PyPI PEP 503", ids(db.Lookup("PyPI", "Trac")), "PYSEC-2005-1"},
		{"Bitnami by CPE", ids(db.LookupCPE("apache", "solr")), "BIT-solr-2021-33813"},
		{"OSS-Fuzz by repo", ids(db.LookupRepo("https://github.com/file/file")), "OSV-2016-1"},
		{"unknown name", ids(db.Lookup("npm", "no-such-package")), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	kev, ok := db.KEV("CVE-2021-44228")
	if !ok || kev.VendorProject != "Apache" || kev.DateAdded.Format("2006-01-02") != "2021-12-10" || !kev.KnownRansomware {
		t.Errorf("KEV(CVE-2021-44228) = %+v, %v", kev, ok)
	}
	if s, ok := db.EPSS("CVE-2025-62593"); !ok || s.Score != 0.01015 || s.Percentile != 0.60644 {
		t.Errorf("EPSS(CVE-2025-62593) = %+v, %v; want 0.01015 / 0.60644 as in kev-epss-nvd.csv", s, ok)
	}
	if _, ok := db.EPSS("not-a-cve"); ok {
		t.Error("EPSS of a non-CVE id reported ok")
	}
}

// TestRecordRoundTrip checks that every staged sample survives the
// database encoding unchanged.
func TestRecordRoundTrip(t *testing.T) {
	for name, doc := range stagedSamples(t, 40) {
		var want Record
		if err := json.Unmarshal(doc, &want); err != nil {
			continue
		}
		got, err := decodeRecord(encodeRecord(nil, &want))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a, _ := json.Marshal(&want)
		b, _ := json.Marshal(got)
		if !bytes.Equal(normalizeEmpty(a), normalizeEmpty(b)) {
			t.Errorf("%s: round trip changed the record\nwant %s\ngot  %s", name, a, b)
		}
	}
}

// normalizeEmpty treats an empty events list like a missing one, the only
// difference the encoding allows.
func normalizeEmpty(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte(`"events":[]`), []byte(`"events":null`))
}

func TestCorruptDatabase(t *testing.T) {
	dir, _ := sampleDir(t)
	path := filepath.Join(dir, FileName)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good, err := openImage(orig, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Verify(); err != nil {
		t.Fatalf("Verify of the intact database: %v", err)
	}
	recStart := int(binaryOffset(t, orig, secRecords))
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		atOpen bool // the error shows at OpenDB, not only at lookup
	}{
		{"empty file", func([]byte) []byte { return nil }, true},
		{"truncated (half-written)", func(b []byte) []byte { return b[:len(b)/2] }, true},
		{"bad magic", func(b []byte) []byte { b[0] ^= 1; return b }, true},
		{"future format version", func(b []byte) []byte { b[8] = 99; return b }, true},
		{"section table flipped", func(b []byte) []byte { b[headerSize+3] ^= 1; return b }, true},
		{"EPSS table flipped", func(b []byte) []byte { b[len(b)-5] ^= 1; return b }, true},
		{"record flipped", func(b []byte) []byte { b[recStart+20] ^= 1; return b }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.mutate(append([]byte(nil), orig...))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			db, err := OpenDB(dir)
			if tt.atOpen {
				if err == nil {
					db.Close()
					t.Fatal("OpenDB accepted a damaged database")
				}
				if !strings.Contains(err.Error(), "re-import") {
					t.Errorf("error does not tell the user to re-import: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenDB: %v", err)
			}
			defer db.Close()
			// Every record either fails with ErrCorrupt or decodes to what
			// the intact database holds: never a wrong answer.
			failed := 0
			for i := range good.cache {
				got, err := db.record(uint32(i), false)
				want, _ := good.record(uint32(i), false)
				if err != nil {
					if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "re-import") {
						t.Errorf("record %d: error lacks ErrCorrupt / re-import advice: %v", i, err)
					}
					failed++
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("record %d differs from the intact database", i)
				}
			}
			if failed != 1 {
				t.Errorf("%d records failed, want exactly the damaged one", failed)
			}
			if err := db.Verify(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify = %v, want ErrCorrupt", err)
			}
			// The lookup that reaches the damaged record reports it.
			r0, _ := good.record(0, false)
			if a := r0.Affected; len(a) > 0 && a[0].Package != nil {
				if _, err := db.Lookup(a[0].Package.Ecosystem, a[0].Package.Name); !errors.Is(err, ErrCorrupt) {
					t.Errorf("Lookup of the damaged record's package: %v, want ErrCorrupt", err)
				}
			}
		})
	}
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDB(t.TempDir()); !errors.Is(err, ErrNoDatabase) || errors.Is(err, ErrCorrupt) {
		t.Errorf("OpenDB of an empty directory: %v", err)
	}
}

// binaryOffset returns the file offset of a section.
func binaryOffset(t *testing.T, img []byte, id uint32) uint64 {
	t.Helper()
	le := func(b []byte) uint64 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	n := int(le(img[12:16]))
	for i := 0; i < n; i++ {
		e := img[headerSize+dirEntry*i:]
		if uint32(le(e[:4])) == id {
			return le(e[8:16])
		}
	}
	t.Fatalf("section %d not found", id)
	return 0
}

// TestAtomicReplace checks that a reader holding the old database keeps a
// consistent view while a new import replaces it, that new readers see the
// new one, and that no temporary file is left behind.
func TestAtomicReplace(t *testing.T) {
	dir, _ := sampleDir(t)
	old, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	im := NewImporter()
	if err := im.Add(testdata.Path(t, "advisories/osv/r-advisory-database/samples")); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(dir); err != nil {
		t.Fatal(err)
	}
	if rs, err := old.Lookup("Go", "github.com/gin-gonic/gin"); err != nil || len(rs) != 1 {
		t.Errorf("old reader after replacement: %d records, %v", len(rs), err)
	}
	cur, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if rs, _ := cur.Lookup("Go", "github.com/gin-gonic/gin"); len(rs) != 0 {
		t.Error("new reader still sees the old database")
	}
	if st := cur.Status(); st.Records != 8 || st.Ecosystems["CRAN"] != 8 {
		t.Errorf("new database status: %+v", st)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("database directory holds %d entries, want only %s", len(entries), FileName)
	}
}

// TestImportIssues feeds the importer bad records of every kind and checks
// that each is reported with file, line, id and reason while the good ones
// are kept.
func TestImportIssues(t *testing.T) {
	dir := t.TempDir()
	good := `{"id":"GO-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/a"}}]}`
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, ".gz") {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write([]byte(content))
			zw.Close()
			content = buf.String()
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("feed.jsonl.gz", good+"\n"+
		`{"id":"GO-2","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0"}]}]}]}`+"\n"+
		`{"id":"GO-3","modified":"yesterday"}`+"\n"+
		`{"id":"GO-4",`+"\n"+
		`{"id":"GO-5","aliases":"CVE-1"}`+"\n")
	write("bad.yaml", "id: PYSEC-1\nmodified: [unclosed\n")
	write("nomod.yaml", "id: PYSEC-2\nsummary: no modified field\n")
	write("epss.csv", "cve,epss,percentile\nCVE-2021-44228,0.9,0.99\nCVE-2021-1,2.5,0.1\nGHSA-xxxx,0.1,0.1\n")
	write("other.csv", "a,b\n1,2\n")
	write("kev.json", `{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"},{"cveID":"CVE-2020-1","dateAdded":"10/12/2021"}]}`)
	write("README.md", "ignored: not an advisory format")
	write("bom.json", "\ufeff"+strings.Replace(good, "GO-1", "GO-8", 1))
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(".git/ignored.json", "not even JSON")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("GO-6.json")
	w.Write([]byte(strings.Replace(good, "GO-1", "GO-6", 1)))
	w, _ = zw.Create("GO-7.json")
	w.Write([]byte(`{"id":"GO-7","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}`))
	zw.Close()
	write("all.zip", zbuf.String())

	im := NewImporter()
	if err := im.Add(dir); err != nil {
		t.Fatal(err)
	}
	got := map[string]Issue{}
	for _, is := range im.Issues {
		key := is.ID
		if key == "" {
			key = filepath.Base(is.File)
		}
		got[key] = is
	}
	want := []struct {
		key, file string
		line      int
		reason    string
	}{
		{"GO-2", "feed.jsonl.gz", 2, "no introduced event"},
		{"GO-3", "feed.jsonl.gz", 3, "cannot parse"},
		{"feed.jsonl.gz", "feed.jsonl.gz", 4, "invalid OSV JSON"},
		{"GO-5", "feed.jsonl.gz", 5, "/aliases: expected []string"},
		{"bad.yaml", "bad.yaml", 0, "invalid YAML"},
		{"PYSEC-2", "nomod.yaml", 0, "/modified: missing"},
		{"CVE-2021-1", "epss.csv", 3, "between 0 and 1"},
		{"GHSA-xxxx", "epss.csv", 4, "not a CVE id"},
		{"other.csv", "other.csv", 1, "neither the KEV catalogue"},
		{"CVE-2020-1", "kev.json", 0, "not a YYYY-MM-DD date"},
		{"GO-7", "all.zip!GO-7.json", 0, "a GIT range needs a repository"},
	}
	for _, w := range want {
		is, ok := got[w.key]
		if !ok {
			t.Errorf("no issue for %s (issues: %v)", w.key, im.Issues)
			continue
		}
		if !strings.HasSuffix(is.File, w.file) || is.Line != w.line || !strings.Contains(is.Reason, w.reason) {
			t.Errorf("%s: issue %+v, want file …%s line %d reason ~%q", w.key, is, w.file, w.line, w.reason)
		}
	}
	if len(im.Issues) != len(want) {
		t.Errorf("%d issues, want %d: %v", len(im.Issues), len(want), im.Issues)
	}
	prov := im.Provenance()
	if prov.Records != 3 || prov.KEVEntries != 1 || prov.EPSSScores != 1 || prov.Skipped != len(want) {
		t.Errorf("provenance: %d records (want GO-1, GO-6, GO-8), %d KEV, %d EPSS, %d skipped", prov.Records, prov.KEVEntries, prov.EPSSScores, prov.Skipped)
	}
}

// TestNewestModifiedWins uses the AlmaLinux feed, which carries the same
// ALSA ids in two release folders.
func TestNewestModifiedWins(t *testing.T) {
	older := `{"id":"ALSA-1","modified":"2024-01-01T00:00:00Z","summary":"old"}`
	newer := `{"id":"ALSA-1","modified":"2024-06-01T00:00:00Z","summary":"new"}`
	for _, order := range [][]string{{older, newer}, {newer, older}} {
		im := NewImporter()
		if err := im.AddReader(strings.NewReader(strings.Join(order, "\n")), "x.jsonl"); err != nil {
			t.Fatal(err)
		}
		db, err := openImage(im.Image(), "mem")
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.record(0, false)
		if err != nil || r.Summary != "new" {
			t.Errorf("order %d: kept %+v, %v", len(order[0]), r, err)
		}
	}
}

// TestConcurrentLookups runs lookups from many goroutines on one cold
// database; run with -race it checks the record cache.
func TestConcurrentLookups(t *testing.T) {
	dir, _ := sampleDir(t)
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	done := make(chan []*Record, 8)
	for range 8 {
		go func() {
			rs, err := db.Lookup("Go", "github.com/gin-gonic/gin")
			if err != nil {
				t.Error(err)
			}
			done <- rs
		}()
	}
	first := <-done
	for range 7 {
		if rs := <-done; len(rs) != 1 || len(first) != 1 || rs[0].ID != first[0].ID {
			t.Errorf("concurrent lookups disagree: %v vs %v", rs, first)
		}
	}
}

// TestEPSSScoreDate reads FIRST's own CSV layout, whose first line is a
// comment carrying the model version and the score date.
func TestEPSSScoreDate(t *testing.T) {
	im := NewImporter()
	csv := "#model_version:v2025.03.14,score_date:2026-11-28T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\n"
	if err := im.AddReader(strings.NewReader(csv), "epss_scores-current.csv"); err != nil {
		t.Fatal(err)
	}
	p := im.Provenance()
	if p.EPSSDate != "2026-11-28T12:55:00Z" || p.EPSSScores != 1 || len(im.Issues) != 0 {
		t.Errorf("EPSS date %q, %d scores, issues %v", p.EPSSDate, p.EPSSScores, im.Issues)
	}
	db, err := openImage(im.Image(), "mem")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := db.EPSS("CVE-2021-44228"); !ok || s.Score != 0.94358 || s.Percentile != 0.99957 {
		t.Errorf("EPSS = %+v, %v", s, ok)
	}
}

// TestImportJSONArray reads a JSON array of records (as osv.dev's API and
// some exports write them) and names each bad element's line.
func TestImportJSONArray(t *testing.T) {
	doc := "[\n" +
		`{"id":"GO-1","modified":"2024-01-01T00:00:00Z"},` + "\n" +
		`{"id":"GO-2"},` + "\n" +
		`{"id":"GO-3","modified":"2024-01-01T00:00:00Z"}` + "\n]"
	im := NewImporter()
	if err := im.AddReader(strings.NewReader(doc), "export.json"); err != nil {
		t.Fatal(err)
	}
	if p := im.Provenance(); p.Records != 2 || len(im.Issues) != 1 || im.Issues[0].ID != "GO-2" || im.Issues[0].Line != 3 {
		t.Errorf("records %d, issues %+v; want GO-1 and GO-3 kept, GO-2 reported at line 3", p.Records, im.Issues)
	}
	im = NewImporter()
	_ = im.AddReader(strings.NewReader("[\n{\"id\":\n"), "broken.json")
	if len(im.Issues) != 1 || !strings.Contains(im.Issues[0].Reason, "invalid JSON") {
		t.Errorf("truncated array: %+v", im.Issues)
	}
}

// TestLookupBrief checks that every brief record (all three indexes) is the
// full record without Details, References and Credits, and that a brief
// lookup never fills the full-record cache.
func TestLookupBrief(t *testing.T) {
	dir, _ := sampleDir(t)
	full, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	brief, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer brief.Close()
	same := func(what string, bs, fs []*Record, berr, ferr error) {
		t.Helper()
		if berr != nil || ferr != nil || len(bs) != len(fs) {
			t.Fatalf("%s: brief %d records (%v), full %d (%v)", what, len(bs), berr, len(fs), ferr)
		}
		for i := range fs {
			head := *fs[i]
			head.Details, head.References, head.Credits = "", nil, nil
			if !reflect.DeepEqual(&head, bs[i]) {
				t.Errorf("%s: brief record %s differs from the full record's head", what, fs[i].ID)
			}
		}
	}
	n := 0
	for i := range full.cache {
		r, err := full.record(uint32(i), false)
		if err != nil {
			t.Fatal(err)
		}
		k := recordKeys(r)
		for _, key := range k.pkgs {
			eco, name, _ := strings.Cut(key, "\x00")
			bs, berr := brief.LookupBrief(eco, name)
			fs, ferr := full.Lookup(eco, name)
			same(key, bs, fs, berr, ferr)
			n++
		}
		for _, key := range k.cpes {
			v, p, _ := strings.Cut(key, ":")
			bs, berr := brief.LookupCPEBrief(v, p)
			fs, ferr := full.LookupCPE(v, p)
			same(key, bs, fs, berr, ferr)
			n++
		}
		for _, key := range k.repos {
			bs, berr := brief.LookupRepoBrief(key)
			fs, ferr := full.LookupRepo(key)
			same(key, bs, fs, berr, ferr)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no index keys in the sample database")
	}
	for i := range brief.cache {
		if brief.cache[i].Load() != nil {
			t.Fatalf("a brief lookup cached record %d as a full record", i)
		}
	}
}
