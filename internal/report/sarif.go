package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/dualmark/dualmark/internal/assess"
)

// SARIF 2.1.0 structures (only the parts dualmark fills).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool      `json:"tool"`
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations,omitempty"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// SARIF writes the gaps as SARIF 2.1.0: one rule per requirement of the
// selected regimes, one result per requirement that keeps a regime from
// conforming (not met: error; unknown: warning; a recommendation not met:
// note), located at the dossier file.
func SARIF(w io.Writer, a *assess.Assessment) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: a.Generator.Name, Version: a.Generator.Version, InformationURI: "https://github.com/dualmark/dualmark", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	for _, rr := range regimes(a) {
		for _, r := range rr.Requirements {
			if _, ok := index[r.ID]; !ok {
				index[r.ID] = len(run.Tool.Driver.Rules)
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: r.ID, ShortDescription: sarifText{r.Title},
					Properties: map[string]any{"obligation": r.Obligation, "regime": rr.Regime}})
			}
			level := ""
			switch {
			case r.Status == assess.NotMet && r.Obligation == "recommended":
				level = "note"
			case r.Status == assess.NotMet:
				level = "error"
			case r.Status == assess.Unknown && r.Obligation != "recommended":
				level = "warning"
			}
			if level == "" {
				continue
			}
			if r.NotInForce != "" || r.Awaiting != "" {
				// Readiness, or waiting for a lab: not a failure on this date.
				level = "note"
			}
			msg := fmt.Sprintf("%s %s (%s): %s", r.ID, statusLabel(r), rr.Title, firstReason(r))
			if r.Next != "" {
				msg += ". Next: " + r.Next
			}
			res := sarifResult{RuleID: r.ID, RuleIndex: index[r.ID], Level: level, Message: sarifText{msg},
				Properties: map[string]any{"regime": rr.Regime, "status": r.Status, "verdict": rr.Verdict}}
			if a.Product.Dossier != "" {
				res.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: a.Product.Dossier}}}}
			}
			run.Results = append(run.Results, res)
		}
	}
	run.Properties = map[string]any{"assessmentDate": a.On, "rules": a.Rules, "warnings": a.Warnings,
		"header": headerLines(a), "database": a.Database}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}
