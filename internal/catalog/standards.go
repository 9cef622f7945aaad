package catalog

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode"
)

// ojFile is the data file of the standards cited in the Official Journal.
const ojFile = "data/oj-standards.yaml"

// CitedStandard is one standard cited in the OJ for a Union act, with the
// restrictions the citation carries.
type CitedStandard struct {
	Reference    string   `yaml:"reference" json:"reference"`
	Title        string   `yaml:"title" json:"title"`
	OJ           string   `yaml:"oj" json:"oj"`
	Confidence   string   `yaml:"confidence" json:"confidence"`
	Restrictions []string `yaml:"restrictions" json:"restrictions,omitempty"`
}

// ojAct is one Union act and the standards cited for it.
type ojAct struct {
	Name      string          `yaml:"name"`
	Standards []CitedStandard `yaml:"standards"`
}

// ojDoc is the layout of oj-standards.yaml.
type ojDoc struct {
	AsOf string           `yaml:"asOf"`
	Acts map[string]ojAct `yaml:"acts"`
}

// OJActCRA and OJActRED name the Union acts of the OJ table.
const (
	OJActCRA = "cra"
	OJActRED = "red-da"
)

func (c *Catalog) parseOJ(fsys fs.FS, errs *errorList) error {
	data, err := fs.ReadFile(fsys, ojFile)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	var doc ojDoc
	if err := decodeStrict(data, &doc); err != nil {
		errs.add(ojFile, 0, "%v", err)
		return nil
	}
	asOf, err := time.Parse("2006-01-02", doc.AsOf)
	if err != nil {
		errs.add(ojFile, 1, "asOf %q is not a YYYY-MM-DD date", doc.AsOf)
	}
	c.ojAsOf = asOf
	c.oj = map[string][]CitedStandard{}
	for _, act := range []string{OJActCRA, OJActRED} {
		a, ok := doc.Acts[act]
		if !ok {
			errs.add(ojFile, 1, "acts: %s is missing", act)
			continue
		}
		for _, s := range a.Standards {
			if s.Reference == "" || s.OJ == "" || !validConfidence(s.Confidence) {
				errs.add(ojFile, 1, "%s: a cited standard needs reference, oj and confidence C, S or U (%q)", act, s.Reference)
			}
		}
		c.oj[act] = a.Standards
	}
	return nil
}

// CitedStandards returns the standards cited in the OJ for a Union act
// (OJActCRA, OJActRED) and the date the table was last checked.
func (c *Catalog) CitedStandards(act string) ([]CitedStandard, time.Time) {
	return append([]CitedStandard(nil), c.oj[act]...), c.ojAsOf
}

// LookupCited finds a standard reference (e.g. "EN 18031-1:2024") among
// the standards cited for act, ignoring case, spaces and punctuation.
func (c *Catalog) LookupCited(act, reference string) (CitedStandard, bool) {
	want := normRef(reference)
	for _, s := range c.oj[act] {
		if n := normRef(s.Reference); n != "" && (n == want || strings.HasPrefix(want, n)) {
			return s, true
		}
	}
	return CitedStandard{}, false
}

// normRef keeps the letters and digits of a reference, lower-cased.
func normRef(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// KnownStandards are the references dualmark recognises besides the OJ
// table: standards it knows are not harmonised under the CRA or the RED
// (so that naming them gives no warning, only no presumption).
var KnownStandards = []string{"ETSI EN 303 645", "ETSI TS 103 701", "EN 18031-1", "EN 18031-2", "EN 18031-3", "IEC 62443-4-2", "IEC 62443-4-1", "ISO/IEC 15408", "EUCC"}

// KnownStandard reports whether reference names a standard dualmark knows.
func KnownStandard(reference string) bool {
	want := normRef(reference)
	for _, k := range KnownStandards {
		if strings.HasPrefix(want, normRef(k)) {
			return true
		}
	}
	return false
}

// Dates of application of the EU rules (CRA Art. 71(2), 69; Delegated
// Regulation (EU) 2022/30 Art. 3 as amended by (EU) 2023/2444).
var (
	// CRAEntryIntoForce is the CRA's entry into force (Art. 71(1)).
	CRAEntryIntoForce = time.Date(2024, 12, 10, 0, 0, 0, 0, time.UTC)
	// CRANotifiedBodiesFrom is when Chapter IV (notified bodies) applies (Art. 71(2)).
	CRANotifiedBodiesFrom = time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC)
	// CRAReportingFrom is when Art. 14 reporting applies, also to products
	// placed on the market before the CRA applies in full (Art. 69(3), 71(2)).
	CRAReportingFrom = time.Date(2026, 9, 11, 0, 0, 0, 0, time.UTC)
	// CRAAppliesFrom is when the CRA applies in full (Art. 71(2)).
	CRAAppliesFrom = time.Date(2027, 12, 11, 0, 0, 0, 0, time.UTC)
	// REDDAFrom is when Delegated Regulation (EU) 2022/30 applies.
	REDDAFrom = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
)

// FCCTestStandardAdopted says whether the FCC has adopted standards and test
// procedures for the Cyber Trust Mark (47 CFR §8.221: the Lead Administrator
// recommends them to PSHSB). FCCTestStandardNote says where the fact comes
// from; change both when the FCC adopts one.
const (
	FCCTestStandardAdopted = false
	FCCTestStandardNote    = "the FCC has adopted no test standard for the Cyber Trust Mark yet, so no product can be shown to meet it [U: regulatory.md §7, newest sources checked 2026]"
)
