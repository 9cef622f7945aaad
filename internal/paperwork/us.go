package paperwork

import (
	"sort"
	"strings"

	"github.com/dualmark/dualmark/internal/dossier"
)

const fccRef = "47 CFR Part 8 Subpart B (FCC 24-26), registry fields ¶111-121 and §8.208(c)"

// fccRegistry writes the Cyber Trust Mark registry entry (REG-1..REG-11) and the applicant declarations.
func fccRegistry(d *dossier.Dossier) *Document {
	b := newDoc(d, "fcc-registry-entry", "US Cyber Trust Mark registry entry", fccRef)
	l, u := d.USLabel, d.Updates
	b.section("Registry fields")
	b.field("REG-1", "Product name", join(" ", d.Product.Name, d.Product.Model), "")
	b.field("REG-2", "Manufacturer name", d.Manufacturer.Name, "")
	b.field("REG-3", "Date of authorisation and current status", join(", ", date(l.AuthorizationDate), l.Status), "authorisation date and status missing (usLabel.authorizationDate, usLabel.status)")
	b.field("REG-4", "Authorising Cybersecurity Label Administrator", party(l.CLA), "CLA name and contact missing (usLabel.cla)")
	b.field("REG-5", "Testing laboratory (CyberLAB)", l.CyberLab, "testing laboratory missing (usLabel.cyberLab)")
	b.field("REG-6", "How to change the default password", d.Authentication.PasswordChange, "how to change the default password missing (authentication.passwordChange)")
	b.field("REG-7", "Secure configuration", d.UserInformation.SecureSetup, "secure configuration information or link missing (userInformation.secureSetup)")
	b.field("REG-8", "Updates: automatic or how to get them", updatesText(u), "update information missing (updates.automatic, updates.instructions)")
	b.field("REG-9", "Minimum support period end date", date(d.SupportPeriod.End), "support period end date missing (supportPeriod.end)")
	b.field("REG-10", "SBOM / HBOM maintained", bomMaintained(d), "whether an SBOM or HBOM is maintained is not stated (sbom, hbom)")
	extra := make([]string, 0, len(l.ExtraFields))
	for k := range l.ExtraFields {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		b.field("REG-11", k, l.ExtraFields[k], "")
	}
	f := d.FCCDeclarations
	b.section("Applicant declarations (§8.208(c), under penalty of perjury)")
	decl := []struct {
		v     *bool
		label string
	}{
		{f.MeetsRequirements, "The product meets all requirements of the IoT Labeling Program"},
		{f.NotCoveredList, "The product is not produced by an entity on the Covered List"},
		{f.NotProhibitedEntity, "The applicant is not on the Entity List or the 1260H list and is not debarred"},
		{f.SecurableProduct, "Every reasonable measure was taken to create a securable product"},
		{f.FixUntilSupportEnd, "Critical vulnerabilities will be identified and fixes promptly issued until the support end date"},
		{f.NoDisclaimer, "These commitments will not be disclaimed"},
	}
	for i, dc := range decl {
		b.field("8.208(c)."+string(rune('1'+i)), dc.label, yesNo(dc.v, "Declared", "NOT declared"), "declaration not made (fccDeclarations)")
	}
	b.field("8.208(d)", "US agent for service of process", party(f.USAgent), "US agent for service of process missing (fccDeclarations.usAgent)")
	b.doc.Notes = append(b.doc.Notes, "No vulnerability details are published in the registry (FCC 24-26 ¶116). REG-11 fields are those the dossier gives; PSHSB has not fixed the list.")
	return b.doc
}

func party(p *dossier.Party) string {
	if p == nil {
		return ""
	}
	return join(", ", p.Name, address(p.Address), p.Email, p.Phone)
}

func updatesText(u dossier.Updates) string {
	if u.Mechanism == "none" {
		return "The product does not receive software updates."
	}
	mode := ""
	switch {
	case u.Automatic == nil:
	case *u.Automatic && isTrue(u.OptOut):
		mode = "Updates install automatically; users may opt out."
	case *u.Automatic:
		mode = "Updates install automatically."
	default:
		mode = "Updates are not automatic."
	}
	if mode == "" {
		return ""
	}
	if u.Instructions != "" {
		mode += " " + u.Instructions
	}
	return mode
}

// bomMaintained says which bills of materials the dossier references; ""
// when it names neither (unknown, not "no").
func bomMaintained(d *dossier.Dossier) string {
	if d.SBOM == nil && d.HBOM == nil {
		return ""
	}
	return "SBOM: " + bomState(d.SBOM) + "; HBOM: " + bomState(d.HBOM)
}

func bomState(r *dossier.BOMRef) string {
	if r == nil {
		return "not stated"
	}
	return "maintained"
}

// isURL reports whether s is an http(s) URL.
func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
