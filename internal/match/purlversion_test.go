package match

import "testing"

// TestQueryVersionSlash is issue 16's "pkg:npm/lodash@/" (matched with
// version "/", two findings): the quick path leaves a version with a '/'
// to the parser, which takes "@/" as no version and refuses a version that
// decodes to slashes or spaces only.
func TestQueryVersionSlash(t *testing.T) {
	tests := []struct {
		in, name, version, reason string
	}{
		{"pkg:npm/lodash@/", "lodash", "", ""},
		{"pkg:npm/lodash@4.17.20/", "lodash", "4.17.20", ""},
		{"pkg:npm/@babel/core@/", "@babel/core", "", ""},
		{"pkg:pypi/django@/", "django", "", ""},
		{"pkg:maven/org.a/b@/", "org.a:b", "", ""},
		{"pkg:npm/lodash@%2F", "", "", ReasonBadPURL},
		{"pkg:npm/lodash@%20", "", "", ReasonBadPURL},
		{"pkg:npm/lodash@4.17.20", "lodash", "4.17.20", ""},
	}
	for _, tt := range tests {
		q, reason := QueryFromPURL(tt.in)
		if q.Name != tt.name || q.Version != tt.version || reason != tt.reason {
			t.Errorf("%q: name %q version %q reason %q; want %q %q %q", tt.in, q.Name, q.Version, reason, tt.name, tt.version, tt.reason)
		}
	}
}
