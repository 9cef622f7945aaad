package sbom

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CryptoAsset is the cryptoProperties of a CycloneDX 1.6/1.7
// cryptographic-asset component (a CBOM entry). Exactly one of Algorithm,
// Certificate, Material and Protocol is set, as AssetType says; a document
// that gives another one as well keeps it (the policy reads what is there).
type CryptoAsset struct {
	// AssetType is algorithm, certificate, protocol or
	// related-crypto-material.
	AssetType   string             `json:"assetType"`
	OID         string             `json:"oid,omitempty"`
	Algorithm   *CryptoAlgorithm   `json:"algorithm,omitempty"`
	Certificate *CryptoCertificate `json:"certificate,omitempty"`
	Material    *CryptoMaterial    `json:"material,omitempty"`
	Protocol    *CryptoProtocol    `json:"protocol,omitempty"`
	// Purposes are what the asset is used for, from the component property
	// "dualmark:crypto:purpose" (comma-separated, e.g. "firmware-signing");
	// CycloneDX has no field for it.
	Purposes []string `json:"purposes,omitempty"`
	// Related are the refs of the 1.7 relatedCryptographicAssets.
	Related []string `json:"related,omitempty"`
}

// CryptoAlgorithm is algorithmProperties.
type CryptoAlgorithm struct {
	// Primitive is drbg, mac, block-cipher, stream-cipher, signature, hash,
	// pke, xof, kdf, key-agree, kem, ae, combiner, key-wrap, other, unknown.
	Primitive string `json:"primitive,omitempty"`
	// Family is the 1.7 algorithmFamily, e.g. "ML-DSA".
	Family                 string   `json:"family,omitempty"`
	ParameterSetIdentifier string   `json:"parameterSetIdentifier,omitempty"`
	Mode                   string   `json:"mode,omitempty"`
	Padding                string   `json:"padding,omitempty"`
	Curve                  string   `json:"curve,omitempty"` // curve (1.6) or ellipticCurve (1.7)
	CryptoFunctions        []string `json:"cryptoFunctions,omitempty"`
	ExecutionEnvironment   string   `json:"executionEnvironment,omitempty"`
	ImplementationPlatform string   `json:"implementationPlatform,omitempty"`
	CertificationLevel     []string `json:"certificationLevel,omitempty"`
	// ClassicalSecurityLevel is in bits; NISTQuantumSecurityLevel is the
	// NIST PQC category 0-6 (0: none met). Nil when not stated.
	ClassicalSecurityLevel   *int `json:"classicalSecurityLevel,omitempty"`
	NISTQuantumSecurityLevel *int `json:"nistQuantumSecurityLevel,omitempty"`
}

// CryptoCertificate is certificateProperties.
type CryptoCertificate struct {
	SubjectName           string `json:"subjectName,omitempty"`
	IssuerName            string `json:"issuerName,omitempty"`
	NotValidBefore        string `json:"notValidBefore,omitempty"`
	NotValidAfter         string `json:"notValidAfter,omitempty"`
	SignatureAlgorithmRef string `json:"signatureAlgorithmRef,omitempty"`
	SubjectPublicKeyRef   string `json:"subjectPublicKeyRef,omitempty"`
	Format                string `json:"format,omitempty"`
}

// CryptoMaterial is relatedCryptoMaterialProperties (keys, secrets, ...).
type CryptoMaterial struct {
	// Type is private-key, public-key, secret-key, key, ... .
	Type         string `json:"type,omitempty"`
	State        string `json:"state,omitempty"`
	AlgorithmRef string `json:"algorithmRef,omitempty"`
	// Size is the key size in bits; nil when not stated.
	Size                  *int   `json:"size,omitempty"`
	ExpirationDate        string `json:"expirationDate,omitempty"`
	SecuredByMechanism    string `json:"securedByMechanism,omitempty"`
	SecuredByAlgorithmRef string `json:"securedByAlgorithmRef,omitempty"`
}

// CryptoProtocol is protocolProperties.
type CryptoProtocol struct {
	// Type is tls, ssh, ipsec, ike, sstp, wpa, dtls, quic, ... .
	Type         string        `json:"type,omitempty"`
	Version      string        `json:"version,omitempty"`
	CipherSuites []CipherSuite `json:"cipherSuites,omitempty"`
	// CryptoRefs are the refs of cryptoRefArray and of the IKEv2 transform
	// types.
	CryptoRefs []string `json:"cryptoRefs,omitempty"`
}

// CipherSuite is one cipher suite of a protocol.
type CipherSuite struct {
	Name string `json:"name,omitempty"`
	// Algorithms are bom-refs of algorithm assets.
	Algorithms  []string `json:"algorithms,omitempty"`
	Identifiers []string `json:"identifiers,omitempty"`
}

// PropCryptoPurpose is the component property that says what a
// cryptographic asset is used for (comma-separated values such as
// firmware-signing, pki, key-establishment, data-encryption, authentication).
const PropCryptoPurpose = "dualmark:crypto:purpose"

// cdxJSONCrypto is cryptoProperties (1.6 and 1.7) in both encodings: the
// JSON tags for the JSON readers, the XML tags for the XML reader.
type cdxJSONCrypto struct {
	AssetType   string          `json:"assetType" xml:"assetType"`
	OID         string          `json:"oid" xml:"oid"`
	Algorithm   *cdxCryptoAlg   `json:"algorithmProperties" xml:"algorithmProperties"`
	Certificate *cdxCryptoCert  `json:"certificateProperties" xml:"certificateProperties"`
	Material    *cdxCryptoMat   `json:"relatedCryptoMaterialProperties" xml:"relatedCryptoMaterialProperties"`
	Protocol    *cdxCryptoProto `json:"protocolProperties" xml:"protocolProperties"`
}

type cdxCryptoAlg struct {
	Primitive              string   `json:"primitive" xml:"primitive"`
	AlgorithmFamily        string   `json:"algorithmFamily" xml:"algorithmFamily"`
	ParameterSetIdentifier string   `json:"parameterSetIdentifier" xml:"parameterSetIdentifier"`
	Curve                  string   `json:"curve" xml:"curve"`
	EllipticCurve          string   `json:"ellipticCurve" xml:"ellipticCurve"`
	ExecutionEnvironment   string   `json:"executionEnvironment" xml:"executionEnvironment"`
	ImplementationPlatform string   `json:"implementationPlatform" xml:"implementationPlatform"`
	CertificationLevel     []string `json:"certificationLevel" xml:"certificationLevel"`
	Mode                   string   `json:"mode" xml:"mode"`
	Padding                string   `json:"padding" xml:"padding"`
	CryptoFunctions        []string `json:"cryptoFunctions" xml:"cryptoFunctions>cryptoFunction"`
	ClassicalSecurityLevel *int     `json:"classicalSecurityLevel" xml:"classicalSecurityLevel"`
	NISTQuantumLevel       *int     `json:"nistQuantumSecurityLevel" xml:"nistQuantumSecurityLevel"`
}

type cdxCryptoCert struct {
	SubjectName           string           `json:"subjectName" xml:"subjectName"`
	IssuerName            string           `json:"issuerName" xml:"issuerName"`
	NotValidBefore        string           `json:"notValidBefore" xml:"notValidBefore"`
	NotValidAfter         string           `json:"notValidAfter" xml:"notValidAfter"`
	SignatureAlgorithmRef string           `json:"signatureAlgorithmRef" xml:"signatureAlgorithmRef"`
	SubjectPublicKeyRef   string           `json:"subjectPublicKeyRef" xml:"subjectPublicKeyRef"`
	CertificateFormat     string           `json:"certificateFormat" xml:"certificateFormat"`
	Related               []cdxJSONRelated `json:"relatedCryptographicAssets" xml:"relatedCryptographicAssets>relatedCryptographicAsset"`
}

type cdxCryptoMat struct {
	Type           string `json:"type" xml:"type"`
	State          string `json:"state" xml:"state"`
	AlgorithmRef   string `json:"algorithmRef" xml:"algorithmRef"`
	Size           *int   `json:"size" xml:"size"`
	ExpirationDate string `json:"expirationDate" xml:"expirationDate"`
	SecuredBy      *struct {
		Mechanism    string `json:"mechanism" xml:"mechanism"`
		AlgorithmRef string `json:"algorithmRef" xml:"algorithmRef"`
	} `json:"securedBy" xml:"securedBy"`
	Related []cdxJSONRelated `json:"relatedCryptographicAssets" xml:"relatedCryptographicAssets>relatedCryptographicAsset"`
}

type cdxCryptoProto struct {
	Type         string `json:"type" xml:"type"`
	Version      string `json:"version" xml:"version"`
	CipherSuites []struct {
		Name        string   `json:"name" xml:"name"`
		Algorithms  []string `json:"algorithms" xml:"algorithms>algorithm"`
		Identifiers []string `json:"identifiers" xml:"identifiers>identifier"`
	} `json:"cipherSuites" xml:"cipherSuites>cipherSuite"`
	IKEv2   map[string]any   `json:"ikev2TransformTypes" xml:"-"`
	Refs    []string         `json:"cryptoRefArray" xml:"cryptoRef"`
	Related []cdxJSONRelated `json:"relatedCryptographicAssets" xml:"relatedCryptographicAssets>relatedCryptographicAsset"`
}

type cdxJSONRelated struct {
	Type string `json:"type" xml:"type"`
	Ref  string `json:"ref" xml:"ref"`
}

// convertCrypto turns decoded cryptoProperties into a CryptoAsset, warning
// at ptr about impossible values (a negative key size, a quantum level
// outside 0-6, an unknown asset type).
func convertCrypto(in *cdxJSONCrypto, props []cdxJSONProp, ptr string, doc *Document) *CryptoAsset {
	ptr += "/cryptoProperties"
	a := &CryptoAsset{AssetType: in.AssetType, OID: in.OID}
	switch in.AssetType {
	case "algorithm", "certificate", "protocol", "related-crypto-material":
	case "":
		doc.warn(ptr+"/assetType", "cryptographic asset states no assetType")
	default:
		doc.warn(ptr+"/assetType", fmt.Sprintf("unknown assetType %q (want algorithm, certificate, protocol or related-crypto-material)", in.AssetType))
	}
	if g := in.Algorithm; g != nil {
		a.Algorithm = &CryptoAlgorithm{
			Primitive: g.Primitive, Family: g.AlgorithmFamily, ParameterSetIdentifier: g.ParameterSetIdentifier,
			Mode: g.Mode, Padding: g.Padding, Curve: firstNonEmpty(g.EllipticCurve, g.Curve), CryptoFunctions: g.CryptoFunctions,
			ExecutionEnvironment: g.ExecutionEnvironment, ImplementationPlatform: g.ImplementationPlatform,
			CertificationLevel: g.CertificationLevel, ClassicalSecurityLevel: g.ClassicalSecurityLevel, NISTQuantumSecurityLevel: g.NISTQuantumLevel,
		}
		if l := g.NISTQuantumLevel; l != nil && (*l < 0 || *l > 6) {
			doc.warn(ptr+"/algorithmProperties/nistQuantumSecurityLevel", fmt.Sprintf("%d is not a NIST quantum security category (0-6); ignored", *l))
			a.Algorithm.NISTQuantumSecurityLevel = nil
		}
		if l := g.ClassicalSecurityLevel; l != nil && (*l < 0 || *l > 1024) {
			doc.warn(ptr+"/algorithmProperties/classicalSecurityLevel", fmt.Sprintf("%d bits is not a plausible classical security level; ignored", *l))
			a.Algorithm.ClassicalSecurityLevel = nil
		}
	}
	if c := in.Certificate; c != nil {
		a.Certificate = &CryptoCertificate{SubjectName: c.SubjectName, IssuerName: c.IssuerName, NotValidBefore: c.NotValidBefore,
			NotValidAfter: c.NotValidAfter, SignatureAlgorithmRef: c.SignatureAlgorithmRef, SubjectPublicKeyRef: c.SubjectPublicKeyRef, Format: c.CertificateFormat}
		a.Related = appendRelated(a.Related, c.Related)
	}
	if m := in.Material; m != nil {
		a.Material = &CryptoMaterial{Type: m.Type, State: m.State, AlgorithmRef: m.AlgorithmRef, Size: m.Size, ExpirationDate: m.ExpirationDate}
		if m.SecuredBy != nil {
			a.Material.SecuredByMechanism, a.Material.SecuredByAlgorithmRef = m.SecuredBy.Mechanism, m.SecuredBy.AlgorithmRef
		}
		if m.Size != nil && (*m.Size <= 0 || *m.Size > 1<<20) {
			doc.warn(ptr+"/relatedCryptoMaterialProperties/size", fmt.Sprintf("key size %d bits is impossible; ignored", *m.Size))
			a.Material.Size = nil
		}
		a.Related = appendRelated(a.Related, m.Related)
	}
	if p := in.Protocol; p != nil {
		a.Protocol = &CryptoProtocol{Type: p.Type, Version: p.Version, CryptoRefs: p.Refs}
		for _, s := range p.CipherSuites {
			a.Protocol.CipherSuites = append(a.Protocol.CipherSuites, CipherSuite{Name: s.Name, Algorithms: s.Algorithms, Identifiers: s.Identifiers})
		}
		for _, k := range slices.Sorted(maps.Keys(p.IKEv2)) {
			if list, ok := p.IKEv2[k].([]any); ok {
				for _, r := range list {
					if s, ok := r.(string); ok {
						a.Protocol.CryptoRefs = append(a.Protocol.CryptoRefs, s)
					}
				}
			}
		}
		a.Related = appendRelated(a.Related, p.Related)
	}
	for _, p := range props {
		switch p.Name {
		case PropCryptoPurpose:
			for _, v := range strings.Split(p.Value, ",") {
				a.Purposes = appendNonEmpty(a.Purposes, v, "")
			}
		case PropCryptoRelated:
			for _, v := range strings.Split(p.Value, ",") {
				if v = strings.TrimSpace(v); v != "" && !slices.Contains(a.Related, v) {
					a.Related = append(a.Related, v)
				}
			}
		case PropCryptoFamily:
			if a.Algorithm != nil && a.Algorithm.Family == "" {
				a.Algorithm.Family = strings.TrimSpace(p.Value)
			}
		}
	}
	return a
}

// Properties Convert writes for CycloneDX 1.7 crypto fields that 1.6 has
// no place for; the reader takes them back, so the model survives the
// conversion.
const (
	// PropCryptoFamily carries algorithmProperties.algorithmFamily (1.7).
	PropCryptoFamily = "dualmark:crypto:algorithmFamily"
	// PropCryptoRelated carries the refs of relatedCryptographicAssets
	// (1.7) of certificates and keys, comma-separated.
	PropCryptoRelated = "dualmark:crypto:related"
)

func appendRelated(dst []string, rs []cdxJSONRelated) []string {
	for _, r := range rs {
		if r.Ref != "" {
			dst = append(dst, r.Ref)
		}
	}
	return dst
}

// Refs lists the bom-refs an asset points at, each with the field that
// holds it (relative to cryptoProperties).
func (a *CryptoAsset) Refs() []CryptoRef {
	var out []CryptoRef
	add := func(field, ref string) {
		if ref != "" {
			out = append(out, CryptoRef{Field: field, Ref: ref})
		}
	}
	if c := a.Certificate; c != nil {
		add("certificateProperties/signatureAlgorithmRef", c.SignatureAlgorithmRef)
		add("certificateProperties/subjectPublicKeyRef", c.SubjectPublicKeyRef)
	}
	if m := a.Material; m != nil {
		add("relatedCryptoMaterialProperties/algorithmRef", m.AlgorithmRef)
		add("relatedCryptoMaterialProperties/securedBy/algorithmRef", m.SecuredByAlgorithmRef)
	}
	if p := a.Protocol; p != nil {
		for i, s := range p.CipherSuites {
			for j, r := range s.Algorithms {
				add(fmt.Sprintf("protocolProperties/cipherSuites/%d/algorithms/%d", i, j), r)
			}
		}
		for i, r := range p.CryptoRefs {
			add(fmt.Sprintf("protocolProperties/cryptoRefArray/%d", i), r)
		}
	}
	for i, r := range a.Related {
		add(fmt.Sprintf("relatedCryptographicAssets/%d", i), r)
	}
	return out
}

// CryptoRef is one reference from a cryptographic asset to another.
type CryptoRef struct {
	// Field is the path below cryptoProperties, e.g.
	// "certificateProperties/signatureAlgorithmRef".
	Field string
	Ref   string
}

// warnCryptoRefs warns about references of cryptographic assets that name
// no component; known reports whether a ref names one.
func warnCryptoRefs(doc *Document, known func(string) bool) {
	for i := range doc.Components {
		c := &doc.Components[i]
		if c.Extra == nil || c.Extra.Crypto == nil {
			continue
		}
		for _, r := range c.Extra.Crypto.Refs() {
			if !known(r.Ref) {
				doc.warn(c.Location+"/cryptoProperties/"+r.Field, fmt.Sprintf("%s: ref %q names no component", c.Name, r.Ref))
			}
		}
	}
}

// CryptoAssets returns the indexes of the components that carry
// cryptoProperties, in document order.
func (d *Document) CryptoAssets() []int {
	var out []int
	for i := range d.Components {
		if d.Components[i].Extra != nil && d.Components[i].Extra.Crypto != nil {
			out = append(out, i)
		}
	}
	return out
}
