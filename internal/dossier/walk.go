package dossier

import (
	"github.com/dualmark/dualmark/internal/editdist"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

var (
	dossierType = reflect.TypeFor[Dossier]()
	dateType    = reflect.TypeFor[Date]()
)

// field is one YAML field of a struct, with its validation tags.
type field struct {
	name     string
	index    int
	required bool
	enum     []string
	doc      string
	typ      reflect.Type
}

// fieldCache holds fieldsOf results per struct type.
var fieldCache sync.Map // reflect.Type → []field

// fieldsOf lists the YAML fields of a struct type in declaration order.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	f := parseFields(t)
	fieldCache.Store(t, f)
	return f
}

func parseFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		f := field{name: name, index: i, required: sf.Tag.Get("required") == "true", doc: sf.Tag.Get("doc"), typ: sf.Type}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, "|")
		}
		out = append(out, f)
	}
	return out
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// parentPath strips the last ".name" or "[i]" of a field path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!str":
		return "the string " + strconv.Quote(n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing (null)"
	}
	return "the value " + strconv.Quote(n.Value)
}

// walk checks node against type t before decoding, so that every problem is
// reported with its line and field path. It accepts exactly what
// yaml.Node.Decode can store in t.
func (p *parser) walk(n *yaml.Node, t reflect.Type, path string) {
	p.pos[path] = n
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		p.add(n, path, "YAML anchors and aliases are not supported in a dossier; write the value out")
		return
	}
	if t.Kind() == reflect.Pointer {
		if isNull(n) {
			return
		}
		t = t.Elem()
	}
	if t == dateType {
		if n.Kind != yaml.ScalarNode || isNull(n) {
			p.add(n, path, "expected a date (YYYY-MM-DD), got %s", kindName(n))
		} else if _, err := ParseDate(n.Value); err != nil {
			p.add(n, path, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		p.walkStruct(n, t, path)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			p.add(n, path, "expected a list, got %s", kindName(n))
			return
		}
		for i, c := range n.Content {
			p.walk(c, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			p.add(n, path, "expected a mapping of names to values, got %s", kindName(n))
			return
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !p.key(k, path, seen) {
				continue
			}
			p.walk(v, t.Elem(), joinPath(path, k.Value))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || isNull(n) || n.ShortTag() == "!!bool" || n.ShortTag() == "!!binary" {
			p.add(n, path, "expected a string, got %s (quote it if it is meant as text)", kindName(n))
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			p.add(n, path, "expected a whole number, got %s", kindName(n))
		} else if _, err := strconv.ParseInt(n.Value, 0, 64); err != nil {
			p.add(n, path, "expected a whole number, got %s", kindName(n))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			p.add(n, path, "expected true or false, got %s", kindName(n))
		}
	default:
		p.add(n, path, "field of unsupported type %s", t)
	}
}

// key checks a mapping key: a plain, unique string.
func (p *parser) key(k *yaml.Node, path string, seen map[string]bool) bool {
	if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
		p.add(k, path, "keys must be plain names (merge keys and complex keys are not supported)")
		return false
	}
	if seen[k.Value] {
		p.add(k, joinPath(path, k.Value), "field given twice")
		return false
	}
	seen[k.Value] = true
	return true
}

func (p *parser) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	fields := fieldsOf(t)
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			for _, f := range fields {
				if f.required {
					p.add(n, joinPath(path, f.name), "missing required field")
				}
			}
			return
		}
		p.add(n, path, "expected a mapping with fields, got %s", kindName(n))
		return
	}
	byName := map[string]field{}
	for _, f := range fields {
		byName[f.name] = f
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !p.key(k, path, seen) {
			continue
		}
		fp := joinPath(path, k.Value)
		f, ok := byName[k.Value]
		if !ok {
			p.add(k, fp, "unknown field%s", suggest(k.Value, fields))
			continue
		}
		if f.required && isNull(v) {
			p.add(v, fp, "required field is empty")
			continue
		}
		p.walk(v, f.typ, fp)
		if v.Kind != yaml.ScalarNode {
			p.pos[fp] = k // report block values at their key's line
		}
		if len(f.enum) > 0 {
			p.checkEnum(v, fp, f.enum)
		}
		if f.required && f.typ.Kind() == reflect.String && v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == "" {
			p.add(v, fp, "required field is empty")
		}
		if f.required && f.typ.Kind() == reflect.Slice && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			p.add(v, fp, "required list is empty")
		}
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			p.add(n, joinPath(path, f.name), "missing required field")
		}
	}
}

// checkEnum checks a scalar, or each scalar of a list, against the allowed values.
func (p *parser) checkEnum(v *yaml.Node, path string, enum []string) {
	if v.Kind == yaml.SequenceNode {
		for i, c := range v.Content {
			p.checkEnum(c, path+"["+strconv.Itoa(i)+"]", enum)
		}
		return
	}
	if v.Kind == yaml.ScalarNode && !isNull(v) && !contains(enum, v.Value) {
		p.add(v, path, "%q is not one of %s", v.Value, strings.Join(enum, ", "))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// suggest names the closest known field, or lists them all.
func suggest(name string, fields []field) string {
	best, bestD := "", 4
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.name)
		if d := editdist.Distance(strings.ToLower(name), strings.ToLower(f.name)); d < bestD {
			best, bestD = f.name, d
		}
	}
	if best != "" {
		return "; did you mean " + strconv.Quote(best) + "?"
	}
	sort.Strings(names)
	return "; known fields: " + strings.Join(names, ", ")
}
