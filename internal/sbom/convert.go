package sbom

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Conversion targets accepted by Convert.
const (
	TargetCycloneDX16JSON = "cyclonedx-1.6-json"
	TargetSPDX23JSON      = "spdx-2.3-json"
)

// Convert writes doc to w in the target format. It is lossless for the
// contract fields of the model: reading the output back gives the same
// components (name, version, supplier, purl, CPEs, hashes, licences, type,
// scope, file name) and dependency edges; CycloneDX output also keeps the
// BSI extras (creator, URLs, deployable/source hashes, properties), SPDX
// output keeps creator, download and source URLs. A CycloneDX
// metadata.component and the SPDX package the document DESCRIBES map onto
// each other; nesting of CycloneDX components is flattened; bom-refs become
// SPDX identifiers with unsafe characters replaced. Derived purls are not
// written (they are derived again on reading). CycloneDX output keeps the
// CBOM too: cryptoProperties, purposes and "provides" edges (see cdxCrypto);
// SPDX 2.3 has no field for them.
func Convert(w io.Writer, doc *Document, target string) error {
	switch target {
	case TargetCycloneDX16JSON:
		return writeCycloneDX(w, doc)
	case TargetSPDX23JSON:
		return writeSPDX(w, doc)
	}
	return fmt.Errorf("unknown conversion target %q: use %s or %s", target, TargetCycloneDX16JSON, TargetSPDX23JSON)
}

// Property names dualmark writes where a format has no field of its own.
const (
	propCPE      = "dualmark:cpe"
	propScope    = "dualmark:scope="
	propType     = "dualmark:type="
	propFilename = "bsi:component:filename"
)

func writeCycloneDX(w io.Writer, doc *Document) error {
	bom := cdx.NewBOM()
	if strings.HasPrefix(doc.URI, "urn:uuid:") {
		bom.SerialNumber = doc.URI
	}
	meta := &cdx.Metadata{}
	if !doc.Created.IsZero() {
		meta.Timestamp = doc.Created.UTC().Format(time.RFC3339)
	}
	var tools []cdx.Component
	var authors []cdx.OrganizationalContact
	for _, c := range doc.Creators {
		kind, name, _ := strings.Cut(c, ": ")
		switch kind {
		case "Tool":
			tools = append(tools, cdx.Component{Type: cdx.ComponentTypeApplication, Name: name})
		case "Person":
			authors = append(authors, cdx.OrganizationalContact{Name: name})
		case "Organization":
			if meta.Manufacturer == nil {
				meta.Manufacturer = &cdx.OrganizationalEntity{Name: name}
			}
		}
	}
	if len(tools) > 0 {
		meta.Tools = &cdx.ToolsChoice{Components: &tools}
	}
	if len(authors) > 0 {
		meta.Authors = &authors
	}
	if doc.CreatorContact != "" && len(authors) == 0 {
		meta.Authors = &[]cdx.OrganizationalContact{{Email: doc.CreatorContact}}
	}
	if doc.Subject != nil {
		c := toCDX(*doc.Subject)
		meta.Component = &c
	}
	bom.Metadata = meta
	comps := make([]cdx.Component, 0, len(doc.Components))
	for _, c := range doc.Components {
		if doc.Subject != nil && c.Ref != "" && c.Ref == doc.Subject.Ref {
			continue
		}
		comps = append(comps, toCDX(c))
	}
	bom.Components = &comps
	if len(doc.Dependencies)+len(doc.Provides) > 0 {
		deps := make([]cdx.Dependency, 0, len(doc.Dependencies))
		at := map[string]int{}
		for _, d := range doc.Dependencies {
			on := append([]string{}, d.DependsOn...)
			at[d.Ref] = len(deps)
			deps = append(deps, cdx.Dependency{Ref: d.Ref, Dependencies: &on})
		}
		// the CBOM's "provides" edges (1.6+), on the same ref's entry
		for _, p := range doc.Provides {
			pr := append([]string{}, p.DependsOn...)
			if i, ok := at[p.Ref]; ok {
				deps[i].Provides = &pr
				continue
			}
			at[p.Ref] = len(deps)
			deps = append(deps, cdx.Dependency{Ref: p.Ref, Provides: &pr})
		}
		bom.Dependencies = &deps
	}
	// Encode, not EncodeVersion: cyclonedx-go v0.12.0 converts through a
	// gob copy of the BOM, and gob drops pointers to zero values, so a
	// CBOM's nistQuantumSecurityLevel 0 (quantum-vulnerable) vanished. The
	// BOM is built with 1.6 fields only, so there is nothing to convert.
	bom.SpecVersion, bom.JSONSchema = cdx.SpecVersion1_6, "http://cyclonedx.org/schema/bom-1.6.schema.json"
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX 1.6 JSON: %w", err)
	}
	return nil
}

func toCDX(c Component) cdx.Component {
	out := cdx.Component{
		BOMRef: c.Ref, Type: cdx.ComponentType(cdxOutType(c.Type)), Name: c.Name, Version: c.Version,
		Scope: cdx.Scope(c.Scope),
	}
	if !c.PURLDerived {
		out.PackageURL = c.PURL
	}
	if c.Supplier != "" || c.X().SupplierContact != "" {
		out.Supplier = entity(c.Supplier, c.X().SupplierContact)
	}
	if c.X().Creator != "" || c.X().CreatorContact != "" {
		out.Manufacturer = entity(c.X().Creator, c.X().CreatorContact)
	}
	var props []cdx.Property
	for i, cpe := range c.CPEs {
		if i == 0 {
			out.CPE = cpe
		} else {
			props = append(props, cdx.Property{Name: propCPE, Value: cpe})
		}
	}
	if len(c.Hashes) > 0 {
		out.Hashes = cdxHashes(c.Hashes)
	}
	if lics := cdxLicenses(c); len(lics) > 0 {
		out.Licenses = &lics
	}
	if c.X().SWID != "" {
		out.SWID = &cdx.SWID{TagID: c.X().SWID, Name: c.Name}
	}
	var refs []cdx.ExternalReference
	addRef := func(url string, typ cdx.ExternalReferenceType, hs []Hash) {
		if url == "" && len(hs) == 0 {
			return
		}
		r := cdx.ExternalReference{URL: url, Type: typ}
		if len(hs) > 0 {
			r.Hashes = cdxHashes(hs)
		}
		refs = append(refs, r)
	}
	addRef(c.X().DownloadURL, cdx.ERTypeDistribution, c.X().DeployableHashes)
	addRef(c.X().SourceURL, cdx.ERTypeSourceDistribution, c.X().SourceHashes)
	addRef(c.X().SecurityTxtURL, cdx.ExternalReferenceType("rfc-9116"), nil)
	if len(refs) > 0 {
		out.ExternalReferences = &refs
	}
	for _, kv := range [][2]string{
		{propFilename, c.FileName}, {"bsi:component:executable", c.X().Executable}, {"bsi:component:archive", c.X().Archive},
		{"bsi:component:structured", c.X().Structured}, {"bsi:component:effectiveLicense", c.X().LicenseEffective},
	} {
		if kv[1] != "" {
			props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
		}
	}
	if a := c.X().Crypto; a != nil {
		var extra []cdx.Property
		out.CryptoProperties, extra = cdxCrypto(a)
		props = append(props, extra...)
	}
	if len(props) > 0 {
		out.Properties = &props
	}
	return out
}

// cdxCrypto writes a CBOM asset as CycloneDX 1.6 cryptoProperties, with the
// properties for what 1.6 has no field for: the purposes, and the 1.7
// algorithmFamily and relatedCryptographicAssets (a protocol's related
// assets go into its cryptoRefArray).
func cdxCrypto(a *CryptoAsset) (*cdx.CryptoProperties, []cdx.Property) {
	cp := &cdx.CryptoProperties{AssetType: cdx.CryptoAssetType(a.AssetType), OID: a.OID}
	var props []cdx.Property
	if g := a.Algorithm; g != nil {
		ap := &cdx.CryptoAlgorithmProperties{
			Primitive: cdx.CryptoPrimitive(g.Primitive), ParameterSetIdentifier: g.ParameterSetIdentifier, Curve: g.Curve,
			ExecutionEnvironment: cdx.CryptoExecutionEnvironment(g.ExecutionEnvironment), ImplementationPlatform: cdx.ImplementationPlatform(g.ImplementationPlatform),
			Mode: cdx.CryptoAlgorithmMode(g.Mode), Padding: cdx.CryptoPadding(g.Padding),
			ClassicalSecurityLevel: g.ClassicalSecurityLevel, NistQuantumSecurityLevel: g.NISTQuantumSecurityLevel,
		}
		if len(g.CertificationLevel) > 0 {
			l := make([]cdx.CryptoCertificationLevel, 0, len(g.CertificationLevel))
			for _, v := range g.CertificationLevel {
				l = append(l, cdx.CryptoCertificationLevel(v))
			}
			ap.CertificationLevel = &l
		}
		if len(g.CryptoFunctions) > 0 {
			l := make([]cdx.CryptoFunction, 0, len(g.CryptoFunctions))
			for _, v := range g.CryptoFunctions {
				l = append(l, cdx.CryptoFunction(v))
			}
			ap.CryptoFunctions = &l
		}
		if g.Family != "" {
			props = append(props, cdx.Property{Name: PropCryptoFamily, Value: g.Family})
		}
		cp.AlgorithmProperties = ap
	}
	if c := a.Certificate; c != nil {
		cp.CertificateProperties = &cdx.CertificateProperties{SubjectName: c.SubjectName, IssuerName: c.IssuerName,
			NotValidBefore: c.NotValidBefore, NotValidAfter: c.NotValidAfter, SignatureAlgorithmRef: cdx.BOMReference(c.SignatureAlgorithmRef),
			SubjectPublicKeyRef: cdx.BOMReference(c.SubjectPublicKeyRef), CertificateFormat: c.Format}
	}
	if m := a.Material; m != nil {
		mp := &cdx.RelatedCryptoMaterialProperties{Type: cdx.RelatedCryptoMaterialType(m.Type), State: cdx.CryptoKeyState(m.State),
			AlgorithmRef: cdx.BOMReference(m.AlgorithmRef), Size: m.Size, ExpirationDate: m.ExpirationDate}
		if m.SecuredByMechanism != "" || m.SecuredByAlgorithmRef != "" {
			mp.SecuredBy = &cdx.SecuredBy{Mechanism: m.SecuredByMechanism, AlgorithmRef: cdx.BOMReference(m.SecuredByAlgorithmRef)}
		}
		cp.RelatedCryptoMaterialProperties = mp
	}
	related := a.Related
	if p := a.Protocol; p != nil {
		pp := &cdx.CryptoProtocolProperties{Type: cdx.CryptoProtocolType(p.Type), Version: p.Version}
		if len(p.CipherSuites) > 0 {
			suites := make([]cdx.CipherSuite, 0, len(p.CipherSuites))
			for _, s := range p.CipherSuites {
				cs := cdx.CipherSuite{Name: s.Name}
				if len(s.Algorithms) > 0 {
					refs := make([]cdx.BOMReference, 0, len(s.Algorithms))
					for _, r := range s.Algorithms {
						refs = append(refs, cdx.BOMReference(r))
					}
					cs.Algorithms = &refs
				}
				if len(s.Identifiers) > 0 {
					ids := append([]string{}, s.Identifiers...)
					cs.Identifiers = &ids
				}
				suites = append(suites, cs)
			}
			pp.CipherSuites = &suites
		}
		var refs []cdx.BOMReference
		for _, r := range append(append([]string{}, p.CryptoRefs...), related...) {
			if !slices.Contains(refs, cdx.BOMReference(r)) {
				refs = append(refs, cdx.BOMReference(r))
			}
		}
		if len(refs) > 0 {
			pp.CryptoRefArray = &refs
		}
		related = nil
		cp.ProtocolProperties = pp
	}
	if len(related) > 0 {
		props = append(props, cdx.Property{Name: PropCryptoRelated, Value: strings.Join(related, ",")})
	}
	if len(a.Purposes) > 0 {
		props = append(props, cdx.Property{Name: PropCryptoPurpose, Value: strings.Join(a.Purposes, ",")})
	}
	return cp, props
}

// cdxLicenses writes the licences in a schema-valid shape: CycloneDX allows
// either license objects (each with an acknowledgement) or exactly one
// expression. Single identifiers become objects; a compound expression is
// written alone (concluded, else declared), which keeps Licenses.
func cdxLicenses(c Component) cdx.Licenses {
	x := c.X()
	concluded, declared := x.LicenseConcluded, x.LicenseDeclared
	if concluded == "" && declared == "" {
		concluded = c.Licenses
	}
	single := func(s string) bool { return s == "" || !strings.ContainsAny(s, " ()") }
	if !single(concluded) || !single(declared) {
		expr := firstNonEmpty(concluded, declared)
		ack := cdx.LicenseAcknowledgementConcluded
		if concluded == "" {
			ack = cdx.LicenseAcknowledgementDeclared
		}
		return cdx.Licenses{{Expression: expr, Acknowledgement: &ack}}
	}
	var out cdx.Licenses
	for _, l := range []struct {
		id  string
		ack cdx.LicenseAcknowledgement
	}{{concluded, cdx.LicenseAcknowledgementConcluded}, {declared, cdx.LicenseAcknowledgementDeclared}} {
		if l.id == "" {
			continue
		}
		lic := &cdx.License{Acknowledgement: l.ack}
		if id := canonicalLicenseID(l.id); id != "" {
			lic.ID = id
		} else {
			lic.Name = l.id
		}
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return out
}

func cdxOutType(t string) string {
	if t == "" || t == "other" {
		return "library"
	}
	return t
}

func entity(name, contact string) *cdx.OrganizationalEntity {
	e := &cdx.OrganizationalEntity{Name: name}
	switch {
	case strings.Contains(contact, "@") && !strings.Contains(contact, "://"):
		e.Contact = &[]cdx.OrganizationalContact{{Email: contact}}
	case contact != "":
		e.URL = &[]string{contact}
	}
	return e
}

func cdxHashes(hs []Hash) *[]cdx.Hash {
	out := make([]cdx.Hash, 0, len(hs))
	for _, h := range hs {
		out = append(out, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value})
	}
	return &out
}

var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.\-]+`)

func writeSPDX(w io.Writer, doc *Document) error {
	out := &spdx23.Document{
		SPDXVersion: spdx23.Version, DataLicense: spdx23.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName: firstNonEmpty(doc.Name, "sbom"), DocumentNamespace: doc.URI,
		CreationInfo: &spdx23.CreationInfo{Created: doc.Created.UTC().Format(time.RFC3339)},
	}
	if doc.Created.IsZero() {
		out.CreationInfo.Created = time.Now().UTC().Format(time.RFC3339)
	}
	if out.DocumentNamespace == "" || !strings.Contains(out.DocumentNamespace, "://") {
		out.DocumentNamespace = "https://dualmark.invalid/spdx/" + spdxIDUnsafe.ReplaceAllString(firstNonEmpty(doc.URI, out.DocumentName), "-")
	}
	for _, c := range doc.Creators {
		kind, name, ok := strings.Cut(c, ": ")
		if !ok {
			kind, name = "Tool", c
		}
		if kind == "Person" && doc.CreatorContact != "" && !strings.Contains(name, "(") {
			name += " (" + doc.CreatorContact + ")"
		}
		out.CreationInfo.Creators = append(out.CreationInfo.Creators, common.Creator{CreatorType: kind, Creator: name})
	}
	out.CreationInfo.Creators = append(out.CreationInfo.Creators, common.Creator{CreatorType: "Tool", Creator: "dualmark"})
	ids := map[string]common.ElementID{}
	used := map[common.ElementID]bool{}
	pkgs := doc.Components
	if doc.Subject != nil && !hasRef(doc.Components, doc.Subject.Ref) {
		pkgs = append([]Component{*doc.Subject}, doc.Components...)
	}
	for i, c := range pkgs {
		id := common.ElementID(spdxIDUnsafe.ReplaceAllString(strings.TrimPrefix(c.Ref, "SPDXRef-"), "-"))
		if id == "" || used[id] {
			id = common.ElementID("Package-" + strconv.Itoa(i))
		}
		used[id] = true
		if c.Ref != "" {
			if _, dup := ids[c.Ref]; !dup {
				ids[c.Ref] = id
			}
		}
		out.Packages = append(out.Packages, toSPDX(c, id))
	}
	if doc.Subject != nil {
		if id, ok := ids[doc.Subject.Ref]; ok {
			out.Relationships = append(out.Relationships, &spdx23.Relationship{
				RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", string(id)), Relationship: "DESCRIBES"})
		}
	}
	for _, d := range doc.Dependencies {
		from, ok := ids[d.Ref]
		if !ok {
			continue
		}
		for _, t := range d.DependsOn {
			if to, ok := ids[t]; ok {
				out.Relationships = append(out.Relationships, &spdx23.Relationship{
					RefA: common.MakeDocElementID("", string(from)), RefB: common.MakeDocElementID("", string(to)), Relationship: "DEPENDS_ON"})
			}
		}
	}
	if err := spdxjson.Write(out, w, spdxjson.Indent("  ")); err != nil {
		return fmt.Errorf("write SPDX 2.3 JSON: %w", err)
	}
	return nil
}

func hasRef(cs []Component, ref string) bool {
	for i := range cs {
		if cs[i].Ref == ref {
			return true
		}
	}
	return false
}

func toSPDX(c Component, id common.ElementID) *spdx23.Package {
	p := &spdx23.Package{
		PackageName: c.Name, PackageSPDXIdentifier: id, PackageVersion: c.Version, PackageFileName: c.FileName,
		PackageDownloadLocation: firstNonEmpty(c.X().DownloadURL, "NOASSERTION"), PackageSourceInfo: c.X().SourceURL,
		PackageLicenseConcluded: firstNonEmpty(c.X().LicenseConcluded, c.Licenses, "NOASSERTION"),
		PackageLicenseDeclared:  firstNonEmpty(c.X().LicenseDeclared, "NOASSERTION"),
		PackageCopyrightText:    "NOASSERTION", PrimaryPackagePurpose: spdxOutPurpose(c.Type),
		FilesAnalyzed: false, IsFilesAnalyzedTagPresent: true,
	}
	if c.Supplier != "" {
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: withContact(c.Supplier, c.X().SupplierContact)}
	}
	if c.X().Creator != "" {
		p.PackageOriginator = &common.Originator{OriginatorType: "Organization", Originator: withContact(c.X().Creator, c.X().CreatorContact)}
	}
	for _, h := range c.Hashes {
		p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: common.ChecksumAlgorithm(spdxAlg(h.Algorithm)), Value: h.Value})
	}
	if c.PURL != "" && !c.PURLDerived {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx23.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: c.PURL})
	}
	for _, cpe := range c.CPEs {
		typ := "cpe23Type"
		if strings.HasPrefix(cpe, "cpe:/") {
			typ = "cpe22Type"
		}
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx23.PackageExternalReference{Category: "SECURITY", RefType: typ, Locator: cpe})
	}
	if c.X().SWID != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx23.PackageExternalReference{Category: "OTHER", RefType: "swid", Locator: c.X().SWID})
	}
	var notes []string
	if c.Scope != "" {
		notes = append(notes, propScope+c.Scope)
	}
	if p.PrimaryPackagePurpose == "OTHER" || c.Type == "file" {
		notes = append(notes, propType+c.Type)
	}
	p.PackageComment = strings.Join(notes, ";")
	return p
}

func withContact(name, contact string) string {
	if contact == "" {
		return name
	}
	return name + " (" + contact + ")"
}

// spdxAlg maps a CycloneDX hash name onto the SPDX 2.3 checksum algorithm.
func spdxAlg(a string) string {
	if strings.HasPrefix(a, "SHA-") {
		return strings.ReplaceAll(a, "-", "")
	}
	return a
}

func spdxOutPurpose(t string) string {
	switch t {
	case "":
		return ""
	case "application", "framework", "library", "container", "device", "firmware", "file":
		return strings.ToUpper(t)
	case "operating-system":
		return "OPERATING-SYSTEM"
	}
	return "OTHER"
}
