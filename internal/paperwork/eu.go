package paperwork

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

const craRef = "Regulation (EU) 2024/2847 (Cyber Resilience Act)"

// unionActs are the OJ references of the Union acts a declaration may name
// (CRA Art. 28(3): a single declaration identifies every act with its
// publication reference).
var unionActs = []struct{ key, ref string }{
	{"2024/2847", "Regulation (EU) 2024/2847, OJ L, 2024/2847, 20.11.2024"},
	{"2014/53/EU", "Directive 2014/53/EU, OJ L 153, 22.5.2014, p. 62"},
	{"2022/30", "Commission Delegated Regulation (EU) 2022/30, OJ L 7, 12.1.2022, p. 6"},
	{"2011/65/EU", "Directive 2011/65/EU, OJ L 174, 1.7.2011, p. 88"},
	{"2014/35/EU", "Directive 2014/35/EU, OJ L 96, 29.3.2014, p. 357"},
	{"2014/30/EU", "Directive 2014/30/EU, OJ L 96, 29.3.2014, p. 79"},
}

// ojReference returns the OJ reference of a Union act named in the dossier,
// or "" when dualmark does not know it.
func ojReference(act string) string {
	for _, a := range unionActs {
		if strings.Contains(act, a.key) {
			return a.ref
		}
	}
	return ""
}

// euDeclaration drafts the EU declaration of conformity with every item of
// CRA Annex V. Its conformity statement appears only after a positive
// conformity assessment with an open route; otherwise item V.5 is a
// blocking gap.
func euDeclaration(d *dossier.Dossier, cra *CRAOutcome) *Document {
	b := newDoc(d, "eu-declaration-of-conformity", "EU declaration of conformity (draft)", craRef+", Article 28 and Annex V")
	b.doc.Draft = true
	c := d.Conformity
	b.section("Annex V")
	b.field("V.1", "Name and type of the product, and information enabling its unique identification",
		join("; ", d.Product.Name, "model "+d.Product.Model, identification(d)), "")
	name, addr := manufacturerName(d.Manufacturer), address(d.Manufacturer.Address)
	if rep := d.Manufacturer.AuthorisedRepresentative; rep != nil {
		b.field("V.2", "Name and address of the manufacturer", join(", ", name, addr), "manufacturer postal address missing")
		b.field("V.2", "Authorised representative", join(", ", rep.Name, address(rep.Address)), "authorised representative address missing")
	} else {
		b.field("V.2", "Name and address of the manufacturer", addrOrEmpty(name, addr), "manufacturer postal address missing")
	}
	b.fixed("V.3", "Statement of responsibility", "This declaration of conformity is issued under the sole responsibility of the manufacturer.")
	obj := join("; ", d.Product.Name, "model "+d.Product.Model, firmware(d))
	if d.Product.Photo != "" {
		obj += "; photograph: " + d.Product.Photo
	}
	b.field("V.4", "Object of the declaration (identification allowing traceability)", obj, "")
	statement := ""
	if cra.Positive() {
		statement = "The object of the declaration described above is in conformity with " + craRef + "."
		if len(c.OtherLegislation) > 0 {
			statement += " It is also in conformity with: " + list(c.OtherLegislation) + "."
		}
	}
	b.field("V.5", "Conformity with Union harmonisation legislation", statement, blockingGap(cra))
	acts := []string{ojReference("2024/2847")}
	for _, l := range c.OtherLegislation {
		if ref := ojReference(l); ref != "" {
			acts = append(acts, ref)
		} else {
			b.field("Art. 28(3)", "OJ reference of "+l, "", "publication reference of "+l+" missing: dualmark does not know it; add it to the declaration")
		}
	}
	b.field("Art. 28(3)", "Union acts covered by this single declaration, with their OJ references", list(acts), "")
	harmonised, other := splitStandards(c.Standards)
	if len(harmonised) == 0 {
		harmonised = []string{"None: no harmonised standard is cited in the Official Journal for Regulation (EU) 2024/2847 yet"}
	}
	b.field("V.6", "Harmonised standards applied (cited in the Official Journal)", list(harmonised), "")
	b.field("V.6", "Other technical specifications, common specifications or certification applied (not harmonised)", list(other), "")
	if cra.Positive() {
		b.field("V.7", "Notified body, procedure and certificate", notifiedBody(d), notifiedBodyGap(d))
	} else {
		b.field("V.7", "Notified body, procedure and certificate", "", "no conformity-assessment procedure can be stated before a positive conformity assessment with an open route (Art. 32)")
	}
	b.field("V.8", "Additional information", c.AdditionalInformation, "")
	b.field("V.8", "Signed for and on behalf of", d.Manufacturer.Name, "")
	b.field("V.8", "Place of issue", c.Place, "place of issue missing (conformity.place)")
	b.field("V.8", "Date of issue", date(c.Date), "date of issue missing (conformity.date): the declaration must be dated")
	if c.Signatory != nil {
		b.field("V.8", "Name, function", join(", ", c.Signatory.Name, c.Signatory.Function), "")
	} else {
		b.field("V.8", "Name, function", "", "signatory missing (conformity.signatory)")
	}
	b.fixed("V.8", "Signature", "(to be signed)")
	b.section("CE marking (Art. 30)")
	b.fixed("Art. 30(1)", "Visible, legible, indelible", "Affix the CE marking visibly, legibly and indelibly to the product or, where not possible, to the packaging and the declaration (Art. 30(1), (2)).")
	b.fixed("Art. 30(3)", "Size", "At least 5 mm high, unless the nature of the product does not allow it; proportions as in Regulation (EC) No 765/2008 Annex II.")
	b.fixed("Art. 30(4)", "Notified body number", ceNotifiedBody(d))
	b.fixed("Art. 30(2)", "When", "Before the product is placed on the market.")
	if cra != nil {
		b.doc.Notes = append(b.doc.Notes, fmt.Sprintf("CRA assessment of %s: %s (%s).", cra.On, cra.Verdict, cra.Reason))
		if !cra.InForce {
			b.doc.Notes = append(b.doc.Notes, "The CRA applies in full from 11 December 2027 (Art. 71(2)): this draft is for units placed on the market from that date; the verdict above is the readiness verdict.")
		}
	}
	b.doc.Notes = append(b.doc.Notes, "Draft generated by dualmark from the product dossier; the manufacturer must check, complete and sign it (CRA Article 28).")
	return b.doc
}

// blockingGap explains why the declaration carries no conformity statement.
func blockingGap(cra *CRAOutcome) string {
	switch {
	case cra == nil:
		return "BLOCKING: no CRA assessment is attached; a declaration of conformity cannot be drawn up without a positive conformity assessment"
	case cra.Positive():
		return ""
	case !cra.RouteOpen:
		return "BLOCKING: the chosen conformity-assessment procedure is not open to this product (Art. 32): " + cra.Reason
	}
	return fmt.Sprintf("BLOCKING: the CRA assessment of %s is %s: %s; a declaration of conformity cannot be drawn up without a positive conformity assessment", cra.On, cra.Verdict, cra.Reason)
}

// splitStandards separates the standards the dossier says are harmonised
// and cited in the OJ for the CRA from the others (Annex V.6, VII.5). As
// no standard is cited for the CRA yet, only an explicit OJ reference for
// act cra puts a standard in the first list.
func splitStandards(ss []dossier.Standard) (harmonised, other []string) {
	for _, s := range ss {
		act := s.Act
		if act == "" {
			act = catalog.RegimeCRA
		}
		if act == catalog.RegimeCRA && s.Harmonised != nil && *s.Harmonised && s.OJReference != "" {
			harmonised = append(harmonised, s.String())
			continue
		}
		line := s.String()
		if act != catalog.RegimeCRA {
			line += " (applied for " + act + ")"
		}
		other = append(other, line)
	}
	return harmonised, other
}

// ceNotifiedBody says whether the notified body's number follows the CE
// marking: only for Module H (Art. 30(4)).
func ceNotifiedBody(d *dossier.Dossier) string {
	c := d.Conformity
	switch {
	case c.Module == "H" && c.NotifiedBody != nil && c.NotifiedBody.Number != "":
		return "Module H: the CE marking is followed by the notified body's identification number " + c.NotifiedBody.Number + "."
	case c.Module == "H":
		return "Module H: the CE marking is followed by the notified body's identification number (conformity.notifiedBody.number is not stated)."
	}
	return "No notified-body number follows the CE marking (it does only for Module H)."
}

func addrOrEmpty(name, addr string) string {
	if addr == "" {
		return ""
	}
	return name + ", " + addr
}

func firmware(d *dossier.Dossier) string {
	if d.Product.FirmwareVersion == "" {
		return ""
	}
	return "firmware " + d.Product.FirmwareVersion
}

// notifiedBody describes item V.7; "" when a notified body is needed but not named.
func notifiedBody(d *dossier.Dossier) string {
	c := d.Conformity
	if nb := c.NotifiedBody; nb != nil {
		s := nb.Name
		if nb.Number != "" {
			s += " (NB " + nb.Number + ")"
		}
		return join("; ", s, nb.Procedure, certificate(nb.Certificate), moduleText(c.Module))
	}
	if c.Module == "A" {
		return "Not applicable: internal control (Module A), no notified body involved."
	}
	return ""
}

func certificate(c string) string {
	if c == "" {
		return ""
	}
	return "certificate " + c
}

func moduleText(m string) string {
	if m == "" {
		return ""
	}
	return "procedure: Module " + m
}

func notifiedBodyGap(d *dossier.Dossier) string {
	if d.Conformity.Module == "" {
		return "conformity-assessment procedure not stated (conformity.module); a notified body is needed for Modules B+C and H"
	}
	return "notified body missing for Module " + d.Conformity.Module + " (conformity.notifiedBody)"
}

// simplifiedDeclaration writes the Annex VI text.
func simplifiedDeclaration(d *dossier.Dossier, cra *CRAOutcome) *Document {
	b := newDoc(d, "eu-simplified-declaration", "Simplified EU declaration of conformity", craRef+", Article 13(20) and Annex VI")
	b.section("Annex VI")
	b.field("VI", "Manufacturer", d.Manufacturer.Name, "")
	b.field("VI", "Type of product", join(" ", d.Product.Name, d.Product.Model), "")
	b.field("VI", "Internet address of the full declaration", d.Conformity.DeclarationURL, "internet address of the full EU declaration of conformity missing (conformity.declarationURL)")
	url := b.sec.Fields[len(b.sec.Fields)-1].Text()
	if !cra.Positive() {
		b.field("VI", "Compliance statement", "", blockingGap(cra))
		return b.doc
	}
	b.doc.Intro = []string{
		fmt.Sprintf("Hereby, %s declares that the product with digital elements type %s is in compliance with Regulation (EU) 2024/2847.",
			d.Manufacturer.Name, join(" ", d.Product.Name, d.Product.Model)),
		"The full text of the EU declaration of conformity is available at the following internet address: " + url,
	}
	b.doc.Notes = append(b.doc.Notes, "Regulation (EU) 2024/2847: OJ L, 2024/2847, 20.11.2024, ELI: http://data.europa.eu/eli/reg/2024/2847/oj.")
	return b.doc
}

// userInformation writes the CRA Annex II information and instructions sheet.
func userInformation(d *dossier.Dossier) *Document {
	b := newDoc(d, "user-information", "Information and instructions to the user", craRef+", Article 13(18) and Annex II")
	m, u, v := d.Manufacturer, d.UserInformation, d.VulnerabilityHandling
	b.section("Manufacturer and contact")
	b.field("II.1", "Manufacturer", manufacturerName(m), "")
	b.field("II.1", "Postal address", address(m.Address), "manufacturer postal address missing")
	b.field("II.1", "Email or other digital contact", join("; ", m.Email, m.Phone), "manufacturer email or digital contact missing")
	b.field("II.1", "Website", m.Website, "")
	b.field("II.2", "Single point of contact for vulnerabilities", v.Contact, "single point of contact for vulnerability reports missing (vulnerabilityHandling.contact)")
	b.field("II.2", "Coordinated vulnerability disclosure policy", v.DisclosurePolicy, "coordinated vulnerability disclosure policy missing (vulnerabilityHandling.disclosurePolicy)")
	b.section("Product")
	b.field("II.3", "Name, type and identification", join("; ", d.Product.Name, "model "+d.Product.Model, identification(d)), "")
	b.field("II.4", "Intended purpose", d.Product.IntendedPurpose, "intended purpose missing (product.intendedPurpose)")
	b.field("II.4", "Security environment", d.Product.UseEnvironment, "security environment missing (product.useEnvironment)")
	b.field("II.4", "Essential functionalities", list(d.Product.EssentialFunctions), "essential functionalities missing (product.essentialFunctions)")
	b.field("II.4", "Security properties", list(d.Product.SecurityProperties), "security properties missing (product.securityProperties)")
	b.field("II.5", "Circumstances that may lead to significant cybersecurity risks", list(d.Product.ForeseeableMisuse), "foreseeable misuse and risks missing (product.foreseeableMisuse)")
	b.field("II.6", "EU declaration of conformity", d.Conformity.DeclarationURL, "internet address of the EU declaration of conformity missing (conformity.declarationURL)")
	b.section("Security support")
	b.field("II.7", "Type of technical security support", u.SupportType, "type of technical security support missing (userInformation.supportType)")
	b.field("II.7", "End of the support period", supportEnd(d), "support period end date missing (supportPeriod.end)")
	b.section("Instructions")
	b.field("II.8", "Detailed instructions", u.Instructions, "")
	b.instruction("II.8.a", "Secure commissioning and use", u.SecureSetup, u.Instructions, "secure commissioning and use (userInformation.secureSetup)")
	b.instruction("II.8.b", "How changes to the product can affect data security", u.ChangesEffect, u.Instructions, "how changes affect data security (userInformation.changesEffect)")
	b.instruction("II.8.c", "How to install security updates", d.Updates.Instructions, u.Instructions, "how to install security updates (updates.instructions)")
	b.instruction("II.8.d", "Secure decommissioning and removal of user data", d.Data.Deletion.Instructions, u.Instructions, "secure decommissioning and data removal (data.deletion.instructions)")
	b.instruction("II.8.e", "How to turn off automatic security updates", disableAuto(d), u.Instructions, "how to turn off automatic updates (userInformation.disableAutoUpdate)")
	b.field("II.8.f", "Information for integrators", u.IntegratorInfo, "")
	b.section("Software bill of materials")
	b.field("II.9", "Where the SBOM can be accessed", sbomAccess(d), "")
	return b.doc
}

// instruction adds an Annex II.8 sub-item: its own value, else a gap. The
// general instructions URL is not assumed to cover the topic: the dossier
// must say so for each item.
func (b *builder) instruction(item, label, value, general, what string) {
	missing := "instructions missing: " + what
	if general != "" {
		missing += "; the dossier does not say whether " + general + " covers it"
	}
	b.field(item, label, value, missing)
}

func disableAuto(d *dossier.Dossier) string {
	if d.UserInformation.DisableAutoUpdate != "" {
		return d.UserInformation.DisableAutoUpdate
	}
	if d.Updates.Automatic != nil && !*d.Updates.Automatic {
		return "Not applicable: security updates are not installed automatically."
	}
	return ""
}

func supportEnd(d *dossier.Dossier) string {
	end := d.SupportPeriod.End
	if end == nil {
		return ""
	}
	return end.Format("2 January 2006")
}

// sbomAccess fills Annex II.9, which applies only when the manufacturer
// makes the SBOM available; "" (left out) when the dossier does not say.
func sbomAccess(d *dossier.Dossier) string {
	s := d.SBOM
	switch {
	case s == nil || s.Available == nil:
		return ""
	case !*s.Available:
		return "The manufacturer does not make the SBOM available to users."
	case s.URL == "":
		return "Available from the manufacturer on request (no URL stated)."
	}
	return join(", ", s.URL, s.Format)
}

// technicalDocumentation writes the CRA Annex VII index, pointing at the evidence.
func technicalDocumentation(d *dossier.Dossier) *Document {
	b := newDoc(d, "technical-documentation-index", "Technical documentation index", craRef+", Article 31 and Annex VII")
	ev := evidenceIndex(d)
	b.section("1. General description")
	b.field("VII.1.a", "Intended purpose", d.Product.IntendedPurpose, "intended purpose missing (product.intendedPurpose)")
	b.field("VII.1.b", "Software versions affecting compliance", firmware(d), "firmware version missing (product.firmwareVersion)")
	b.field("VII.1.c", "Photographs or illustrations", d.Product.Photo, "photographs of external features, marking and internal layout missing (product.photo)")
	b.field("VII.1.d", "User information and instructions (Annex II)", join("; ", "user-information.md (this bundle)", ev.of("user-manual")), "")
	b.section("2. Design, development, production and vulnerability handling")
	b.field("VII.2.a", "Design and development, system architecture", ev.of("design-document"), "design and architecture description missing (evidence of kind design-document)")
	b.field("VII.2.b", "Software bill of materials", bomRef(d.SBOM), "SBOM missing (sbom.path)")
	b.field("VII.2.b", "Coordinated vulnerability disclosure policy", join("; ", d.VulnerabilityHandling.DisclosurePolicy, ev.of("policy")), "coordinated vulnerability disclosure policy missing (vulnerabilityHandling.disclosurePolicy)")
	b.field("VII.2.b", "Contact address for vulnerability reports", d.VulnerabilityHandling.Contact, "contact address for vulnerability reports missing (vulnerabilityHandling.contact)")
	b.field("VII.2.b", "Secure distribution of updates", join("; ", d.VulnerabilityHandling.UpdateDistribution, d.Updates.SignatureAlgorithm), "description of secure update distribution missing (vulnerabilityHandling.updateDistribution)")
	b.field("VII.2.c", "Production and monitoring processes", d.VulnerabilityHandling.Monitoring, "production and monitoring processes missing (vulnerabilityHandling.monitoring)")
	b.section("3. Cybersecurity risk assessment")
	b.field("VII.3", "Risk assessment (Article 13)", ev.of("risk-assessment"), "cybersecurity risk assessment missing (evidence of kind risk-assessment)")
	b.field("VII.3", "Requirements claimed not applicable", notApplicable(d), "")
	b.section("4. Support period")
	b.field("VII.4", "Information used to determine the support period", supportBasis(d), "basis of the support period missing (supportPeriod.rationale)")
	b.section("5. Standards and specifications")
	harmonised, other := splitStandards(d.Conformity.Standards)
	b.field("VII.5", "Harmonised standards applied (cited in the OJ)", list(harmonised), "")
	b.field("VII.5", "Other standards, common specifications or certification schemes applied (which parts)", list(other), "")
	if len(harmonised)+len(other) == 0 {
		b.field("VII.5", "Solutions adopted to meet Annex I", "", "no standard or specification applied is named (conformity.standards); describe the solutions adopted instead")
	}
	b.section("6. Test reports")
	b.field("VII.6", "Reports of tests (Annex I Parts I and II)", ev.of("test-report"), "test reports missing (evidence of kind test-report)")
	b.section("7. EU declaration of conformity")
	b.fixed("VII.7", "Copy of the EU declaration of conformity", "eu-declaration-of-conformity.md (this bundle, draft)")
	b.section("8. Software bill of materials on request")
	b.field("VII.8", "SBOM for market surveillance authorities", bomRef(d.SBOM), "SBOM missing (sbom.path)")
	if other := ev.rest(); other != "" {
		b.section("Other evidence")
		b.field("", "Further documents", other, "")
	}
	return b.doc
}

func bomRef(r *dossier.BOMRef) string {
	if r == nil {
		return ""
	}
	s := join(" ", r.Path, r.URL)
	if r.SHA256 != "" {
		s += " (sha256 " + r.SHA256 + ")"
	}
	return join(", ", s, r.Format)
}

func supportBasis(d *dossier.Dossier) string {
	sp := d.SupportPeriod
	if sp.Rationale == "" {
		return ""
	}
	period := ""
	if sp.Start != nil && sp.End != nil {
		period = sp.Start.String() + " to " + sp.End.String() + ". "
	}
	return period + sp.Rationale
}

func notApplicable(d *dossier.Dossier) string {
	var out []string
	for _, na := range d.NotApplicable {
		out = append(out, na.Requirement+": "+na.Justification)
	}
	return list(out)
}

// evidenceSet groups evidence by kind and remembers which were cited.
type evidenceSet struct {
	items []dossier.Evidence
	used  map[int]bool
}

func evidenceIndex(d *dossier.Dossier) *evidenceSet {
	return &evidenceSet{items: d.Evidence, used: map[int]bool{}}
}

// of lists the evidence of one kind: title, location and digest.
func (e *evidenceSet) of(kind string) string {
	var out []string
	for i, ev := range e.items {
		if ev.Kind == kind {
			e.used[i] = true
			out = append(out, describe(ev))
		}
	}
	return list(out)
}

// rest lists the evidence not cited under a numbered item.
func (e *evidenceSet) rest() string {
	var idx []int
	for i := range e.items {
		if !e.used[i] {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	var out []string
	for _, i := range idx {
		out = append(out, describe(e.items[i]))
	}
	return list(out)
}

func describe(ev dossier.Evidence) string {
	loc := ev.Path
	if loc == "" {
		loc = ev.URL
	}
	s := join(", ", ev.Title, ev.Issuer, date(ev.Date))
	s += " — " + loc
	if ev.SHA256 != "" {
		s += " (sha256 " + ev.SHA256 + ")"
	}
	if len(ev.Demonstrates) > 0 {
		s += "; claims " + strings.Join(ev.Demonstrates, ", ")
	}
	return s
}
