package advisory

import (
	"testing"
	"time"
)

func TestMemDBLookups(t *testing.T) {
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	records := []*Record{
		{ID: "PYSEC-1", Modified: old, Summary: "old", Affected: []Affected{{Package: &Package{Ecosystem: "PyPI", Name: "Django_Rest"}}}},
		{ID: "PYSEC-1", Modified: old.Add(time.Hour), Summary: "new", Affected: []Affected{{Package: &Package{Ecosystem: "PyPI", Name: "Django_Rest"}}}},
		{ID: "ALSA-1", Modified: old, Affected: []Affected{{Package: &Package{Ecosystem: "AlmaLinux:8", Name: "openssl"}}}},
		{ID: "ALSA-2", Modified: old, Affected: []Affected{{Package: &Package{Ecosystem: "AlmaLinux:9", Name: "openssl"}}}},
		{ID: "BIT-1", Modified: old, DatabaseSpecific: []byte(`{"cpes":["cpe:2.3:a:apache:solr:*:*:*:*:*:*:*:*"]}`),
			Affected: []Affected{{Package: &Package{Ecosystem: "Bitnami", Name: "solr"}}}},
		{ID: "OSV-1", Modified: old, Affected: []Affected{{Package: &Package{Ecosystem: "OSS-Fuzz", Name: "zlib"},
			Ranges: []Range{{Type: "GIT", Repo: "https://github.com/madler/zlib.git", Events: []Event{{Introduced: "0"}}}}}}},
	}
	db := NewMemDB(records, []KEVEntry{{CVE: "CVE-2021-44228", Product: "Log4j2"}},
		map[string]EPSSScore{"CVE-2021-44228": {Score: 0.9, Percentile: 0.99}})
	ids := func(rs []*Record, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID+"/"+r.Summary)
		}
		return out
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"pypi normalised, newest wins", ids(db.Lookup("pypi", "django.rest")), []string{"PYSEC-1/new"}},
		{"bare ecosystem: all releases", ids(db.Lookup("AlmaLinux", "openssl")), []string{"ALSA-1/", "ALSA-2/"}},
		{"release suffix filters", ids(db.Lookup("AlmaLinux:9", "openssl")), []string{"ALSA-2/"}},
		{"cpe", ids(db.LookupCPE("Apache", "SOLR")), []string{"BIT-1/"}},
		{"repo", ids(db.LookupRepo("git@github.com:madler/zlib")), []string{"OSV-1/"}},
		{"miss", ids(db.Lookup("Go", "example.com/none")), nil},
	}
	for _, tt := range tests {
		if len(tt.got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
			continue
		}
		for i := range tt.got {
			if tt.got[i] != tt.want[i] {
				t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
			}
		}
	}
	if e, ok := db.KEV("cve-2021-44228"); !ok || e.Product != "Log4j2" {
		t.Errorf("KEV = %+v, %v", e, ok)
	}
	if _, ok := db.KEV("CVE-2000-0001"); ok {
		t.Error("KEV of an unlisted CVE reported ok")
	}
	if s, ok := db.EPSS("CVE-2021-44228"); !ok || s.Score != 0.9 {
		t.Errorf("EPSS = %+v, %v", s, ok)
	}
	if st := db.Status(); st.Records != 5 || st.Ecosystems["AlmaLinux"] != 2 {
		t.Errorf("Status = %+v", st)
	}
}
