package csaf

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/testdata"
)

// forEachCISA calls fn with each of the 2,383 CISA advisories.
func forEachCISA(t testing.TB, fn func(i int, doc []byte)) int {
	f, err := os.Open(testdata.Path(t, "csaf/cisa-ics-csaf/cisa-csaf-all.jsonl.gz"))
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
	n := 0
	for sc.Scan() {
		fn(n, sc.Bytes())
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadCISACorpus: all 2,383 CISA advisories are read, the streaming
// reader finds exactly the product IDs a full decode defines, and the
// schema and mandatory tests run on each; failures are counted by test id
// with a JSON pointer.
func TestReadCISACorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus")
	}
	sch := schemas(t)
	byTest := map[string]int{}
	failedDocs := 0
	var example []string
	n := forEachCISA(t, func(i int, doc []byte) {
		e, err := Read(bytes.NewReader(doc), Limits{})
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.Pointer == "" && re.Offset == 0 {
				t.Errorf("doc %d: error without a place: %v", i, err)
			}
			byTest["read"]++
			return
		}
		var a Advisory
		if err := json.Unmarshal(doc, &a); err != nil {
			t.Fatalf("doc %d (%s): %v", i, e.TrackingID, err)
		}
		if got, want := len(e.Products), len(definitions(a.ProductTree)); got != want {
			t.Errorf("%s: streamed %d products, full decode defines %d", e.TrackingID, got, want)
		}
		ps, err := CheckBytes(doc, sch)
		if err != nil {
			t.Fatalf("%s: %v", e.TrackingID, err)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if p.Test == "" || (p.Pointer == "" && p.Test != "schema") {
				t.Errorf("%s: problem without test id or pointer: %v", e.TrackingID, p)
			}
			if !seen[p.Test] {
				byTest[p.Test]++
				seen[p.Test] = true
			}
			if len(example) < 5 {
				example = append(example, e.TrackingID+": "+p.String())
			}
		}
		if len(ps) > 0 {
			failedDocs++
		}
	})
	if n != 2383 {
		t.Errorf("%d advisories, want 2383", n)
	}
	var keys []string
	for k := range byTest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sum []string
	for _, k := range keys {
		sum = append(sum, k+"="+itoa(byTest[k]))
	}
	t.Logf("%d advisories; %d with problems; documents per failed test: %s", n, failedDocs, strings.Join(sum, " "))
	for _, e := range example {
		t.Log(e)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestReadRedHat reads the large Red Hat documents and checks product and
// vulnerability counts against a full decode.
func TestReadRedHat(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata.Path(t, "csaf/redhat-csaf"), "*.json"))
	if len(files) < 5 {
		t.Fatalf("%d Red Hat files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Read(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		var a Advisory
		json.Unmarshal(data, &a)
		if len(e.Products) != len(definitions(a.ProductTree)) || len(e.Vulnerabilities) != len(a.Vulnerabilities) {
			t.Errorf("%s: %d products / %d vulns, full decode %d / %d", filepath.Base(f), len(e.Products), len(e.Vulnerabilities), len(definitions(a.ProductTree)), len(a.Vulnerabilities))
		}
		for _, p := range e.Products {
			if p.Relationship == nil && p.Vendor != "Red Hat" {
				t.Errorf("%s: %s vendor %q", filepath.Base(f), p.ID, p.Vendor)
				break
			}
		}
	}
}

// TestAffectsCISADevice: a real CISA advisory about a device's firmware
// reaches a device described by vendor, name and version.
func TestAffectsCISADevice(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata.Path(t, "csaf/cisa-ics-csaf/raw-2024"), "*.json"))
	if len(files) == 0 {
		t.Fatal("no raw-2024 advisories")
	}
	hits, devices := 0, 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		e, err := Read(bytes.NewReader(data), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		for _, p := range e.Products {
			if p.Vendor == "" || p.ProductName == "" || p.Version == "" || p.Relationship != nil {
				continue
			}
			devices++
			d := Device{Vendor: p.Vendor, Name: p.ProductName, Version: p.Version}
			found := false
			for _, h := range e.Affects(d) {
				if h.ProductID == p.ID {
					found = true
				}
			}
			if found {
				hits++
			}
			if !found && inAffected(e, p.ID) {
				t.Errorf("%s: device %+v not reached though %s is affected", e.TrackingID, d, p.ID)
			}
			if len(e.Affects(Device{Vendor: p.Vendor, Name: p.ProductName, Version: "999.0.0-not-a-release"})) > 0 && !hasRange(e) {
				t.Errorf("%s: an unlisted version of %s matched", e.TrackingID, p.ProductName)
			}
			break
		}
	}
	if hits == 0 {
		t.Errorf("no device reached in %d advisories", devices)
	}
	t.Logf("%d of %d sampled devices reached by their advisory", hits, devices)
}

func inAffected(e *Entry, id string) bool {
	for _, v := range e.Vulnerabilities {
		for _, a := range v.Affected {
			if a == id {
				return true
			}
		}
	}
	return false
}

func hasRange(e *Entry) bool {
	for _, p := range e.Products {
		if p.VersionRange != "" || p.Version == "" {
			return true
		}
	}
	return false
}

func TestInRange(t *testing.T) {
	for _, tc := range []struct {
		v, r      string
		in, known bool
	}{
		{"4.1", "<=4.2", true, true},
		{"4.3", "<=4.2", false, true},
		{"1.5", "vers:generic/>=1.0|<2.1", true, true},
		{"2.1", "vers:generic/>=1.0|<2.1", false, true},
		{"V3.0", "<V3.1", true, true},
		{"3.1", "<V3.1 SP2", false, false},
		{"x", "vers:generic/*", true, true},
	} {
		in, known := InRange(tc.v, tc.r)
		if in != tc.in || known != tc.known {
			t.Errorf("%s in %s: %v %v, want %v %v", tc.v, tc.r, in, known, tc.in, tc.known)
		}
	}
}

// TestReadHostile: bad input gives a ReadError with a pointer.
func TestReadHostile(t *testing.T) {
	deep := `{"document":{"tracking":{"id":"x"}},"product_tree":{"branches":[` + strings.Repeat(`{"branches":[`, 40) + strings.Repeat(`]}`, 40) + `]}}`
	for _, tc := range []struct{ in, ptr string }{
		{`{"document":{"tracking":{"id":"x"}},"product_tree":{"branches":{}}}`, "/product_tree/branches"},
		{`{"document":{"tracking":{"id":"x"}},"vulnerabilities":[{"cve":1}]}`, "/vulnerabilities/0"},
		{`{"document":{"tracking":{}}}`, "/document/tracking/id"},
		{deep, "/product_tree/branches/0"},
		{`[]`, ""},
		{`{"document":{"tracking":{"id":"x"}}} {}`, ""},
	} {
		_, err := Read(strings.NewReader(tc.in), Limits{})
		var re *ReadError
		if !errors.As(err, &re) || !strings.HasPrefix(re.Pointer, tc.ptr) {
			t.Errorf("%.60q: %v, want pointer %q", tc.in, err, tc.ptr)
		}
	}
	_, err := Read(strings.NewReader(`{"document":{"tracking":{"id":"x"}},"product_tree":{"full_product_names":[{"name":"a","product_id":"1"},{"name":"b","product_id":"2"}]}}`), Limits{MaxProducts: 1})
	if err == nil {
		t.Error("product limit not enforced")
	}
}

// peakHeap runs fn while sampling the live heap objects every 50 µs and
// returns the highest figure above the level before fn, in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-done:
				return
			default:
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	fn()
	close(done)
	<-stopped
	return peak.Load()
}

// streamRead reads path with Read, checking the vulnerability count.
func streamRead(b *testing.B, path string, vulns int) func() {
	return func() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		e, err := Read(bufio.NewReader(f), Limits{})
		if err != nil || len(e.Vulnerabilities) != vulns {
			b.Fatalf("%v (%d vulnerabilities)", err, len(e.Vulnerabilities))
		}
	}
}

// wholeDecode reads path whole and decodes it into Advisory.
func wholeDecode(b *testing.B, path string) func() {
	return func() {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var a Advisory
		if err := json.Unmarshal(data, &a); err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(&a)
	}
}

// benchPeak runs fn b.N times, reports the highest peak heap and fails
// when it passes limit (0: no limit).
func benchPeak(b *testing.B, path string, fn func(), limit uint64) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		peak = max(peak, peakHeap(fn))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peakHeapMiB")
	if limit > 0 && peak > limit {
		b.Fatalf("peak live heap %.1f MiB, want < %d MiB", float64(peak)/(1<<20), limit>>20)
	}
}

// BenchmarkReadRedHat streams the largest Red Hat document (1.6 MB) from
// its file and asserts the peak live heap of a read stays under 8 MiB
// (objects above the level before the read, sampled every 50 µs, the
// result included) — the figure in docs/BENCHMARKS.md.
func BenchmarkReadRedHat(b *testing.B) {
	path := testdata.Path(b, "csaf/redhat-csaf/rhsa-2024_4420.json")
	benchPeak(b, path, streamRead(b, path, 1), 8<<20)
}

// BenchmarkDecodeRedHat is the comparison: reading the whole file and
// decoding it with encoding/json into Advisory.
func BenchmarkDecodeRedHat(b *testing.B) {
	path := testdata.Path(b, "csaf/redhat-csaf/rhsa-2024_4420.json")
	benchPeak(b, path, wholeDecode(b, path), 0)
}

// BenchmarkReadRedHatLarge reads a 11 MB document made from the largest
// Red Hat file by repeating its vulnerability 30 times (the product tree
// unchanged) and asserts the peak live heap stays under 12 MiB: memory
// follows the product tree and the largest single vulnerability, not the
// file.
func BenchmarkReadRedHatLarge(b *testing.B) {
	path := largeRedHat(b)
	benchPeak(b, path, streamRead(b, path, 30), 12<<20)
}

// BenchmarkDecodeRedHatLarge decodes the same document whole.
func BenchmarkDecodeRedHatLarge(b *testing.B) {
	path := largeRedHat(b)
	benchPeak(b, path, wholeDecode(b, path), 0)
}

func largeRedHat(b *testing.B) string {
	b.Helper()
	data, err := os.ReadFile(testdata.Path(b, "csaf/redhat-csaf/rhsa-2024_4420.json"))
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	var vulns []json.RawMessage
	json.Unmarshal(doc["vulnerabilities"], &vulns)
	var many []json.RawMessage
	for range 30 {
		many = append(many, vulns[0])
	}
	doc["vulnerabilities"], _ = json.Marshal(many)
	out, _ := json.Marshal(doc)
	p := filepath.Join(b.TempDir(), "large.json")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}
