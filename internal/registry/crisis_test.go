package registry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/testdata"
)

// cveLines returns the staged CVE JSON 5 records of the given ids.
func cveLines(t *testing.T, ids ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	gzLines(t, "advisories/cve5/vulnrichment.cve5.jsonl.gz", func(line []byte) bool {
		for _, id := range ids {
			if bytes.Contains(line, []byte(`"cveId":"`+id+`"`)) {
				out[id] = append([]byte(nil), line...)
			}
		}
		return len(out) == len(ids) // all found: the rest of the 16 MB is not read
	})
	if len(out) != len(ids) {
		t.Fatalf("found %d of %d records", len(out), len(ids))
	}
	return out
}

// gzLines calls fn with each line of a staged gzip JSON lines file (the
// slice valid during the call) until fn says it is done.
func gzLines(t *testing.T, rel string, fn func(line []byte) (done bool)) {
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
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if fn(sc.Bytes()) {
			return
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCrisisAPI: a registry scanning with a small real database (one kernel
// CVE record and the KEV catalogue of 2025-03-03) has the router and the
// camera registered; the operator imports the CVE-2024-1086 record and then
// the newer KEV catalogue through the API, each re-matched by delta; the
// crisis query then lists both with the kernel's dependency path — to an
// authority all, to each manufacturer its own, to nobody without a token —
// and the situation report renders.
func TestCrisisAPI(t *testing.T) {
	recs := cveLines(t, "CVE-2024-1086", "CVE-2024-26581")
	dbDir := advisoryDB(t, [][]byte{recs["CVE-2024-26581"]}, testdata.Path(t, "kev/history/known_exploited_vulnerabilities.2025.03.03.json"))
	e := newEnv(t, func(c *Config) { c.AdvisoryDB = dbDir })
	orgA, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	orgB, tokB := e.manufacturer("Lumora", "b@lumora.example")
	router := e.register(tokA, example(t, "home-router"))
	camera := e.register(tokB, example(t, "security-camera"))
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	var none monitor.Affected
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/CVE-2024-1086/affected", tokA, nil, &none), 404)

	var changes []int
	e.srv.OnChanges(func(r *monitor.Result) { changes = append(changes, len(r.Changes)) })
	var imp ImportResult
	start := time.Now()
	wantStatus(t, e.do("POST", "/api/v1/admin/advisories?name=CVE-2024-1086.json", e.admin, bytes.NewReader(recs["CVE-2024-1086"]), "application/octet-stream", &imp), 200)
	t.Logf("import of one CVE record and delta re-match: %v over HTTP (re-match %v, %d pairs, %d changes)", time.Since(start), imp.Rematch.Elapsed, imp.Rematch.Pairs, len(imp.Rematch.Changes))
	if imp.Rematch.Kind != monitor.KindDelta || len(imp.Rematch.Changes) != 2 {
		t.Fatalf("re-match after the CVE record: %+v", imp.Rematch)
	}
	kev, err := os.ReadFile(testdata.Path(t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("POST", "/api/v1/admin/advisories?name=known_exploited_vulnerabilities.json", e.admin, bytes.NewReader(kev), "application/octet-stream", &imp), 200)
	if imp.Provenance.KEVCatalog != "2025.08.25" {
		t.Errorf("KEV catalogue after the import: %q", imp.Provenance.KEVCatalog)
	}
	if len(changes) != 1 {
		t.Errorf("change hook called %d times: %v", len(changes), changes)
	}

	// an authority sees both, with the kernel's path
	var au struct{ ID string }
	wantStatus(t, e.json("POST", "/api/v1/orgs", e.admin, OrgRequest{Name: "CSIRT Example", Kind: "authority"}, &au), 201)
	var at NewToken
	wantStatus(t, e.json("POST", "/api/v1/orgs/"+au.ID+"/tokens", e.admin, TokenRequest{Name: "crisis", Scopes: []string{"read"}}, &at), 201)
	var all monitor.Affected
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/cve-2024-1086/affected", at.Secret, nil, &all), 200)
	got := map[string]monitor.AffectedVersion{}
	for _, v := range all.Versions {
		got[v.VersionID] = v
	}
	for _, want := range []struct{ id, path string }{{router.Version.ID, "kestrel-ax3000-firmware > linux-kernel"}, {camera.Version.ID, "lumora-ic400-firmware > linux-kernel"}} {
		v, ok := got[want.id]
		if !ok {
			t.Fatalf("version %s not listed: %+v", want.id, all)
		}
		if !v.KEV || v.CRAClass == "" || len(v.Components) != 1 || v.Components[0].Path != want.path || v.Contact == "" {
			t.Errorf("%s: %+v", v.Product, v)
		}
	}
	// each manufacturer its own; no token, no answer; a bad id is a 400
	for _, c := range []struct{ tok, org string }{{tokA, orgA}, {tokB, orgB}} {
		var own monitor.Affected
		wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/CVE-2024-1086/affected", c.tok, nil, &own), 200)
		if len(own.Versions) != 1 || own.Versions[0].OrgID != c.org {
			t.Errorf("manufacturer %s sees %+v", c.org, own.Versions)
		}
	}
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/CVE-2024-1086/affected", "", nil, nil), 401)
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/%3Cscript%3E/affected", at.Secret, nil, nil), 400)
	wantStatus(t, e.do("POST", "/api/v1/admin/advisories?name=x.json", tokA, strings.NewReader("{}"), "application/octet-stream", nil), 403)

	// the situation report
	resp := e.do("GET", "/api/v1/vulnerabilities/CVE-2024-1086/report", at.Secret, nil, "", nil)
	wantStatus(t, resp, 200)
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	for _, want := range []string{"<svg", "Kestrel Networks", "Lumora", "kestrel-ax3000-firmware &gt; linux-kernel"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("situation report lacks %q", want)
		}
	}
	if strings.Contains(page.String(), "<script") {
		t.Error("situation report has a script")
	}
	resp = e.do("GET", "/api/v1/vulnerabilities/CVE-2024-1086/report?format=csv", at.Secret, nil, "", nil)
	wantStatus(t, resp, 200)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	wantStatus(t, e.do("GET", "/api/v1/vulnerabilities/CVE-2024-1086/report?format=pdf", at.Secret, nil, "", nil), 400)
}
