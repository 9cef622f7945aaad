package registry

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/vex"
)

// TestVersionVEX: a version's findings served as CSAF VEX (passing the OASIS
// schema and the mandatory tests), OpenVEX and CycloneDX VEX — each read
// back by internal/vex's reader with CVE-2024-1086 affected in the kernel
// and KEV-listed in the CSAF document; another manufacturer gets 404, a
// bad format 400.
func TestVersionVEX(t *testing.T) {
	e := kevEnv(t, nil)
	_, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	_, tokB := e.manufacturer("Lumora", "b@lumora.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	router := e.register(tokA, example(t, "home-router"))
	e.importKEV()
	path := "/api/v1/versions/" + router.Version.ID + "/vex"
	get := func(format string) []byte {
		t.Helper()
		resp := e.do("GET", path+"?format="+format, tokA, nil, "", nil)
		wantStatus(t, resp, 200)
		data, _ := io.ReadAll(resp.Body)
		return data
	}
	doc := get("csaf")
	probs, err := csaf.CheckBytes(doc, csaf.NewSchemas(""))
	if err != nil || len(probs) > 0 {
		t.Fatalf("CSAF VEX: %v %+v", err, probs)
	}
	var a csaf.Advisory
	if err := json.Unmarshal(doc, &a); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range a.Vulnerabilities {
		if v.CVE == kevAddedCVE {
			found = v.ProductStatus != nil && len(v.ProductStatus.KnownAffected) > 0 && len(v.Threats) > 0 && v.Threats[0].Category == "exploit_status"
		}
	}
	if !found || a.Document.Category != csaf.CategoryVEX || a.Document.Publisher.Name != "Kestrel Networks" {
		t.Fatalf("CSAF VEX lacks %s known_affected and KEV-listed: %s", kevAddedCVE, doc[:min(len(doc), 600)])
	}
	for _, format := range []string{"openvex", "cyclonedx"} {
		sts, err := vex.Parse(get(format), format+".json")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		ok := false
		for _, st := range sts {
			if st.Vulnerability == kevAddedCVE && st.Status == vex.StatusAffected && len(st.Products) == 1 && strings.Contains(st.Products[0], "linux") {
				ok = true
			}
		}
		if !ok || sts[0].Format != format {
			t.Errorf("%s: no affected %s statement for the kernel: %+v", format, kevAddedCVE, sts)
		}
	}
	wantStatus(t, e.do("GET", path, tokB, nil, "", nil), 404)
	wantStatus(t, e.do("GET", path+"?format=spdx", tokA, nil, "", nil), 400)
	wantStatus(t, e.do("GET", path, "", nil, "", nil), 401)
}

// TestFindingCVSS (6.2.3): a finding's CVSS 3.x score comes from the
// advisory database's record of its id, else of an alias; a record without
// a vector (the Go vulnerability database gives none) and no database give
// none, so the VEX keeps the 6.2.3 warning rather than invent one.
func TestFindingCVSS(t *testing.T) {
	var recs []*advisory.Record
	for _, p := range []string{"advisories/osv/rustsec-advisory-db/samples/RUSTSEC-2016-0001.json", "advisories/osv/go-vulndb/samples/GO-2020-0001.json"} {
		data, err := os.ReadFile(testdata.Path(t, p))
		if err != nil {
			t.Fatal(err)
		}
		var r advisory.Record
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &r)
	}
	db := advisory.NewMemDB(recs, nil, nil)
	for _, c := range []struct {
		name    string
		db      *advisory.DB
		id      string
		aliases []string
		vector  bool
	}{
		{"record with a CVSS 3 vector", db, "RUSTSEC-2016-0001", nil, true},
		{"through an alias", db, "GHSA-unknown", []string{"RUSTSEC-2016-0001"}, true},
		{"Go record without CVSS", db, "GO-2020-0001", []string{"CVE-2020-36567"}, false},
		{"unknown", db, "GHSA-unknown", nil, false},
		{"no database", nil, "RUSTSEC-2016-0001", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := findingCVSS(c.db, c.id, c.aliases)
			if err != nil {
				t.Fatal(err)
			}
			if got := sc != nil; got != c.vector {
				t.Fatalf("score %+v, want one: %v", sc, c.vector)
			}
			if sc != nil && (!strings.HasPrefix(sc.Vector, "CVSS:3.") || sc.Score <= 0 || sc.Level == "") {
				t.Errorf("score %+v", sc)
			}
		})
	}
}
