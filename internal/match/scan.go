// Package match finds the known vulnerabilities of an SBOM's components:
// purl → OSV ecosystem mapping, per-ecosystem version ordering as OSV
// defines it (osv-scalibr's semantic package), SEMVER/ECOSYSTEM/GIT range
// evaluation, CPE matching with a confidence for components without a
// usable purl, enrichment with KEV, EPSS, severity and fixed versions, VEX
// suppression, and the renderings of the result (table, JSON, SARIF,
// CycloneDX VDR, OpenVEX).
package match

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/vex"
)

// Component is what matching needs to know about one SBOM component.
type Component struct {
	Ref     string
	Name    string
	Version string
	PURL    string
	CPEs    []string
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

// Finding is one (component, OSV record) pair: the component is affected.
type Finding struct {
	Component  ComponentRef `json:"component"`
	Advisory   AdvisoryRef  `json:"advisory"`
	Match      string       `json:"match"`
	Confidence float64      `json:"confidence,omitempty"`
	// Ecosystem is the OSV ecosystem the match was made in.
	Ecosystem       string   `json:"ecosystem,omitempty"`
	KEV             bool     `json:"kev"`
	KEVDateAdded    string   `json:"kevDateAdded,omitempty"`
	KnownRansomware bool     `json:"knownRansomware,omitempty"`
	EPSS            *EPSS    `json:"epss"`
	Severity        string   `json:"severity"`
	CVSS            *Score   `json:"cvss,omitempty"`
	Fixed           []string `json:"fixed"`
	Suppressed      bool     `json:"suppressed"`
	// SuppressedBy is the VEX statement that suppressed the finding.
	SuppressedBy *vex.Statement `json:"suppressedBy,omitempty"`
	// VEX are statements that annotate the finding without suppressing it
	// (affected, under_investigation).
	VEX []vex.Statement `json:"vex,omitempty"`
}

// Unmatchable is a component that could not be matched, with the reason.
type Unmatchable struct {
	Component ComponentRef `json:"component"`
	Reason    string       `json:"reason"`
}

// Summary counts what was scanned; every component lands in exactly one of
// Matched, Clean or NotMatchable.
type Summary struct {
	Components          int            `json:"components"`
	Matched             int            `json:"matched"`
	Clean               int            `json:"clean"`
	NotMatchable        int            `json:"notMatchable"`
	NotMatchableReasons map[string]int `json:"notMatchableReasons"`
	NotMatchableList    []Unmatchable  `json:"notMatchableComponents"`
	Findings            int            `json:"findings"`
	Suppressed          int            `json:"suppressed"`
	Vulnerabilities     int            `json:"vulnerabilities"`
	KEV                 int            `json:"kev"`
	BySeverity          map[string]int `json:"bySeverity"`
	ByMatch             map[string]int `json:"byMatch"`
	// NoAdvisoryData counts clean components, by ecosystem, whose
	// ecosystem the database holds no advisories for at all: "clean" there
	// means "not checked against anything".
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
	// VEX are statements applied to the findings.
	VEX []vex.Statement
	// VEXFiles are VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX) read
	// and applied along with VEX; one that cannot be read fails the scan.
	VEXFiles []string
}

// matcher matches components against a Source, caching compiled range
// matchers per package so that components sharing a package compile them
// once. It is not safe for concurrent use.
type matcher struct {
	src     Source
	pkgs    map[[2]string]*pkgMatch
	cpes    map[string][]*entry
	repos   map[string][]*entry
	enrich  map[*advisory.Record]recordEnrichment
	skipped int
	// lastEco is the ecosystem the last matchComponent looked up ("" when
	// it matched by CPE or repository).
	lastEco string
	scratch ver
}

// newMatcher returns a matcher reading from src.
func newMatcher(src Source) *matcher {
	return &matcher{
		src:    src,
		pkgs:   map[[2]string]*pkgMatch{},
		cpes:   map[string][]*entry{},
		repos:  map[string][]*entry{},
		enrich: map[*advisory.Record]recordEnrichment{},
	}
}

// hit is one matched record for a component before enrichment.
type hit struct {
	rec        *advisory.Record
	match      string
	eco        string
	confidence float64
	fixed      []string
}

// packageEntries compiles (once) the affected entries of every record that
// names the package in a compatible ecosystem.
func (m *matcher) packageEntries(eco, name string) (*pkgMatch, error) {
	key := [2]string{eco, name}
	if pm, ok := m.pkgs[key]; ok {
		return pm, nil
	}
	recs, err := m.src.Lookup(eco, name)
	if err != nil {
		return nil, fmt.Errorf("look up %s/%s: %w", eco, name, err)
	}
	pm := &pkgMatch{eco: eco}
	norm := NormalizeName(eco, name)
	vc := map[string]*ver{}
	for _, r := range recs {
		if r.Withdrawn != nil {
			continue
		}
		for i := range r.Affected {
			a := &r.Affected[i]
			if a.Package == nil || !sameEcosystem(eco, a.Package.Ecosystem) || NormalizeName(eco, a.Package.Name) != norm {
				continue
			}
			e := compileEntry(r, a, a.Package.Ecosystem, vc)
			m.skipped += e.skipped
			pm.entries = append(pm.entries, e)
		}
	}
	pm.prepare()
	m.pkgs[key] = pm
	return pm, nil
}

// matchComponent returns the records affecting one component, or the
// reason it cannot be matched.
func (m *matcher) matchComponent(c *Component) ([]hit, string, error) {
	m.lastEco = ""
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
		cp, ok := ParseCPE(s)
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
			recs, err := m.src.LookupCPE(cp.Vendor, cp.Product)
			if err != nil {
				return nil, "", fmt.Errorf("look up CPE %s: %w", key, err)
			}
			for _, r := range recs {
				if r.Withdrawn != nil {
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
		for _, e := range entries {
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
		for _, f := range h.fixed {
			if !slices.Contains(dst[i].fixed, f) {
				dst[i].fixed = append(dst[i].fixed, f)
			}
		}
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
	for _, p := range opts.VEXFiles {
		st, err := vex.Load(p)
		if err != nil {
			return nil, err
		}
		opts.VEX = append(slices.Clip(opts.VEX), st...)
	}
	var counts map[string]int
	if ec, ok := src.(EcosystemCounter); ok {
		counts = ec.EcosystemCounts()
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
						o.findings = append(o.findings, m.finding(ref, h))
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
	s.NotMatchableReasons = map[string]int{}
	s.NotMatchableList = []Unmatchable{}
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
		if o.reason != "" {
			s.NotMatchable++
			s.NotMatchableReasons[o.reason]++
			s.NotMatchableList = append(s.NotMatchableList, Unmatchable{
				Component: ComponentRef{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL}, Reason: o.reason})
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
			s.Matched++
			continue
		}
		s.Clean++
		if base := baseEcosystem(o.eco); counts != nil && base != "" && counts[base] == 0 {
			if s.NoAdvisoryData == nil {
				s.NoAdvisoryData = map[string]int{}
			}
			s.NoAdvisoryData[base]++
		}
	}
	for _, n := range skipped {
		s.SkippedRanges += n
	}
	summarize(res)
	return res, nil
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

// finding enriches a hit into a Finding.
func (m *matcher) finding(ref ComponentRef, h hit) Finding {
	r := h.rec
	en, ok := m.enrich[r]
	if !ok {
		en = m.enrichment(r)
		m.enrich[r] = en
	}
	sev := en.sev
	f := Finding{
		Component:  ref,
		Advisory:   AdvisoryRef{ID: r.ID, Aliases: append([]string{}, r.Aliases...), Summary: r.Summary},
		Match:      h.match,
		Confidence: h.confidence,
		Ecosystem:  h.eco,
		Severity:   sev.Level,
		Fixed:      h.fixed,
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
	return f
}

// recordEnrichment is what a record's findings share: severity, KEV, EPSS.
type recordEnrichment struct {
	sev  Score
	kev  *KEVInfo
	epss *EPSS
}

// enrichment looks up a record's severity and its CVEs in KEV and EPSS
// (the highest EPSS score among its CVEs).
func (m *matcher) enrichment(r *advisory.Record) recordEnrichment {
	en := recordEnrichment{sev: RecordSeverity(r)}
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
// vulnerability (alias groups per component).
func summarize(res *Result) {
	s := &res.Summary
	for i := range res.Findings {
		f := &res.Findings[i]
		s.Findings++
		if f.Suppressed {
			s.Suppressed++
			continue
		}
		s.BySeverity[f.Severity]++
		s.ByMatch[f.Match]++
		if f.KEV {
			s.KEV++
		}
		// count an alias group once: only its member with the smallest id
		lead := true
		for _, r := range f.Advisory.Related {
			if r < f.Advisory.ID {
				lead = false
			}
		}
		if lead {
			s.Vulnerabilities++
		}
	}
}
