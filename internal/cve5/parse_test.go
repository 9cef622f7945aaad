package cve5

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParseRealRecord pins the fields Parse reads from a real record with
// a CNA and two ADP containers (CVE-2024-1086: CVSS 3.1 from the CNA, SSVC
// from CISA's ADP, a CWE, references of both).
func TestParseRealRecord(t *testing.T) {
	r := mustParse(t, "CVE-2024-1086")
	if r.ID != "CVE-2024-1086" || r.State != "PUBLISHED" || r.Assigner != "Google" {
		t.Errorf("id/state/assigner = %q %q %q", r.ID, r.State, r.Assigner)
	}
	if !r.DatePublished.Equal(time.Date(2024, 1, 31, 12, 14, 34, 73e6, time.UTC)) || r.DateUpdated.IsZero() {
		t.Errorf("dates = %v, %v", r.DatePublished, r.DateUpdated)
	}
	if !strings.Contains(r.Title, "nf_tables") || !strings.HasPrefix(r.Description, "A use-after-free vulnerability") {
		t.Errorf("title/description = %q / %.40q", r.Title, r.Description)
	}
	if len(r.Containers) != 3 || r.Containers[0].Kind != KindCNA || r.Containers[1].Kind != KindADP || r.Containers[2].Provider != "CISA-ADP" {
		t.Fatalf("containers = %+v", r.Containers)
	}
	cna, cisa := r.Containers[0], r.Containers[2]
	if len(cna.Metrics) != 1 || cna.Metrics[0] != (Metric{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.8, Severity: "high"}) {
		t.Errorf("CNA metrics = %+v", cna.Metrics)
	}
	if len(cna.CWEs) != 1 || cna.CWEs[0] != "CWE-416" {
		t.Errorf("CWEs = %q", cna.CWEs)
	}
	p := cna.Affected[0]
	if p.Vendor != "Linux" || p.Product != "Kernel" || p.PackageName != "kernel" || p.Repo != "https://git.kernel.org" || p.DefaultStatus != "unaffected" {
		t.Errorf("CNA product = %+v", p)
	}
	if v := p.Versions[0]; !reflect.DeepEqual(v, Version{Version: "3.15", Status: "affected", VersionType: "custom", LessThan: "6.8"}) {
		t.Errorf("CNA version = %+v", v)
	}
	if cisa.SSVC == nil || *cisa.SSVC != (SSVC{Exploitation: "active", Automatable: "no", TechnicalImpact: "total"}) {
		t.Errorf("SSVC = %+v", cisa.SSVC)
	}
	if a := cisa.Affected[0]; a.Vendor != "linux" || a.Product != "linux_kernel" || len(a.CPEs) != 1 {
		t.Errorf("ADP product = %+v", a)
	}
	if len(r.References) != 14 {
		t.Errorf("%d references, want the CNA's 14 (the ADP repeats them)", len(r.References))
	}
}

// TestParseRejected: a REJECTED record parses, keeps its reason as the
// description and has no affected products.
func TestParseRejected(t *testing.T) {
	var id string
	for _, rel := range stagedFiles[:1] {
		eachLine(t, rel, func(_ int, b []byte) {
			if id == "" && strings.Contains(string(b), `"state":"REJECTED"`) {
				r, err := Parse(b)
				if err != nil {
					t.Fatalf("rejected record: %v", err)
				}
				id = r.ID
				if r.State != "REJECTED" || r.Description == "" || r.DateUpdated.IsZero() {
					t.Errorf("%s: state %q, description %q, updated %v", r.ID, r.State, r.Description, r.DateUpdated)
				}
				for _, c := range r.Containers {
					if len(c.Affected) > 0 {
						t.Errorf("%s: rejected record keeps affected products", r.ID)
					}
				}
			}
		})
	}
	if id == "" {
		t.Fatal("no REJECTED record in the staged data")
	}
}

// edit returns the real record id with a change applied to its decoded
// JSON, for the bad-input table.
func edit(t *testing.T, id string, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(stagedRecord(t, id), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cnaVersions(m map[string]any) []any {
	cna := m["containers"].(map[string]any)["cna"].(map[string]any)
	return cna["affected"].([]any)[0].(map[string]any)["versions"].([]any)
}

// TestParseBadInput: every failure names the record id and the field.
func TestParseBadInput(t *testing.T) {
	const id = "CVE-2024-5535"
	tests := []struct {
		name     string
		doc      []byte
		wantID   string
		wantPath string
		notRec   bool
	}{
		{"not JSON", []byte(`{"cveMetadata": {"cveId": "CVE-1-1"`), "", "", false},
		{"disputed list", []byte(`{"disputed": [{"cve": "CVE-2010-0928"}], "statements": []}`), "", "", true},
		{"missing cveMetadata", edit(t, id, func(m map[string]any) { delete(m, "cveMetadata") }), "", "/cveMetadata", false},
		{"bad id", edit(t, id, func(m map[string]any) { m["cveMetadata"].(map[string]any)["cveId"] = "CVE-24-1" }), "CVE-24-1", "/cveMetadata/cveId", false},
		{"wrong type", edit(t, id, func(m map[string]any) { cnaVersions(m)[0].(map[string]any)["lessThan"] = 3.3 }), id, "/containers/cna/affected/versions/lessThan", false},
		{"range without versionType", edit(t, id, func(m map[string]any) { delete(cnaVersions(m)[1].(map[string]any), "versionType") }), id, "/containers/cna/affected/0/versions/1/versionType", false},
		{"bad change status", edit(t, id, func(m map[string]any) {
			cnaVersions(m)[2].(map[string]any)["changes"] = []any{map[string]any{"at": "3.0.5", "status": "fixed"}}
		}), id, "/containers/cna/affected/0/versions/2/changes/0/status", false},
		{"bad status", edit(t, id, func(m map[string]any) { cnaVersions(m)[0].(map[string]any)["status"] = "vulnerable" }), id, "/containers/cna/affected/0/versions/0/status", false},
		{"bad state", edit(t, id, func(m map[string]any) { m["cveMetadata"].(map[string]any)["state"] = "RESERVED" }), id, "/cveMetadata/state", false},
		{"no CNA", edit(t, id, func(m map[string]any) { delete(m["containers"].(map[string]any), "cna") }), id, "/containers/cna", false},
		{"CVE 4 record", edit(t, id, func(m map[string]any) { m["dataVersion"] = "4.0" }), id, "/dataVersion", false},
		{"bad date", edit(t, "CVE-2024-1086", func(m map[string]any) { m["cveMetadata"].(map[string]any)["dateUpdated"] = "yesterday" }), "CVE-2024-1086", "/cveMetadata/dateUpdated", false},
		{"oversized", append([]byte(`{"cveMetadata":{"cveId":"CVE-2024-0001"}, "x": "`), make([]byte, MaxRecordBytes)...), "CVE-2024-0001", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *cve5.Error", err)
			}
			if pe.ID != tt.wantID || pe.Path != tt.wantPath {
				t.Errorf("error %q names id %q path %q; want %q %q", err, pe.ID, pe.Path, tt.wantID, tt.wantPath)
			}
			if got := strings.HasPrefix(pe.Reason, ErrNotRecord.Error()); got != tt.notRec {
				t.Errorf("not-a-record = %v, want %v (%v)", got, tt.notRec, err)
			}
		})
	}
}

// TestParseBadBound: a bound that does not parse in its versionType is a
// warning naming the record and the field; the record is kept and the item
// answers nothing.
func TestParseBadBound(t *testing.T) {
	const id = "CVE-2024-5535"
	tests := []struct {
		name     string
		doc      []byte
		wantPath string
	}{
		{"lessThan not semver", edit(t, id, func(m map[string]any) { cnaVersions(m)[2].(map[string]any)["lessThan"] = "n/a" }), "/containers/cna/affected/0/versions/2/lessThan"},
		{"lessThanOrEqual not semver", edit(t, id, func(m map[string]any) {
			v := cnaVersions(m)[2].(map[string]any)
			delete(v, "lessThan")
			v["lessThanOrEqual"] = "<= 3.0.14"
		}), "/containers/cna/affected/0/versions/2/lessThanOrEqual"},
		{"change not semver", edit(t, id, func(m map[string]any) {
			cnaVersions(m)[2].(map[string]any)["changes"] = []any{map[string]any{"at": "3.0 SP1", "status": "unaffected"}}
		}), "/containers/cna/affected/0/versions/2/changes/0/at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.doc)
			if err != nil {
				t.Fatalf("Parse: %v, want the record kept", err)
			}
			if len(r.Warnings) != 1 || r.Warnings[0].ID != id || r.Warnings[0].Path != tt.wantPath {
				t.Fatalf("warnings %v, want one for %s %s", r.Warnings, id, tt.wantPath)
			}
			p := &r.Containers[0].Affected[0]
			if !p.Versions[2].malformed() {
				t.Errorf("item 2 is not malformed")
			}
		})
	}
}
