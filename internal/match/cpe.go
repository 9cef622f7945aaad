package match

import (
	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cpe"
	"github.com/dualmark/dualmark/internal/ident"
)

// CPE is the part of a CPE name matching uses (ident.CPE, read by
// ident.ParseCPE: the index's rule).
type CPE = ident.CPE

// concreteVersion reports whether a CPE version names one version (not
// ANY "*" or NA "-").
func concreteVersion(v string) bool { return cpe.Concrete(v) }

// RecordCPEs returns the CPEs a record carries, read as the index reads
// them (advisory.Record.CPEs: database_specific and each affected entry's
// database_specific / ecosystem_specific, "cpes" and "cpe"; Bitnami's
// records carry NVD CPEs there), so a record found by a CPE key names it.
func RecordCPEs(r *advisory.Record) []CPE {
	var out []CPE
	for _, s := range r.CPEs() {
		if c, ok := ident.ParseCPE(s); ok {
			out = append(out, c)
		}
	}
	return out
}

// cpeConfidence is the confidence of a CPE match: the record names the
// component's vendor and product, and the version falls in a range that was
// written for a (Bitnami) package of that product rather than the exact
// upstream project, so it is high but not certain. A record CPE with the very
// version listed is surer.
const (
	cpeConfidenceRange = 0.8
	cpeConfidenceExact = 0.9
)
