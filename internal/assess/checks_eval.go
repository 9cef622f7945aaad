package assess

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/vex"
)

func sortStrings(s []string) { sort.Strings(s) }

// minSupportYears is the CRA Art. 13(8) minimum support period.
const minSupportYears = 5

// requiredSupportYears is the support period each unit needs (CRA Art.
// 13(8)): the expected use time, at least five years; shorter only when a
// shorter expected use is justified. It returns -1 and the reason when a
// shorter period is not justified.
func requiredSupportYears(sp dossier.SupportPeriod) (int, string) {
	exp := sp.ExpectedUseYears
	switch {
	case exp > minSupportYears:
		return exp, fmt.Sprintf("the expected use of %d years, longer than the 5-year minimum", exp)
	case exp <= 0 || exp == minSupportYears:
		return minSupportYears, "the 5-year minimum"
	case sp.Rationale == "":
		return -1, fmt.Sprintf("the shorter expected use of %d years is not justified (supportPeriod.rationale)", exp)
	}
	return exp, fmt.Sprintf("the justified shorter expected use of %d years (%s)", exp, sp.Rationale)
}

// lastUnit is the placing date of the latest unit the support period must
// cover, and how it was found.
func lastUnit(f *Facts) (dossier.Date, string) {
	m, sp := f.Dossier.Market, f.Dossier.SupportPeriod
	switch {
	case m.LastPlaced != nil:
		return *m.LastPlaced, "the last unit placed on the market (market.lastPlaced " + m.LastPlaced.String() + ")"
	case !f.On.IsZero() && (m.FirstPlaced != nil || sp.Start == nil || !sp.Start.After(f.On)):
		return dossier.Date{Time: f.On}, "a unit placed on the assessment date " + f.On.Format(dossier.DateLayout) + " (units are still being placed: no market.lastPlaced)"
	}
	return *sp.Start, "the start of support (supportPeriod.start; no market dates stated)"
}

// evalSupportPeriod applies CRA Art. 13(8) per unit: every unit placed on
// the market is supported for at least five years from its placing, or for
// its longer expected use; a shorter period needs a justified shorter
// expected use.
func evalSupportPeriod(f *Facts) []Outcome {
	sp := f.Dossier.SupportPeriod
	if sp.Start == nil || sp.End == nil {
		return []Outcome{outcome("", "", "state supportPeriod.start and supportPeriod.end", idCRASupport)}
	}
	if !sp.End.After(sp.Start.Time) {
		return []Outcome{outcome(NotMet, fmt.Sprintf("the support period ends (%s) before it starts (%s)", sp.End, sp.Start),
			"correct supportPeriod.start and supportPeriod.end", idCRASupport)}
	}
	years, why := requiredSupportYears(sp)
	if years < 0 {
		return []Outcome{outcome(NotMet, "the support period must be at least 5 years: "+why+" (Art. 13(8))",
			"record in supportPeriod.rationale why the product is expected to be in use for less than 5 years, or support it for 5 years", idCRASupport)}
	}
	base, baseWhy := lastUnit(f)
	need := base.AddDate(years, 0, 0)
	if sp.End.Before(need) {
		return []Outcome{outcome(NotMet, fmt.Sprintf("support ends on %s, but %s needs support until at least %s: %s (Art. 13(8))", sp.End, baseWhy, need.Format(dossier.DateLayout), why),
			fmt.Sprintf("extend supportPeriod.end to %s or later, or state market.lastPlaced", need.Format(dossier.DateLayout)), idCRASupport)}
	}
	return []Outcome{outcome(Met, fmt.Sprintf("support until %s covers %s for %s (Art. 13(8))", sp.End, baseWhy, why), "", idCRASupport)}
}

// evalDebugPorts fails EN 303 645 5.6-4 for a debug port left enabled in
// production units.
func evalDebugPorts(f *Facts) []Outcome {
	var open, guarded, closed []string
	for _, p := range f.Dossier.Interfaces.Physical {
		if p.Kind != "debug" {
			continue
		}
		switch p.State {
		case "enabled":
			open = append(open, p.Name)
		case "authenticated":
			guarded = append(guarded, p.Name)
		default:
			closed = append(closed, p.Name+" ("+p.State+")")
		}
	}
	switch {
	case len(open) > 0:
		return []Outcome{outcome(NotMet, "debug port(s) enabled in production units: "+strings.Join(open, ", "),
			"disable, fuse or remove debug interfaces in production firmware", "EN303645-5.6-4", "CRA-I.2.j")}
	case len(guarded) > 0:
		// 5.6-4 asks for the interface to be disabled in software; one
		// behind authentication is for the reviewer to judge.
		return []Outcome{outcome("", "", "debug port(s) "+strings.Join(guarded, ", ")+" are authenticated, not disabled: disable them or give evidence that the protection is adequate", "EN303645-5.6-4")}
	case len(closed) > 0:
		return []Outcome{outcome(Met, "debug ports closed in production: "+strings.Join(closed, ", "), "", "EN303645-5.6-4")}
	case len(f.Dossier.Interfaces.Physical) > 0:
		return []Outcome{outcome(NotApplicable, "the dossier lists the physical ports and none is a debug port", "", "EN303645-5.6-4")}
	}
	return []Outcome{outcome("", "", "list interfaces.physical, including debug ports and their state", "EN303645-5.6-4")}
}

// evalNetworkServices fails confidentiality requirements for a service
// enabled by default that sends credentials, or anything over the
// internet, in clear, and the attack-surface requirement for one reachable
// from the internet without authentication.
func evalNetworkServices(f *Facts) []Outcome {
	var plain, open []string
	for _, s := range f.Dossier.Interfaces.Network {
		if s.Exposure == "local" || isFalse(s.EnabledByDefault) {
			continue
		}
		name := fmt.Sprintf("%d/%s", s.Port, s.Protocol)
		if s.Service != "" {
			name += " (" + s.Service + ")"
		}
		// Unencrypted traffic fails when it carries credentials (the
		// service authenticates) or crosses the internet; an
		// unauthenticated LAN service in clear (an HTTP redirect to HTTPS,
		// discovery) is left to the reviewer.
		if isFalse(s.Encrypted) && (isTrue(s.Authenticated) || s.Exposure == "wan") {
			plain = append(plain, name)
		}
		if isFalse(s.Authenticated) && s.Exposure == "wan" {
			open = append(open, name)
		}
	}
	var out []Outcome
	if len(plain) > 0 {
		out = append(out, outcome(NotMet, "network service(s) enabled by default that authenticate or face the internet without encryption: "+strings.Join(plain, ", "),
			"encrypt the traffic (e.g. TLS) or disable the service by default", "CRA-I.2.e", "EN303645-5.5-1", "NISTIR8425-3c"))
	}
	if len(open) > 0 {
		out = append(out, outcome(NotMet, "service(s) reachable from the internet without authentication: "+strings.Join(open, ", "),
			"require authentication or close the service to the internet", "CRA-I.2.j"))
	}
	if len(out) == 0 && len(f.Dossier.Interfaces.Network) > 0 && isTrue(f.Dossier.Cryptography.EncryptionInTransit) {
		out = append(out, outcome(Met, "every network service enabled by default is encrypted and traffic carrying sensitive data is encrypted in transit", "", "EN303645-5.5-1", "NISTIR8425-3c"))
	}
	return out
}

// evalLogging reads logging.securityEvents.
func evalLogging(f *Facts) []Outcome {
	l := f.Dossier.Logging
	switch {
	case isFalse(l.SecurityEvents):
		return []Outcome{outcome(NotMet, "security-relevant events are not recorded (logging.securityEvents: false)",
			"record security events such as login failures and configuration changes", "CRA-I.2.l", "NISTIR8425-6a")}
	case isTrue(l.SecurityEvents) && len(l.Events) > 0:
		out := []Outcome{outcome(Met, "security events recorded: "+strings.Join(l.Events, ", "), "", "NISTIR8425-6a")}
		if isTrue(l.UserOptOut) {
			out = append(out, outcome(Met, "security events are recorded, with an opt-out for the user", "", "CRA-I.2.l"))
		} else {
			out = append(out, outcome("", "", "state logging.userOptOut (CRA I.2.l asks for a user opt-out)", "CRA-I.2.l"))
		}
		return out
	}
	return []Outcome{outcome("", "", "state logging.securityEvents and logging.events", "CRA-I.2.l", "NISTIR8425-6a")}
}

// commonFormats are the SBOM formats dualmark counts as "commonly used"
// (CRA Annex I Part II (1)): the two formats the SBOM guidance of BSI, NTIA
// and CISA names.
var commonFormats = map[string]bool{"cyclonedx": true, "spdx": true}

// evalSBOM decides CRA-II.1 by the Regulation's own test (a commonly used,
// machine-readable format covering at least the top-level dependencies)
// and shows the quality profile (BSI TR-03183-2, NTIA, CISA) beside it as
// a finding; the FCC and NIST inventory items follow from the SBOM's
// existence.
func evalSBOM(f *Facts) []Outcome {
	d := f.Dossier
	s := f.SBOM
	var out []Outcome
	switch {
	case s != nil:
		out = append(out, outcome(Met, fmt.Sprintf("SBOM maintained: %s %s with %d components", s.Format, s.SpecVersion, s.Components), "", "FCC-REG-10", "NISTIR8425-7.1b"))
		quality := "quality profile not checked: " + s.Note
		switch {
		case s.Profile != "" && s.Pass:
			quality = "quality finding: it also passes the " + s.Profile + " profile"
		case s.Profile != "":
			quality = fmt.Sprintf("quality finding (not the legal test): it fails the %s profile: %s", s.Profile, strings.Join(s.Failed, "; "))
		}
		switch {
		case !commonFormats[strings.ToLower(s.Format)]:
			out = append(out, outcome("", "", fmt.Sprintf("the SBOM format %s is not one dualmark counts as commonly used (CycloneDX, SPDX): give evidence that it is", s.Format), idCRASBOM))
		case s.Components == 0:
			out = append(out, outcome(NotMet, fmt.Sprintf("the %s SBOM lists no component, so it does not cover the top-level dependencies (Annex I Part II (1)); %s", s.Format, quality),
				"list at least the top-level dependencies of the firmware in the SBOM", idCRASBOM))
		default:
			out = append(out, outcome(Met, fmt.Sprintf("SBOM in a commonly used, machine-readable format (%s %s, read by dualmark) listing %d components, which cover the top-level dependencies as far as dualmark can tell (Annex I Part II (1)); %s", s.Format, s.SpecVersion, s.Components, quality), "", idCRASBOM))
		}
	case d.SBOM == nil && d.HBOM == nil:
		out = append(out, outcome(NotMet, "the dossier names no SBOM (sbom)", "generate an SBOM of the firmware and reference it under sbom.path",
			idCRASBOM, "FCC-REG-10", "NISTIR8425-7.1b"))
	case d.SBOM == nil:
		out = append(out, outcome(Met, "an HBOM is maintained (hbom)", "", "FCC-REG-10"),
			outcome(NotMet, "the dossier names no SBOM (sbom)", "generate an SBOM of the firmware and reference it under sbom.path", idCRASBOM))
	default:
		out = append(out, outcome("", "", "give the SBOM file (sbom.path in the dossier) so dualmark can read it", idCRASBOM, "FCC-REG-10", "NISTIR8425-7.1b"))
	}
	return out
}

// EPSSThreshold is the EPSS probability from which a finding counts as
// exploitable for CRA-I.2.a: 10 % of exploitation activity in the next 30
// days, the threshold FIRST's EPSS user guide discusses as a balance of
// coverage and efficiency. (The CRA names no figure; this one is
// dualmark's, documented in docs/SCANNING.md.)
const EPSSThreshold = 0.1

// art14VulnReports are the Art. 14(1)/(2) reports an actively exploited
// vulnerability calls for: early warning, notification, final report.
var art14VulnReports = []string{"CRA-14.AEV.EW", "CRA-14.AEV.VN", "CRA-14.AEV.FR"}

// evalArt14Trigger shows the condition of the Art. 14(1) reports holds when
// the scan finds an actively exploited vulnerability (CISA KEV, or SSVC
// Exploitation active) that VEX does not rule out: the manufacturer is
// aware of it, so the reports take part in the verdict until evidence of
// their submission settles them. A proof of concept or a high EPSS makes a
// vulnerability exploitable (CRA I.2.a), not actively exploited.
func evalArt14Trigger(f *Facts) []Outcome {
	if f.Scan == nil {
		return nil
	}
	var hits []string
	seen := map[string]bool{}
	for i := range f.Scan.Findings {
		fd := &f.Scan.Findings[i]
		key := match.GroupKey(fd)
		if fd.Suppressed || seen[key] || !(fd.KEV || fd.Exploitation == "active") {
			continue
		}
		seen[key] = true
		hits = append(hits, fmt.Sprintf("%s in %s %s", fd.Advisory.ID, fd.Component.Name, fd.Component.Version))
	}
	if len(hits) == 0 {
		return nil
	}
	reason := fmt.Sprintf("the scan shows %d actively exploited vulnerabilit%s in the product (CISA KEV or SSVC active): %s; Art. 14(1) applies from the moment the manufacturer becomes aware",
		len(hits), plural(len(hits), "y", "ies"), listSome(hits))
	next := "report to the coordinator CSIRT and ENISA within the Art. 14(2) deadlines and add each submitted report to the evidence, or state in VEX why the product is not affected"
	out := make([]Outcome, len(art14VulnReports))
	for i, id := range art14VulnReports {
		out[i] = Outcome{IDs: []string{id}, Reason: reason, Next: next, Applies: true}
	}
	return out
}

// Blocking reports whether a finding makes CRA-I.2.a not met, and why: a
// known exploitable vulnerability — listed in CISA KEV, SSVC Exploitation
// "active" or "poc", EPSS at or above EPSSThreshold, or stated affected by
// the manufacturer's VEX — that VEX does not state not_affected or fixed.
func Blocking(fd *match.Finding) (bool, string) {
	if fd.Suppressed {
		return false, ""
	}
	switch {
	case fd.KEV:
		return true, "listed in CISA KEV (actively exploited)"
	case fd.Exploitation == "active":
		return true, "SSVC exploitation: active"
	case fd.Exploitation == "poc":
		return true, "SSVC exploitation: public proof of concept"
	case fd.EPSS != nil && fd.EPSS.Score >= EPSSThreshold:
		return true, fmt.Sprintf("EPSS %.1f %% (at or above %.0f %%)", fd.EPSS.Score*100, EPSSThreshold*100)
	}
	for _, st := range fd.VEX {
		if st.Status == vex.StatusAffected {
			return true, "stated affected by VEX (" + st.Source + ")"
		}
	}
	return false, ""
}

// evalScan decides CRA-I.2.a from the scan: a known exploitable
// vulnerability (Blocking) makes it not met; any other open known
// vulnerability without a VEX decision leaves it undecided — it is never
// met while one is open. Findings that are one vulnerability on one
// component (aliases) count once.
func evalScan(f *Facts) []Outcome {
	if f.Scan == nil {
		return []Outcome{outcome("", "", "scan the SBOM against an advisory database to show there are no known exploitable vulnerabilities", idCRANoVulns)}
	}
	// a vulnerability (alias group on one component) blocks if any of
	// its findings does; it is listed once, under its first finding
	keys := make([]string, len(f.Scan.Findings))
	why := map[string]string{}
	for i := range f.Scan.Findings {
		fd := &f.Scan.Findings[i]
		if fd.Suppressed {
			continue
		}
		keys[i] = match.GroupKey(fd)
		if ok, w := Blocking(fd); ok && why[keys[i]] == "" {
			why[keys[i]] = w
		}
	}
	var hits, open []string
	seen := map[string]bool{}
	for i := range f.Scan.Findings {
		fd := &f.Scan.Findings[i]
		if fd.Suppressed || seen[keys[i]] {
			continue
		}
		seen[keys[i]] = true
		name := fmt.Sprintf("%s in %s %s", fd.Advisory.ID, fd.Component.Name, fd.Component.Version)
		if w := why[keys[i]]; w != "" {
			hits = append(hits, name+" ("+w+")")
		} else {
			open = append(open, name)
		}
	}
	s := f.Scan.Summary
	checked := fmt.Sprintf("%d components: %d affected, %d not affected, %d no data, %d unmatchable", s.Components, s.Affected, s.NotAffected, s.NoData, s.Unmatchable)
	switch {
	case len(hits) > 0:
		return []Outcome{outcome(NotMet, fmt.Sprintf("%d exploitable known vulnerabilit%s: %s", len(hits), plural(len(hits), "y", "ies"), listSome(hits)),
			"update the affected components, or state in a VEX document why the product is not affected", idCRANoVulns)}
	case len(open) > 0:
		// never met while one is open, whatever the evidence says (issue 9)
		o := outcome("", fmt.Sprintf("%d open known vulnerabilit%s without a VEX decision (%s): it is not met while they are open, whatever the evidence says (scan of %s)",
			len(open), plural(len(open), "y", "ies"), listSome(open), checked),
			"assess exploitability or publish VEX for each open vulnerability, or update the components", idCRANoVulns)
		o.Hold = true
		return []Outcome{o}
	case s.NoData+s.Unmatchable > 0:
		// Nothing matched, but part of the firmware was matched against
		// nothing: absence of data is not absence of vulnerabilities.
		return []Outcome{outcome("", "", fmt.Sprintf("no open known vulnerability in the components the advisory data covers, but %d of %d components were checked against nothing (scan of %s): give a vulnerability analysis of those components as evidence, or VEX",
			s.NoData+s.Unmatchable, s.Components, checked), idCRANoVulns)}
	}
	return []Outcome{outcome(Met, fmt.Sprintf("scan of %s: no open known vulnerability (%d findings, all suppressed by VEX)", checked, len(f.Scan.Findings)), "", idCRANoVulns)}
}

// listSome joins up to ten items and says how many more there are.
func listSome(items []string) string {
	if len(items) <= 10 {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:10], "; ") + fmt.Sprintf("; and %d more", len(items)-10)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// evalFCCDeclarations reads the declarations of 47 CFR §8.208(c), (d),
// (f), (g), the US agent of §8.208(i) and the §8.215 records.
func evalFCCDeclarations(f *Facts) []Outcome {
	d := f.Dossier.FCCDeclarations
	decl := []struct {
		id, field, text string
		v               *bool
	}{
		{"FCC-8.208c.1", "meetsRequirements", "the product meets all the requirements of the IoT Labeling Program", d.MeetsRequirements},
		{"FCC-8.208c.2", "notCoveredList", "the applicant is not identified on the Covered List as producing covered communications equipment", d.NotCoveredList},
		{"FCC-8.208c.3", "noCoveredEquipment", "the product is not comprised of covered equipment on the Covered List", d.NoCoveredEquipment},
		{"FCC-8.208c.4", "notProhibitedEntity", "the product is not produced by an entity, its affiliates or subsidiaries on the Commerce Entity List or the DoD 1260H list", d.NotProhibitedEntity},
		{"FCC-8.208c.5", "notDebarred", "the product is not owned, controlled by or affiliated with anyone suspended or debarred from federal procurements or financial awards", d.NotDebarred},
		{"FCC-8.208c.6", "securableProduct", "the applicant has taken every reasonable measure to create a securable product", d.SecurableProduct},
		{"FCC-8.208c.7", "fixUntilSupportEnd", "until the registry's support end date, critical vulnerabilities are identified and promptly fixed", d.FixUntilSupportEnd},
		{"FCC-8.208c.8", "noDisclaimer", "the applicant will not disclaim or limit the enforceability of these declarations", d.NoDisclaimer},
		{"FCC-8.208d", "statementsTrue", "all statements in the application are true and correct (written, signed)", d.StatementsTrue},
		{"FCC-8.208f", "reasonablySecure", "the product is reasonably secure and updated through the minimum support period, whose end date is disclosed", d.ReasonablySecure},
		{"FCC-8.208g", "notProhibited", "the product is not prohibited under §8.204", d.NotProhibited},
		{"FCC-8.215", "recordsKept", "design and changes, production inspection and testing, and test results are kept for 2 years after marketing ends", d.RecordsKept},
	}
	var out []Outcome
	for _, x := range decl {
		switch {
		case isTrue(x.v):
			out = append(out, outcome(Met, "declared: "+x.text, "", x.id))
		case isFalse(x.v):
			out = append(out, outcome(NotMet, "the applicant cannot declare that "+x.text+" (fccDeclarations."+x.field+": false)",
				"the product cannot carry the Cyber Trust Mark unless this can be declared", x.id))
		default:
			out = append(out, outcome("", "", "state fccDeclarations."+x.field, x.id))
		}
	}
	switch a := d.USAgent; {
	case a == nil || a.Address == nil || a.Email == "":
		out = append(out, outcome("", "", "state fccDeclarations.usAgent with its physical US address and email (§8.208(i))", "FCC-8.208i"))
	case !isTrue(d.AgentAttestation):
		out = append(out, outcome("", "", "state fccDeclarations.agentAttestation: the attestation signed by the applicant and "+a.Name+" (§8.208(i)(1))", "FCC-8.208i"))
	default:
		out = append(out, outcome(Met, "US agent for service of process: "+a.Name+", "+a.Email+", with the signed attestation", "", "FCC-8.208i"))
	}
	return out
}

// fact is one dossier field a check needs, by path, with its value ("" =
// not stated).
type fact struct{ path, value string }

// infoCheck builds a check for information the regimes ask to publish: it
// is met when every listed field is stated, and undecided (naming the
// missing fields) otherwise. A missing fact never makes a requirement not
// met.
func infoCheck(name, title string, ids []string, get func(*dossier.Dossier) []fact) Check {
	return Check{Name: name, Title: title, Decides: ids, Eval: func(f *Facts) []Outcome {
		var missing, stated []string
		for _, x := range get(f.Dossier) {
			if strings.TrimSpace(x.value) == "" {
				missing = append(missing, x.path)
			} else {
				stated = append(stated, x.path+": "+x.value)
			}
		}
		if len(missing) > 0 {
			return []Outcome{outcome("", "", "state "+strings.Join(missing, " and "), ids...)}
		}
		return []Outcome{outcome(Met, strings.Join(stated, "; "), "", ids...)}
	}}
}

func dateString(d *dossier.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// evalUpdatePolicy decides the update-distribution duties of CRA Part II
// and the update part of I.2.c.
func evalUpdatePolicy(f *Facts) []Outcome {
	u, v := f.Dossier.Updates, f.Dossier.VulnerabilityHandling
	var out []Outcome
	switch {
	case isFalse(u.FreeOfCharge):
		out = append(out, outcome(NotMet, "security updates are not free of charge (updates.freeOfCharge: false)",
			"provide security updates free of charge for the support period", "CRA-II.8"))
	case isTrue(u.FreeOfCharge) && v.Advisories != "":
		out = append(out, outcome(Met, "security updates are free of charge and announced with advisories at "+v.Advisories, "", "CRA-II.8"))
	default:
		out = append(out, outcome("", "", "state updates.freeOfCharge and vulnerabilityHandling.advisories", "CRA-II.8"))
	}
	// II.7 asks for secure, timely distribution, automatic where
	// applicable: with manual updates a document has to argue why
	// automatic ones do not apply.
	if isTrue(u.Signed) && isTrue(u.Automatic) && v.UpdateDistribution != "" && u.Mechanism != "" && u.Mechanism != "none" {
		out = append(out, outcome(Met, "signed, automatic security updates distributed by: "+v.UpdateDistribution, "", "CRA-II.7"))
	} else {
		out = append(out, outcome("", "", "state vulnerabilityHandling.updateDistribution, updates.signed and updates.automatic (or give a document on why automatic updates do not apply)", "CRA-II.7"))
	}
	if u.Mechanism != "" && u.Mechanism != "none" && isTrue(u.Signed) && isTrue(u.Automatic) && isTrue(u.OptOut) && isTrue(u.Notification) && isTrue(u.Postpone) {
		out = append(out, outcome(Met, "signed "+u.Mechanism+" security updates, automatic by default with opt-out, notification and postponement", "", "CRA-I.2.c"))
	} else if u.Mechanism != "none" {
		out = append(out, outcome("", "", "state updates.signed, automatic, optOut, notification and postpone", "CRA-I.2.c"))
	}
	return out
}

// evalDoC decides the Annex V content of the EU declaration of conformity
// that "dualmark docs" drafts from the dossier: the facts must be there and
// someone must sign it.
func evalDoC(f *Facts) []Outcome {
	d := f.Dossier
	c := d.Conformity
	var out []Outcome
	if c.Signatory == nil || c.Place == "" || c.Date == nil {
		return []Outcome{outcome("", "", "state conformity.signatory, conformity.place and conformity.date so the declaration can be signed",
			"CRA-AV.1", "CRA-AV.2", "CRA-AV.3", "CRA-AV.4", "CRA-AV.5", "CRA-AV.6", "CRA-AV.7", "CRA-AV.8")}
	}
	signed := fmt.Sprintf("signed by %s in %s on %s", c.Signatory.Name, c.Place, c.Date)
	out = append(out, outcome(Met, "the declaration of conformity dualmark drafts from the dossier carries the sole-responsibility and conformity statements, "+signed, "",
		"CRA-AV.3", "CRA-AV.5", "CRA-AV.8"))
	if len(d.Product.Identifiers) > 0 {
		out = append(out, outcome(Met, "the declaration identifies "+d.Product.Name+" "+d.Product.Model+" by its unique identifiers", "", "CRA-AV.1", "CRA-AV.4"))
	}
	if d.Manufacturer.Address != nil {
		out = append(out, outcome(Met, "the declaration names "+d.Manufacturer.Name+" and its postal address", "", "CRA-AV.2"))
	}
	if len(c.Standards) > 0 {
		out = append(out, outcome(Met, "standards applied: "+strings.Join(c.StandardRefs(), "; "), "", "CRA-AV.6"))
	}
	switch {
	case c.NotifiedBody != nil && c.NotifiedBody.Number != "":
		out = append(out, outcome(Met, "notified body "+c.NotifiedBody.Name+" ("+c.NotifiedBody.Number+")", "", "CRA-AV.7"))
	case c.Module == "A":
		out = append(out, outcome(NotApplicable, "module A (internal control) involves no notified body", "", "CRA-AV.7"))
	case c.Module != "":
		out = append(out, outcome("", "", "state conformity.notifiedBody (name, number, certificate) for module "+c.Module, "CRA-AV.7"))
	}
	return out
}
