package assess

import (
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
)

// Statuses of a requirement.
const (
	// Met: a check, an evidence document or fully reused evidence shows the
	// requirement is fulfilled.
	Met = "met"
	// NotMet: a dossier fact, the SBOM or the scan shows it is not fulfilled.
	NotMet = "not-met"
	// NotApplicable: the dossier claims, with a justification, that it does
	// not apply, or a dossier fact shows its condition does not hold.
	NotApplicable = "not-applicable"
	// Unknown: nothing decides it yet (no evidence, or only partial reuse).
	Unknown = "unknown"
)

// Verdicts of a regime.
const (
	Conforms       = "conforms"
	DoesNotConform = "does-not-conform"
	Incomplete     = "incomplete"
	// ReadyForTesting: nothing fails and nothing is missing except the
	// evidence an accredited lab must produce (US Cyber Trust Mark:
	// CyberLAB test data, 47 CFR §8.208(j)).
	ReadyForTesting = "ready-for-testing"
	// Tested: lab evidence covers every requirement that needs it, but the
	// regime cannot be said to be met yet (the FCC has adopted no test
	// standard for the Cyber Trust Mark).
	Tested = "tested"
	// NotInForce: none of the regime's rules applies to the product on the
	// assessment date.
	NotInForce = "not-applicable"
)

// Negative reports whether a verdict is a negative result (exit code 1):
// does-not-conform and incomplete are; conforms, ready-for-testing,
// tested and not-applicable are not.
func Negative(verdict string) bool { return verdict == DoesNotConform || verdict == Incomplete }

// Assessment regimes: the names used on the command line and as keys of
// Assessment.Regimes.
// They are the catalog's (catalog.AssessmentRegimeTable).
const (
	RegimeCRA      = catalog.RegimeCRA
	RegimeREDDA    = catalog.RegimeRED
	RegimeUSCTM    = catalog.AssessmentUSCTM
	RegimeEN303645 = catalog.RegimeEN303645
)

// AllRegimes lists the assessment regimes in report order (from
// catalog.AssessmentRegimeTable).
var AllRegimes = func() []string {
	var out []string
	for _, r := range catalog.AssessmentRegimeTable {
		out = append(out, r.ID)
	}
	return out
}()

// regimeCatalogs maps an assessment regime to the catalog regimes it covers.
var regimeCatalogs = catalog.AssessmentRegimes

// Assessment is the result of Evaluate. It marshals to the JSON contract of
// issue 5: product, regimes (keyed by assessment regime), reuse and scan.
// It is also the contract a label signs (docs/assessment.schema.json): it
// carries everything a label summarises — the product identity, the
// verdicts, the support period, the update policy, the post-quantum
// readiness, the inputs with their digests, the date, dualmark's version and
// the advisory database snapshot — so that package label reads this shape
// and nothing else.
type Assessment struct {
	Product Product                  `json:"product"`
	Regimes map[string]*RegimeResult `json:"regimes"`
	Reuse   ReuseSummary             `json:"reuse"`
	Scan    *ScanSummary             `json:"scan,omitempty"`
	SBOM    *SBOMSummary             `json:"sbom,omitempty"`
	// On is the assessment date (YYYY-MM-DD): the rules in force on that
	// day decide the verdicts.
	On string `json:"on"`
	// Rules say which rules applied on that date and why.
	Rules []string `json:"rules"`
	// Warnings are remarks that need attention but decide nothing: a
	// support period ending within 12 months, an unknown standard reference.
	Warnings []string `json:"warnings"`
	// Generator names the tool and version that made the assessment.
	Generator Generator `json:"generator"`
	// Database is the advisory database snapshot the scan used; null when
	// there was no scan.
	Database *DatabaseSnapshot `json:"database"`
	// SupportPeriod is the dossier's support period; null when it states
	// neither start nor end.
	SupportPeriod *SupportPeriod `json:"supportPeriod"`
	// UpdatePolicy is how the product is updated; null when the dossier
	// states no update mechanism.
	UpdatePolicy *UpdatePolicy `json:"updatePolicy"`
	// Inputs are the files the assessment read, each with its SHA-256: the
	// dossier, the SBOM, the CBOM, VEX documents.
	Inputs []Input `json:"inputs"`
	// PostQuantum is the product's post-quantum readiness (package pqc:
	// the CBOM, else the dossier's cryptography) on the assessment date
	// over the support period; absent when neither states cryptography.
	PostQuantum *PostQuantum `json:"postQuantum,omitempty"`
	// AI lists the ML models and datasets of the SBOM with their
	// provenance checks, and the CRA Art. 12 link for a declared high-risk
	// AI use; absent when there is neither.
	AI *AISummary `json:"ai,omitempty"`
	// Order lists the keys of Regimes in the order they were selected.
	Order []string `json:"-"`
}

// Generator names the tool that made an assessment.
type Generator struct {
	Name    string `json:"name"`    // "dualmark"
	Version string `json:"version"` // its version, "unknown" when not given
}

// DatabaseSnapshot identifies the advisory database a scan used: when it
// was built and how recent its newest record is (advisory.Provenance).
type DatabaseSnapshot struct {
	Built        time.Time `json:"built"`
	NewestRecord time.Time `json:"newestRecord,omitzero"`
	Records      int       `json:"records"`
	KEVCatalog   string    `json:"kevCatalogVersion,omitempty"`
	EPSSDate     string    `json:"epssDate,omitempty"`
}

// Product identifies the assessed product.
type Product struct {
	Name            string `json:"name"`
	Manufacturer    string `json:"manufacturer"`
	Brand           string `json:"brand,omitempty"`
	Model           string `json:"model"`
	Type            string `json:"type,omitempty"`
	FirmwareVersion string `json:"firmwareVersion,omitempty"`
	HardwareVersion string `json:"hardwareVersion,omitempty"`
	Class           string `json:"class"`
	ClassItem       int    `json:"classItem,omitempty"`
	Dossier         string `json:"dossier,omitempty"`
	// Identifiers are the dossier's product identifiers (FCC ID, GTIN, …).
	Identifiers []Identifier `json:"identifiers,omitempty"`
}

// Identifier is one product identifier.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// SupportPeriod is the security support period, dates YYYY-MM-DD.
type SupportPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// UpdatePolicy summarises how the product is updated (dossier updates).
type UpdatePolicy struct {
	Mechanism string `json:"mechanism"`
	Automatic *bool  `json:"automatic,omitempty"`
	Signed    *bool  `json:"signed,omitempty"`
}

// Roles of an assessment input.
const (
	InputDossier = "dossier"
	InputSBOM    = "sbom"
	InputCBOM    = "cbom"
	InputVEX     = "vex"
)

// Input is one file the assessment read.
type Input struct {
	// Role is InputDossier, InputSBOM, InputCBOM or InputVEX.
	Role string `json:"role"`
	// Path is the file as given (dossier-relative paths joined to the
	// dossier's folder).
	Path string `json:"path"`
	// SHA256 is the hex SHA-256 of the file's bytes as read.
	SHA256 string `json:"sha256"`
}

// PostQuantum is the post-quantum readiness of the product (pqc.Result,
// condensed).
type PostQuantum struct {
	// Readiness is the one line a consumer understands; the label and the
	// registry page show it.
	Readiness string `json:"readiness"`
	// Ready is true when no cryptography keeps the product from being
	// ready.
	Ready bool `json:"ready"`
	// Input is "cbom" or "dossier": what was rated; File names it.
	Input         string `json:"input"`
	File          string `json:"file,omitempty"`
	PolicyVersion string `json:"policyVersion"`
	// Findings counts the assets that are broken, to migrate or unknown.
	Findings int `json:"findings"`
}

// AISummary is the AI inventory of the SBOM and the AI Act link.
type AISummary struct {
	Models   []AIItem `json:"models"`
	Datasets []AIItem `json:"datasets"`
	// Pass is true when every mandatory provenance check passed.
	Pass bool `json:"pass"`
	// HighRisk is present when the dossier declares a high-risk AI use
	// (product.ai.highRisk: true).
	HighRisk *HighRiskAI `json:"highRisk,omitempty"`
}

// AIItem is one ML model or dataset and its provenance checks (aibom.Item).
type AIItem struct {
	Name     string        `json:"name"`
	Version  string        `json:"version,omitempty"`
	Location string        `json:"location"`
	Task     string        `json:"task,omitempty"`
	Datasets []string      `json:"datasets,omitempty"`
	Checks   []AIItemCheck `json:"checks"`
}

// AIItemCheck is one provenance check of an AI item.
type AIItemCheck struct {
	ID        string `json:"id"`
	Pass      bool   `json:"pass"`
	Mandatory bool   `json:"mandatory"`
	Detail    string `json:"detail"`
}

// HighRiskAI is a declared high-risk AI use with the CRA Art. 12 link.
type HighRiskAI struct {
	Basis       string `json:"basis"`
	AnnexIIIUse string `json:"annexIIIUse,omitempty"`
	Description string `json:"description,omitempty"`
	// Article12 says which CRA requirements cover AI Act Art. 15.
	Article12 Article12Link `json:"craArticle12"`
}

// Article12Link is the CRA Art. 12 link and where the covered CRA
// requirements stand in this assessment.
type Article12Link struct {
	Text string `json:"text"`
	// Covers are the CRA requirements whose fulfilment counts for AI Act
	// Art. 15.
	Covers []string `json:"covers"`
	// Confidence is the confidence tag of the link (U: unconfirmed).
	Confidence string `json:"confidence"`
	// Met, NotMet and Open count the covered requirements by status in
	// this assessment (Met includes not applicable; Open is unknown).
	Met    int `json:"met"`
	NotMet int `json:"notMet"`
	Open   int `json:"open"`
	// NotInForce counts the covered requirements that do not apply yet on
	// the assessment date (CRA Annex I before 11 December 2027): their
	// status is readiness only.
	NotInForce int `json:"notInForce"`
	// Holds is true when every covered requirement is met or not
	// applicable (on the rules in force, or as readiness before): only
	// then can the presumption be claimed.
	Holds bool `json:"holds"`
}

// RegimeResult is the outcome for one assessment regime.
type RegimeResult struct {
	Regime  string `json:"regime"`
	Title   string `json:"title"`
	Verdict string `json:"verdict"`
	// Versions name the texts assessed, e.g. "ETSI EN 303 645 V2.1.1
	// (2020-06)" (empty when the catalog does not say).
	Versions []string `json:"versions"`
	// VerdictReason says in one sentence why the verdict is what it is.
	VerdictReason string              `json:"verdictReason"`
	Requirements  []RequirementResult `json:"requirements"`
	Counts        Counts              `json:"counts"`
	// Reuse is the share of this regime's requirements settled by evidence
	// given for another regime.
	Reuse RegimeReuse `json:"reuse"`
	// Route lists the CRA conformity-assessment procedures the product's
	// class allows (cra only).
	Route *Route `json:"route,omitempty"`
	// Rules name the rules of the regime that applied on the assessment
	// date (for example only CRA Art. 14 before 11 December 2027).
	Rules []string `json:"rules"`
	// Readiness is the verdict the regime would have if all its
	// requirements applied, given when some are not in force yet.
	Readiness       string `json:"readiness,omitempty"`
	ReadinessReason string `json:"readinessReason,omitempty"`
}

// RequirementResult is the status of one requirement.
type RequirementResult struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Obligation string `json:"obligation"`
	// Confidence is the catalog's confidence in the requirement's wording
	// (C confirmed, S secondary source, U unconfirmed).
	Confidence string `json:"confidence,omitempty"`
	Status     string `json:"status"`
	// Reasons explain the status; the first is the deciding one.
	Reasons []string `json:"reasons"`
	// Evidence names what the status rests on: "check:<name>", evidence
	// document paths or URLs, "sbom", "scan", "not-applicable claim".
	Evidence []string `json:"evidence"`
	// ReusedFrom lists the requirements of other regimes whose evidence
	// counts here through the crosswalk.
	ReusedFrom []Reuse `json:"reusedFrom"`
	// Next says what to do to settle the requirement (empty when met or not
	// applicable).
	Next string `json:"next,omitempty"`
	// Awaiting names the producer whose evidence is still needed (e.g.
	// "accredited-lab") when the manufacturer's own evidence prepares but
	// cannot settle the requirement.
	Awaiting string `json:"awaiting,omitempty"`
	// NotInForce says why the requirement does not apply on the assessment
	// date; such a requirement is shown but decides nothing.
	NotInForce string `json:"notInForce,omitempty"`
	// Applies says a check showed the condition of a conditional
	// requirement holds, so it decides the verdict although unknown.
	Applies bool `json:"applies,omitempty"`
}

// Reuse is one crosswalk link along which evidence counted.
type Reuse struct {
	From     string `json:"from"`
	Relation string `json:"relation"`
	// Coverage is "full" (equivalent, or From asks more) or "partial"
	// (subset, overlaps): partial reuse does not settle the requirement.
	Coverage string `json:"coverage"`
	Derived  bool   `json:"derived,omitempty"`
	// Needed says what extra evidence a partial reuse still needs.
	Needed string `json:"needed,omitempty"`
	// by lists the producers of the source's evidence.
	by []string
}

// Counts are the number of requirements per status.
type Counts struct {
	Total         int `json:"total"`
	Met           int `json:"met"`
	NotMet        int `json:"notMet"`
	NotApplicable int `json:"notApplicable"`
	Unknown       int `json:"unknown"`
	// Deciding counts the requirements that decide the verdict: mandatory
	// ones, and conditional ones something decided.
	Deciding int `json:"deciding"`
}

// RegimeReuse summarises crosswalk reuse in one regime.
type RegimeReuse struct {
	// Settled is the number of requirements met only through reuse.
	Settled int `json:"settled"`
	// Partial is the number with only partial reuse.
	Partial int `json:"partial"`
	// Share is Settled divided by the number of requirements (0..1).
	Share float64 `json:"share"`
	// IDs are the requirements met through reuse.
	IDs []string `json:"ids"`
}

// ReuseSummary summarises crosswalk reuse over all selected regimes.
type ReuseSummary struct {
	Settled  int                `json:"settled"`
	Partial  int                `json:"partial"`
	Total    int                `json:"total"`
	Share    float64            `json:"share"`
	ByRegime map[string]float64 `json:"byRegime"`
}

// Route is the set of CRA conformity-assessment procedures allowed for the
// product's class (CRA Art. 32, regulatory.md §5).
type Route struct {
	Class   string        `json:"class"`
	Annex   string        `json:"annex,omitempty"`
	Allowed []RouteOption `json:"allowed"`
	// Chosen is the module the dossier names, if any, and whether it is
	// allowed (present whenever a module is chosen, false included).
	Chosen        string `json:"chosen,omitempty"`
	ChosenAllowed *bool  `json:"chosenAllowed,omitempty"`
	Note          string `json:"note,omitempty"`
	// Basis lists the facts the decision rests on: the standards applied
	// and whether the OJ cites them, FOSS status.
	Basis []string `json:"basis"`
}

// RouteOption is one procedure, the condition under which it is open and
// whether it is open to this product.
type RouteOption struct {
	Module    string `json:"module"`
	Condition string `json:"condition,omitempty"`
	Article   string `json:"article,omitempty"`
	Open      bool   `json:"open"`
	Why       string `json:"why,omitempty"`
}

// ScanSummary summarises the vulnerability scan behind CRA-I.2.a.
type ScanSummary struct {
	Components int `json:"components"`
	Findings   int `json:"findings"`
	Suppressed int `json:"suppressed"`
	KEV        int `json:"kev"`
	// Blocking are the findings that make CRA-I.2.a not met: KEV-listed, or
	// critical with a fixed version, and not suppressed by VEX.
	Blocking []FindingSummary `json:"blocking"`
	// Other are the remaining findings, suppressed ones last, each with
	// why it does not block.
	Other      []FindingSummary `json:"other"`
	BySeverity map[string]int   `json:"bySeverity"`
}

// BlockingFinding is the former name of FindingSummary.
type BlockingFinding = FindingSummary

// FindingSummary is one finding of the scan; Why says why it blocks
// CRA-I.2.a or why not.
type FindingSummary struct {
	Advisory   string   `json:"advisory"`
	Aliases    []string `json:"aliases,omitempty"`
	Component  string   `json:"component"`
	Version    string   `json:"version"`
	PURL       string   `json:"purl,omitempty"`
	Severity   string   `json:"severity"`
	KEV        bool     `json:"kev"`
	Fixed      []string `json:"fixed,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
	Why        string   `json:"why"`
}

// SBOMSummary describes the SBOM that decided CRA-II.1.
type SBOMSummary struct {
	Path        string   `json:"path,omitempty"`
	Format      string   `json:"format"`
	SpecVersion string   `json:"specVersion"`
	Components  int      `json:"components"`
	Profile     string   `json:"profile,omitempty"`
	Pass        bool     `json:"pass"`
	Failed      []string `json:"failed,omitempty"`
	// Note explains when the profile could not be checked.
	Note string `json:"note,omitempty"`
}
