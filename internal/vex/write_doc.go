package vex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// OutDocument is a VEX document to write: who states it, when, about which
// product, and its statements (Products are the components' purls, or
// their names where a component has none).
type OutDocument struct {
	// ID is the document's IRI (OpenVEX @id) or serial (CycloneDX
	// serialNumber, a urn:uuid).
	ID        string
	Author    string
	Timestamp time.Time
	// Product names the device the components are part of (its purl or
	// name), written as the CycloneDX metadata component.
	Product, ProductVersion string
	// Tooling names the tool that wrote it (OpenVEX tooling).
	Tooling    string
	Statements []Statement
}

// OpenVEX writes d as an OpenVEX 0.2.0 document through WriteOpenVEX. An
// affected statement without an action statement gets one ("No
// remediation is known"), as the specification requires one for affected;
// a not_affected statement needs a justification or an impact statement.
func OpenVEX(d *OutDocument) ([]byte, error) {
	if d.ID == "" || d.Author == "" || d.Timestamp.IsZero() {
		return nil, fmt.Errorf("OpenVEX: @id, author and timestamp are required")
	}
	stmts := make([]Statement, 0, len(d.Statements))
	for i, s := range d.Statements {
		s.Status = normStatus(s.Status)
		if s.Status == "" || s.Vulnerability == "" {
			return nil, fmt.Errorf("OpenVEX statement %d: vulnerability and a status (not_affected, affected, fixed, under_investigation) are required", i)
		}
		if s.Status == StatusAffected && s.Action == "" {
			s.Action = "No remediation is known"
		}
		if s.Status == StatusNotAffected && s.Justification == "" && s.Impact == "" {
			return nil, fmt.Errorf("OpenVEX statement %d (%s): not_affected needs a justification or an impact statement", i, s.Vulnerability)
		}
		stmts = append(stmts, s)
	}
	var buf bytes.Buffer
	err := WriteOpenVEX(&buf, stmts, DocumentInfo{ID: d.ID, Author: d.Author, Timestamp: d.Timestamp.UTC().Format(time.RFC3339), Tooling: d.Tooling})
	return buf.Bytes(), err
}

// CycloneDX writes d as a CycloneDX 1.6 VEX document (a BOM with the
// affected components and one vulnerability per statement, its analysis
// and the components it affects). The OpenVEX justification is mapped to
// CycloneDX's; the action statement is the analysis detail beside the
// impact statement.
func CycloneDX(d *OutDocument, serial string) ([]byte, error) {
	if d.Timestamp.IsZero() || d.Product == "" {
		return nil, fmt.Errorf("CycloneDX VEX: timestamp and product are required")
	}
	type comp struct {
		Type    string `json:"type"`
		Ref     string `json:"bom-ref"`
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
		PURL    string `json:"purl,omitempty"`
	}
	type analysis struct {
		State         string `json:"state"`
		Justification string `json:"justification,omitempty"`
		Detail        string `json:"detail,omitempty"`
	}
	type ref struct {
		ID string `json:"id"`
	}
	type affect struct {
		Ref string `json:"ref"`
	}
	type vuln struct {
		ID         string   `json:"id"`
		References []ref    `json:"references,omitempty"`
		Analysis   analysis `json:"analysis"`
		Affects    []affect `json:"affects"`
	}
	refs := map[string]bool{}
	var comps []comp
	var vulns []vuln
	for i, s := range d.Statements {
		st := normStatus(s.Status)
		if st == "" || s.Vulnerability == "" {
			return nil, fmt.Errorf("CycloneDX VEX statement %d: vulnerability and a status are required", i)
		}
		s.Status = st
		an := s.CycloneDX() // the one mapping of status and justification (cyclonedx.go)
		state, j := an.State, an.Justification
		detail := s.Impact
		if s.Action != "" {
			if detail != "" {
				detail += " "
			}
			detail += s.Action
		}
		v := vuln{ID: s.Vulnerability, Analysis: analysis{State: state, Justification: j, Detail: detail}, Affects: []affect{}}
		for _, a := range s.Aliases {
			v.References = append(v.References, ref{ID: a})
		}
		for _, p := range s.Products {
			v.Affects = append(v.Affects, affect{Ref: p})
			if !refs[p] {
				refs[p] = true
				c := comp{Type: "library", Ref: p, Name: p}
				if len(p) > 4 && p[:4] == "pkg:" {
					c.PURL = p
				}
				comps = append(comps, c)
			}
		}
		vulns = append(vulns, v)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].Ref < comps[j].Ref })
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "serialNumber": serial,
		"metadata": map[string]any{"timestamp": d.Timestamp.UTC().Format(time.RFC3339),
			"component": comp{Type: "device", Ref: "device", Name: d.Product, Version: d.ProductVersion}},
		"components": comps, "vulnerabilities": vulns,
	}
	if serial == "" {
		delete(doc, "serialNumber")
	}
	return json.MarshalIndent(doc, "", "  ")
}
