package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// The -update flag may already be defined by another test file of this
// package; package-level variables are initialised before init runs.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// runCaptured runs the command line like run does and returns the exit
// code with what went to stdout and stderr.
func runCaptured(args ...string) (int, string, string) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := styleUnknownCommand(root, args, root.Execute())
	if err != nil {
		errb.WriteString(describe(err))
	}
	code := exitCode(err)
	return code, out.String(), errb.String()
}

func TestDBImportAndStatus(t *testing.T) {
	data := testdata.Path(t, ".")
	dir := t.TempDir()
	srcs := []string{
		filepath.Join(data, "advisories/osv/go-vulndb/samples"),
		filepath.Join(data, "advisories/osv/pypa-advisory-database/samples"),
		filepath.Join(data, "advisories/osv/bitnami-vulndb/samples"),
		filepath.Join(data, "advisories/osv-schema/linter-testdata"),
		filepath.Join(data, "kev/known_exploited_vulnerabilities.json"),
		filepath.Join(data, "epss/kev-epss-nvd.csv"),
		filepath.Join(data, "advisories/cve5/openssl-secjson.cve5.jsonl.gz"),
	}
	code, out, errOut := runCaptured(append([]string{"db", "import", "--db", dir, "-q"}, srcs...)...)
	if code != 0 {
		t.Fatalf("db import exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "nointroduced-CVE-2023-41045.json CVE-2023-41045: /affected/0/ranges/0/events: no introduced event") {
		t.Errorf("import did not report the broken linter record on stderr:\n%s", errOut)
	}
	if !strings.Contains(errOut, "openssl-secjson.cve5.jsonl.gz:273: not a CVE JSON 5 record") {
		t.Errorf("import did not report OpenSSL's disputed list on stderr:\n%s", errOut)
	}
	if !strings.Contains(out, "records:    304 (2 skipped at import)") {
		t.Errorf("import summary:\n%s", out)
	}

	code, out, errOut = runCaptured("db", "status", "--db", dir)
	if code != 0 {
		t.Fatalf("db status exit %d: %s", code, errOut)
	}
	out = strings.ReplaceAll(out, dir, "DBDIR")
	out = strings.ReplaceAll(out, data, "DATA")
	out = regexp.MustCompile(`built [0-9TZ:-]+`).ReplaceAllString(out, "built TIME")
	golden := filepath.Join("testdata", "db-status.golden")
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/dualmark -run TestDBImportAndStatus -update)", err)
	}
	if out != string(want) {
		t.Errorf("db status output differs from %s:\n%s", golden, out)
	}

	if code, _, errOut := runCaptured("db", "status", "--db", dir, "--verify"); code != 0 || !strings.Contains(errOut, "verified") {
		t.Errorf("db status --verify: exit %d, %q", code, errOut)
	}
	code, out, _ = runCaptured("db", "status", "--db", dir, "--json")
	var prov struct {
		Records    int            `json:"records"`
		Ecosystems map[string]int `json:"ecosystems"`
		KEVEntries int            `json:"kevEntries"`
		CVERecords int            `json:"cveRecords"`
		Warnings   []string       `json:"warnings"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &prov) != nil || prov.Records != 304 || prov.CVERecords != 272 || prov.Ecosystems["Go"] != 9 || prov.KEVEntries != 1404 {
		t.Errorf("db status --json: exit %d, %+v\n%s", code, prov, out)
	}
}

func TestDBErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"status without database", []string{"db", "status", "--db", empty}, "dualmark db import"},
		{"import of a missing path", []string{"db", "import", "--db", empty, filepath.Join(empty, "nope")}, "no such file"},
		{"import without sources", []string{"db", "import", "--db", empty}, "db import: wrong arguments (0 given; usage: dualmark db import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCaptured(tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", code, errOut, tt.want)
			}
		})
	}
	// A damaged database file: exit 2 with advice to re-import.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "advisories.db"), []byte("DMADVDB\nhalf-written"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCaptured("db", "status", "--db", dir); code != 2 || !strings.Contains(errOut, "re-import") {
		t.Errorf("damaged database: exit %d, %q", code, errOut)
	}
}

// TestDBUpdateFromMirror runs `db update` against a local mirror laid out
// as --source-url expects, built from the staged data, twice: the second
// run must fetch nothing (If-Modified-Since) and keep the database.
func TestDBUpdateFromMirror(t *testing.T) {
	mirror := t.TempDir()
	put := func(rel string, data []byte) {
		p := filepath.Join(mirror, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(rel string) []byte {
		data, err := os.ReadFile(testdata.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// CRAN/all.zip from the R advisory samples, one <id>.yaml member each.
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	samples, _ := filepath.Glob(filepath.Join(testdata.Path(t, "advisories/osv/r-advisory-database/samples"), "*.yaml"))
	for _, s := range samples {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(s))
		w.Write(data)
	}
	zw.Close()
	put("osv/CRAN/all.zip", zbuf.Bytes())
	put("kev/known_exploited_vulnerabilities.json", read("kev/known_exploited_vulnerabilities.json"))
	put("epss/epss_scores-current.csv.gz", read("epss/epss_scores.csv.gz"))
	ts := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	defer ts.Close()

	dir := t.TempDir()
	args := []string{"db", "update", "--db", dir, "--source-url", ts.URL, "--ecosystem", "CRAN", "--ecosystem", "Nope", "--retries", "0"}
	code, out, errOut := runCaptured(args...)
	if code != 0 {
		t.Fatalf("db update exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "downloaded 3, not modified 0, failed 1") || !strings.Contains(out, "CRAN                 8") {
		t.Errorf("first update output:\n%s", out)
	}
	if !strings.Contains(errOut, "/osv/Nope/all.zip: failed: HTTP 404") {
		t.Errorf("the missing ecosystem was not reported on stderr:\n%s", errOut)
	}
	code, out, errOut = runCaptured(args...)
	if code != 0 || !strings.Contains(out, "downloaded 0, not modified 3, failed 1") || !strings.Contains(out, "database is up to date") {
		t.Errorf("second update: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCaptured("db", "update", "--db", t.TempDir(), "--source-url", ts.URL+"/missing", "--ecosystem", "CRAN", "--retries", "0", "-q"); code != 2 || !strings.Contains(errOut, "no feed could be downloaded") {
		t.Errorf("update with nothing reachable: exit %d, %q", code, errOut)
	}
}

// TestStatusLine: progress rewrites one line with "\r" only on a terminal;
// elsewhere it writes plain, throttled lines.
func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		sl   func(w *bytes.Buffer) *statusLine
		want string
	}{
		{"not a terminal", func(w *bytes.Buffer) *statusLine { return newStatusLine(w) }, "importing a\ndone\n"},
		{"terminal", func(w *bytes.Buffer) *statusLine { return &statusLine{w: w, tty: true} }, "\rimporting a\rimporting bb\rdone        \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			sl := tt.sl(&buf)
			sl.update("importing a")
			sl.update("importing bb") // within plainEvery off a terminal: dropped
			sl.done("done")
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", buf.String(), tt.want)
			}
		})
	}
}
