// Package label builds, signs and verifies dualmark labels: an in-toto
// Statement v1 whose predicate summarises an assessment (per-regime
// verdicts, support-period end, update policy, post-quantum readiness,
// assessment digest, issuer, issue time), inside a DSSE envelope signed twice over the same PAE bytes —
// Ed25519 and ML-DSA-65 — and recorded in the transparency log of package
// tlog. A Bundle holds the envelope, its inclusion proof and the signed
// checkpoint, so that anyone can verify a label offline with only the bundle
// and a trust file. Revocations are signed statements appended to the same
// log.
package label

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Type URIs of dualmark statements.
const (
	StatementType           = "https://in-toto.io/Statement/v1"
	PredicateType           = "https://dualmark.dev/attestation/label/v1"
	RevocationPredicateType = "https://dualmark.dev/attestation/label-revocation/v1"
)

// Subject names of a label statement.
const (
	SubjectProduct = "product"
	SubjectLabel   = "label"
)

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     json.RawMessage      `json:"predicate"`
}

// ResourceDescriptor is the in-toto v1 resource descriptor (the fields
// dualmark uses).
type ResourceDescriptor struct {
	Name      string            `json:"name,omitempty"`
	URI       string            `json:"uri,omitempty"`
	Digest    map[string]string `json:"digest"`
	MediaType string            `json:"mediaType,omitempty"`
}

// Product is the product identity a label is about. The predicate carries
// it; the "product" subject's digest is the SHA-256 of its JSON encoding,
// which verifiers recompute (in-toto subjects must have a digest).
type Product struct {
	Name            string       `json:"name"`
	Manufacturer    string       `json:"manufacturer,omitempty"`
	Brand           string       `json:"brand,omitempty"`
	Model           string       `json:"model,omitempty"`
	Type            string       `json:"type,omitempty"`
	HardwareVersion string       `json:"hardwareVersion,omitempty"`
	FirmwareVersion string       `json:"firmwareVersion,omitempty"`
	Identifiers     []Identifier `json:"identifiers,omitempty"`
}

// Identifier is a product identifier such as a GTIN or FCC ID.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Digest returns the SHA-256 hex digest of the identity's JSON encoding
// (byte for byte json.Marshal's output, written by hand because verifiers
// recompute it on every label).
func (p *Product) Digest() string {
	b := make([]byte, 0, 256)
	b = append(b, `{"name":`...)
	b = appendJSONString(b, p.Name)
	for _, f := range []struct{ key, val string }{
		{"manufacturer", p.Manufacturer}, {"brand", p.Brand}, {"model", p.Model}, {"type", p.Type},
		{"hardwareVersion", p.HardwareVersion}, {"firmwareVersion", p.FirmwareVersion},
	} {
		if f.val != "" {
			b = append(b, ',', '"')
			b = append(b, f.key...)
			b = append(b, '"', ':')
			b = appendJSONString(b, f.val)
		}
	}
	if len(p.Identifiers) > 0 {
		b = append(b, `,"identifiers":[`...)
		for i, id := range p.Identifiers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendJSONString(b, id.Type)
			b = append(b, `,"value":`...)
			b = appendJSONString(b, id.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Predicate is the dualmark label predicate.
type Predicate struct {
	Product          Product            `json:"product"`
	Regimes          map[string]Verdict `json:"regimes"`
	SupportPeriodEnd string             `json:"supportPeriodEnd,omitempty"` // YYYY-MM-DD
	UpdatePolicy     *UpdatePolicy      `json:"updatePolicy,omitempty"`
	// PostQuantum is the product's post-quantum readiness, the one line
	// the registry page shows too (package pqc, via the assessment).
	PostQuantum string        `json:"postQuantum,omitempty"`
	Assessment  AssessmentRef `json:"assessment"`
	Issuer      string        `json:"issuer"`
	IssuedAt    time.Time     `json:"issuedAt"`
}

// Verdict is one regime's outcome.
type Verdict struct {
	Verdict string `json:"verdict"` // conforms | does-not-conform | incomplete | ready-for-testing | tested | not-applicable
	// Readiness is the verdict the regime would have if all its
	// requirements applied (the CRA before 11 December 2027, when only its
	// Art. 14 applies); empty when every requirement is in force.
	Readiness string `json:"readiness,omitempty"`
}

// String is the verdict, followed by the readiness where it differs, so
// that "conforms" is never shown alone for a regime whose other
// requirements are not met yet.
func (v Verdict) String() string {
	if v.Readiness == "" || v.Readiness == v.Verdict {
		return v.Verdict
	}
	return v.Verdict + " (readiness: " + v.Readiness + ")"
}

// UpdatePolicy summarises how the product is updated.
type UpdatePolicy struct {
	Mechanism string `json:"mechanism,omitempty"`
	Automatic *bool  `json:"automatic,omitempty"`
	Signed    *bool  `json:"signed,omitempty"`
}

// AssessmentRef points at the signed assessment by digest.
type AssessmentRef struct {
	Digest    map[string]string `json:"digest"`
	MediaType string            `json:"mediaType"`
	Name      string            `json:"name,omitempty"`
}

// RevocationPredicate is the predicate of a revocation statement; its
// subject is the revoked label, named by the SHA-256 of its envelope.
type RevocationPredicate struct {
	Reason    string    `json:"reason"`
	LogIndex  uint64    `json:"logIndex"`
	Issuer    string    `json:"issuer"`
	RevokedAt time.Time `json:"revokedAt"`
}
