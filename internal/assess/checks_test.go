package assess

import (
	"slices"
	"testing"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
)

// checkCase runs one check on a changed good dossier and expects statuses
// for some IDs ("" = undecided: the check leaves the ID unknown).
type checkCase struct {
	check  string
	name   string
	change func(d *dossier.Dossier, f *Facts)
	want   map[string]string
}

func goodFacts() *Facts {
	return &Facts{
		Dossier: goodDossier(),
		SBOM:    &SBOMSummary{Format: "cyclonedx", SpecVersion: "1.6", Components: 3, Profile: "bsi-tr03183-2.1", Pass: true},
		Scan:    &match.Result{Findings: []match.Finding{{Severity: "high", Fixed: []string{"1.2"}}}, Summary: match.Summary{Components: 3}},
	}
}

var checkCases = []checkCase{
	{"default-password", "unique", nil, map[string]string{idENUniquePwd: Met}},
	{"default-password", "universal", func(d *dossier.Dossier, _ *Facts) { d.Authentication.DefaultPassword = "universal" },
		map[string]string{idENUniquePwd: NotMet, idCRAAccess: NotMet, "CRA-I.2.b": NotMet, idNISTInterface: NotMet, "NISTIR8425-4a.ii": NotMet}},
	{"default-password", "none", func(d *dossier.Dossier, _ *Facts) { d.Authentication.DefaultPassword = "none" }, map[string]string{idENUniquePwd: NotApplicable}},
	{"default-password", "unstated", func(d *dossier.Dossier, _ *Facts) { d.Authentication.DefaultPassword = "" }, map[string]string{idENUniquePwd: ""}},
	{"brute-force", "protected", nil, map[string]string{"EN303645-5.1-5": Met}},
	{"brute-force", "no password, nothing stated", func(d *dossier.Dossier, _ *Facts) {
		d.Authentication.DefaultPassword, d.Authentication.BruteForceProtection = "none", nil
	}, map[string]string{"EN303645-5.1-5": NotApplicable}},
	{"brute-force", "no password but pairing unprotected", func(d *dossier.Dossier, _ *Facts) {
		d.Authentication.DefaultPassword, d.Authentication.BruteForceProtection = "none", ptr(false)
	}, map[string]string{"EN303645-5.1-5": NotMet}},
	{"brute-force", "unprotected", func(d *dossier.Dossier, _ *Facts) { d.Authentication.BruteForceProtection = ptr(false) }, map[string]string{"EN303645-5.1-5": NotMet}},
	{"password-change", "stated", nil, map[string]string{"EN303645-5.1-4": Met, "FCC-REG-6": Met}},
	{"password-change", "unstated", func(d *dossier.Dossier, _ *Facts) { d.Authentication.PasswordChange = "" }, map[string]string{"EN303645-5.1-4": "", "FCC-REG-6": ""}},
	{"support-period", "5 years", nil, map[string]string{idCRASupport: Met}},
	{"support-period", "3 years unjustified", func(d *dossier.Dossier, _ *Facts) { d.SupportPeriod.End = dossier.NewDate(2029, 3, 1) }, map[string]string{idCRASupport: NotMet}},
	{"support-period", "3 years, expected use 5", func(d *dossier.Dossier, _ *Facts) {
		d.SupportPeriod.End = dossier.NewDate(2029, 3, 1)
		d.SupportPeriod.ExpectedUseYears = 5
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "3 years, expected use 3 without rationale", func(d *dossier.Dossier, _ *Facts) {
		d.SupportPeriod.End = dossier.NewDate(2029, 3, 1)
		d.SupportPeriod.ExpectedUseYears = 3
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "3 years, justified expected use 3", func(d *dossier.Dossier, _ *Facts) {
		d.SupportPeriod.End = dossier.NewDate(2029, 3, 1)
		d.SupportPeriod.ExpectedUseYears = 3
		d.SupportPeriod.Rationale = "disposable product, 3 years of use"
	}, map[string]string{idCRASupport: Met}},
	{"support-period", "2 years, justified expected use 3", func(d *dossier.Dossier, _ *Facts) {
		d.SupportPeriod.End = dossier.NewDate(2028, 3, 1)
		d.SupportPeriod.ExpectedUseYears = 3
		d.SupportPeriod.Rationale = "3 years of use"
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "end before start", func(d *dossier.Dossier, _ *Facts) { d.SupportPeriod.End = dossier.NewDate(2020, 1, 1) }, map[string]string{idCRASupport: NotMet}},
	{"support-period", "no dates", func(d *dossier.Dossier, _ *Facts) { d.SupportPeriod.Start = nil }, map[string]string{idCRASupport: ""}},
	{"support-end-published", "shown", nil, map[string]string{"EN303645-5.3-13": Met, "FCC-REG-9": Met, "NISTIR8425-10.1e": Met}},
	{"support-end-published", "hidden", func(d *dossier.Dossier, _ *Facts) { d.SupportPeriod.DisclosedAtPurchase = ptr(false) },
		map[string]string{"NISTIR8425-10.1e": NotMet, "EN303645-5.3-13": "", "FCC-REG-9": Met}},
	{"disclosure-policy", "published: EN 5.2-1 met, CRA Annex I Part II(5) needs put in place and enforced", nil, map[string]string{idCRACVD: "", idENCVD: Met}},
	{"disclosure-policy", "missing", func(d *dossier.Dossier, _ *Facts) { d.VulnerabilityHandling.DisclosurePolicy = "" },
		map[string]string{idCRACVD: NotMet, idENCVD: NotMet, idNISTContact: NotMet}},
	{"vulnerability-contact", "given", nil, map[string]string{"CRA-II.6": Met, "CRA-AII.2": Met, idNISTContact: Met}},
	{"vulnerability-contact", "missing", func(d *dossier.Dossier, _ *Facts) { d.VulnerabilityHandling.Contact = "" },
		map[string]string{"CRA-II.6": NotMet, "CRA-AII.2": NotMet, idNISTContact: NotMet}},
	{"update-mechanism", "signed ota", nil, map[string]string{"EN303645-5.3-2": Met, "EN303645-5.3-10": Met, "NISTIR8425-5a": Met}},
	{"update-mechanism", "no updates", func(d *dossier.Dossier, _ *Facts) { d.Updates.Mechanism = "none" },
		map[string]string{"CRA-I.2.c": NotMet, "EN303645-5.3-2": NotMet, "NISTIR8425-5a": NotMet}},
	{"update-mechanism", "unsigned", func(d *dossier.Dossier, _ *Facts) { d.Updates.Signed = ptr(false) },
		map[string]string{"EN303645-5.3-10": NotMet, "CRA-II.7": NotMet}},
	{"automatic-updates", "automatic", nil, map[string]string{"EN303645-5.3-4": Met, "EN303645-5.3-6": Met, "NISTIR8425-5b": Met}},
	{"automatic-updates", "manual and silent", func(d *dossier.Dossier, _ *Facts) {
		d.Updates.Automatic, d.Updates.Notification = ptr(false), ptr(false)
	}, map[string]string{"EN303645-5.3-4": NotMet, "NISTIR8425-5b": NotMet}},
	{"hard-coded-secrets", "none", nil, map[string]string{"EN303645-5.4-3": Met}},
	{"hard-coded-secrets", "present", func(d *dossier.Dossier, _ *Facts) { d.Cryptography.HardCodedSecrets = ptr(true) }, map[string]string{"EN303645-5.4-3": NotMet}},
	{"unique-device-keys", "unique", nil, map[string]string{"EN303645-5.4-4": Met}},
	{"unique-device-keys", "shared", func(d *dossier.Dossier, _ *Facts) { d.Cryptography.UniqueDeviceKeys = ptr(false) }, map[string]string{"EN303645-5.4-4": NotMet}},
	{"debug-ports", "fused", nil, map[string]string{"EN303645-5.6-4": Met}},
	{"debug-ports", "open UART", func(d *dossier.Dossier, _ *Facts) { d.Interfaces.Physical[0].State = "enabled" },
		map[string]string{"EN303645-5.6-4": NotMet, "CRA-I.2.j": NotMet}},
	{"debug-ports", "authenticated JTAG", func(d *dossier.Dossier, _ *Facts) { d.Interfaces.Physical[0].State = "authenticated" }, map[string]string{"EN303645-5.6-4": ""}},
	{"debug-ports", "no debug port", func(d *dossier.Dossier, _ *Facts) { d.Interfaces.Physical[0].Kind = "user" }, map[string]string{"EN303645-5.6-4": NotApplicable}},
	{"network-services", "encrypted", nil, map[string]string{"EN303645-5.5-1": Met, "NISTIR8425-3c": Met}},
	{"network-services", "plain telnet on the internet", func(d *dossier.Dossier, _ *Facts) {
		d.Interfaces.Network = append(d.Interfaces.Network, dossier.NetworkService{Port: 23, Protocol: "tcp", Service: "telnet", Exposure: "wan", Encrypted: ptr(false), Authenticated: ptr(false)})
	}, map[string]string{"CRA-I.2.e": NotMet, "EN303645-5.5-1": NotMet, "CRA-I.2.j": NotMet}},
	{"network-services", "plain HTTP redirect on the LAN", func(d *dossier.Dossier, _ *Facts) {
		d.Interfaces.Network = append(d.Interfaces.Network, dossier.NetworkService{Port: 80, Protocol: "tcp", Service: "http redirect", Exposure: "lan", Encrypted: ptr(false), Authenticated: ptr(false)})
	}, map[string]string{"EN303645-5.5-1": Met, "CRA-I.2.j": ""}},
	{"network-services", "telnet with a password on the LAN", func(d *dossier.Dossier, _ *Facts) {
		d.Interfaces.Network = append(d.Interfaces.Network, dossier.NetworkService{Port: 23, Protocol: "tcp", Service: "telnet", Exposure: "lan", Encrypted: ptr(false), Authenticated: ptr(true)})
	}, map[string]string{"CRA-I.2.e": NotMet, "EN303645-5.5-1": NotMet, "NISTIR8425-3c": NotMet}},
	{"factory-reset", "present", nil, map[string]string{"EN303645-5.11-1": Met, "CRA-I.2.m": Met, "NISTIR8425-3b": Met}},
	{"factory-reset", "absent", func(d *dossier.Dossier, _ *Facts) { d.Data.Deletion.FactoryReset = ptr(false) },
		map[string]string{"EN303645-5.11-1": NotMet, "CRA-I.2.m": NotMet}},
	{"security-logging", "logged", nil, map[string]string{"CRA-I.2.l": Met, "NISTIR8425-6a": Met}},
	{"security-logging", "no opt-out", func(d *dossier.Dossier, _ *Facts) { d.Logging.UserOptOut = ptr(false) },
		map[string]string{"CRA-I.2.l": "", "NISTIR8425-6a": Met}},
	{"security-logging", "not logged", func(d *dossier.Dossier, _ *Facts) { d.Logging.SecurityEvents = ptr(false) },
		map[string]string{"CRA-I.2.l": NotMet, "NISTIR8425-6a": NotMet}},
	{"sbom-quality", "passes", nil, map[string]string{idCRASBOM: Met, "FCC-REG-10": Met}},
	{"sbom-quality", "CRA Annex I Part II(1): failing BSI TR-03183-2 is a quality finding, not a failure", func(_ *dossier.Dossier, f *Facts) { f.SBOM.Pass, f.SBOM.Failed = false, []string{"bsi/hash"} },
		map[string]string{idCRASBOM: Met, "FCC-REG-10": Met}},
	{"sbom-quality", "CRA Annex I Part II(1): no component listed fails the top-level dependencies test", func(_ *dossier.Dossier, f *Facts) { f.SBOM.Components = 0 },
		map[string]string{idCRASBOM: NotMet}},
	{"sbom-quality", "CRA Annex I Part II(1): a format not commonly used is left to evidence", func(_ *dossier.Dossier, f *Facts) { f.SBOM.Format = "custom-csv" },
		map[string]string{idCRASBOM: ""}},
	{"sbom-quality", "no SBOM at all", func(d *dossier.Dossier, f *Facts) { d.SBOM, f.SBOM = nil, nil },
		map[string]string{idCRASBOM: NotMet, "FCC-REG-10": NotMet}},
	{"sbom-quality", "profile not checkable: the legal test still decides", func(_ *dossier.Dossier, f *Facts) { f.SBOM.Profile, f.SBOM.Note = "", "not implemented" },
		map[string]string{idCRASBOM: Met}},
	{"known-vulnerabilities", "high only, no VEX decision", nil, map[string]string{idCRANoVulns: ""}},
	{"art14-trigger", "Art14(1): a KEV finding makes the reports apply, undecided", func(_ *dossier.Dossier, f *Facts) {
		f.Scan.Findings = append(f.Scan.Findings, match.Finding{Advisory: match.AdvisoryRef{ID: "CVE-2023-44487"}, KEV: true, Severity: "high"})
	}, map[string]string{"CRA-14.AEV.EW": "", "CRA-14.AEV.VN": "", "CRA-14.AEV.FR": ""}},
	{"known-vulnerabilities", "KEV finding", func(_ *dossier.Dossier, f *Facts) {
		f.Scan.Findings = append(f.Scan.Findings, match.Finding{Advisory: match.AdvisoryRef{ID: "CVE-2023-44487"}, KEV: true, Severity: "high"})
	}, map[string]string{idCRANoVulns: NotMet}},
	{"known-vulnerabilities", "fixable critical", func(_ *dossier.Dossier, f *Facts) {
		f.Scan.Findings = append(f.Scan.Findings, match.Finding{Severity: "critical", Fixed: []string{"2.0"}})
	}, map[string]string{idCRANoVulns: ""}},
	{"known-vulnerabilities", "critical without fix", func(_ *dossier.Dossier, f *Facts) {
		f.Scan.Findings = append(f.Scan.Findings, match.Finding{Severity: "critical"})
	}, map[string]string{idCRANoVulns: ""}},
	{"known-vulnerabilities", "KEV suppressed by VEX", func(_ *dossier.Dossier, f *Facts) {
		f.Scan.Findings = []match.Finding{{KEV: true, Severity: "critical", Fixed: []string{"2"}, Suppressed: true}}
	}, map[string]string{idCRANoVulns: Met}},
	{"known-vulnerabilities", "not scanned", func(_ *dossier.Dossier, f *Facts) { f.Scan = nil }, map[string]string{idCRANoVulns: ""}},
	{"manufacturer-information", "complete", nil, map[string]string{"CRA-AII.1": Met, "FCC-REG-2": Met}},
	{"manufacturer-information", "no address", func(d *dossier.Dossier, _ *Facts) { d.Manufacturer.Address = nil }, map[string]string{"CRA-AII.1": ""}},
	{"product-identification", "identified", nil, map[string]string{"CRA-AII.3": Met, "NISTIR8425-1a": Met, "FCC-REG-1": Met}},
	{"product-identification", "no identifiers", func(d *dossier.Dossier, _ *Facts) { d.Product.Identifiers = nil }, map[string]string{"CRA-AII.3": "", "NISTIR8425-1a": ""}},
	{"privacy-information", "notice", nil, map[string]string{"EN303645-6-1": Met}},
	{"privacy-information", "personal data, no notice", func(d *dossier.Dossier, _ *Facts) { d.Data.PrivacyPolicy = "" }, map[string]string{"EN303645-6-1": NotMet}},
	{"privacy-information", "no personal data", func(d *dossier.Dossier, _ *Facts) { d.Data.PersonalData, d.Data.PrivacyPolicy = ptr(false), "" }, map[string]string{"EN303645-6-1": NotApplicable}},
	{"fcc-declarations", "all declared", nil, map[string]string{"FCC-8.208c.1": Met, "FCC-8.208c.5": Met, "FCC-8.208c.8": Met}},
	{"fcc-declarations", "covered list", func(d *dossier.Dossier, _ *Facts) { d.FCCDeclarations.NotCoveredList = ptr(false) }, map[string]string{"FCC-8.208c.2": NotMet, "FCC-8.208c.1": Met}},
	{"fcc-declarations", "47 CFR 8.208(c)(3) covered equipment", func(d *dossier.Dossier, _ *Facts) { d.FCCDeclarations.NoCoveredEquipment = ptr(false) }, map[string]string{"FCC-8.208c.3": NotMet, "FCC-8.208c.2": Met}},
	{"fcc-declarations", "47 CFR 8.208(c)(5) suspended or debarred from federal procurement", func(d *dossier.Dossier, _ *Facts) { d.FCCDeclarations.NotDebarred = ptr(false) }, map[string]string{"FCC-8.208c.5": NotMet, "FCC-8.208c.4": Met}},
	{"fcc-declarations", "47 CFR 8.208(d),(f),(g) and 8.215 declared", nil, map[string]string{"FCC-8.208d": Met, "FCC-8.208f": Met, "FCC-8.208g": Met, "FCC-8.215": Met}},
	{"fcc-declarations", "47 CFR 8.208(i) US agent without address", func(d *dossier.Dossier, _ *Facts) { d.FCCDeclarations.USAgent = &dossier.Party{Name: "Agent"} }, map[string]string{"FCC-8.208i": ""}},
	{"fcc-declarations", "47 CFR 8.208(i) US agent with address, email and attestation", func(d *dossier.Dossier, _ *Facts) {
		d.FCCDeclarations.USAgent = &dossier.Party{Name: "Agent Inc.", Email: "agent@x", Address: &dossier.Address{City: "Wilmington", Country: "US"}}
	}, map[string]string{"FCC-8.208i": Met}},
	{"fcc-declarations", "47 CFR 8.208(i) attestation not stated", func(d *dossier.Dossier, _ *Facts) {
		d.FCCDeclarations.USAgent = &dossier.Party{Name: "Agent Inc.", Email: "agent@x", Address: &dossier.Address{City: "Wilmington", Country: "US"}}
		d.FCCDeclarations.AgentAttestation = nil
	}, map[string]string{"FCC-8.208i": ""}},
	{"support-period", "CRA Art. 13(8) per unit: last unit placed 2028 needs support to 2033", func(d *dossier.Dossier, _ *Facts) {
		d.Market.LastPlaced = dossier.NewDate(2028, 6, 30)
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "CRA Art. 13(8) longer expected use lengthens the period", func(d *dossier.Dossier, _ *Facts) {
		d.SupportPeriod.ExpectedUseYears = 8
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "CRA Art. 13(8) units still placed are judged on the assessment date", func(d *dossier.Dossier, f *Facts) {
		d.Market.FirstPlaced = dossier.NewDate(2026, 3, 1)
		f.On = dossier.NewDate(2027, 6, 1).Time
	}, map[string]string{idCRASupport: NotMet}},
	{"support-period", "CRA Art. 13(8) last unit covered for 5 years", func(d *dossier.Dossier, _ *Facts) {
		d.Market.LastPlaced = dossier.NewDate(2026, 12, 31)
	}, map[string]string{idCRASupport: Met}},
	{"red-facts", "RED DA 2022/30 AUM: universal default password", func(d *dossier.Dossier, _ *Facts) { d.Authentication.DefaultPassword = "universal" },
		map[string]string{"RED-AUM": NotMet}},
	{"red-facts", "RED DA 2022/30 Art. 3(3)(e): no personal data", func(d *dossier.Dossier, _ *Facts) { d.Data.PersonalData = ptr(false) },
		map[string]string{"RED-3.3.e": NotApplicable, "RED-DLM": NotApplicable}},
	{"red-facts", "RED DA 2022/30 SUM: unsigned updates", func(d *dossier.Dossier, _ *Facts) { d.Updates.Signed = ptr(false) },
		map[string]string{"RED-SUM": NotMet}},
	{"red-facts", "RED DA 2022/30 SCM, DLM, LGM from facts", func(d *dossier.Dossier, _ *Facts) {
		d.Cryptography.EncryptionInTransit, d.Data.Deletion.FactoryReset, d.Logging.SecurityEvents = ptr(false), ptr(false), ptr(false)
	}, map[string]string{"RED-SCM": NotMet, "RED-DLM": NotMet, "RED-LGM": NotMet}},
	{"fcc-declarations", "unstated", func(d *dossier.Dossier, _ *Facts) { d.FCCDeclarations = dossier.FCCDeclarations{} }, map[string]string{"FCC-8.208c.6": ""}},
	{"sbom-availability", "published", nil, map[string]string{"CRA-AII.9": Met}},
	{"sbom-availability", "kept private", func(d *dossier.Dossier, _ *Facts) { d.SBOM.Available = ptr(false) }, map[string]string{"CRA-AII.9": NotApplicable}},
	{"sbom-availability", "available but nowhere", func(d *dossier.Dossier, _ *Facts) { d.SBOM.URL, d.SBOM.Path = "", "" }, map[string]string{"CRA-AII.9": ""}},
	{"update-policy", "free, signed, automatic", nil, map[string]string{"CRA-II.7": Met, "CRA-II.8": Met, "CRA-I.2.c": Met}},
	{"update-policy", "paid updates", func(d *dossier.Dossier, _ *Facts) { d.Updates.FreeOfCharge = ptr(false) }, map[string]string{"CRA-II.8": NotMet}},
	{"update-policy", "no postponement", func(d *dossier.Dossier, _ *Facts) { d.Updates.Postpone = nil }, map[string]string{"CRA-I.2.c": ""}},
	{"update-policy", "manual updates", func(d *dossier.Dossier, _ *Facts) { d.Updates.Automatic = ptr(false) }, map[string]string{"CRA-II.7": "", "CRA-II.8": Met}},
	{"support-end-notice", "shown", nil, map[string]string{"CRA-13.19": Met, "NISTIR8425-9.1b": Met}},
	{"support-end-notice", "hidden", func(d *dossier.Dossier, _ *Facts) { d.SupportPeriod.DisclosedAtPurchase = ptr(false) }, map[string]string{"CRA-13.19": NotMet}},
	{"data-encryption", "encrypted", nil, map[string]string{"CRA-I.2.e": Met, "NISTIR8425-3a": Met}},
	{"data-encryption", "plain in transit", func(d *dossier.Dossier, _ *Facts) { d.Cryptography.EncryptionInTransit = ptr(false) },
		map[string]string{"CRA-I.2.e": NotMet, "NISTIR8425-3c": NotMet}},
	{"declaration-of-conformity", "signed, module A", nil, map[string]string{"CRA-AV.1": Met, "CRA-AV.3": Met, "CRA-AV.6": Met, "CRA-AV.7": NotApplicable}},
	{"declaration-of-conformity", "unsigned", func(d *dossier.Dossier, _ *Facts) { d.Conformity.Signatory = nil }, map[string]string{"CRA-AV.1": "", "CRA-AV.8": ""}},
	{"declaration-of-conformity", "module B+C with notified body", func(d *dossier.Dossier, _ *Facts) {
		d.Conformity.Module = "B+C"
		d.Conformity.NotifiedBody = &dossier.NotifiedBody{Name: "NB GmbH", Number: "0123"}
	}, map[string]string{"CRA-AV.7": Met}},
}

// infoFailing are the infoCheck checks, which never fail: their "failing"
// case is a missing fact that leaves the requirements unknown.
func infoFailing() []checkCase {
	blank := map[string]func(d *dossier.Dossier){
		"secure-setup-information": func(d *dossier.Dossier) { d.UserInformation.SecureSetup = "" },
		"update-instructions":      func(d *dossier.Dossier) { d.Updates.Instructions = "" },
		"deletion-instructions":    func(d *dossier.Dossier) { d.Data.Deletion.Instructions = "" },
		"intended-purpose":         func(d *dossier.Dossier) { d.Product.UseEnvironment = "" },
		"foreseeable-misuse":       func(d *dossier.Dossier) { d.Product.ForeseeableMisuse = nil },
		"declaration-url":          func(d *dossier.Dossier) { d.Conformity.DeclarationURL = "" },
		"support-information":      func(d *dossier.Dossier) { d.UserInformation.SupportType = "" },
		"changes-effect":           func(d *dossier.Dossier) { d.UserInformation.ChangesEffect = "" },
		"disable-auto-update":      func(d *dossier.Dossier) { d.UserInformation.DisableAutoUpdate = "" },
		"integrator-information":   func(d *dossier.Dossier) { d.UserInformation.IntegratorInfo = "" },
		"label-authorisation":      func(d *dossier.Dossier) { d.USLabel.AuthorizationDate = nil },
		"label-administrator":      func(d *dossier.Dossier) { d.USLabel.CLA = nil },
		"testing-lab":              func(d *dossier.Dossier) { d.USLabel.CyberLab = "" },
	}
	var out []checkCase
	for _, c := range Checks {
		clear, ok := blank[c.Name]
		if !ok {
			continue
		}
		pass, fail := map[string]string{}, map[string]string{}
		for _, id := range c.Decides {
			pass[id], fail[id] = Met, ""
		}
		out = append(out,
			checkCase{c.Name, "stated", nil, pass},
			checkCase{c.Name, "missing", func(d *dossier.Dossier, _ *Facts) { clear(d) }, fail})
	}
	return out
}

func checkByName(t *testing.T, name string) Check {
	t.Helper()
	for _, c := range Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q", name)
	return Check{}
}

// statuses runs a check and returns the status per ID ("" = undecided).
func statuses(c Check, f *Facts) map[string]string {
	got := map[string]string{}
	for _, o := range c.Eval(f) {
		for _, id := range o.IDs {
			if prev, ok := got[id]; !ok || precedence[o.Status] > precedence[prev] {
				got[id] = o.Status
			}
		}
	}
	return got
}

func TestChecks(t *testing.T) {
	passes, fails := map[string]bool{}, map[string]bool{}
	for _, tc := range append(slices.Clone(checkCases), infoFailing()...) {
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			c := checkByName(t, tc.check)
			f := goodFacts()
			if tc.change != nil {
				tc.change(f.Dossier, f)
			}
			got := statuses(c, f)
			for id, want := range tc.want {
				st, ok := got[id]
				if want == "" && ok && st != "" {
					t.Errorf("%s: got %q, want undecided", id, st)
				} else if want != "" && st != want {
					t.Errorf("%s: got %q, want %q", id, st, want)
				}
				switch want {
				case Met, NotApplicable:
					passes[tc.check] = true
				case NotMet, "":
					fails[tc.check] = true
				}
			}
		})
	}
	// art14-trigger never settles a report: only evidence of its submission
	// does, so it has no passing case.
	passes["art14-trigger"] = true
	for _, c := range Checks {
		if !passes[c.Name] || !fails[c.Name] {
			t.Errorf("check %s needs a case that makes it pass and one that makes it fail (pass %v, fail %v)", c.Name, passes[c.Name], fails[c.Name])
		}
	}
}

// TestChecksDeclareTheirIDs holds every check to the IDs it declares, on
// the good dossier, the empty one and every test case.
func TestChecksDeclareTheirIDs(t *testing.T) {
	facts := []*Facts{goodFacts(), {Dossier: &dossier.Dossier{}}}
	for _, tc := range checkCases {
		f := goodFacts()
		if tc.change != nil {
			tc.change(f.Dossier, f)
		}
		facts = append(facts, f)
	}
	for _, c := range Checks {
		for _, f := range facts {
			for _, o := range c.Eval(f) {
				for _, id := range o.IDs {
					if !slices.Contains(c.Decides, id) {
						t.Errorf("check %s decides %s, which it does not declare", c.Name, id)
					}
				}
				if o.Status == "" && o.Next == "" {
					t.Errorf("check %s: an undecided outcome must say what to state (Next)", c.Name)
				}
				if o.Status == NotMet && (o.Reason == "" || o.Next == "") {
					t.Errorf("check %s: a not-met outcome needs a reason and a fix", c.Name)
				}
			}
		}
	}
}

func TestCheckNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks {
		if seen[c.Name] {
			t.Errorf("duplicate check name %s", c.Name)
		}
		seen[c.Name] = true
	}
}
