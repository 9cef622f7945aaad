package assess

import (
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
)

// Check is one automated check over the facts of a product. It declares
// every requirement ID it can decide; Eval returns outcomes only for IDs of
// that list (a test holds every check to it).
type Check struct {
	// Name is the stable name shown as "check:<name>" in evidence lists.
	Name string
	// Title says in a few words what is checked.
	Title string
	// Decides lists every requirement ID the check can decide.
	Decides []string
	// Eval inspects the facts. An empty result means the facts say nothing
	// yet; outcomes with Status "" carry only a hint (Next) for the listed IDs.
	Eval func(f *Facts) []Outcome
	// PropagateFail makes a not-met outcome count for the counterparts that
	// the crosswalk says ask at least as much (equivalent, or From subset of
	// To). Only checks whose failure is a hard fact (the scan) set it.
	PropagateFail bool
}

// Outcome is what a check concludes for some requirements.
type Outcome struct {
	IDs    []string
	Status string // Met, NotMet, NotApplicable, or "" (undecided: only Next)
	Reason string
	// Next says what to do: for an undecided outcome which fact to state,
	// for not-met how to fix it.
	Next string
	// Applies, on an undecided outcome, says the facts show a conditional
	// requirement's condition holds (an actively exploited vulnerability
	// triggers CRA Art. 14(1)): the requirement then takes part in the
	// verdict although nothing settles it yet.
	Applies bool
	// Hold, on an undecided outcome, says the facts keep the requirement
	// from being met whatever evidence says (an open known vulnerability
	// without a VEX decision keeps CRA-I.2.a unknown, never met): Reason
	// then says why and comes first.
	Hold bool
}

// Facts are the inputs the checks look at.
type Facts struct {
	Dossier *dossier.Dossier
	// SBOM is nil when no SBOM was read.
	SBOM *SBOMSummary
	// Scan is nil when the SBOM was not scanned.
	Scan *match.Result
	// On is the assessment date (the support period is judged per unit
	// placed on the market up to it).
	On time.Time
	// CBOM is the CBOM the dossier names, read once by Evaluate; nil when
	// the dossier names none (checks given hand-made Facts read it
	// themselves).
	CBOM *cbomFile
}

// outcome builds an Outcome.
func outcome(status, reason, next string, ids ...string) Outcome {
	return Outcome{IDs: ids, Status: status, Reason: reason, Next: next}
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// Requirement IDs used by several checks.
const (
	idCRASupport    = "CRA-13.8"
	idCRANoVulns    = "CRA-I.2.a"
	idCRASBOM       = "CRA-II.1"
	idCRACVD        = "CRA-II.5"
	idENCVD         = "EN303645-5.2-1"
	idNISTContact   = "NISTIR8425-8.1a"
	idENUniquePwd   = "EN303645-5.1-1"
	idCRAAccess     = "CRA-I.2.d"
	idNISTInterface = "NISTIR8425-4a"
)

// Checks is the table of automated checks, in evaluation order. Each entry
// has a test that makes it pass and one that makes it fail (checks_test.go).
var Checks = []Check{
	{
		Name:    "default-password",
		Title:   "No universal default password",
		Decides: []string{idENUniquePwd, idCRAAccess, "CRA-I.2.b", idNISTInterface, "NISTIR8425-4a.ii"},
		Eval: func(f *Facts) []Outcome {
			switch p := f.Dossier.Authentication.DefaultPassword; p {
			case "universal":
				return []Outcome{outcome(NotMet, "every unit ships with the same default password (authentication.defaultPassword: universal)",
					"give each unit a unique password, or make the user set one at setup", idENUniquePwd, idCRAAccess, "CRA-I.2.b", idNISTInterface, "NISTIR8425-4a.ii")}
			case "unique-per-device", "user-set-at-setup":
				return []Outcome{outcome(Met, fmt.Sprintf("default password policy is %s (authentication.defaultPassword)", p), "", idENUniquePwd)}
			case "none":
				return []Outcome{outcome(NotApplicable, "the product has no password-based login (authentication.defaultPassword: none)", "", idENUniquePwd)}
			}
			return []Outcome{outcome("", "", "state authentication.defaultPassword (none, unique-per-device, user-set-at-setup or universal)", idENUniquePwd)}
		},
	},
	{
		Name:    "brute-force",
		Title:   "Brute-force protection on network authentication",
		Decides: []string{"EN303645-5.1-5"},
		Eval: func(f *Facts) []Outcome {
			a := f.Dossier.Authentication
			switch {
			case isTrue(a.BruteForceProtection):
				return []Outcome{outcome(Met, "brute-force protection: "+orDefault(a.BruteForceMeasure, "stated in authentication.bruteForceProtection"), "", "EN303645-5.1-5")}
			case isFalse(a.BruteForceProtection):
				return []Outcome{outcome(NotMet, "the dossier says network authentication has no brute-force protection",
					"rate-limit or back off failed logins over the network", "EN303645-5.1-5")}
			case a.DefaultPassword == "none":
				return []Outcome{outcome(NotApplicable, "no password-based login (authentication.defaultPassword: none) and no brute-force protection stated", "", "EN303645-5.1-5")}
			}
			return []Outcome{outcome("", "", "state authentication.bruteForceProtection", "EN303645-5.1-5")}
		},
	},
	{
		Name:    "password-change",
		Title:   "Users can change the authentication value",
		Decides: []string{"EN303645-5.1-4", "FCC-REG-6"},
		Eval: func(f *Facts) []Outcome {
			a := f.Dossier.Authentication
			switch {
			case a.PasswordChange != "":
				return []Outcome{outcome(Met, "how to change the password: "+a.PasswordChange, "", "EN303645-5.1-4", "FCC-REG-6")}
			case a.DefaultPassword == "none":
				return []Outcome{outcome(NotApplicable, "no password-based login (authentication.defaultPassword: none)", "", "EN303645-5.1-4")}
			}
			return []Outcome{outcome("", "", "state authentication.passwordChange (how users change the password, or why they cannot)", "EN303645-5.1-4", "FCC-REG-6")}
		},
	},
	{
		Name:    "support-period",
		Title:   "Support period of at least 5 years, or the justified shorter expected use (CRA Art. 13(8))",
		Decides: []string{idCRASupport},
		Eval:    evalSupportPeriod,
	},
	{
		Name:    "support-end-published",
		Title:   "Support end date defined and shown at purchase",
		Decides: []string{"EN303645-5.3-13", "FCC-REG-9", "NISTIR8425-10.1e"},
		Eval: func(f *Facts) []Outcome {
			sp := f.Dossier.SupportPeriod
			if sp.End == nil {
				return []Outcome{outcome("", "", "state supportPeriod.end", "EN303645-5.3-13", "FCC-REG-9", "NISTIR8425-10.1e")}
			}
			out := []Outcome{outcome(Met, "support ends on "+sp.End.String()+" (supportPeriod.end)", "", "FCC-REG-9")}
			switch {
			case isTrue(sp.DisclosedAtPurchase):
				out = append(out, outcome(Met, "the support end date "+sp.End.String()+" is published and shown at purchase", "", "EN303645-5.3-13", "NISTIR8425-10.1e"))
			case isFalse(sp.DisclosedAtPurchase):
				// EN 303 645 asks only that the period be published; NIST's
				// purchase-decision information is about the point of sale.
				out = append(out, outcome(NotMet, "the support end date is not shown to buyers (supportPeriod.disclosedAtPurchase: false)",
					"show the support end date where the product is sold", "NISTIR8425-10.1e"),
					outcome("", "", "give evidence of where the support period is published (it is not shown at purchase)", "EN303645-5.3-13"))
			default:
				out = append(out, outcome("", "", "state supportPeriod.disclosedAtPurchase", "EN303645-5.3-13", "NISTIR8425-10.1e"))
			}
			return out
		},
	},
	{
		Name:    "disclosure-policy",
		Title:   "Public coordinated vulnerability disclosure policy",
		Decides: []string{idCRACVD, idENCVD, idNISTContact},
		Eval: func(f *Facts) []Outcome {
			v := f.Dossier.VulnerabilityHandling
			if v.DisclosurePolicy == "" {
				return []Outcome{outcome(NotMet, "the dossier names no vulnerability disclosure policy (vulnerabilityHandling.disclosurePolicy)",
					"publish a coordinated vulnerability disclosure policy and give its URL", idCRACVD, idENCVD, idNISTContact)}
			}
			// A published policy meets EN 303 645 5.2-1; CRA II.5 asks to put
			// the policy in place and enforce it, which a URL does not show.
			return []Outcome{outcome(Met, "disclosure policy published at "+v.DisclosurePolicy, "", idENCVD),
				outcome("", "", "a published policy ("+v.DisclosurePolicy+") does not show that it is put in place and enforced: add evidence (process records, the policy document) for CRA-II.5", idCRACVD)}
		},
	},
	{
		Name:    "vulnerability-contact",
		Title:   "Single point of contact for vulnerability reports",
		Decides: []string{"CRA-II.6", "CRA-AII.2", idNISTContact},
		Eval: func(f *Facts) []Outcome {
			v := f.Dossier.VulnerabilityHandling
			switch {
			case v.Contact == "":
				return []Outcome{outcome(NotMet, "the dossier names no contact for vulnerability reports (vulnerabilityHandling.contact)",
					"give an email address or URL where vulnerabilities can be reported", "CRA-II.6", "CRA-AII.2", idNISTContact)}
			case v.DisclosurePolicy == "":
				return []Outcome{outcome(Met, "vulnerability reports go to "+v.Contact, "", "CRA-II.6")}
			}
			return []Outcome{outcome(Met, "vulnerability reports go to "+v.Contact+"; policy at "+v.DisclosurePolicy, "", "CRA-II.6", "CRA-AII.2", idNISTContact)}
		},
	},
	{
		Name:    "update-mechanism",
		Title:   "Secure, signed software updates",
		Decides: []string{"CRA-I.2.c", "CRA-II.7", "EN303645-5.3-1", "EN303645-5.3-2", "EN303645-5.3-7", "EN303645-5.3-9", "EN303645-5.3-10", "NISTIR8425-5a"},
		Eval: func(f *Facts) []Outcome {
			u := f.Dossier.Updates
			all := []string{"CRA-I.2.c", "CRA-II.7", "EN303645-5.3-1", "EN303645-5.3-2", "EN303645-5.3-7", "EN303645-5.3-9", "EN303645-5.3-10", "NISTIR8425-5a"}
			switch {
			case u.Mechanism == "none":
				return []Outcome{outcome(NotMet, "the product cannot be updated (updates.mechanism: none)",
					"add a secure update mechanism so vulnerabilities can be fixed", all...)}
			case isFalse(u.Signed):
				return []Outcome{outcome(NotMet, "updates are not signed and verified by the device (updates.signed: false)",
					"sign updates and verify the signature on the device before installing",
					"CRA-II.7", "EN303645-5.3-2", "EN303645-5.3-7", "EN303645-5.3-9", "EN303645-5.3-10", "NISTIR8425-5a")}
			case u.Mechanism != "" && isTrue(u.Signed):
				alg := orDefault(u.SignatureAlgorithm, "a signature")
				return []Outcome{outcome(Met, fmt.Sprintf("%s updates, verified by the device with %s", u.Mechanism, alg), "",
					"EN303645-5.3-1", "EN303645-5.3-2", "EN303645-5.3-9", "EN303645-5.3-10", "NISTIR8425-5a")}
			}
			return []Outcome{outcome("", "", "state updates.mechanism and updates.signed", all...)}
		},
	},
	{
		Name:    "automatic-updates",
		Title:   "Automatic security updates on by default, with opt-out, notification and postponement",
		Decides: []string{"EN303645-5.3-4", "EN303645-5.3-6", "NISTIR8425-5b"},
		Eval: func(f *Facts) []Outcome {
			u := f.Dossier.Updates
			switch {
			case isFalse(u.Automatic) && isFalse(u.Notification):
				return []Outcome{outcome(NotMet, "updates are neither automatic nor announced to the user",
					"install security updates automatically by default, or at least notify users", "EN303645-5.3-4", "NISTIR8425-5b")}
			case isTrue(u.Automatic) && isTrue(u.OptOut) && isTrue(u.Notification):
				return []Outcome{outcome(Met, "security updates install automatically by default; users can opt out and are notified", "",
					"EN303645-5.3-4", "EN303645-5.3-6", "NISTIR8425-5b")}
			case isTrue(u.Automatic) || isTrue(u.Notification):
				return []Outcome{outcome(Met, "updates are automatic or announced to the user", "", "NISTIR8425-5b")}
			}
			return []Outcome{outcome("", "", "state updates.automatic, updates.optOut and updates.notification", "EN303645-5.3-4", "EN303645-5.3-6", "NISTIR8425-5b")}
		},
	},
	{
		Name:    "hard-coded-secrets",
		Title:   "No hard-coded critical security parameters",
		Decides: []string{"EN303645-5.4-3"},
		Eval: boolFact(func(d *dossier.Dossier) *bool { return negate(d.Cryptography.HardCodedSecrets) },
			"no critical security parameters are hard-coded (cryptography.hardCodedSecrets: false)",
			"critical security parameters are hard-coded in the software (cryptography.hardCodedSecrets: true)",
			"remove hard-coded keys and credentials; provision them per device", "cryptography.hardCodedSecrets", "EN303645-5.4-3"),
	},
	{
		Name:    "unique-device-keys",
		Title:   "Device credentials unique per device",
		Decides: []string{"EN303645-5.4-4"},
		Eval: boolFact(func(d *dossier.Dossier) *bool { return d.Cryptography.UniqueDeviceKeys },
			"device keys and credentials are unique per device (cryptography.uniqueDeviceKeys)",
			"devices share keys or credentials (cryptography.uniqueDeviceKeys: false)",
			"provision unique keys per device", "cryptography.uniqueDeviceKeys", "EN303645-5.4-4"),
	},
	{
		Name:    "debug-ports",
		Title:   "Physically accessible debug interfaces disabled",
		Decides: []string{"EN303645-5.6-4", "CRA-I.2.j"},
		Eval:    evalDebugPorts,
	},
	{
		Name:    "network-services",
		Title:   "Exposed network services authenticated and encrypted",
		Decides: []string{"CRA-I.2.e", "EN303645-5.5-1", "NISTIR8425-3c", "CRA-I.2.j"},
		Eval:    evalNetworkServices,
	},
	{
		Name:    "factory-reset",
		Title:   "User data can be erased from the device",
		Decides: []string{"EN303645-5.11-1", "CRA-I.2.m", "NISTIR8425-3b"},
		Eval: boolFact(func(d *dossier.Dossier) *bool { return d.Data.Deletion.FactoryReset },
			"a factory reset erases all user data and settings (data.deletion.factoryReset)",
			"users cannot erase their data from the device (data.deletion.factoryReset: false)",
			"add a factory reset that erases all user data and settings", "data.deletion.factoryReset",
			"EN303645-5.11-1", "CRA-I.2.m", "NISTIR8425-3b"),
	},
	{
		Name:    "security-logging",
		Title:   "Security-relevant events are recorded",
		Decides: []string{"CRA-I.2.l", "NISTIR8425-6a"},
		Eval:    evalLogging,
	},
	{
		Name:    "sbom-quality",
		Title:   "SBOM in a machine-readable format that passes the quality profile",
		Decides: []string{idCRASBOM, "FCC-REG-10", "NISTIR8425-7.1b"},
		Eval:    evalSBOM,
	},
	{
		Name:          "known-vulnerabilities",
		Title:         "No known exploitable vulnerability (scan with VEX)",
		Decides:       []string{idCRANoVulns},
		Eval:          evalScan,
		PropagateFail: true,
	},
	{
		Name:    "art14-trigger",
		Title:   "An actively exploited vulnerability in the product triggers the CRA Art. 14(1) reports",
		Decides: art14VulnReports,
		Eval:    evalArt14Trigger,
	},
	{
		Name:    "manufacturer-information",
		Title:   "Manufacturer name, postal address and contact",
		Decides: []string{"CRA-AII.1", "FCC-REG-2"},
		Eval: func(f *Facts) []Outcome {
			m := f.Dossier.Manufacturer
			out := []Outcome{outcome(Met, "manufacturer: "+m.Name, "", "FCC-REG-2")}
			if missing := missingFields(map[string]bool{"manufacturer.address": m.Address != nil, "manufacturer.email": m.Email != ""}); missing != "" {
				return append(out, outcome("", "", "state "+missing, "CRA-AII.1"))
			}
			return append(out, outcome(Met, "manufacturer name, postal address and email are stated", "", "CRA-AII.1"))
		},
	},
	{
		Name:    "product-identification",
		Title:   "Product name, type and unique identification",
		Decides: []string{"CRA-AII.3", "FCC-REG-1", "NISTIR8425-1a", "EN303645-5.3-16"},
		Eval: func(f *Facts) []Outcome {
			p := f.Dossier.Product
			out := []Outcome{outcome(Met, "product name "+p.Name+", model "+p.Model, "", "FCC-REG-1", "EN303645-5.3-16")}
			if missing := missingFields(map[string]bool{"product.type": p.Type != "", "product.identifiers": len(p.Identifiers) > 0}); missing != "" {
				return append(out, outcome("", "", "state "+missing, "CRA-AII.3", "NISTIR8425-1a"))
			}
			return append(out, outcome(Met, fmt.Sprintf("%s %s (%s) with %d unique identifier(s)", p.Name, p.Model, p.Type, len(p.Identifiers)), "", "CRA-AII.3", "NISTIR8425-1a"))
		},
	},
	infoCheck("secure-setup-information", "Secure configuration guidance published", []string{"FCC-REG-7", "CRA-AII.8.a", "EN303645-5.12-2"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"userInformation.secureSetup", d.UserInformation.SecureSetup}}
		}),
	infoCheck("update-instructions", "How to get and install updates", []string{"FCC-REG-8", "CRA-AII.8.c"},
		func(d *dossier.Dossier) []fact { return []fact{{"updates.instructions", d.Updates.Instructions}} }),
	infoCheck("deletion-instructions", "How to remove user data and decommission securely", []string{"CRA-AII.8.d", "EN303645-5.11-3", "NISTIR8425-10.1c"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"data.deletion.instructions", d.Data.Deletion.Instructions}}
		}),
	infoCheck("intended-purpose", "Intended purpose, security environment, essential functions and security properties", []string{"CRA-AII.4"},
		func(d *dossier.Dossier) []fact {
			p := d.Product
			return []fact{{"product.intendedPurpose", p.IntendedPurpose}, {"product.useEnvironment", p.UseEnvironment},
				{"product.essentialFunctions", strings.Join(p.EssentialFunctions, "; ")}, {"product.securityProperties", strings.Join(p.SecurityProperties, "; ")}}
		}),
	infoCheck("foreseeable-misuse", "Known or foreseeable circumstances leading to significant risk", []string{"CRA-AII.5"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"product.foreseeableMisuse", strings.Join(d.Product.ForeseeableMisuse, "; ")}}
		}),
	infoCheck("declaration-url", "Where the EU declaration of conformity is published", []string{"CRA-AII.6"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"conformity.declarationURL", d.Conformity.DeclarationURL}}
		}),
	infoCheck("support-information", "Type of security support and the support end date", []string{"CRA-AII.7"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"userInformation.supportType", d.UserInformation.SupportType}, {"supportPeriod.end", dateString(d.SupportPeriod.End)}}
		}),
	infoCheck("changes-effect", "How changes to the product affect the security of data", []string{"CRA-AII.8.b"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"userInformation.changesEffect", d.UserInformation.ChangesEffect}}
		}),
	infoCheck("disable-auto-update", "How to turn off automatic security updates", []string{"CRA-AII.8.e"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"userInformation.disableAutoUpdate", d.UserInformation.DisableAutoUpdate}}
		}),
	infoCheck("integrator-information", "Information for integrators", []string{"CRA-AII.8.f"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"userInformation.integratorInfo", d.UserInformation.IntegratorInfo}}
		}),
	infoCheck("label-authorisation", "Cyber Trust Mark authorisation date and status", []string{"FCC-REG-3"},
		func(d *dossier.Dossier) []fact {
			return []fact{{"usLabel.authorizationDate", dateString(d.USLabel.AuthorizationDate)}, {"usLabel.status", d.USLabel.Status}}
		}),
	infoCheck("label-administrator", "Authorising Cybersecurity Label Administrator", []string{"FCC-REG-4"},
		func(d *dossier.Dossier) []fact {
			name := ""
			if d.USLabel.CLA != nil {
				name = d.USLabel.CLA.Name
			}
			return []fact{{"usLabel.cla.name", name}}
		}),
	infoCheck("testing-lab", "Testing laboratory (CyberLAB)", []string{"FCC-REG-5"},
		func(d *dossier.Dossier) []fact { return []fact{{"usLabel.cyberLab", d.USLabel.CyberLab}} }),
	{
		Name:    "sbom-availability",
		Title:   "Where users can get the SBOM",
		Decides: []string{"CRA-AII.9"},
		Eval: func(f *Facts) []Outcome {
			s := f.Dossier.SBOM
			switch {
			case s != nil && isTrue(s.Available) && (s.URL != "" || s.Path != ""):
				return []Outcome{outcome(Met, "the SBOM is made available at "+orDefault(s.URL, s.Path), "", "CRA-AII.9")}
			case s == nil || isFalse(s.Available):
				return []Outcome{outcome(NotApplicable, "the manufacturer does not make the SBOM available to users (sbom.available)", "", "CRA-AII.9")}
			}
			return []Outcome{outcome("", "", "state sbom.available and sbom.url", "CRA-AII.9")}
		},
	},
	{
		Name:    "update-policy",
		Title:   "Security updates free of charge, distributed securely, with advisories",
		Decides: []string{"CRA-II.7", "CRA-II.8", "CRA-I.2.c"},
		Eval:    evalUpdatePolicy,
	},
	{
		Name:    "support-end-notice",
		Title:   "Support end date shown at purchase, end-of-support notice",
		Decides: []string{"CRA-13.19", "NISTIR8425-9.1b"},
		Eval: func(f *Facts) []Outcome {
			sp := f.Dossier.SupportPeriod
			switch {
			case sp.End != nil && isTrue(sp.DisclosedAtPurchase) && isTrue(sp.EndOfSupportNotice):
				return []Outcome{outcome(Met, "the support end date "+sp.End.String()+" is shown at purchase and users are told when support ends", "", "CRA-13.19", "NISTIR8425-9.1b")}
			case isFalse(sp.DisclosedAtPurchase):
				return []Outcome{outcome(NotMet, "the support end date is not shown at purchase (supportPeriod.disclosedAtPurchase: false)",
					"show the support end date (at least month and year) where the product is sold", "CRA-13.19")}
			}
			return []Outcome{outcome("", "", "state supportPeriod.end, disclosedAtPurchase and endOfSupportNotice", "CRA-13.19", "NISTIR8425-9.1b")}
		},
	},
	{
		Name:    "data-encryption",
		Title:   "Stored and transmitted data encrypted",
		Decides: []string{"CRA-I.2.e", "NISTIR8425-3a", "NISTIR8425-3c"},
		Eval: func(f *Facts) []Outcome {
			c := f.Dossier.Cryptography
			switch {
			case isFalse(c.EncryptionInTransit):
				return []Outcome{outcome(NotMet, "sensitive data travels unencrypted (cryptography.encryptionInTransit: false)",
					"encrypt all network traffic that carries sensitive data", "CRA-I.2.e", "NISTIR8425-3c")}
			case isTrue(c.EncryptionAtRest) && isTrue(c.EncryptionInTransit):
				return []Outcome{outcome(Met, "sensitive data is encrypted at rest and in transit ("+orDefault(strings.Join(c.Protocols, ", "), "protocols not listed")+")", "",
					"CRA-I.2.e", "NISTIR8425-3a", "NISTIR8425-3c")}
			}
			return []Outcome{outcome("", "", "state cryptography.encryptionAtRest and encryptionInTransit", "CRA-I.2.e", "NISTIR8425-3a", "NISTIR8425-3c")}
		},
	},
	{
		Name:    "declaration-of-conformity",
		Title:   "EU declaration of conformity facts (Annex V)",
		Decides: []string{"CRA-AV.1", "CRA-AV.2", "CRA-AV.3", "CRA-AV.4", "CRA-AV.5", "CRA-AV.6", "CRA-AV.7", "CRA-AV.8"},
		Eval:    evalDoC,
	},
	{
		Name:    "privacy-information",
		Title:   "Transparent information on personal data processing",
		Decides: []string{"EN303645-6-1"},
		Eval: func(f *Facts) []Outcome {
			d := f.Dossier.Data
			switch {
			case isFalse(d.PersonalData):
				return []Outcome{outcome(NotApplicable, "the product processes no personal data (data.personalData: false)", "", "EN303645-6-1")}
			case d.PrivacyPolicy != "":
				return []Outcome{outcome(Met, "privacy notice at "+d.PrivacyPolicy, "", "EN303645-6-1")}
			case isTrue(d.PersonalData):
				return []Outcome{outcome(NotMet, "the product processes personal data but the dossier names no privacy notice (data.privacyPolicy)",
					"publish a privacy notice and give its URL", "EN303645-6-1")}
			}
			return []Outcome{outcome("", "", "state data.personalData and data.privacyPolicy", "EN303645-6-1")}
		},
	},
	{
		Name:  "fcc-declarations",
		Title: "FCC §8.208(c) applicant declarations",
		Decides: []string{"FCC-8.208c.1", "FCC-8.208c.2", "FCC-8.208c.3", "FCC-8.208c.4", "FCC-8.208c.5", "FCC-8.208c.6", "FCC-8.208c.7", "FCC-8.208c.8",
			"FCC-8.208d", "FCC-8.208f", "FCC-8.208g", "FCC-8.208i", "FCC-8.215"},
		Eval: evalFCCDeclarations,
	},
	PQCCheck,
}

// negate returns the negation of an optional boolean.
func negate(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := !*b
	return &v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// missingFields lists, sorted, the field paths whose value is false.
func missingFields(present map[string]bool) string {
	var miss []string
	for k, ok := range present {
		if !ok {
			miss = append(miss, k)
		}
	}
	sortStrings(miss)
	return strings.Join(miss, " and ")
}

// boolFact builds the Eval of a check that reads one optional boolean fact:
// true meets ids, false fails them, absent leaves them undecided.
func boolFact(get func(*dossier.Dossier) *bool, metReason, failReason, fix, field string, ids ...string) func(*Facts) []Outcome {
	return func(f *Facts) []Outcome {
		switch b := get(f.Dossier); {
		case isTrue(b):
			return []Outcome{outcome(Met, metReason, "", ids...)}
		case isFalse(b):
			return []Outcome{outcome(NotMet, failReason, fix, ids...)}
		}
		return []Outcome{outcome("", "", "state "+field, ids...)}
	}
}
