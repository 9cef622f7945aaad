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
