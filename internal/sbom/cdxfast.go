package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// parseCycloneDXJSONFast is the hot path of CycloneDX JSON reading. It
// validates the bytes with encoding/json's scanner (json.Valid) and then
// walks the component tree with gjson, which slices the input instead of
// reflecting into structs; only the small nested objects of a component
// (supplier, hashes, licences, references) go through encoding/json.
//
// Figure (synth-10000.cdx.json, 2.1 MB, shared 2-core machine, best of 5):
// decoding into the typed structs with encoding/json ran at 0.40-0.45x the
// speed of encoding/json into map[string]any, below the 0.5x
// target; this path is measured by BenchmarkParseCycloneDXJSON10k.
//
// Malformed input falls back to the struct decoder, whose error names the
// line, column and field.
func parseCycloneDXJSONFast(data []byte) (*Document, error) {
	if !gjson.ValidBytes(data) {
		return parseCycloneDXJSON(data)
	}
	// data is not modified while the gjson results are in use
	root := gjson.Parse(unsafe.String(unsafe.SliceData(data), len(data)))
	if !root.IsObject() {
		return nil, fmt.Errorf("/: a CycloneDX BOM is a JSON object, got %s", jsonKind(root))
	}
	var raw cdxJSON
	var comps, deps gjson.Result
	var err error
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "bomFormat":
			raw.BOMFormat, err = wantString(v, "", "/bomFormat")
		case "specVersion":
			raw.SpecVersion, err = wantString(v, "", "/specVersion")
		case "serialNumber":
			raw.SerialNumber, err = wantString(v, "", "/serialNumber")
		case "metadata":
			raw.Metadata = new(cdxJSONMeta)
			err = subDecode(v, "/metadata", raw.Metadata)
		case "components":
			comps = v
		case "dependencies":
			deps = v
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	doc, err := newCycloneDXDoc(&raw)
	if err != nil {
		return nil, err
	}
	a := new(strArena) // for the locations: the strings stay views of data
	if comps.Exists() {
		if !comps.IsArray() {
			return nil, fmt.Errorf("/components: want an array, got %s", jsonKind(comps))
		}
		// size the slice once, as growing a slice of this large struct by
		// doubling cost a third of the time. The count of "name" keys
		// bounds the components, but suppliers, authors and tools have
		// names too: sized by it, a million components with a supplier
		// each held a second, empty million (240 MB); an exact count when
		// names outnumber the top-level components costs a scan instead.
		n := min(bytes.Count(data, []byte(`"name"`)), len(data)/16+1)
		if top := countElements(comps); n > top+top/8 {
			n = countComponents(comps, n)
		}
		doc.Components = make([]Component, 0, n)
		if err := walkFast(comps, "/components", doc, a); err != nil {
			return nil, err
		}
	}
	if deps.Exists() && deps.Type != gjson.Null {
		if err := fastDependencies(deps, doc, a); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// countElements counts the elements of a JSON array.
func countElements(arr gjson.Result) int {
	n := 0
	arr.ForEach(func(_, _ gjson.Result) bool { n++; return true })
	return n
}

// countComponents counts the components of arr at every depth, stopping
// at limit (the walk after it validates what this skips).
func countComponents(arr gjson.Result, limit int) int {
	n := 0
	arr.ForEach(func(_, v gjson.Result) bool {
		n++
		if v.IsObject() {
			if c := v.Get("components"); c.IsArray() {
				n += countComponents(c, limit-n)
			}
		}
		return n < limit
	})
	return min(n, limit)
}

// fastDependencies reads /dependencies: [{ref, dependsOn: [...]}].
func fastDependencies(deps gjson.Result, doc *Document, a *strArena) error {
	if !deps.IsArray() {
		return fmt.Errorf("/dependencies: want an array, got %s", jsonKind(deps))
	}
	var err error
	doc.Dependencies = make([]Dependency, 0, strings.Count(deps.Raw, `"ref"`))
	i := -1
	deps.ForEach(func(_, v gjson.Result) bool {
		i++
		err = fastDependency(i, v, doc, a)
		return err == nil
	})
	return err
}

// fastDependency appends /dependencies/i, v, to doc; its pointer is only
// built for an error (it was two allocations per dependency).
func fastDependency(i int, v gjson.Result, doc *Document, a *strArena) error {
	if !v.IsObject() {
		return fmt.Errorf("%s: a dependency is a JSON object, got %s", depPointer(i), jsonKind(v))
	}
	var d Dependency
	var provides []string
	var err error
	v.ForEach(func(k, f gjson.Result) bool {
		switch k.Str {
		case "ref":
			if d.Ref, err = wantString(f, depPointer(-1), "/ref"); err != nil {
				return false
			}
			d.Ref = a.ref(d.Ref)
		case "dependsOn":
			if f.Type == gjson.Null {
				return true
			}
			if !f.IsArray() {
				err = fmt.Errorf("%s/dependsOn: want an array, got %s", depPointer(-1), jsonKind(f))
				return false
			}
			d.DependsOn, err = fastRefList(f, "/dependsOn/", a)
		case "provides":
			if f.Type == gjson.Null {
				return true
			}
			if !f.IsArray() {
				err = fmt.Errorf("%s/provides: want an array, got %s", depPointer(-1), jsonKind(f))
				return false
			}
			provides, err = fastRefList(f, "/provides/", a)
		}
		return err == nil
	})
	if err != nil {
		// the messages were made with a placeholder for the pointer
		return errors.New(strings.Replace(err.Error(), depPointer(-1), depPointer(i), 1))
	}
	doc.Dependencies = append(doc.Dependencies, d)
	if len(provides) > 0 {
		doc.Provides = append(doc.Provides, Dependency{Ref: d.Ref, DependsOn: provides})
	}
	return nil
}

// depPointer is the JSON pointer of /dependencies/i; -1 gives the
// placeholder fastDependency replaces in its errors.
func depPointer(i int) string {
	if i < 0 {
		return "/dependencies/\x00"
	}
	return "/dependencies/" + strconv.Itoa(i)
}

// fastRefList reads an array of refs; field names it in errors.
func fastRefList(f gjson.Result, field string, a *strArena) ([]string, error) {
	out := make([]string, 0, strings.Count(f.Raw, `"`)/2)
	var err error
	j := -1
	f.ForEach(func(_, t gjson.Result) bool {
		j++
		var s string
		if s, err = wantString(t, depPointer(-1), field+strconv.Itoa(j)); err == nil {
			out = append(out, a.ref(s))
		}
		return err == nil
	})
	return out, err
}

// strArena hands out the strings of a CycloneDX JSON reading from 64 KB
// blocks shared by many components instead of one allocation each: the
// components' locations ("/components/12345", 2 allocations and a 24-byte
// size class each) and, when copy is set (the streamed file reader, whose
// input buffer is reused), every string the model keeps.
type strArena struct {
	block []byte
	copy  bool
	refs  *refTable // when set, ref returns the components' own refs
}

const arenaBlock = 64 << 10

// room makes sure the current block has n bytes free.
func (a *strArena) room(n int) {
	if cap(a.block)-len(a.block) < n {
		a.block = make([]byte, 0, arenaBlock)
	}
}

// str returns s, copied into the arena when a.copy is set.
func (a *strArena) str(s string) string {
	if !a.copy || s == "" {
		return s
	}
	if len(s) > arenaBlock/8 {
		return strings.Clone(s)
	}
	a.room(len(s))
	j := len(a.block)
	a.block = append(a.block, s...) // within the capacity: earlier strings stay put
	return unsafe.String(&a.block[j], len(s))
}

// ref returns a dependency ref: the Ref of the component it names when
// a.refs is set (a copy would be a second one of the same bytes), else as
// a.str does.
func (a *strArena) ref(s string) string {
	if a.refs != nil {
		if j := a.refs.find(s); j >= 0 {
			return a.refs.comps[j].Ref
		}
	}
	return a.str(s)
}

// within returns s as a view of in (which must not be a view of a reused
// buffer) when in holds it, else as a.str does.
func (a *strArena) within(s, in string) string {
	if i := strings.Index(in, s); i >= 0 && s != "" {
		return in[i : i+len(s)]
	}
	return a.str(s)
}

// loc returns ptr + "/" + i.
func (a *strArena) loc(ptr string, i int) string {
	n := len(ptr) + 21
	if n > arenaBlock/8 {
		return ptr + "/" + strconv.Itoa(i)
	}
	a.room(n)
	j := len(a.block)
	a.block = append(a.block, ptr...)
	a.block = append(a.block, '/')
	a.block = strconv.AppendInt(a.block, int64(i), 10)
	return unsafe.String(&a.block[j], len(a.block)-j)
}

// compWalker holds the state of walkFast for one components array; its
// methods are passed to gjson once, not as fresh closures per component.
type compWalker struct {
	doc    *Document
	ptr    string
	a      *strArena
	c      cdxJSONComp // decoding buffer reused for every component
	p      string      // pointer of the current component
	nested gjson.Result
	err    error
	i      int
}

func walkFast(arr gjson.Result, ptr string, doc *Document, a *strArena) error {
	w := &compWalker{doc: doc, ptr: ptr, a: a, i: -1}
	arr.ForEach(w.component)
	return w.err
}

func (w *compWalker) component(_, v gjson.Result) bool {
	w.i++
	w.p = w.a.loc(w.ptr, w.i)
	if v.Type == gjson.Null {
		w.doc.warn(w.p, "null component skipped")
		return true
	}
	if !v.IsObject() {
		w.err = fmt.Errorf("%s: a component is a JSON object, got %s", w.p, jsonKind(v))
		return false
	}
	w.c = cdxJSONComp{}
	w.nested = gjson.Result{}
	v.ForEach(w.field)
	if w.err != nil {
		return false
	}
	out := convertCDXJSON(&w.c, w.p, w.doc)
	if w.a.copy {
		// name and version were left views of the input (field): most
		// purls spell both, so they become views of the copied purl
		out.Name, out.Version = w.a.within(out.Name, out.PURL), w.a.within(out.Version, out.PURL)
	}
	w.doc.Components = append(w.doc.Components, out)
	if w.nested.Exists() && w.nested.Type != gjson.Null {
		if !w.nested.IsArray() {
			w.err = fmt.Errorf("%s/components: want an array, got %s", w.p, jsonKind(w.nested))
			return false
		}
		w.err = walkFast(w.nested, w.p+"/components", w.doc, w.a)
	}
	return w.err == nil
}

func (w *compWalker) field(k, f gjson.Result) bool {
	c, p, a := &w.c, w.p, w.a
	var err error
	// the strings the model keeps go through a.str; type and scope become
	// constants in convertCDXJSON, group is only ever joined to the name
	switch k.Str {
	case "type":
		c.Type, err = wantString(f, p, "/type")
	case "bom-ref":
		c.BOMRef, err = wantString(f, p, "/bom-ref")
		c.BOMRef = a.str(c.BOMRef)
	case "name":
		c.Name, err = wantString(f, p, "/name") // copied in component
	case "group":
		c.Group, err = wantString(f, p, "/group")
	case "version":
		c.Version, err = wantString(f, p, "/version") // copied in component
	case "author":
		c.Author, err = wantString(f, p, "/author")
		c.Author = a.str(c.Author)
	case "publisher":
		c.Publisher, err = wantString(f, p, "/publisher")
		c.Publisher = a.str(c.Publisher)
	case "purl":
		c.PURL, err = wantString(f, p, "/purl")
		c.PURL = a.str(c.PURL)
	case "cpe":
		c.CPE, err = wantString(f, p, "/cpe")
		c.CPE = a.str(c.CPE)
	case "scope":
		c.Scope, err = wantString(f, p, "/scope")
		if c.Scope = cdxScope(c.Scope); c.Scope != "required" && c.Scope != "optional" && c.Scope != "excluded" {
			c.Scope = a.str(c.Scope)
		}
	case "supplier":
		err = subDecode(f, p+"/supplier", &c.Supplier)
	case "manufacturer":
		err = subDecode(f, p+"/manufacturer", &c.Manufacturer)
	case "authors":
		err = subDecode(f, p+"/authors", &c.Authors)
	case "swid":
		err = subDecode(f, p+"/swid", &c.SWID)
	case "hashes":
		err = subDecode(f, p+"/hashes", &c.Hashes)
	case "licenses":
		err = subDecode(f, p+"/licenses", &c.Licenses)
	case "properties":
		err = subDecode(f, p+"/properties", &c.Properties)
	case "externalReferences":
		err = subDecode(f, p+"/externalReferences", &c.ExtRefs)
	case "cryptoProperties":
		err = subDecode(f, p+"/cryptoProperties", &c.Crypto)
	case "modelCard":
		err = subDecode(f, p+"/modelCard", &c.ModelCard)
	case "data":
		err = subDecode(f, p+"/data", &c.Data)
	case "components":
		w.nested = f
	}
	w.err = err
	return err == nil
}

// wantString returns a string value; the pointer (base + field) is only
// built for the error, as concatenating it per field was a tenth of all
// allocations.
func wantString(v gjson.Result, base, field string) (string, error) {
	switch v.Type {
	case gjson.String:
		return v.Str, nil
	case gjson.Null:
		return "", nil
	}
	return "", fmt.Errorf("%s%s: want a string, got %s", base, field, jsonKind(v))
}

// subDecode decodes a small nested value with encoding/json and names its
// JSON pointer in errors.
func subDecode(v gjson.Result, ptr string, dst any) error {
	if err := json.Unmarshal(unsafe.Slice(unsafe.StringData(v.Raw), len(v.Raw)), dst); err != nil {
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			field := ptr
			if te.Field != "" {
				field += " field " + te.Field
			}
			return fmt.Errorf("%s: JSON %s where %s was expected", field, te.Value, te.Type)
		}
		return fmt.Errorf("%s: %v", ptr, err)
	}
	return nil
}

func jsonKind(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	case v.Type == gjson.String:
		return "a string"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.True || v.Type == gjson.False:
		return "a boolean"
	case v.Type == gjson.Null:
		return "null"
	}
	return "nothing"
}
