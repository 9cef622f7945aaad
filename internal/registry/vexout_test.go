package registry

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/csaf"
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
