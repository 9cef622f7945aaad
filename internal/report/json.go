package report

import (
	"encoding/json"
	"io"

	"github.com/dualmark/dualmark/internal/assess"
)

// JSON writes the assessment as indented JSON: the contract of issue 5
// (product, regimes with verdict and requirements, reuse, scan).
func JSON(w io.Writer, a *assess.Assessment) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}
