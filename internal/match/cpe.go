package match

import (
	"encoding/json"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cpe"
)

// CPE is the part of a CPE name matching uses.
type CPE struct {
	Part, Vendor, Product, Version string
}

// ParseCPE reads a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:1.2:...")
// or a CPE 2.2 URI ("cpe:/a:vendor:product:1.2"). Vendor and product are
// lower-cased; escapes ("\:" etc.) are removed.
func ParseCPE(s string) (CPE, bool) {
	n, ok := cpe.Parse(s)
	c := CPE{Part: n.Part, Vendor: strings.ToLower(n.Vendor), Product: strings.ToLower(n.Product), Version: n.Version}
	if !ok || c.Vendor == "" || c.Product == "" || c.Vendor == "*" || c.Product == "*" {
		return CPE{}, false
	}
	return c, true
}

// concreteVersion reports whether a CPE version names one version (not
// ANY "*" or NA "-").
func concreteVersion(v string) bool { return cpe.Concrete(v) }

// RecordCPEs returns the CPEs a record carries in database_specific.cpes
// (Bitnami's records carry NVD CPEs there).
func RecordCPEs(r *advisory.Record) []CPE {
	var out []CPE
	collect := func(raw json.RawMessage) {
		if len(raw) == 0 || !strings.Contains(string(raw), "cpe") {
			return
		}
		var v struct {
			CPEs []string `json:"cpes"`
		}
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		for _, s := range v.CPEs {
			if c, ok := ParseCPE(s); ok {
				out = append(out, c)
			}
		}
	}
	collect(r.DatabaseSpecific)
	for i := range r.Affected {
		collect(r.Affected[i].DatabaseSpecific)
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
