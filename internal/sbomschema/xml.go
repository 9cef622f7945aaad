package sbomschema

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Strict validation of CycloneDX XML.
//
// Go has no XSD validator, so the XML is validated mainly through the JSON
// schema of the same spec version, with a few exact XSD rules checked by
// hand where the round trip loses the evidence:
//
//  1. A token scan checks well-formedness, a root <bom> in a known
//     CycloneDX namespace (…/schema/bom/1.2–1.7), and a small exact XSD
//     subset (required attributes, unique and non-empty bom-ref, required
//     <component><name>, children the XSDs allow once, the dataFlow
//     enumeration, the 1.2–1.4 license/expression choice, the 1.7
//     citation pointers/expressions choice, children of <metadata> as
//     declared by the staged bom-1.x.xsd).
//  2. The document is decoded into cyclonedx-go's BOM and re-encoded as
//     JSON, validated against the official bom-1.x.schema.json with the
//     machinery JSON input uses (compileSchema), in two passes (see below).
//     JSON pointers of failures become XML paths
//     (/components/0/hashes/1/alg → /bom/components/component[1]/hashes/hash[2]/@alg).
//
// The JSON-schema route was chosen over a hand-rolled XSD because the JSON
// schemas already carry every enumeration, pattern and required property
// the XSDs do, are compiled and cached already, and follow new versions
// without code; the hand checks in step 1 cover exactly what cyclonedx-go
// hides (duplicates resolved to the last one, absent attributes decoded
// as ""). Invalid conformance files neither step catches are listed by name
// in xml_test.go.

// validateCycloneDXXML validates a CycloneDX XML document as described above.
func validateCycloneDXXML(data []byte, schemaDir string) error {
	if err := refuseDTD(data); err != nil {
		return err
	}
	version, hasVersion, external, metaChildren, err := scanCycloneDXXML(data)
	if err != nil {
		return err
	}
	if allowed := xsdMetadataElements(version, schemaDirs(schemaDir)); allowed != nil {
		for _, name := range metaChildren {
			if !allowed[name] {
				return fmt.Errorf("--strict: /bom/metadata/%s: element not allowed in <metadata> by bom-%s.xsd", name, version)
			}
		}
	}
	sv, ok := cdxSpecVersions[version]
	if !ok {
		// 1.0 and 1.1 have XSDs only: read them with the "no schema"
		// warning, as before, rather than reject a well-formed document.
		return ErrNoSchema
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
		return fmt.Errorf("--strict: /bom: %v", err)
	}
	// The XML form has no bomFormat element; the JSON form requires it.
	bom.BOMFormat = cdx.BOMFormat
	bom.SpecVersion = sv
	if !hasVersion {
		bom.Version = 1 // the XSD default of <bom version>
	}
	if bom.Components != nil {
		i := 0
		restoreIsExternal(*bom.Components, external, &i)
	}
	url := "http://cyclonedx.org/schema/bom-" + version + ".schema.json"
	sch, err := compileSchema(url, schemaDirs(schemaDir))
	if err != nil {
		return err
	}
	// Pass 1: the BOM as decoded, without conversion, judged only on
	// enumerations. Other failures of this unconverted form are artefacts
	// of the round trip (cyclonedx-go keeps empty placeholders and
	// untrimmed xs:token text of newer structures), not of the document.
	ve, err := validateBOM(sch, &bom, sv, false)
	if err != nil {
		return err
	}
	if ve = enumFailures(ve); ve != nil {
		return fmt.Errorf("schema validation against %s (via its JSON form) failed: %s", path.Base(url), describeValidationXML(ve))
	}
	// Pass 2: the BOM as cyclonedx-go writes it for this version. The
	// conversion (which changes the BOM in place, hence second) normalises some values (an unknown component type becomes
	// "application", an unsupported scope is dropped), which hides exactly
	// the enumeration errors the conformance files test, which pass 1 catches.
	if ve, err := validateBOM(sch, &bom, sv, true); err != nil {
		return err
	} else if ve != nil {
		return fmt.Errorf("schema validation against %s (via its JSON form) failed: %s", path.Base(url), describeValidationXML(ve))
	}
	return nil
}

// validateBOM encodes bom as JSON (converted to sv, or as decoded) and
// validates it; a *jsonschema.ValidationError is returned as ve.
func validateBOM(sch *jsonschema.Schema, bom *cdx.BOM, sv cdx.SpecVersion, convert bool) (*jsonschema.ValidationError, error) {
	var js bytes.Buffer
	enc := cdx.NewBOMEncoder(&js, cdx.BOMFileFormatJSON)
	var err error
	if convert {
		err = enc.EncodeVersion(bom, sv)
	} else {
		err = enc.Encode(bom)
	}
	if err != nil {
		return nil, fmt.Errorf("--strict: /bom: re-encoding as CycloneDX %s JSON: %v", sv, err)
	}
	inst, err := jsonschema.UnmarshalJSON(&js)
	if err != nil {
		return nil, fmt.Errorf("--strict: %w", err)
	}
	inst = collapseXMLText(inst)
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return pruneUnmapped(ve), nil
		}
		return nil, err
	}
	return nil, nil
}

// enumFailures prunes the error tree to its enumeration failures, or nil.
func enumFailures(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	if e == nil {
		return nil
	}
	if len(e.Causes) == 0 {
		if _, ok := e.ErrorKind.(*kind.Enum); ok {
			return e
		}
		return nil
	}
	var keep []*jsonschema.ValidationError
	for _, c := range e.Causes {
		if c = enumFailures(c); c != nil {
			keep = append(keep, c)
		}
	}
	if keep == nil {
		return nil
	}
	cp := *e
	cp.Causes = keep
	return &cp
}

var cdxSpecVersions = map[string]cdx.SpecVersion{
	"1.2": cdx.SpecVersion1_2, "1.3": cdx.SpecVersion1_3, "1.4": cdx.SpecVersion1_4,
	"1.5": cdx.SpecVersion1_5, "1.6": cdx.SpecVersion1_6, "1.7": cdx.SpecVersion1_7,
}

// scanCycloneDXXML checks that the whole document is well-formed XML with
// a root <bom> in a known CycloneDX namespace, applies the XSD checks of
// checkXMLElement and checkXMLEnd, and returns the version named by the
// namespace, whether <bom> has a version attribute, and the isExternal
// attribute of each component of the /bom/components tree in document
// order (cyclonedx-go v0.12 does not decode it from XML).
func scanCycloneDXXML(data []byte) (version string, hasVersion bool, external []*bool, metaChildren []string, err error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root *xml.StartElement
	var stack []*xmlFrame
	refs := map[string]string{}
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", false, nil, nil, fmt.Errorf("--strict: %v", xmlError(data, dec, err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == nil {
				se := t.Copy()
				root = &se
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				if t.Name.Space == root.Name.Space && top.seen[t.Name.Local] && !repeatable(top.name, t.Name.Local) {
					return "", false, nil, nil, fmt.Errorf("--strict: %s/%s: element occurs more than once in <%s>", top.path, t.Name.Local, top.name)
				}
				top.seen[t.Name.Local] = true
				top.n[t.Name.Local]++
			}
			p := "/" + t.Name.Local
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				p = top.path + "/" + t.Name.Local
				if _, list := xmlSingular[top.name]; list {
					// positions only inside lists, as in the schema errors
					p = fmt.Sprintf("%s[%d]", p, top.n[t.Name.Local])
				}
			}
			if t.Name.Space == root.Name.Space && t.Name.Local == "component" && componentTreePath(p) {
				var ext *bool
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "isExternal" {
						v := a.Value == "true" || a.Value == "1"
						ext = &v
					}
				}
				external = append(external, ext)
			}
			if t.Name.Space == root.Name.Space && len(stack) == 2 && stack[1].name == "metadata" {
				metaChildren = append(metaChildren, t.Name.Local)
			}
			if t.Name.Space == root.Name.Space {
				if err := checkXMLElement(t, p, stack, refs, root.Name.Space); err != nil {
					return "", false, nil, nil, fmt.Errorf("--strict: %w", err)
				}
			}
			stack = append(stack, &xmlFrame{name: t.Name.Local, path: p, space: t.Name.Space, seen: map[string]bool{}, n: map[string]int{}})
		case xml.EndElement:
			top := stack[len(stack)-1]
			if err := checkXMLEnd(top, root.Name.Space); err != nil {
				return "", false, nil, nil, fmt.Errorf("--strict: %w", err)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return "", false, nil, nil, fmt.Errorf("--strict: /bom: no root element")
	}
	if root.Name.Local != "bom" {
		return "", false, nil, nil, fmt.Errorf("--strict: /%s: the root element must be <bom>", root.Name.Local)
	}
	ns := root.Name.Space
	version, ok := strings.CutPrefix(ns, cdxNamespacePrefix)
	if !ok || !knownCycloneDXVersion(version) {
		return "", false, nil, nil, fmt.Errorf("--strict: /bom/@xmlns: namespace %q is not a CycloneDX namespace (%s1.x)", ns, cdxNamespacePrefix)
	}
	for _, a := range root.Attr {
		if a.Name.Space == "" && a.Name.Local == "version" {
			hasVersion = true
		}
	}
	return version, hasVersion, external, metaChildren, nil
}

var xsdMetadataCache sync.Map // dirs + version → map[string]bool (nil if no XSD)

// xsdMetadataElements returns the element names declared inside the
// "metadata" complexType of the staged bom-<version>.xsd: the children
// <metadata> may have, plus (harmlessly) the names of their nested
// elements, so the set is a superset and never rejects a valid document.
// Element names are read from the official XSD rather than typed in,
// which keeps the check exact per version (<distribution> is gone in 1.7,
// for example). It returns nil when no XSD is staged; the check is then
// skipped.
func xsdMetadataElements(version string, dirs []string) map[string]bool {
	key := strings.Join(dirs, "\x00") + "\x00" + version
	if v, ok := xsdMetadataCache.Load(key); ok {
		return v.(map[string]bool)
	}
	var set map[string]bool
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "bom-"+version+".xsd"))
		if err != nil {
			continue
		}
		i := bytes.Index(data, []byte(`<xs:complexType name="metadata">`))
		if i < 0 {
			break
		}
		rest, depth := data[i:], 0
		for j := 0; j < len(rest); j++ {
			switch {
			case bytes.HasPrefix(rest[j:], []byte("<xs:complexType")):
				depth++
			case bytes.HasPrefix(rest[j:], []byte("</xs:complexType>")):
				depth--
			}
			if depth == 0 {
				rest = rest[:j]
				break
			}
		}
		set = map[string]bool{}
		for _, m := range xsdElementName.FindAllSubmatch(rest, -1) {
			set[string(m[1])] = true
		}
		break
	}
	xsdMetadataCache.Store(key, set)
	return set
}

var xsdElementName = regexp.MustCompile(`<xs:element\s+name="([^"]+)"`)

// describeValidationXML is describeValidation with the JSON pointers
// rewritten as XML paths.
func describeValidationXML(ve *jsonschema.ValidationError) string {
	rewrite(ve)
	return describeValidation(ve)
}

func rewrite(e *jsonschema.ValidationError) {
	e.InstanceLocation = xmlPath(e.InstanceLocation)
	for _, c := range e.Causes {
		rewrite(c)
	}
}

// xmlSingular names the XML element that wraps one item of a JSON array.
var xmlSingular = map[string]string{
	"components": "component", "services": "service", "hashes": "hash",
	"licenses": "license", "externalReferences": "reference", "properties": "property",
	"dependencies": "dependency", "dependsOn": "dependency", "provides": "provides",
	"tools": "tool", "authors": "author", "contacts": "contact", "url": "url",
	"endpoints": "endpoint", "data": "classification", "vulnerabilities": "vulnerability",
	"ratings": "rating", "cwes": "cwe", "advisories": "advisory", "affects": "target",
	"versions": "version", "references": "reference", "credits": "credits",
	"organizations": "organization", "individuals": "individual", "compositions": "composition",
	"assemblies": "assembly", "patch": "patch", "resolves": "issue", "ancestors": "component",
	"descendants": "component", "variants": "component", "commits": "commit",
	"annotations": "annotation", "subjects": "subject", "tags": "tag", "lifecycles": "lifecycle",
	"aliases": "alias", "notes": "note", "identity": "identity", "occurrences": "occurrence",
	"formulation": "formula", "workflows": "workflow", "tasks": "task", "steps": "step",
	"signers": "signer", "cpes": "cpe", "citations": "citation",
}

// xmlAttributes are JSON properties CycloneDX XML carries as attributes.
var xmlAttributes = map[string]bool{
	"bom-ref": true, "alg": true, "ref": true, "type": true, "mime-type": true,
	"serialNumber": true, "acknowledgement": true, "isExternal": true,
}

// xmlPath translates a JSON pointer (as segments) of the re-encoded BOM into
// an XML path of the original document: array items become 1-based
// positional steps of the wrapped element, attributes get an @.
func xmlPath(loc []string) []string {
	out := []string{"bom"}
	for i, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			n, _ := strconv.Atoi(seg)
			parent := loc[i-1]
			name, ok := xmlSingular[parent]
			if !ok {
				name = parent
			}
			out = append(out, fmt.Sprintf("%s[%d]", name, n+1))
			continue
		}
		last := i == len(loc)-1
		switch {
		case i == 0 && (seg == "version" || seg == "serialNumber"):
			out = append(out, "@"+seg)
		case seg == "specVersion" || seg == "bomFormat" || seg == "$schema":
			out = append(out, "@xmlns")
		case last && xmlAttributes[seg]:
			out = append(out, "@"+seg)
		case last && seg == "name" && i > 1 && loc[i-2] == "properties":
			out = append(out, "@name")
		default:
			out = append(out, seg)
		}
	}
	return out
}

// xmlFrame is an open element while checking the document's structure.
type xmlFrame struct {
	name, path, space string
	seen              map[string]bool
	n                 map[string]int
}

// singleChildren lists, per CycloneDX element, children the XSDs of
// 1.2–1.7 declare maxOccurs="1" (the default) and that cyclonedx-go would
// silently resolve to their last occurrence when repeated, the defect of
// invalid-license-id-count-* and invalid-license-name-count-*. It is a
// deliberately small, exact subset of the XSDs, not a general
// multiplicity check.
var singleChildren = map[string]map[string]bool{
	"license":   {"id": true, "name": true, "text": true, "url": true, "licensing": true},
	"component": {"name": true, "version": true, "group": true, "publisher": true, "description": true, "scope": true, "purl": true, "cpe": true, "swid": true, "supplier": true, "author": true, "copyright": true, "pedigree": true, "evidence": true},
	"service":   {"name": true, "version": true, "group": true, "description": true, "provider": true, "authenticated": true},
	"citation":  {"pointers": true, "expressions": true, "timestamp": true, "attributedTo": true, "process": true, "note": true},
}

// repeatable reports whether the CycloneDX element parent may hold child
// more than once, as far as singleChildren knows.
func repeatable(parent, child string) bool {
	return !singleChildren[parent][child]
}

// collapseXMLText applies the whitespace facet of xs:token /
// xs:normalizedString, which the XSDs use for most values: tabs and line
// breaks become spaces, surrounding whitespace is dropped. Without it,
// pretty-printed text (a licence name wrapped over two lines, a hash on
// its own indented line) fails JSON patterns such as ^(.*)$ that the XSD
// accepts. The facet is applied to every string, xs:string fields
// included; JSON schemas constrain none of those with a line-sensitive
// pattern.
func collapseXMLText(v any) any {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(xmlWhitespace.Replace(t))
	case map[string]any:
		for k, x := range t {
			t[k] = collapseXMLText(x)
		}
	case []any:
		for i, x := range t {
			t[i] = collapseXMLText(x)
		}
	}
	return v
}

// unmappedXML are JSON properties whose XML form cyclonedx-go v0.12 does
// not decode faithfully (it yields empty placeholders for declarations,
// citations, patents and patent assertions), so failures under them say nothing
// about the document and are dropped: these subtrees are not validated.
var unmappedXML = map[string]bool{"declarations": true, "citations": true, "patentAssertions": true, "patents": true}

// pruneUnmapped drops the failures located under unmappedXML properties;
// it returns nil when none remain.
func pruneUnmapped(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for _, seg := range e.InstanceLocation {
		if unmappedXML[seg] {
			return nil
		}
	}
	if len(e.Causes) == 0 {
		return e
	}
	var keep []*jsonschema.ValidationError
	for _, c := range e.Causes {
		if c = pruneUnmapped(c); c != nil {
			keep = append(keep, c)
		}
	}
	if keep == nil {
		return nil
	}
	cp := *e
	cp.Causes = keep
	return &cp
}

// requiredAttrs are attributes the XSDs of 1.2–1.7 declare use="required"
// on the named CycloneDX elements.
var requiredAttrs = map[string][]string{
	"swid":     {"tagId", "name"},
	"property": {"name"},
	"hash":     {"alg"},
}

// dataFlows is the XSD enumeration of <classification flow>.
var dataFlows = map[string]bool{"inbound": true, "outbound": true, "bi-directional": true, "unknown": true}

// checkXMLElement applies the cheap, exact XSD rules the JSON round trip
// loses (cyclonedx-go drops absent attributes to "" and keeps no
// identity constraints): required attributes, the dataFlow enumeration,
// non-empty and unique bom-ref (the XSDs' refType and xs:unique), and a
// ref on every <dependency>.
func checkXMLElement(t xml.StartElement, p string, stack []*xmlFrame, refs map[string]string, ns string) error {
	attr := func(name string) (string, bool) {
		for _, a := range t.Attr {
			if a.Name.Space == "" && a.Name.Local == name {
				return a.Value, true
			}
		}
		return "", false
	}
	for _, name := range requiredAttrs[t.Name.Local] {
		if _, ok := attr(name); !ok {
			return fmt.Errorf("%s/@%s: required attribute missing", p, name)
		}
	}
	parent := ""
	if len(stack) > 0 {
		parent = stack[len(stack)-1].name
	}
	if t.Name.Local == "dependency" && (parent == "dependencies" || parent == "dependency") {
		if v, ok := attr("ref"); !ok || v == "" {
			return fmt.Errorf("%s/@ref: required attribute missing or empty", p)
		}
	}
	if t.Name.Local == "classification" && parent == "data" {
		if v, ok := attr("flow"); ok && !dataFlows[v] {
			return fmt.Errorf("%s/@flow: %q is not one of inbound, outbound, bi-directional, unknown", p, v)
		}
	}
	if v, ok := attr("bom-ref"); ok {
		if v == "" {
			return fmt.Errorf("%s/@bom-ref: empty (refType has minLength 1)", p)
		}
		if prev, dup := refs[v]; dup {
			return fmt.Errorf("%s/@bom-ref: %q already used at %s (bom-refs must be unique)", p, v, prev)
		}
		refs[v] = p
	}
	if parent == "citation" && len(stack) > 0 {
		// 1.7: a <citation> holds either <pointers> or <expressions>.
		top := stack[len(stack)-1]
		if (t.Name.Local == "pointers" && top.seen["expressions"]) || (t.Name.Local == "expressions" && top.seen["pointers"]) {
			return fmt.Errorf("%s: <pointers> and <expressions> cannot both be given in <citation>", p)
		}
	}
	if parent == "licenses" && len(stack) > 0 && ns < cdxNamespacePrefix+"1.5" {
		// 1.2–1.4: <licenses> holds either <license> elements or one <expression>.
		top := stack[len(stack)-1]
		if (t.Name.Local == "expression" && top.seen["license"]) || (t.Name.Local == "license" && top.seen["expression"]) {
			return fmt.Errorf("%s: <license> and <expression> cannot be mixed in <licenses> (CycloneDX < 1.5)", p)
		}
	}
	return nil
}

// checkXMLEnd checks the children of a closed element: a <component> must
// have a <name> (minOccurs="1" in every XSD).
func checkXMLEnd(f *xmlFrame, ns string) error {
	if f.space == ns && f.name == "component" && !f.seen["name"] {
		return fmt.Errorf("%s/name: required element missing", f.path)
	}
	return nil
}

// componentTreePath reports whether p is /bom/components/component[n]
// or a component nested below it through components/component only.
func componentTreePath(p string) bool {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) < 3 || parts[0] != "bom" || len(parts)%2 == 0 {
		return false
	}
	for i := 1; i < len(parts); i += 2 {
		if parts[i] != "components" || !strings.HasPrefix(parts[i+1], "component[") {
			return false
		}
	}
	return true
}

// restoreIsExternal sets Component.IsExternal from the attributes scanned
// in document (pre-)order, the order of this walk.
func restoreIsExternal(cs []cdx.Component, ext []*bool, i *int) {
	for k := range cs {
		if *i < len(ext) && ext[*i] != nil {
			cs[k].IsExternal = ext[*i]
		}
		*i++
		if cs[k].Components != nil {
			restoreIsExternal(*cs[k].Components, ext, i)
		}
	}
}

var xmlWhitespace = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")
