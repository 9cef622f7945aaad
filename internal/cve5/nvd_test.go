package cve5

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The NVD documents in testdata are written by hand to the NVD CVE API 2.0
// schema (the NVD is not staged): see testdata/README.md.
func readNVD(t *testing.T, name string) ([]*Record, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return ParseNVD(data)
}

func TestParseNVD(t *testing.T) {
	recs, err := readNVD(t, "nvd-response.json")
	var pe *Error
	if !errors.As(err, &pe) || pe.ID != "CVE-2099-0004" || pe.Path != "/vulnerabilities/3/cve/configurations/0/nodes/0/cpeMatch/0/vulnerable" {
		t.Errorf("error = %v, want CVE-2099-0004's missing vulnerable", err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3 (the broken one left out)", len(recs))
	}
	k, win, rej := recs[0], recs[1], recs[2]
	if k.ID != "CVE-2099-0001" || k.State != "PUBLISHED" || !strings.HasPrefix(k.Description, "A test document") || len(k.References) != 1 || k.DateUpdated.Month() != 2 {
		t.Errorf("record = %+v", k)
	}
	c := k.Containers[0]
	if c.Kind != KindNVD || c.Provider != "NVD" || len(c.Metrics) != 3 || c.Metrics[0].Score != 7.1 || c.Metrics[2].Severity != "high" || !reflect.DeepEqual(c.CWEs, []string{"CWE-416"}) {
		t.Errorf("container = %+v", c)
	}
	if rej.State != "REJECTED" || len(rej.Containers[0].Affected) != 0 {
		t.Errorf("rejected = %+v", rej)
	}
	tests := []struct {
		rec     *Record
		version string
		status  string
		fixed   []string
	}{
		{k, "3.14", StatusUnaffected, nil},
		{k, "3.15", StatusAffected, []string{"5.15.149"}}, // versionStartIncluding
		{k, "5.15.148", StatusAffected, []string{"5.15.149"}},
		{k, "5.15.149", StatusUnaffected, nil}, // versionEndExcluding
		{k, "5.16", StatusUnaffected, nil},     // versionStartExcluding
		{k, "5.16.1", StatusAffected, nil},
		{k, "6.1.76", StatusAffected, nil}, // versionEndIncluding
		{k, "6.1.77", StatusUnaffected, nil},
		{k, "6.8", StatusUnaffected, nil}, // the criteria names 6.8 update rc1: exact match only
		{k, "6.8-rc1", StatusAffected, nil},
		{win, "3.12.3", StatusAffected, []string{"3.12.4"}},
		{win, "3.12.4", StatusAffected, nil}, // the every-version product of the second configuration (no selection)
	}
	for _, tt := range tests {
		d := tt.rec.Decide(nil, tt.version)
		if d.Status != tt.status || !reflect.DeepEqual(d.Fixed, tt.fixed) || d.Status != StatusUnknown && d.Container != KindNVD {
			t.Errorf("%s @ %s = %s (fixed %q, by %q); want %s (fixed %q)", tt.rec.ID, tt.version, d.Status, d.Fixed, d.Container, tt.status, tt.fixed)
		}
	}
	py := win.Containers[0].Affected[0]
	if py.Vendor != "python" || py.Product != "python" || !reflect.DeepEqual(py.Platforms, []string{"microsoft:windows"}) {
		t.Errorf("running-on product = %+v", py)
	}
	if len(win.Containers[0].Affected) != 2 || win.Containers[0].Affected[1].Platforms != nil {
		t.Errorf("the second configuration's product = %+v", win.Containers[0].Affected)
	}
	if len(win.Containers[0].Metrics) != 1 || win.Containers[0].Metrics[0].Version != "4.0" {
		t.Errorf("CVSS 4.0 metric = %+v", win.Containers[0].Metrics)
	}
	one, err := readNVD(t, "nvd-single.json")
	if err != nil || len(one) != 1 {
		t.Fatalf("single item: %d records, %v", len(one), err)
	}
	if d := one[0].Decide(nil, "1.1.1w"); d.Status != StatusAffected {
		t.Errorf("exact version: %+v", d)
	}
	if d := one[0].Decide(nil, "1.1.1x"); d.Status != StatusUnaffected {
		t.Errorf("other version: %+v", d)
	}
}

func TestParseNVDBadInput(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not JSON", `{"vulnerabilities": [`, "invalid JSON"},
		{"neither form", `{"resultsPerPage": 0}`, "not an NVD CVE API 2.0 document"},
		{"wrong type", `{"vulnerabilities": [{"cve": {"id": "CVE-2099-0009", "published": 5}}]}`, "CVE-2099-0009: /vulnerabilities/0/cve/published: expected string"},
		{"bad id", `{"vulnerabilities": [{"cve": {"id": "CVE-99"}}]}`, `CVE-99: /vulnerabilities/0/cve/id: "CVE-99" is not a CVE id`},
		{"bad criteria", `{"vulnerabilities": [{"cve": {"id": "CVE-2099-0010", "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": true, "criteria": "linux"}]}]}]}}]}`, `CVE-2099-0010: /vulnerabilities/0/cve/configurations/0/nodes/0/cpeMatch/0/criteria`},
		{"item not an object", `{"vulnerabilities": [7]}`, "/vulnerabilities/0: invalid JSON"},
		{"item without cve", `{"vulnerabilities": [{}]}`, "/vulnerabilities/0/cve: missing"},
	}
	for _, tt := range tests {
		_, err := ParseNVD([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
