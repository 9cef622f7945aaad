package sbom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// spdx2JSON is the subset of an SPDX 2.1–2.3 JSON document the model needs.
// It is decoded directly: tools-golang's json.Read decodes every document
// twice (into map[string]any to find the version, then into the versioned
// model) and converts it by reflection, about 3x slower on synth-10000.
type spdx2JSON struct {
	SPDXVersion       string `json:"spdxVersion"`
	SPDXID            string `json:"SPDXID"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      *struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	DocumentDescribes []string       `json:"documentDescribes"`
	Packages          []spdx2Package `json:"packages"`
	Files             []struct {
		SPDXID string `json:"SPDXID"`
	} `json:"files"`
	Snippets []struct {
		SPDXID string `json:"SPDXID"`
	} `json:"snippets"`
	Relationships []spdx2Relationship `json:"relationships"`
}

type spdx2Package struct {
	Name             string `json:"name"`
	SPDXID           string `json:"SPDXID"`
	VersionInfo      string `json:"versionInfo"`
	PackageFileName  string `json:"packageFileName"`
	Supplier         string `json:"supplier"`
	Originator       string `json:"originator"`
	DownloadLocation string `json:"downloadLocation"`
	SourceInfo       string `json:"sourceInfo"`
	Checksums        []struct {
		Algorithm     string `json:"algorithm"`
		ChecksumValue string `json:"checksumValue"`
	} `json:"checksums"`
	LicenseConcluded string `json:"licenseConcluded"`
	LicenseDeclared  string `json:"licenseDeclared"`
	ExternalRefs     []struct {
		ReferenceCategory string `json:"referenceCategory"`
		ReferenceType     string `json:"referenceType"`
		ReferenceLocator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
	PrimaryPackagePurpose string `json:"primaryPackagePurpose"`
	VerificationCode      *struct {
		Value string `json:"packageVerificationCodeValue"`
	} `json:"packageVerificationCode"`
	Comment string `json:"comment"`
	// line is the source line for tag-value documents (0 for JSON/YAML).
	line int
}

type spdx2Relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func parseSPDX2JSON(data []byte, encoding string) (*Document, error) {
	var raw spdx2JSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	return convertSPDX2(&raw, encoding)
}

func spdx2Version(v string) (string, bool) {
	switch v {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
		return strings.TrimPrefix(v, "SPDX-"), true
	}
	return "", false
}

// convertSPDX2 maps a decoded SPDX 2 document (from JSON, YAML or
// tag-value) onto the model.
func convertSPDX2(raw *spdx2JSON, encoding string) (*Document, error) {
	pkgs := spdx2Packages{doc: &Document{Components: make([]Component, 0, len(raw.Packages))}}
	for i := range raw.Packages {
		pkgs.add(&raw.Packages[i], i)
	}
	return finishSPDX2(raw, encoding, &pkgs, 0, nil)
}

// spdx2Packages are the components converted so far, with the warnings
// their conversion gave. The tag-value reader converts each package as
// soon as it is read, so that the decoded packages of a large document are
// never all held at once.
type spdx2Packages struct {
	doc *Document
}

// add converts the i-th package p.
func (s *spdx2Packages) add(p *spdx2Package, i int) {
	loc := "/packages/" + strconv.Itoa(i)
	if p.SPDXID == "" && p.Name == "" && p.line == 0 {
		s.doc.warn(loc, "null or empty package skipped")
		return
	}
	if p.line > 0 {
		loc = "line " + strconv.Itoa(p.line)
	}
	s.doc.Components = append(s.doc.Components, convertSPDX2Package(p, loc, s.doc))
}

// finishSPDX2 builds the document from the header of raw, the converted
// packages and raw's relationships. Warnings come in the order they always
// did: the header's, the packages', then finish's.
//
// rels gives the i-th of n relationships; nil means raw.Relationships (the
// tag-value reader keeps 8 bytes per relationship instead of the 48 of a
// decoded one, and decodes each again when it is needed).
func finishSPDX2(raw *spdx2JSON, encoding string, pkgs *spdx2Packages, n int, rels func(i int) spdx2Relationship) (*Document, error) {
	if rels == nil {
		n, rels = len(raw.Relationships), func(i int) spdx2Relationship { return raw.Relationships[i] }
	}
	version, ok := spdx2Version(raw.SPDXVersion)
	if !ok {
		return nil, fmt.Errorf("%s: %q is not an SPDX 2 version dualmark reads (SPDX-2.1, SPDX-2.2, SPDX-2.3)", spdxLoc(encoding, "spdxVersion"), raw.SPDXVersion)
	}
	doc := &Document{Format: FormatSPDX, SpecVersion: version, Encoding: encoding, Name: raw.Name, URI: raw.DocumentNamespace}
	if ci := raw.CreationInfo; ci != nil {
		doc.Created = parseTime(ci.Created, spdxLoc(encoding, "creationInfo/created"), doc)
		doc.Creators = ci.Creators
		for _, c := range ci.Creators {
			if _, contact := splitSPDXParty(c); contact != "" && doc.CreatorContact == "" {
				doc.CreatorContact = contact
			}
		}
	}
	doc.Components = pkgs.doc.Components
	doc.Warnings = append(doc.Warnings, pkgs.doc.Warnings...)
	// the SPDX identifiers of the packages (a component's Ref is its
	// package's SPDXID), looked up in a refTable: a map of 1,000,000 of
	// them cost 40 MB
	idx := make([]int32, 0, len(doc.Components))
	hasEmpty := false
	for i := range doc.Components {
		if doc.Components[i].Ref != "" {
			idx = append(idx, int32(i))
		} else {
			hasEmpty = true
		}
	}
	refs := newRefTable(doc.Components, idx)
	idx = nil
	isPackage := func(id string) bool {
		if id == "" {
			return hasEmpty
		}
		return refs.find(id) >= 0
	}
	others := map[string]bool{raw.SPDXID: true}
	for _, f := range raw.Files {
		others[f.SPDXID] = true
	}
	for _, s := range raw.Snippets {
		others[s.SPDXID] = true
	}
	describes := append([]string(nil), raw.DocumentDescribes...)
	// edge returns the component edge a relationship states, if any
	edge := func(r *spdx2Relationship) (from, to string, ok bool) {
		from, to = r.Element, r.Related
		switch strings.ToUpper(r.Type) {
		case "DEPENDS_ON", "CONTAINS", "STATIC_LINK", "DYNAMIC_LINK", "HAS_PREREQUISITE":
		case "DEPENDENCY_OF", "CONTAINED_BY", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF",
			"RUNTIME_DEPENDENCY_OF", "PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF", "PREREQUISITE_FOR":
			from, to = to, from
		default:
			return "", "", false
		}
		if !isPackage(from) || !isPackage(to) {
			if others[from] || others[to] || isSPDXSpecial(from) || isSPDXSpecial(to) {
				return "", "", false // edges to files, snippets or other documents are not component edges
			}
			// an end names nothing at all: keep the edge so that it is
			// reported as dangling (finish) and fails the quality rules
		}
		return from, to, true
	}
	// One Dependency per source ref, in the order of first appearance.
	// The entry of a ref that names a package is found through the
	// package's index (depOf: 1 + the entry, -1 counted but not yet made),
	// other refs through a map; the entries are counted first so that the
	// slice is allocated once.
	var depOf []int32
	other := map[string]int{}
	count := 0
	for i := range n {
		rel := rels(i)
		r := &rel
		switch strings.ToUpper(r.Type) {
		case "DESCRIBES":
			if r.Element == raw.SPDXID {
				describes = append(describes, r.Related)
			}
			continue
		case "DESCRIBED_BY":
			if r.Related == raw.SPDXID {
				describes = append(describes, r.Element)
			}
			continue
		}
		from, _, ok := edge(r)
		if !ok {
			continue
		}
		if k := refs.find(from); from != "" && k >= 0 {
			if depOf == nil {
				depOf = make([]int32, len(doc.Components))
			}
			if depOf[k] == 0 {
				depOf[k] = -1
				count++
			}
		} else if _, seen := other[from]; !seen {
			other[from] = -1
			count++
		}
	}
	if count > 0 {
		doc.Dependencies = make([]Dependency, 0, count)
	}
	for i := range n {
		rel := rels(i)
		from, to, ok := edge(&rel)
		if !ok {
			continue
		}
		var j int
		if k := refs.find(from); from != "" && k >= 0 {
			if depOf[k] < 0 {
				depOf[k] = int32(len(doc.Dependencies)) + 1
				doc.Dependencies = append(doc.Dependencies, Dependency{Ref: from})
			}
			j = int(depOf[k]) - 1
		} else {
			if other[from] < 0 {
				other[from] = len(doc.Dependencies)
				doc.Dependencies = append(doc.Dependencies, Dependency{Ref: from})
			}
			j = other[from]
		}
		doc.Dependencies[j].DependsOn = append(doc.Dependencies[j].DependsOn, to)
	}
	for _, id := range describes {
		for i := range doc.Components {
			if doc.Components[i].Ref == id {
				s := doc.Components[i]
				doc.Subject = &s
				break
			}
		}
		if doc.Subject != nil {
			break
		}
	}
	return doc, nil
}

// HashSPDXVerificationCode is the Hash.Algorithm of an SPDX 2 package
// verification code, a digest over the package's files.
const HashSPDXVerificationCode = "SPDX-PackageVerificationCode"

func isSPDXSpecial(id string) bool {
	return id == "NONE" || id == "NOASSERTION" || strings.HasPrefix(id, "DocumentRef-")
}

func spdxLoc(encoding, field string) string {
	if encoding == EncodingTagValue {
		return field
	}
	return "/" + field
}

func convertSPDX2Package(p *spdx2Package, loc string, doc *Document) Component {
	c := Component{
		Ref: p.SPDXID, Name: p.Name, Version: p.VersionInfo, FileName: p.PackageFileName,
		Type: spdxPurpose(p.PrimaryPackagePurpose), Location: loc,
	}
	var x ComponentExtra
	c.Supplier, x.SupplierContact = splitSPDXParty(p.Supplier)
	x.Creator, x.CreatorContact = splitSPDXParty(p.Originator)
	for _, h := range p.Checksums {
		c.Hashes = append(c.Hashes, Hash{Algorithm: normalizeHashAlg(h.Algorithm), Value: h.ChecksumValue})
	}
	if p.VerificationCode != nil && p.VerificationCode.Value != "" {
		x.SourceHashes = append(x.SourceHashes, Hash{Algorithm: HashSPDXVerificationCode, Value: p.VerificationCode.Value})
	}
	x.LicenseConcluded = spdxLicense(p.LicenseConcluded)
	x.LicenseDeclared = spdxLicense(p.LicenseDeclared)
	c.Licenses = firstNonEmpty(x.LicenseConcluded, x.LicenseDeclared)
	if isURL(p.DownloadLocation) {
		x.DownloadURL = p.DownloadLocation
	}
	if isURL(p.SourceInfo) {
		x.SourceURL = p.SourceInfo
	}
	derived := ""
	for k, r := range p.ExternalRefs {
		cat := strings.ToUpper(strings.ReplaceAll(r.ReferenceCategory, "_", "-"))
		loc := loc + "/externalRefs/" + strconv.Itoa(k)
		switch {
		case r.ReferenceType == "purl":
			if c.PURL == "" {
				setPURL(&c, r.ReferenceLocator, loc, doc)
			}
		case r.ReferenceType == "cpe23Type" || r.ReferenceType == "cpe22Type":
			c.CPEs = append(c.CPEs, r.ReferenceLocator)
		case r.ReferenceType == "swid":
			x.SWID = r.ReferenceLocator
		case cat == "PACKAGE-MANAGER" && derived == "":
			derived = purlFromExternalRef(r.ReferenceType, r.ReferenceLocator)
		}
	}
	for _, note := range strings.Split(p.Comment, ";") {
		if v, ok := strings.CutPrefix(note, propScope); ok {
			c.Scope = v
		} else if v, ok := strings.CutPrefix(note, propType); ok {
			c.Type = v
		}
	}
	if c.PURL == "" && derived != "" {
		c.PURL, c.PURLDerived = derived, true
	}
	c.setExtra(&x)
	return c
}

// splitSPDXParty splits "Organization: Acme (ops@acme.example)" into name
// and contact; NOASSERTION gives "".
func splitSPDXParty(s string) (name, contact string) {
	s = strings.TrimSpace(s)
	if s == "" || s == "NOASSERTION" {
		return "", ""
	}
	if _, rest, ok := strings.Cut(s, ":"); ok && !strings.Contains(s[:strings.Index(s, ":")], " ") {
		s = strings.TrimSpace(rest)
	}
	if i := strings.LastIndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		contact = strings.TrimSpace(s[i+1 : len(s)-1])
		s = strings.TrimSpace(s[:i])
	}
	return s, contact
}

func spdxLicense(s string) string {
	s = strings.TrimSpace(s)
	if s == "NOASSERTION" {
		return ""
	}
	return s
}

func isURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git+")
}

// spdxPurpose maps SPDX primaryPackagePurpose (2.3) and software_purpose
// (3.0) values onto the model's types.
func spdxPurpose(p string) string {
	switch strings.ToLower(strings.ReplaceAll(p, "_", "-")) {
	case "":
		return ""
	case "application", "executable":
		return "application"
	case "framework":
		return "framework"
	case "library", "module":
		return "library"
	case "container":
		return "container"
	case "operating-system", "operatingsystem":
		return "operating-system"
	case "device":
		return "device"
	case "firmware":
		return "firmware"
	case "file", "source", "archive", "install", "patch", "documentation":
		return "file"
	case "model":
		return "machine-learning-model"
	case "data", "dataset", "configuration":
		return "data"
	case "devicedriver", "device-driver":
		return "device-driver"
	case "platform":
		return "platform"
	}
	return "other"
}
