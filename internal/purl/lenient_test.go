package purl

import (
	"errors"
	"testing"
)

// TestParseLenient pins the lenient mode matching and VEX use: case kept,
// everything unescaped, qualifier keys folded, errors only for what names
// no package.
func TestParseLenient(t *testing.T) {
	tests := []struct {
		in                     string
		typ, ns, name, version string
		distro, vcs, subpath   string
		badField               string
	}{
		{in: "pkg:golang/github.com/BurntSushi/toml@v1.3.2", typ: "golang", ns: "github.com/BurntSushi", name: "toml", version: "v1.3.2"},
		{in: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&DISTRO=debian-12", typ: "deb", ns: "debian", name: "libssl3", version: "3.0.11-1~deb12u2", distro: "debian-12"},
		{in: "pkg:GitHub/curl/curl@curl-8_4_0?vcs_url=git%2Bhttps://github.com/curl/curl.git", typ: "github", ns: "curl", name: "curl", version: "curl-8_4_0", vcs: "git+https://github.com/curl/curl.git"},
		{in: "pkg://npm/%40angular/core@16.0.0#/lib/", typ: "npm", ns: "@angular", name: "core", version: "16.0.0", subpath: "lib"},
		{in: "pkg:golang/k8s.io/api@v0.0.0%2Bincompatible", typ: "golang", ns: "k8s.io", name: "api", version: "v0.0.0+incompatible"},
		{in: "pkg:generic/openssl@1.1.1w?distro=a&distro=b", typ: "generic", name: "openssl", version: "1.1.1w", distro: "a"},
		{in: "npm/left-pad@1", badField: "scheme"},
		{in: "pkg:npm", badField: "type"},
		{in: "pkg:npm/@1.0", badField: "name"},
		{in: "pkg:npm/a%zz@1", badField: "name"},
		{in: "pkg:npm/a@1%zz", badField: "version"},
	}
	for _, tt := range tests {
		p, err := ParseLenient(tt.in)
		if tt.badField != "" {
			var e *Error
			if !errors.As(err, &e) || e.Field != tt.badField {
				t.Errorf("ParseLenient(%q) = %+v, %v; want an error in %s", tt.in, p, err, tt.badField)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLenient(%q): %v", tt.in, err)
			continue
		}
		if p.Type != tt.typ || p.Namespace != tt.ns || p.Name != tt.name || p.Version != tt.version ||
			p.Qualifier("distro") != tt.distro || p.Qualifier("vcs_url") != tt.vcs || p.Subpath != tt.subpath {
			t.Errorf("ParseLenient(%q) = %+v", tt.in, p)
		}
	}
}

// TestSamePackage: type, namespace and name, ignoring case, versions,
// qualifiers and subpaths.
func TestSamePackage(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"pkg:npm/lodash@4.17.21", "pkg:npm/lodash", true},
		{"pkg:maven/org.Apache/Log4j@2.0?type=jar", "pkg:maven/org.apache/log4j@2.17.1", true},
		{"pkg:npm/lodash", "pkg:npm/lodash-es", false},
		{"pkg:npm/lodash", "pkg:pypi/lodash", false},
		{"pkg:npm/%40scope/x", "pkg:npm/@scope/x@1", true},
		{"not a purl", "NOT A PURL", true},
		{"not a purl", "pkg:npm/x", false},
	}
	for _, tt := range tests {
		if got := SamePackage(tt.a, tt.b); got != tt.want {
			t.Errorf("SamePackage(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
