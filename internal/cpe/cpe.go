// Package cpe reads Common Platform Enumeration names: CPE 2.3 formatted
// strings ("cpe:2.3:a:vendor:product:1.2:...") and CPE 2.2 URIs
// ("cpe:/a:vendor:product:1.2"), the identifiers SBOMs and NVD-derived
// advisories use for components without a package URL.
package cpe

import (
	"net/url"
	"strings"
)

// Name holds the attributes of a CPE name that dualmark uses, unescaped and
// in the letter case they were written in. An attribute the name leaves out
// is "".
type Name struct {
	Part, Vendor, Product, Version string
}

// Parse reads a CPE 2.3 formatted string or a CPE 2.2 URI. Backslash escapes
// of the 2.3 form and percent escapes of the 2.2 form are removed. It
// reports false when s is neither form or names no product.
func Parse(s string) (Name, bool) {
	var fields []string
	switch {
	case strings.HasPrefix(s, "cpe:2.3:") && !strings.ContainsRune(s, '\\'):
		// no escapes: the attributes are substrings of s, read without
		// allocating (matching parses every CPE of every record it finds)
		rest := s[len("cpe:2.3:"):]
		var n Name
		var ok1, ok2 bool
		n.Part, rest, ok1 = strings.Cut(rest, ":")
		n.Vendor, rest, ok2 = strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			return Name{}, false
		}
		n.Product, rest, _ = strings.Cut(rest, ":")
		n.Version, _, _ = strings.Cut(rest, ":")
		return n, true
	case strings.HasPrefix(s, "cpe:2.3:"):
		fields = split23(s[len("cpe:2.3:"):])
	case strings.HasPrefix(s, "cpe:/"):
		fields = strings.Split(s[len("cpe:/"):], ":")
		for i, f := range fields {
			if u, err := url.PathUnescape(f); err == nil {
				fields[i] = u
			}
		}
	default:
		return Name{}, false
	}
	if len(fields) < 3 {
		return Name{}, false
	}
	n := Name{Part: fields[0], Vendor: fields[1], Product: fields[2]}
	if len(fields) > 3 {
		n.Version = fields[3]
	}
	return n, true
}

// Concrete reports whether an attribute value names one value: it is not
// empty, ANY ("*") or NA ("-").
func Concrete(v string) bool {
	return v != "" && v != "*" && v != "-"
}

// split23 splits the attributes of a CPE 2.3 formatted string at colons not
// escaped by a backslash, and removes the escapes.
func split23(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case s[i] == ':':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}
