package match

import (
	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/sbom"
)

// DBSource adapts the advisory database to Source.
type DBSource struct{ DB *advisory.DB }

// Lookup implements Source. Matching and its findings read no record's
// Details, References or Credits, so it takes the database's brief
// records: a cold 10,000-component scan decodes about half the bytes.
func (s DBSource) Lookup(ecosystem, name string) ([]*advisory.Record, error) {
	return s.DB.LookupBrief(ecosystem, name)
}

// LookupCPE implements Source (brief records, as Lookup).
func (s DBSource) LookupCPE(vendor, product string) ([]*advisory.Record, error) {
	return s.DB.LookupCPEBrief(vendor, product)
}

// LookupRepo implements Source (brief records, as Lookup).
func (s DBSource) LookupRepo(repoURL string) ([]*advisory.Record, error) {
	return s.DB.LookupRepoBrief(repoURL)
}

// KEV implements Source.
func (s DBSource) KEV(cve string) (KEVInfo, bool) {
	k, ok := s.DB.KEV(cve)
	if !ok {
		return KEVInfo{}, false
	}
	info := KEVInfo{KnownRansomware: k.KnownRansomware}
	if !k.DateAdded.IsZero() {
		info.DateAdded = k.DateAdded.Format("2006-01-02")
	}
	return info, true
}

// EPSS implements Source.
func (s DBSource) EPSS(cve string) (EPSS, bool) {
	e, ok := s.DB.EPSS(cve)
	return EPSS{Score: e.Score, Percentile: e.Percentile}, ok
}

// EcosystemCounts implements EcosystemCounter from the database's
// provenance.
func (s DBSource) EcosystemCounts() map[string]int { return s.DB.Status().Ecosystems }

// Components converts an SBOM's components for matching.
func Components(doc *sbom.Document) []Component {
	out := make([]Component, len(doc.Components))
	for i := range doc.Components {
		c := &doc.Components[i]
		out[i] = Component{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs}
	}
	return out
}

// ScanDocument scans an SBOM against the advisory database (the contract
// form of Scan).
func ScanDocument(doc *sbom.Document, db *advisory.DB, opts Options) (*Result, error) {
	return Scan(Components(doc), DBSource{DB: db}, opts)
}
