package match

import (
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
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

// IDLooker is implemented by sources that find records by id (an OSV
// record's CVE alias, for the severity, exploitation and platforms of the
// CVE record). The advisory database and Index implement it.
type IDLooker interface {
	LookupID(id string) ([]*advisory.Record, error)
}

// Index is an in-memory Source built from records.
type Index struct {
	byPkg  map[string][]*advisory.Record
	byCPE  map[string][]*advisory.Record
	byRepo map[string][]*advisory.Record
	byID   map[string][]*advisory.Record
	kev    map[string]KEVInfo
	epss   map[string]EPSS
	ecos   map[string]int
}

// NewIndex indexes records under the keys the on-disk database uses
// (advisory.Keys: base ecosystem and normalised name, CPE vendor:product —
// for CVE records also each affected entry's vendor:product —, normalised
// repository) and by id. Withdrawn records are kept out.
func NewIndex(records []*advisory.Record) *Index {
	ix := &Index{
		byPkg:  map[string][]*advisory.Record{},
		byCPE:  map[string][]*advisory.Record{},
		byRepo: map[string][]*advisory.Record{},
		byID:   map[string][]*advisory.Record{},
		kev:    map[string]KEVInfo{},
		epss:   map[string]EPSS{},
		ecos:   map[string]int{},
	}
	for _, r := range records {
		if r.Withdrawn != nil || (r.CVE != nil && r.CVE.State == "REJECTED") {
			continue
		}
		ix.byID[strings.ToUpper(r.ID)] = append(ix.byID[strings.ToUpper(r.ID)], r)
		pkgs, cpes, repos := advisory.Keys(r)
		if r.CVE != nil {
			c, rp := cveKeys(r.CVE)
			cpes, repos = union(cpes, c), union(repos, rp)
		}
		for _, k := range pkgs {
			base, _, _ := strings.Cut(k, "\x00")
			ix.ecos[base]++
			ix.byPkg[k] = append(ix.byPkg[k], r)
		}
		for _, k := range cpes {
			ix.byCPE[k] = append(ix.byCPE[k], r)
		}
		for _, k := range repos {
			ix.byRepo[k] = append(ix.byRepo[k], r)
		}
	}
	return ix
}

// cveKeys are the keys advisory.Keys documents for a CVE record: the
// vendor:product of every CPE of its affected entries, each entry's own
// vendor:product (lower case, spaces as "_") and its repository. The
// in-memory index adds them itself until the importer's advisory.Keys
// returns them (the union is then the same set).
func cveKeys(r *cve5.Record) (cpes, repos []string) {
	for i := range r.Containers {
		for j := range r.Containers[i].Affected {
			p := &r.Containers[i].Affected[j]
			for _, s := range p.CPEs {
				if c, ok := ident.ParseCPE(s); ok {
					cpes = append(cpes, productKey(c.Vendor, c.Product))
				}
			}
			if p.Vendor != "" && p.Product != "" {
				cpes = append(cpes, productKey(p.Vendor, p.Product))
			}
			if p.Repo != "" {
				repos = append(repos, advisory.NormalizeRepo(p.Repo))
			}
		}
	}
	return cpes, repos
}

// union appends the strings of b not in a.
func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

func pkgKey(eco, name string) string {
	b := advisory.BaseEcosystem(eco)
	return b + "\x00" + advisory.NormalizeName(b, name)
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
	return ix.byCPE[strings.ToLower(strings.TrimSpace(vendor))+":"+strings.ToLower(strings.TrimSpace(product))], nil
}

// LookupRepo implements Source.
func (ix *Index) LookupRepo(repoURL string) ([]*advisory.Record, error) {
	return ix.byRepo[advisory.NormalizeRepo(repoURL)], nil
}

// LookupID implements IDLooker.
func (ix *Index) LookupID(id string) ([]*advisory.Record, error) {
	return ix.byID[strings.ToUpper(strings.TrimSpace(id))], nil
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
