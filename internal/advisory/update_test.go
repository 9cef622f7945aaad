package advisory

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/testdata"
)

// feedServer serves the OSV bucket / KEV / EPSS layout built from the
// staged data, honouring conditional requests and sending x-goog-hash, and
// can be told to fail or corrupt a path for a number of requests.
type feedServer struct {
	mu       sync.Mutex
	files    map[string][]byte
	modTime  map[string]time.Time
	fail     map[string]int // path → 503 responses still to send
	corrupt  map[string]int // path → corrupted bodies still to send
	requests map[string]int
	notMod   int
}

func (s *feedServer) set(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = data
	s.modTime[path] = time.Now().UTC().Truncate(time.Second)
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := r.URL.Path
	s.requests[p]++
	data, ok := s.files[p]
	mod := s.modTime[p]
	fail, corrupt := s.fail[p] > 0, s.corrupt[p] > 0
	if fail {
		s.fail[p]--
	}
	if corrupt {
		s.corrupt[p]--
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if fail {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256(data)
	md := md5.Sum(data)
	crc := binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum[:8]))
	w.Header().Set("X-Goog-Hash", "crc32c="+base64.StdEncoding.EncodeToString(crc)+",md5="+base64.StdEncoding.EncodeToString(md[:]))
	if corrupt {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 0xff
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == w.Header().Get("ETag") {
		s.mu.Lock()
		s.notMod++
		s.mu.Unlock()
	}
	http.ServeContent(w, r, p, mod, bytes.NewReader(data))
}

// zipFromJSONL builds an OSV bucket all.zip (<id>.json members) from a
// staged .osv.jsonl.gz file.
func zipFromJSONL(t *testing.T, rel string) []byte {
	t.Helper()
	f, err := os.Open(testdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var p struct{ ID string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(p.ID + ".json")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// epssHead returns the first n lines (header included) of the staged EPSS
// scores, gzip-compressed: a real file, small enough to import often.
func epssHead(t *testing.T, n int) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(readShared(t, "epss/epss_scores.csv.gz")))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := 0; i < n && sc.Scan(); i++ {
		zw.Write(sc.Bytes())
		zw.Write([]byte{'\n'})
	}
	zw.Close()
	return buf.Bytes()
}

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(testdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestUpdateFromMirror(t *testing.T) {
	srv := &feedServer{files: map[string][]byte{}, modTime: map[string]time.Time{}, fail: map[string]int{},
		corrupt: map[string]int{}, requests: map[string]int{}}
	ecos := map[string]string{
		"Go":        "advisories/osv/go-vulndb/Go.osv.jsonl.gz",
		"crates.io": "advisories/osv/rustsec-advisory-db/crates.io.osv.jsonl.gz",
		"Hackage":   "advisories/osv/haskell-security-advisories/Hackage.osv.jsonl.gz",
		"CRAN":      "advisories/osv/r-advisory-database/CRAN.osv.jsonl.gz",
	}
	goRecords := 4291
	for eco, rel := range ecos {
		data := zipFromJSONL(t, rel)
		if testing.Short() && eco == "Go" { // its first 400 records: 4 rebuilds of all take minutes under -race
			data, goRecords = zipHead(t, data, 400), 400
		}
		srv.set("/osv/"+eco+"/all.zip", data)
	}
	srv.set("/kev/known_exploited_vulnerabilities.json", readShared(t, "kev/known_exploited_vulnerabilities.json"))
	srv.set("/epss/epss_scores-current.csv.gz", epssHead(t, 20000))
	srv.fail["/osv/Go/all.zip"] = 2           // transient outage: retried
	srv.corrupt["/osv/crates.io/all.zip"] = 1 // damaged once: checksum mismatch, retried
	ts := httptest.NewServer(srv)
	defer ts.Close()

	dir := t.TempDir()
	var progress []string
	opts := UpdateOptions{Ecosystems: []string{"Go", "crates.io", "Hackage", "CRAN", "NoSuchEcosystem"},
		RetryDelay: time.Millisecond, OnProgress: func(p DownloadProgress) {
			if p.Status != "downloading" {
				progress = append(progress, p.Status)
			}
		}}
	opts.SourceURLs(ts.URL)

	res, err := Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 6 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "NoSuchEcosystem") || !res.Rebuilt {
		t.Fatalf("first update: downloaded %v, failed %v, rebuilt %v", res.Downloaded, res.Failed, res.Rebuilt)
	}
	if srv.requests["/osv/Go/all.zip"] != 3 || srv.requests["/osv/crates.io/all.zip"] != 2 {
		t.Errorf("retries: Go fetched %d times (want 3), crates.io %d times (want 2)", srv.requests["/osv/Go/all.zip"], srv.requests["/osv/crates.io/all.zip"])
	}
	if !strings.Contains(strings.Join(progress, "\n"), "checksum mismatch") {
		t.Errorf("progress did not report the checksum retry: %q", progress)
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := db.Lookup("Go", "golang.org/x/net"); err != nil || len(rs) == 0 {
		t.Errorf("Lookup(Go, golang.org/x/net) = %d records, %v", len(rs), err)
	}
	if _, ok := db.KEV("CVE-2021-44228"); !ok {
		t.Error("KEV lacks CVE-2021-44228")
	}
	if _, ok := db.EPSS("CVE-2006-4713"); !ok {
		t.Error("EPSS lacks CVE-2006-4713")
	}
	st := db.Status()
	db.Close()
	if st.Ecosystems["Go"] != goRecords || st.KEVEntries != 1404 {
		t.Errorf("status: %d Go records (want %d), %d KEV entries (want 1404)", st.Ecosystems["Go"], goRecords, st.KEVEntries)
	}
	for _, s := range st.Sources {
		if !strings.HasPrefix(s.Location, ts.URL) || len(s.SHA256) != 64 || s.ETag == "" {
			t.Errorf("source provenance lacks URL, digest or ETag: %+v", s)
		}
	}

	// Nothing changed: conditional requests, no rebuild.
	res, err = Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 0 || len(res.NotModified) != 6 || res.Rebuilt {
		t.Errorf("second update: downloaded %v, not modified %d, rebuilt %v", res.Downloaded, len(res.NotModified), res.Rebuilt)
	}
	if srv.notMod != 6 {
		t.Errorf("server saw %d matching If-None-Match requests, want 6", srv.notMod)
	}

	// The KEV feed changes; a persistently damaged EPSS download fails and
	// the previous copy is kept.
	srv.set("/kev/known_exploited_vulnerabilities.json", readShared(t, "kev/history/known_exploited_vulnerabilities.2025.03.03.json"))
	srv.set("/epss/epss_scores-current.csv.gz", epssHead(t, 20000)[:1000])
	srv.corrupt["/epss/epss_scores-current.csv.gz"] = 100
	res, err = Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 1 || !strings.HasSuffix(res.Downloaded[0], "known_exploited_vulnerabilities.json") || !res.Rebuilt {
		t.Errorf("third update: downloaded %v, rebuilt %v", res.Downloaded, res.Rebuilt)
	}
	if len(res.Failed) != 2 || !strings.Contains(strings.Join(res.Failed, " "), "epss") {
		t.Errorf("third update: failed %v, want the EPSS feed and the unknown ecosystem", res.Failed)
	}
	if res.Provenance.KEVEntries != 1285 || res.Provenance.EPSSScores != 19999 {
		t.Errorf("third update: %d KEV entries (want 1285), %d EPSS scores (want the kept 19999)", res.Provenance.KEVEntries, res.Provenance.EPSSScores)
	}

	// Asking for fewer ecosystems rebuilds without the dropped one, though
	// nothing was downloaded.
	opts.Ecosystems = []string{"Go", "crates.io", "Hackage"}
	res, err = Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 0 || !res.Rebuilt || res.Provenance.Ecosystems["CRAN"] != 0 || res.Provenance.Ecosystems["Go"] != goRecords {
		t.Errorf("fourth update: downloaded %v, rebuilt %v, ecosystems %v", res.Downloaded, res.Rebuilt, res.Provenance.Ecosystems)
	}
}
