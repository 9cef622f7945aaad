package monitor

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/testdata"
)

// moduleRoot is the repository root (for examples/).
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// The two advisory databases of the tests, built once per test binary from
// the staged CVE records and KEV catalogues:
//
//   - old: the vulnrichment CVE records without heldBack, and the KEV
//     catalogue of 2025-03-03 without CVE-2024-1086; plus gone (a record
//     the new database no longer has)
//   - new: every vulnrichment record but gone, and the current KEV catalogue.
//
// tempDirs are the folders the shared fixtures were built in (the
// databases of the tests, the benchmark portfolio), removed after the run.
var tempDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("DUALMARK_MONITOR_KEEP") != "" { // keep them, to inspect (EXPLAIN QUERY PLAN, sizes)
		fmt.Fprintln(os.Stderr, "kept:", strings.Join(tempDirs, " "))
		os.Exit(code)
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

var (
	dbOnce         sync.Once
	oldDir, newDir string
	dbErr          error
	heldBack       = []string{"CVE-2024-1086", "CVE-2024-26581"}
	gone           = "CVE-2023-52434"
)

func buildDBs(tb testing.TB) (oldDB, newDB string) {
	tb.Helper()
	src := testdata.Path(tb, "advisories/cve5/vulnrichment.cve5.jsonl.gz")
	kevOld := testdata.Path(tb, "kev/history/known_exploited_vulnerabilities.2025.03.03.json")
	kevNew := testdata.Path(tb, "kev/known_exploited_vulnerabilities.json")
	dbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "monitor-dbs-")
		if err != nil {
			dbErr = err
			return
		}
		tempDirs = append(tempDirs, dir)
		oldDir, newDir = filepath.Join(dir, "old"), filepath.Join(dir, "new")
		oldRecs, newRecs := filepath.Join(dir, "old.cve5.jsonl"), filepath.Join(dir, "new.cve5.jsonl")
		if dbErr = splitRecords(src, oldRecs, newRecs); dbErr != nil {
			return
		}
		kev, err := os.ReadFile(kevOld)
		if err != nil {
			dbErr = err
			return
		}
		// the old catalogue without CVE-2024-1086: the new one adds it
		kev = dropKEV(kev, "CVE-2024-1086")
		oldKEV := filepath.Join(dir, "kev-old.json")
		if dbErr = os.WriteFile(oldKEV, kev, 0o644); dbErr != nil {
			return
		}
		for _, b := range []struct{ dir, recs, kev string }{{oldDir, oldRecs, oldKEV}, {newDir, newRecs, kevNew}} {
			im := advisory.NewImporter()
			if dbErr = im.Add(b.recs); dbErr != nil {
				return
			}
			if dbErr = im.Add(b.kev); dbErr != nil {
				return
			}
			if _, dbErr = im.Write(b.dir); dbErr != nil {
				return
			}
		}
	})
	if dbErr != nil {
		tb.Fatal(dbErr)
	}
	return oldDir, newDir
}

// splitRecords writes the staged records into the old and new record files.
func splitRecords(src, oldPath, newPath string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	oldF, err := os.Create(oldPath)
	if err != nil {
		return err
	}
	defer oldF.Close()
	newF, err := os.Create(newPath)
	if err != nil {
		return err
	}
	defer newF.Close()
	ow, nw := bufio.NewWriter(oldF), bufio.NewWriter(newF)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		held := false
		for _, id := range heldBack {
			if bytes.Contains(line, []byte(`"cveId":"`+id+`"`)) {
				held = true
			}
		}
		isGone := bytes.Contains(line, []byte(`"cveId":"`+gone+`"`))
		if !held {
			ow.Write(line)
			ow.WriteByte('\n')
		}
		if !isGone {
			nw.Write(line)
			nw.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := ow.Flush(); err != nil {
		return err
	}
	return nw.Flush()
}

// dropKEV removes one CVE's entry from a KEV catalogue (JSON, one
// vulnerability object per entry).
func dropKEV(data []byte, cve string) []byte {
	s := string(data)
	i := strings.Index(s, `"cveID": "`+cve+`"`)
	if i < 0 {
		return data
	}
	start := strings.LastIndex(s[:i], "{")
	end := strings.Index(s[i:], "}") + i + 1
	rest := strings.TrimLeft(s[end:], " \n\t")
	if strings.HasPrefix(rest, ",") {
		end = len(s) - len(rest) + 1
	} else if j := strings.LastIndex(s[:start], ","); j >= 0 {
		start = j
	}
	return []byte(s[:start] + s[end:])
}

func openDB(tb testing.TB, dir string) *advisory.DB {
	tb.Helper()
	db, err := advisory.OpenDB(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// exampleSBOMs are the example products' SBOMs and variants of the router's
// with other kernel versions (real format, versions changed).
func exampleSBOMs(tb testing.TB) (map[string][]byte, []byte) {
	tb.Helper()
	out := map[string][]byte{}
	var dossierYAML []byte
	for _, ex := range []string{"home-router", "security-camera", "smart-plug"} {
		b, err := os.ReadFile(filepath.Join(moduleRoot(), "examples", ex, "sbom.cdx.json"))
		if err != nil {
			tb.Fatal(err)
		}
		out[ex] = b
		if dossierYAML == nil {
			if dossierYAML, err = os.ReadFile(filepath.Join(moduleRoot(), "examples", ex, "dossier.yaml")); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for _, v := range []string{"5.10.200", "6.1.60", "6.6.20", "5.4.250"} {
		out["router-"+v] = bytes.ReplaceAll(out["home-router"], []byte("5.15.150"), []byte(v))
	}
	return out, dossierYAML
}

// seedStore registers n product versions spread over the SBOMs and returns
// the store (SQLite in a temporary folder) and the version IDs by SBOM name.
func seedStore(tb testing.TB, path string, n int) (*store.DB, map[string][]string) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sboms, dossierYAML := exampleSBOMs(tb)
	names := make([]string, 0, len(sboms))
	for k := range sboms {
		names = append(names, k)
	}
	sortStrings(names)
	orgs := make([]*store.Org, 3)
	for i := range orgs {
		orgs[i] = &store.Org{Name: fmt.Sprintf("Maker %d", i+1), Kind: store.KindManufacturer, Contact: fmt.Sprintf("psirt@maker%d.example", i+1)}
		if err := st.CreateOrg(ctx, store.Actor{}, orgs[i]); err != nil {
			tb.Fatal(err)
		}
	}
	ids := map[string][]string{}
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		org := orgs[i%len(orgs)]
		p := &store.Product{OrgID: org.ID, Name: fmt.Sprintf("Product %d (%s)", i+1, name), Manufacturer: org.Name}
		v := &store.Version{Version: "1.0", SBOMDigest: "x", Dossier: dossierYAML, SBOM: sboms[name], Assessment: []byte("{}"), Summary: []byte("{}"), Public: []byte("{}"), Verdicts: ""}
		if err := st.CreateProduct(ctx, store.Actor{OrgID: org.ID}, p, v, nil); err != nil {
			tb.Fatal(err)
		}
		ids[name] = append(ids[name], v.ID)
	}
	return st, ids
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
