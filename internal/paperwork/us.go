package paperwork

import (
	"sort"
	"strings"

	"github.com/dualmark/dualmark/internal/dossier"
)

const fccRef = "47 CFR Part 8 Subpart B (FCC 24-26), registry fields ¶111-121, §8.208 and §8.215"

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
	b.section("Applicant declarations §8.208(c), under penalty of perjury")
	decl := []struct {
		item, field string
		v           *bool
		label       string
	}{
		{"8.208(c)(1)", "meetsRequirements", f.MeetsRequirements, "The product meets all the requirements of the IoT Labeling Program"},
		{"8.208(c)(2)", "notCoveredList", f.NotCoveredList, "The applicant is not identified on the Covered List (47 CFR 1.50002) as an entity producing covered communications equipment"},
		{"8.208(c)(3)", "noCoveredEquipment", f.NoCoveredEquipment, "The product is not comprised of covered equipment on the Covered List"},
		{"8.208(c)(4)", "notProhibitedEntity", f.NotProhibitedEntity, "The product is not produced by any entity, its affiliates or subsidiaries on the Department of Commerce Entity List or the DoD List of Chinese Military Companies (1260H)"},
		{"8.208(c)(5)", "notDebarred", f.NotDebarred, "The product is not owned or controlled by or affiliated with anyone suspended or debarred from receiving federal procurements or financial awards (GSA SAM)"},
		{"8.208(c)(6)", "securableProduct", f.SecurableProduct, "The applicant has taken every reasonable measure to create a securable product"},
		{"8.208(c)(7)", "fixUntilSupportEnd", f.FixUntilSupportEnd, "Until the support end date in the registry, the applicant will diligently identify critical vulnerabilities and promptly issue software updates correcting them"},
		{"8.208(c)(8)", "noDisclaimer", f.NoDisclaimer, "The applicant will not elsewhere disclaim or limit the enforceability of this declaration or of the commitments made for the label"},
	}
	for _, dc := range decl {
		b.field(dc.item, dc.label, yesNo(dc.v, "Declared", "NOT declared"), "declaration not stated (fccDeclarations."+dc.field+")")
	}
	b.section("Further application requirements (§8.208(d)-(j), §8.215)")
	b.field("8.208(d)", "Written, signed declaration that all statements in the application are true and correct", yesNo(f.StatementsTrue, "Declared", "NOT declared"), "not stated (fccDeclarations.statementsTrue)")
	b.field("8.208(f)", "The product is reasonably secure and will be updated through the minimum support period, whose end date is disclosed", yesNo(f.ReasonablySecure, "Declared", "NOT declared"), "not stated (fccDeclarations.reasonablySecure)")
	b.field("8.208(g)", "The product is not prohibited under §8.204", yesNo(f.NotProhibited, "Declared", "NOT declared"), "not stated (fccDeclarations.notProhibited)")
	b.field("8.208(i)", "US agent for service of process (physical US address and email)", party(f.USAgent), "US agent for service of process missing (fccDeclarations.usAgent)")
	b.field("8.208(i)(1)", "Attestation signed by the applicant and the agent", yesNo(f.AgentAttestation, "Signed", "NOT signed"), "attestation not stated (fccDeclarations.agentAttestation)")
	b.field("8.208(j)", "Technical test data signed by the person who performed or supervised the tests", labTestData(d), "no test report from an accredited lab is listed (evidence with producer: accredited-lab demonstrating FCC-8.208j)")
	b.field("8.215", "Records kept for 2 years after marketing ends (design and changes, production testing, test results)", yesNo(f.RecordsKept, "Kept", "NOT kept"), "not stated (fccDeclarations.recordsKept)")
	b.doc.Notes = append(b.doc.Notes, "No vulnerability details are published in the registry (FCC 24-26 ¶116). REG-11 fields are those the dossier gives; PSHSB has not fixed the list.",
		"The FCC has adopted no test standard for the Cyber Trust Mark yet [U: regulatory.md §7]: this entry prepares an application, it does not show that the label can be granted.")
	return b.doc
}

// labTestData names the lab test reports that demonstrate FCC-8.208j.
func labTestData(d *dossier.Dossier) string {
	var out []string
	for _, ev := range d.Evidence {
		if ev.Producer != "accredited-lab" || ev.Accreditation == "" {
			continue
		}
		for _, id := range ev.Demonstrates {
			if id == "FCC-8.208j" {
				out = append(out, join(", ", ev.Title, ev.Issuer, ev.Accreditation, date(ev.Date)))
			}
		}
	}
	return list(out)
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
