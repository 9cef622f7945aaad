package assess

// The checks of RED Delegated Regulation (EU) 2022/30 (EN 18031 mechanisms).
// Dossier facts can only show a mechanism missing; showing one present
// takes a test report against EN 18031, so these checks decide not-met and
// not-applicable, and leave met to evidence.

func init() { Checks = append(Checks, redChecks...) }

var redChecks = []Check{
	{
		Name:    "red-facts",
		Title:   "RED DA 2022/30 mechanisms a dossier fact shows missing",
		Decides: []string{"RED-AUM", "RED-SUM", "RED-SCM", "RED-DLM", "RED-3.3.e", "RED-UNM", "RED-LGM"},
		Eval:    evalRED,
	},
}

func evalRED(f *Facts) []Outcome {
	d := f.Dossier
	var out []Outcome
	if d.Authentication.DefaultPassword == "universal" {
		out = append(out, outcome(NotMet, "every unit ships with the same default password (authentication.defaultPassword: universal); EN 18031 authentication mechanisms exclude universal default passwords",
			"give each unit a unique password, or make the user set one at setup", "RED-AUM"))
	}
	switch u := d.Updates; {
	case u.Mechanism == "none":
		out = append(out, outcome(NotMet, "the product cannot be updated (updates.mechanism: none)", "provide a secure update mechanism", "RED-SUM"))
	case isFalse(u.Signed):
		out = append(out, outcome(NotMet, "updates are not signed (updates.signed: false), so their authenticity cannot be checked", "sign updates and verify them on the device", "RED-SUM"))
	}
	if isFalse(d.Cryptography.EncryptionInTransit) {
		out = append(out, outcome(NotMet, "network traffic with sensitive data is not encrypted (cryptography.encryptionInTransit: false)", "protect communication with best-practice cryptography", "RED-SCM"))
	}
	if isFalse(d.Data.Deletion.FactoryReset) {
		out = append(out, outcome(NotMet, "users cannot erase their data (data.deletion.factoryReset: false)", "offer a factory reset that erases user data", "RED-DLM"))
	}
	if isFalse(d.Logging.SecurityEvents) {
		out = append(out, outcome(NotMet, "security events are not logged (logging.securityEvents: false)", "log security-relevant events", "RED-LGM"))
	}
	if isFalse(d.Data.PersonalData) {
		out = append(out, outcome(NotApplicable, "the dossier states that no personal data is processed (data.personalData: false); toys, childcare and wearable radio equipment are covered regardless", "", "RED-3.3.e", "RED-DLM", "RED-UNM"))
	}
	return out
}
