package match

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// recordsOnly is a DBSource that offers no compiled matchers: every
// package is matched from its records, as before format 5.
type recordsOnly struct{ DBSource }

func (recordsOnly) lookupCompiled(string, string) (*pkgMatch, bool, error) { return nil, false, nil }

// mutated is a DBSource whose compiled matchers lose one rule: the events
// of one kind (drop ≥ 0) or, with lists, the explicit versions lists.
type mutated struct {
	DBSource
	drop  int
	lists bool
}

func (s mutated) lookupCompiled(eco, name string) (*pkgMatch, bool, error) {
	pm, ok, err := s.DBSource.lookupCompiled(eco, name)
	if !ok || err != nil {
		return pm, ok, err
	}
	for _, e := range pm.entries {
		if s.lists {
			e.versions = nil
		}
		for i := range e.ranges {
			r := &e.ranges[i]
			r.events = slices.DeleteFunc(r.events, func(ev event) bool { return ev.kind == s.drop })
			r.limits = slices.DeleteFunc(r.limits, func(ev event) bool { return ev.kind == s.drop })
		}
	}
	return pm, true, nil
}

var (
	allOSVOnce sync.Once
	allOSVDir  string
	allOSVErr  error
)

// allOSVDB imports every staged OSV source (once): Bitnami, AlmaLinux and
// OSS-Fuzz too, which realDB leaves out.
func allOSVDB(tb testing.TB) *advisory.DB {
	tb.Helper()
	paths := make([]string, len(stagedFiles))
	for i, f := range stagedFiles {
		paths[i] = testdata.Path(tb, f)
	}
	allOSVOnce.Do(func() { allOSVDir, allOSVErr = importDB("dualmark-match-allosv-", paths) })
	if allOSVErr != nil {
		tb.Fatal(allOSVErr)
	}
	db, err := advisory.OpenDB(allOSVDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if db.MatchCompiler() != compilerVersion {
		tb.Fatalf("the imported database holds compiler %d's matchers, want %d", db.MatchCompiler(), compilerVersion)
	}
	return db
}

// packageQueries are, for every affected package of the staged records,
// queries at the versions its records name (events and lists; at most
// perPackage of them, spread over the sorted list), just above and below
// each, "0" and an unparseable one, in the record's ecosystem and, for a
// release ecosystem ("AlmaLinux:8"), in its base.
func packageQueries(tb testing.TB, perPackage int) []Query {
	type pkg struct{ eco, name string }
	versions := map[pkg]map[string]bool{}
	var order []pkg
	for _, r := range staged(tb) {
		for _, a := range r.Affected {
			if a.Package == nil || a.Package.Name == "" {
				continue
			}
			ecos := []string{a.Package.Ecosystem}
			if b := advisory.BaseEcosystem(a.Package.Ecosystem); b != a.Package.Ecosystem {
				ecos = append(ecos, b)
			}
			for _, eco := range ecos {
				k := pkg{eco, a.Package.Name}
				vs := versions[k]
				if vs == nil {
					vs = map[string]bool{}
					versions[k] = vs
					order = append(order, k)
				}
				for _, rg := range a.Ranges {
					for _, ev := range rg.Events {
						for _, v := range []string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
							if v != "" && v != "*" {
								vs[v] = true
							}
						}
					}
				}
				for _, v := range a.Versions {
					vs[v] = true
				}
			}
		}
	}
	var out []Query
	for _, k := range order {
		vs := make([]string, 0, len(versions[k]))
		for v := range versions[k] {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		if len(vs) > perPackage {
			step := float64(len(vs)) / float64(perPackage)
			picked := make([]string, perPackage)
			for i := range picked {
				picked[i] = vs[int(float64(i)*step)]
			}
			vs = picked
		}
		out = append(out, Query{Ecosystem: k.eco, Name: k.name, Version: "0"}, Query{Ecosystem: k.eco, Name: k.name, Version: "not a version!"})
		for _, v := range vs {
			for _, x := range []string{v, v + ".1", v + "-alpha"} {
				out = append(out, Query{Ecosystem: k.eco, Name: k.name, Version: x})
			}
		}
	}
	return out
}

// answer is a matchPackage outcome in comparable form.
func answer(m *matcher, q Query) string {
	hits, reason, err := m.matchPackage(q)
	var b strings.Builder
	fmt.Fprintf(&b, "reason=%q err=%v skipped=%d", reason, err, m.skipped)
	for _, h := range hits {
		fmt.Fprintf(&b, " [%s %s %s %v]", h.rec.ID, h.match, h.eco, h.fixed)
	}
	return b.String()
}

// differences counts the queries whose answers from src differ from the
// records' (logging the first few when log is set).
func differences(t *testing.T, db *advisory.DB, src Source, qs []Query, log bool) (diff, compiled int) {
	want, got := newMatcher(recordsOnly{DBSource{DB: db}}), newMatcher(src)
	for _, q := range qs {
		a, b := answer(want, q), answer(got, q)
		if a != b {
			if log && diff < 10 {
				t.Errorf("%s/%s@%s:\n records  %s\n compiled %s", q.Ecosystem, q.Name, q.Version, a, b)
			}
			diff++
		}
	}
	for _, pm := range got.pkgs {
		if pm.recs != nil {
			compiled++
		}
	}
	return diff, compiled
}

// TestCompiledMatchesRecords is the differential test of the compiled
// matchers: every staged OSV package queried at every version its records
// name (and next to them) gets the same records, fixed versions, reasons
// and skipped-range counts from the database's compiled matchers as from
// its records; and the comparison is able to fail: with one rule dropped
// from the compiled matchers (introduced, fixed or last_affected events,
// the explicit versions lists) answers differ.
func TestCompiledMatchesRecords(t *testing.T) {
	db := allOSVDB(t)
	qs := packageQueries(t, 4)
	diff, compiled := differences(t, db, DBSource{DB: db}, qs, true)
	t.Logf("%d package queries, %d packages from compiled matchers, %d differences", len(qs), compiled, diff)
	if compiled < 1000 {
		t.Fatalf("only %d packages were matched from compiled matchers", compiled)
	}
	// the mutations on every 13th query (each run compiles every package);
	// the staged data has no limit events: TestCompiledLimit covers them
	var sample []Query
	for i := 0; i < len(qs); i += 13 {
		sample = append(sample, qs[i])
	}
	for _, m := range []struct {
		name string
		src  mutated
	}{
		{"fixed", mutated{DBSource: DBSource{DB: db}, drop: evFixed}},
		{"last_affected", mutated{DBSource: DBSource{DB: db}, drop: evLastAffected}},
		{"introduced", mutated{DBSource: DBSource{DB: db}, drop: evIntroduced}},
		{"versions lists", mutated{DBSource: DBSource{DB: db}, drop: -1, lists: true}},
	} {
		n, _ := differences(t, db, m.src, sample, false)
		t.Logf("without %s: %d differences", m.name, n)
		if n == 0 {
			t.Errorf("dropping %s from the compiled matchers changed no answer: the test cannot see that rule", m.name)
		}
	}
}

// stagedSBOMComponents are the components of every staged real SBOM
// (JSON) the reader takes.
func stagedSBOMComponents(t *testing.T) []Component {
	var out []Component
	err := filepath.WalkDir(testdata.Path(t, "sbom"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		doc, err := sbom.ParseFile(path, sbom.Options{})
		if err != nil {
			return nil // not an SBOM this reader takes (schemas, fixtures)
		}
		out = append(out, Components(doc)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompiledScanSameResult scans the staged real SBOMs and the synthetic
// 10k and 100k SBOMs with the compiled matchers and from the records only:
// the results (findings, enrichment, summary) are equal.
func TestCompiledScanSameResult(t *testing.T) {
	db := realDB(t)
	sets := []struct {
		name  string
		comps func() []Component
	}{
		{"staged SBOMs", func() []Component { return stagedSBOMComponents(t) }},
		{"synth-10000", func() []Component { return benchComponents(t, "bench/synth-10000.cdx.json") }},
		{"synth-100000", func() []Component { return benchComponents(t, "bench/synth-100000.cdx.json") }},
	}
	for _, s := range sets {
		if testing.Short() && s.name == "synth-100000" {
			continue
		}
		comps := s.comps()
		got, err := Scan(comps, DBSource{DB: db}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := Scan(comps, recordsOnly{DBSource{DB: db}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d components, %d findings, %d affected", s.name, len(comps), got.Summary.Findings, got.Summary.Affected)
		if got.Summary.Findings == 0 {
			t.Errorf("%s: no findings: the comparison shows nothing", s.name)
		}
		if !reflect.DeepEqual(got, want) {
			n := 0
			for i := range min(len(got.Findings), len(want.Findings)) {
				if !reflect.DeepEqual(got.Findings[i], want.Findings[i]) && n < 5 {
					t.Errorf("%s: finding %d:\n compiled %+v\n records  %+v", s.name, i, got.Findings[i], want.Findings[i])
					n++
				}
			}
			t.Errorf("%s: compiled and record matching differ (%d vs %d findings; summary equal: %v)", s.name,
				len(got.Findings), len(want.Findings), reflect.DeepEqual(got.Summary, want.Summary))
		}
	}
}

// TestCompiledCorrupt: a damaged compiled matcher is an ErrCorrupt error
// naming the package, never a panic or a wrong answer, and a database of
// another compiler version is matched from its records.
func TestCompiledCorrupt(t *testing.T) {
	db := realDB(t)
	cp, ok, err := db.LookupCompiled("Go", "golang.org/x/net", compilerVersion)
	if err != nil || !ok || cp.Matcher == "" {
		t.Fatalf("LookupCompiled: %v, %v, %d bytes", ok, err, len(cp.Matcher))
	}
	if _, ok, _ := db.LookupCompiled("Go", "golang.org/x/net", compilerVersion+1); ok {
		t.Error("a matcher of another compiler version was handed out")
	}
	if _, err := decodePkgMatch("Go", cp); err != nil {
		t.Fatalf("decode: %v", err)
	}
	for cut := 0; cut < len(cp.Matcher); cut += max(1, len(cp.Matcher)/97) {
		bad := *cp
		bad.Matcher = cp.Matcher[:cut]
		if cut == 0 {
			continue // empty: no record names the package
		}
		if _, err := decodePkgMatch("Go", &bad); err == nil {
			t.Errorf("matcher cut at %d of %d bytes decoded without error", cut, len(cp.Matcher))
		}
	}
	flip := []byte(cp.Matcher)
	flip[0] = 0xff
	bad := *cp
	bad.Matcher = string(flip)
	if _, err := decodePkgMatch("Go", &bad); err == nil {
		t.Errorf("a matcher starting %s decoded without error", hex.EncodeToString(flip[:4]))
	}
}

// TestCompiledLimit checks limit events, which no staged record has, on
// records written for it: the compiled matchers answer as the records do,
// as OSV's algorithm says, and without the limit rule they do not.
func TestCompiledLimit(t *testing.T) {
	rec := func(id string, events ...advisory.Event) *advisory.Record {
		return &advisory.Record{ID: id, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Affected: []advisory.Affected{{
			Package: &advisory.Package{Ecosystem: "Go", Name: "example.com/lim"},
			Ranges:  []advisory.Range{{Type: "SEMVER", Events: events}},
		}}}
	}
	db := advisory.NewMemDB([]*advisory.Record{
		rec("LIM-1", advisory.Event{Introduced: "0"}, advisory.Event{Limit: "2.0.0"}),
		rec("LIM-2", advisory.Event{Introduced: "1.0.0"}, advisory.Event{Fixed: "1.5.0"}, advisory.Event{Limit: "1.2.0"}),
		rec("LIM-3", advisory.Event{Introduced: "0"}, advisory.Event{LastAffected: "3.0.0"}, advisory.Event{Limit: "*"}),
	}, nil, nil)
	defer db.Close()
	tests := []struct {
		version string
		want    []string
	}{
		{"0.9.0", []string{"LIM-1", "LIM-3"}},
		{"1.1.0", []string{"LIM-1", "LIM-2", "LIM-3"}},
		{"1.2.0", []string{"LIM-1", "LIM-3"}}, // at the limit: outside
		{"1.4.0", []string{"LIM-1", "LIM-3"}},
		{"2.0.0", []string{"LIM-3"}},
		{"3.0.0", []string{"LIM-3"}},
		{"3.0.1", nil},
	}
	ids := func(src Source, v string) []string {
		hits, _, err := newMatcher(src).matchPackage(Query{Ecosystem: "Go", Name: "example.com/lim", Version: v})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.rec.ID)
		}
		slices.Sort(out)
		return out
	}
	changed := 0
	for _, tc := range tests {
		got, records := ids(DBSource{DB: db}, tc.version), ids(recordsOnly{DBSource{DB: db}}, tc.version)
		if !slices.Equal(got, tc.want) || !slices.Equal(records, tc.want) {
			t.Errorf("%s: compiled %v, records %v, want %v", tc.version, got, records, tc.want)
		}
		if !slices.Equal(ids(mutated{DBSource: DBSource{DB: db}, drop: evLimit}, tc.version), tc.want) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("dropping the limit events changed no answer")
	}
	if m := newMatcher(DBSource{DB: db}); true {
		pm, err := m.packageEntries("Go", "example.com/lim")
		if err != nil || pm.recs == nil {
			t.Fatalf("not matched from a compiled matcher (%v)", err)
		}
	}
}

// TestCompiledVerify: a damaged matcher and damaged record facts in the
// file (the last byte of their data sections flipped) are found by
// DB.Verify, and a database of format 4 is refused with the re-import
// error.
func TestCompiledVerify(t *testing.T) {
	realDB(t)
	b, err := os.ReadFile(filepath.Join(dbDir, advisory.FileName))
	if err != nil {
		t.Fatal(err)
	}
	write := func(img []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, advisory.FileName), img, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	// sectionEnd is where section id ends (the section table: 64-byte
	// header, section count at 12, entries of id u32, CRC u32, offset
	// u64, length u64)
	sectionEnd := func(id uint32) int {
		le := binary.LittleEndian
		for i := 0; i < int(le.Uint32(b[12:])); i++ {
			e := b[64+24*i:]
			if le.Uint32(e) == id {
				return int(le.Uint64(e[8:]) + le.Uint64(e[16:]))
			}
		}
		t.Fatalf("no section %d", id)
		return 0
	}
	for _, c := range []struct {
		section uint32
		want    string
	}{{11, "compiled matcher"}, {13, "facts of record"}} {
		bad := slices.Clone(b)
		bad[sectionEnd(c.section)-1] ^= 0xff
		db, err := advisory.OpenDB(write(bad))
		if err != nil {
			t.Fatalf("open: %v (the %s data are checked when read, not at open)", err, c.want)
		}
		if err := db.Verify(); !errors.Is(err, advisory.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Verify of damaged section %d: %v, want %q", c.section, err, c.want)
		}
		db.Close()
	}
	old := slices.Clone(b)
	old[8] = 4 // format version (header offset 8)
	if _, err := advisory.OpenDB(write(old)); !errors.Is(err, advisory.ErrCorrupt) || !strings.Contains(err.Error(), "format version 4") || !strings.Contains(err.Error(), "re-import") {
		t.Errorf("format 4: %v", err)
	}
}

// FuzzCompiledMatcher feeds damaged matchers to the decoder and matches a
// version with what it accepts: errors, never a panic. Seeded with the
// matchers of records with every kind of event and a versions list (a
// database import in every fuzzing worker left no time to fuzz).
func FuzzCompiledMatcher(f *testing.F) {
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pkg := &advisory.Package{Ecosystem: "Go", Name: "example.com/fuzz"}
	db := advisory.NewMemDB([]*advisory.Record{
		{ID: "F-1", Modified: mod, Aliases: []string{"CVE-2099-0001"}, Affected: []advisory.Affected{{Package: pkg,
			Ranges:   []advisory.Range{{Type: "SEMVER", Events: []advisory.Event{{Introduced: "0"}, {Fixed: "1.2.0"}, {Introduced: "2.0.0"}, {LastAffected: "2.1.3"}, {Limit: "3.0.0"}}}},
			Versions: []string{"v1.0.0", "1.1.0"}}}},
		{ID: "F-2", Modified: mod, Affected: []advisory.Affected{{Package: pkg,
			Ranges: []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{{Introduced: "1.0.0-rc.1"}, {Fixed: "not.a.version"}}}, {Type: "SEMVER", Events: []advisory.Event{{Introduced: "1.5"}, {Fixed: "1.9.9"}}}}}}},
	}, nil, nil)
	defer db.Close()
	base, ok, err := db.LookupCompiled("Go", "example.com/fuzz", compilerVersion)
	if err != nil || !ok || base.Matcher == "" {
		f.Fatalf("LookupCompiled: %v %v", ok, err)
	}
	for _, v := range []string{"1.1.0", "2.1.3", "0.0.1", "3.0.0"} {
		f.Add(base.Matcher, v)
	}
	f.Fuzz(func(t *testing.T, matcher, version string) {
		cp := *base
		cp.Matcher = matcher
		pm, err := decodePkgMatch("Go", &cp)
		if err != nil {
			return
		}
		var v ver
		if v.set("Go", version) != nil {
			return
		}
		if pm.ranged {
			pm.at(pm.slot(&v))
		}
		if pm.lists(version) {
			pm.listedHits(version, &v)
		}
		_ = pm.failure()
	})
}
