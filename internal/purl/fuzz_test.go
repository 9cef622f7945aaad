package purl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// FuzzNormalize checks that Normalize never panics and that its output is a
// fixed point: normalising a canonical purl returns it unchanged.
func FuzzNormalize(f *testing.F) {
	root := testdata.Path(f, "purl/purl-spec/tests")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var suite struct{ Tests []specCase }
		if json.Unmarshal(data, &suite) != nil {
			continue
		}
		for _, c := range suite.Tests {
			var s string
			if json.Unmarshal(c.Input, &s) == nil {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Normalize(s)
		if err != nil {
			return
		}
		n2, err := Normalize(n)
		if err != nil {
			t.Fatalf("Normalize(%q) = %q, which does not parse again: %v", s, n, err)
		}
		if n2 != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, n2)
		}
	})
}

func TestNormalizeTable(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"pkg:npm/%40angular/core@12.0.0", "pkg:npm/%40angular/core@12.0.0", ""},
		{"pkg:PyPI/Django_Rest@1.0", "pkg:pypi/django-rest@1.0", ""},
		{"pkg:golang/github.com/Foo/Bar@v1.2.3", "pkg:golang/github.com/Foo/Bar@v1.2.3", ""},
		{"pkg:deb/Debian/OpenSSL@3.0?arch=amd64&distro=", "pkg:deb/debian/openssl@3.0?arch=amd64", ""},
		{"pkg:maven/log4j@1", "", "namespace"},
		{"npm/foo@1", "", "scheme"},
		{"pkg:maven/org.x/y?a=1&a=2", "", "qualifiers"},
	}
	for _, c := range cases {
		got, err := Normalize(c.in)
		if c.err != "" {
			var pe *Error
			if err == nil || !asError(err, &pe) || pe.Field != c.err {
				t.Errorf("Normalize(%q) = %q, %v; want %s error", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func asError(err error, pe **Error) bool {
	e, ok := err.(*Error)
	*pe = e
	return ok
}
