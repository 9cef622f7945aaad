package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// zipOf returns a zip archive of the given members.
func zipOf(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nvdServer pages the vulnerabilities of the hand-written NVD test
// document two at a time, and answers lastModStartDate queries with the
// changed vulnerabilities it is given.
type nvdServer struct {
	mu      sync.Mutex
	items   []json.RawMessage
	changed []json.RawMessage
	queries []string
	apiKeys []string
}

func (s *nvdServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	s.queries = append(s.queries, r.URL.RawQuery)
	s.apiKeys = append(s.apiKeys, r.Header.Get("apiKey"))
	items := s.items
	if q.Get("lastModStartDate") != "" {
		if q.Get("lastModEndDate") == "" {
			http.Error(w, "both dates are required", http.StatusNotFound)
			return
		}
		items = s.changed
	}
	start, _ := strconv.Atoi(q.Get("startIndex"))
	end := min(start+2, len(items))
	page := items[min(start, len(items)):end]
	json.NewEncoder(w).Encode(map[string]any{"resultsPerPage": len(page), "startIndex": start, "totalResults": len(items),
		"format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-01T00:00:00.000", "vulnerabilities": page})
}

// TestUpdateCVEFeeds runs `db update` with the CVE List bulk zip (nested
// as a cvelistV5 release nests it) and the NVD API, against local
// servers: a full sync, a delta sync that changes one record, and a sync
// in which nothing changed.
func TestUpdateCVEFeeds(t *testing.T) {
	lines := cveLines(t, "CVE-2024-1086", "CVE-2024-5535")
	cves := zipOf(t, map[string][]byte{
		"cves/2024/1xxx/CVE-2024-1086.json": lines["CVE-2024-1086"],
		"cves/2024/5xxx/CVE-2024-5535.json": lines["CVE-2024-5535"],
		"cves/deltaLog.json":                []byte(`[{"fetchTime": "2024-10-24T00:00:00Z"}]`),
	})
	bulk := zipOf(t, map[string][]byte{"cves.zip": cves})
	nvdDoc, err := os.ReadFile("../cve5/testdata/nvd-response.json")
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(nvdDoc, &resp); err != nil {
		t.Fatal(err)
	}
	nvd := &nvdServer{items: resp.Vulnerabilities}
	fs := &feedServer{files: map[string][]byte{}, modTime: map[string]time.Time{}, fail: map[string]int{}, corrupt: map[string]int{}, requests: map[string]int{}}
	fs.set("/cvelist/all_CVEs_at_midnight.zip", bulk)
	mux := http.NewServeMux()
	mux.Handle("/nvd/", nvd)
	mux.Handle("/", fs)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	opts := UpdateOptions{OSVURL: srv.URL + "/osv", Ecosystems: []string{"CRAN"}, KEVURL: srv.URL + "/kev.json", EPSSURL: srv.URL + "/epss.csv.gz",
		CVEListURL: srv.URL + "/cvelist/all_CVEs_at_midnight.zip", NVDURL: srv.URL + "/nvd/", NVDAPIKey: "k3y", Retries: -1,
		Now: func() time.Time { return now }}
	res, err := Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 2 || !res.Rebuilt || len(res.Failed) != 3 {
		t.Fatalf("first update: %+v", res)
	}
	if len(nvd.queries) != 2 || strings.Contains(nvd.queries[0], "lastMod") || nvd.apiKeys[0] != "k3y" {
		t.Errorf("full sync queries %q, api keys %q", nvd.queries, nvd.apiKeys)
	}
	kinds := map[string]Source{}
	for _, s := range res.Provenance.Sources {
		kinds[s.Kind] = s
	}
	if s := kinds[KindCVE5]; s.Location != opts.CVEListURL || s.Records != 2 || s.Skipped != 0 {
		t.Errorf("CVE List source = %+v", s)
	}
	if s := kinds[KindNVD]; s.Location != opts.NVDURL || s.Records != 3 || s.Skipped != 1 {
		t.Errorf("NVD source = %+v", s)
	}
	lookup := func(id string) []*Record {
		db, err := OpenDB(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		recs, err := db.LookupID(id)
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if len(lookup("CVE-2024-1086")) != 1 || len(lookup("CVE-2099-0001")) != 1 {
		t.Fatal("records missing after the first update")
	}

	// An hour later one NVD record changed.
	changed := bytes.Replace(resp.Vulnerabilities[0], []byte(`"lastModified": "2099-02-01T08:00:00.000"`), []byte(`"lastModified": "2099-03-01T08:00:00.000"`), 1)
	changed = bytes.Replace(changed, []byte("ranges on a kernel CPE"), []byte("CHANGED"), 1)
	nvd.changed = []json.RawMessage{changed}
	now = now.Add(time.Hour)
	res, err = Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	last := nvd.queries[len(nvd.queries)-1]
	if len(res.Downloaded) != 1 || res.Downloaded[0] != opts.NVDURL || !res.Rebuilt || !strings.Contains(last, "lastModStartDate=2026-12-03T12%3A00%3A00.000%2B00%3A00") {
		t.Errorf("delta update: %+v, query %q", res, last)
	}
	if recs := lookup("CVE-2099-0001"); len(recs) != 1 || !strings.Contains(recs[0].Details, "CHANGED") {
		t.Errorf("the changed NVD record was not taken: %v", recs)
	}

	// Nothing changed: nothing rebuilt.
	nvd.changed = nil
	now = now.Add(time.Hour)
	res, err = Update(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Downloaded) != 0 || res.Rebuilt || len(res.NotModified) != 2 {
		t.Errorf("third update: %+v", res)
	}
}
