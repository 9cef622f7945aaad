package vex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
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
	// Ranges are statements about a range of versions ("not affected: all
	// versions < 2.0"), written after Statements.
	Ranges []RangeStatement
}

// RangeStatement is a statement that covers a range of a package's
// versions: its Products are package URLs without a version, Range a vers:
// range (package-url/vers-spec, "vers:npm/<2.0.0", "vers:semver/>=1.2|<1.4").
// CycloneDX writes it as an affects entry with the range and the version
// status (affected, unaffected, unknown); OpenVEX 0.2.0 has no version
// ranges, so the range goes into the product's purl as the qualifier
// "vers" (a convention, not part of OpenVEX or the purl specification: a
// consumer that ignores it reads the statement as covering every version).
type RangeStatement struct {
	Statement
	Range string
}

// versRange checks a vers: range: "vers:", a versioning scheme, "/" and
// constraints separated by "|", each an optional comparator (<, <=, >, >=,
// =, !=) and a version, or "*" alone.
func versRange(r string) error {
	rest, ok := strings.CutPrefix(r, "vers:")
	if !ok {
		return fmt.Errorf("range %q: want a vers: range such as vers:npm/<2.0.0", r)
	}
	scheme, cons, ok := strings.Cut(rest, "/")
	if !ok || scheme == "" || cons == "" || strings.ToLower(scheme) != scheme {
		return fmt.Errorf("range %q: want vers:<scheme>/<constraints>", r)
	}
	if cons == "*" {
		return nil
	}
	for _, c := range strings.Split(cons, "|") {
		v := strings.TrimLeft(c, "<>=!")
		op := c[:len(c)-len(v)]
		switch op {
		case "", "<", "<=", ">", ">=", "=", "!=":
		default:
			return fmt.Errorf("range %q: comparator %q", r, op)
		}
		if v == "" || strings.ContainsAny(v, " *") {
			return fmt.Errorf("range %q: constraint %q has no version", r, c)
		}
		if strings.ContainsAny(v[:1], "~^") {
			return fmt.Errorf("range %q: %q is a package manager's range operator, not a vers comparator (<, <=, >, >=, =, !=)", r, c)
		}
	}
	return nil
}

// rangeProducts checks a range statement's products: package URLs without
// a version.
func rangeProducts(i int, s *RangeStatement) error {
	if err := versRange(s.Range); err != nil {
		return fmt.Errorf("range statement %d (%s): %w", i, s.Vulnerability, err)
	}
	if len(s.Products) == 0 {
		return fmt.Errorf("range statement %d (%s): the range needs the packages it is a range of", i, s.Vulnerability)
	}
	for _, p := range s.Products {
		name, _, _ := strings.Cut(p, "?")
		if !strings.HasPrefix(p, "pkg:") || strings.Contains(name, "@") {
			return fmt.Errorf("range statement %d (%s): product %q: want a package URL without a version", i, s.Vulnerability, p)
		}
	}
	return nil
}

// withVers is a versionless purl with the range as its vers qualifier.
func withVers(p, r string) string {
	base, frag, _ := strings.Cut(p, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	out := base + sep + "vers=" + url.QueryEscape(r)
	if frag != "" {
		out += "#" + frag
	}
	return out
}

// rangeStatus is the CycloneDX version status of a VEX status.
func rangeStatus(st string) string {
	switch st {
	case StatusAffected:
		return "affected"
	case StatusNotAffected, StatusFixed:
		return "unaffected"
	}
	return "unknown"
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
	for i := range d.Ranges {
		r := d.Ranges[i]
		if err := rangeProducts(i, &r); err != nil {
			return nil, err
		}
		s := r.Statement
		s.Status = normStatus(s.Status)
		if s.Status == "" || s.Vulnerability == "" {
			return nil, fmt.Errorf("OpenVEX range statement %d: vulnerability and a status are required", i)
		}
		if s.Status == StatusAffected && s.Action == "" {
			s.Action = "No remediation is known"
		}
		if s.Status == StatusNotAffected && s.Justification == "" && s.Impact == "" {
			return nil, fmt.Errorf("OpenVEX range statement %d (%s): not_affected needs a justification or an impact statement", i, s.Vulnerability)
		}
		s.Products = make([]string, len(r.Products))
		for k, p := range r.Products {
			s.Products[k] = withVers(p, r.Range)
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
	type version struct {
		Range  string `json:"range"`
		Status string `json:"status"`
	}
	type affect struct {
		Ref      string    `json:"ref"`
		Versions []version `json:"versions,omitempty"`
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
	all := append([]Statement(nil), d.Statements...)
	ranges := make([]string, len(all), len(all)+len(d.Ranges))
	for i := range d.Ranges {
		if err := rangeProducts(i, &d.Ranges[i]); err != nil {
			return nil, err
		}
		all = append(all, d.Ranges[i].Statement)
		ranges = append(ranges, d.Ranges[i].Range)
	}
	for i, s := range all {
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
			a := affect{Ref: p}
			if ranges[i] != "" {
				a.Versions = []version{{Range: ranges[i], Status: rangeStatus(st)}}
			}
			v.Affects = append(v.Affects, a)
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
