package match

import (
	"strings"

	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/purl"
)

// Query is what a component is looked up and compared by: an OSV ecosystem
// (possibly with a release suffix such as "Debian:12" or "Alpine:v3.18"), the
// package name as that ecosystem spells it, and the version.
type Query struct {
	Ecosystem string
	Name      string
	Version   string
	// Distro is true for operating-system packages (deb, apk, rpm): they are
	// never matched against upstream CPE versions.
	Distro bool
	// Repo is a source repository URL (GitHub purls, vcs_url qualifiers) for
	// matching GIT ranges.
	Repo string
}

// Reasons a component cannot be matched; they are the keys of
// Summary.NotMatchable.
const (
	ReasonNoIdentifier     = "no identifier"
	ReasonUnknownEcosystem = "unknown ecosystem"
	ReasonNoVersion        = "no version"
	ReasonBadVersion       = "unparseable version"
	ReasonBadPURL          = "unparseable purl"
	// ReasonNoData: the component names an identity (a CPE, a firmware
	// identity, a repository) that no record in the database covers.
	ReasonNoData = "no advisory data for its identity"
)

var debianCodenames = map[string]string{
	"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2", "woody": "3.0",
	"sarge": "3.1", "etch": "4", "lenny": "5", "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9",
	"buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

var simpleTypes = map[string]string{
	"cargo": "crates.io", "gem": "RubyGems", "hackage": "Hackage", "cran": "CRAN", "pub": "Pub",
	"hex": "Hex", "nuget": "NuGet", "bitnami": "Bitnami", "conan": "ConanCenter", "swift": "SwiftURL",
	"julia": "Julia",
}

// QueryFromPURL maps a package URL to the OSV ecosystem, name and version it
// is looked up by. The error is one of the Reason* strings when the purl
// names no ecosystem OSV knows.
func QueryFromPURL(s string) (Query, string) {
	if q, ok := quickQuery(s); ok {
		return q, ""
	}
	p, err := purl.ParseLenient(s)
	if err != nil {
		return Query{}, ReasonBadPURL
	}
	if p.Type == "alpine" {
		// older syft writes pkg:alpine/name: the apk type, Alpine namespace
		p.Type, p.Namespace = "apk", "alpine"
	}
	q := Query{Version: p.Version}
	join := func(sep string) string {
		if p.Namespace == "" {
			return p.Name
		}
		return p.Namespace + sep + p.Name
	}
	switch p.Type {
	case "golang":
		q.Ecosystem, q.Name = "Go", join("/")
		if q.Name == "stdlib" {
			// syft records the Go toolchain as pkg:golang/stdlib@go1.21.0
			q.Version = strings.TrimPrefix(q.Version, "go")
		}
	case "npm":
		q.Ecosystem, q.Name = "npm", join("/")
	case "pypi":
		q.Ecosystem, q.Name = "PyPI", p.Name
	case "maven":
		q.Ecosystem, q.Name = "Maven", join(":")
	case "composer":
		q.Ecosystem, q.Name = "Packagist", strings.ToLower(join("/"))
	case "swift":
		q.Ecosystem, q.Name = "SwiftURL", join("/")
	case "github":
		q.Repo = "https://github.com/" + strings.ToLower(join("/"))
		return q, ""
	case "deb":
		q.Distro = true
		q.Name = sourceName(p)
		switch strings.ToLower(p.Namespace) {
		case "debian":
			q.Ecosystem = "Debian" + debianRelease(p.Qualifier("distro"))
		case "ubuntu":
			q.Ecosystem = "Ubuntu" + ubuntuRelease(p.Qualifier("distro"))
		default:
			return q, ReasonUnknownEcosystem
		}
	case "apk":
		q.Distro = true
		q.Name = sourceName(p)
		switch strings.ToLower(p.Namespace) {
		case "alpine":
			q.Ecosystem = "Alpine" + alpineRelease(p.Qualifier("distro"))
		case "wolfi":
			q.Ecosystem = "Wolfi"
		case "chainguard":
			q.Ecosystem = "Chainguard"
		default:
			return q, ReasonUnknownEcosystem
		}
	case "rpm":
		q.Distro = true
		q.Name = sourceName(p)
		if e := p.Qualifier("epoch"); e != "" && e != "0" && !strings.Contains(q.Version, ":") {
			q.Version = e + ":" + q.Version
		}
		base, ok := rpmVendors[strings.ToLower(p.Namespace)]
		if !ok {
			return q, ReasonUnknownEcosystem
		}
		q.Ecosystem = base + rpmRelease(base, p.Qualifier("distro"))
	default:
		eco, ok := simpleTypes[p.Type]
		if !ok {
			if vcs := p.Qualifier("vcs_url"); vcs != "" {
				q.Repo = NormalizeRepo(vcs)
				return q, ""
			}
			return q, ReasonUnknownEcosystem
		}
		q.Ecosystem, q.Name = eco, p.Name
		if eco == "SwiftURL" {
			q.Name = join("/")
		}
	}
	if vcs := p.Qualifier("vcs_url"); vcs != "" {
		q.Repo = NormalizeRepo(vcs)
	}
	return q, ""
}

var rpmVendors = map[string]string{
	"almalinux": "AlmaLinux", "redhat": "Red Hat", "rocky": "Rocky Linux", "rockylinux": "Rocky Linux",
	"opensuse": "openSUSE", "suse": "SUSE", "sles": "SUSE", "mageia": "Mageia", "openeuler": "openEuler",
}

// sourceName is the source package a binary distro package was built from:
// OSV distro records are keyed by source package.
func sourceName(p purl.PURL) string {
	for _, k := range []string{"upstream", "source", "srcname"} {
		if v := p.Qualifier(k); v != "" {
			// "openssl@1.1.1" or "openssl 1.1.1" forms carry a version
			if i := strings.IndexAny(v, "@ "); i > 0 {
				v = v[:i]
			}
			return v
		}
	}
	return p.Name
}

// debianRelease turns "debian-12", "12", "bookworm" or "debian-12.4" into ":12".
func debianRelease(distro string) string {
	d := strings.ToLower(strings.TrimPrefix(strings.ToLower(distro), "debian-"))
	if v, ok := debianCodenames[d]; ok {
		return ":" + v
	}
	if d == "" {
		return ""
	}
	if i := strings.IndexByte(d, '.'); i > 0 {
		d = d[:i]
	}
	return ":" + d
}

// ubuntuRelease turns "ubuntu-22.04" into ":22.04".
func ubuntuRelease(distro string) string {
	d := strings.TrimPrefix(strings.ToLower(distro), "ubuntu-")
	if d == "" {
		return ""
	}
	return ":" + d
}

// alpineRelease turns "alpine-3.18.4" or "3.18" into ":v3.18".
func alpineRelease(distro string) string {
	d := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(distro), "alpine-"), "v")
	if d == "" {
		return ""
	}
	parts := strings.SplitN(d, ".", 3)
	if len(parts) >= 2 {
		return ":v" + parts[0] + "." + parts[1]
	}
	return ":v" + d
}

// rpmRelease turns "almalinux-9.2" or "el9" into ":9" (AlmaLinux/Rocky).
func rpmRelease(base, distro string) string {
	d := strings.ToLower(distro)
	if i := strings.LastIndexByte(d, '-'); i >= 0 {
		d = d[i+1:]
	}
	d = strings.TrimPrefix(d, "el")
	if d == "" {
		return ""
	}
	switch base {
	case "AlmaLinux", "Rocky Linux", "Red Hat":
		if i := strings.IndexByte(d, '.'); i > 0 {
			d = d[:i]
		}
	}
	return ":" + d
}

// NormalizeRepo reduces a repository URL to the form GIT ranges are
// indexed and compared in: ident.NormalizeRepo ("github.com/madler/zlib":
// no scheme, user info, "www.", ".git" or trailing slash, lower case).
func NormalizeRepo(u string) string { return ident.NormalizeRepo(u) }

// quickQuery maps the common purl shapes without escapes, qualifiers or
// subpath (most of a large SBOM) by slicing the string, without the
// allocations of a full parse. ok is false for anything else.
func quickQuery(s string) (Query, bool) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok || strings.ContainsAny(rest, "%?#") || strings.HasSuffix(rest, "/") {
		// escapes, qualifiers, subpaths and trailing slashes (which the
		// parser trims before reading the version) take the full parse
		return Query{}, false
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok {
		return Query{}, false
	}
	at := strings.LastIndexByte(path, '@')
	if at <= 0 {
		return Query{}, false
	}
	name, version := path[:at], path[at+1:]
	if strings.IndexByte(version, '/') >= 0 {
		// "lodash@/", "lodash@1.0/", "lodash@/1.0": the parser decides
		// (a trailing slash is stripped, a '/' before the version makes
		// the '@' part of the namespace)
		return Query{}, false
	}
	slash := strings.LastIndexByte(name, '/')
	switch typ {
	case "golang":
		if name == "stdlib" {
			version = strings.TrimPrefix(version, "go")
		}
		return Query{Ecosystem: "Go", Name: name, Version: version}, true
	case "npm":
		return Query{Ecosystem: "npm", Name: name, Version: version}, true
	case "pypi", "cargo", "hackage", "cran", "nuget", "gem", "pub", "hex":
		if slash >= 0 {
			return Query{}, false
		}
		eco := simpleTypes[typ]
		if typ == "pypi" {
			eco = "PyPI"
		}
		return Query{Ecosystem: eco, Name: name, Version: version}, true
	case "maven":
		if slash <= 0 || strings.IndexByte(name[:slash], '/') >= 0 {
			return Query{}, false
		}
		return Query{Ecosystem: "Maven", Name: name[:slash] + ":" + name[slash+1:], Version: version}, true
	}
	return Query{}, false
}
