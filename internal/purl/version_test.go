package purl

import "testing"

// TestVersionSlash is issue 16's "pkg:npm/lodash@/": the specification
// strips the remainder's trailing slashes, so "@/" is no version at all,
// and a version that decodes to nothing but slashes or spaces is refused;
// neither is ever taken as a version to compare.
func TestVersionSlash(t *testing.T) {
	tests := []struct {
		in, want string // want "" : an error
		version  string
	}{
		{"pkg:npm/lodash@/", "pkg:npm/lodash", ""},
		{"pkg:npm/lodash@//", "pkg:npm/lodash", ""},
		{"pkg:npm/lodash@4.17.20/", "pkg:npm/lodash@4.17.20", "4.17.20"},
		{"pkg:npm/%40babel/core@/", "pkg:npm/%40babel/core", ""},
		{"pkg:pypi/django@/", "pkg:pypi/django", ""},
		{"pkg:npm/lodash@%2F", "", ""},
		{"pkg:npm/lodash@%2F%2F", "", ""},
		{"pkg:npm/lodash@%20", "", ""},
		{"pkg:npm/lodash@%20%2F%09", "", ""},
		{"pkg:npm/lodash@", "pkg:npm/lodash", ""},
		{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.20", "4.17.20"},
	}
	for _, tt := range tests {
		for _, parse := range []func(string) (PURL, error){Parse, func(s string) (PURL, error) { return parse(s, false) }} {
			p, err := parse(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("%q: parsed as %q (version %q), want an error", tt.in, p, p.Version)
				}
				continue
			}
			if err != nil || p.String() != tt.want || p.Version != tt.version {
				t.Errorf("%q: %q version %q, %v; want %q version %q", tt.in, p, p.Version, err, tt.want, tt.version)
			}
		}
	}
}
