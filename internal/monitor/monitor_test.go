package monitor

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/sbom"
)

// openSet renders a store's open findings as comparable lines.
func openSet(t *testing.T, st *store.DB, vids map[string]string) []string {
	t.Helper()
	fs, err := st.Findings(context.Background(), store.FindingQuery{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.ComponentID)
	}
	comps, err := st.Components(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		c := comps[f.ComponentID]
		v := f.VersionID
		if vids != nil {
			v = vids[v]
		}
		epss := "-"
		if f.EPSS != nil {
			epss = fmt.Sprintf("%.5f", *f.EPSS)
		}
		out = append(out, fmt.Sprintf("%s %s@%s %s %s kev=%t epss=%s fixed=%v", v, c.Name, c.Version, f.VulnID, f.Severity, f.KEV, epss, f.Fixed))
	}
	sort.Strings(out)
	return out
}

// naive scans every version's SBOM as an upload is scanned.
func naive(t *testing.T, st *store.DB, ids map[string][]string, db *advisory.DB) []string {
	t.Helper()
	var out []string
	for _, vs := range ids {
		for _, id := range vs {
			v, err := st.Version(context.Background(), "", id)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := sbom.Parse(bytes.NewReader(v.SBOM), "sbom", sbom.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cs := match.Components(doc)
			res, err := match.Scan(cs, match.DBSource{DB: db}, match.Options{Platform: platformOf(v.Dossier, cs)})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, f := range res.Findings {
				if f.Suppressed {
					continue
				}
				line := fmt.Sprintf("%s %s@%s %s", id, f.Component.Name, f.Component.Version, f.Advisory.ID)
				if !seen[line] {
					seen[line] = true
					out = append(out, line)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func short(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		var v, c, id string
		fmt.Sscan(l, &v, &c, &id)
		out[i] = v + " " + c + " " + id
	}
	return out
}

// TestDeltaEqualsFull: on a seeded portfolio, matching the old database
// fully and then the new one by delta gives the same findings as a full
// re-match against the new one in a fresh store, and both equal scanning
// every SBOM as an upload is scanned. The delta picks up the new CVE record
// (CVE-2024-1086, and its KEV listing) and resolves the records the new
// database no longer holds as withdrawn.
func TestDeltaEqualsFull(t *testing.T) {
	oldPath, newPath := buildDBs(t)
	oldDB, newDB := openDB(t, oldPath), openDB(t, newPath)
	ctx := context.Background()
	run := func(name string, steps func(m *Monitor)) (*store.DB, map[string][]string) {
		st, ids := seedStore(t, filepath.Join(t.TempDir(), name+".db"), 14)
		m := New(st)
		n, err := m.Backfill(ctx, oldDB)
		if err != nil || n != 14 {
			t.Fatalf("backfill: %d, %v", n, err)
		}
		steps(m)
		return st, ids
	}
	var delta *Result
	stDelta, ids := run("delta", func(m *Monitor) {
		if r, err := m.Rematch(ctx, oldDB, false); err != nil || r.Kind != KindFull {
			t.Fatalf("first re-match: %+v, %v", r, err)
		}
		var err error
		if delta, err = m.Rematch(ctx, newDB, false); err != nil {
			t.Fatal(err)
		}
	})
	stFull, _ := run("full", func(m *Monitor) {
		if _, err := m.Rematch(ctx, newDB, true); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("delta: %d records, %d enrichment changes, %d keys, %d pairs, %d versions, %d changes, %d verdict changes in %v", delta.Records, delta.Vulns, delta.Keys, delta.Pairs, delta.Versions, len(delta.Changes), len(delta.Verdicts), delta.Elapsed)
	if delta.Kind != KindDelta || delta.Records < len(heldBack)+1 {
		t.Fatalf("delta: %+v", delta)
	}
	names := func(st *store.DB, ids map[string][]string) map[string]string {
		out := map[string]string{}
		for name, vs := range ids {
			for i, v := range vs {
				out[v] = fmt.Sprintf("%s#%d", name, i)
			}
		}
		return out
	}
	_, idsFull := seedStoreIDs(t, stFull)
	got, want := openSet(t, stDelta, names(stDelta, ids)), openSet(t, stFull, names(stFull, idsFull))
	t.Logf("%d open findings", len(got))
	if len(got) == 0 {
		t.Fatal("no findings at all")
	}
	if !slices.Equal(got, want) {
		t.Errorf("delta and full re-match differ:\n%s", diff(got, want))
	}
	if n := naive(t, stDelta, ids, newDB); !slices.Equal(short(openSet(t, stDelta, nil)), n) {
		t.Errorf("re-match and upload scan differ:\n%s", diff(short(openSet(t, stDelta, nil)), n))
	}
	// the new record is a new finding on the router, KEV-listed
	var opened, kev, withdrawn bool
	for _, c := range delta.Changes {
		if c.Finding.VulnID == "CVE-2024-1086" && c.Kind == store.EventOpened && c.Finding.KEV {
			opened, kev = true, c.KEVAdded
		}
		if c.Kind == store.EventResolved && c.Finding.Reason == store.ResolvedWithdrawn {
			withdrawn = true
		}
	}
	if !opened || !kev {
		t.Errorf("CVE-2024-1086 not opened KEV-listed by the delta: %d changes", len(delta.Changes))
	}
	if !withdrawn {
		t.Errorf("no finding resolved as withdrawn (%s)", gone)
	}
	if len(delta.Verdicts) == 0 {
		t.Error("no verdict change recorded")
	}
	// a delta with nothing changed touches nothing
	again, err := New(stDelta).Rematch(ctx, newDB, false)
	if err != nil || again.Pairs != 0 || len(again.Changes) != 0 {
		t.Errorf("second delta: %+v, %v", again, err)
	}
}

// seedStoreIDs returns a seeded store's version IDs by SBOM name, read back
// from the product names.
func seedStoreIDs(t *testing.T, st *store.DB) (*store.DB, map[string][]string) {
	t.Helper()
	ctx := context.Background()
	ps, _, err := st.ListProducts(ctx, store.ProductQuery{Page: store.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range ps {
		var n int
		var name string
		fmt.Sscanf(p.Name, "Product %d (%s", &n, &name)
		name = name[:len(name)-1]
		v, err := st.LatestVersion(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = append(out[name], v.ID)
	}
	return st, out
}

func diff(a, b []string) string {
	var out bytes.Buffer
	for _, l := range a {
		if !slices.Contains(b, l) {
			fmt.Fprintln(&out, "- only in first:", l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			fmt.Fprintln(&out, "+ only in second:", l)
		}
	}
	if out.Len() > 4000 {
		return out.String()[:4000] + "…"
	}
	return out.String()
}
