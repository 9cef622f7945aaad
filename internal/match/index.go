package match

import (
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
)

// Source is where matching reads advisories and enrichment from. The
// advisory database satisfies it through DBSource; Index is an in-memory
// implementation for tests and long-running servers.
type Source interface {
	// Lookup returns the records with an affected entry for the package;
	// ecosystem may carry a release suffix ("Debian:12").
	Lookup(ecosystem, name string) ([]*advisory.Record, error)
	// LookupCPE returns the records carrying a CPE with this vendor/product.
	LookupCPE(vendor, product string) ([]*advisory.Record, error)
	// LookupRepo returns the records with a GIT range in the repository.
	LookupRepo(repoURL string) ([]*advisory.Record, error)
	// KEV reports whether the CVE is in CISA's KEV catalogue.
	KEV(cve string) (KEVInfo, bool)
	// EPSS returns the CVE's EPSS score.
	EPSS(cve string) (EPSS, bool)
}

// EcosystemCounter is implemented by sources that know how many records
// each base ecosystem ("Debian", not "Debian:12") holds; Scan then flags
// clean components whose ecosystem has no advisories at all.
type EcosystemCounter interface {
	EcosystemCounts() map[string]int
}

// KEVInfo is what the KEV catalogue says about a CVE.
type KEVInfo struct {
	DateAdded       string `json:"dateAdded"`
	KnownRansomware bool   `json:"knownRansomware"`
}

// EPSS is a CVE's exploit prediction score and percentile (0..1).
type EPSS struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
}

// Index is an in-memory Source built from records.
type Index struct {
	byPkg  map[string][]*advisory.Record
	byCPE  map[string][]*advisory.Record
	byRepo map[string][]*advisory.Record
	kev    map[string]KEVInfo
	epss   map[string]EPSS
	ecos   map[string]int
}

// NewIndex indexes records by (base ecosystem, normalised name), by CPE
// vendor/product and by GIT repository. Withdrawn records are kept out.
func NewIndex(records []*advisory.Record) *Index {
	ix := &Index{
		byPkg:  map[string][]*advisory.Record{},
		byCPE:  map[string][]*advisory.Record{},
		byRepo: map[string][]*advisory.Record{},
		kev:    map[string]KEVInfo{},
		epss:   map[string]EPSS{},
		ecos:   map[string]int{},
	}
	for _, r := range records {
		if r.Withdrawn != nil {
			continue
		}
		seen := map[string]bool{}
		add := func(m map[string][]*advisory.Record, k string) {
			if !seen[k] {
				seen[k] = true
				m[k] = append(m[k], r)
			}
		}
		for _, a := range r.Affected {
			if a.Package != nil && a.Package.Name != "" {
				if k := pkgKey(a.Package.Ecosystem, a.Package.Name); !seen[k] {
					ix.ecos[baseEcosystem(a.Package.Ecosystem)]++
				}
				add(ix.byPkg, pkgKey(a.Package.Ecosystem, a.Package.Name))
			}
			for _, rg := range a.Ranges {
				if rg.Type == "GIT" && rg.Repo != "" {
					add(ix.byRepo, "repo\x00"+NormalizeRepo(rg.Repo))
				}
			}
		}
		for _, c := range RecordCPEs(r) {
			add(ix.byCPE, "cpe\x00"+c.Vendor+":"+c.Product)
		}
	}
	return ix
}

func pkgKey(eco, name string) string {
	b := baseEcosystem(eco)
	return b + "\x00" + NormalizeName(b, name)
}

// AddKEV records a KEV entry for a CVE.
func (ix *Index) AddKEV(cve string, k KEVInfo) { ix.kev[strings.ToUpper(cve)] = k }

// AddEPSS records an EPSS score for a CVE.
func (ix *Index) AddEPSS(cve string, e EPSS) { ix.epss[strings.ToUpper(cve)] = e }

// Lookup implements Source.
func (ix *Index) Lookup(ecosystem, name string) ([]*advisory.Record, error) {
	return ix.byPkg[pkgKey(ecosystem, name)], nil
}

// LookupCPE implements Source.
func (ix *Index) LookupCPE(vendor, product string) ([]*advisory.Record, error) {
	return ix.byCPE["cpe\x00"+strings.ToLower(vendor)+":"+strings.ToLower(product)], nil
}

// LookupRepo implements Source.
func (ix *Index) LookupRepo(repoURL string) ([]*advisory.Record, error) {
	return ix.byRepo["repo\x00"+NormalizeRepo(repoURL)], nil
}

// KEV implements Source.
func (ix *Index) KEV(cve string) (KEVInfo, bool) {
	k, ok := ix.kev[strings.ToUpper(cve)]
	return k, ok
}

// EPSS implements Source.
func (ix *Index) EPSS(cve string) (EPSS, bool) {
	e, ok := ix.epss[strings.ToUpper(cve)]
	return e, ok
}

// EcosystemCounts implements EcosystemCounter.
func (ix *Index) EcosystemCounts() map[string]int { return ix.ecos }
