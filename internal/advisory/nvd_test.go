package advisory

import (
	"strings"
	"testing"
)

// TestImportNVD imports the hand-written NVD CVE API 2.0 documents of
// internal/cve5/testdata (the NVD is not staged): recognised by content,
// one record per vulnerability, the broken one an Issue.
func TestImportNVD(t *testing.T) {
	im := NewImporter()
	for _, p := range []string{"../cve5/testdata/nvd-response.json", "../cve5/testdata/nvd-single.json"} {
		if err := im.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	p := im.Provenance()
	if len(p.Sources) != 2 || p.Sources[0].Kind != KindNVD || p.Sources[0].Records != 3 || p.Sources[0].Skipped != 1 || p.Sources[0].Withdrawn != 1 {
		t.Errorf("sources = %+v", p.Sources)
	}
	if len(im.Issues) != 1 || im.Issues[0].ID != "CVE-2099-0004" || !strings.Contains(im.Issues[0].Reason, "/cpeMatch/0/vulnerable: missing") {
		t.Errorf("issues = %v", im.Issues)
	}
	db, err := openImage(im.Image(), "memory")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.LookupCPEBrief("linux", "linux_kernel")
	if err != nil || len(recs) != 1 || recs[0].ID != "CVE-2099-0001" {
		t.Fatalf("LookupCPE: %v, %v", recs, err)
	}
	r := recs[0]
	if len(r.Severity) != 2 || r.Severity[0] != (Severity{Type: "CVSS_V3", Score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"}) || r.Severity[1].Type != "CVSS_V2" {
		t.Errorf("severity (the NVD's primary score first) = %+v", r.Severity)
	}
	if d := r.CVE.Decide(nil, "5.15.148"); d.Status != "affected" || d.Container != "nvd" {
		t.Errorf("decision = %+v", d)
	}
	if recs, _ := db.LookupCPEBrief("openssl", "openssl"); len(recs) != 1 {
		t.Errorf("the single-vulnerability document: %d records", len(recs))
	}
}
