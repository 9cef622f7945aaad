package cpe

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Name
		ok   bool
	}{
		{"cpe:2.3:a:apache:solr:8.8.1:*:*:*:*:*:*:*", Name{"a", "apache", "solr", "8.8.1"}, true},
		{`cpe:2.3:a:nodejs:node\.js:14.0.0:*:*:*:*:*:*:*`, Name{"a", "nodejs", "node.js", "14.0.0"}, true},
		{`cpe:2.3:a:x:a\:b:1:*:*:*:*:*:*:*`, Name{"a", "x", "a:b", "1"}, true},
		{"cpe:/a:openssl:openssl:1.1.1k", Name{"a", "openssl", "openssl", "1.1.1k"}, true},
		{"cpe:/a:acme:web%20ui", Name{"a", "acme", "web ui", ""}, true},
		{"cpe:2.3:o:Linux:Linux_Kernel:-", Name{"o", "Linux", "Linux_Kernel", "-"}, true},
		{"cpe:2.3:a:only", Name{}, false},
		{"pkg:npm/left-pad@1.0.0", Name{}, false},
		{"", Name{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestConcrete(t *testing.T) {
	for v, want := range map[string]bool{"": false, "*": false, "-": false, "1.2": true, "openssl": true} {
		if Concrete(v) != want {
			t.Errorf("Concrete(%q) = %v, want %v", v, !want, want)
		}
	}
}

// TestParseFastPath compares Parse's allocation-free reading of CPE 2.3
// strings without escapes with the general split.
func TestParseFastPath(t *testing.T) {
	for _, s := range []string{
		"cpe:2.3:o:linux:linux_kernel:4.4.94:*:*:*:*:*:*:*", "cpe:2.3:a:openssl:openssl", "cpe:2.3:a:v:p",
		"cpe:2.3:a:v", "cpe:2.3:a:v:", "cpe:2.3:a::", "cpe:2.3:", "cpe:2.3:a", "cpe:2.3:a:v:p:1.0",
	} {
		got, ok := Parse(s)
		fields := split23(s[len("cpe:2.3:"):])
		want, wantOK := Name{}, len(fields) >= 3
		if wantOK {
			want = Name{Part: fields[0], Vendor: fields[1], Product: fields[2]}
			if len(fields) > 3 {
				want.Version = fields[3]
			}
		}
		if ok != wantOK || got != want {
			t.Errorf("Parse(%q) = %+v, %v; the split says %+v, %v", s, got, ok, want, wantOK)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Parse("cpe:2.3:o:linux:linux_kernel:4.4.94:*:*:*:*:*:*:*") }); n != 0 {
		t.Errorf("Parse allocates %.0f times", n)
	}
}
