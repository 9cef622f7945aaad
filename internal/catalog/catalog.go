// Package catalog holds the requirements of every regime dualmark assesses
// (EU Cyber Resilience Act, NIST IR 8425, the FCC Cyber Trust Mark rules,
// ETSI EN 303 645 and BSI TR-03183-2) and the crosswalk between them, as YAML
// data embedded in the binary, with the loader, the consistency checks, the
// derivation of counterparts through EN 303 645 and the coverage table.
package catalog

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/editdist"
)

// Regime identifiers, as used in requirement data, on the command line and in
// JSON output.
const (
	RegimeCRA        = "cra"
	RegimeNISTIR8425 = "nistir8425"
	RegimeFCC        = "fcc"
	RegimeEN303645   = "en303645"
	RegimeBSI        = "bsi-tr03183"
	RegimeRED        = "red-da"
)

// Regimes lists every regime of the catalog in display order.
var Regimes = []string{RegimeCRA, RegimeRED, RegimeNISTIR8425, RegimeFCC, RegimeEN303645, RegimeBSI}

// Kinds of requirement.
const (
	KindTechnical     = "technical"
	KindProcess       = "process"
	KindDocumentation = "documentation"
	KindReporting     = "reporting"
	KindInformation   = "information"
)

// Obligations of a requirement.
const (
	Mandatory   = "mandatory"
	Recommended = "recommended"
	Conditional = "conditional"
	// Permitted marks a provision that allows something ("may") rather
	// than asking for it.
	Permitted = "permitted"
)

// Relations of a crosswalk row, read as "From is <relation> To".
const (
	Equivalent = "equivalent" // both ask the same
	Subset     = "subset"     // From asks less than To: meeting To meets From
	Superset   = "superset"   // From asks more than To: meeting From meets To
	Overlaps   = "overlaps"   // they share part of what they ask
	None       = "none"       // no counterpart in the To regime (To = the regime name)
)

// EvidenceKinds lists the kinds of evidence that can demonstrate a requirement.
var EvidenceKinds = []string{
	"test-report",    // a lab or in-house test report (e.g. ETSI TS 103 701)
	"document",       // a written policy, instruction or design document
	"dossier-fact",   // a fact stated in the product dossier
	"sbom",           // a software bill of materials
	"scan-result",    // the result of dualmark's vulnerability scan
	"declaration",    // a signed declaration (EU DoC, FCC §8.208(c))
	"registry-entry", // the US Cyber Trust Mark registry data
	"process-record", // records of a running process (tickets, advisories, reports sent)
}

// Requirement is one requirement of one regime.
type Requirement struct {
	ID         string `json:"id"`
	Regime     string `json:"regime"`
	Title      string `json:"title"`
	Kind       string `json:"kind"`                // technical|process|documentation|reporting|information
	Obligation string `json:"obligation"`          // mandatory|recommended|conditional
	Condition  string `json:"condition,omitempty"` // when conditional: when it applies
	// Level is how strongly the requirement binds where it applies:
	// mandatory ("shall") or recommended ("should"). For a conditional
	// requirement it is the level once the condition holds (EN 303 645
	// counts its 33 M and 35 R provisions this way).
	Level      string   `json:"level"`
	Source     string   `json:"source"`          // article, annex or section
	Confidence string   `json:"confidence"`      // C|S|U as in regulatory.md
	Evidence   []string `json:"evidence"`        // evidence kinds that can demonstrate it
	Group      string   `json:"group,omitempty"` // heading it sits under, e.g. "Annex I Part I"
	// Parent is the ID of the requirement this one details (for example
	// CRA-AII.8 for CRA-AII.8.a); empty for top-level requirements.
	Parent string `json:"parent,omitempty"`
	// Deadline is the time limit of a reporting stage or rule, if any.
	Deadline string `json:"deadline,omitempty"`
	// Content lists the items the requirement asks for (report content,
	// declaration fields, figures of a rule).
	Content []string `json:"content,omitempty"`
	// Producers lists who may produce the evidence that settles the
	// requirement (manufacturer, accredited-lab, notified-body); empty
	// means anyone. Evidence from another producer, or reused through the
	// crosswalk from it, leaves the requirement awaiting that producer.
	Producers []string `json:"producers,omitempty"`
}

// Evidence producers: who made a piece of evidence.
const (
	ProducerManufacturer = "manufacturer"   // the manufacturer itself (self-assessment)
	ProducerLab          = "accredited-lab" // an accredited laboratory (ISO/IEC 17025; FCC-recognised CyberLAB)
	ProducerNotifiedBody = "notified-body"  // an EU notified body (NANDO number)
)

// Producers lists the evidence producers.
var Producers = []string{ProducerManufacturer, ProducerLab, ProducerNotifiedBody}

// Mapping is one crosswalk row, or one derived from two rows through
// EN 303 645. Relation reads "From is <Relation> To".
type Mapping struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Relation  string `json:"relation"`
	Rationale string `json:"rationale"`
	Origin    string `json:"origin"`
	Derived   bool   `json:"derived"`
}

// RegimeInfo describes one regime: its name, version and source.
type RegimeInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	URL     string `json:"url,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Route is one conformity-assessment procedure allowed for a CRA product class.
type Route struct {
	Module    string `json:"module"`              // A, B+C, H, EUCC
	Condition string `json:"condition,omitempty"` // when the route is open
	// Needs lists the facts that open the route, any one of them
	// sufficing (NeedsFullHarmonised, NeedsFOSS, NeedsDelegatedAct); empty
	// when the route is always open for the class.
	Needs []string `json:"needs,omitempty"`
	// Article is the provision that opens (or limits) the route.
	Article string `json:"article,omitempty"`
}

// Conditions that open a conformity-assessment route (Route.Needs).
const (
	// NeedsFullHarmonised: harmonised standards, common specifications or
	// an EU scheme at assurance level "substantial" or higher were applied
	// in full (Art. 32(2)).
	NeedsFullHarmonised = "harmonised-in-full"
	// NeedsFOSS: the product is free and open-source software whose
	// technical documentation is public (Art. 32(5)).
	NeedsFOSS = "foss-public-documentation"
	// NeedsDelegatedAct: a delegated act under Art. 8(1) requires the
	// European cybersecurity certification (Art. 32(4)(a)).
	NeedsDelegatedAct = "delegated-act"
)

// Category is one product category of CRA Annex III (important products) or
// Annex IV (critical products).
type Category struct {
	ID         string `json:"id"`
	Class      string `json:"class"` // important-class-I|important-class-II|critical
	Item       int    `json:"item"`
	Title      string `json:"title"`
	Confidence string `json:"confidence"`
}

// Catalog is the loaded, checked catalog. It is read-only and safe for
// concurrent use.
type Catalog struct {
	regimes    map[string]RegimeInfo
	reqs       []Requirement
	byID       map[string]int
	byRegime   map[string][]Requirement
	rows       []Mapping            // direct rows as written in crosswalk.yaml, expanded
	direct     map[string][]Mapping // per requirement ID: rows from it, and inverted rows to it
	categories []Category
	routes     map[string][]Route         // per CRA class
	selected   map[[2]string]bool         // (id, regime) pairs whose none row came from a select rule
	oj         map[string][]CitedStandard // standards cited in the OJ, per Union act
	ojAsOf     time.Time                  // when the OJ table was last checked
}

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Load parses the embedded catalog data once and returns it. It fails only
// when the data itself is broken, which the package's tests prevent.
func Load() (*Catalog, error) {
	loadOnce.Do(func() { loaded, loadErr = Parse(dataFS) })
	return loaded, loadErr
}

// All returns every requirement, in catalog order (regime by regime, in file
// order).
func (c *Catalog) All() []Requirement { return append([]Requirement(nil), c.reqs...) }

// ByRegime returns the requirements of one regime, or nil for an unknown one.
func (c *Catalog) ByRegime(regime string) []Requirement {
	return append([]Requirement(nil), c.byRegime[regime]...)
}

// Get returns the requirement with the given ID.
func (c *Catalog) Get(id string) (Requirement, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Requirement{}, false
	}
	return c.reqs[i], true
}

// GetFold is Get, but also accepts the ID in any letter case
// ("cra-i.2.d" finds CRA-I.2.d).
func (c *Catalog) GetFold(id string) (Requirement, bool) {
	if r, ok := c.Get(id); ok {
		return r, true
	}
	for _, r := range c.reqs {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return Requirement{}, false
}

// Regime returns the description of a regime.
func (c *Catalog) Regime(id string) (RegimeInfo, bool) {
	r, ok := c.regimes[id]
	return r, ok
}

// Rows returns the direct crosswalk rows as written in the data (lists
// expanded to one row per pair), in file order.
func (c *Catalog) Rows() []Mapping { return append([]Mapping(nil), c.rows...) }

// Categories returns the CRA Annex III and IV product categories.
func (c *Catalog) Categories() []Category { return append([]Category(nil), c.categories...) }

// Routes returns the conformity-assessment procedures the CRA allows for a
// product class: default, important-class-I, important-class-II or critical.
func (c *Catalog) Routes(class string) []Route { return append([]Route(nil), c.routes[class]...) }

// Children returns the requirements whose Parent is id.
func (c *Catalog) Children(id string) []Requirement {
	var out []Requirement
	for _, r := range c.reqs {
		if r.Parent == id {
			out = append(out, r)
		}
	}
	return out
}

// IsRegime reports whether s names a regime of the catalog.
func IsRegime(s string) bool {
	for _, r := range Regimes {
		if r == s {
			return true
		}
	}
	return false
}

// RegimeOf returns the regime a requirement ID belongs to, judged by its
// prefix, or "" when the prefix is unknown.
func RegimeOf(id string) string {
	switch {
	case strings.HasPrefix(id, "CRA-"):
		return RegimeCRA
	case strings.HasPrefix(id, "NISTIR8425-"):
		return RegimeNISTIR8425
	case strings.HasPrefix(id, "FCC-"):
		return RegimeFCC
	case strings.HasPrefix(id, "EN303645-"):
		return RegimeEN303645
	case strings.HasPrefix(id, "TR03183-"):
		return RegimeBSI
	case strings.HasPrefix(id, "RED-"):
		return RegimeRED
	}
	return ""
}

// Suggest returns up to n requirement IDs close to id (same prefix or a small
// edit distance), for "did you mean" messages.
func (c *Catalog) Suggest(id string, n int) []string {
	type cand struct {
		id   string
		dist int
	}
	low := strings.ToLower(id)
	var cs []cand
	for _, r := range c.reqs {
		l := strings.ToLower(r.ID)
		d := editdist.Distance(low, l)
		if strings.HasPrefix(l, low) || strings.HasPrefix(low, l) {
			d = min(d, 1)
		}
		if d <= max(2, len(id)/4) {
			cs = append(cs, cand{r.ID, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

// DataVersion is the version of the embedded catalog data; DataDate is its
// date as an RFC 3339 timestamp. Change both when the data changes.
const (
	DataVersion = "2026.11.29"
	DataDate    = "2026-11-29T00:00:00Z"
)

// AssessmentRegime is a regime dualmark gives a verdict for: its name on
// the command line and in JSON, its display title, and the catalog regimes
// it draws its requirements from.
type AssessmentRegime struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// ShortTitle is the name where space is short (the printed label).
	ShortTitle string   `json:"shortTitle"`
	Catalogs   []string `json:"catalogs"`
}

// AssessmentUSCTM is the assessment regime of the US Cyber Trust Mark (NIST
// IR 8425 and the FCC rules together); the other assessment regimes share
// their catalog regime's identifier.
const AssessmentUSCTM = "us-ctm"

// AssessmentRegimeTable is the one table of the assessment regimes' names
// and titles, in report order; assess, the reports and the catalog command
// all take them from here. The US Cyber Trust Mark ("us-ctm") is NIST IR
// 8425 and the FCC rules together.
var AssessmentRegimeTable = []AssessmentRegime{
	{ID: RegimeCRA, Title: "EU Cyber Resilience Act", ShortTitle: "EU Cyber Resilience Act", Catalogs: []string{RegimeCRA}},
	{ID: RegimeRED, Title: "EU RED Delegated Regulation (EU) 2022/30", ShortTitle: "EU RED Delegated Regulation", Catalogs: []string{RegimeRED}},
	{ID: AssessmentUSCTM, Title: "US Cyber Trust Mark (NIST IR 8425 + FCC)", ShortTitle: "US Cyber Trust Mark", Catalogs: []string{RegimeNISTIR8425, RegimeFCC}},
	{ID: RegimeEN303645, Title: "ETSI EN 303 645", ShortTitle: "ETSI EN 303 645", Catalogs: []string{RegimeEN303645}},
}

// AssessmentRegimes maps each assessment regime to the catalog regimes it
// draws its requirements from (derived from AssessmentRegimeTable).
var AssessmentRegimes = func() map[string][]string {
	m := map[string][]string{}
	for _, r := range AssessmentRegimeTable {
		m[r.ID] = r.Catalogs
	}
	return m
}()

// AssessmentTitle returns the display title of an assessment regime, or
// "" for an unknown one.
func AssessmentTitle(id string) string {
	r, _, _ := AssessmentRegimeByID(id)
	return r.Title
}

// AssessmentRegimeByID returns the assessment regime named id and its
// place in report order, or false for an unknown name.
func AssessmentRegimeByID(id string) (AssessmentRegime, int, bool) {
	for i, r := range AssessmentRegimeTable {
		if r.ID == id {
			return r, i, true
		}
	}
	return AssessmentRegime{}, -1, false
}

// ForAssessment returns the requirements of an assessment regime (cra,
// us-ctm or en303645), in catalog order, and false for an unknown name.
func (c *Catalog) ForAssessment(name string) ([]Requirement, bool) {
	regimes, ok := AssessmentRegimes[name]
	if !ok {
		return nil, false
	}
	var out []Requirement
	for _, r := range regimes {
		out = append(out, c.byRegime[r]...)
	}
	return out, true
}

// Figures of the CRA Article 13 support-period rules, for checks that need
// numbers rather than text (the requirements CRA-13.8, CRA-13.9, CRA-13.13,
// CRA-13.18 and CRA-13.19 carry the same figures in their content).
const (
	// SupportPeriodMinYears is the minimum support period, unless the
	// product's expected use time is shorter (Art. 13(8)).
	SupportPeriodMinYears = 5
	// UpdateAvailabilityYears is how long each security update stays
	// available after its issue, at least (Art. 13(9)).
	UpdateAvailabilityYears = 10
	// RetentionYears is how long the technical documentation, the DoC and
	// the Annex II information are kept, at least (Art. 13(13), (18)).
	RetentionYears = 10
)
