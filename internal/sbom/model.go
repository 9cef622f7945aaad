// Package sbom reads software bills of materials in every common format —
// CycloneDX 1.2–1.7 (JSON and XML), SPDX 2.2/2.3 (JSON, YAML and tag-value)
// and SPDX 3.0 (JSON-LD) — into one component model, detecting the format
// from the content (never from the file name) and accepting gzip.
//
// It also writes the model back out as CycloneDX 1.6 or SPDX 2.3 JSON
// (Convert). Judging the quality of an SBOM against named profiles (BSI
// TR-03183-2, NTIA, CISA) is package sbomquality's; validating it against
// the official schemas (Options.Strict) is package sbomschema's.
//
// Component count contract: for CycloneDX every object of a "components"
// array at any depth counts (nested components included) but not
// metadata.component; for SPDX 2.x every package; for SPDX 3 every element
// of type software_Package, ai_AIPackage or dataset_DatasetPackage.
package sbom

import "time"

// Format names of Document.Format.
const (
	FormatCycloneDX = "cyclonedx"
	FormatSPDX      = "spdx"
)

// Encoding names of Document.Encoding.
const (
	EncodingJSON     = "json"
	EncodingXML      = "xml"
	EncodingTagValue = "tag-value"
	EncodingYAML     = "yaml"
	EncodingJSONLD   = "json-ld"
)

// Document is one SBOM in the format-neutral model.
type Document struct {
	// Format is FormatCycloneDX or FormatSPDX.
	Format string `json:"format"`
	// SpecVersion is the version of the format, e.g. "1.6", "2.3", "3.0".
	SpecVersion string `json:"specVersion"`
	// Encoding is one of the Encoding* constants.
	Encoding string `json:"encoding"`
	// Name is the document name (SPDX name, CycloneDX metadata.component name).
	Name string `json:"name,omitempty"`
	// Created is the creation time of the document, zero when absent.
	Created time.Time `json:"created,omitzero"`
	// Creators lists the tools, organisations and persons that made it.
	Creators []string `json:"creators,omitempty"`
	// URI identifies the document (CycloneDX serialNumber, SPDX document
	// namespace or SPDX 3 document IRI).
	URI string `json:"uri,omitempty"`
	// CreatorContact is an e-mail address or URL of the SBOM creator.
	CreatorContact string `json:"creatorContact,omitempty"`
	// Subject is the product the SBOM describes (CycloneDX metadata.component,
	// the SPDX package the document DESCRIBES), or nil.
	Subject *Component `json:"subject,omitempty"`
	// Components are the components per the count contract of the package doc.
	Components []Component `json:"components"`
	// Dependencies are the dependency edges of the document.
	Dependencies []Dependency `json:"dependencies,omitempty"`
	// Provides are the CycloneDX 1.6+ "provides" edges: Ref implements the
	// components DependsOn (e.g. the cryptographic assets a crypto library
	// provides). Kept apart from Dependencies so that documents without
	// them pay nothing per dependency.
	Provides []Dependency `json:"provides,omitempty"`
	// Warnings are readable-but-flawed findings (duplicate refs, dangling
	// dependency refs, unparsable purls, ...).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Component is one software or hardware component of an SBOM.
type Component struct {
	// Ref is the document-local identifier (bom-ref, SPDXID, spdxId).
	Ref     string `json:"ref,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Supplier is the supplier (or, lacking one, the manufacturer/author) name.
	Supplier string `json:"supplier,omitempty"`
	// PURL is the normalised package URL, "" when there is none.
	PURL string `json:"purl,omitempty"`
	// PURLDerived is true when PURL was built from a CPE or another external
	// reference rather than stated as a purl by the document.
	PURLDerived bool     `json:"purlDerived,omitempty"`
	CPEs        []string `json:"cpes,omitempty"`
	Hashes      []Hash   `json:"hashes,omitempty"`
	// Licenses is an SPDX licence expression (concluded, else declared).
	Licenses string `json:"licenses,omitempty"`
	// Type is library, application, framework, firmware, operating-system,
	// device, container, file, machine-learning-model, data,
	// cryptographic-asset, platform, device-driver or other.
	Type string `json:"type,omitempty"`
	// Scope is the CycloneDX scope (required, optional, excluded) or "".
	Scope    string `json:"scope,omitempty"`
	FileName string `json:"fileName,omitempty"`
	// Location is where the component sits in the source: a JSON pointer,
	// an XML path or "line N" for tag-value.
	Location string `json:"location,omitempty"`

	// Extra holds the fields beyond the cross-engineer contract that the
	// quality profiles need; nil when the document states none of them, so
	// that a 100,000-component SBOM stays within 3x its size in memory.
	Extra *ComponentExtra `json:"extra,omitempty"`
}

// Hash is one checksum of a component.
type Hash struct {
	// Algorithm is the normalised algorithm name, e.g. "SHA-256".
	Algorithm string `json:"algorithm"`
	// Value is the lower-case hex (or as given) digest.
	Value string `json:"value"`
}

// Dependency says that the component Ref depends on the components DependsOn.
type Dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// Warning is a readable-but-flawed finding about a document.
type Warning struct {
	// Location is a JSON pointer, XML path or "line N".
	Location string `json:"location"`
	Message  string `json:"message"`
}

// DefaultMaxBytes is the input size limit used when Options.MaxBytes is 0.
const DefaultMaxBytes = 512 << 20

// Options tune Parse. The zero value gives sane defaults.
type Options struct {
	// MaxBytes caps the decompressed input size; 0 means DefaultMaxBytes,
	// a negative value means no limit.
	MaxBytes int64
	// Strict validates the document against the official JSON schema of its
	// format and version before reading it (CycloneDX JSON and XML 1.2–1.7,
	// SPDX 3.0 JSON-LD; package sbomschema); encodings without a schema get
	// a warning saying so.
	Strict bool
	// SchemaDir is where Strict mode looks for the schemas first; see
	// sbomschema.EnvSchemaDir for the search order.
	SchemaDir string
	// MaxDepth caps the nesting depth of a JSON or XML document (objects
	// and arrays, or elements); 0 means DefaultMaxDepth, negative no limit.
	MaxDepth int
	// MaxStringBytes caps the length of every string field of the model;
	// 0 means DefaultMaxString, negative no limit.
	MaxStringBytes int
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// ComponentExtra are the component fields beyond the contract, used by the
// quality profiles (BSI TR-03183-2 in particular) and by conversion.
type ComponentExtra struct {
	// Creator is the manufacturer / originator / author of the component.
	Creator string `json:"creator,omitempty"`
	// CreatorContact and SupplierContact are an e-mail address or URL.
	CreatorContact  string `json:"creatorContact,omitempty"`
	SupplierContact string `json:"supplierContact,omitempty"`
	// LicenseConcluded, LicenseDeclared and LicenseEffective keep the
	// licence kinds apart (Licenses holds concluded, else declared).
	LicenseConcluded string `json:"licenseConcluded,omitempty"`
	LicenseDeclared  string `json:"licenseDeclared,omitempty"`
	LicenseEffective string `json:"licenseEffective,omitempty"`
	// DownloadURL is the URI of the deployable form, SourceURL that of the
	// source code, SecurityTxtURL a security.txt (RFC 9116) location.
	DownloadURL    string `json:"downloadURL,omitempty"`
	SourceURL      string `json:"sourceURL,omitempty"`
	SecurityTxtURL string `json:"securityTxtURL,omitempty"`
	// DeployableHashes are the hashes of the deployable form (distribution
	// references); SourceHashes those of the source code.
	DeployableHashes []Hash `json:"deployableHashes,omitempty"`
	SourceHashes     []Hash `json:"sourceHashes,omitempty"`
	// SWID is a SWID tag ID, when given.
	SWID string `json:"swid,omitempty"`
	// Executable, Archive and Structured are the BSI component properties:
	// "true", "false" or "" when not stated.
	Executable string `json:"executable,omitempty"`
	Archive    string `json:"archive,omitempty"`
	Structured string `json:"structured,omitempty"`
	// Crypto is the CBOM part of a cryptographic-asset (crypto.go); AI the
	// model card and dataset facts of a model or dataset (ai.go).
	Crypto *CryptoAsset `json:"crypto,omitempty"`
	AI     *AIInfo      `json:"ai,omitempty"`
}

var zeroExtra ComponentExtra

// X returns the extra fields of c for reading; never nil.
func (c *Component) X() *ComponentExtra {
	if c.Extra == nil {
		return &zeroExtra
	}
	return c.Extra
}

// extra returns the extra fields of c for writing, allocating them.
func (c *Component) extra() *ComponentExtra {
	if c.Extra == nil {
		c.Extra = new(ComponentExtra)
	}
	return c.Extra
}

// setExtra attaches a copy of x unless it is empty.
func (c *Component) setExtra(x *ComponentExtra) {
	if x.Creator == "" && x.CreatorContact == "" && x.SupplierContact == "" && x.LicenseConcluded == "" &&
		x.LicenseDeclared == "" && x.LicenseEffective == "" && x.DownloadURL == "" && x.SourceURL == "" &&
		x.SecurityTxtURL == "" && len(x.DeployableHashes) == 0 && len(x.SourceHashes) == 0 && x.SWID == "" &&
		x.Executable == "" && x.Archive == "" && x.Structured == "" {
		return
	}
	e := *x
	c.Extra = &e
}
