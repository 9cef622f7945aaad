package sbom

import (
	"fmt"
	"hash/maphash"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
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
	// the subject is metadata.component, not one of the components
	keep := func(c *Component) bool { return doc.Subject == nil || c.Ref == "" || c.Ref != doc.Subject.Ref }
	var arrays []jsonArray
	nComps := 0
	for i := range doc.Components {
		if keep(&doc.Components[i]) {
			nComps++
		}
	}
	if nComps == 0 {
		bom.Components = &[]cdx.Component{}
	} else {
		sentinel := cdx.Component{Name: streamSentinel + "components"}
		bom.Components = &[]cdx.Component{sentinel}
		i := 0
		arrays = append(arrays, jsonArray{sentinel: sentinel, n: nComps, next: func() (any, error) {
			for !keep(&doc.Components[i]) {
				i++
			}
			i++
			return toCDX(doc.Components[i-1]), nil
		}})
	}
	if len(doc.Dependencies)+len(doc.Provides) > 0 {
		attach, extra := cdxProvides(doc)
		sentinel := cdx.Dependency{Ref: streamSentinel + "dependencies"}
		bom.Dependencies = &[]cdx.Dependency{sentinel}
		i := 0
		arrays = append(arrays, jsonArray{sentinel: sentinel, n: len(doc.Dependencies) + len(extra), next: func() (any, error) {
			defer func() { i++ }()
			if i >= len(doc.Dependencies) {
				return extra[i-len(doc.Dependencies)], nil
			}
			d := &doc.Dependencies[i]
			on := d.DependsOn
			if on == nil {
				on = []string{}
			}
			return cdx.Dependency{Ref: d.Ref, Dependencies: &on, Provides: attach[i]}, nil
		}})
	}
	// Not cyclonedx-go's EncodeVersion: v0.12.0 converts through a gob
	// copy of the BOM, and gob drops pointers to zero values, so a CBOM's
	// nistQuantumSecurityLevel 0 (quantum-vulnerable) vanished. The BOM is
	// built with 1.6 fields only, so there is nothing to convert. Nor its
	// Encode, which holds the whole output twice: encodeStreamed writes the
	// same bytes (a json.Encoder, pretty, HTML escaped) element by element.
	bom.SpecVersion, bom.JSONSchema = cdx.SpecVersion1_6, "http://cyclonedx.org/schema/bom-1.6.schema.json"
	if err := encodeStreamed(w, bom, arrays); err != nil {
		return fmt.Errorf("write CycloneDX 1.6 JSON: %w", err)
	}
	return nil
}

// streamSentinel starts the names of the placeholder elements of
// encodeStreamed; the NUL makes sure no SBOM's own value reads the same.
const streamSentinel = "\x00dualmark-streamed-"

// cdxProvides places the CBOM's "provides" edges (1.6+) as the writer did
// when it built every dependency entry first: on the last dependency entry
// of the same ref (attach, by index into doc.Dependencies), else on an
// entry of their own after the dependencies (extra), the last edge of a ref
// winning. Without provides edges it builds nothing.
func cdxProvides(doc *Document) (attach map[int]*[]string, extra []cdx.Dependency) {
	if len(doc.Provides) == 0 {
		return nil, nil
	}
	last := make(map[string]int, len(doc.Dependencies))
	for i, d := range doc.Dependencies {
		last[d.Ref] = i
	}
	attach = map[int]*[]string{}
	at := map[string]int{}
	for _, p := range doc.Provides {
		pr := append([]string{}, p.DependsOn...)
		if i, ok := last[p.Ref]; ok {
			attach[i] = &pr
			continue
		}
		if j, ok := at[p.Ref]; ok {
			extra[j].Provides = &pr
			continue
		}
		at[p.Ref] = len(extra)
		extra = append(extra, cdx.Dependency{Ref: p.Ref, Provides: &pr})
	}
	return attach, extra
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
	// the packages: the subject first when it is not among the components
	nPkgs := len(doc.Components)
	withSubject := doc.Subject != nil && !hasRef(doc.Components, doc.Subject.Ref)
	if withSubject {
		nPkgs++
	}
	pkg := func(i int) *Component {
		if withSubject {
			if i == 0 {
				return doc.Subject
			}
			i--
		}
		return &doc.Components[i]
	}
	// identifiers first (relationships need all of them), one per
	// package, unique; sets and lookups over indexes rather than maps of
	// strings, which cost 100 MB for 1,000,000 packages
	pkgIDs := make([]common.ElementID, nPkgs)
	used := newStringIndex(nPkgs, func(i int) string { return string(pkgIDs[i]) })
	for i := range nPkgs {
		id := common.ElementID(spdxSafeID(strings.TrimPrefix(pkg(i).Ref, "SPDXRef-")))
		if id == "" || used.find(string(id)) >= 0 {
			id = common.ElementID("Package-" + strconv.Itoa(i))
		}
		pkgIDs[i] = id
		if used.find(string(id)) < 0 {
			used.add(i)
		}
	}
	used = nil
	// the identifier of the first package with a ref
	idx := make([]int32, 0, len(doc.Components))
	for i := range doc.Components {
		if doc.Components[i].Ref != "" {
			idx = append(idx, int32(i))
		}
	}
	refs := newRefTable(doc.Components, idx)
	idx = nil
	idOf := func(ref string) (common.ElementID, bool) {
		if ref == "" {
			return "", false
		}
		if withSubject && ref == doc.Subject.Ref {
			return pkgIDs[0], true
		}
		k := refs.find(ref)
		if k < 0 {
			return "", false
		}
		if withSubject {
			k++
		}
		return pkgIDs[k], true
	}
	var arrays []jsonArray
	if nPkgs > 0 {
		sentinel := &spdx23.Package{PackageName: streamSentinel + "packages"}
		out.Packages = []*spdx23.Package{sentinel}
		i := 0
		arrays = append(arrays, jsonArray{sentinel: sentinel, n: nPkgs, next: func() (any, error) {
			i++
			return toSPDX(*pkg(i - 1), pkgIDs[i-1]), nil
		}})
	}
	// relationships: DESCRIBES the subject, then DEPENDS_ON between
	// packages that both have an identifier
	describes := common.ElementID("")
	if doc.Subject != nil {
		describes, _ = idOf(doc.Subject.Ref)
	}
	nRels := 0
	if describes != "" {
		nRels++
	}
	for _, d := range doc.Dependencies {
		if _, ok := idOf(d.Ref); ok {
			for _, t := range d.DependsOn {
				if _, ok := idOf(t); ok {
					nRels++
				}
			}
		}
	}
	if nRels > 0 {
		sentinel := &spdx23.Relationship{RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", "DOCUMENT"), Relationship: streamSentinel + "relationships"}
		out.Relationships = []*spdx23.Relationship{sentinel}
		di, ti, first := 0, 0, describes != ""
		arrays = append(arrays, jsonArray{sentinel: sentinel, n: nRels, next: func() (any, error) {
			if first {
				first = false
				return &spdx23.Relationship{RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", string(describes)), Relationship: "DESCRIBES"}, nil
			}
			for ; di < len(doc.Dependencies); di, ti = di+1, 0 {
				d := &doc.Dependencies[di]
				from, ok := idOf(d.Ref)
				if !ok {
					continue
				}
				for ti < len(d.DependsOn) {
					to, ok := idOf(d.DependsOn[ti])
					ti++
					if ok {
						return &spdx23.Relationship{RefA: common.MakeDocElementID("", string(from)), RefB: common.MakeDocElementID("", string(to)), Relationship: "DEPENDS_ON"}, nil
					}
				}
			}
			return nil, fmt.Errorf("relationships: fewer than the %d counted (a bug)", nRels)
		}})
	}
	// tools-golang's json.Write is a json.Encoder with the indent: the same
	// bytes, written element by element (see encodeStreamed)
	if err := encodeStreamed(w, out, arrays); err != nil {
		return fmt.Errorf("write SPDX 2.3 JSON: %w", err)
	}
	return nil
}

// stringIndex is an open-addressing hash set of strings held elsewhere:
// a slot holds 1 + the index whose string key gives, 4 bytes a slot.
type stringIndex struct {
	key   func(int) string
	slots []int32
	mask  uint64
	seed  maphash.Seed
}

// newStringIndex returns an empty set for up to n indexes.
func newStringIndex(n int, key func(int) string) *stringIndex {
	size := 1
	for size < 2*n {
		size <<= 1
	}
	return &stringIndex{key: key, slots: make([]int32, size), mask: uint64(size - 1), seed: maphash.MakeSeed()}
}

// find returns the index whose string is s, or -1.
func (x *stringIndex) find(s string) int {
	for h := maphash.String(x.seed, s) & x.mask; ; h = (h + 1) & x.mask {
		j := x.slots[h]
		if j == 0 {
			return -1
		}
		if x.key(int(j-1)) == s {
			return int(j - 1)
		}
	}
}

// add puts index i in the set; its string must not be there yet.
func (x *stringIndex) add(i int) {
	for h := maphash.String(x.seed, x.key(i)) & x.mask; ; h = (h + 1) & x.mask {
		if x.slots[h] == 0 {
			x.slots[h] = int32(i + 1)
			return
		}
	}
}

// spdxSafeID replaces each run of characters an SPDX identifier may not
// hold with "-", as spdxIDUnsafe does, without the regexp's allocation
// when there is nothing to replace (the common case, once per package).
func spdxSafeID(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return spdxIDUnsafe.ReplaceAllString(s, "-")
		}
	}
	return s
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
