package registry

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/testdata"
)

// fxcCVE is the vulnerability of CISA's ICSA-23-355-01 (FXC AE1021 and
// AE1021PE routers, firmware <= 2.0.9, fixed in 2.0.10); the staged KEV
// catalogue of 2025-08-25 lists it.
const (
	fxcAdvisory = "ICSA-23-355-01"
	fxcCVE      = "CVE-2023-49897"
)

// fxcDevice is the camera example re-labelled as FXC's AE1021PE at a
// firmware version: the device identity a CISA advisory names.
func fxcDevice(t *testing.T, firmware string) *intake.Upload {
	t.Helper()
	up := example(t, "security-camera")
	d := string(up.Dossier)
	for _, r := range [][2]string{{"name: Lumora IC-400 Indoor Camera", "name: AE1021PE"}, {"brand: Lumora", "brand: FXC"},
		{"model: IC-400", "model: AE1021PE"}, {"firmwareVersion: 1.8.4", "firmwareVersion: " + firmware}, {"name: Lumora Vision B.V.", "name: FXC"}} {
		if !strings.Contains(d, r[0]) {
			t.Fatalf("the camera's dossier has no %q", r[0])
		}
		d = strings.Replace(d, r[0], r[1], 1)
	}
	up.Dossier = []byte(d)
	return up
}

// csafEnv is a registry matching against a database holding only the
// staged KEV catalogue (2025-08-25) and EPSS scores.
func csafEnv(t *testing.T, opt func(*Config)) *env {
	dbDir := advisoryDB(t, nil, testdata.Path(t, "kev/known_exploited_vulnerabilities.json"), testdata.Path(t, "epss/epss_scores.csv.gz"))
	return newEnv(t, fastNotify, func(c *Config) {
		c.AdvisoryDB = dbDir
		c.MaxUpload = 64 << 20
		if opt != nil {
			opt(c)
		}
	})
}

// TestCSAFImportReachesDevice is issue 14 item 5's done-when: CISA's
// 2,383 ICS advisories are imported through the admin API (one JSON lines
// file, checked, streamed, one re-match) into a registry where FXC's
// AE1021PE router is registered at firmware 2.0.9 and at the fixed 2.0.10;
// ICSA-23-355-01 reaches 2.0.9 as a finding on the device itself (KEV-listed
// CVE-2023-49897 with its EPSS score, CVSS high, the vendor fix as fixed text), finding.new
// fires, an Art. 14 case opens (the dossier shows the EU market), the
// crisis query lists the device; 2.0.10 is not hit. A second import of the
// same file changes nothing.
func TestCSAFImportReachesDevice(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { csafImportReachesDevice(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		csafImportReachesDevice(t, func(c *Config) { c.Database = dsn })
	})
}

func csafImportReachesDevice(t *testing.T, opt func(*Config)) {
	corpus, err := os.ReadFile(testdata.Path(t, "csaf/cisa-ics-csaf/cisa-csaf-all.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	e := csafEnv(t, opt)
	_, tok := e.manufacturer("FXC Inc.", "psirt@fxc.example")
	recv := newReceiver(t, always(204))
	sub := e.subscribe(tok, SubscriptionRequest{URL: recv.URL, Filter: notify.Filter{Kinds: []string{notify.KindFindingNew}}})
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	hit := e.register(tok, fxcDevice(t, "2.0.9"))
	fixed := e.register(tok, fxcDevice(t, "2.0.10"))

	var imp monitor.CSAFImport
	start := time.Now()
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name=cisa-csaf-all.jsonl.gz", e.admin, bytes.NewReader(corpus), "application/octet-stream", &imp), 200)
	t.Logf("import of %d CSAF documents (%d product rows, %d skipped, unchecked %t): %v; re-match %d pairs, %d changes",
		imp.Documents, imp.Products, imp.Skipped, imp.Unchecked, time.Since(start), imp.Rematch.Pairs, len(imp.Rematch.Changes))
	if imp.Documents != 2383 || imp.Skipped != 0 || imp.Unchecked {
		t.Fatalf("import: %d documents, %d skipped (%v), unchecked %t", imp.Documents, imp.Skipped, imp.Issues, imp.Unchecked)
	}
	if imp.Rematch == nil || imp.Rematch.Kind != monitor.KindCSAF || len(imp.Rematch.Changes) != 1 {
		t.Fatalf("re-match: %+v", imp.Rematch)
	}
	f := imp.Rematch.Changes[0].Finding
	// EPSS of CVE-2023-49897 in the staged scores: 0.50729
	if f.VersionID != hit.Version.ID || f.VulnID != fxcCVE || !f.KEV || f.EPSS == nil || *f.EPSS < 0.507 || *f.EPSS > 0.508 || f.Severity != "high" || !strings.Contains(strings.Join(f.Aliases, " "), fxcAdvisory) ||
		len(f.Fixed) != 1 || !strings.Contains(f.Fixed[0], "2.0.10") {
		t.Fatalf("finding %+v", f)
	}

	// the event, signed, on the device itself
	got := recv.wait(t, 1, 10*time.Second)
	ev := verified(t, sub.Secret, got[0])
	if ev.Kind != notify.KindFindingNew || ev.Vulnerability != fxcCVE || ev.VersionID != hit.Version.ID || !ev.KEV {
		t.Fatalf("finding.new event %+v", ev)
	}

	// the crisis query lists the device (component: the product), not the fixed version
	var a monitor.Affected
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/"+fxcCVE+"/affected", tok, nil, &a), 200)
	if len(a.Versions) != 1 || a.Versions[0].VersionID != hit.Version.ID || a.Versions[0].Version != "2.0.9" ||
		len(a.Versions[0].Components) != 1 || a.Versions[0].Components[0].Name != "AE1021PE" || a.Versions[0].Components[0].Match != monitor.MatchCSAF {
		t.Fatalf("affected: %+v", a.Versions)
	}
	for _, v := range a.Versions {
		if v.VersionID == fixed.Version.ID {
			t.Errorf("the fixed firmware 2.0.10 is listed: %+v", v)
		}
	}
	// and by the advisory's tracking ID
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/"+fxcAdvisory+"/affected", tok, nil, &a), 200)
	if len(a.Versions) != 1 {
		t.Errorf("affected by %s: %+v", fxcAdvisory, a.Versions)
	}

	// the Art. 14(1) case of the KEV-listed CVE on the EU market
	cases := listCases(e, tok)
	if len(cases) != 1 || cases[0].VulnID != fxcCVE || cases[0].VersionID != hit.Version.ID {
		t.Fatalf("cases: %+v", cases)
	}

	// the same bytes again: nothing changes
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name=cisa-csaf-all.jsonl.gz", e.admin, bytes.NewReader(corpus), "application/octet-stream", &imp), 200)
	if imp.Unchanged != 2383 || len(imp.Rematch.Changes) != 0 {
		t.Errorf("second import: %d unchanged, %d changes", imp.Unchanged, len(imp.Rematch.Changes))
	}
	// a full re-match keeps the device finding (matched from the stored documents)
	res, err := e.srv.Rematch(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 {
		t.Errorf("full re-match changed %+v", res.Changes)
	}
	// only the operator imports
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name=x.json", tok, strings.NewReader("{}"), "application/octet-stream", nil), 403)
}

// TestCSAFImportNewUpload: a device registered after the advisories were
// imported is matched against them at its upload.
func TestCSAFImportNewUpload(t *testing.T) {
	e := csafEnv(t, nil)
	_, tok := e.manufacturer("FXC Inc.", "psirt@fxc.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	doc := cisaDoc(t, fxcAdvisory)
	var imp monitor.CSAFImport
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name=icsa-23-355-01.json", e.admin, bytes.NewReader(doc), "application/octet-stream", &imp), 200)
	if imp.Documents != 1 || imp.Rematch.Pairs != 0 {
		t.Fatalf("import into an empty registry: %+v", imp)
	}
	hit := e.register(tok, fxcDevice(t, "2.0.9"))
	var a monitor.Affected
	wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/"+fxcCVE+"/affected", tok, nil, &a), 200)
	if len(a.Versions) != 1 || a.Versions[0].VersionID != hit.Version.ID {
		t.Fatalf("affected: %+v", a.Versions)
	}
}

// TestCSAFImportWarnings: an upload of one JSON document answers the
// optional tests (6.2) it fails as warnings, the document stored all the
// same — the CISA advisory ICSA-23-355-01 (its products name no
// identification helper, 6.2.16, its ranges are not vers, 6.2.18) and the
// OASIS TC's example bsi-2022-0001 (no canonical URL, 6.2.11) — and JSON
// lines and zip archives of both answer each document's warnings, named
// file:line or archive!entry, counted by test.
func TestCSAFImportWarnings(t *testing.T) {
	e := csafEnv(t, nil)
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	bsi, err := os.ReadFile(testdata.Path(t, "csaf/oasis-csaf/csaf_2.0/examples/csaf/bsi-2022-0001.json"))
	if err != nil {
		t.Fatal(err)
	}
	cisa := cisaDoc(t, fxcAdvisory)
	var lines bytes.Buffer // JSON lines: one compact document a line
	for _, doc := range [][]byte{bsi, cisa} {
		if err := json.Compact(&lines, doc); err != nil {
			t.Fatal(err)
		}
		lines.WriteByte('\n')
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for _, e := range []struct {
		name string
		doc  []byte
	}{{"a/bsi.json", bsi}, {"b/icsa.json", cisa}} {
		f, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.doc); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		body  []byte
		want  []string       // the distinct test ids, in the order the documents are read
		docs  []string       // the documents warned about, by their name's suffix
		tests map[string]int // documents failing each test
	}{
		{"icsa-23-355-01.json", cisa, []string{"6.2.16", "6.2.18"}, []string{"icsa-23-355-01.json"}, map[string]int{"6.2.16": 1, "6.2.18": 1}},
		{"bsi-2022-0001.json", bsi, []string{"6.2.11"}, []string{"bsi-2022-0001.json"}, map[string]int{"6.2.11": 1}},
		{"two.jsonl", lines.Bytes(), []string{"6.2.11", "6.2.16", "6.2.18"}, []string{"two.jsonl:1", "two.jsonl:2"}, map[string]int{"6.2.11": 1, "6.2.16": 1, "6.2.18": 1}},
		{"two.zip", zipped.Bytes(), []string{"6.2.11", "6.2.16", "6.2.18"}, []string{"!a/bsi.json", "!b/icsa.json"}, map[string]int{"6.2.11": 1, "6.2.16": 1, "6.2.18": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got CSAFImportAnswer
			wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name="+c.name, e.admin, bytes.NewReader(c.body), "application/octet-stream", &got), 200)
			if got.CSAFImport == nil {
				t.Fatal("no import result")
			}
			if got.Documents == 0 || got.Skipped != 0 {
				t.Fatalf("import: %d documents, %d skipped (first issues %.3v)", got.Documents, got.Skipped, got.Issues)
			}
			var ids, docs []string
			for _, w := range got.Warnings {
				if w.Pointer == "" && w.Test != "6.2.13" || w.Message == "" || w.Document == "" {
					t.Errorf("warning without a pointer, message or document: %+v", w)
				}
				if !slices.Contains(ids, w.Test) {
					ids = append(ids, w.Test)
				}
				if !slices.Contains(docs, w.Document) {
					docs = append(docs, w.Document)
				}
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("warnings %v, want the tests %v", got.Warnings, c.want)
			}
			if len(docs) != len(c.docs) || got.WarnedDocuments != len(c.docs) || got.WarningCount != len(got.Warnings) || !maps.Equal(got.WarningTests, c.tests) {
				t.Errorf("warned documents %v (%d), want %v; %d warnings counted, %d listed; by test %v, want %v", docs, got.WarnedDocuments, c.docs, got.WarningCount, len(got.Warnings), got.WarningTests, c.tests)
			}
			for i, d := range docs {
				if i < len(c.docs) && !strings.HasSuffix(d, c.docs[i]) {
					t.Errorf("warned document %q, want …%s", d, c.docs[i])
				}
			}
		})
	}
}

// cisaDoc returns one CISA advisory of the corpus by tracking ID.
func cisaDoc(t *testing.T, id string) []byte {
	t.Helper()
	var doc []byte
	gzLines(t, "csaf/cisa-ics-csaf/cisa-csaf-all.jsonl.gz", func(line []byte) bool {
		if bytes.Contains(line, []byte(`"id":"`+id+`"`)) || bytes.Contains(line, []byte(`"id": "`+id+`"`)) {
			doc = append([]byte(nil), line...)
		}
		return doc != nil
	})
	if doc == nil {
		t.Fatalf("%s not in the corpus", id)
	}
	return doc
}

// TestCSAFImportFeedAndMalformed: a ROLIE feed served by httptest lists
// three documents — ICSA-23-355-01, one whose product status names an
// undefined product ID (mandatory test 6.1.1) and one cut short; the good
// one is imported and reaches the device, the two others are reported with
// the document, JSON pointer and test id and skipped; the good one's
// optional-test failures (6.2.16, 6.2.18) are warnings naming its URL.
func TestCSAFImportFeedAndMalformed(t *testing.T) {
	good := cisaDoc(t, fxcAdvisory)
	var doc map[string]any
	if err := json.Unmarshal(cisaDoc(t, "ICSA-24-004-01"), &doc); err != nil {
		t.Fatal(err)
	}
	v0 := doc["vulnerabilities"].([]any)[0].(map[string]any)
	ps := v0["product_status"].(map[string]any)
	ps["known_affected"] = append(ps["known_affected"].([]any), "CSAFPID-9999")
	undefined, _ := json.Marshal(doc)
	docs := map[string][]byte{"/good.json": good, "/undefined.json": undefined, "/short.json": good[:len(good)/2]}
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.json" {
			var entries []string
			for _, p := range []string{"/good.json", "/undefined.json", "/short.json"} {
				entries = append(entries, fmt.Sprintf(`{"id":%q,"content":{"src":%q,"type":"application/json"}}`, p, p))
			}
			fmt.Fprintf(w, `{"feed":{"id":"test","entry":[%s]}}`, strings.Join(entries, ","))
			return
		}
		if d, ok := docs[r.URL.Path]; ok {
			w.Write(d)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	srvURL = srv.URL
	e := csafEnv(t, nil)
	_, tok := e.manufacturer("FXC Inc.", "psirt@fxc.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	hit := e.register(tok, fxcDevice(t, "2.0.9"))
	var imp monitor.CSAFImport
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?feed="+srvURL+"/feed.json", e.admin, nil, "", &imp), 200)
	if imp.Documents != 1 || imp.Skipped != 2 || len(imp.Rematch.Changes) != 1 || imp.Rematch.Changes[0].Finding.VersionID != hit.Version.ID {
		t.Fatalf("feed import: %+v", imp)
	}
	byDoc := map[string]monitor.CSAFIssue{}
	for _, is := range imp.Issues {
		byDoc[strings.TrimPrefix(is.Document, srvURL)] = is
	}
	if is := byDoc["/undefined.json"]; is.Test != "6.1.1" || is.Pointer != "/vulnerabilities/0/product_status/known_affected/"+fmt.Sprint(len(ps["known_affected"].([]any))-1) {
		t.Errorf("undefined product: %+v (all: %+v)", is, imp.Issues)
	}
	if is := byDoc["/short.json"]; is.Test == "" || is.Document == "" {
		t.Errorf("cut document: %+v", is)
	}
	if imp.WarnedDocuments != 1 || len(imp.Warnings) == 0 || imp.WarningCount != len(imp.Warnings) ||
		!maps.Equal(imp.WarningTests, map[string]int{"6.2.16": 1, "6.2.18": 1}) {
		t.Errorf("feed warnings: %d documents, %d counted, %d listed, by test %v", imp.WarnedDocuments, imp.WarningCount, len(imp.Warnings), imp.WarningTests)
	}
	for _, w := range imp.Warnings {
		if w.Document != srvURL+"/good.json" || w.Pointer == "" || !strings.HasPrefix(w.Test, "6.2.") {
			t.Errorf("feed warning %+v", w)
		}
	}
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?feed=file:///etc/passwd", e.admin, nil, "", nil), 400)
}

// ssvcCVE is a vulnrichment record whose CISA ADP SSVC decision says
// Exploitation "active" and which the staged KEV catalogue (2025-08-25)
// does not list: gpac before 1.1.0.
const ssvcCVE = "CVE-2021-4043"

// TestSSVCActiveOpensCase is issue 14 item 1: a finding whose CVE record's
// SSVC Exploitation is "active" opens an Art. 14(1) case although KEV does
// not list it. The camera's SBOM gets a gpac 1.0.1 component; the
// database holds the real CVE-2021-4043 record and the KEV catalogue.
func TestSSVCActiveOpensCase(t *testing.T) {
	dbDir := advisoryDB(t, [][]byte{cveLines(t, ssvcCVE)[ssvcCVE]}, testdata.Path(t, "kev/known_exploited_vulnerabilities.json"))
	db, err := advisory.OpenDB(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := db.KEV(ssvcCVE); ok {
		t.Fatalf("KEV lists %s: the test needs one it does not", ssvcCVE)
	}
	db.Close()
	e := newEnv(t, fastNotify, func(c *Config) { c.AdvisoryDB = dbDir })
	_, tok := e.manufacturer("Lumora", "b@lumora.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	up := example(t, "security-camera")
	var bom map[string]any
	if err := json.Unmarshal(up.SBOM, &bom); err != nil {
		t.Fatal(err)
	}
	bom["components"] = append(bom["components"].([]any), map[string]any{"type": "library", "bom-ref": "gpac@1.0.1", "name": "gpac", "version": "1.0.1",
		"cpe": "cpe:2.3:a:gpac:gpac:1.0.1:*:*:*:*:*:*:*"})
	sbomBytes, _ := json.Marshal(bom)
	old := sha256hex(up.SBOM)
	if !bytes.Contains(up.Dossier, []byte(old)) {
		t.Fatal("the dossier does not pin the SBOM's digest")
	}
	up.Dossier = bytes.Replace(up.Dossier, []byte(old), []byte(sha256hex(sbomBytes)), 1)
	up.SBOM = sbomBytes
	cam := e.register(tok, up)
	fs, err := e.srv.cases().Findings(t.Context(), store.FindingQuery{IDs: []string{ssvcCVE}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].KEV || fs[0].SSVC != store.SSVCActive || fs[0].VersionID != cam.Version.ID {
		t.Fatalf("findings of %s: %+v", ssvcCVE, fs)
	}
	cases := listCases(e, tok)
	if len(cases) != 1 || cases[0].VulnID != ssvcCVE {
		t.Fatalf("cases: %+v", cases)
	}
	if !strings.Contains(string(cases[0].Doc), "SSVC exploitation active") {
		t.Errorf("case document does not say why: %s", cases[0].Doc)
	}
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestCSAFFindingKEVLater: the device's CSAF finding is matched while the
// KEV catalogue (2025-03-03, with CVE-2023-49897 removed) does not list its
// CVE; the import of the current catalogue re-matches by delta, the
// device finding becomes KEV-listed (finding.kev) and the Art. 14 case
// opens then.
func TestCSAFFindingKEVLater(t *testing.T) {
	dbDir := advisoryDB(t, nil, tempFile(t, "known_exploited_vulnerabilities.json", kevWithout(t, testdata.Path(t, "kev/known_exploited_vulnerabilities.json"), fxcCVE)))
	e := newEnv(t, fastNotify, func(c *Config) { c.AdvisoryDB = dbDir })
	_, tok := e.manufacturer("FXC Inc.", "psirt@fxc.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	hit := e.register(tok, fxcDevice(t, "2.0.9"))
	var imp monitor.CSAFImport
	wantStatus(t, e.do("POST", "/api/v1/admin/csaf?name=icsa-23-355-01.json", e.admin, bytes.NewReader(cisaDoc(t, fxcAdvisory)), "application/octet-stream", &imp), 200)
	if len(imp.Rematch.Changes) != 1 || imp.Rematch.Changes[0].Finding.KEV {
		t.Fatalf("import: %+v", imp.Rematch)
	}
	if n := len(listCases(e, tok)); n != 0 {
		t.Fatalf("%d cases before the KEV listing", n)
	}
	res := e.importKEV()
	if res.Rematch == nil || len(res.Rematch.Changes) != 1 {
		t.Fatalf("re-match after the KEV catalogue: %+v", res.Rematch)
	}
	ch := res.Rematch.Changes[0]
	if ch.Kind != store.EventChanged || !ch.KEVAdded || ch.Finding.VersionID != hit.Version.ID || ch.Finding.VulnID != fxcCVE {
		t.Fatalf("change %+v", ch)
	}
	if cs := listCases(e, tok); len(cs) != 1 || cs[0].VulnID != fxcCVE {
		t.Fatalf("cases: %+v", cs)
	}
}
