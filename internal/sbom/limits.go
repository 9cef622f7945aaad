package sbom

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Work limits beside MaxBytes: they bound what an accepted document costs,
// not only its size. Each has an Options field and a CLI flag.
const (
	// DefaultMaxDepth is the nesting-depth limit used when Options.MaxDepth
	// is 0: JSON objects and arrays, or XML elements, nested in one another.
	// A CycloneDX component nested in another adds two levels (the
	// "components" array and the component), so 256 allows about 120
	// levels of nested components; real SBOMs nest a handful.
	DefaultMaxDepth = 256
	// DefaultMaxString is the per-field string-length limit used when
	// Options.MaxStringBytes is 0: no name, version, purl, licence or other
	// component field may be longer.
	DefaultMaxString = 1 << 20
)

// ErrLimit is wrapped by the errors Parse returns when a document exceeds
// a work limit (nesting depth, string length).
var ErrLimit = errors.New("SBOM exceeds a work limit")

func (o Options) maxDepth() int {
	if o.MaxDepth == 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

func (o Options) maxString() int {
	if o.MaxStringBytes == 0 {
		return DefaultMaxString
	}
	return o.MaxStringBytes
}

// checkDepth refuses a JSON or XML document nested deeper than limit
// (limit < 0: no limit) in one linear pass over the bytes, before any
// parser (several of which recurse) sees it.
func checkDepth(data []byte, kind docKind, limit int) error {
	if limit < 0 {
		return nil
	}
	var at int
	switch kind {
	case kindCycloneDXJSON, kindSPDXJSON, kindSPDX3JSONLD:
		at = jsonTooDeep(data, limit)
	case kindCycloneDXXML, kindSPDXRDF:
		at = xmlTooDeep(data, limit)
	default:
		return nil
	}
	if at < 0 {
		return nil
	}
	return fmt.Errorf("%s: %w: nesting depth exceeds %d (MaxDepth, --max-depth)", lineCol(data, int64(at)), ErrLimit, limit)
}

// jsonTooDeep returns the offset where the nesting of objects and arrays
// first exceeds limit, or -1. Strings are skipped, escapes honoured.
func jsonTooDeep(data []byte, limit int) int {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			// to the closing quote: the next quote not escaped by an odd
			// run of backslashes (IndexByte, not a byte loop: most of a
			// document's bytes are in strings)
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return -1
				}
				i += 1 + j
				n := 0
				for k := i - 1; data[k] == '\\'; k-- {
					n++
				}
				if n%2 == 0 {
					break
				}
			}
		case '{', '[':
			if depth++; depth > limit {
				return i
			}
		case '}', ']':
			depth--
		}
	}
	return -1
}

// xmlTooDeep returns the offset of the first element nested deeper than
// limit, or -1. Comments, CDATA sections, processing instructions and
// quoted attribute values are skipped.
func xmlTooDeep(data []byte, limit int) int {
	depth := 0
	skipTo := func(i int, end string) int {
		for ; i+len(end) <= len(data); i++ {
			if string(data[i:i+len(end)]) == end {
				return i + len(end) - 1
			}
		}
		return len(data)
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '<' || i+1 >= len(data) {
			continue
		}
		switch c := data[i+1]; {
		case hasPrefixAt(data, i, "<!--"):
			i = skipTo(i+4, "-->")
		case hasPrefixAt(data, i, "<![CDATA["):
			i = skipTo(i+9, "]]>")
		case c == '?':
			i = skipTo(i+2, "?>")
		case c == '!':
			i = skipTo(i+2, ">")
		case c == '/':
			depth--
			i = skipTo(i+2, ">")
		default:
			start := i
			var quote byte
			for i++; i < len(data); i++ {
				b := data[i]
				if quote != 0 {
					if b == quote {
						quote = 0
					}
					continue
				}
				if b == '"' || b == '\'' {
					quote = b
				} else if b == '>' {
					break
				}
			}
			if i < len(data) && data[i-1] == '/' {
				continue // self-closing
			}
			if depth++; depth > limit {
				return start
			}
		}
	}
	return -1
}

func hasPrefixAt(data []byte, i int, p string) bool {
	return len(data)-i >= len(p) && string(data[i:i+len(p)]) == p
}

// checkStrings refuses a document with a component string longer than
// limit bytes (limit < 0: no limit), naming the component and the field.
// It runs on the model, so it covers every format alike; the readers keep
// strings as slices of the input, so the check comes before any copy the
// quality checks, the conversion or the renderings would make.
func checkStrings(doc *Document, limit int) error {
	if limit < 0 {
		return nil
	}
	long := func(loc, field, s string) error {
		if len(s) > limit {
			return fmt.Errorf("%s: %w: %s is %d bytes long, over the %d-byte string limit (MaxStringBytes, --max-string)", loc, ErrLimit, field, len(s), limit)
		}
		return nil
	}
	for _, s := range []struct{ field, v string }{{"name", doc.Name}, {"uri", doc.URI}, {"creator contact", doc.CreatorContact}} {
		if err := long("document", s.field, s.v); err != nil {
			return err
		}
	}
	for i, s := range doc.Creators {
		if err := long("document", "creator "+strconv.Itoa(i+1), s); err != nil {
			return err
		}
	}
	comp := func(c *Component) error {
		if field, n := checkComponentStrings(c, limit); field != "" {
			return fmt.Errorf("%s: %w: %s is %d bytes long, over the %d-byte string limit (MaxStringBytes, --max-string)", firstNonEmpty(c.Location, c.Ref), ErrLimit, field, n, limit)
		}
		return nil
	}
	if doc.Subject != nil {
		if err := comp(doc.Subject); err != nil {
			return err
		}
	}
	for i := range doc.Components {
		if err := comp(&doc.Components[i]); err != nil {
			return err
		}
	}
	for i, d := range doc.Dependencies {
		n := len(d.Ref)
		for _, t := range d.DependsOn {
			n = max(n, len(t))
		}
		if n > limit {
			return fmt.Errorf("%s: %w: a ref is %d bytes long, over the %d-byte string limit (MaxStringBytes, --max-string)", depLocation(doc, i), ErrLimit, n, limit)
		}
	}
	return nil
}

// Field names of checkComponentStrings, in the order of its value arrays.
var (
	componentStringFields = [...]string{"ref", "name", "version", "supplier", "purl", "licenses", "type", "scope", "file name"}
	extraStringFields     = [...]string{"creator", "creator contact", "supplier contact", "concluded licence",
		"declared licence", "effective licence", "download URL", "source URL", "security.txt URL", "SWID tag"}
)

// checkComponentStrings returns the name and length of the first string
// field of c longer than limit, or "". It allocates nothing: it runs once per
// component of documents with a million of them.
func checkComponentStrings(c *Component, limit int) (string, int) {
	vs := [...]string{c.Ref, c.Name, c.Version, c.Supplier, c.PURL, c.Licenses, c.Type, c.Scope, c.FileName}
	for k := range vs {
		if len(vs[k]) > limit {
			return componentStringFields[k], len(vs[k])
		}
	}
	for _, s := range c.CPEs {
		if len(s) > limit {
			return "cpe", len(s)
		}
	}
	for _, h := range c.Hashes {
		if len(h.Value) > limit || len(h.Algorithm) > limit {
			return "hash", len(h.Value) + len(h.Algorithm)
		}
	}
	if x := c.Extra; x != nil {
		xs := [...]string{x.Creator, x.CreatorContact, x.SupplierContact, x.LicenseConcluded, x.LicenseDeclared,
			x.LicenseEffective, x.DownloadURL, x.SourceURL, x.SecurityTxtURL, x.SWID}
		for k := range xs {
			if len(xs[k]) > limit {
				return extraStringFields[k], len(xs[k])
			}
		}
	}
	return "", 0
}
