package assess

import (
	"slices"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

func ptr[T any](v T) *T { return &v }

// goodDossier returns a dossier whose every fact passes every check.
func goodDossier() *dossier.Dossier {
	t, f := ptr(true), ptr(false)
	return &dossier.Dossier{
		File: "testdata/good/dossier.yaml",
		Product: dossier.Product{Name: "Test Plug", Model: "TP-1", Type: "smart plug",
			Identifiers:     []dossier.Identifier{{Type: "serial", Value: "TP1-NNNN"}},
			IntendedPurpose: "switching appliances", UseEnvironment: "homes",
			EssentialFunctions: []string{"switching"}, SecurityProperties: []string{"signed updates"},
			ForeseeableMisuse: []string{"unattended heaters"}},
		Manufacturer: dossier.Manufacturer{Name: "Test GmbH", Address: &dossier.Address{City: "Hamburg", Country: "DE"}, Email: "info@test.example"},
		Category:     dossier.Category{Class: "default"},
		SupportPeriod: dossier.SupportPeriod{Start: dossier.NewDate(2026, 3, 1), End: dossier.NewDate(2031, 12, 31),
			DisclosedAtPurchase: t, EndOfSupportNotice: t},
		Updates: dossier.Updates{Mechanism: "ota", Signed: t, SignatureAlgorithm: "ECDSA P-256", Automatic: t, OptOut: t,
			Notification: t, Postpone: t, FreeOfCharge: t, Instructions: "https://test.example/updates"},
		Interfaces: dossier.Interfaces{
			Network:  []dossier.NetworkService{{Port: 443, Protocol: "tcp", Service: "https", Exposure: "lan", Authenticated: t, Encrypted: t}},
			Physical: []dossier.PhysicalPort{{Name: "UART", Kind: "debug", State: "fused"}}},
		Authentication: dossier.Authentication{DefaultPassword: "unique-per-device", BruteForceProtection: t, PasswordChange: "in the app"},
		Cryptography:   dossier.Cryptography{UniqueDeviceKeys: t, HardCodedSecrets: f, EncryptionAtRest: t, EncryptionInTransit: t, Protocols: []string{"TLS 1.3"}},
		Data: dossier.Data{PersonalData: t, PrivacyPolicy: "https://test.example/privacy",
			Deletion: dossier.Deletion{FactoryReset: t, Instructions: "https://test.example/delete"}},
		Logging: dossier.Logging{SecurityEvents: t, Events: []string{"login failure"}, UserOptOut: t},
		VulnerabilityHandling: dossier.VulnerabilityHandling{DisclosurePolicy: "https://test.example/cvd", Contact: "security@test.example",
			Advisories: "https://test.example/advisories", UpdateDistribution: "signed OTA via CDN"},
		SBOM: &dossier.BOMRef{Path: "sbom.cdx.json", URL: "https://test.example/sbom", Available: t},
		UserInformation: dossier.UserInformation{SecureSetup: "https://test.example/setup", ChangesEffect: "https://test.example/changes",
			DisableAutoUpdate: "https://test.example/updates#off", IntegratorInfo: "not for integration", SupportType: "security updates"},
		Conformity: dossier.Conformity{Module: "A", Standards: []dossier.Standard{{Reference: "EN 303 645"}}, Signatory: &dossier.Signatory{Name: "A. Person"},
			Place: "Hamburg", Date: dossier.NewDate(2026, 9, 1), DeclarationURL: "https://test.example/doc"},
		USLabel: dossier.USLabel{CyberLab: "Lab Inc.", CLA: &dossier.Party{Name: "CLA Inc."}, AuthorizationDate: dossier.NewDate(2026, 10, 1), Status: "authorized"},
		FCCDeclarations: dossier.FCCDeclarations{MeetsRequirements: t, NotCoveredList: t, NotProhibitedEntity: t, SecurableProduct: t,
			FixUntilSupportEnd: t, NoDisclaimer: t, NoCoveredEquipment: t, NotDebarred: t, StatementsTrue: t, ReasonablySecure: t,
			NotProhibited: t, AgentAttestation: t, RecordsKept: t, USAgent: &dossier.Party{Name: "Agent Inc."}},
	}
}

// fakeCatalog is a small catalog for engine tests.
type fakeCatalog struct {
	reqs   []catalog.Requirement
	rows   []catalog.Mapping
	routes map[string][]catalog.Route
}

func (c *fakeCatalog) ByRegime(regime string) []catalog.Requirement {
	var out []catalog.Requirement
	for _, r := range c.reqs {
		if r.Regime == regime {
			out = append(out, r)
		}
	}
	return out
}

func (c *fakeCatalog) Get(id string) (catalog.Requirement, bool) {
	for _, r := range c.reqs {
		if r.ID == id {
			return r, true
		}
	}
	return catalog.Requirement{}, false
}

// Map returns the rows from id and the inverted rows to id, like the real
// catalog's direct rows.
func (c *fakeCatalog) Map(id string) []catalog.Mapping {
	var out []catalog.Mapping
	for _, m := range c.rows {
		switch id {
		case m.From:
			out = append(out, m)
		case m.To:
			out = append(out, catalog.Mapping{From: m.To, To: m.From, Relation: catalog.Invert(m.Relation), Rationale: m.Rationale})
		}
	}
	return out
}

// RoutesFor opens the routes that need no fact, and those whose needs the
// basis meets, like the real catalog.
func (c *fakeCatalog) RoutesFor(class string, b catalog.RouteBasis) []catalog.RouteDecision {
	var out []catalog.RouteDecision
	for _, r := range c.routes[class] {
		open := len(r.Needs) == 0 || (b.HarmonisedInFull && slices.Contains(r.Needs, catalog.NeedsFullHarmonised)) || (b.FOSS && slices.Contains(r.Needs, catalog.NeedsFOSS))
		out = append(out, catalog.RouteDecision{Route: r, Open: open, Why: "fake"})
	}
	return out
}

// LookupCited knows no cited standard.
func (c *fakeCatalog) LookupCited(act, reference string) (catalog.CitedStandard, bool) {
	return catalog.CitedStandard{}, false
}

// testOn is an assessment date on which the CRA applies in full.
var testOn = time.Date(2028, 1, 10, 0, 0, 0, 0, time.UTC)

func req(id, regime, obligation string) catalog.Requirement {
	return catalog.Requirement{ID: id, Regime: regime, Title: "title of " + id, Obligation: obligation, Evidence: []string{"test-report"}}
}
