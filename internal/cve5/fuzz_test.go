package cve5

import (
	"os"
	"testing"
)

// FuzzParse feeds mutations of real records to Parse and, for those that
// parse, asks every entry for a status: nothing may panic.
func FuzzParse(f *testing.F) {
	for _, id := range []string{"CVE-2024-1086", "CVE-2024-36971", "CVE-2024-5535", "CVE-2023-0872", "CVE-2022-1438", "CVE-1999-0084", "CVE-2016-2105"} {
		f.Add(stagedRecord(f, id))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not a *cve5.Error: %v", err, err)
			}
			return
		}
		for _, v := range []string{"4.4.94", "1.1.1w", "a87cb3e48ee8", "0", "*"} {
			r.Decide(nil, v)
		}
	})
}

// FuzzCompare checks that Compare never panics and is antisymmetric.
func FuzzCompare(f *testing.F) {
	for _, s := range [][3]string{{"custom", "1.1.1w", "1.1.1za"}, {"custom", "4.19.*", "4.19.316"}, {"semver", "1.2.3-rc1", "1.2"},
		{"rpm", "0:18.0.6-1.el7", "18.0.5"}, {"maven", "1.0-alpha", "1.0"}, {"python", "1!3.13.0a2", "3.13"}, {"git", "a87cb3e48ee8", "A87CB3E"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, vt, a, b string) {
		c, err := Compare(vt, a, b)
		back, err2 := Compare(vt, b, a)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Compare(%q, %q, %q): error %v one way, %v the other", vt, a, b, err, err2)
		}
		if err == nil && c != -back {
			t.Fatalf("Compare(%q, %q, %q) = %d, reversed %d", vt, a, b, c, back)
		}
	})
}

// FuzzParseNVD feeds mutations of the NVD test documents to ParseNVD.
func FuzzParseNVD(f *testing.F) {
	for _, name := range []string{"testdata/nvd-response.json", "testdata/nvd-single.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := ParseNVD(data)
		for _, r := range recs {
			r.Decide(nil, "5.15.148")
		}
	})
}
