package ident

import "testing"

// TestNormalizeName pins the per-ecosystem rules (the index's and
// matching's alike since issue 11: Hex, Pub, Bitnami and GitHub Actions
// case-insensitive, Maven "g/a" read as "g:a", PEP 503 for PyPI).
func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"Hex", "Phoenix", "phoenix"},
		{"Pub", "HTTP", "http"},
		{"Bitnami", "NGINX", "nginx"},
		{"PyPI", "Flask-SQLAlchemy", "flask-sqlalchemy"},
		{"PyPI", "Django_REST.framework", "django-rest-framework"},
		{"pypi", "  Pillow ", "pillow"},
		{"PyPI", "zope..interface", "zope-interface"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"Maven", "org.apache.logging.log4j/log4j-core", "org.apache.logging.log4j:log4j-core"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"npm", "JSONStream", "JSONStream"},
		{"crates.io", "Serde", "serde"},
		{"AlmaLinux:8", "NetworkManager", "NetworkManager"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}

func TestNormalizeRepo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/madler/zlib.git", "github.com/madler/zlib"},
		{"https://github.com/Madler/zlib/", "github.com/madler/zlib"},
		{"git@github.com:madler/zlib.git", "github.com/madler/zlib"},
		{"git://git.savannah.gnu.org/bash.git", "git.savannah.gnu.org/bash"},
		{"https://www.github.com/curl/curl", "github.com/curl/curl"},
		{"ssh://git@gitlab.com:2222/a/b.git", "gitlab.com:2222/a/b"},
	}
	for _, tt := range tests {
		if got := NormalizeRepo(tt.in); got != tt.want {
			t.Errorf("NormalizeRepo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCPEParts(t *testing.T) {
	tests := []struct {
		in, vendor, product string
		ok                  bool
	}{
		{"cpe:2.3:a:apache:solr:8.8.1:*:*:*:*:*:*:*", "apache", "solr", true},
		{`cpe:2.3:a:nodejs:node\.js:*:*:*:*:*:*:*:*`, "nodejs", "node.js", true},
		{"cpe:/a:OpenSSL:openssl:1.0.2", "openssl", "openssl", true},
		{"cpe:2.3:a:*:*:*", "", "", false},
		{"not a cpe", "", "", false},
	}
	for _, tt := range tests {
		v, p, ok := CPEParts(tt.in)
		if v != tt.vendor || p != tt.product || ok != tt.ok {
			t.Errorf("CPEParts(%q) = %q, %q, %v; want %q, %q, %v", tt.in, v, p, ok, tt.vendor, tt.product, tt.ok)
		}
	}
}

// TestParseCPE: the one CPE reader of the index and matching (trimmed,
// "cpe:" in any case, vendor and product lower case, version as given).
func TestParseCPE(t *testing.T) {
	tests := []struct {
		in   string
		want CPE
		ok   bool
	}{
		{"cpe:2.3:o:linux:linux_kernel:4.4.94:*:*:*:*:*:*:*", CPE{"o", "linux", "linux_kernel", "4.4.94"}, true},
		{"  CPE:2.3:a:OpenSSL:OpenSSL:1.1.1w:*:*:*:*:*:*:* ", CPE{"a", "openssl", "openssl", "1.1.1w"}, true},
		{`cpe:2.3:a:nodejs:node\.js:18.0.0`, CPE{"a", "nodejs", "node.js", "18.0.0"}, true},
		{"cpe:/a:Haxx:curl:7.74.0", CPE{"a", "haxx", "curl", "7.74.0"}, true},
		{"cpe:2.3:a:*:curl:1", CPE{}, false},
		{"curl", CPE{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseCPE(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseCPE(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
