package match

import (
	"fmt"
	"time"

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

// Err is the database's read failure (advisory.DB.Err), for Scan.
func (s DBSource) Err() error { return s.DB.Err() }

// EcosystemCounts implements EcosystemCounter from the database's
// provenance.
func (s DBSource) EcosystemCounts() map[string]int { return s.DB.Status().Ecosystems }

// Components converts an SBOM's components for matching.
func Components(doc *sbom.Document) []Component {
	out := make([]Component, len(doc.Components))
	for i := range doc.Components {
		c := &doc.Components[i]
		out[i] = Component{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs, Type: c.Type}
		if c.Extra != nil {
			out[i].SourceURL, out[i].DownloadURL = c.Extra.SourceURL, c.Extra.DownloadURL
		}
	}
	return out
}

// ScanDocument scans an SBOM against the advisory database (the contract
// form of Scan).
func ScanDocument(doc *sbom.Document, db *advisory.DB, opts Options) (*Result, error) {
	return Scan(Components(doc), DBSource{DB: db}, opts)
}

// LookupID implements IDLooker.
// (brief records, as Lookup).
func (s DBSource) LookupID(id string) ([]*advisory.Record, error) { return s.DB.LookupIDBrief(id) }

// staleAfter is the age from which the advisory data is called out of date.
const staleAfter = 7 * 24 * time.Hour

// DatabaseInfo is what a scan says about the advisory data it used.
type DatabaseInfo struct {
	// Built is when the database was built.
	Built time.Time `json:"built,omitzero"`
	// Newest is the newest record (modification or release) date among
	// its sources.
	Newest time.Time `json:"newestRecord,omitzero"`
	// Warning is set when the database or its newest record is older than
	// 7 days at scan time (or either date is unknown).
	Warning string `json:"warning,omitempty"`
}

// DatabaseDescriber is implemented by sources that can describe their data.
type DatabaseDescriber interface {
	DatabaseInfo(now time.Time) DatabaseInfo
}

// DatabaseInfo implements DatabaseDescriber from the database's provenance.
func (s DBSource) DatabaseInfo(now time.Time) DatabaseInfo {
	p := s.DB.Status()
	info := DatabaseInfo{Built: p.Built, Newest: p.NewestRecord}
	for _, src := range p.Sources {
		if src.Newest.After(info.Newest) {
			info.Newest = src.Newest
		}
	}
	info.Warning = staleness(info, now)
	return info
}

// staleness words the warning for data older than staleAfter.
func staleness(info DatabaseInfo, now time.Time) string {
	switch {
	case info.Built.IsZero():
		return "the database does not record when it was built"
	case now.Sub(info.Built) > staleAfter:
		return fmt.Sprintf("the database was built %s, %d days ago: run \"dualmark db update\"", info.Built.UTC().Format("2006-01-02"), int(now.Sub(info.Built).Hours()/24))
	case info.Newest.IsZero():
		return "the database records no record dates"
	case now.Sub(info.Newest) > staleAfter:
		return fmt.Sprintf("the newest advisory record is from %s, %d days before this scan: the data may miss recent vulnerabilities", info.Newest.UTC().Format("2006-01-02"), int(now.Sub(info.Newest).Hours()/24))
	}
	return ""
}
