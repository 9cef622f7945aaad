package sbom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// cdxJSON is the subset of a CycloneDX 1.2–1.7 JSON BOM that the model
// needs. Decoding into this small typed struct instead of the full
// cyclonedx-go model keeps the reader fast (see BenchmarkParseCycloneDXJSON).
type cdxJSON struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Metadata     *cdxJSONMeta    `json:"metadata"`
	Components   []cdxJSONComp   `json:"components"`
	Dependencies []cdxJSONDep    `json:"dependencies"`
	Tools        json.RawMessage `json:"-"`
}

type cdxJSONMeta struct {
	Timestamp    string          `json:"timestamp"`
	Tools        json.RawMessage `json:"tools"`
	Authors      []cdxJSONEntity `json:"authors"`
	Component    *cdxJSONComp    `json:"component"`
	Manufacture  *cdxJSONEntity  `json:"manufacture"`
	Manufacturer *cdxJSONEntity  `json:"manufacturer"`
	Supplier     *cdxJSONEntity  `json:"supplier"`
}

type cdxJSONEntity struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type cdxJSONComp struct {
	Type         string          `json:"type"`
	BOMRef       string          `json:"bom-ref"`
	Name         string          `json:"name"`
	Group        string          `json:"group"`
	Version      string          `json:"version"`
	Supplier     *cdxJSONEntity  `json:"supplier"`
	Manufacturer *cdxJSONEntity  `json:"manufacturer"`
	Author       string          `json:"author"`
	Publisher    string          `json:"publisher"`
	PURL         string          `json:"purl"`
	CPE          string          `json:"cpe"`
	Scope        string          `json:"scope"`
	Hashes       []cdxJSONHash   `json:"hashes"`
	Licenses     []cdxJSONLic    `json:"licenses"`
	Components   []cdxJSONComp   `json:"components"`
	Properties   []cdxJSONProp   `json:"properties"`
	ExtRefs      []cdxJSONExtRef `json:"externalReferences"`
}

type cdxJSONHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxJSONLic struct {
	License *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"license"`
	Expression string `json:"expression"`
}

type cdxJSONProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxJSONExtRef struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type cdxJSONDep struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

type cdxJSONTool struct {
	Vendor  string `json:"vendor"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

func parseCycloneDXJSON(data []byte) (*Document, error) {
	var raw cdxJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	if raw.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("/bomFormat: %q is not \"CycloneDX\"", raw.BOMFormat)
	}
	if !knownCycloneDXVersion(raw.SpecVersion) {
		return nil, fmt.Errorf("/specVersion: %q is not a CycloneDX version dualmark reads (1.2–1.7)", raw.SpecVersion)
	}
	doc := &Document{Format: FormatCycloneDX, SpecVersion: raw.SpecVersion, Encoding: EncodingJSON}
	if m := raw.Metadata; m != nil {
		doc.Created = parseTime(m.Timestamp, "/metadata/timestamp", doc)
		doc.Creators = append(doc.Creators, cdxJSONTools(m.Tools)...)
		for _, a := range m.Authors {
			doc.Creators = appendNonEmpty(doc.Creators, a.Name, "Person: ")
		}
		for _, e := range []*cdxJSONEntity{m.Manufacture, m.Manufacturer, m.Supplier} {
			if e != nil {
				doc.Creators = appendNonEmpty(doc.Creators, e.Name, "Organization: ")
			}
		}
		if m.Component != nil {
			c := convertCDXJSON(m.Component, "/metadata/component", doc)
			doc.Subject = &c
			doc.Name = c.Name
		}
	}
	n := countCDXJSON(raw.Components)
	doc.Components = make([]Component, 0, n)
	walkCDXJSON(raw.Components, "/components", doc)
	doc.Dependencies = make([]Dependency, 0, len(raw.Dependencies))
	for _, d := range raw.Dependencies {
		doc.Dependencies = append(doc.Dependencies, Dependency{Ref: d.Ref, DependsOn: d.DependsOn})
	}
	return doc, nil
}

func countCDXJSON(cs []cdxJSONComp) int {
	n := len(cs)
	for i := range cs {
		n += countCDXJSON(cs[i].Components)
	}
	return n
}

func walkCDXJSON(cs []cdxJSONComp, ptr string, doc *Document) {
	for i := range cs {
		p := ptr + "/" + strconv.Itoa(i)
		doc.Components = append(doc.Components, convertCDXJSON(&cs[i], p, doc))
		if len(cs[i].Components) > 0 {
			walkCDXJSON(cs[i].Components, p+"/components", doc)
		}
	}
}

func convertCDXJSON(c *cdxJSONComp, ptr string, doc *Document) Component {
	out := Component{
		Ref: c.BOMRef, Name: c.Name, Version: c.Version,
		Type: cdxType(c.Type), Scope: c.Scope, Location: ptr,
	}
	if c.Group != "" && c.Name != "" {
		out.Name = c.Group + "/" + c.Name
	}
	switch {
	case c.Supplier != nil && c.Supplier.Name != "":
		out.Supplier = c.Supplier.Name
	case c.Manufacturer != nil && c.Manufacturer.Name != "":
		out.Supplier = c.Manufacturer.Name
	case c.Publisher != "":
		out.Supplier = c.Publisher
	case c.Author != "":
		out.Supplier = c.Author
	}
	if c.CPE != "" {
		out.CPEs = []string{c.CPE}
	}
	if len(c.Hashes) > 0 {
		out.Hashes = make([]Hash, 0, len(c.Hashes))
		for _, h := range c.Hashes {
			out.Hashes = append(out.Hashes, Hash{Algorithm: normalizeHashAlg(h.Alg), Value: h.Content})
		}
	}
	out.Licenses = cdxLicenseExpr(c.Licenses)
	for _, p := range c.Properties {
		if p.Name == "syft:location:0:path" || p.Name == "filename" || p.Name == "fileName" {
			out.FileName = p.Value
		}
	}
	setPURL(&out, c.PURL, ptr+"/purl", doc)
	return out
}

// cdxLicenseExpr joins CycloneDX licence choices into one SPDX expression.
func cdxLicenseExpr(ls []cdxJSONLic) string {
	var parts []string
	for _, l := range ls {
		switch {
		case l.Expression != "":
			parts = append(parts, l.Expression)
		case l.License != nil && l.License.ID != "":
			parts = append(parts, l.License.ID)
		case l.License != nil && l.License.Name != "":
			parts = append(parts, licenseRef(l.License.Name))
		}
	}
	return joinLicenses(parts)
}

// cdxJSONTools reads metadata.tools in both shapes: the legacy array of
// tools (1.2–1.4) and the 1.5+ object {components, services}.
func cdxJSONTools(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []cdxJSONTool
	if raw[0] == '{' {
		var obj struct {
			Components []cdxJSONTool `json:"components"`
			Services   []cdxJSONTool `json:"services"`
		}
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		list = append(obj.Components, obj.Services...)
	} else if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, t := range list {
		out = appendNonEmpty(out, toolName(t.Vendor, t.Name, t.Version), "Tool: ")
	}
	return out
}

func knownCycloneDXVersion(v string) bool {
	switch v {
	case "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7":
		return true
	}
	return false
}

// jsonError turns an encoding/json error into one naming line, column and
// (for type errors) the field path.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s: malformed JSON: %v", lineCol(data, se.Offset), se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(document root)"
		}
		return fmt.Errorf("%s: field %s: JSON %s where %s was expected", lineCol(data, te.Offset), field, te.Value, te.Type)
	}
	return fmt.Errorf("malformed JSON: %w", err)
}
