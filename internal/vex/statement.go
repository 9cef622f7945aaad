// Package vex reads Vulnerability Exploitability eXchange documents —
// OpenVEX, CycloneDX VEX and CSAF VEX — into one statement model that the
// scanner uses to suppress or annotate findings, and writes statements as
// OpenVEX. Callers read each document once (LoadDocument) and hand the
// statements down.
package vex

import (
	"strings"

	"github.com/dualmark/dualmark/internal/purl"
)

// Statuses a statement can carry (OpenVEX spelling; the other formats are
// mapped onto these).
const (
	StatusNotAffected        = "not_affected"
	StatusAffected           = "affected"
	StatusFixed              = "fixed"
	StatusUnderInvestigation = "under_investigation"
)

// Statement says what a supplier knows about one vulnerability in some
// products.
type Statement struct {
	// Vulnerability is the id the statement names (CVE, GHSA, ...).
	Vulnerability string `json:"vulnerability"`
	// Aliases are other ids of the same vulnerability named by the statement.
	Aliases []string `json:"aliases,omitempty"`
	// Products are package URLs (or other product identifiers) the statement
	// covers; a purl without a version covers every version. Empty: all.
	Products []string `json:"products,omitempty"`
	// Status is one of the Status* constants.
	Status string `json:"status"`
	// Justification is the machine-readable reason for not_affected.
	Justification string `json:"justification,omitempty"`
	// Impact is the free-text impact statement.
	Impact string `json:"impactStatement,omitempty"`
	// Action is the free-text action statement (for affected).
	Action string `json:"actionStatement,omitempty"`
	// Timestamp is when the statement was made, as written in the document.
	Timestamp string `json:"timestamp,omitempty"`
	// Format is the document format: openvex, cyclonedx or csaf.
	Format string `json:"format"`
	// Source names the file and the place in it ("vex.json#/statements/0").
	Source string `json:"source"`
}

// Suppresses reports whether the statement removes a finding from the
// verdict: the product is not affected, or the vulnerability is fixed in it.
func (s *Statement) Suppresses() bool {
	return s.Status == StatusNotAffected || s.Status == StatusFixed
}

// AppliesTo reports whether the statement speaks about one of ids (a
// finding's advisory id and aliases) for the component with this purl.
func (s *Statement) AppliesTo(ids []string, purl string) bool {
	if !s.namesAny(ids) {
		return false
	}
	if len(s.Products) == 0 {
		return true
	}
	for _, p := range s.Products {
		if productMatches(p, purl) {
			return true
		}
	}
	return false
}

func (s *Statement) namesAny(ids []string) bool {
	for _, id := range ids {
		if strings.EqualFold(id, s.Vulnerability) {
			return true
		}
		for _, a := range s.Aliases {
			if strings.EqualFold(id, a) {
				return true
			}
		}
	}
	return false
}

// productMatches compares a statement's product with a component purl:
// the same package (purl.SamePackage: type, namespace and name, ignoring
// case), and a product without a version covers every version; versions
// are compared unescaped.
func productMatches(product, component string) bool {
	if product == "" || component == "" {
		return false
	}
	if !purl.SamePackage(product, component) {
		return false
	}
	pp, err1 := purl.ParseLenient(product)
	cp, err2 := purl.ParseLenient(component)
	if err1 != nil || err2 != nil {
		return true // equal strings (SamePackage's rule for unreadable ones)
	}
	return pp.Version == "" || pp.Version == cp.Version
}
