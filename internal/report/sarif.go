package report

import (
	"fmt"
	"io"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/sarif"
)

// SARIF writes the gaps as SARIF 2.1.0: one rule per requirement of the
// selected regimes, one result per requirement that keeps a regime from
// conforming (not met: error; unknown: warning; a recommendation not met:
// note), located at the dossier file.
func SARIF(w io.Writer, a *assess.Assessment) error {
	run := sarif.Run{Tool: sarif.Tool{Driver: sarif.Driver{Name: a.Generator.Name, Version: a.Generator.Version, InformationURI: "https://github.com/dualmark/dualmark", Rules: []sarif.Rule{}}}, Results: []sarif.Result{}}
	index := map[string]int{}
	for _, rr := range regimes(a) {
		for _, r := range rr.Requirements {
			if _, ok := index[r.ID]; !ok {
				index[r.ID] = len(run.Tool.Driver.Rules)
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{ID: r.ID, ShortDescription: sarif.Message{Text: r.Title},
					Properties: map[string]any{"obligation": r.Obligation, "regime": rr.Regime}})
			}
			level := ""
			switch {
			case r.Status == assess.NotMet && r.Obligation == "recommended":
				level = sarif.LevelNote
			case r.Status == assess.NotMet:
				level = sarif.LevelError
			case r.Status == assess.Unknown && r.Obligation != "recommended":
				level = sarif.LevelWarning
			}
			if level == "" {
				continue
			}
			if r.NotInForce != "" || r.Awaiting != "" {
				// Readiness, or waiting for a lab: not a failure on this date.
				level = sarif.LevelNote
			}
			msg := fmt.Sprintf("%s %s (%s): %s", r.ID, statusLabel(r), rr.Title, firstReason(r))
			if r.Next != "" {
				msg += ". Next: " + r.Next
			}
			res := sarif.Result{RuleID: r.ID, RuleIndex: index[r.ID], Level: level, Message: sarif.Message{Text: msg},
				Properties: map[string]any{"regime": rr.Regime, "status": r.Status, "verdict": rr.Verdict}}
			if a.Product.Dossier != "" {
				res.Locations = []sarif.Location{{PhysicalLocation: sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: a.Product.Dossier}}}}
			}
			run.Results = append(run.Results, res)
		}
	}
	run.Properties = map[string]any{"assessmentDate": a.On, "rules": a.Rules, "warnings": a.Warnings,
		"header": headerLines(a), "database": a.Database}
	return sarif.Write(w, sarif.NewLog(run))
}
