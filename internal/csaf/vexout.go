package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/vex"
)

// Device is the product a document is about: the device itself (vendor,
// name, version) and its own identifiers.
type Device struct {
	Vendor  string `json:"vendor"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl,omitempty"`
	CPE     string `json:"cpe,omitempty"`
	// Model is the device's own model number (the registered product's
	// model); with the purl and CPE it is its product identification
	// helper (optional test 6.2.16). A string, so that a Device stays
	// comparable (device matching keys maps with it).
	Model string `json:"model,omitempty"`
}

// helper is the device's product identification helper, nil when it has
// no identifier (6.2.16 then warns: none is invented).
func (d Device) helper() *Helper {
	var models []string
	if m := strings.TrimSpace(d.Model); m != "" {
		models = []string{m}
	}
	if d.PURL == "" && d.CPE == "" && len(models) == 0 {
		return nil
	}
	return &Helper{PURL: d.PURL, CPE: d.CPE, ModelNumbers: models}
}

// Options are the document-level facts of a generated document.
type Options struct {
	Publisher  Publisher
	TrackingID string
	Title      string
	// Now is the release date of the document.
	Now time.Time
	// TLP label (WHITE, GREEN, AMBER, RED); default WHITE.
	TLP    string
	Device Device
	// Decisions are the manufacturer's VEX decisions; they take precedence
	// over the statements the scan already applied.
	Decisions []vex.Statement
	// ComponentCPEs are the CPEs of the scanned components (a finding
	// carries only the purl), by component key: the purl, else
	// name@version. With the purl they are the component's product
	// identification helper (6.2.16).
	ComponentCPEs map[string]string
}

const deviceID = "CSAFPID-0001"

// ErrNoVulnerabilities is VEX's answer to a scan without findings: a CSAF
// VEX document needs at least one vulnerability (profile test 6.1.27.x).
var ErrNoVulnerabilities = errors.New("the scan has no findings: a CSAF VEX document needs at least one vulnerability")

// Generator version written into documents.
var GeneratorVersion = "dev"

func (o *Options) document(category, defTitle, summary string) (Document, error) {
	if o.Publisher.Name == "" || o.Publisher.Namespace == "" {
		return Document{}, fmt.Errorf("publisher name and namespace are required")
	}
	if o.Device.Name == "" || o.Device.Vendor == "" {
		return Document{}, fmt.Errorf("device vendor and name are required")
	}
	if o.Publisher.Category == "" {
		o.Publisher.Category = "vendor"
	}
	if o.Now.IsZero() {
		return Document{}, fmt.Errorf("release time is required")
	}
	tlp := strings.ToUpper(o.TLP)
	if tlp == "" {
		tlp = "WHITE"
	}
	switch tlp {
	case "WHITE", "GREEN", "AMBER", "RED":
	default:
		return Document{}, fmt.Errorf("TLP %q: want WHITE, GREEN, AMBER or RED", o.TLP)
	}
	id := o.TrackingID
	if id == "" {
		id = strings.ToUpper(sanitize(o.Device.Name + "-" + o.Device.Version + "-" + category))
	}
	title := o.Title
	if title == "" {
		title = defTitle
	}
	now := o.Now.UTC().Format(time.RFC3339)
	gen := &Generator{Date: now}
	gen.Engine.Name, gen.Engine.Version = "dualmark", GeneratorVersion
	return Document{
		Category:     category,
		CSAFVersion:  Version,
		Title:        title,
		Lang:         "en",
		Publisher:    o.Publisher,
		Distribution: &Distribution{TLP: &TLP{Label: tlp, URL: "https://www.first.org/tlp/"}},
		Notes:        []Note{{Category: "summary", Title: "Summary", Text: summary}},
		Tracking: Tracking{ID: id, Status: "final", Version: "1", InitialReleaseDate: now, CurrentReleaseDate: now,
			RevisionHistory: []Revision{{Date: now, Number: "1", Summary: "Initial version."}}, Generator: gen},
	}, nil
}

// sanitize keeps letters, digits, '.', '_' and '-' (tracking IDs become
// file names, CSAF 2.0 section 5.1).
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// deviceTree is the vendor → product name → version branch of the device.
func deviceTree(d Device) *ProductTree {
	p := &FullProductName{Name: strings.TrimSpace(d.Vendor + " " + d.Name + " " + d.Version), ProductID: deviceID, Helper: d.helper()}
	leaf := Branch{Category: "product_version", Name: d.Version, Product: p}
	if d.Version == "" {
		leaf.Name = "unspecified"
	}
	return &ProductTree{Branches: []Branch{{Category: "vendor", Name: d.Vendor,
		Branches: []Branch{{Category: "product_name", Name: d.Name, Branches: []Branch{leaf}}}}}}
}

// vulnID splits an advisory's IDs into the CVE and the other IDs.
func vulnID(a match.AdvisoryRef) (string, []ID) {
	var cve string
	var ids []ID
	for _, id := range append([]string{a.ID}, a.Aliases...) {
		if strings.HasPrefix(id, "CVE-") && cve == "" {
			cve = id
			continue
		}
		sys, _, _ := strings.Cut(id, "-")
		ids = append(ids, ID{SystemName: sys, Text: id})
	}
	return cve, ids
}

// decision finds the manufacturer's statement for a finding.
func decision(ds []vex.Statement, f *match.Finding) *vex.Statement {
	names := append([]string{f.Advisory.ID}, f.Advisory.Aliases...)
	for i := range ds {
		d := &ds[i]
		hit := false
		for _, n := range append([]string{d.Vulnerability}, d.Aliases...) {
			for _, m := range names {
				if n != "" && strings.EqualFold(n, m) {
					hit = true
				}
			}
		}
		if !hit {
			continue
		}
		if len(d.Products) == 0 {
			return d
		}
		for _, p := range d.Products {
			if p == f.Component.PURL || p == f.Component.Ref || p == f.Component.Name {
				return d
			}
		}
	}
	return nil
}

func cvss3(s *match.Score) json.RawMessage {
	if s == nil {
		return nil
	}
	var ver string
	switch {
	case strings.HasPrefix(s.Vector, "CVSS:3.1/"):
		ver = "3.1"
	case strings.HasPrefix(s.Vector, "CVSS:3.0/"):
		ver = "3.0"
	default:
		return nil
	}
	b, _ := json.Marshal(map[string]any{"version": ver, "vectorString": s.Vector, "baseScore": s.Score, "baseSeverity": severity(s.Score)})
	return b
}

// VEX builds a CSAF VEX document for the device from a scan result and the
// manufacturer's decisions. Each component with a finding becomes a
// product, and "component as part of the device" (a default_component_of
// relationship) carries the status: the decision, else the statement the
// scan applied, else known_affected. known_not_affected gets a flag (the
// justification) or an impact threat (the impact statement); known_affected
// gets a remediation (the fixed versions, the action statement, or
// none_available).
func VEX(res *match.Result, o Options) (*Advisory, error) {
	doc, err := o.document(CategoryVEX, "VEX for "+o.Device.Vendor+" "+o.Device.Name+" "+o.Device.Version,
		fmt.Sprintf("Exploitability of the vulnerabilities found in the components of %s %s %s, from dualmark's scan and the manufacturer's VEX decisions.", o.Device.Vendor, o.Device.Name, o.Device.Version))
	if err != nil {
		return nil, err
	}
	a := &Advisory{Document: doc, ProductTree: deviceTree(o.Device)}
	pt := a.ProductTree
	comp := map[string]string{} // component key → relationship product ID
	byVuln := map[string]*Vulnerability{}
	var order []string
	done := map[[2]string]bool{} // (advisory, component) pairs written
	for i := range res.Findings {
		f := &res.Findings[i]
		key := f.Component.PURL
		if key == "" {
			key = f.Component.Name + "@" + f.Component.Version
		}
		cve, ids := vulnID(f.Advisory)
		vkey := f.Advisory.ID // one vulnerability item per CVE (6.1.23), else per advisory
		if cve != "" {
			vkey = cve
		}
		if v := byVuln[vkey]; v != nil {
			for _, id := range ids { // the other advisories of the same CVE add their IDs
				if !slices.Contains(v.IDs, id) {
					v.IDs = append(v.IDs, id)
				}
			}
		}
		if done[[2]string{vkey, key}] {
			continue // a second match of the same pair (purl and CPE, or two advisories of one CVE) adds nothing
		}
		done[[2]string{vkey, key}] = true
		rid, ok := comp[key]
		if !ok {
			n := len(comp) + 1
			cid := fmt.Sprintf("CSAFPID-C%04d", n)
			rid = fmt.Sprintf("CSAFPID-R%04d", n)
			c := FullProductName{Name: strings.TrimSpace(f.Component.Name + " " + f.Component.Version), ProductID: cid}
			if cpe := o.ComponentCPEs[key]; f.Component.PURL != "" || cpe != "" {
				c.Helper = &Helper{PURL: f.Component.PURL, CPE: cpe}
			}
			pt.FullProductNames = append(pt.FullProductNames, c)
			// "the component as part of the device" is identified by the
			// component's own identifiers (the relationship says where it
			// is installed); without any it has none either
			rel := FullProductName{Name: c.Name + " as part of " + pt.Branches[0].Branches[0].Branches[0].Product.Name, ProductID: rid}
			if c.Helper != nil {
				h := *c.Helper
				rel.Helper = &h
			}
			pt.Relationships = append(pt.Relationships, Relationship{Category: "default_component_of",
				FullProductName:  rel,
				ProductReference: cid, RelatesToProductReference: deviceID})
			comp[key] = rid
		}
		v, ok := byVuln[vkey]
		if !ok {
			v = &Vulnerability{CVE: cve, IDs: ids, ProductStatus: &ProductStatus{}}
			desc := f.Advisory.Summary
			if desc == "" {
				desc = f.Advisory.ID
			}
			v.Notes = []Note{{Category: "description", Title: "Summary", Text: desc}}
			byVuln[vkey] = v
			order = append(order, vkey)
		}
		if sc := cvss3(f.CVSS); sc != nil {
			v.Scores = append(v.Scores, Score{Products: []string{rid}, CVSSv3: sc})
		}
		if f.KEV {
			det := "Listed in the CISA Known Exploited Vulnerabilities catalog"
			if f.KEVDateAdded != "" {
				det += " (added " + f.KEVDateAdded + ")"
			}
			if f.KnownRansomware {
				det += "; known use in ransomware campaigns"
			}
			v.Threats = append(v.Threats, Threat{Category: "exploit_status", Details: det + ".", ProductIDs: []string{rid}})
		}
		st := decision(o.Decisions, f)
		if st == nil {
			st = f.SuppressedBy
		}
		status := vex.StatusAffected
		if st != nil {
			status = st.Status
		}
		switch status {
		case vex.StatusNotAffected:
			v.ProductStatus.KnownNotAffected = appendOnce(v.ProductStatus.KnownNotAffected, rid)
			switch {
			case vex.IsJustificationLabel(st.Justification):
				v.Flags = append(v.Flags, Flag{Label: st.Justification, ProductIDs: []string{rid}})
			case st.Impact != "":
				v.Threats = append(v.Threats, Threat{Category: "impact", Details: st.Impact, ProductIDs: []string{rid}})
			default:
				v.Threats = append(v.Threats, Threat{Category: "impact", Details: "Not affected according to " + st.Source + "; no justification was given.", ProductIDs: []string{rid}})
			}
		case vex.StatusFixed:
			v.ProductStatus.Fixed = appendOnce(v.ProductStatus.Fixed, rid)
		case vex.StatusUnderInvestigation:
			v.ProductStatus.UnderInvestigation = appendOnce(v.ProductStatus.UnderInvestigation, rid)
		default:
			v.ProductStatus.KnownAffected = appendOnce(v.ProductStatus.KnownAffected, rid)
			switch {
			case st != nil && st.Action != "":
				v.Remediations = append(v.Remediations, Remediation{Category: "mitigation", Details: st.Action, ProductIDs: []string{rid}})
			case len(f.Fixed) > 0:
				v.Remediations = append(v.Remediations, Remediation{Category: "vendor_fix",
					Details: "Update " + f.Component.Name + " to " + strings.Join(f.Fixed, " or ") + " or later.", ProductIDs: []string{rid}})
			default:
				v.Remediations = append(v.Remediations, Remediation{Category: "none_available",
					Details: "No fixed version of " + f.Component.Name + " is known to the scan.", ProductIDs: []string{rid}})
			}
		}
	}
	sort.Strings(order)
	for _, k := range order {
		a.Vulnerabilities = append(a.Vulnerabilities, *byVuln[k])
	}
	if len(a.Vulnerabilities) == 0 {
		return nil, ErrNoVulnerabilities
	}
	return a, nil
}

func appendOnce(s []string, id string) []string {
	for _, x := range s {
		if x == id {
			return s
		}
	}
	return append(s, id)
}
