package monitor

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestCrisisQuery: after the delta brings CVE-2024-1086, the crisis query
// lists every router and camera version with the kernel and its dependency
// path, resolves the query through the database's aliases, limits a
// manufacturer to its own versions, and the renderings carry the rows.
func TestCrisisQuery(t *testing.T) {
	oldPath, newPath := buildDBs(t)
	oldDB, newDB := openDB(t, oldPath), openDB(t, newPath)
	ctx := context.Background()
	st, ids := seedStore(t, filepath.Join(t.TempDir(), "r.db"), 14)
	m := New(st)
	if _, err := m.Backfill(ctx, oldDB); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rematch(ctx, oldDB, false); err != nil {
		t.Fatal(err)
	}
	a, err := m.Affected(ctx, newDB, "CVE-2024-1086", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Versions) != 0 {
		t.Fatalf("before the delta: %d affected", len(a.Versions))
	}
	if _, err := m.Rematch(ctx, newDB, false); err != nil {
		t.Fatal(err)
	}
	a, err = m.Affected(ctx, newDB, "cve-2024-1086", "", false)
	if err != nil {
		t.Fatal(err)
	}
	hit := map[string]bool{}
	for _, v := range a.Versions {
		hit[v.VersionID] = true
		if !v.KEV || v.Status != StatusAffected || len(v.Components) == 0 || v.CRAClass == "" {
			t.Errorf("%s: %+v", v.Product, v)
		}
		for _, c := range v.Components {
			if !strings.Contains(c.Name, "linux") || c.Path == "" {
				t.Errorf("%s: component %+v", v.Product, c)
			}
		}
	}
	for _, name := range []string{"home-router", "router-5.10.200", "router-6.1.60"} {
		for _, id := range ids[name] {
			if !hit[id] {
				t.Errorf("%s version %s not listed", name, id)
			}
		}
	}
	// a manufacturer sees only its own
	org := a.Versions[0].OrgID
	own, err := m.Affected(ctx, newDB, "CVE-2024-1086", org, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(own.Versions) == 0 || len(own.Versions) >= len(a.Versions) {
		t.Errorf("manufacturer view: %d of %d", len(own.Versions), len(a.Versions))
	}
	for _, v := range own.Versions {
		if v.OrgID != org {
			t.Errorf("another organisation's version %s", v.VersionID)
		}
	}
	var buf bytes.Buffer
	if err := WriteAffected(&buf, a, FormatCSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) < len(a.Versions)+1 || rows[0][0] != "manufacturer" {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	for _, f := range []string{FormatTable, FormatMarkdown, FormatHTML, FormatJSON} {
		buf.Reset()
		if err := WriteAffected(&buf, a, f); err != nil || !strings.Contains(buf.String(), "CVE-2024-1086") {
			t.Errorf("%s: %v", f, err)
		}
	}
	if err := WriteAffected(&buf, a, "xml"); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// TestSituationGolden renders a fixed situation report (with markup in a
// product name, which must come out escaped) against a golden file.
func TestSituationGolden(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	res := day(3)
	epss := 0.8421
	a := &Affected{Query: "CVE-2024-1086", IDs: []string{"CVE-2024-1086"}, Generated: day(5), Versions: []AffectedVersion{
		{VersionID: "v1", ProductID: "p1", OrgID: "o1", Manufacturer: "Voltic Home Devices GmbH", Contact: "psirt@voltic.example", Product: "Router <script>alert(1)</script>",
			Version: "2.0", CRAClass: "important-class-I", Markets: []string{"EU", "US"}, Vulnerabilities: []string{"CVE-2024-1086"}, Severity: "high", KEV: true, EPSS: &epss,
			Status: StatusAffected, FixedIn: "2.1", Components: []AffectedComponent{{Name: "linux-kernel", Version: "5.15.150", Path: "HR-500 firmware > linux-kernel"}},
			Label: &LabelState{ID: "l1", Status: store.StatusValid, Active: true}, FirstSeen: day(1)},
		{VersionID: "v2", ProductID: "p2", OrgID: "o2", Manufacturer: "Lumora", Product: "IC-400", Version: "1.4", CRAClass: "default", Markets: []string{"EU"},
			Vulnerabilities: []string{"CVE-2024-1086"}, Severity: "high", KEV: true, Status: StatusResolved, Reason: store.ResolvedVEX,
			Components: []AffectedComponent{{Name: "linux", Version: "4.4.94"}}, FirstSeen: day(2), Resolved: &res},
	}}
	var buf bytes.Buffer
	if err := WriteSituation(&buf, BuildSituation(a, day(5)), FormatHTML); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	if bytes.Contains(got, []byte("<script>")) || !bytes.Contains(got, []byte("&lt;script&gt;")) {
		t.Error("markup in a product name is not escaped")
	}
	path := filepath.Join("testdata", "situation.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("situation report differs from %s (run with -update after checking)", path)
	}
}

// TestStoredFacts: the dossier facts stored at index time read back as the
// dossier gives them, and a version indexed without them (before migration
// 0006) falls back to its dossier.
func TestStoredFacts(t *testing.T) {
	_, dossierYAML := exampleSBOMs(t)
	fromDossier := factsOf(dossierYAML)
	if fromDossier.class == "" || len(fromDossier.markets) == 0 || fromDossier.contact == "" {
		t.Fatalf("example dossier facts %+v", fromDossier)
	}
	for _, tc := range []struct {
		name  string
		facts dossierFacts
	}{
		{"example dossier", fromDossier},
		{"none", dossierFacts{}},
		{"tab and line break in the contact", dossierFacts{class: "critical", contact: "a\tb\nc", markets: []string{"EU", "US"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodeFacts(encodeFacts(tc.facts))
			want := tc.facts
			want.contact = strings.NewReplacer("\t", " ", "\n", " ").Replace(want.contact)
			if !ok || got.class != want.class || got.contact != want.contact || !slices.Equal(got.markets, want.markets) {
				t.Fatalf("round trip %+v → %+v (%v)", want, got, ok)
			}
		})
	}
	for _, bad := range []string{"", "f0\tdefault\tx\tEU", "f1\tdefault"} {
		if _, ok := decodeFacts(bad); ok {
			t.Errorf("decodeFacts(%q) accepted", bad)
		}
	}
	stored := rowFacts(&store.VersionRow{Facts: encodeFacts(fromDossier)})
	fallback := rowFacts(&store.VersionRow{Dossier: dossierYAML})
	if stored.class != fallback.class || stored.contact != fallback.contact || !slices.Equal(stored.markets, fallback.markets) {
		t.Fatalf("stored %+v, from the dossier %+v", stored, fallback)
	}
}
