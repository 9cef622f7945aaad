package purl

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// ParseLenient parses a package URL as matching and VEX need it, without
// the specification's validation or its per-type normalisation: the type
// is lower-cased, namespace, name, version and qualifier values are
// unescaped and keep their case (Go module paths and distro package names
// are case-sensitive), qualifier keys are lower-cased and sorted (the
// first of a repeated key is kept), and the subpath loses its surrounding
// slashes. It fails only when s does not start with "pkg:", names no
// type or name, or has a badly escaped part. It is the lenient mode of
// this package, the one purl parser of dualmark besides Parse.
func ParseLenient(s string) (PURL, error) {
	var p PURL
	fail := func(field, msg string) (PURL, error) {
		return PURL{}, &Error{Input: s, Field: field, Msg: msg}
	}
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return fail("scheme", `does not start with "pkg:"`)
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		p.Subpath = strings.Trim(rest[i+1:], "/")
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '?'); i >= 0 {
		q := rest[i+1:]
		rest = rest[:i]
		seen := map[string]bool{}
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "" {
				continue
			}
			dv, err := url.PathUnescape(v)
			if err != nil {
				return fail("qualifiers", "qualifier "+k+": "+err.Error())
			}
			k = strings.ToLower(k)
			if seen[k] {
				continue
			}
			seen[k] = true
			p.Qualifiers = append(p.Qualifiers, Qualifier{Key: k, Value: dv})
		}
		sort.SliceStable(p.Qualifiers, func(i, j int) bool { return p.Qualifiers[i].Key < p.Qualifiers[j].Key })
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" {
		return fail("type", "no type/name")
	}
	p.Type = strings.ToLower(typ)
	path = strings.Trim(path, "/")
	if i := strings.LastIndexByte(path, '@'); i >= 0 {
		v, err := url.PathUnescape(path[i+1:])
		if err != nil {
			return fail("version", err.Error())
		}
		if v != "" && strings.Trim(v, "/ \t\r\n") == "" {
			// "@%2F", "@%20": nothing a version could be compared as (issue 16)
			return fail("version", fmt.Sprintf("%q is not a version", v))
		}
		p.Version = v
		path = path[:i]
	}
	ns, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	var err error
	if name, err = url.PathUnescape(name); err != nil || name == "" {
		return fail("name", "empty or badly escaped")
	}
	if ns != "" {
		segs := strings.Split(ns, "/")
		for i, seg := range segs {
			if segs[i], err = url.PathUnescape(seg); err != nil {
				return fail("namespace", err.Error())
			}
		}
		ns = strings.Join(segs, "/")
	}
	p.Namespace, p.Name = ns, name
	return p, nil
}

// SamePackage reports whether two package URLs name the same package:
// equal type, namespace and name (case-insensitive, as VEX statements are
// compared), whatever their versions, qualifiers and subpaths. Strings
// ParseLenient does not read are the same package only when they are equal
// ignoring case.
func SamePackage(a, b string) bool {
	pa, errA := ParseLenient(a)
	pb, errB := ParseLenient(b)
	if errA != nil || errB != nil {
		return errA != nil && errB != nil && strings.EqualFold(a, b)
	}
	return strings.EqualFold(pa.Type, pb.Type) && strings.EqualFold(pa.Namespace, pb.Namespace) && strings.EqualFold(pa.Name, pb.Name)
}
