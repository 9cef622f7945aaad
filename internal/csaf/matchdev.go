package csaf

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/dualmark/dualmark/internal/cpe"
	"github.com/dualmark/dualmark/internal/purl"
)

// Hit is one vulnerability of an advisory that reaches a device.
type Hit struct {
	TrackingID string `json:"trackingId"`
	Vuln       string `json:"vulnerability"` // CVE, else the first other ID
	ProductID  string `json:"productId"`
	Status     string `json:"status"` // affected|fixed|not_affected|under_investigation
	// By says what matched: purl, cpe or name; Version says how the
	// version was decided: exact, range, or unversioned (the product entry
	// names no version).
	By      string `json:"by"`
	Version string `json:"version"`
}

// Affects matches the advisory's products against the device's own
// identity (purl, CPE, vendor and product name with version) and returns
// the vulnerabilities whose status names a matching product — directly or
// through a relationship with the matching product on either side.
func (e *Entry) Affects(d Device) []Hit {
	matched := map[string][2]string{}
	for _, p := range e.Products {
		if by, ver, ok := p.matches(d); ok {
			matched[p.ID] = [2]string{by, ver}
		}
	}
	for _, p := range e.Products {
		if r := p.Relationship; r != nil {
			if m, ok := matched[r.Product]; ok {
				matched[p.ID] = m
			} else if m, ok := matched[r.RelatesTo]; ok {
				matched[p.ID] = m
			}
		}
	}
	var out []Hit
	for _, v := range e.Vulnerabilities {
		id := v.CVE
		if id == "" && len(v.IDs) > 0 {
			id = v.IDs[0]
		}
		for status, ids := range map[string][]string{"affected": v.Affected, "fixed": v.Fixed, "not_affected": v.NotAffected, "under_investigation": v.UnderInvestigation} {
			for _, pid := range ids {
				if m, ok := matched[pid]; ok {
					out = append(out, Hit{TrackingID: e.TrackingID, Vuln: id, ProductID: pid, Status: status, By: m[0], Version: m[1]})
				}
			}
		}
	}
	sortHits(out)
	return out
}

func sortHits(h []Hit) { sort.Slice(h, func(i, j int) bool { return less(h[i], h[j]) }) }

func less(a, b Hit) bool {
	if a.Vuln != b.Vuln {
		return a.Vuln < b.Vuln
	}
	if a.ProductID != b.ProductID {
		return a.ProductID < b.ProductID
	}
	return a.Status < b.Status
}

// norm lower-cases and keeps letters and digits only.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p Product) matches(d Device) (by, version string, ok bool) {
	if p.Relationship != nil {
		return "", "", false
	}
	switch {
	case p.PURL != "" && d.PURL != "":
		a, err1 := purl.Parse(p.PURL)
		b, err2 := purl.Parse(d.PURL)
		if err1 != nil || err2 != nil || a.Type != b.Type || !strings.EqualFold(a.Namespace, b.Namespace) || !strings.EqualFold(a.Name, b.Name) {
			return "", "", false
		}
		by = "purl"
		if a.Version != "" {
			return by, "exact", versionEqual(a.Version, b.Version)
		}
	case p.CPE != "" && d.CPE != "":
		a, ok1 := cpe.Parse(p.CPE)
		b, ok2 := cpe.Parse(d.CPE)
		if !ok1 || !ok2 || norm(a.Vendor) != norm(b.Vendor) || norm(a.Product) != norm(b.Product) {
			return "", "", false
		}
		by = "cpe"
		if cpe.Concrete(a.Version) {
			return by, "exact", versionEqual(a.Version, b.Version)
		}
	default:
		vendor := norm(p.Vendor)
		name := norm(p.ProductName)
		if name == "" {
			name = norm(p.Name)
		}
		if vendor == "" || vendor != norm(d.Vendor) || name == "" || !strings.Contains(name, norm(d.Name)) {
			return "", "", false
		}
		by = "name"
	}
	switch {
	case p.Version != "":
		return by, "exact", versionEqual(p.Version, d.Version)
	case p.VersionRange != "":
		in, known := InRange(d.Version, p.VersionRange)
		return by, "range", in && known
	}
	return by, "unversioned", true
}

func versionEqual(a, b string) bool {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(a)), "v") == strings.TrimPrefix(strings.ToLower(strings.TrimSpace(b)), "v")
}

// InRange decides whether version v lies in a CSAF product_version_range:
// a vers: range ("vers:generic/>=1.0|<2.1") or the comparator forms CISA
// advisories use ("<=4.2", "<V3.1 SP2" is not understood). known is false
// when the range cannot be read; versions compare as dotted numbers.
func InRange(v, rng string) (in, known bool) {
	rng = strings.TrimSpace(rng)
	var parts []string
	if rest, ok := strings.CutPrefix(rng, "vers:"); ok {
		_, cons, found := strings.Cut(rest, "/")
		if !found {
			return false, false
		}
		if cons == "*" {
			return true, true
		}
		parts = strings.Split(cons, "|")
	} else {
		parts = []string{rng}
	}
	in = true
	for _, c := range parts {
		c = strings.TrimSpace(c)
		op := ""
		for _, o := range []string{"<=", ">=", "!=", "<", ">", "="} {
			if strings.HasPrefix(c, o) {
				op = o
				break
			}
		}
		bound := strings.TrimSpace(strings.TrimPrefix(c, op))
		if op == "" {
			op = "="
		}
		cmp, ok := compareDotted(v, bound)
		if !ok {
			return false, false
		}
		var hold bool
		switch op {
		case "<":
			hold = cmp < 0
		case "<=":
			hold = cmp <= 0
		case ">":
			hold = cmp > 0
		case ">=":
			hold = cmp >= 0
		case "=":
			hold = cmp == 0
		case "!=":
			hold = cmp != 0
		}
		in = in && hold
	}
	return in, true
}

// compareDotted compares dotted numeric versions ("1.2.10" > "1.2.9"),
// ignoring a leading v; ok is false for anything else.
func compareDotted(a, b string) (int, bool) {
	pa, ok1 := dotted(a)
	pb, ok2 := dotted(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

func dotted(s string) ([]int, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "v")
	if s == "" || len(s) > 64 {
		return nil, false
	}
	var out []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// SeverityFor returns the highest CVSS score the vulnerability gives any of
// the product IDs, with its severity (CVSS v3's baseSeverity, else the
// score's band: v3 bands for v3, v2's low/medium/high for v2), and the
// CVSS version; "" when no score names them.
func (v *VulnStatus) SeverityFor(pids ...string) (severity string, score float64, version string) {
	best := -1.0
	for _, sc := range v.Scores {
		if !anyIn(sc.Products, pids) || sc.Score <= best {
			continue
		}
		best, score, version, severity = sc.Score, sc.Score, sc.Version, sc.Severity
		if severity == "" {
			severity = band(sc.Score, strings.HasPrefix(sc.Version, "2"))
		}
	}
	return severity, score, version
}

// band is the severity word of a CVSS base score.
func band(s float64, v2 bool) string {
	switch {
	case v2 && s >= 7:
		return "high"
	case v2 && s >= 4:
		return "medium"
	case v2:
		return "low"
	case s >= 9:
		return "critical"
	case s >= 7:
		return "high"
	case s >= 4:
		return "medium"
	case s > 0:
		return "low"
	}
	return "none"
}

// RemediationsFor returns the vulnerability's remediations that name any
// of the product IDs, in document order.
func (v *VulnStatus) RemediationsFor(pids ...string) []ProductRemediation {
	var out []ProductRemediation
	for _, r := range v.Remediations {
		if anyIn(r.ProductIDs, pids) {
			out = append(out, r)
		}
	}
	return out
}

func anyIn(list, want []string) bool {
	for _, a := range list {
		for _, b := range want {
			if a == b {
				return true
			}
		}
	}
	return false
}
