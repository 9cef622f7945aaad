// Package sarif holds the typed structures of a SARIF 2.1.0 log (OASIS
// Static Analysis Results Interchange Format), the parts dualmark fills,
// and writes them. Both the assessment report (requirements not met) and
// the scan report (vulnerable components) are written through it.
package sarif

import (
	"encoding/json"
	"io"
)

// Version is the SARIF version written.
const Version = "2.1.0"

// SchemaURI is the schema the log names in "$schema".
const SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// Log is a SARIF log file.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// NewLog returns a log of version 2.1.0 holding the runs.
func NewLog(runs ...Run) *Log {
	return &Log{Schema: SchemaURI, Version: Version, Runs: runs}
}

// Run is one run of one tool.
type Run struct {
	Tool       Tool           `json:"tool"`
	Results    []Result       `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Tool names the tool of a run.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component and its rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []Rule `json:"rules"`
}

// Rule is a reportingDescriptor: one requirement or one advisory.
type Rule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription Message        `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

// Message is a plain-text message (also used for multiformatMessageString).
type Message struct {
	Text string `json:"text"`
}

// Levels of a result.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNote    = "note"
)

// Result is one result of a run.
type Result struct {
	RuleID       string         `json:"ruleId"`
	RuleIndex    int            `json:"ruleIndex"`
	Level        string         `json:"level"`
	Message      Message        `json:"message"`
	Locations    []Location     `json:"locations,omitempty"`
	Suppressions []Suppression  `json:"suppressions,omitempty"`
	Properties   map[string]any `json:"properties,omitempty"`
}

// Location says where a result is: a file and, optionally, logical places
// in it (a package).
type Location struct {
	PhysicalLocation PhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []LogicalLocation `json:"logicalLocations,omitempty"`
}

// PhysicalLocation is a place in an artifact.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
}

// ArtifactLocation names an artifact by URI.
type ArtifactLocation struct {
	URI string `json:"uri"`
}

// LogicalLocation is a named place that is not a file region (a package).
type LogicalLocation struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

// Suppression records that a result was suppressed, and why.
type Suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// Write writes the log as indented JSON followed by a newline. HTML
// characters are kept as they are: a SARIF file is not HTML.
func Write(w io.Writer, l *Log) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}
