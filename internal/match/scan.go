// Package match finds the known vulnerabilities of an SBOM's components:
// purl → OSV ecosystem mapping, per-ecosystem version ordering as OSV
// defines it (osv-scalibr's semantic package), SEMVER/ECOSYSTEM/GIT range
// evaluation, CPE matching with a confidence for components without a
// usable purl, enrichment with KEV, EPSS, severity and fixed versions, VEX
// suppression with statements the caller read, and the findings as VEX
// statements (VEXStatements). The renderings of a result are
// internal/scanreport's.
package match

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/vex"
)

// Component is what matching needs to know about one SBOM component.
type Component struct {
	Ref     string
	Name    string
	Version string
	PURL    string
	CPEs    []string
	// Type is the SBOM component type (operating-system, firmware, ...).
	Type string
	// SourceURL is the source repository (vcs), DownloadURL where the
	// deployable form comes from; both help name firmware identities.
	SourceURL, DownloadURL string
}

// ComponentRef identifies a component in a finding.
type ComponentRef struct {
	Ref     string `json:"ref,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl,omitempty"`
}

// AdvisoryRef identifies the OSV record behind a finding.
type AdvisoryRef struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	// Related are the ids of the other findings on the same component that
	// are the same vulnerability (linked through aliases).
	Related []string `json:"related,omitempty"`
	Summary string   `json:"summary,omitempty"`
}

// Match kinds.
const (
	MatchPURL = "purl"
	MatchCPE  = "cpe"
	MatchGit  = "git"
)

// DecidedBy names the CVE record container whose affected entry decided a
// finding ("cna" or "adp", and the provider's short name).
type DecidedBy struct {
	Container string `json:"container"`
	Provider  string `json:"provider,omitempty"`
}

// Finding is one (component, OSV record) pair: the component is affected.
type Finding struct {
	Component  ComponentRef `json:"component"`
	Advisory   AdvisoryRef  `json:"advisory"`
	Match      string       `json:"match"`
	Confidence float64      `json:"confidence,omitempty"`
	// Ecosystem is the OSV ecosystem the match was made in.
	Ecosystem       string `json:"ecosystem,omitempty"`
	KEV             bool   `json:"kev"`
	KEVDateAdded    string `json:"kevDateAdded,omitempty"`
	KnownRansomware bool   `json:"knownRansomware,omitempty"`
	EPSS            *EPSS  `json:"epss"`
	Severity        string `json:"severity"`
	// SeveritySource says where Severity comes from: the record and the
	// CVSS version or word, or the aliased CVE record's container.
	SeveritySource string `json:"severitySource"`
	CVSS           *Score `json:"cvss,omitempty"`
	// Exploitation is CISA's SSVC Exploitation decision (none, poc,
	// active) from the record or its aliased CVE record, "" when none.
	Exploitation string `json:"exploitation,omitempty"`
	// DecidedBy is the CVE record container that decided (CVE records only).
	DecidedBy *DecidedBy `json:"decidedBy,omitempty"`
	// Platform flags a record limited to a desktop platform (windows,
	// macos, ios) kept because the product's platform is unknown.
	Platform   string   `json:"platformOnly,omitempty"`
	Fixed      []string `json:"fixed"`
	Suppressed bool     `json:"suppressed"`
	// SuppressedBy is the VEX statement that suppressed the finding.
	SuppressedBy *vex.Statement `json:"suppressedBy,omitempty"`
	// VEX are statements that annotate the finding without suppressing it
	// (affected, under_investigation).
	VEX []vex.Statement `json:"vex,omitempty"`
}

// Coverage categories: every component is in exactly one.
const (
	// CoverageAffected: at least one finding not suppressed by VEX.
	CoverageAffected = "affected"
	// CoverageNotAffected: advisory data exists for the component's
	// identity and nothing affects its version.
	CoverageNotAffected = "not-affected"
	// CoverageNoData: no source the database holds covers the component's
	// ecosystem or identity: it was not checked against anything.
	CoverageNoData = "no-data"
	// CoverageUnmatchable: no usable identifier or version.
	CoverageUnmatchable = "unmatchable"
)

// Unmatchable is a component in no-data or unmatchable, with the reason.
type Unmatchable struct {
	Component ComponentRef `json:"component"`
	Coverage  string       `json:"coverage"`
	Reason    string       `json:"reason"`
}

// Summary counts what was scanned; every component lands in exactly one of
// Affected, NotAffected, NoData or Unmatchable.
type Summary struct {
	Components  int `json:"components"`
	Affected    int `json:"affected"`
	NotAffected int `json:"notAffected"`
	NoData      int `json:"noData"`
	Unmatchable int `json:"unmatchable"`
	// Reasons counts the reasons of the no-data and unmatchable components.
	Reasons map[string]int `json:"reasons"`
	// Uncovered lists the no-data and unmatchable components.
	Uncovered []Unmatchable `json:"uncoveredComponents"`
	// Platform is the platform platform rules used ("" unknown) and where
	// it came from ("options" or "sbom").
	Platform       string `json:"platform,omitempty"`
	PlatformSource string `json:"platformSource,omitempty"`
	// Database describes the advisory data: when it was built and the
	// newest record date, with a warning when older than 7 days.
	Database        *DatabaseInfo  `json:"database,omitempty"`
	Findings        int            `json:"findings"`
	Suppressed      int            `json:"suppressed"`
	Vulnerabilities int            `json:"vulnerabilities"`
	KEV             int            `json:"kev"`
	BySeverity      map[string]int `json:"bySeverity"`
	ByMatch         map[string]int `json:"byMatch"`
	// NoAdvisoryData counts no-data components by the ecosystem (or
	// "CVE" for firmware identities) the database holds nothing for.
	NoAdvisoryData map[string]int `json:"noAdvisoryData,omitempty"`
	// SkippedRanges counts advisory ranges left out because an event
	// version did not parse; the rest of those records still counted.
	SkippedRanges int `json:"skippedRanges"`
}

// Result is the outcome of a scan.
type Result struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
}

// Options tune a scan.
type Options struct {
	// VEX are statements applied to the findings, read by the caller
	// (vex.LoadDocument): the scan reads no files but the database.
	VEX []vex.Statement
	// Platform is the product's operating system (see NormalizePlatform);
	// "" derives it from the SBOM (DerivePlatform). A record limited to
	// Windows, macOS or iOS never matches a product on another known
	// platform, and is kept but flagged when the platform is unknown.
	Platform string
}

// matcher matches components against a Source, caching compiled range
// matchers per package so that components sharing a package compile them
// once. It is not safe for concurrent use.
type matcher struct {
	src    Source
	pkgs   map[[2]string]*pkgMatch
	cpes   map[string][]*entry
	repos  map[string][]*entry
	enrich map[*advisory.Record]recordEnrichment
	cve    map[string][]*advisory.Record
	plans  map[*advisory.Record]*recordPlan
	// cpeRecs caches the source's records per CPE vendor:product: OSV
	// matching (matchCPEs) and CVE-record matching (cveRecords) ask the
	// same keys, and decoding the records twice was a tenth of a firmware
	// scan.
	cpeRecs map[string][]*advisory.Record
	// sel is the buffer of the entries a firmware query selects.
	sel []cve5.Entry
	// desktop caches cveDesktopOnly per record
	desktop map[*advisory.Record]string
	// platform is the product's platform ("" unknown).
	platform string
	// covered is false after matchComponent when no source covered the
	// component's identity (no-data rather than not affected).
	covered bool
	skipped int
	// lastEco is the ecosystem the last matchComponent looked up ("" when
	// it matched by CPE or repository).
	lastEco string
	scratch ver
}

// newMatcher returns a matcher reading from src.
func newMatcher(src Source) *matcher {
	return &matcher{
		src:     src,
		pkgs:    map[[2]string]*pkgMatch{},
		cpes:    map[string][]*entry{},
		repos:   map[string][]*entry{},
		enrich:  map[*advisory.Record]recordEnrichment{},
		cve:     map[string][]*advisory.Record{},
		plans:   map[*advisory.Record]*recordPlan{},
		cpeRecs: map[string][]*advisory.Record{},
		desktop: map[*advisory.Record]string{},
	}
}

// hit is one matched record for a component before enrichment.
type hit struct {
	rec        *advisory.Record
	match      string
	eco        string
	confidence float64
	fixed      []string
	// container and provider name the CVE container that decided.
	container, provider string
	// desktop is the desktop platform a CVE entry is limited to.
	desktop string
	// en is the record's enrichment read from its facts (facts.go), nil
	// when it is computed from the record.
	en *recordEnrichment
}

// packageEntries compiles (once) the affected entries of every record that
// names the package in a compatible ecosystem. A database holding compiled
// matchers of this build's compiler (compiled.go) gives the package's
// matcher ready-made, and only the records that match are decoded.
func (m *matcher) packageEntries(eco, name string) (*pkgMatch, error) {
	key := [2]string{eco, name}
	if pm, ok := m.pkgs[key]; ok {
		return pm, nil
	}
	if cs, ok := m.src.(compiledSource); ok {
		pm, ok, err := cs.lookupCompiled(eco, name)
		if err != nil {
			return nil, fmt.Errorf("look up %s/%s: %w", eco, name, err)
		}
		if ok {
			m.skipped += pm.skipped
			m.pkgs[key] = pm
			return pm, nil
		}
	}
	recs, err := m.src.Lookup(eco, name)
	if err != nil {
		return nil, fmt.Errorf("look up %s/%s: %w", eco, name, err)
	}
	pm := buildPkgMatch(eco, name, recs)
	m.skipped += pm.skipped
	m.pkgs[key] = pm
	return pm, nil
}

// buildPkgMatch compiles the entries of recs (a lookup's records, in its
// order) that name the package in a compatible ecosystem, and prepares the
// slot table: the matcher of a package, built here per scan from the
// records or at import time by the compiler (compilePackage).
func buildPkgMatch(eco, name string, recs []*advisory.Record) *pkgMatch {
	pm := &pkgMatch{eco: eco}
	norm := NormalizeName(eco, name)
	vc := map[string]*ver{}
	for ri, r := range recs {
		if r.Withdrawn != nil {
			continue
		}
		for i := range r.Affected {
			a := &r.Affected[i]
			if a.Package == nil || !sameEcosystem(eco, a.Package.Ecosystem) || NormalizeName(eco, a.Package.Name) != norm {
				continue
			}
			e := compileEntry(r, a, a.Package.Ecosystem, vc)
			e.post = ri
			pm.skipped += e.skipped
			pm.entries = append(pm.entries, e)
		}
	}
	pm.prepare()
	return pm
}

// lookupCPE is the source's LookupCPE, cached per vendor:product (in the
// database's case-insensitive form).
func (m *matcher) lookupCPE(vendor, product string) ([]*advisory.Record, error) {
	k := strings.ToLower(strings.TrimSpace(vendor)) + ":" + strings.ToLower(strings.TrimSpace(product))
	if recs, ok := m.cpeRecs[k]; ok {
		return recs, nil
	}
	recs, err := m.src.LookupCPE(vendor, product)
	if err != nil {
		return nil, err
	}
	m.cpeRecs[k] = recs
	return recs, nil
}

// matchComponent returns the records affecting one component, or the
// reason it cannot be matched (or has no data): OSV records by purl, GIT
// repository and CPE, then CVE records by the firmware identities the
// component names.
func (m *matcher) matchComponent(c *Component) ([]hit, string, error) {
	m.lastEco = ""
	m.covered = false
	if placeholderVersion(c.Version) || strings.Contains(c.PURL, "@(") || strings.Contains(c.PURL, "@%28") {
		// "(devel)", "(unknown)": not a version at all, so never "older
		// than every release"
		return nil, ReasonBadVersion, nil
	}
	hits, reason, err := m.matchOSV(c)
	if err != nil || !firmwareEligible(c) {
		return hits, reason, err
	}
	queries := firmwareQueries(c)
	fw, covered, err := m.matchFirmware(queries)
	if err != nil {
		return nil, "", err
	}
	if len(hits) == 0 {
		hits = fw
	} else {
		hits = mergeHits(hits, fw)
	}
	switch {
	case len(hits) > 0:
		return hits, "", nil
	case covered || m.covered:
		return nil, "", nil
	case len(queries) > 0:
		return nil, ReasonNoData, nil
	case reason == "" && m.lastEco == "":
		return nil, ReasonNoData, nil
	}
	return nil, reason, nil
}

// placeholderVersion reports a version that is a placeholder, such as Go's
// "(devel)".
func placeholderVersion(v string) bool {
	if strings.IndexByte(v, '(') < 0 {
		// the usual case, without trimming (TrimSpace was 1 % of a
		// cold 10k scan's CPU)
		return false
	}
	v = strings.TrimSpace(v)
	return strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")")
}

// firmwareEligible reports whether a component may be matched against CVE
// records by identity: it has no purl, or one of a type that names no
// language or distribution ecosystem (generic, github, conan, unknown
// types). Distro packages in particular never are.
func firmwareEligible(c *Component) bool {
	if c.PURL == "" {
		return true
	}
	t := purlType(c.PURL)
	return firmwarePURLTypes[t] || !ecosystemPURLTypes[t]
}

// purlType is the lower-cased type of a purl, without parsing the rest.
func purlType(s string) string {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, "/")
	t, _, _ := strings.Cut(rest, "/")
	return strings.ToLower(t)
}

// ecosystemPURLTypes are the purl types of language and distribution
// ecosystems, matched by OSV records only.
var ecosystemPURLTypes = map[string]bool{
	"golang": true, "npm": true, "pypi": true, "maven": true, "composer": true, "swift": true, "cargo": true,
	"gem": true, "hackage": true, "cran": true, "pub": true, "hex": true, "nuget": true, "bitnami": true,
	"julia": true, "deb": true, "apk": true, "alpine": true, "rpm": true,
}

// matchOSV matches a component against OSV records.
func (m *matcher) matchOSV(c *Component) ([]hit, string, error) {
	var q Query
	reason := ReasonNoIdentifier
	if c.PURL != "" {
		q, reason = QueryFromPURL(c.PURL)
	}
	if reason == "" && q.Ecosystem != "" {
		if q.Version == "" {
			q.Version = c.Version
		}
		if q.Version == "" {
			return nil, ReasonNoVersion, nil
		}
		m.lastEco = q.Ecosystem
		hits, reason, err := m.matchPackage(q)
		if err != nil || reason != "" {
			return nil, reason, err
		}
		if q.Repo != "" {
			gh, err := m.matchRepo(q.Repo, q.Version)
			if err != nil {
				return nil, "", err
			}
			hits = mergeHits(hits, gh)
		}
		return hits, "", nil
	}
	if reason == "" && q.Repo != "" {
		v := q.Version
		if v == "" {
			v = c.Version
		}
		if v == "" {
			return nil, ReasonNoVersion, nil
		}
		hits, err := m.matchRepo(q.Repo, v)
		if err != nil {
			return nil, "", err
		}
		// A repository purl (GitHub, vcs_url) names no ecosystem: the
		// component's CPEs are matched too — the usual case of a firmware
		// C library such as pkg:github/Mbed-TLS/mbedtls with its NVD CPE.
		if len(c.CPEs) > 0 {
			cpeHits, _, err := m.matchCPEs(c)
			if err != nil {
				return nil, "", err
			}
			hits = mergeHits(hits, cpeHits)
		}
		return hits, "", nil
	}
	// No usable purl: CPEs, never for distro packages.
	if len(c.CPEs) > 0 && !q.Distro {
		return m.matchCPEs(c)
	}
	return nil, reason, nil
}

func (m *matcher) matchPackage(q Query) ([]hit, string, error) {
	pm, err := m.packageEntries(q.Ecosystem, q.Name)
	if err != nil {
		return nil, "", err
	}
	if len(pm.entries) == 0 {
		return nil, "", nil
	}
	raw := normalizeVersion(baseEcosystem(q.Ecosystem), q.Version)
	var v *ver
	bad := false
	if pm.ranged || len(pm.listed) > 0 {
		// m.scratch is reused: nothing below keeps v past this call
		if err := m.scratch.set(q.Ecosystem, raw); err != nil {
			bad = true
		} else {
			v = &m.scratch
		}
	}
	var hits []hit
	slot := -1
	if v != nil && pm.ranged {
		slot = pm.slot(v)
		hits = pm.at(slot)
	}
	if pm.lists(raw) {
		hits = pm.withListed(hits, slot, raw, v)
	}
	if err := pm.failure(); err != nil {
		return nil, "", fmt.Errorf("%s/%s: %w", q.Ecosystem, q.Name, err)
	}
	if bad && len(hits) == 0 {
		return nil, ReasonBadVersion, nil
	}
	return hits, "", nil
}

// matchRepo matches GIT ranges: the version must be a tag the record lists
// in versions, or a commit the range lists as introduced/last_affected.
func (m *matcher) matchRepo(repo, version string) ([]hit, error) {
	repo = NormalizeRepo(repo)
	entries, ok := m.repos[repo]
	if !ok {
		recs, err := m.src.LookupRepo(repo)
		if err != nil {
			return nil, fmt.Errorf("look up repository %s: %w", repo, err)
		}
		for _, r := range recs {
			if r.Withdrawn != nil {
				continue
			}
			for i := range r.Affected {
				e := compileEntry(r, &r.Affected[i], "", nil)
				for _, g := range e.git {
					if g.repo == repo {
						entries = append(entries, e)
						break
					}
				}
			}
		}
		m.repos[repo] = entries
	}
	if len(entries) > 0 {
		m.covered = true
	}
	var hits []hit
	lc := strings.ToLower(version)
	for _, e := range entries {
		tagged := e.lists(version)
		listed := false
		for _, g := range e.git {
			if g.repo == repo && g.commits[lc] {
				listed = true
			}
		}
		if tagged || listed {
			hits = mergeHits(hits, []hit{{rec: e.rec, match: MatchGit, eco: "GIT"}})
		}
	}
	return hits, nil
}

// matchCPEs matches a component by its CPEs against records carrying CPEs.
func (m *matcher) matchCPEs(c *Component) ([]hit, string, error) {
	reason := ReasonNoVersion
	var hits []hit
	for _, s := range c.CPEs {
		cp, ok := ident.ParseCPE(s)
		if !ok {
			if reason == ReasonNoVersion {
				reason = ReasonNoIdentifier
			}
			continue
		}
		version := cp.Version
		if !concreteVersion(version) {
			version = c.Version
		}
		if !concreteVersion(version) {
			continue
		}
		reason = ""
		key := cp.Vendor + ":" + cp.Product
		entries, ok := m.cpes[key]
		if !ok {
			recs, err := m.lookupCPE(cp.Vendor, cp.Product)
			if err != nil {
				return nil, "", fmt.Errorf("look up CPE %s: %w", key, err)
			}
			for _, r := range recs {
				if r.Withdrawn != nil || r.CVE != nil {
					continue
				}
				for i := range r.Affected {
					a := &r.Affected[i]
					if a.Package == nil {
						continue
					}
					entries = append(entries, compileEntry(r, a, a.Package.Ecosystem, nil))
				}
			}
			m.cpes[key] = entries
		}
		if len(entries) > 0 {
			m.covered = true
		}
		for _, e := range entries {
			if !namesPackage(e, c, cp) {
				continue
			}
			conf, ok := cpeRecordConfidence(e.rec, cp, version)
			if !ok {
				continue
			}
			v, err := parseVersion(e.eco, version)
			if err != nil {
				v = nil
			}
			if conf < cpeConfidenceExact && !e.affects(version, v) {
				continue
			}
			hits = mergeHits(hits, []hit{{rec: e.rec, match: MatchCPE, eco: e.eco, confidence: conf, fixed: e.fixedAbove(v, nil)}})
		}
	}
	if len(hits) > 0 {
		return hits, "", nil
	}
	return nil, reason, nil
}

// namesPackage reports whether an entry matched by CPE is for the
// component's package: a Bitnami record lists the NVD CPEs of every
// product its package bundles (nginx-gateway lists nginx:nginx), so it
// matches only a component named as its package or its CPE product.
func namesPackage(e *entry, c *Component, cp CPE) bool {
	if baseEcosystem(e.eco) != "Bitnami" {
		return true
	}
	for i := range e.rec.Affected {
		a := &e.rec.Affected[i]
		if a.Package == nil || baseEcosystem(a.Package.Ecosystem) != "Bitnami" {
			continue
		}
		n := looseName(a.Package.Name)
		if n == looseName(c.Name) || n == looseName(cp.Product) {
			return true
		}
	}
	return false
}

// looseName lower-cases a name and drops separators ("Node.js" → "nodejs").
func looseName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != '-' && r != '_' && r != '.' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cpeRecordConfidence checks that the record carries the vendor/product and
// returns the confidence: exact when the record's CPE names this version.
func cpeRecordConfidence(r *advisory.Record, cp CPE, version string) (float64, bool) {
	found := false
	for _, rc := range RecordCPEs(r) {
		if rc.Vendor != cp.Vendor || rc.Product != cp.Product {
			continue
		}
		if concreteVersion(rc.Version) {
			if rc.Version == version {
				return cpeConfidenceExact, true
			}
			continue
		}
		found = true
	}
	return cpeConfidenceRange, found
}

// mergeHits adds hits, one per record id: a record matched through two
// affected entries or two identifiers stays one finding.
func mergeHits(dst, add []hit) []hit {
	for _, h := range add {
		i := slices.IndexFunc(dst, func(d hit) bool { return d.rec.ID == h.rec.ID })
		if i < 0 {
			dst = append(dst, h)
			continue
		}
		dst[i].fixed = mergeFixed(dst[i].fixed, h.fixed)
	}
	return dst
}

// componentOut is what a worker found for one component.
type componentOut struct {
	findings []Finding
	reason   string
	eco      string
	err      error
}

// parallelFrom is the component count from which Scan splits the work.
var parallelFrom = 2000

// shardBuckets is the number of package buckets parallel workers take.
const shardBuckets = 64

// Scan matches every component and returns findings and summary. A
// component is never dropped: it is matched, clean, or counted as not
// matchable with its reason. Large SBOMs are matched by one worker per CPU
// (at most 4) taking buckets of packages; components of one package always
// go to the same worker, so each package's matcher is compiled once.
func Scan(components []Component, src Source, opts Options) (*Result, error) {
	var counts map[string]int
	if ec, ok := src.(EcosystemCounter); ok {
		counts = ec.EcosystemCounts()
	}
	platform, platformSource := NormalizePlatform(opts.Platform), "options"
	if platform == "" {
		platform, platformSource = DerivePlatform(components), "sbom"
	}
	if platform == "" {
		platformSource = ""
	}
	outs := make([]componentOut, len(components))
	workers := min(runtime.GOMAXPROCS(0), 4)
	if len(components) < parallelFrom {
		workers = 1
	}
	// Components are dealt to workers by package in shardBuckets buckets,
	// which idle workers take, largest first: with one fixed shard per
	// worker the two workers of a cold 10k scan finished 5-30 % apart.
	var order [][]int
	if workers > 1 {
		order = make([][]int, shardBuckets)
		for i := range components {
			b := shardOf(&components[i]) % shardBuckets
			order[b] = append(order[b], i)
		}
		slices.SortStableFunc(order, func(a, b []int) int { return len(b) - len(a) })
	} else {
		all := make([]int, len(components))
		for i := range all {
			all[i] = i
		}
		order = [][]int{all}
	}
	var next atomic.Int32
	skipped := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := newMatcher(src)
			m.platform = platform
			for {
				b := int(next.Add(1)) - 1
				if b >= len(order) {
					break
				}
				for _, i := range order[b] {
					c := &components[i]
					hits, reason, err := m.matchComponent(c)
					o := &outs[i]
					o.reason, o.eco, o.err = reason, m.lastEco, err
					if err != nil || reason != "" {
						continue
					}
					ref := ComponentRef{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL}
					if len(hits) > 0 {
						o.findings = make([]Finding, 0, len(hits))
					}
					for _, h := range hits {
						if f, ok := m.finding(ref, h); ok {
							o.findings = append(o.findings, f)
						}
					}
				}
			}
			skipped[w] = m.skipped
		}()
	}
	wg.Wait()

	res := &Result{Findings: []Finding{}}
	s := &res.Summary
	s.Components = len(components)
	s.Platform, s.PlatformSource = platform, platformSource
	s.Reasons = map[string]int{}
	s.Uncovered = []Unmatchable{}
	if ds, ok := src.(DatabaseDescriber); ok {
		info := ds.DatabaseInfo(time.Now())
		s.Database = &info
	}
	s.BySeverity = map[string]int{}
	s.ByMatch = map[string]int{}
	// Size the findings once: appending component by component re-copied
	// the large Finding values and cost ~11 % of a cold 10k scan's CPU.
	total := 0
	for i := range outs {
		total += len(outs[i].findings)
	}
	res.Findings = make([]Finding, 0, total)
	for i := range outs {
		o := &outs[i]
		c := &components[i]
		if o.err != nil {
			return nil, fmt.Errorf("component %d (%s): %w", i, c.Name, o.err)
		}
		uncovered := func(reason string) {
			cov := CoverageUnmatchable
			if reason == ReasonUnknownEcosystem || reason == ReasonNoData || strings.HasPrefix(reason, reasonNoEcosystemData) {
				cov = CoverageNoData
				s.NoData++
			} else {
				s.Unmatchable++
			}
			s.Reasons[reason]++
			s.Uncovered = append(s.Uncovered, Unmatchable{
				Component: ComponentRef{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL}, Coverage: cov, Reason: reason})
		}
		if o.reason != "" {
			if o.reason == ReasonNoData {
				s.noData("CVE records")
			}
			uncovered(o.reason)
			continue
		}
		linkAliases(o.findings)
		applyVEX(o.findings, opts.VEX)
		res.Findings = append(res.Findings, o.findings...)
		active := 0
		for _, f := range o.findings {
			if !f.Suppressed {
				active++
			}
		}
		if active > 0 {
			s.Affected++
			continue
		}
		if base := baseEcosystem(o.eco); counts != nil && base != "" && counts[base] == 0 && len(o.findings) == 0 {
			s.noData(base)
			uncovered(reasonNoEcosystemData + base)
			continue
		}
		s.NotAffected++
	}
	for _, n := range skipped {
		s.SkippedRanges += n
	}
	if es, ok := src.(errSource); ok {
		if err := es.Err(); err != nil {
			return nil, err
		}
	}
	summarize(res)
	return res, nil
}

// errSource is implemented by sources whose lookups without an error
// (KEV, EPSS) answer nothing after a failed read of the database: Err is
// that failure, which Scan returns instead of findings missing their KEV
// or EPSS data.
type errSource interface{ Err() error }

// reasonNoEcosystemData prefixes the ecosystem the database holds no
// records for.
const reasonNoEcosystemData = "no advisories in the database for ecosystem "

// noData counts a no-data component under its ecosystem (or "CVE").
func (s *Summary) noData(eco string) {
	if s.NoAdvisoryData == nil {
		s.NoAdvisoryData = map[string]int{}
	}
	s.NoAdvisoryData[eco]++
}

// shardOf hashes what identifies a component's package (the purl up to its
// version, else the name) so one package lands on one worker.
func shardOf(c *Component) uint32 {
	k := c.PURL
	if i := strings.LastIndexByte(k, '@'); i > 0 {
		k = k[:i]
	}
	if k == "" {
		k = c.Name
	}
	h := uint32(2166136261)
	for i := 0; i < len(k); i++ {
		h = (h ^ uint32(k[i])) * 16777619
	}
	return h
}

// finding enriches a hit into a Finding; ok is false when the record is
// limited to a desktop platform other than the product's.
func (m *matcher) finding(ref ComponentRef, h hit) (Finding, bool) {
	r := h.rec
	var en recordEnrichment
	if h.en != nil {
		en = *h.en
	} else if e, ok := m.enrich[r]; ok {
		en = e
	} else {
		en = m.enrichment(r)
		m.enrich[r] = en
	}
	desktop := h.desktop
	if desktop == "" {
		desktop = en.desktop
	}
	if excludedOn(m.platform, desktop) {
		return Finding{}, false
	}
	sev := en.sev
	f := Finding{
		Component:      ref,
		Advisory:       AdvisoryRef{ID: r.ID, Aliases: append([]string{}, r.Aliases...), Summary: r.Summary},
		Match:          h.match,
		Confidence:     h.confidence,
		Ecosystem:      h.eco,
		Severity:       sev.Level,
		SeveritySource: en.sevSource,
		Exploitation:   en.exploitation,
		Fixed:          h.fixed,
	}
	if desktop != "" && m.platform == "" {
		f.Platform = desktop
	}
	if h.container != "" {
		f.DecidedBy = &DecidedBy{Container: h.container, Provider: h.provider}
	}
	if f.Fixed == nil {
		f.Fixed = []string{}
	}
	if sev.Vector != "" {
		s := sev
		f.CVSS = &s
	}
	if en.kev != nil {
		f.KEV, f.KEVDateAdded, f.KnownRansomware = true, en.kev.DateAdded, en.kev.KnownRansomware
	}
	f.EPSS = en.epss
	return f, true
}

// recordEnrichment is what a record's findings share: severity, KEV, EPSS.
type recordEnrichment struct {
	sev          Score
	sevSource    string
	exploitation string
	// desktop is the desktop platform the aliased CVE record limits the
	// vulnerability to ("" for none).
	desktop string
	kev     *KEVInfo
	epss    *EPSS
}

// enrichment looks up a record's severity (from the record, else from an
// aliased CVE record), SSVC exploitation and platform limits, and its CVEs
// in KEV and EPSS (the highest EPSS score among its CVEs).
func (m *matcher) enrichment(r *advisory.Record) recordEnrichment {
	var en recordEnrichment
	if r.CVE != nil {
		en.sev, en.sevSource = CVESeverity(r.CVE)
		en.exploitation = cveExploitation(r.CVE)
	} else {
		en.sev = RecordSeverity(r)
		en.sevSource = osvSeveritySource(r, en.sev)
	}
	// the CVE records of its id and aliases: another source's record of
	// the same CVE (OpenSSL's and CISA's), or the CVE behind an OSV record
	m.aliasEnrichment(r, &en)
	for _, cve := range cveIDs(r) {
		if k, ok := m.src.KEV(cve); ok && en.kev == nil {
			en.kev = &k
		}
		if e, ok := m.src.EPSS(cve); ok && (en.epss == nil || e.Score > en.epss.Score) {
			en.epss = &e
		}
	}
	return en
}

// cveIDs are the CVE ids of a record: its id and aliases.
func cveIDs(r *advisory.Record) []string {
	var out []string
	if strings.HasPrefix(r.ID, "CVE-") {
		out = append(out, r.ID)
	}
	for _, a := range r.Aliases {
		if strings.HasPrefix(a, "CVE-") && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// linkAliases fills Related for findings of one component that are the same
// vulnerability: one's id is the other's alias, or they share an alias.
func linkAliases(fs []Finding) {
	if len(fs) < 2 {
		return
	}
	if len(fs) <= linkAliasesPairwise {
		linkAliasesSmall(fs)
		return
	}
	// every id and alias → the findings naming it
	names := make(map[string][]int, len(fs)*2)
	for i := range fs {
		a := &fs[i].Advisory
		names[a.ID] = append(names[a.ID], i)
		for _, x := range a.Aliases {
			names[x] = append(names[x], i)
		}
	}
	var rel []int
	for i := range fs {
		a := &fs[i].Advisory
		rel = rel[:0]
		rel = append(rel, names[a.ID]...)
		for _, x := range a.Aliases {
			rel = append(rel, names[x]...)
		}
		slices.Sort(rel)
		for k, j := range rel {
			if j != i && (k == 0 || rel[k-1] != j) {
				a.Related = append(a.Related, fs[j].Advisory.ID)
			}
		}
	}
}

// linkAliasesPairwise is the findings count up to which linkAliases
// compares the findings pairwise instead of building a map of names: most
// affected components have a few findings, and the map per component was
// most of linkAliases' time in a cold 10k scan.
const linkAliasesPairwise = 8

// linkAliasesSmall is linkAliases by comparing every pair: a finding is
// related to each other one sharing a name (id or alias) with it, in
// their order.
func linkAliasesSmall(fs []Finding) {
	for i := range fs {
		a := &fs[i].Advisory
		for j := range fs {
			if j != i && sharesName(a, &fs[j].Advisory) {
				a.Related = append(a.Related, fs[j].Advisory.ID)
			}
		}
	}
}

// sharesName reports whether two advisories have a name (id or alias) in
// common.
func sharesName(a, b *AdvisoryRef) bool {
	if a.ID == b.ID || slices.Contains(b.Aliases, a.ID) || slices.Contains(a.Aliases, b.ID) {
		return true
	}
	for _, x := range a.Aliases {
		if slices.Contains(b.Aliases, x) {
			return true
		}
	}
	return false
}

// applyVEX suppresses or annotates findings with the statements naming them
// (by id or alias) for their component. The last suppressing statement in
// document order wins.
func applyVEX(fs []Finding, stmts []vex.Statement) {
	if len(stmts) == 0 {
		return
	}
	for i := range fs {
		f := &fs[i]
		ids := append([]string{f.Advisory.ID}, f.Advisory.Aliases...)
		for j := range stmts {
			st := &stmts[j]
			if !st.AppliesTo(ids, f.Component.PURL) {
				continue
			}
			if st.Suppresses() {
				f.Suppressed = true
				f.SuppressedBy = st
			} else {
				f.VEX = append(f.VEX, *st)
			}
		}
	}
}

// summarize counts findings by severity, match kind and distinct
// vulnerability: the findings of one component that alias each other
// count once, at the worst severity among them, KEV if any is.
func summarize(res *Result) {
	s := &res.Summary
	type group struct {
		sev   string
		kev   bool
		match string
	}
	// the groups in order of their first finding, found by their index
	// (a map to pointers allocated a group per vulnerability)
	index := make(map[GroupID]int32, len(res.Findings))
	groups := make([]group, 0, len(res.Findings))
	for i := range res.Findings {
		f := &res.Findings[i]
		s.Findings++
		if f.Suppressed {
			s.Suppressed++
			continue
		}
		k := Group(f)
		gi, ok := index[k]
		if !ok {
			gi = int32(len(groups))
			index[k] = gi
			groups = append(groups, group{sev: f.Severity, match: f.Match})
		}
		g := &groups[gi]
		if severityRank(f.Severity) > severityRank(g.sev) || g.sev == SeverityUnknown && f.Severity != SeverityUnknown {
			g.sev = f.Severity
		}
		g.kev = g.kev || f.KEV
	}
	for i := range groups {
		g := &groups[i]
		s.Vulnerabilities++
		s.BySeverity[g.sev]++
		s.ByMatch[g.match]++
		if g.kev {
			s.KEV++
		}
	}
}

// GroupKey identifies the vulnerability a finding is on its component:
// the component and the smallest id among the finding's record and the
// records it is related to (aliases), so findings that are one
// vulnerability share it. It is Group's fields joined by NUL bytes.
func GroupKey(f *Finding) string {
	g := Group(f)
	return g.Component + "\x00" + g.Ref + "\x00" + g.ID
}

// GroupID is GroupKey's parts, for map keys without building the string
// (the concatenation was a twentieth of a cold 10k scan, done twice: by
// summarize and by the table).
type GroupID struct {
	// Component is ComponentRef.ID, Ref the component's SBOM reference,
	// ID the smallest of the finding's and its related findings' ids.
	Component, Ref, ID string
}

// Group returns the parts of a finding's GroupKey.
func Group(f *Finding) GroupID {
	id := f.Advisory.ID
	for _, r := range f.Advisory.Related {
		if r < id {
			id = r
		}
	}
	return GroupID{Component: f.Component.ID(), Ref: f.Component.Ref, ID: id}
}
