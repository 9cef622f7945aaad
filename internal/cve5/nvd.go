package cve5

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/cpe"
)

// nvd* mirror the parts of the NVD CVE API 2.0 response that are read.
type nvdResponse struct {
	Format          string            `json:"format"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	CVE             json.RawMessage   `json:"cve"`
}

type nvdCVE struct {
	ID           string    `json:"id"`
	Source       string    `json:"sourceIdentifier"`
	VulnStatus   string    `json:"vulnStatus"`
	Published    string    `json:"published"`
	LastModified string    `json:"lastModified"`
	Descriptions []rawText `json:"descriptions"`
	References   []struct {
		URL string `json:"url"`
	} `json:"references"`
	Metrics    nvdMetrics `json:"metrics"`
	Weaknesses []struct {
		Description []rawText `json:"description"`
	} `json:"weaknesses"`
	Configurations []nvdConfig `json:"configurations"`
}

type nvdMetric struct {
	Type         string  `json:"type"`
	BaseSeverity string  `json:"baseSeverity"` // CVSS 2.0 keeps it here
	Data         rawCVSS `json:"cvssData"`
}

type nvdMetrics struct {
	V40 []nvdMetric `json:"cvssMetricV40"`
	V31 []nvdMetric `json:"cvssMetricV31"`
	V30 []nvdMetric `json:"cvssMetricV30"`
	V2  []nvdMetric `json:"cvssMetricV2"`
}

type nvdConfig struct {
	Operator string    `json:"operator"`
	Negate   bool      `json:"negate"`
	Nodes    []nvdNode `json:"nodes"`
}

type nvdNode struct {
	Operator string        `json:"operator"`
	Negate   bool          `json:"negate"`
	CPEMatch []nvdCPEMatch `json:"cpeMatch"`
}

type nvdCPEMatch struct {
	Vulnerable            *bool  `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding"`
	VersionStartExcluding string `json:"versionStartExcluding"`
	VersionEndIncluding   string `json:"versionEndIncluding"`
	VersionEndExcluding   string `json:"versionEndExcluding"`
}

// ParseNVD reads an NVD CVE API 2.0 response ({"format": "NVD_CVE",
// "vulnerabilities": [{"cve": ...}, ...]}) or a single {"cve": ...} item
// into records with one KindNVD container each (provider "NVD").
//
// Each vulnerable cpeMatch becomes one affected entry: vendor and product
// from its CPE criteria, the criteria in CPEs, and versions in the custom
// ordering: versionStartIncluding (else "0") up to versionEndExcluding
// (lessThan) or versionEndIncluding (lessThanOrEqual), "*" when only a
// start is given; a versionStartExcluding bound adds an item marking that
// version unaffected before the range; a criteria naming one version is
// that single version (with its update, as in 6.8-rc1); a criteria with "*" and no bounds affects every
// version. Versions the entry does not cover are unaffected (the NVD lists
// what is vulnerable). In a configuration with operator AND ("running
// on/with"), the CPEs of its non-vulnerable matches are the platforms of
// the vulnerable ones, as "vendor:product" ("microsoft:windows"); negated
// nodes are not represented (their platforms are left out). Records with
// vulnStatus "Rejected" are REJECTED.
//
// A vulnerability that fails the schema is left out and reported: the
// error, when not nil, joins one *Error per such vulnerability (or is a
// single *Error when the document itself does not read), and the records
// returned are the ones that read.
func ParseNVD(data []byte) ([]*Record, error) {
	if len(data) > 16*MaxRecordBytes {
		return nil, &Error{Reason: fmt.Sprintf("NVD document larger than %d MiB", 16*MaxRecordBytes>>20)}
	}
	var resp nvdResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, jsonError("", err)
	}
	items := resp.Vulnerabilities
	prefix := "/vulnerabilities/%d/cve"
	if resp.CVE != nil {
		items, prefix = []json.RawMessage{data}, "/cve"
	} else if resp.Vulnerabilities == nil {
		return nil, &Error{Reason: "not an NVD CVE API 2.0 document (no vulnerabilities or cve)"}
	}
	var out []*Record
	var errs []error
	for i, raw := range items {
		var item struct {
			CVE *nvdCVE `json:"cve"`
		}
		path := prefix
		if strings.Contains(prefix, "%d") {
			path = fmt.Sprintf(prefix, i)
		}
		if err := json.Unmarshal(raw, &item); err != nil {
			e := jsonError(probeNVD(raw), err)
			e.Path = strings.TrimSuffix(path, "/cve") + e.Path
			errs = append(errs, e)
			continue
		}
		if item.CVE == nil {
			errs = append(errs, &Error{Path: path, Reason: "missing (required)"})
			continue
		}
		r, err := convertNVD(item.CVE, path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

func probeNVD(raw json.RawMessage) string {
	var p struct {
		CVE struct {
			ID any `json:"id"`
		} `json:"cve"`
	}
	if json.Unmarshal(raw, &p) == nil {
		if s, ok := p.CVE.ID.(string); ok {
			return s
		}
	}
	return ""
}

func convertNVD(c *nvdCVE, path string) (*Record, error) {
	id := strings.TrimSpace(c.ID)
	if !cveID.MatchString(id) {
		return nil, &Error{ID: id, Path: path + "/id", Reason: fmt.Sprintf("%q is not a CVE id", c.ID)}
	}
	r := &Record{ID: id, State: "PUBLISHED", Assigner: c.Source, Description: english(c.Descriptions)}
	if strings.EqualFold(c.VulnStatus, "Rejected") {
		r.State = "REJECTED"
	}
	var err error
	if r.DatePublished, err = parseTime(c.Published); err != nil {
		return nil, &Error{ID: id, Path: path + "/published", Reason: err.Error()}
	}
	if r.DateUpdated, err = parseTime(c.LastModified); err != nil {
		return nil, &Error{ID: id, Path: path + "/lastModified", Reason: err.Error()}
	}
	for _, ref := range c.References {
		if u := strings.TrimSpace(ref.URL); u != "" {
			r.References = append(r.References, u)
		}
	}
	ct := Container{Kind: KindNVD, Provider: "NVD"}
	for _, set := range [][]nvdMetric{c.Metrics.V40, c.Metrics.V31, c.Metrics.V30, c.Metrics.V2} {
		// The NVD's own ("Primary") score first, then the CNA's.
		for _, primary := range []bool{true, false} {
			for _, m := range set {
				if (m.Type == "Primary") != primary {
					continue
				}
				sev := m.Data.BaseSeverity
				if sev == "" {
					sev = m.BaseSeverity
				}
				ct.Metrics = append(ct.Metrics, Metric{Version: m.Data.Version, Vector: m.Data.VectorString, Score: m.Data.BaseScore, Severity: strings.ToLower(sev)})
			}
		}
	}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			if v := strings.TrimSpace(d.Value); strings.HasPrefix(v, "CWE-") {
				ct.CWEs = append(ct.CWEs, v)
			}
		}
	}
	if r.State == "PUBLISHED" {
		for i, cfg := range c.Configurations {
			ps, err := nvdProducts(cfg, fmt.Sprintf("%s/configurations/%d", path, i))
			if err != nil {
				err.ID = id
				return nil, err
			}
			ct.Affected = append(ct.Affected, ps...)
		}
	}
	r.Containers = []Container{ct}
	return r, nil
}

// nvdProducts converts one configuration (see ParseNVD).
func nvdProducts(cfg nvdConfig, path string) ([]Product, *Error) {
	var platforms []string
	if strings.EqualFold(cfg.Operator, "AND") && !cfg.Negate {
		for _, n := range cfg.Nodes {
			if n.Negate {
				continue
			}
			for _, m := range n.CPEMatch {
				if m.Vulnerable != nil && !*m.Vulnerable {
					if name, ok := cpe.Parse(m.Criteria); ok && name.Vendor != "" && name.Product != "" {
						platforms = append(platforms, strings.ToLower(name.Vendor+":"+name.Product))
					}
				}
			}
		}
	}
	var out []Product
	for i, n := range cfg.Nodes {
		if n.Negate {
			continue
		}
		for j, m := range n.CPEMatch {
			at := fmt.Sprintf("%s/nodes/%d/cpeMatch/%d", path, i, j)
			if m.Vulnerable == nil {
				return nil, &Error{Path: at + "/vulnerable", Reason: "missing (required)"}
			}
			if !*m.Vulnerable {
				continue
			}
			name, ok := cpe.Parse(m.Criteria)
			if !ok || name.Vendor == "" || name.Product == "" {
				return nil, &Error{Path: at + "/criteria", Reason: fmt.Sprintf("%q is not a CPE 2.3 name", m.Criteria)}
			}
			p := Product{Vendor: name.Vendor, Product: name.Product, CPEs: []string{m.Criteria}, Platforms: platforms, DefaultStatus: StatusUnaffected}
			start, end := m.VersionStartIncluding, ""
			if start == "" {
				start = m.VersionStartExcluding
			}
			if start == "" {
				start = "0"
			}
			if m.VersionStartExcluding != "" {
				p.Versions = append(p.Versions, Version{Version: m.VersionStartExcluding, Status: StatusUnaffected, VersionType: TypeCustom})
			}
			v := Version{Version: start, Status: StatusAffected, VersionType: TypeCustom}
			switch {
			case m.VersionEndExcluding != "":
				v.LessThan, end = m.VersionEndExcluding, m.VersionEndExcluding
			case m.VersionEndIncluding != "":
				v.LessThanOrEqual, end = m.VersionEndIncluding, m.VersionEndIncluding
			case m.VersionStartIncluding != "" || m.VersionStartExcluding != "":
				v.LessThan = "*"
			}
			switch {
			case end != "" || v.LessThan == "*":
				p.Versions = append(p.Versions, v)
			case name.Version != "" && name.Version != "*" && name.Version != "-":
				p.Versions = append(p.Versions, Version{Version: name.Version + cpeUpdate(m.Criteria), Status: StatusAffected})
			default:
				p.DefaultStatus = StatusAffected // every version
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// cpeUpdate returns "-" and the update field of a CPE 2.3 formatted string
// when it names one ("cpe:2.3:o:linux:linux_kernel:6.8:rc1:..." gives
// "-rc1"), so that the single version 6.8-rc1 is not taken for 6.8.
func cpeUpdate(criteria string) string {
	f := strings.Split(criteria, ":")
	if len(f) < 7 || f[0] != "cpe" || f[1] != "2.3" {
		return ""
	}
	switch u := f[6]; u {
	case "", "*", "-":
		return ""
	default:
		return "-" + u
	}
}
