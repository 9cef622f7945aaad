package vex

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Document is a VEX document to write: who states it, when, about which
// product, and its statements (Products are the components' purls, or
// their names where a component has none).
type Document struct {
	// ID is the document's IRI (OpenVEX @id) or serial (CycloneDX
	// serialNumber, a urn:uuid).
	ID        string
	Author    string
	Timestamp time.Time
	// Product names the device the components are part of (its purl or
	// name), written as the CycloneDX metadata component.
	Product, ProductVersion string
	Statements              []Statement
}

// OpenVEXContext is the @context of the OpenVEX documents written.
const OpenVEXContext = "https://openvex.dev/ns/v0.2.0"

type ovProduct struct {
	ID string `json:"@id"`
}

type ovVuln struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

type ovStatement struct {
	Vulnerability ovVuln      `json:"vulnerability"`
	Products      []ovProduct `json:"products"`
	Status        string      `json:"status"`
	Justification string      `json:"justification,omitempty"`
	Impact        string      `json:"impact_statement,omitempty"`
	Action        string      `json:"action_statement,omitempty"`
}

// OpenVEX writes d as an OpenVEX 0.2.0 document. An affected statement
// without an action statement gets one ("No remediation is known"), as the
// specification requires one for affected.
func OpenVEX(d *Document) ([]byte, error) {
	if d.ID == "" || d.Author == "" || d.Timestamp.IsZero() {
		return nil, fmt.Errorf("OpenVEX: @id, author and timestamp are required")
	}
	doc := struct {
		Context    string        `json:"@context"`
		ID         string        `json:"@id"`
		Author     string        `json:"author"`
		Timestamp  string        `json:"timestamp"`
		Version    int           `json:"version"`
		Statements []ovStatement `json:"statements"`
	}{OpenVEXContext, d.ID, d.Author, d.Timestamp.UTC().Format(time.RFC3339), 1, []ovStatement{}}
	for i, s := range d.Statements {
		if normStatus(s.Status) == "" || s.Vulnerability == "" {
			return nil, fmt.Errorf("OpenVEX statement %d: vulnerability and a status (not_affected, affected, fixed, under_investigation) are required", i)
		}
		st := ovStatement{Vulnerability: ovVuln{Name: s.Vulnerability, Aliases: s.Aliases}, Status: normStatus(s.Status),
			Justification: s.Justification, Impact: s.Impact, Action: s.Action}
		if st.Status == StatusAffected && st.Action == "" {
			st.Action = "No remediation is known"
		}
		if st.Status == StatusNotAffected && st.Justification == "" && st.Impact == "" {
			return nil, fmt.Errorf("OpenVEX statement %d (%s): not_affected needs a justification or an impact statement", i, s.Vulnerability)
		}
		for _, p := range s.Products {
			st.Products = append(st.Products, ovProduct{ID: p})
		}
		doc.Statements = append(doc.Statements, st)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// cdxState maps a status to the CycloneDX 1.6 analysis state.
var cdxState = map[string]string{StatusAffected: "exploitable", StatusNotAffected: "not_affected", StatusFixed: "resolved", StatusUnderInvestigation: "in_triage"}

// cdxJustification maps OpenVEX justifications to CycloneDX ones (a
// CycloneDX justification is kept as it is).
var cdxJustification = map[string]string{
	"component_not_present":                             "code_not_present",
	"vulnerable_code_not_present":                       "code_not_present",
	"vulnerable_code_not_in_execute_path":               "code_not_reachable",
	"vulnerable_code_cannot_be_controlled_by_adversary": "protected_at_runtime",
	"inline_mitigations_already_exist":                  "protected_by_mitigating_control",
}

var cdxJustifications = map[string]bool{"code_not_present": true, "code_not_reachable": true, "requires_configuration": true, "requires_dependency": true,
	"requires_environment": true, "protected_by_compiler": true, "protected_at_runtime": true, "protected_at_perimeter": true, "protected_by_mitigating_control": true}

// CycloneDX writes d as a CycloneDX 1.6 VEX document (a BOM with the
// affected components and one vulnerability per statement, its analysis
// and the components it affects). The OpenVEX justification is mapped to
// CycloneDX's; the action statement is the analysis detail beside the
// impact statement.
func CycloneDX(d *Document, serial string) ([]byte, error) {
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
		state := cdxState[normStatus(s.Status)]
		if state == "" || s.Vulnerability == "" {
			return nil, fmt.Errorf("CycloneDX VEX statement %d: vulnerability and a status are required", i)
		}
		j := s.Justification
		if m, ok := cdxJustification[j]; ok {
			j = m
		} else if !cdxJustifications[j] {
			j = ""
		}
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
