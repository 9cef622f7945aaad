// Package pqc rates the cryptography of a product for post-quantum
// readiness: each cryptographic asset of a CycloneDX CBOM (or, lacking one,
// of the dossier's cryptography section) against a dated rule table
// embedded as YAML (data/policy.yaml), on an assessment date and over the
// support period.
//
// Ratings: broken (forbidden now), quantum-vulnerable (acceptable now, with
// the NIST IR 8547 draft and EU roadmap deadlines), quantum-safe (ML-KEM,
// ML-DSA, SLH-DSA, LMS/XMSS for firmware signing, hybrids, symmetric and
// hash primitives at adequate sizes) and unknown (with the reason; never a
// pass). Every deadline carries its source and confidence tag.
package pqc

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Ratings of an asset.
const (
	Broken            = "broken"
	QuantumVulnerable = "quantum-vulnerable"
	QuantumSafe       = "quantum-safe"
	Unknown           = "unknown"
	// ratingGroups (protocols only): rated by the algorithms referenced.
	ratingGroups = "groups"
)

// Purposes that deadlines distinguish.
const (
	PurposeFirmwareSigning = "firmware-signing"
	PurposePKI             = "pki"
)

//go:embed data/policy.yaml
var policyYAML []byte

// Policy is the rule table.
type Policy struct {
	Version   string             `yaml:"version" json:"version"`
	Sources   map[string]*Source `yaml:"sources" json:"sources"`
	Deadlines []Deadline         `yaml:"deadlines" json:"deadlines"`
	Families  []*Family          `yaml:"families" json:"families"`
	Protocols []ProtocolRules    `yaml:"protocols" json:"protocols"`
	// Curves maps security strength (bits) to curve names.
	Curves map[int][]string `yaml:"curves" json:"curves"`

	curveStrength map[string]int
}

// Source is a document a rule rests on.
type Source struct {
	ID    string `yaml:"-" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Status is draft, final or published.
	Status string `yaml:"status" json:"status"`
	// Confidence is C, S or U (see regulatory.md).
	Confidence string `yaml:"confidence" json:"confidence"`
	Note       string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Deadline is the last day a quantum-vulnerable use is acceptable.
type Deadline struct {
	ID   string `yaml:"id" json:"id"`
	Last string `yaml:"last" json:"last"`
	// MaxStrength: applies only up to this security strength (0: all).
	MaxStrength int `yaml:"maxStrength,omitempty" json:"maxStrength,omitempty"`
	// Purposes: applies only to these uses (empty: all).
	Purposes []string `yaml:"purposes,omitempty" json:"purposes,omitempty"`
	Source   string   `yaml:"source" json:"source"`
	Says     string   `yaml:"says" json:"says"`

	last time.Time
}

// Family is one algorithm family and its rating.
type Family struct {
	ID       string   `yaml:"id" json:"id"`
	Patterns []string `yaml:"patterns" json:"patterns"`
	OIDs     []string `yaml:"oids,omitempty" json:"oids,omitempty"`
	// Excludes: this family does not count when one of these matched too
	// (ECDSA's "P-256" pattern inside an ECDH name).
	Excludes []string `yaml:"excludes,omitempty" json:"excludes,omitempty"`
	Rating   string   `yaml:"rating" json:"rating"`
	// SignatureRating replaces Rating when the asset is a signature.
	SignatureRating string `yaml:"signatureRating,omitempty" json:"signatureRating,omitempty"`
	// OnlyPurposes: rated Rating only for these uses; another stated use
	// makes it unknown with OtherReason.
	OnlyPurposes []string    `yaml:"onlyPurposes,omitempty" json:"onlyPurposes,omitempty"`
	Kind         string      `yaml:"kind,omitempty" json:"kind,omitempty"`
	MinBits      int         `yaml:"minBits,omitempty" json:"minBits,omitempty"`
	Strength     map[int]int `yaml:"strength,omitempty" json:"strength,omitempty"`
	Source       string      `yaml:"source" json:"source"`
	Reason       string      `yaml:"reason,omitempty" json:"reason,omitempty"`
	OtherReason  string      `yaml:"otherReason,omitempty" json:"otherReason,omitempty"`
	re           []*regexp.Regexp
}

// ProtocolRules rate the versions of one protocol type.
type ProtocolRules struct {
	Type    string         `yaml:"type" json:"type"`
	Aliases []string       `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Rules   []ProtocolRule `yaml:"rules" json:"rules"`
}

// ProtocolRule rates some versions of a protocol.
type ProtocolRule struct {
	Versions []string `yaml:"versions" json:"versions"`
	Rating   string   `yaml:"rating" json:"rating"`
	Strength int      `yaml:"strength,omitempty" json:"strength,omitempty"`
	Source   string   `yaml:"source,omitempty" json:"source,omitempty"`
	Reason   string   `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// Load parses the embedded policy.
func Load() (*Policy, error) { return Parse(policyYAML) }

// Parse reads a policy from YAML and checks it: known fields only, every
// source named exists, dates are YYYY-MM-DD, patterns compile, ratings are
// known. Errors name the rule.
func Parse(data []byte) (*Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("PQC policy: %w", err)
	}
	for id, s := range p.Sources {
		s.ID = id
		if !slices.Contains([]string{"C", "S", "U"}, s.Confidence) {
			return nil, fmt.Errorf("PQC policy: sources.%s.confidence %q: want C, S or U", id, s.Confidence)
		}
	}
	src := func(where, id string) error {
		if id == "" {
			return nil
		}
		if p.Sources[id] == nil {
			return fmt.Errorf("PQC policy: %s: source %q is not listed under sources", where, id)
		}
		return nil
	}
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		t, err := time.Parse("2006-01-02", d.Last)
		if err != nil {
			return nil, fmt.Errorf("PQC policy: deadlines.%s.last %q: want YYYY-MM-DD", d.ID, d.Last)
		}
		d.last = t
		if d.Source == "" {
			return nil, fmt.Errorf("PQC policy: deadlines.%s: no source", d.ID)
		}
		if err := src("deadlines."+d.ID, d.Source); err != nil {
			return nil, err
		}
	}
	ids := map[string]bool{}
	for _, f := range p.Families {
		ids[f.ID] = true
	}
	for _, f := range p.Families {
		where := "families." + f.ID
		if !validRating(f.Rating) || f.SignatureRating != "" && !validRating(f.SignatureRating) {
			return nil, fmt.Errorf("PQC policy: %s: unknown rating %q", where, f.Rating)
		}
		if f.Source == "" {
			return nil, fmt.Errorf("PQC policy: %s: no source", where)
		}
		if err := src(where, f.Source); err != nil {
			return nil, err
		}
		for _, x := range f.Excludes {
			if !ids[x] {
				return nil, fmt.Errorf("PQC policy: %s: excludes unknown family %q", where, x)
			}
		}
		for _, pat := range f.Patterns {
			re, err := regexp.Compile("(?i)" + pat)
			if err != nil {
				return nil, fmt.Errorf("PQC policy: %s: pattern %q: %v", where, pat, err)
			}
			f.re = append(f.re, re)
		}
	}
	for _, pr := range p.Protocols {
		for _, r := range pr.Rules {
			if r.Rating != ratingGroups && !validRating(r.Rating) {
				return nil, fmt.Errorf("PQC policy: protocols.%s: unknown rating %q", pr.Type, r.Rating)
			}
			if err := src("protocols."+pr.Type, r.Source); err != nil {
				return nil, err
			}
		}
	}
	p.curveStrength = map[string]int{}
	for bits, names := range p.Curves {
		for _, n := range names {
			p.curveStrength[normCurve(n)] = bits
		}
	}
	return &p, nil
}

func validRating(r string) bool {
	switch r {
	case Broken, QuantumVulnerable, QuantumSafe, Unknown:
		return true
	}
	return false
}

// normCurve lower-cases a curve name and drops separators and the 1.7
// namespace ("brainpool/brainpoolP160r1").
func normCurve(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
}
