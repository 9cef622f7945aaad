package advisory

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gzipRepeat returns a gzip stream of block repeated n times, built as n
// copies of one gzip member (gzip readers read concatenated members as one
// stream), so that a stream inflating to gigabytes costs kilobytes and
// milliseconds to make.
func gzipRepeat(t testing.TB, block []byte, n int) []byte {
	t.Helper()
	var one bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&one, gzip.BestCompression)
	if _, err := zw.Write(block); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(one.Bytes(), n)
}

// zipMembers returns a zip archive of the named members.
func zipMembers(t testing.TB, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const kevHeader = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes\n"

// TestMalformedCSV: every malformed KEV or EPSS CSV row is an Issue naming
// the file and the line; none panics (a parse error in a row's first
// field made csv.Reader.FieldPos panic), and good rows around a bad one
// are taken.
func TestMalformedCSV(t *testing.T) {
	good := "CVE-2021-44228,Apache,Log4j2,Log4Shell,2021-12-10,d,a,2021-12-24,Known,\n"
	tests := []struct {
		name, file, data string
		line             int // line of the Issue
		taken            int // KEV entries or EPSS scores taken
	}{
		{"KEV bare quote in first field", "kev.csv", kevHeader + `"x"y,Apache` + "\n", 2, 0},
		{"KEV bare quote after a good row", "kev.csv", kevHeader + good + `"CVE-2021-1"2,a` + "\n", 3, 1},
		{"KEV quote in first field, rows after", "kev.csv", kevHeader + `a"b,c` + "\n" + good, 2, 1},
		{"KEV unterminated quote", "kev.csv", kevHeader + good + `CVE-2021-2,"open` + "\n", 3, 1},
		{"KEV lone quote", "kev.csv", kevHeader + `"` + "\n", 2, 0},
		{"KEV quote after comment", "kev.csv", "#c\n" + kevHeader + `x"` + "\n", 3, 0},
		{"EPSS bare quote in first field", "epss.csv", "cve,epss,percentile\n" + `C"VE,0.1,0.2` + "\nCVE-2021-44228,0.9,0.99\n", 2, 1},
		{"EPSS after score comment", "epss.csv", "#model_version:v2025,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\n\"a\"b\n", 3, 0},
		{"KEV CSV gzip", "kev.csv.gz", kevHeader + `"x"y` + "\n", 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if strings.HasSuffix(tt.file, ".gz") {
				data = gzipRepeat(t, data, 1)
			}
			im := NewImporter()
			if err := im.AddReader(bytes.NewReader(data), tt.file); err != nil {
				t.Fatal(err)
			}
			if len(im.Issues) != 1 {
				t.Fatalf("issues %v, want one", im.Issues)
			}
			if is := im.Issues[0]; is.File != tt.file || is.Line != tt.line || !strings.Contains(is.Reason, "CSV") {
				t.Errorf("issue %q, want %s line %d about the CSV", is, tt.file, tt.line)
			}
			if got := len(im.kev) + len(im.epss); got != tt.taken {
				t.Errorf("took %d entries, want %d", got, tt.taken)
			}
		})
	}
}

// TestImportLimits: compression bombs and floods stop the import with an
// ErrLimit error naming the file and the limit, quickly and without
// holding the inflated bytes.
func TestImportLimits(t *testing.T) {
	newlines := bytes.Repeat([]byte{'\n'}, 1<<20)
	hashes := bytes.Repeat([]byte{'#'}, 1<<20)
	rec := func(i int) string {
		return fmt.Sprintf(`{"id":"GHSA-%04d","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"p%d"}}]}`, i, i)
	}
	var lines strings.Builder
	for i := range 1000 {
		lines.WriteString(rec(i) + "\n")
	}
	small := Limits{MaxDecompressedBytes: 8 << 20, MaxRecords: 500}
	tests := []struct {
		name   string
		file   string
		data   []byte
		limits Limits
		want   string // in the error
	}{
		{"gzip of 64 MiB of newlines", "nl.jsonl.gz", gzipRepeat(t, newlines, 64), small, "decompressed-bytes limit"},
		{"gzip of newlines as JSON", "nl.json.gz", gzipRepeat(t, newlines, 64), small, "decompressed-bytes limit"},
		{"gzip of newlines as CSV", "nl.csv.gz", gzipRepeat(t, newlines, 64), small, "decompressed-bytes limit"},
		{"gzip CSV comment without end", "c.csv.gz", gzipRepeat(t, append([]byte("#"), hashes...), 4), Limits{}, "longer than 1048576 bytes"},
		{"CSV row without end", "kev.csv", append([]byte(kevHeader), bytes.Repeat([]byte("a"), 2<<20)...), Limits{}, "longer than 1048576 bytes"},
		{"records limit, JSON lines", "r.jsonl", []byte(lines.String()), small, "more than 500 records"},
		{"records limit, gzip JSON lines", "r.jsonl.gz", gzipRepeat(t, []byte(lines.String()), 1), small, "more than 500 records"},
		{"records limit, JSON array", "r.json", []byte("[" + strings.ReplaceAll(strings.TrimSpace(lines.String()), "\n", ",") + "]"), small, "more than 500 records"},
		{"records limit, EPSS rows", "e.csv", []byte("cve,epss,percentile\n" + strings.Repeat("CVE-2024-1,0.1,0.2\n", 1000)), small, "more than 500 records"},
		{"zip member of newlines", "all.zip", zipMembers(t, map[string][]byte{"a.jsonl": bytes.Repeat(newlines, 16)}), small, "all.zip!a.jsonl: " + ErrLimit.Error()},
		{"nested zip", "bulk.zip", zipMembers(t, map[string][]byte{"cves.zip": zipMembers(t, map[string][]byte{"x.jsonl": bytes.Repeat(newlines, 16)})}), small, "bulk.zip!cves.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			im := NewImporter()
			im.Limits = tt.limits
			start := time.Now()
			err := im.Add(path)
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.file) {
				t.Fatalf("err = %v, want ErrLimit naming %s and %q", err, tt.file, tt.want)
			}
			bound := 5 * time.Second
			if raceEnabled { // 9.6 s for 8 MiB of newlines as CSV under -race at load 30
				bound = time.Minute
			}
			if d := time.Since(start); d > bound {
				t.Errorf("took %v", d)
			}
			// a later Add on the stopped import fails the same way
			if err2 := im.Add(path); !errors.Is(err2, ErrLimit) {
				t.Errorf("second Add: %v", err2)
			}
		})
	}
	// within the limits, the same kinds import
	im := NewImporter()
	im.Limits = Limits{MaxDecompressedBytes: 8 << 20, MaxRecords: 1000}
	if err := im.AddReader(bytes.NewReader(gzipRepeat(t, []byte(lines.String()), 1)), "r.jsonl.gz"); err != nil {
		t.Fatal(err)
	}
	if n := im.Provenance().Records; n != 1000 {
		t.Errorf("%d records, want 1000", n)
	}
	// negative: no limit
	im = NewImporter()
	im.Limits = Limits{MaxDecompressedBytes: -1, MaxRecords: -1}
	if err := im.AddReader(bytes.NewReader(gzipRepeat(t, newlines, 16)), "nl.jsonl.gz"); err != nil {
		t.Fatal(err)
	}
}

// TestGzipBombDefaultLimit is the issue's case: a gzip that inflates to
// 10 GiB of newlines (it ran for hours) stops at the default limit.
func TestGzipBombDefaultLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 2 GiB")
	}
	bomb := gzipRepeat(t, bytes.Repeat([]byte{'\n'}, 16<<20), 640)
	start := time.Now()
	im := NewImporter()
	err := im.AddReader(bytes.NewReader(bomb), "bomb.jsonl.gz")
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), fmt.Sprint(DefaultMaxDecompressedBytes)) {
		t.Fatalf("err = %v, want the default decompressed-bytes limit", err)
	}
	t.Logf("%d-byte gzip refused after %v", len(bomb), time.Since(start))
}
