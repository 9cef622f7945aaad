package assess

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/vex"
)

// TestEvalScan covers every branch of CRA-I.2.a: known exploitable (KEV,
// SSVC active or poc, EPSS at the threshold, VEX affected) is not met,
// unless VEX says not_affected or fixed; any other open finding leaves it
// undecided with "assess exploitability or publish VEX"; only a scan with
// nothing open and every component covered by advisory data meets it;
// alias groups count once.
func TestEvalScan(t *testing.T) {
	fd := func(id string, mod func(*match.Finding)) match.Finding {
		f := match.Finding{Component: match.ComponentRef{Name: "linux", Version: "4.4.94"}, Advisory: match.AdvisoryRef{ID: id}, Severity: "high"}
		if mod != nil {
			mod(&f)
		}
		return f
	}
	tests := []struct {
		name     string
		findings []match.Finding
		want     string
		say      string
	}{
		{"no findings", nil, Met, "no open known vulnerability"},
		{"KEV", []match.Finding{fd("CVE-2024-1086", func(f *match.Finding) { f.KEV = true })}, NotMet, "CISA KEV"},
		{"SSVC active", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.Exploitation = "active" })}, NotMet, "SSVC exploitation: active"},
		{"SSVC poc", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.Exploitation = "poc" })}, NotMet, "proof of concept"},
		{"SSVC none", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.Exploitation = "none" })}, "", "assess exploitability or publish VEX"},
		{"EPSS at threshold", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.EPSS = &match.EPSS{Score: EPSSThreshold} })}, NotMet, "EPSS 10.0 %"},
		{"EPSS below threshold", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.EPSS = &match.EPSS{Score: 0.0999} })}, "", "assess exploitability"},
		{"VEX affected", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.VEX = []vex.Statement{{Status: vex.StatusAffected, Source: "v.json"}} })}, NotMet, "stated affected by VEX"},
		{"VEX under investigation", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.VEX = []vex.Statement{{Status: vex.StatusUnderInvestigation}} })}, "", "publish VEX"},
		{"KEV not affected by VEX", []match.Finding{fd("CVE-1", func(f *match.Finding) { f.KEV, f.Suppressed = true, true })}, Met, "1 findings, all suppressed by VEX"},
		{"unknown severity, open", []match.Finding{fd("GO-2024-1", func(f *match.Finding) { f.Severity = "unknown" })}, "", "1 open known vulnerability"},
		{"alias group: one blocking member blocks", []match.Finding{
			fd("GHSA-x", func(f *match.Finding) { f.Advisory.Related = []string{"CVE-9"} }),
			fd("CVE-9", func(f *match.Finding) { f.Advisory.Related = []string{"GHSA-x"}; f.KEV = true })}, NotMet, "1 exploitable known vulnerability: GHSA-x"},
		{"alias group counts once", []match.Finding{
			fd("GHSA-x", func(f *match.Finding) { f.Advisory.Related = []string{"CVE-9"} }),
			fd("CVE-9", func(f *match.Finding) { f.Advisory.Related = []string{"GHSA-x"} })}, "", "1 open known vulnerability without"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := evalScan(&Facts{Scan: &match.Result{Findings: tc.findings}})
			if len(out) != 1 || out[0].Status != tc.want || out[0].IDs[0] != idCRANoVulns {
				t.Fatalf("got %+v, want status %q", out, tc.want)
			}
			if text := out[0].Reason + out[0].Next; !strings.Contains(text, tc.say) {
				t.Errorf("%q does not say %q", text, tc.say)
			}
		})
	}
	if out := evalScan(&Facts{}); out[0].Status != "" {
		t.Errorf("no scan: %+v", out)
	}
	// Components matched against nothing: no finding is not "met".
	for _, sum := range []match.Summary{{Components: 9, NotAffected: 3, NoData: 5, Unmatchable: 1}, {Components: 2, NotAffected: 1, Unmatchable: 1}} {
		out := evalScan(&Facts{Scan: &match.Result{Summary: sum}})
		if out[0].Status != "" || !strings.Contains(out[0].Next, "checked against nothing") {
			t.Errorf("%+v: got %+v, want undecided naming the uncovered components", sum, out)
		}
	}
}

// TestEvalScanRealRecords scans a Linux 4.4.94 kernel against its real
// CVE records: CVE-2024-1086 (SSVC active in CISA's ADP container) makes
// CRA-I.2.a not met even without the KEV catalogue loaded.
func TestEvalScanRealRecords(t *testing.T) {
	path := testdata.Path(t, "advisories/cve5/vulnrichment.cve5.jsonl.gz")
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
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var recs []*advisory.Record
	for len(recs) < 2 && sc.Scan() { // both found: the rest of the 16 MB is not read
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"CVE-2024-1086"`)) && !bytes.Contains(line, []byte(`"CVE-2024-26581"`)) {
			continue
		}
		r, err := cve5.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &advisory.Record{ID: r.ID, CVE: r})
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	res, err := match.Scan([]match.Component{{Name: "linux", Version: "4.4.94", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:4.4.94:*:*:*:*:*:*:*"}}},
		match.NewIndex(recs), match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := evalScan(&Facts{Scan: res})
	if out[0].Status != NotMet || !strings.Contains(out[0].Reason, "CVE-2024-1086 in linux 4.4.94 (SSVC exploitation: active)") || strings.Contains(out[0].Reason, "CVE-2024-26581") {
		t.Errorf("%+v", out)
	}
}

// TestArt14Trigger: an actively exploited vulnerability (KEV or SSVC
// active) that VEX does not rule out shows the CRA Art. 14(1) condition
// holds, so the three reports decide the verdict; a proof of concept, a
// suppressed finding or no scan shows nothing.
func TestArt14Trigger(t *testing.T) {
	kev := match.Finding{Component: match.ComponentRef{Name: "linux", Version: "4.4.94"}, Advisory: match.AdvisoryRef{ID: "CVE-2024-1086"}, KEV: true}
	active := kev
	active.KEV, active.Exploitation = false, "active"
	poc := kev
	poc.KEV, poc.Exploitation = false, "poc"
	gone := kev
	gone.Suppressed = true
	tests := []struct {
		name     string
		findings []match.Finding
		applies  bool
	}{
		{"Art14(1) KEV-listed", []match.Finding{kev}, true},
		{"Art14(1) SSVC active", []match.Finding{active}, true},
		{"Art14(1) proof of concept is not active exploitation", []match.Finding{poc}, false},
		{"Art14(1) VEX not_affected rules it out", []match.Finding{gone}, false},
		{"Art14(1) no findings", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := evalArt14Trigger(&Facts{Scan: &match.Result{Findings: tc.findings}})
			if !tc.applies {
				if len(out) != 0 {
					t.Fatalf("got %+v, want no outcome", out)
				}
				return
			}
			if len(out) != len(art14VulnReports) {
				t.Fatalf("got %d outcomes, want one per report", len(out))
			}
			for i, o := range out {
				if !o.Applies || o.Status != "" || o.IDs[0] != art14VulnReports[i] || !strings.Contains(o.Reason, "CVE-2024-1086") {
					t.Errorf("outcome %+v", o)
				}
			}
		})
	}
	if out := evalArt14Trigger(&Facts{}); out != nil {
		t.Errorf("no scan: %+v", out)
	}
}

// TestDecidesApplies: a conditional requirement decides the verdict once a
// check showed its condition holds, even while unknown.
func TestDecidesApplies(t *testing.T) {
	r := RequirementResult{Obligation: "conditional", Status: Unknown}
	if decides(r) {
		t.Error("an unknown conditional requirement nobody showed to apply decides")
	}
	r.Applies = true
	if !decides(r) {
		t.Error("an applying conditional requirement does not decide")
	}
}
