package advisory

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// KEVEntry is one entry of the CISA Known Exploited Vulnerabilities
// catalogue.
type KEVEntry struct {
	CVE             string    `json:"cve"`
	VendorProject   string    `json:"vendorProject"`
	Product         string    `json:"product"`
	Name            string    `json:"name"`
	DateAdded       time.Time `json:"dateAdded"`
	KnownRansomware bool      `json:"knownRansomware"`
}

// EPSSScore is the FIRST Exploit Prediction Scoring System probability of a
// CVE being exploited in the next 30 days, and its percentile among all
// scored CVEs. Both are between 0 and 1.
type EPSSScore struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
}

// Provenance describes what a database was built from: when, from which
// sources, and how many records per ecosystem it holds.
//
// Built is when the database was written; NewestRecord is the latest
// modified or published date of any record in it (dates more than two days
// after Built, which only bad data has, are left out). Stale tells from
// both whether the data is older than StaleAfter. CVE records (Record.CVE
// set) are counted in CVERecords, of which CVEWithdrawn are REJECTED, and
// not in Ecosystems.
type Provenance struct {
	FormatVersion int            `json:"formatVersion"`
	Built         time.Time      `json:"built"`
	NewestRecord  time.Time      `json:"newestRecord,omitzero"`
	Sources       []Source       `json:"sources"`
	Records       int            `json:"records"`
	Skipped       int            `json:"skipped"`
	Ecosystems    map[string]int `json:"ecosystems"` // OSV records per base ecosystem
	CVERecords    int            `json:"cveRecords"`
	CVEWithdrawn  int            `json:"cveWithdrawn"`
	KEVEntries    int            `json:"kevEntries"`
	KEVCatalog    string         `json:"kevCatalogVersion,omitempty"`
	EPSSScores    int            `json:"epssScores"`
	EPSSDate      string         `json:"epssDate,omitempty"`
	// MatchCompiler is the version of the compiler of the database's
	// per-package matchers (RegisterMatchCompiler), 0 when it holds none.
	MatchCompiler int `json:"matchCompiler,omitempty"`
}

// Source is one input of an import or update: a file, directory or URL.
type Source struct {
	Location  string    `json:"location"`            // path or URL
	Kind      string    `json:"kind"`                // osv, cve5, nvd, kev or epss
	Records   int       `json:"records"`             // records (or entries, scores) taken from it
	Skipped   int       `json:"skipped"`             // bad records skipped
	Withdrawn int       `json:"withdrawn,omitempty"` // of Records: REJECTED CVE records (taken, marked withdrawn)
	Newest    time.Time `json:"newest"`              // newest modified / release date seen
	SHA256    string    `json:"sha256,omitempty"`    // of a downloaded file
	ETag      string    `json:"etag,omitempty"`      // of a downloaded file
}

// Lookup returns the records with an affected package of the given
// ecosystem and name. The name is taken as an SBOM writes it and normalised
// with NormalizeName. An ecosystem with a release suffix ("AlmaLinux:8",
// "Debian:11") returns only records that name that release; a bare
// ecosystem ("AlmaLinux") returns the records of all its releases. Each
// record is returned once and whole: callers pick the affected entries that
// concern them.
func (db *DB) Lookup(ecosystem, name string) ([]*Record, error) {
	return db.lookup(ecosystem, name, false)
}

// LookupBrief is Lookup for matching: the records returned carry every
// field matching reads but not Details, References or Credits (left
// empty), which are about half of a record's bytes and are decoded only by
// Lookup. A brief record must not be taken for the whole record.
func (db *DB) LookupBrief(ecosystem, name string) ([]*Record, error) {
	return db.lookup(ecosystem, name, true)
}

func (db *DB) lookup(ecosystem, name string, brief bool) ([]*Record, error) {
	base := BaseEcosystem(ecosystem)
	recs, err := db.postings(tablePkg, pkgKey(base, NormalizeName(base, name)), brief)
	if err != nil || !strings.Contains(ecosystem, ":") {
		return recs, err
	}
	want := strings.ToLower(strings.TrimSpace(ecosystem))
	out := recs[:0:0]
	for _, r := range recs {
		for _, a := range r.Affected {
			if a.Package != nil && strings.ToLower(a.Package.Ecosystem) == want {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

// LookupCPE returns the records that carry a CPE with the given vendor and
// product (case-insensitive), as Bitnami records do in database_specific.
func (db *DB) LookupCPE(vendor, product string) ([]*Record, error) {
	return db.postings(tableCPE, cpeKey(vendor, product), false)
}

// LookupCPEBrief is LookupCPE returning brief records (see LookupBrief).
func (db *DB) LookupCPEBrief(vendor, product string) ([]*Record, error) {
	return db.postings(tableCPE, cpeKey(vendor, product), true)
}

// LookupRepo returns the records with a GIT range on the given repository;
// the URL is compared in its NormalizeRepo form.
func (db *DB) LookupRepo(repoURL string) ([]*Record, error) {
	return db.postings(tableRepo, NormalizeRepo(repoURL), false)
}

// LookupRepoBrief is LookupRepo returning brief records (see LookupBrief).
func (db *DB) LookupRepoBrief(repoURL string) ([]*Record, error) {
	return db.postings(tableRepo, NormalizeRepo(repoURL), true)
}

// KEV returns the KEV catalogue entry of a CVE id, if it is listed.
func (db *DB) KEV(cve string) (KEVEntry, bool) {
	return db.kevEntry(strings.ToUpper(strings.TrimSpace(cve)))
}

// EPSS returns the EPSS score of a CVE id, if it has one.
func (db *DB) EPSS(cve string) (EPSSScore, bool) {
	return db.epssScore(strings.ToUpper(strings.TrimSpace(cve)))
}

// Status returns the database's provenance.
func (db *DB) Status() Provenance { return db.prov }

// keys is what a record is indexed under.
type keys struct{ pkgs, cpes, repos []string }

// recordKeys returns the distinct index keys of a record.
func recordKeys(r *Record) keys {
	var k keys
	for _, a := range r.Affected {
		if a.Package != nil && a.Package.Name != "" {
			base := BaseEcosystem(a.Package.Ecosystem)
			k.pkgs = append(k.pkgs, pkgKey(base, NormalizeName(base, a.Package.Name)))
		}
		for _, rg := range a.Ranges {
			if rg.Type == "GIT" && rg.Repo != "" {
				k.repos = append(k.repos, NormalizeRepo(rg.Repo))
			}
		}
		k.cpes = append(k.cpes, cpesOf(a.DatabaseSpecific)...)
		k.cpes = append(k.cpes, cpesOf(a.EcosystemSpecific)...)
	}
	k.cpes = append(k.cpes, cpesOf(r.DatabaseSpecific)...)
	if r.CVE != nil {
		cveKeys(&k, r.CVE)
	}
	k.pkgs, k.cpes, k.repos = uniq(k.pkgs), uniq(k.cpes), uniq(k.repos)
	return k
}

// CPEs returns the CPE strings a record carries in its database_specific or
// its affected entries' database_specific / ecosystem_specific ("cpes" or
// "cpe" keys), in order, without duplicates.
func (r *Record) CPEs() []string {
	var out []string
	add := func(raw json.RawMessage) { out = append(out, cpeStrings(raw)...) }
	add(r.DatabaseSpecific)
	for _, a := range r.Affected {
		add(a.DatabaseSpecific)
		add(a.EcosystemSpecific)
	}
	seen := map[string]bool{}
	res := out[:0]
	for _, c := range out {
		if !seen[c] {
			seen[c] = true
			res = append(res, c)
		}
	}
	return res
}

// cpeStrings extracts "cpes" (array) and "cpe" (string) from a JSON object.
func cpeStrings(raw json.RawMessage) []string {
	if len(raw) == 0 || !strings.Contains(string(raw), "cpe") {
		return nil
	}
	var v struct {
		CPEs []string `json:"cpes"`
		CPE  string   `json:"cpe"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	if v.CPE != "" {
		v.CPEs = append(v.CPEs, v.CPE)
	}
	return v.CPEs
}

// cpesOf returns the vendor/product keys of the CPEs in a JSON object.
func cpesOf(raw json.RawMessage) []string {
	var out []string
	for _, c := range cpeStrings(raw) {
		if v, p, ok := CPEParts(c); ok {
			out = append(out, cpeKey(v, p))
		}
	}
	return out
}

func pkgKey(base, name string) string { return base + "\x00" + name }

func cpeKey(vendor, product string) string {
	return strings.ToLower(strings.TrimSpace(vendor)) + ":" + strings.ToLower(strings.TrimSpace(product))
}

func uniq(s []string) []string {
	if len(s) < 2 {
		return s
	}
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// countEcosystems counts records per base ecosystem ("(none)" for records
// without a package, such as GIT-only ones); a record naming two ecosystems
// counts in both.
func countEcosystems(records []*Record) map[string]int {
	m := map[string]int{}
	for _, r := range records {
		seen := map[string]bool{}
		for _, a := range r.Affected {
			e := "(none)"
			if a.Package != nil && a.Package.Ecosystem != "" {
				e = BaseEcosystem(a.Package.Ecosystem)
			}
			if !seen[e] {
				seen[e] = true
				m[e]++
			}
		}
		if len(r.Affected) == 0 {
			m["(none)"]++
		}
	}
	return m
}

// DefaultDir returns the default database directory: dualmark/db in the
// user's cache directory ($XDG_CACHE_HOME or ~/.cache on Linux), or
// ./dualmark-db when there is none.
func DefaultDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "dualmark", "db")
	}
	return "dualmark-db"
}

// Keys returns the index keys of a record, in the forms the database's
// pkg, cpe and repo tables store them: "base-ecosystem\x00normalised-name",
// "vendor:product" (lower case) and NormalizeRepo URLs. A CVE record
// (r.CVE set) is indexed under the vendor:product of every CPE of its
// affected products, the entry's own vendor and product (lower case, inner
// spaces as "_"), and its repo. In-memory indexes use the same keys, so a
// key the database stores is the key matching looks up.
func Keys(r *Record) (pkgs, cpes, repos []string) {
	k := recordKeys(r)
	return k.pkgs, k.cpes, k.repos
}

// LookupID returns the records whose id is id, case-insensitively (an OSV
// record and a CVE record may share a CVE id: both are returned, in the
// database's order, the OSV record first), or none.
func (db *DB) LookupID(id string) ([]*Record, error) {
	return db.postings(tableID, strings.ToUpper(strings.TrimSpace(id)), false)
}

// LookupIDBrief is LookupID returning brief records (see LookupBrief).
func (db *DB) LookupIDBrief(id string) ([]*Record, error) {
	return db.postings(tableID, strings.ToUpper(strings.TrimSpace(id)), true)
}

// StaleAfter is the age from which a database's data is reported as stale.
const StaleAfter = 7 * 24 * time.Hour

// Stale returns a warning for each way the database is older than
// StaleAfter at now: built too long ago, or its newest record too old
// (data imported from old files). None when the data is fresh.
func (p Provenance) Stale(now time.Time) []string {
	var w []string
	if age := now.Sub(p.Built); age > StaleAfter {
		w = append(w, fmt.Sprintf("the advisory database was built %s ago (%s); update it from the feeds", days(age), p.Built.Format(time.DateOnly)))
	}
	if !p.NewestRecord.IsZero() {
		if age := now.Sub(p.NewestRecord); age > StaleAfter {
			w = append(w, fmt.Sprintf("its newest record is from %s (%s old): vulnerabilities published since are missing", p.NewestRecord.Format(time.DateOnly), days(age)))
		}
	}
	return w
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
