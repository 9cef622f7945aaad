package vex

import "testing"

// TestProductMatches: a statement's product matches a component purl of
// the same package (purl.SamePackage), at its version or, without one, at
// every version; versions compare unescaped (the former splitPURL
// unescaped only "%2B").
func TestProductMatches(t *testing.T) {
	tests := []struct {
		product, component string
		want               bool
	}{
		{"pkg:golang/golang.org/x/net@v0.17.0", "pkg:golang/golang.org/x/net@v0.17.0", true},
		{"pkg:golang/golang.org/x/net", "pkg:golang/golang.org/x/net@v0.17.0", true},
		{"pkg:golang/golang.org/x/net@v0.17.0", "pkg:golang/golang.org/x/net@v0.23.0", false},
		{"pkg:golang/k8s.io/api@v0.0.0%2Bincompatible", "pkg:golang/k8s.io/api@v0.0.0+incompatible", true},
		{"pkg:deb/debian/libssl3@3.0.11-1%7Edeb12u2", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64", true},
		{"pkg:npm/%40angular/core@16.0.0", "pkg:npm/@angular/core@16.0.0", true},
		{"pkg:npm/lodash@4.17.21", "pkg:npm/lodash-es@4.17.21", false},
		{"", "pkg:npm/lodash", false},
	}
	for _, tt := range tests {
		if got := productMatches(tt.product, tt.component); got != tt.want {
			t.Errorf("productMatches(%q, %q) = %v, want %v", tt.product, tt.component, got, tt.want)
		}
	}
}
