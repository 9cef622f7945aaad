package sbom

import (
	"net/url"
	"strings"

	"github.com/dualmark/dualmark/internal/purl"
)

// normalizePURL returns the canonical form of a package URL.
func normalizePURL(s string) (string, error) { return purl.Normalize(s) }

// derivePURL gives a component without a purl a derived identity from its
// first CPE: pkg:generic/<vendor>/<product>@<version>. The result is marked
// PURLDerived so that consumers know it was not stated by the document.
func derivePURL(c *Component) {
	if c.PURL != "" {
		return
	}
	for _, cpe := range c.CPEs {
		vendor, product, version, ok := splitCPE(cpe)
		if !ok {
			continue
		}
		if version == "" {
			version = c.Version
		}
		p := purl.PURL{Type: "generic", Namespace: vendor, Name: product, Version: version}
		if b, err := purl.Build(p); err == nil {
			c.PURL, c.PURLDerived = b.String(), true
			return
		}
	}
}

// splitCPE returns vendor, product and version of a CPE 2.3 formatted
// string or a CPE 2.2 URI; "*", "-" and "" become "".
func splitCPE(cpe string) (vendor, product, version string, ok bool) {
	var parts []string
	switch {
	case strings.HasPrefix(cpe, "cpe:2.3:"):
		parts = splitCPE23(cpe[len("cpe:2.3:"):])
	case strings.HasPrefix(cpe, "cpe:/"):
		parts = strings.Split(cpe[len("cpe:/"):], ":")
		for i, p := range parts {
			if u, err := url.PathUnescape(p); err == nil {
				parts[i] = u
			}
		}
	default:
		return "", "", "", false
	}
	get := func(i int) string {
		if i >= len(parts) {
			return ""
		}
		v := strings.ReplaceAll(parts[i], `\`, "")
		if v == "*" || v == "-" {
			return ""
		}
		return v
	}
	vendor, product, version = get(1), get(2), get(3)
	return vendor, product, version, product != ""
}

// splitCPE23 splits on ':' not escaped by a backslash.
func splitCPE23(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// purlFromExternalRef derives a purl from an SPDX 2 external reference of
// the PACKAGE-MANAGER category other than "purl": maven-central
// (group:artifact:version), npm (name@version), nuget (name/version) and
// bower (name#version). It returns "" when it cannot.
func purlFromExternalRef(refType, locator string) string {
	var p purl.PURL
	switch strings.ToLower(refType) {
	case "maven-central":
		parts := strings.Split(locator, ":")
		if len(parts) < 2 {
			return ""
		}
		p = purl.PURL{Type: "maven", Namespace: parts[0], Name: parts[1]}
		if len(parts) > 2 {
			p.Version = parts[2]
		}
	case "npm":
		i := strings.LastIndexByte(locator, '@')
		if i <= 0 {
			p = purl.PURL{Type: "npm", Name: locator}
		} else {
			p = purl.PURL{Type: "npm", Name: locator[:i], Version: locator[i+1:]}
		}
		if ns, name, ok := strings.Cut(p.Name, "/"); ok && strings.HasPrefix(ns, "@") {
			p.Namespace, p.Name = ns, name
		}
	case "nuget":
		name, version, _ := strings.Cut(locator, "/")
		p = purl.PURL{Type: "nuget", Name: name, Version: version}
	case "bower":
		name, version, _ := strings.Cut(locator, "#")
		p = purl.PURL{Type: "bower", Name: name, Version: version}
	default:
		return ""
	}
	b, err := purl.Build(p)
	if err != nil {
		return ""
	}
	return b.String()
}
