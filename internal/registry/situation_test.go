package registry

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestSituationQueryAPI: with the router and the camera registered and
// matched against CVE-2024-1086 and the KEV catalogue of 2025-08-25, the
// query form of the situation report (GET /api/v1/situation) gives an
// authority every KEV-listed finding's version, each manufacturer its own,
// nobody without a token; filters narrow it, bad filters name their field,
// and it renders as HTML and CSV.
func TestSituationQueryAPI(t *testing.T) {
	dbDir := advisoryDB(t, [][]byte{cveLines(t, "CVE-2024-1086")["CVE-2024-1086"]}, testdata.Path(t, "kev/known_exploited_vulnerabilities.json"))
	e := newEnv(t, func(c *Config) { c.AdvisoryDB = dbDir })
	orgA, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	_, tokB := e.manufacturer("Lumora", "b@lumora.example")
	router := e.register(tokA, example(t, "home-router"))
	camera := e.register(tokB, example(t, "security-camera"))
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	_, authority := e.org("CSIRT Example", "authority", "read")

	var all monitor.Situation
	wantStatus(t, e.json("GET", "/api/v1/situation?kev=true&format=json", authority, nil, &all), 200)
	if all.Filter == nil || !all.Filter.KEV || !slices.Contains(all.IDs, "CVE-2024-1086") {
		t.Fatalf("KEV report: filter %+v, ids %v", all.Filter, all.IDs)
	}
	got := map[string]monitor.AffectedVersion{}
	for _, v := range all.List {
		got[v.VersionID] = v
		if !v.KEV || v.Status != monitor.StatusAffected {
			t.Errorf("%s in the KEV report: %+v", v.Product, v)
		}
	}
	for _, id := range []string{router.Version.ID, camera.Version.ID} {
		if _, ok := got[id]; !ok {
			t.Errorf("version %s missing from the KEV report", id)
		}
	}
	// a CRA class narrows it to the versions of that class
	for _, class := range []string{"annex-iii", "annex-iv", "default"} {
		var sit monitor.Situation
		wantStatus(t, e.json("GET", "/api/v1/situation?kev=true&format=json&class="+class, authority, nil, &sit), 200)
		want := 0
		for _, v := range all.List {
			if (class == "annex-iii" && strings.HasPrefix(v.CRAClass, "important-class-")) || (class == "annex-iv" && v.CRAClass == "critical") || v.CRAClass == class {
				want++
			}
		}
		if len(sit.List) != want {
			t.Errorf("class %s: %d versions, want %d", class, len(sit.List), want)
		}
	}
	// each manufacturer its own; nothing without a token
	var own monitor.Situation
	wantStatus(t, e.json("GET", "/api/v1/situation?kev=true&format=json", tokA, nil, &own), 200)
	if len(own.List) == 0 {
		t.Error("the manufacturer's KEV report is empty")
	}
	for _, v := range own.List {
		if v.OrgID != orgA {
			t.Errorf("another organisation's version %s in %s's report", v.VersionID, orgA)
		}
	}
	var other monitor.Situation
	wantStatus(t, e.json("GET", "/api/v1/situation?kev=true&format=json&manufacturer=Kestrel+Networks", tokB, nil, &other), 200)
	if len(other.List) != 0 {
		t.Errorf("Lumora asked for Kestrel's versions and got %d", len(other.List))
	}
	wantStatus(t, e.json("GET", "/api/v1/situation?kev=true", "", nil, nil), 401)
	// bad filters name their field
	for q, field := range map[string]string{"vendor=x": "vendor", "epss=2": "epss", "market=DE": "market", "kev=perhaps": "kev", "format=pdf": "format"} {
		var p Problem
		wantStatus(t, e.json("GET", "/api/v1/situation?"+q, authority, nil, &p), 400)
		if p.Field != field {
			t.Errorf("%s: problem names %q, want %q", q, p.Field, field)
		}
	}
	wantStatus(t, e.json("GET", "/api/v1/situation?ransomware=true&format=json", authority, nil, nil), 200)
	// HTML (printable, no script) and CSV
	resp := e.do("GET", "/api/v1/situation?kev=true&class=annex-iii", authority, nil, "", nil)
	wantStatus(t, resp, 200)
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	for _, want := range []string{"<svg", "Product versions with open findings (KEV-listed) in Annex III products", "CVE-2024-1086"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("query report lacks %q", want)
		}
	}
	if strings.Contains(page.String(), "<script") {
		t.Error("query report has a script")
	}
	resp = e.do("GET", "/api/v1/situation?kev=true&format=csv", authority, nil, "", nil)
	wantStatus(t, resp, 200)
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "situation-query.csv") {
		t.Errorf("CSV download %q", cd)
	}
}
