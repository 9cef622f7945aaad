package sbom

import (
	"strings"

	"github.com/dualmark/dualmark/internal/cpe"
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
func splitCPE(name string) (vendor, product, version string, ok bool) {
	n, ok := cpe.Parse(name)
	if !ok {
		return "", "", "", false
	}
	concrete := func(v string) string {
		if cpe.Concrete(v) {
			return v
		}
		return ""
	}
	vendor, product, version = concrete(n.Vendor), concrete(n.Product), concrete(n.Version)
	return vendor, product, version, product != ""
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
