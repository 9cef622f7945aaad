package advisory

import (
	"math"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/cve5"
)

// Source kinds of CVE data.
const (
	KindCVE5 = "cve5" // CVE JSON 5.x records (the CVE List, vulnrichment, a CNA's own files)
	KindNVD  = "nvd"  // NVD CVE API 2.0 documents
)

// FromCVE converts a CVE record (from cve5.Parse or cve5.ParseNVD) into an
// advisory Record: ID is the CVE id, Summary the CNA's title, Details its
// description, Modified and Published the record's dates, Withdrawn set for
// REJECTED records (at their update date), Severity the CNA's CVSS scores,
// else those of the first ADP container that has any (as OSV CVSS_V2,
// CVSS_V3 and CVSS_V4 entries, one per CVSS major version), References the
// record's URLs, and CVE the record itself. Affected stays empty: matching
// evaluates r.CVE.
func FromCVE(c *cve5.Record) *Record {
	r := &Record{ID: c.ID, Modified: c.DateUpdated, Summary: c.Title, Details: c.Description, CVE: c}
	if r.Modified.IsZero() {
		r.Modified = c.DatePublished
	}
	if !c.DatePublished.IsZero() {
		t := c.DatePublished
		r.Published = &t
	}
	if c.State == "REJECTED" {
		t := r.Modified
		r.Withdrawn = &t
	}
	r.Severity = cveSeverity(c)
	for _, u := range c.References {
		r.References = append(r.References, Reference{Type: "WEB", URL: u})
	}
	return r
}

// cveSeverity returns the CVSS scores of the first container (CNA first)
// that has any, the newest minor version per CVSS major version.
func cveSeverity(c *cve5.Record) []Severity {
	for _, kind := range []string{cve5.KindCNA, cve5.KindNVD, cve5.KindADP} {
		for _, ct := range c.Containers {
			if ct.Kind != kind {
				continue
			}
			var out []Severity
			for _, typ := range []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"} {
				best := ""
				for _, m := range ct.Metrics {
					if cvssType(m.Version) == typ && m.Vector != "" && m.Version > best {
						best = m.Version
						if len(out) > 0 && out[len(out)-1].Type == typ {
							out = out[:len(out)-1]
						}
						out = append(out, Severity{Type: typ, Score: m.Vector})
					}
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	return nil
}

func cvssType(version string) string {
	switch {
	case strings.HasPrefix(version, "4"):
		return "CVSS_V4"
	case strings.HasPrefix(version, "3"):
		return "CVSS_V3"
	case strings.HasPrefix(version, "2"):
		return "CVSS_V2"
	}
	return ""
}

// cveKeys adds the index keys of a CVE record's affected products: the
// vendor:product of each CPE, the entry's own vendor and product (lower
// case, inner spaces as "_"; placeholders such as "n/a" are not keys) and
// its repo.
func cveKeys(k *keys, c *cve5.Record) {
	for _, ct := range c.Containers {
		for _, p := range ct.Affected {
			for _, name := range p.CPEs {
				if v, pr, ok := CPEParts(name); ok {
					k.cpes = append(k.cpes, cpeKey(v, pr))
				}
			}
			if v, pr := ProductKeyPart(p.Vendor), ProductKeyPart(p.Product); v != "" && pr != "" {
				k.cpes = append(k.cpes, v+":"+pr)
			}
			if p.Repo != "" {
				k.repos = append(k.repos, NormalizeRepo(p.Repo))
			}
		}
	}
}

// ProductKeyPart is a CVE entry's vendor or product as the cpe index
// stores it: trimmed, lower case, inner runs of spaces as one "_"; "" for
// the placeholders CNAs write where there is no name ("n/a",
// "unspecified", "unknown", "-").
func ProductKeyPart(s string) string {
	f := strings.Fields(strings.ToLower(s))
	out := strings.Join(f, "_")
	switch out {
	case "n/a", "na", "unspecified", "unknown", "-", "*", "none":
		return ""
	}
	return out
}

// encodeCVE writes the parts of a CVE record that the Record fields do not
// already hold (Description and References are r.Details and
// r.References).
func (e *encoder) encodeCVE(c *cve5.Record) {
	e.str(c.State)
	e.str(c.Assigner)
	e.time(c.DatePublished)
	e.time(c.DateUpdated)
	e.str(c.Title)
	e.uvarint(uint64(len(c.Containers)))
	for _, ct := range c.Containers {
		e.str(ct.Kind)
		e.str(ct.Provider)
		e.uvarint(uint64(len(ct.Affected)))
		for _, p := range ct.Affected {
			e.str(p.Vendor)
			e.str(p.Product)
			e.str(p.CollectionURL)
			e.str(p.PackageName)
			e.str(p.Repo)
			e.strs(p.CPEs)
			e.strs(p.Platforms)
			e.str(p.DefaultStatus)
			e.uvarint(uint64(len(p.Versions)))
			for _, v := range p.Versions {
				e.str(v.Version)
				e.str(v.Status)
				e.str(v.VersionType)
				e.str(v.LessThan)
				e.str(v.LessThanOrEqual)
				e.uvarint(uint64(len(v.Changes)))
				for _, ch := range v.Changes {
					e.str(ch.At)
					e.str(ch.Status)
				}
			}
		}
		e.uvarint(uint64(len(ct.Metrics)))
		for _, m := range ct.Metrics {
			e.str(m.Version)
			e.str(m.Vector)
			e.uvarint(math.Float64bits(m.Score))
			e.str(m.Severity)
		}
		if ct.SSVC == nil {
			e.uvarint(0)
		} else {
			e.uvarint(1)
			e.str(ct.SSVC.Exploitation)
			e.str(ct.SSVC.Automatable)
			e.str(ct.SSVC.TechnicalImpact)
		}
		e.strs(ct.CWEs)
	}
}

// cveStrs reads a string list without the OSV arenas.
func (d *decoder) cveStrs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// decodeCVE reads what encodeCVE wrote.
func (d *decoder) decodeCVE(id string) *cve5.Record {
	c := &cve5.Record{ID: id, State: d.str(), Assigner: d.str(), DatePublished: d.time(), DateUpdated: d.time(), Title: d.str()}
	if n := d.count(); n > 0 {
		c.Containers = make([]cve5.Container, n)
		for i := range c.Containers {
			ct := &c.Containers[i]
			ct.Kind, ct.Provider = d.str(), d.str()
			if np := d.count(); np > 0 {
				ct.Affected = make([]cve5.Product, np)
				for j := range ct.Affected {
					p := &ct.Affected[j]
					p.Vendor, p.Product, p.CollectionURL, p.PackageName, p.Repo = d.str(), d.str(), d.str(), d.str(), d.str()
					p.CPEs, p.Platforms = d.cveStrs(), d.cveStrs()
					p.DefaultStatus = d.str()
					if nv := d.count(); nv > 0 {
						p.Versions = make([]cve5.Version, nv)
						for k := range p.Versions {
							v := &p.Versions[k]
							v.Version, v.Status, v.VersionType, v.LessThan, v.LessThanOrEqual = d.str(), d.str(), d.str(), d.str(), d.str()
							if nc := d.count(); nc > 0 {
								v.Changes = make([]cve5.Change, nc)
								for l := range v.Changes {
									v.Changes[l] = cve5.Change{At: d.str(), Status: d.str()}
								}
							}
						}
					}
				}
			}
			if nm := d.count(); nm > 0 {
				ct.Metrics = make([]cve5.Metric, nm)
				for j := range ct.Metrics {
					ct.Metrics[j] = cve5.Metric{Version: d.str(), Vector: d.str(), Score: math.Float64frombits(d.uvarint()), Severity: d.str()}
				}
			}
			if d.uvarint() == 1 {
				ct.SSVC = &cve5.SSVC{Exploitation: d.str(), Automatable: d.str(), TechnicalImpact: d.str()}
			}
			ct.CWEs = d.cveStrs()
		}
	}
	return c
}

// newestRecordDate returns the later of a record's modified and published
// times.
func newestRecordDate(r *Record) time.Time {
	t := r.Modified
	if r.Published != nil && r.Published.After(t) {
		t = *r.Published
	}
	return t
}
