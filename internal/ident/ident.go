// Package ident is dualmark's one rulebook for identifiers: OSV ecosystem
// spelling, package-name normalisation per ecosystem, repository-URL
// normalisation and the vendor:product key of CPEs and CVE entries. The
// advisory importer and index and the matcher use it alike, so that the
// key a record is stored under is the key matching looks up (issue 11).
//
// It is a leaf: it depends only on cpe.
package ident

import (
	"strings"

	"github.com/dualmark/dualmark/internal/cpe"
)

// ecosystemCase maps the lower-cased name of every OSV ecosystem dualmark
// knows to its canonical spelling (from osv-schema ecosystems.json), so that
// "pypi", "PYPI" and "PyPI" address the same index entries.
var ecosystemCase = map[string]string{}

// ecosystemExact holds the canonical spellings themselves.
var ecosystemExact = map[string]bool{}

func init() {
	for _, e := range []string{
		"AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux", "BellSoft Hardened Containers",
		"Bioconductor", "Bitnami", "Chainguard", "CleanStart", "ConanCenter", "CRAN", "crates.io",
		"Debian", "Docker Hub", "Echo", "GHC", "GitHub Actions", "Go", "Hackage", "Hex", "Julia",
		"Kubernetes", "Linux", "Mageia", "Maven", "MinimOS", "npm", "NuGet", "openEuler",
		"openSUSE", "OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat", "Rocky Linux",
		"RubyGems", "SUSE", "SwiftURL", "Ubuntu", "VSCode", "Wolfi", "GIT",
	} {
		ecosystemCase[strings.ToLower(e)] = e
		ecosystemExact[e] = true
	}
}

// BaseEcosystem returns the canonical spelling of an OSV ecosystem without
// its release suffix: "AlmaLinux:8" → "AlmaLinux", "pypi" → "PyPI",
// "Alpine:v3.18" → "Alpine". Unknown ecosystems are returned trimmed, with
// their case kept.
func BaseEcosystem(ecosystem string) string {
	base, _, _ := strings.Cut(strings.TrimSpace(ecosystem), ":")
	base = strings.TrimSpace(base)
	if ecosystemExact[base] { // the canonical spelling: no lower-casing
		return base
	}
	if c, ok := ecosystemCase[strings.ToLower(base)]; ok {
		return c
	}
	return base
}

// NormalizeName returns the form of a package name under which the database
// indexes it, following each ecosystem's own equivalence rules:
//
//   - PyPI: PEP 503 (lower case; runs of '-', '_' and '.' become one '-');
//   - Maven: "group:artifact" ("group/artifact" as in a purl is accepted);
//   - NuGet, Packagist, Bitnami, GitHub Actions, crates.io, Pub, Hex:
//     case-insensitive, so lower case;
//   - Go, npm, RubyGems, Hackage, CRAN, distributions and everything else:
//     case-sensitive, only surrounding space is removed. Go module paths in
//     particular are never folded (github.com/Foo/bar ≠ github.com/foo/bar).
func NormalizeName(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	switch BaseEcosystem(ecosystem) {
	case "PyPI":
		return pep503(name)
	case "Maven":
		if !strings.Contains(name, ":") {
			if g, a, ok := strings.Cut(name, "/"); ok {
				return g + ":" + a
			}
		}
		return name
	case "NuGet", "Packagist", "Bitnami", "GitHub Actions", "crates.io", "Pub", "Hex":
		return strings.ToLower(name)
	}
	return name
}

// pep503 normalises a Python distribution name as PEP 503 does.
func pep503(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteByte(c)
	}
	return b.String()
}

// NormalizeRepo returns the form of a source repository URL under which GIT
// ranges are indexed: no scheme, user info, "www.", ".git" suffix or trailing
// slash, all lower case ("https://github.com/Madler/zlib.git" →
// "github.com/madler/zlib"). Hosting services treat repository paths
// case-insensitively, and so does the index.
func NormalizeRepo(url string) string {
	u := strings.ToLower(strings.TrimSpace(url))
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u = strings.TrimPrefix(u, "git+")
	if at := strings.IndexByte(u, '@'); at >= 0 && at < strings.IndexAny(u+"/", "/") {
		u = u[at+1:] // user info
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimPrefix(u, "www.")
	// scp-like form git@host:path
	if h, p, ok := strings.Cut(u, ":"); ok && !strings.Contains(h, "/") && !isPort(p) {
		u = h + "/" + p
	}
	u = strings.TrimRight(u, "/")
	u = strings.TrimSuffix(u, ".git")
	return strings.TrimRight(u, "/")
}

// isPort reports whether p starts with a port number followed by a path.
func isPort(p string) bool {
	n := 0
	for n < len(p) && p[n] >= '0' && p[n] <= '9' {
		n++
	}
	return n > 0 && (n == len(p) || p[n] == '/')
}

// CPE is the part of a CPE name the index and matching use.
type CPE struct {
	Part, Vendor, Product, Version string
}

// ParseCPE reads a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:1.2:...")
// or a CPE 2.2 URI ("cpe:/a:vendor:product:1.2"), trimmed, its "cpe:"
// prefix in any case. Vendor and product are lower-cased; escapes ("\:"
// etc.) are removed. It reports false when either is empty or ANY ("*").
func ParseCPE(name string) (CPE, bool) {
	s := strings.TrimSpace(name)
	if len(s) >= 4 && s[:4] != "cpe:" && strings.EqualFold(s[:4], "cpe:") {
		s = "cpe:" + s[4:]
	}
	n, ok := cpe.Parse(s)
	c := CPE{Part: n.Part, Vendor: strings.ToLower(n.Vendor), Product: strings.ToLower(n.Product), Version: n.Version}
	if !ok || c.Vendor == "" || c.Product == "" || c.Vendor == "*" || c.Product == "*" {
		return CPE{}, false
	}
	return c, true
}

// CPEParts returns the vendor and product of a CPE (ParseCPE), and whether
// the string had both.
func CPEParts(name string) (vendor, product string, ok bool) {
	c, ok := ParseCPE(name)
	return c.Vendor, c.Product, ok
}
