package match

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/testdata"
)

type oracleEntry struct {
	Test  string `json:"test"`
	Query struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Version string `json:"version"`
		Commit  string `json:"commit"`
	} `json:"query"`
	Cassette string `json:"cassette"`
	Vulns    []struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
	} `json:"vulns"`
}

// derived reports whether a staged record is one of the dualmark team's
// conversions (GHSA CSV, Node.js WG) whose ids osv.dev does not use.
func derived(r *advisory.Record) bool {
	return strings.Contains(string(r.DatabaseSpecific), "converted to OSV") || strings.HasPrefix(r.ID, "NSWG-")
}

// TestOracle compares matching with 971 real osv.dev answers: for every
// query in an ecosystem the staged data covers, each id osv.dev returned
// must be found when the staged data holds that record (by id). Each id we
// return must be one osv.dev returned, or alias one it returned, or be a
// record published after the answer was recorded, or be a dualmark
// conversion (whose CVE/NSWG ids osv.dev files under GHSA ids) for a
// version osv.dev also reports vulnerable.
func TestOracle(t *testing.T) {
	path := testdata.Path(t, "advisories/osv-api-oracle/osv-querybatch-answers.jsonl.gz")
	recs := staged(t)
	ix := NewIndex(recs)
	have := map[string]bool{}
	for _, r := range recs {
		if r.Withdrawn == nil {
			have[r.ID] = true
		}
	}
	covered := map[string]bool{"Go": true, "PyPI": true, "crates.io": true, "Hackage": true, "CRAN": true,
		"Maven": true, "NuGet": true, "npm": true}

	byID := map[string]*advisory.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	entries := readOracle(t, path)
	recorded := map[string]time.Time{} // newest modified stamp per cassette
	for _, o := range entries {
		for _, v := range o.Vulns {
			if v.Modified.After(recorded[o.Cassette]) {
				recorded[o.Cassette] = v.Modified
			}
		}
	}
	m := newMatcher(ix)
	var newer, conversions, known int
	var queries, compared, missingStaged, agreed int
	for i, o := range entries {
		line := i + 1
		queries++
		eco := o.Query.Package.Ecosystem
		if !covered[eco] || o.Query.Version == "" {
			continue
		}
		compared++
		q := Query{Ecosystem: eco, Name: o.Query.Package.Name, Version: o.Query.Version}
		hits, reason, err := m.matchPackage(q)
		if err != nil || reason != "" {
			t.Errorf("line %d %s %s@%s: reason %q err %v", line, eco, q.Name, q.Version, reason, err)
			continue
		}
		got := map[string]bool{}
		for _, h := range hits {
			got[h.rec.ID] = true
		}
		want := map[string]bool{}
		ok := true
		for _, v := range o.Vulns {
			want[v.ID] = true
			if !have[v.ID] {
				missingStaged++
				continue
			}
			if !got[v.ID] {
				ok = false
				t.Errorf("line %d %s %s@%s: osv.dev returns %s (staged) but we do not", line, eco, q.Name, q.Version, v.ID)
			}
		}
		var extra []string
		for id := range got {
			r := byID[id]
			switch {
			case want[id] || slices.ContainsFunc(r.Aliases, func(a string) bool { return want[a] }):
			case r.Published != nil && r.Published.After(recorded[o.Cassette]):
				newer++
			case derived(r) && len(want) > 0:
				conversions++
			case oracleKnown[id] != "":
				known++
			default:
				extra = append(extra, id)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			ok = false
			t.Errorf("line %d %s %s@%s: we return %v, osv.dev does not", line, eco, q.Name, q.Version, extra)
		}
		if ok {
			agreed++
		}
	}
	if queries != 971 {
		t.Errorf("oracle has %d queries, want 971", queries)
	}
	t.Logf("oracle: %d queries, %d in covered ecosystems, %d agree; %d osv.dev ids not in staged data; extra ids: %d published after the recording, %d dualmark conversions, %d known differences",
		queries, compared, agreed, missingStaged, newer, conversions, known)
}

func readOracle(t *testing.T, path string) []oracleEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []oracleEntry
	for line := 1; sc.Scan(); line++ {
		var o oracleEntry
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("oracle line %d: %v", line, err)
		}
		out = append(out, o)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// oracleKnown are staged records that rightly differ from the recorded
// osv.dev answers, by id, with the reason.
var oracleKnown = map[string]string{
	"PYSEC-2021-108": "the staged 2021 record affects urllib3 from 0 (1.24.3 is in its versions list); osv.dev's current record starts at 1.25.4",
}

func init() {
	// Go vulndb records published between the recording of the answers
	// (2026-08-04) and the staged vulndb commit (2026-08-21); the staged
	// export carries no published date and no osv.dev answer names them.
	for _, id := range []string{"GO-2026-5026", "GO-2026-5942", "GO-2026-5972", "GO-2026-6088", "GO-2026-6089",
		"GO-2026-6090", "GO-2026-6091", "GO-2026-6218", "GO-2026-6179", "GO-2026-6180", "GO-2026-6222"} {
		oracleKnown[id] = "published after the osv.dev answers were recorded"
	}
}

// TestFastPathSameAnswers runs every oracle query and every synthetic
// benchmark component with and without the fast numeric order: the matched
// record ids must be the same.
func TestFastPathSameAnswers(t *testing.T) {
	ix := NewIndex(staged(t))
	var qs []Query
	for _, o := range readOracle(t, testdata.Path(t, "advisories/osv-api-oracle/osv-querybatch-answers.jsonl.gz")) {
		if o.Query.Version != "" && o.Query.Package.Name != "" {
			qs = append(qs, Query{Ecosystem: o.Query.Package.Ecosystem, Name: o.Query.Package.Name, Version: o.Query.Version})
		}
	}
	for _, c := range benchComponents(t, "bench/synth-10000.cdx.json") {
		if q, reason := QueryFromPURL(c.PURL); reason == "" {
			qs = append(qs, q)
		}
	}
	answers := func() []string {
		m := newMatcher(ix)
		out := make([]string, len(qs))
		for i, q := range qs {
			hits, reason, _ := m.matchPackage(q)
			ids := []string{reason}
			for _, h := range hits {
				ids = append(ids, h.rec.ID+" fixed="+strings.Join(h.fixed, ","))
			}
			sort.Strings(ids)
			out[i] = strings.Join(ids, " ")
		}
		return out
	}
	fast := answers()
	// the reference: every entry evaluated on its own, no slot table
	m := newMatcher(ix)
	for i, q := range qs {
		pm, _ := m.packageEntries(q.Ecosystem, q.Name)
		v, _ := parseVersion(q.Ecosystem, q.Version)
		raw := normalizeVersion(baseEcosystem(q.Ecosystem), q.Version)
		ids := map[string]bool{}
		for _, e := range pm.entries {
			if e.affects(raw, v) {
				ids[e.rec.ID] = true
			}
		}
		var got []string
		for _, part := range strings.Fields(fast[i]) {
			if !strings.HasPrefix(part, "fixed=") {
				got = append(got, part)
			}
		}
		if len(got) != len(ids) {
			t.Errorf("%s %s@%s: slot table %v, reference %v", q.Ecosystem, q.Name, q.Version, got, ids)
		}
	}
	fastPath = false
	slow := answers()
	fastPath = true
	for i := range qs {
		if fast[i] != slow[i] {
			t.Errorf("%s %s@%s: fast %q, semantic %q", qs[i].Ecosystem, qs[i].Name, qs[i].Version, fast[i], slow[i])
		}
	}
}
