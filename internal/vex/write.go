package vex

import (
	"encoding/json"
	"io"
)

// OpenVEXContext is the @context of the OpenVEX documents written.
const OpenVEXContext = "https://openvex.dev/ns/v0.2.0"

// DocumentInfo is what an OpenVEX document says about itself.
type DocumentInfo struct {
	// ID is the document's IRI (@id).
	ID string
	// Author names who made the statements.
	Author string
	// Timestamp is when the document was made (RFC 3339).
	Timestamp string
	// Tooling names the tool that wrote it.
	Tooling string
}

type openVEXOutDoc struct {
	Context    string          `json:"@context"`
	ID         string          `json:"@id"`
	Author     string          `json:"author"`
	Timestamp  string          `json:"timestamp"`
	Version    int             `json:"version"`
	Tooling    string          `json:"tooling,omitempty"`
	Statements []openVEXOutStm `json:"statements"`
}

type openVEXOutStm struct {
	Vulnerability openVEXOutVuln `json:"vulnerability"`
	Products      []openVEXOutID `json:"products,omitempty"`
	Status        string         `json:"status"`
	Justification string         `json:"justification,omitempty"`
	Impact        string         `json:"impact_statement,omitempty"`
	Action        string         `json:"action_statement,omitempty"`
	Timestamp     string         `json:"timestamp,omitempty"`
}

type openVEXOutVuln struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

type openVEXOutID struct {
	ID string `json:"@id"`
}

// WriteOpenVEX writes the statements as an OpenVEX v0.2.0 document
// (version 1), indented JSON followed by a newline. Each statement's
// products become product @ids; Format and Source, which say where a read
// statement came from, are not written, so statements that differ only
// there are written once (the schema wants unique statements). A
// CycloneDX justification is written in OpenVEX's vocabulary where one
// means the same (code_not_present, code_not_reachable,
// protected_by_mitigating_control), else as the impact statement.
func WriteOpenVEX(w io.Writer, stmts []Statement, info DocumentInfo) error {
	doc := openVEXOutDoc{Context: OpenVEXContext, ID: info.ID, Author: info.Author, Timestamp: info.Timestamp,
		Version: 1, Tooling: info.Tooling, Statements: make([]openVEXOutStm, 0, len(stmts))}
	seen := map[string]bool{}
	for i := range stmts {
		s := &stmts[i]
		o := openVEXOutStm{Vulnerability: openVEXOutVuln{Name: s.Vulnerability, Aliases: s.Aliases}, Status: s.Status,
			Impact: s.Impact, Action: s.Action, Timestamp: s.Timestamp}
		o.Justification, o.Impact = openVEXJustification(s.Justification, s.Impact)
		for _, p := range s.Products {
			o.Products = append(o.Products, openVEXOutID{ID: p})
		}
		key, err := json.Marshal(o)
		if err != nil {
			return err
		}
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		doc.Statements = append(doc.Statements, o)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// openVEXJustifications are OpenVEX's justification labels (CSAF VEX's
// flag labels are the same five).
var openVEXJustifications = map[string]bool{"component_not_present": true, "vulnerable_code_not_present": true,
	"vulnerable_code_not_in_execute_path": true, "vulnerable_code_cannot_be_controlled_by_adversary": true,
	"inline_mitigations_already_exist": true}

// IsJustificationLabel reports whether j is one of the five justification
// labels OpenVEX statements and CSAF VEX flags share.
func IsJustificationLabel(j string) bool { return openVEXJustifications[j] }

// fromCycloneDX maps the CycloneDX justifications that mean the same as
// an OpenVEX one.
var fromCycloneDX = map[string]string{"code_not_present": "vulnerable_code_not_present",
	"code_not_reachable": "vulnerable_code_not_in_execute_path", "protected_by_mitigating_control": "inline_mitigations_already_exist"}

// openVEXJustification returns the justification in OpenVEX's vocabulary
// and the impact statement; one with no OpenVEX counterpart moves into the
// impact statement, so the reason is kept.
func openVEXJustification(j, impact string) (string, string) {
	switch {
	case j == "" || openVEXJustifications[j]:
		return j, impact
	case fromCycloneDX[j] != "":
		return fromCycloneDX[j], impact
	}
	if impact == "" {
		return "", "justification: " + j
	}
	return "", impact + " (justification: " + j + ")"
}
