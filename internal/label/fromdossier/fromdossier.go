// Package fromdossier connects labels to the assessment engine: it assesses
// a dossier with assess.Run and summarises the result for label.Issue. It is
// kept apart from package label so that signing and verification do not
// depend on the assessment, SBOM and advisory packages.
package fromdossier

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/label"
)

// Assess runs the assessment of a dossier (a YAML file or a folder
// holding dossier.yaml) and summarises it for a label. It returns the
// assessment JSON whose digest the label signs (the caller should keep it
// next to the bundle), the summary, and the SBOM the dossier names as an
// artifact when it has one. The support-period end and the update policy
// come from the dossier, since the assessment does not repeat them.
func Assess(path string, opts assess.RunOptions) ([]byte, *label.Summary, []label.Artifact, error) {
	d, err := dossier.LoadWith(path, dossier.Options{AllowOutsidePaths: opts.AllowOutsidePaths})
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := assess.Run(path, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encoding the assessment: %w", err)
	}
	data = append(data, '\n')
	sum, err := label.Summarize(data, "assessment of "+path)
	if err != nil {
		return nil, nil, nil, err
	}
	sum.Assessment.Name = "assessment.json"
	if sum.SupportPeriodEnd == "" && d.SupportPeriod.End != nil {
		sum.SupportPeriodEnd = d.SupportPeriod.End.Format("2006-01-02")
	}
	if sum.UpdatePolicy == nil && d.Updates.Mechanism != "" {
		sum.UpdatePolicy = &label.UpdatePolicy{Mechanism: d.Updates.Mechanism, Automatic: d.Updates.Automatic, Signed: d.Updates.Signed}
	}
	var arts []label.Artifact
	sbomPath := opts.SBOM
	if sbomPath == "" && d.SBOM != nil && d.SBOM.Path != "" {
		sbomPath = filepath.Join(d.BaseDir, d.SBOM.Path)
	}
	if sbomPath != "" {
		if _, err := os.Stat(sbomPath); err == nil {
			arts = append(arts, label.Artifact{Role: "sbom", Path: sbomPath})
		}
	}
	return data, sum, arts, nil
}
