package csaf

import (
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/art14"
)

// FromCase drafts a CSAF security advisory from an Article 14(1) case —
// the structured, machine-readable user information Art. 14(8) asks for
// where appropriate. The text comes from the case's drafts (notification
// and final report): nature of the vulnerability and exploit, measures users
// can take, severity and impact, the fix. The device is known_affected, or
// fixed with a vendor_fix remediation once a measure is available and the
// final report names it. Incident cases have no CSAF advisory form.
func FromCase(c *art14.Case, o Options) (*Advisory, error) {
	if c.Kind != art14.KindVulnerability {
		return nil, fmt.Errorf("case %s: only an actively exploited vulnerability case (Art. 14(1)) makes a CSAF security advisory", c.ID)
	}
	if c.Vulnerability == "" {
		return nil, fmt.Errorf("case %s: vulnerability ID missing", c.ID)
	}
	if o.Device.Name == "" { // the case's product; identifiers the case lacks from o.Device (the registered product's)
		id := o.Device
		o.Device = Device{Vendor: c.Product.Manufacturer, Name: c.Product.Name, Version: c.Product.Version, PURL: c.Product.PURL, CPE: c.Product.CPE, Model: id.Model}
		if o.Device.PURL == "" {
			o.Device.PURL = id.PURL
		}
		if o.Device.CPE == "" {
			o.Device.CPE = id.CPE
		}
	}
	var nature, exploit, users, severity, fix, measures string
	for _, d := range c.Drafts {
		if v := d.Vulnerability; v != nil {
			nature, exploit = first(nature, v.Nature), first(exploit, v.Exploit)
		}
		users, severity = first(users, d.UserMeasures), first(severity, d.SeverityImpact)
		fix, measures = first(fix, d.FixDetails), first(measures, d.MeasuresTaken)
	}
	summary := fmt.Sprintf("%s in %s %s is actively exploited.", c.Vulnerability, c.Product.Name, c.Product.Version)
	if nature != "" {
		summary += " " + nature
	}
	doc, err := o.document(CategoryAdvisory, "Actively exploited vulnerability "+c.Vulnerability+" in "+c.Product.Name+" "+c.Product.Version, summary)
	if err != nil {
		return nil, err
	}
	doc.References = []Reference{{Category: "external", Summary: c.Vulnerability, URL: "https://www.cve.org/CVERecord?id=" + c.Vulnerability}}
	a := &Advisory{Document: doc, ProductTree: deviceTree(o.Device)}
	v := Vulnerability{Title: c.Vulnerability, ProductStatus: &ProductStatus{}}
	if strings.HasPrefix(c.Vulnerability, "CVE-") {
		v.CVE = c.Vulnerability
	} else {
		sys, _, _ := strings.Cut(c.Vulnerability, "-")
		v.IDs = []ID{{SystemName: sys, Text: c.Vulnerability}}
	}
	desc := first(nature, c.Vulnerability+" is actively exploited.")
	v.Notes = []Note{{Category: "description", Title: "Vulnerability", Text: desc}}
	if exploit != "" {
		v.Notes = append(v.Notes, Note{Category: "details", Title: "Exploit", Text: exploit})
	}
	if severity != "" {
		v.Notes = append(v.Notes, Note{Category: "details", Title: "Severity and impact", Text: severity})
	}
	exploited := "Actively exploited (CRA Art. 14(1) case " + c.ID + ")"
	if c.KEV {
		exploited += "; listed in the CISA Known Exploited Vulnerabilities catalog"
	}
	if c.KnownRansomware {
		exploited += "; known use in ransomware campaigns"
	}
	v.Threats = []Threat{{Category: "exploit_status", Details: exploited + ".", ProductIDs: []string{deviceID}}}
	switch {
	case c.MeasureAvailable != nil && fix != "":
		v.ProductStatus.Fixed = []string{deviceID}
		v.Remediations = append(v.Remediations, Remediation{Category: "vendor_fix", Details: fix,
			Date: c.MeasureAvailable.UTC().Format(time.RFC3339), ProductIDs: []string{deviceID}})
	default:
		v.ProductStatus.KnownAffected = []string{deviceID}
		if measures != "" {
			v.Remediations = append(v.Remediations, Remediation{Category: "mitigation", Details: measures, ProductIDs: []string{deviceID}})
		}
		if users != "" {
			v.Remediations = append(v.Remediations, Remediation{Category: "workaround", Details: users, ProductIDs: []string{deviceID}})
		}
		if len(v.Remediations) == 0 {
			v.Remediations = []Remediation{{Category: "none_available", Details: "No corrective or mitigating measure is available yet.", ProductIDs: []string{deviceID}}}
		}
	}
	a.Vulnerabilities = []Vulnerability{v}
	return a, nil
}

func first(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
