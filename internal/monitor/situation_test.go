package monitor

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// TestParseSituationQuery: every filter is read, in any case, and a bad
// value or an unknown filter names its parameter.
func TestParseSituationQuery(t *testing.T) {
	half := 0.5
	for _, tc := range []struct {
		in, field string
		want      SituationQuery
		text      string
	}{
		{in: "", text: "open findings"},
		{in: "kev=true&class=annex-iii", want: SituationQuery{KEV: true, Class: ClassAnnexIII}, text: "open findings (KEV-listed) in Annex III products (important classes I and II)"},
		{in: "kev&ransomware=yes", want: SituationQuery{KEV: true, Ransomware: true}, text: "open findings (KEV-listed, known ransomware use)"},
		{in: "epss=0.5&severity=HIGH&market=eu&class=Critical&manufacturer=Maker+1", want: SituationQuery{MinEPSS: &half, MinSeverity: "high", Market: "EU", Class: "critical", Manufacturer: "Maker 1"},
			text: "open findings (EPSS ≥ 0.5, severity ≥ high) in products of CRA class critical sold in the EU of Maker 1"},
		{in: "kev=false", want: SituationQuery{}},
		{in: "kev=maybe", field: "kev"},
		{in: "epss=1.5", field: "epss"},
		{in: "epss=x", field: "epss"},
		{in: "severity=severe", field: "severity"},
		{in: "class=annex-ii", field: "class"},
		{in: "market=DE", field: "market"},
		{in: "vendor=x", field: "vendor"},
		{in: "kev=true&kev=false", field: "kev"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, err := url.ParseQuery(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseSituationQuery(v)
			if tc.field != "" {
				var qe *QueryError
				if !errors.As(err, &qe) || qe.Field != tc.field {
					t.Fatalf("error %v, want one naming %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Values().Encode() != tc.want.Values().Encode() {
				t.Fatalf("read %v, want %v", q.Values(), tc.want.Values())
			}
			if tc.text != "" && q.String() != tc.text {
				t.Errorf("String() = %q, want %q", q.String(), tc.text)
			}
			// Values reads back as the same query
			again, err := ParseSituationQuery(q.Values())
			if err != nil || again.Values().Encode() != q.Values().Encode() {
				t.Errorf("round trip %v → %v (%v)", q.Values(), again.Values(), err)
			}
		})
	}
}

// TestSituationQuery: on a seeded portfolio matched against the staged
// data, each filter keeps exactly the open findings it names.
func TestSituationQuery(t *testing.T) {
	oldPath, newPath := buildDBs(t)
	oldDB, newDB := openDB(t, oldPath), openDB(t, newPath)
	ctx := context.Background()
	st, _ := seedStore(t, filepath.Join(t.TempDir(), "r.db"), 14)
	m := New(st)
	if _, err := m.Backfill(ctx, oldDB); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rematch(ctx, newDB, false); err != nil {
		t.Fatal(err)
	}
	query := func(q SituationQuery, org string) *Affected {
		t.Helper()
		a, err := m.Query(ctx, newDB, q, org)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	all := query(SituationQuery{}, "")
	kev := query(SituationQuery{KEV: true}, "")
	if len(kev.Versions) == 0 || len(kev.IDs) >= len(all.IDs) {
		t.Fatalf("KEV: %d versions, %d of %d vulnerabilities", len(kev.Versions), len(kev.IDs), len(all.IDs))
	}
	open, err := st.Findings(ctx, store.FindingQuery{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	wantKEV := map[string]bool{}
	for _, f := range open {
		if f.Resolved == nil && f.KEV {
			wantKEV[f.VulnID] = true
		}
	}
	if len(wantKEV) != len(kev.IDs) {
		t.Errorf("KEV query found %d vulnerabilities, the open findings have %d KEV-listed", len(kev.IDs), len(wantKEV))
	}
	for _, v := range kev.Versions {
		if !v.KEV || v.Status != StatusAffected {
			t.Errorf("%s in the KEV report: %+v", v.Product, v)
		}
		for _, id := range v.Vulnerabilities {
			if !wantKEV[id] {
				t.Errorf("%s: %s is not a KEV-listed open finding", v.Product, id)
			}
		}
	}
	// CVE-2024-1086 is KEV-listed: its versions are in the KEV report
	crisis, err := m.Affected(ctx, newDB, "CVE-2024-1086", "", false)
	if err != nil {
		t.Fatal(err)
	}
	inKEV := map[string]bool{}
	for _, v := range kev.Versions {
		inKEV[v.VersionID] = true
	}
	for _, v := range crisis.Versions {
		if !inKEV[v.VersionID] {
			t.Errorf("%s (CVE-2024-1086, KEV) is not in the KEV report", v.Product)
		}
	}
	// ransomware: a subset of KEV, each with a ransomware-linked entry
	for _, v := range query(SituationQuery{Ransomware: true}, "").Versions {
		if !inKEV[v.VersionID] {
			t.Errorf("%s in the ransomware report but not the KEV one", v.Product)
		}
		linked := false
		for _, id := range v.Vulnerabilities {
			if e, ok := newDB.KEV(id); ok && e.KnownRansomware {
				linked = true
			}
		}
		if !linked {
			t.Errorf("%s: none of %v is ransomware-linked", v.Product, v.Vulnerabilities)
		}
	}
	// severity, EPSS
	for _, v := range query(SituationQuery{MinSeverity: "critical"}, "").Versions {
		if v.Severity != "critical" {
			t.Errorf("severity ≥ critical kept %s (%s)", v.Product, v.Severity)
		}
	}
	x := 0.5
	for _, v := range query(SituationQuery{MinEPSS: &x}, "").Versions {
		if v.EPSS == nil || *v.EPSS < x {
			t.Errorf("EPSS ≥ 0.5 kept %s (%v)", v.Product, epssText(v.EPSS))
		}
	}
	// the class and market of the seeded dossier keep all; others none
	class := all.Versions[0].CRAClass
	if got := query(SituationQuery{KEV: true, Class: class}, ""); len(got.Versions) != len(kev.Versions) {
		t.Errorf("class %s: %d versions, want %d", class, len(got.Versions), len(kev.Versions))
	}
	other := ClassAnnexIV
	if class == "critical" {
		other = "default"
	}
	if got := query(SituationQuery{KEV: true, Class: other}, ""); len(got.Versions) != 0 {
		t.Errorf("class %s: %d versions, want none", other, len(got.Versions))
	}
	// a manufacturer: by name, or its own view
	org, name := kev.Versions[0].OrgID, kev.Versions[0].Manufacturer
	byName := query(SituationQuery{KEV: true, Manufacturer: strings.ToUpper(name)}, "")
	own := query(SituationQuery{KEV: true}, org)
	if len(byName.Versions) == 0 || len(byName.Versions) != len(own.Versions) || len(own.Versions) >= len(kev.Versions) {
		t.Errorf("manufacturer %s: %d by name, %d in its view, of %d", name, len(byName.Versions), len(own.Versions), len(kev.Versions))
	}
	for _, v := range own.Versions {
		if v.OrgID != org {
			t.Errorf("another organisation's version %s in %s's view", v.VersionID, org)
		}
	}
	if _, err := m.Query(ctx, nil, SituationQuery{Ransomware: true}, ""); err == nil {
		t.Error("a ransomware query without the advisory database answered")
	}
}

// TestSituationQueryGolden renders a fixed query report against a golden
// file: the query in words, the vulnerabilities found, a column of them.
func TestSituationQueryGolden(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	epss := 0.9712
	q := SituationQuery{KEV: true, Class: ClassAnnexIII}
	a := &Affected{Query: q.String(), IDs: []string{"CVE-2024-1086", "CVE-2024-3094"}, Generated: day(5), Filter: &q, Versions: []AffectedVersion{
		{VersionID: "v1", ProductID: "p1", OrgID: "o1", Manufacturer: "Voltic Home Devices GmbH", Contact: "psirt@voltic.example", Product: "HR-500 <b>router</b>",
			Version: "2.0", CRAClass: "important-class-I", Markets: []string{"EU", "US"}, Vulnerabilities: []string{"CVE-2024-1086", "CVE-2024-3094"}, Severity: "critical", KEV: true, EPSS: &epss,
			Status: StatusAffected, Components: []AffectedComponent{{Name: "linux-kernel", Version: "5.15.150", Path: "HR-500 firmware > linux-kernel"}, {Name: "xz", Version: "5.6.0"}},
			Label: &LabelState{ID: "l1", Status: store.StatusValid, Active: true}, FirstSeen: day(1)},
		{VersionID: "v2", ProductID: "p2", OrgID: "o2", Manufacturer: "Lumora", Product: "IC-400", Version: "1.4", CRAClass: "important-class-II", Markets: []string{"EU"},
			Vulnerabilities: []string{"CVE-2024-1086"}, Severity: "high", KEV: true, Status: StatusAffected, FixedIn: "1.5",
			Components: []AffectedComponent{{Name: "linux", Version: "4.4.94"}}, FirstSeen: day(3)},
	}}
	for _, format := range []string{FormatHTML, FormatCSV, FormatMarkdown, FormatTable} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			if format == FormatHTML || format == FormatCSV {
				err = WriteSituation(&buf, BuildSituation(a, day(5)), format)
			} else {
				err = WriteAffected(&buf, a, format)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if format == FormatHTML && bytes.Contains(got, []byte("<b>router")) {
				t.Error("markup in a product name is not escaped")
			}
			path := filepath.Join("testdata", "situation-query."+map[string]string{FormatHTML: "html", FormatCSV: "csv", FormatMarkdown: "md", FormatTable: "txt"}[format])
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("query report differs from %s (run with -update after checking)", path)
			}
		})
	}
}

// FuzzParseSituationQuery: any query string is read or refused with a
// QueryError naming a parameter, never a panic; what is read reads back
// the same from its Values.
func FuzzParseSituationQuery(f *testing.F) {
	for _, s := range []string{"kev=true&class=annex-iii", "ransomware&epss=0.25", "severity=critical&market=US&manufacturer=Lumora", "class=important-class-I", "epss=1e-3", "kev=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		q, err := ParseSituationQuery(v)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Field == "" {
				t.Fatalf("%q: error %v names no parameter", s, err)
			}
			return
		}
		again, err := ParseSituationQuery(q.Values())
		if err != nil || again.Values().Encode() != q.Values().Encode() || again.String() != q.String() {
			t.Fatalf("%q: %v reads back as %v (%v)", s, q.Values(), again.Values(), err)
		}
	})
}
