package dossier

import (
	"encoding/json"
	"reflect"
	"strings"
)

// SchemaID is the $id of the published dossier JSON Schema.
const SchemaID = "https://dualmark.dev/schema/dossier-1.json"

// Schema returns the JSON Schema (draft 2020-12) of the dossier, generated
// from the Go types and their tags so that the schema and the loader cannot
// drift apart. docs/dossier.schema.json is this output.
func Schema() ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	root := g.object(dossierType)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "dualmark product dossier"
	root["description"] = "One description of a connected consumer product, assessed against the EU Cyber Resilience Act, the US Cyber Trust Mark (NIST IR 8425, FCC rules) and ETSI EN 303 645. YAML or JSON."
	root["$defs"] = g.defs
	return json.MarshalIndent(root, "", "  ")
}

type schemaGen struct {
	defs map[string]any
}

// object builds the schema of a struct type.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fieldsOf(t) {
		sf := t.Field(f.index)
		s := g.typeSchema(f.typ)
		if f.doc != "" {
			s["description"] = f.doc
		}
		if len(f.enum) > 0 {
			if items, ok := s["items"].(map[string]any); ok {
				items["enum"] = f.enum
			} else {
				s["enum"] = f.enum
			}
		}
		if pat := sf.Tag.Get("pattern"); pat != "" {
			s["pattern"] = pat
		}
		if f.required {
			required = append(required, f.name)
			switch f.typ.Kind() {
			case reflect.String:
				s["minLength"] = 1
			case reflect.Slice:
				s["minItems"] = 1
			}
		}
		props[f.name] = s
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = required
	}
	for k, v := range crossFieldRules[t.Name()] {
		out[k] = v
	}
	return out
}

// crossFieldRules are the loader's checks across fields of one type (check.go),
// written as schema keywords.
var crossFieldRules = map[string]map[string]any{
	"Evidence": {
		"anyOf":             []any{map[string]any{"required": []string{"path"}}, map[string]any{"required": []string{"url"}}},
		"dependentRequired": map[string]any{"path": []string{"sha256"}},
	},
	"Category": {
		"if":   map[string]any{"properties": map[string]any{"class": map[string]any{"const": "default"}}},
		"then": map[string]any{"not": map[string]any{"required": []string{"item"}}},
		"else": map[string]any{"required": []string{"item"}, "properties": map[string]any{"item": map[string]any{"minimum": 1}}},
	},
}

// typeSchema returns the schema of a field type; structs become $defs references.
func (g *schemaGen) typeSchema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == dateType {
		return map[string]any{"type": "string", "format": "date"}
	}
	switch t.Kind() {
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // reserve against recursion
			def := g.object(t)
			if doc := typeDocs[name]; doc != "" {
				def["description"] = doc
			}
			g.defs[name] = def
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.typeSchema(t.Elem())}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	default:
		return map[string]any{"type": "string"}
	}
}

// typeDocs describes the $defs; the first sentence of each type's Go doc.
var typeDocs = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(defDocs), "\n") {
		name, doc, _ := strings.Cut(line, ": ")
		m[name] = doc
	}
	return m
}()

const defDocs = `
Product: Identity and intended purpose of the product (CRA Annex II.3-5, Annex V.1, V.4; FCC REG-1).
Identifier: One unique identifier of the product.
Address: A postal address.
Party: A person or organisation with an address and contact.
Manufacturer: Who places the product on the market (CRA Annex II.1, V.2; FCC REG-2).
Category: The product's CRA class.
SupportPeriod: The period during which vulnerabilities are handled (CRA Art. 13(8)).
Updates: The software update mechanism.
Interfaces: The product's attack surface.
NetworkService: One listening network service.
Radio: One radio interface.
PhysicalPort: One physical or debug port.
Authentication: How users and services authenticate.
Cryptography: Cryptography in use.
Algorithm: One cryptographic algorithm and its use.
Data: Personal data, sensors and telemetry.
Telemetry: Data sent to the manufacturer.
Deletion: How users erase their data.
Logging: Security logging and monitoring.
VulnerabilityHandling: The manufacturer's vulnerability handling process.
BOMRef: A bill of materials (SBOM, HBOM or CBOM).
UserInformation: Where the CRA Annex II user information is published.
Conformity: Facts for the EU declaration of conformity (CRA Annex V).
NotifiedBody: A conformity-assessment body.
Signatory: Who signs for the manufacturer.
USLabel: US Cyber Trust Mark registry facts.
FCCDeclarations: The applicant declarations of 47 CFR 8.208(c).
Evidence: A document that demonstrates requirements, pinned by SHA-256.
NotApplicable: A justified claim that a requirement does not apply.
`
