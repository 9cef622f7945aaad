// Package fromdossier connects labels to the assessment engine: it assesses
// a dossier with assess.RunDossier and summarises the assessment for
// label.Issue. It is kept apart from package label so that signing and
// verification do not depend on the assessment, SBOM and advisory packages.
package fromdossier

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/label"
)

// Assess loads the dossier at path (a YAML file or a folder holding
// dossier.yaml) once and calls AssessDossier.
func Assess(path string, opts assess.RunOptions) ([]byte, *label.Summary, []label.Artifact, error) {
	d, err := dossier.LoadWith(path, dossier.Options{AllowOutsidePaths: opts.AllowOutsidePaths})
	if err != nil {
		return nil, nil, nil, err
	}
	return AssessDossier(d, opts)
}

// AssessDossier assesses a loaded dossier and summarises the assessment for
// a label. It returns the assessment JSON whose digest the label signs (the
// caller keeps it next to the bundle), the summary read back from exactly
// those bytes (label.Summarize: the label states what the signed file
// says), and the SBOM the assessment read as an artifact.
func AssessDossier(d *dossier.Dossier, opts assess.RunOptions) ([]byte, *label.Summary, []label.Artifact, error) {
	a, err := assess.RunDossier(d, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	// the bytes of `assess --format json` (report.JSON): indented, HTML
	// characters unescaped
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, nil, nil, fmt.Errorf("encoding the assessment: %w", err)
	}
	data := buf.Bytes()
	sum, err := label.Summarize(data, "assessment of "+d.File)
	if err != nil {
		return nil, nil, nil, err
	}
	sum.Assessment.Name = "assessment.json"
	var arts []label.Artifact
	for _, in := range a.Inputs {
		if in.Role == assess.InputSBOM {
			arts = append(arts, label.Artifact{Role: "sbom", Path: in.Path})
		}
	}
	return data, sum, arts, nil
}
