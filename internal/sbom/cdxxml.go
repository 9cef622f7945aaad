package sbom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cdxXML is the subset of a CycloneDX 1.1–1.7 XML BOM the model needs.
type cdxXML struct {
	XMLName      xml.Name     `xml:"bom"`
	Metadata     *cdxXMLMeta  `xml:"metadata"`
	Components   []cdxXMLComp `xml:"components>component"`
	Dependencies []cdxXMLDep  `xml:"dependencies>dependency"`
	Serial       string       `xml:"serialNumber,attr"`
}

type cdxXMLMeta struct {
	Timestamp      string       `xml:"timestamp"`
	Tools          []cdxXMLTool `xml:"tools>tool"`
	ToolComponents []cdxXMLTool `xml:"tools>components>component"`
	ToolServices   []cdxXMLTool `xml:"tools>services>service"`
	Authors        []cdxXMLName `xml:"authors>author"`
	Component      *cdxXMLComp  `xml:"component"`
	Manufacture    *cdxXMLName  `xml:"manufacture"`
	Manufacturer   *cdxXMLName  `xml:"manufacturer"`
	Supplier       *cdxXMLName  `xml:"supplier"`
}

type cdxXMLTool struct {
	Vendor  string `xml:"vendor"`
	Group   string `xml:"group"`
	Name    string `xml:"name"`
	Version string `xml:"version"`
}

type cdxXMLName struct {
	Name string `xml:"name"`
}

type cdxXMLComp struct {
	Type         string       `xml:"type,attr"`
	BOMRef       string       `xml:"bom-ref,attr"`
	Supplier     *cdxXMLName  `xml:"supplier"`
	Manufacturer *cdxXMLName  `xml:"manufacturer"`
	Author       string       `xml:"author"`
	Publisher    string       `xml:"publisher"`
	Group        string       `xml:"group"`
	Name         string       `xml:"name"`
	Version      string       `xml:"version"`
	Scope        string       `xml:"scope"`
	Hashes       []cdxXMLHash `xml:"hashes>hash"`
	Licenses     *cdxXMLLics  `xml:"licenses"`
	CPE          string       `xml:"cpe"`
	PURL         string       `xml:"purl"`
	Properties   []cdxXMLProp `xml:"properties>property"`
	Components   []cdxXMLComp `xml:"components>component"`
	ExtRefs      []struct {
		Type   string       `xml:"type,attr"`
		URL    string       `xml:"url"`
		Hashes []cdxXMLHash `xml:"hashes>hash"`
	} `xml:"externalReferences>reference"`
	SWID *struct {
		TagID string `xml:"tagId,attr"`
	} `xml:"swid"`
	Crypto *cdxJSONCrypto `xml:"cryptoProperties"`
}

type cdxXMLHash struct {
	Alg   string `xml:"alg,attr"`
	Value string `xml:",chardata"`
}

type cdxXMLLics struct {
	Licenses    []cdxXMLLic `xml:"license"`
	Expressions []string    `xml:"expression"`
}

type cdxXMLLic struct {
	ID   string `xml:"id"`
	Name string `xml:"name"`
	Ack  string `xml:"acknowledgement,attr"`
}

type cdxXMLProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type cdxXMLDep struct {
	Ref      string      `xml:"ref,attr"`
	Deps     []cdxXMLDep `xml:"dependency"`
	Provides []cdxXMLDep `xml:"provides"`
}

const cdxNamespacePrefix = "http://cyclonedx.org/schema/bom/"

// refuseDTD rejects XML documents that declare a DTD: CycloneDX never
// needs one, and internal entity declarations are the vehicle of
// entity-expansion ("billion laughs") and external-entity attacks.
func refuseDTD(data []byte) error {
	if i := bytes.Index(data, []byte("<!DOCTYPE")); i >= 0 {
		return fmt.Errorf("%s: XML document type declaration (<!DOCTYPE>) refused: entity declarations are not allowed in an SBOM (entity expansion attack?)", lineCol(data, int64(i)))
	}
	if i := bytes.Index(data, []byte("<!ENTITY")); i >= 0 {
		return fmt.Errorf("%s: XML entity declaration refused (entity expansion attack?)", lineCol(data, int64(i)))
	}
	return nil
}

func parseCycloneDXXML(data []byte) (*Document, error) {
	if err := refuseDTD(data); err != nil {
		return nil, err
	}
	var raw cdxXML
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, xmlError(data, dec, err)
	}
	ns := raw.XMLName.Space
	if !strings.HasPrefix(ns, cdxNamespacePrefix) {
		return nil, fmt.Errorf("/bom: namespace %q is not a CycloneDX namespace (%sX.Y)", ns, cdxNamespacePrefix)
	}
	version := strings.TrimPrefix(ns, cdxNamespacePrefix)
	if !knownCycloneDXVersion(version) {
		return nil, fmt.Errorf("/bom: CycloneDX version %q (from the namespace) is not one dualmark reads (1.1–1.7)", version)
	}
	doc := &Document{Format: FormatCycloneDX, SpecVersion: version, Encoding: EncodingXML, URI: raw.Serial}
	if m := raw.Metadata; m != nil {
		doc.Created = parseTime(m.Timestamp, "/bom/metadata/timestamp", doc)
		for _, list := range [][]cdxXMLTool{m.Tools, m.ToolComponents, m.ToolServices} {
			for _, t := range list {
				doc.Creators = appendNonEmpty(doc.Creators, toolName(t.Vendor+t.Group, t.Name, t.Version), "Tool: ")
			}
		}
		for _, a := range m.Authors {
			doc.Creators = appendNonEmpty(doc.Creators, a.Name, "Person: ")
		}
		for _, e := range []*cdxXMLName{m.Manufacture, m.Manufacturer, m.Supplier} {
			if e != nil {
				doc.Creators = appendNonEmpty(doc.Creators, e.Name, "Organization: ")
			}
		}
		if m.Component != nil {
			c := convertCDXXML(m.Component, "/bom/metadata/component", doc)
			doc.Subject = &c
			doc.Name = c.Name
		}
	}
	walkCDXXML(raw.Components, "/bom/components", doc)
	if doc.Components == nil {
		doc.Components = []Component{}
	}
	for _, d := range raw.Dependencies {
		dep := Dependency{Ref: d.Ref, DependsOn: make([]string, 0, len(d.Deps))}
		for _, t := range d.Deps {
			dep.DependsOn = append(dep.DependsOn, t.Ref)
		}
		doc.Dependencies = append(doc.Dependencies, dep)
		if len(d.Provides) > 0 {
			pr := Dependency{Ref: d.Ref}
			for _, t := range d.Provides {
				pr.DependsOn = append(pr.DependsOn, t.Ref)
			}
			doc.Provides = append(doc.Provides, pr)
		}
	}
	return doc, nil
}

func toolName(vendor, name, version string) string {
	s := strings.TrimSpace(strings.Join(nonEmpty(vendor, name), " "))
	if version != "" {
		s += "-" + version
	}
	return s
}

func walkCDXXML(cs []cdxXMLComp, path string, doc *Document) {
	for i := range cs {
		p := path + "/component[" + strconv.Itoa(i+1) + "]"
		doc.Components = append(doc.Components, convertCDXXML(&cs[i], p, doc))
		if len(cs[i].Components) > 0 {
			walkCDXXML(cs[i].Components, p+"/components", doc)
		}
	}
}

func convertCDXXML(c *cdxXMLComp, path string, doc *Document) Component {
	j := cdxJSONComp{
		Type: c.Type, BOMRef: c.BOMRef, Name: strings.TrimSpace(c.Name), Group: strings.TrimSpace(c.Group),
		Version: strings.TrimSpace(c.Version), Author: c.Author, Publisher: c.Publisher,
		PURL: c.PURL, CPE: strings.TrimSpace(c.CPE), Scope: c.Scope,
	}
	if c.Supplier != nil {
		j.Supplier = &cdxJSONEntity{Name: c.Supplier.Name}
	}
	if c.Manufacturer != nil {
		j.Manufacturer = &cdxJSONEntity{Name: c.Manufacturer.Name}
	}
	for _, h := range c.Hashes {
		j.Hashes = append(j.Hashes, cdxJSONHash{Alg: h.Alg, Content: strings.TrimSpace(h.Value)})
	}
	if c.Licenses != nil {
		for _, e := range c.Licenses.Expressions {
			j.Licenses = append(j.Licenses, cdxJSONLic{Expression: strings.TrimSpace(e)})
		}
		for _, l := range c.Licenses.Licenses {
			j.Licenses = append(j.Licenses, cdxJSONLic{License: &cdxJSONLicense{
				ID: strings.TrimSpace(l.ID), Name: strings.TrimSpace(l.Name), Acknowledgement: l.Ack}})
		}
	}
	for _, r := range c.ExtRefs {
		ref := cdxJSONExtRef{Type: r.Type, URL: strings.TrimSpace(r.URL)}
		for _, h := range r.Hashes {
			ref.Hashes = append(ref.Hashes, cdxJSONHash{Alg: h.Alg, Content: strings.TrimSpace(h.Value)})
		}
		j.ExtRefs = append(j.ExtRefs, ref)
	}
	if c.SWID != nil {
		j.SWID = &struct {
			TagID string `json:"tagId"`
		}{c.SWID.TagID}
	}
	for _, p := range c.Properties {
		j.Properties = append(j.Properties, cdxJSONProp(p))
	}
	j.Crypto = c.Crypto
	return convertCDXJSON(&j, path, doc)
}

// xmlError names the line of an XML error.
func xmlError(data []byte, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: malformed XML: %s", se.Line, se.Msg)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated XML: the document ends early", lineCol(data, int64(len(data))))
	}
	line, col := dec.InputPos()
	return fmt.Errorf("line %d, column %d: %v", line, col, err)
}
