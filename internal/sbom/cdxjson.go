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
	Components   []*cdxJSONComp  `json:"components"`
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
	Name    string          `json:"name"`
	Email   string          `json:"email"`
	URL     json.RawMessage `json:"url"` // a string (contact) or an array (organisation)
	Contact []struct {
		Email string `json:"email"`
	} `json:"contact"`
}

// contact returns the first e-mail or URL of an entity.
func (e *cdxJSONEntity) contact() string {
	if e == nil {
		return ""
	}
	if e.Email != "" {
		return e.Email
	}
	for _, c := range e.Contact {
		if c.Email != "" {
			return c.Email
		}
	}
	if len(e.URL) > 0 {
		var s string
		var list []string
		if json.Unmarshal(e.URL, &s) == nil && s != "" {
			return s
		}
		if json.Unmarshal(e.URL, &list) == nil && len(list) > 0 {
			return list[0]
		}
	}
	return ""
}

type cdxJSONComp struct {
	Type string `json:"type"`
	SWID *struct {
		TagID string `json:"tagId"`
	} `json:"swid"`
	Authors      []cdxJSONEntity   `json:"authors"`
	BOMRef       string            `json:"bom-ref"`
	Name         string            `json:"name"`
	Group        string            `json:"group"`
	Version      string            `json:"version"`
	Supplier     *cdxJSONEntity    `json:"supplier"`
	Manufacturer *cdxJSONEntity    `json:"manufacturer"`
	Author       string            `json:"author"`
	Publisher    string            `json:"publisher"`
	PURL         string            `json:"purl"`
	CPE          string            `json:"cpe"`
	Scope        string            `json:"scope"`
	Hashes       []cdxJSONHash     `json:"hashes"`
	Licenses     []cdxJSONLic      `json:"licenses"`
	Components   []*cdxJSONComp    `json:"components"`
	Properties   []cdxJSONProp     `json:"properties"`
	ExtRefs      []cdxJSONExtRef   `json:"externalReferences"`
	Crypto       *cdxJSONCrypto    `json:"cryptoProperties"`
	ModelCard    *cdxJSONModelCard `json:"modelCard"`
	Data         []cdxJSONData     `json:"data"`
}

type cdxJSONHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxJSONLic struct {
	License    *cdxJSONLicense `json:"license"`
	Expression string          `json:"expression"`
	// Acknowledgement (1.6+) is "declared" or "concluded".
	Acknowledgement string `json:"acknowledgement"`
}

type cdxJSONLicense struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Acknowledgement string `json:"acknowledgement"`
}

type cdxJSONProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxJSONExtRef struct {
	Type   string        `json:"type"`
	URL    string        `json:"url"`
	Hashes []cdxJSONHash `json:"hashes"`
}

type cdxJSONDep struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
	Provides  []string `json:"provides"`
}

type cdxJSONTool struct {
	Vendor  string `json:"vendor"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// parseCycloneDXJSON decodes the whole BOM into the typed structs with
// encoding/json. It is the reference reader and the slow path of
// parseCycloneDXJSONFast, used for malformed input (its errors name line,
// column and field).
func parseCycloneDXJSON(data []byte) (*Document, error) {
	var raw cdxJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	doc, err := newCycloneDXDoc(&raw)
	if err != nil {
		return nil, err
	}
	n := countCDXJSON(raw.Components)
	doc.Components = make([]Component, 0, n)
	walkCDXJSON(raw.Components, "/components", doc)
	addCDXDependencies(doc, raw.Dependencies)
	return doc, nil
}

// newCycloneDXDoc checks format and version and reads the metadata.
func newCycloneDXDoc(raw *cdxJSON) (*Document, error) {
	if raw.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("/bomFormat: %q is not \"CycloneDX\"", raw.BOMFormat)
	}
	if !knownCycloneDXVersion(raw.SpecVersion) {
		return nil, fmt.Errorf("/specVersion: %q is not a CycloneDX version dualmark reads (1.2–1.7)", raw.SpecVersion)
	}
	doc := &Document{Format: FormatCycloneDX, SpecVersion: raw.SpecVersion, Encoding: EncodingJSON, URI: raw.SerialNumber, Components: []Component{}}
	if m := raw.Metadata; m != nil {
		for _, e := range append(append([]cdxJSONEntity{}, m.Authors...), derefEntities(m.Manufacture, m.Manufacturer, m.Supplier)...) {
			if c := e.contact(); c != "" && doc.CreatorContact == "" {
				doc.CreatorContact = c
			}
		}
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
	return doc, nil
}

func addCDXDependencies(doc *Document, deps []cdxJSONDep) {
	if len(deps) == 0 {
		return
	}
	doc.Dependencies = make([]Dependency, 0, len(deps))
	for _, d := range deps {
		doc.Dependencies = append(doc.Dependencies, Dependency{Ref: d.Ref, DependsOn: d.DependsOn})
		if len(d.Provides) > 0 {
			doc.Provides = append(doc.Provides, Dependency{Ref: d.Ref, DependsOn: d.Provides})
		}
	}
}

func derefEntities(es ...*cdxJSONEntity) []cdxJSONEntity {
	var out []cdxJSONEntity
	for _, e := range es {
		if e != nil {
			out = append(out, *e)
		}
	}
	return out
}

func countCDXJSON(cs []*cdxJSONComp) int {
	n := 0
	for _, c := range cs {
		if c != nil {
			n += 1 + countCDXJSON(c.Components)
		}
	}
	return n
}

// walkCDXJSON converts the components depth-first. The element type is a
// pointer: encoding/json then grows a slice of 8-byte pointers instead of
// copying the large struct on every doubling, which cut the time of
// synth-10000.cdx.json by a fifth.
func walkCDXJSON(cs []*cdxJSONComp, ptr string, doc *Document) {
	for i, c := range cs {
		p := ptr + "/" + strconv.Itoa(i)
		if c == nil {
			doc.warn(p, "null component skipped")
			continue
		}
		doc.Components = append(doc.Components, convertCDXJSON(c, p, doc))
		if len(c.Components) > 0 {
			walkCDXJSON(c.Components, p+"/components", doc)
		}
	}
}

func convertCDXJSON(c *cdxJSONComp, ptr string, doc *Document) Component {
	out := Component{
		Ref: c.BOMRef, Name: c.Name, Version: c.Version,
		Type: cdxType(c.Type), Scope: cdxScope(c.Scope), Location: ptr,
	}
	var x ComponentExtra
	if c.Group != "" && c.Name != "" {
		out.Name = c.Group + "/" + c.Name
	}
	if c.Supplier != nil {
		out.Supplier, x.SupplierContact = c.Supplier.Name, c.Supplier.contact()
	}
	switch {
	case c.Manufacturer != nil && (c.Manufacturer.Name != "" || c.Manufacturer.contact() != ""):
		x.Creator, x.CreatorContact = c.Manufacturer.Name, c.Manufacturer.contact()
	case len(c.Authors) > 0:
		x.Creator, x.CreatorContact = c.Authors[0].Name, c.Authors[0].contact()
	case c.Author != "":
		x.Creator = c.Author
	}
	if out.Supplier == "" {
		out.Supplier = c.Publisher // the pre-1.6 stand-in for a supplier
	}
	if c.SWID != nil {
		x.SWID = c.SWID.TagID
	}
	if c.CPE != "" {
		out.CPEs = []string{c.CPE}
	}
	out.Hashes = appendHashes(nil, c.Hashes)
	out.Licenses = cdxLicenseExpr(c.Licenses, "")
	x.LicenseConcluded = cdxLicenseExpr(c.Licenses, "concluded")
	x.LicenseDeclared = cdxLicenseExpr(c.Licenses, "declared")
	if x.LicenseConcluded != "" {
		out.Licenses = x.LicenseConcluded
	}
	for _, p := range c.Properties {
		switch p.Name {
		case "bsi:component:filename", "filename", "fileName":
			out.FileName = p.Value
		case "syft:location:0:path":
			if out.FileName == "" {
				out.FileName = p.Value
			}
		case "bsi:component:executable":
			x.Executable = p.Value
		case "bsi:component:archive":
			x.Archive = p.Value
		case "bsi:component:structured":
			x.Structured = p.Value
		case "bsi:component:effectiveLicense":
			x.LicenseEffective = p.Value
		case propCPE:
			out.CPEs = append(out.CPEs, p.Value)
		}
	}
	for _, r := range c.ExtRefs {
		switch r.Type {
		case "distribution", "distribution-intake":
			if x.DownloadURL == "" {
				x.DownloadURL = r.URL
			}
			x.DeployableHashes = appendHashes(x.DeployableHashes, r.Hashes)
		case "vcs", "source-distribution":
			if x.SourceURL == "" || r.Type == "source-distribution" && len(r.Hashes) > 0 {
				x.SourceURL = r.URL
			}
			x.SourceHashes = appendHashes(x.SourceHashes, r.Hashes)
		case "rfc-9116":
			x.SecurityTxtURL = r.URL
		}
	}
	setPURLAt(&out, c.PURL, ptr, "/purl", doc)
	out.setExtra(&x)
	if c.Crypto != nil {
		out.extra().Crypto = convertCrypto(c.Crypto, c.Properties, ptr, doc)
	}
	if c.ModelCard != nil || len(c.Data) > 0 {
		out.extra().AI = convertCDXAI(c, ptr)
	}
	return out
}

func appendHashes(dst []Hash, hs []cdxJSONHash) []Hash {
	for _, h := range hs {
		dst = append(dst, Hash{Algorithm: normalizeHashAlg(h.Alg), Value: h.Content})
	}
	return dst
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// cdxLicenseExpr joins the CycloneDX licence choices with the given
// acknowledgement ("" = all) into one SPDX expression.
func cdxLicenseExpr(ls []cdxJSONLic, ack string) string {
	var parts []string
	for _, l := range ls {
		a := l.Acknowledgement
		if l.License != nil && a == "" {
			a = l.License.Acknowledgement
		}
		if ack != "" && a != ack {
			continue
		}
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
