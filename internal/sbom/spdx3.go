package sbom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// spdx3Element is the union of the SPDX 3.0 JSON-LD element fields the
// model needs. SPDX 3 documents are a flat @graph of typed elements joined
// by Relationship elements.
type spdx3Element struct {
	Type         string          `json:"type"`
	AtType       string          `json:"@type"`
	SPDXID       string          `json:"spdxId"`
	AtID         string          `json:"@id"`
	Name         string          `json:"name"`
	CreationInfo json.RawMessage `json:"creationInfo"`
	// CreationInfo
	SpecVersion  string  `json:"specVersion"`
	Created      string  `json:"created"`
	CreatedBy    strList `json:"createdBy"`
	CreatedUsing strList `json:"createdUsing"`
	// SpdxDocument
	RootElement strList `json:"rootElement"`
	// software_Package and friends
	Version           string            `json:"software_packageVersion"`
	DownloadLocation  string            `json:"software_downloadLocation"`
	PackageURL        string            `json:"software_packageUrl"`
	PrimaryPurpose    string            `json:"software_primaryPurpose"`
	AdditionalPurpose strList           `json:"software_additionalPurpose"`
	SourceInfo        string            `json:"software_sourceInfo"`
	SuppliedBy        string            `json:"suppliedBy"`
	OriginatedBy      strList           `json:"originatedBy"`
	ExternalIDs       []spdx3ExternalID `json:"externalIdentifier"`
	ExternalIDs2      []spdx3ExternalID `json:"externalIdentifiers"`
	ExternalRefs      []struct {
		Type    string  `json:"externalRefType"`
		Locator strList `json:"locator"`
	} `json:"externalRef"`
	VerifiedUsing []struct {
		Algorithm string `json:"algorithm"`
		HashValue string `json:"hashValue"`
	} `json:"verifiedUsing"`
	// Relationship
	From             string  `json:"from"`
	To               strList `json:"to"`
	RelationshipType string  `json:"relationshipType"`
	Comment          string  `json:"comment"`
	// licence expressions
	LicenseExpression  string `json:"licenseExpression"`
	LicenseExpression2 string `json:"simplelicensing_licenseExpression"`
	// AI and dataset profiles (ai.go)
	spdx3AI
}

// strList is a JSON-LD value that may be one string or an array of them.
type strList []string

// UnmarshalJSON accepts "x" as well as ["x", ...].
func (l *strList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = strList{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*l = list
	return nil
}

type spdx3ExternalID struct {
	Type       string `json:"externalIdentifierType"`
	Identifier string `json:"identifier"`
}

func (e *spdx3Element) kind() string {
	if e.Type != "" {
		return e.Type
	}
	return e.AtType
}

func (e *spdx3Element) id() string {
	if e.SPDXID != "" {
		return e.SPDXID
	}
	return e.AtID
}

// isSPDX3Package reports whether an element counts as a component:
// software_Package and its subclasses ai_AIPackage and dataset_DatasetPackage.
func isSPDX3Package(kind string) bool {
	switch kind {
	case "software_Package", "ai_AIPackage", "dataset_DatasetPackage",
		"Package", "AIPackage", "DatasetPackage", "software:Package", "ai:AIPackage", "dataset:DatasetPackage":
		return true
	}
	return false
}

func parseSPDX3(data []byte) (*Document, error) {
	var raw struct {
		Context json.RawMessage `json:"@context"`
		Graph   []spdx3Element  `json:"@graph"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	if !strings.Contains(string(raw.Context), "spdx.org/rdf/3") {
		return nil, fmt.Errorf("/@context: %s is not an SPDX 3 context (https://spdx.org/rdf/3.0.x/spdx-context.jsonld)", strings.TrimSpace(string(raw.Context)))
	}
	doc := &Document{Format: FormatSPDX, SpecVersion: "3.0", Encoding: EncodingJSONLD, Components: []Component{}}
	byID := make(map[string]*spdx3Element, len(raw.Graph))
	for i := range raw.Graph {
		if id := raw.Graph[i].id(); id != "" {
			byID[id] = &raw.Graph[i]
		}
	}
	// creation info: a separate CreationInfo element or inline objects
	var ci *spdx3Element
	for i := range raw.Graph {
		e := &raw.Graph[i]
		switch e.kind() {
		case "CreationInfo":
			if ci == nil {
				ci = e
			}
		case "SpdxDocument":
			if doc.URI == "" {
				doc.URI, doc.Name = e.id(), e.Name
				if len(e.RootElement) > 0 {
					defer setSPDX3Subject(doc, e.RootElement)
				}
			}
		}
		if ci == nil && len(e.CreationInfo) > 0 && e.CreationInfo[0] == '{' {
			var inline spdx3Element
			if json.Unmarshal(e.CreationInfo, &inline) == nil {
				ci = &inline
			}
		}
	}
	if ci != nil {
		if ci.SpecVersion == "" {
			doc.warn(locSPDX3SpecVersion, "CreationInfo states no specVersion; 3.0 assumed from @context")
		}
		if v := ci.SpecVersion; v != "" {
			parts := strings.SplitN(v, ".", 3)
			if len(parts) >= 2 {
				doc.SpecVersion = parts[0] + "." + parts[1]
			}
			if parts[0] != "3" {
				return nil, fmt.Errorf("CreationInfo/specVersion: %q is not an SPDX 3 version", v)
			}
		}
		doc.Created = parseTime(ci.Created, "CreationInfo/created", doc)
		for _, ref := range append(append([]string{}, ci.CreatedBy...), ci.CreatedUsing...) {
			agent := byID[ref]
			if agent == nil {
				doc.Creators = append(doc.Creators, ref)
				continue
			}
			doc.Creators = append(doc.Creators, spdx3AgentKind(agent.kind())+": "+agent.Name)
			if c := spdx3Contact(agent); c != "" && doc.CreatorContact == "" {
				doc.CreatorContact = c
			}
		}
	}
	index := map[string]int{}
	for i := range raw.Graph {
		e := &raw.Graph[i]
		if !isSPDX3Package(e.kind()) {
			continue
		}
		index[e.id()] = len(doc.Components)
		doc.Components = append(doc.Components, convertSPDX3Package(e, "/@graph/"+strconv.Itoa(i), byID, doc))
	}
	deps := map[string]int{}
	for i := range raw.Graph {
		e := &raw.Graph[i]
		if e.kind() != "Relationship" && e.kind() != "LifecycleScopedRelationship" {
			continue
		}
		ci, isPkg := index[e.From]
		switch e.RelationshipType {
		case "describes":
			if doc.Subject == nil {
				setSPDX3Subject(doc, e.To)
			}
		case "generates":
			// a source artifact generates the package
			src := byID[e.From]
			for _, to := range e.To {
				j, ok := index[to]
				if !ok || src == nil {
					continue
				}
				c := &doc.Components[j]
				for _, h := range src.VerifiedUsing {
					c.extra().SourceHashes = append(c.extra().SourceHashes, Hash{Algorithm: normalizeHashAlg(h.Algorithm), Value: h.HashValue})
				}
				for _, r := range src.ExternalRefs {
					if len(r.Locator) > 0 && c.X().SourceURL == "" {
						c.extra().SourceURL = r.Locator[0]
					}
				}
			}
		case "dependsOn", "contains":
			if !isPkg {
				continue
			}
			for _, to := range e.To {
				if _, ok := index[to]; !ok {
					if byID[to] == nil && !strings.Contains(to, "/") {
						doc.warn("/@graph/"+strconv.Itoa(i), fmt.Sprintf("relationship %s names no element %q", e.RelationshipType, to))
					}
					continue
				}
				j, ok := deps[e.From]
				if !ok {
					j = len(doc.Dependencies)
					deps[e.From] = j
					doc.Dependencies = append(doc.Dependencies, Dependency{Ref: e.From})
				}
				doc.Dependencies[j].DependsOn = append(doc.Dependencies[j].DependsOn, to)
			}
		case "hasDeclaredLicense", "hasConcludedLicense", "other":
			if !isPkg {
				continue
			}
			expr := spdx3License(e.To, byID)
			c := &doc.Components[ci]
			switch {
			case e.RelationshipType == "hasDeclaredLicense":
				c.extra().LicenseDeclared = expr
			case e.RelationshipType == "hasConcludedLicense":
				c.extra().LicenseConcluded = expr
			case strings.Contains(e.Comment, "hasEffectiveLicense"):
				c.extra().LicenseEffective = expr
			}
			c.Licenses = firstNonEmpty(c.X().LicenseConcluded, c.X().LicenseDeclared)
		case "trainedOn", "testedOn":
			if !isPkg {
				continue
			}
			c := &doc.Components[ci]
			if c.X().AI == nil {
				c.extra().AI = &AIInfo{}
			}
			for _, to := range e.To {
				r := DatasetRef{Ref: to, Relation: e.RelationshipType}
				if t := byID[to]; t != nil {
					r.Name = t.Name
				}
				c.Extra.AI.Datasets = append(c.Extra.AI.Datasets, r)
			}
		case "hasDistributionArtifact":
			if !isPkg {
				continue
			}
			for _, to := range e.To {
				if f := byID[to]; f != nil {
					c := &doc.Components[ci]
					if c.FileName == "" {
						c.FileName = f.Name
					}
					for _, h := range f.VerifiedUsing {
						c.extra().DeployableHashes = append(c.extra().DeployableHashes, Hash{Algorithm: normalizeHashAlg(h.Algorithm), Value: h.HashValue})
					}
					setPurposes(c.extra(), f.AdditionalPurpose)
				}
			}
		}
	}
	return doc, nil
}

// locSPDX3SpecVersion is the warning location of a missing specVersion.
const locSPDX3SpecVersion = "CreationInfo/specVersion"

func setSPDX3Subject(doc *Document, roots strList) {
	for _, r := range roots {
		for i := range doc.Components {
			if doc.Components[i].Ref == r {
				s := doc.Components[i]
				doc.Subject = &s
				return
			}
		}
	}
}

func spdx3AgentKind(kind string) string {
	switch kind {
	case "Person":
		return "Person"
	case "Tool":
		return "Tool"
	}
	return "Organization"
}

// spdx3Contact returns an e-mail or URL identifier of an agent.
func spdx3Contact(agent *spdx3Element) string {
	for _, x := range append(append([]spdx3ExternalID{}, agent.ExternalIDs...), agent.ExternalIDs2...) {
		if x.Identifier != "" && (x.Type == "email" || x.Type == "urlScheme" || x.Type == "other" || strings.Contains(x.Identifier, "@") || isURL(x.Identifier)) {
			return x.Identifier
		}
	}
	return ""
}

func spdx3License(to strList, byID map[string]*spdx3Element) string {
	var parts []string
	for _, id := range to {
		if l := byID[id]; l != nil {
			parts = append(parts, firstNonEmpty(l.LicenseExpression2, l.LicenseExpression, l.Name))
		} else if strings.HasPrefix(id, "https://spdx.org/licenses/") {
			parts = append(parts, strings.TrimPrefix(id, "https://spdx.org/licenses/"))
		}
	}
	return joinLicenses(parts)
}

// setPurposes maps SPDX 3 additional purposes onto the BSI properties:
// executable, archive and container (= structured).
func setPurposes(c *ComponentExtra, purposes strList) {
	for _, p := range purposes {
		switch p {
		case "executable":
			c.Executable = "true"
		case "archive":
			c.Archive = "true"
		case "container":
			c.Structured = "true"
		}
	}
}

func convertSPDX3Package(e *spdx3Element, loc string, byID map[string]*spdx3Element, doc *Document) Component {
	c := Component{Ref: e.id(), Name: e.Name, Version: e.Version, Type: spdxPurpose(e.PrimaryPurpose), Location: loc}
	var x ComponentExtra
	switch e.kind() {
	case "ai_AIPackage", "AIPackage", "ai:AIPackage":
		c.Type = "machine-learning-model"
	case "dataset_DatasetPackage", "DatasetPackage", "dataset:DatasetPackage":
		c.Type = "data"
	}
	if a := byID[e.SuppliedBy]; a != nil {
		c.Supplier, x.SupplierContact = a.Name, spdx3Contact(a)
	}
	for _, o := range e.OriginatedBy {
		if a := byID[o]; a != nil {
			x.Creator, x.CreatorContact = a.Name, spdx3Contact(a)
			break
		}
	}
	for _, h := range e.VerifiedUsing {
		c.Hashes = append(c.Hashes, Hash{Algorithm: normalizeHashAlg(h.Algorithm), Value: h.HashValue})
	}
	if isURL(e.DownloadLocation) {
		x.DownloadURL = e.DownloadLocation
	}
	setPurposes(&x, e.AdditionalPurpose)
	for _, r := range e.ExternalRefs {
		if len(r.Locator) == 0 {
			continue
		}
		switch r.Type {
		case "securityOther", "securityPolicy":
			x.SecurityTxtURL = r.Locator[0]
		case "sourceArtifact", "vcs":
			x.SourceURL = r.Locator[0]
		}
	}
	setPURL(&c, e.PackageURL, loc+"/software_packageUrl", doc)
	for _, id := range append(append([]spdx3ExternalID{}, e.ExternalIDs...), e.ExternalIDs2...) {
		switch id.Type {
		case "packageUrl":
			if c.PURL == "" {
				setPURL(&c, id.Identifier, loc+"/externalIdentifier", doc)
			}
		case "cpe23", "cpe22":
			c.CPEs = append(c.CPEs, id.Identifier)
		case "swid":
			x.SWID = id.Identifier
		}
	}
	c.setExtra(&x)
	if c.Type == "machine-learning-model" || c.Type == "data" {
		c.extra().AI = spdx3AIInfo(&e.spdx3AI, c.Type == "machine-learning-model")
	}
	return c
}
