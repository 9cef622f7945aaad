package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/purl"
)

// MatchCVEProduct is a match of a CVE record through the identity the
// component names by purl, repository or name (not by a CPE): the record's
// affected entry names the same software.
const MatchCVEProduct = "cve-product"

// Confidences of CVE-record matches: a CPE the component states names the
// vendor and product exactly; a purl, repository or download URL names the
// software without the vendor; a bare name is a guess the table backs.
const (
	confidenceCPE  = 0.9
	confidenceRepo = 0.8
	confidenceName = 0.7
)

// firmwareQuery is one identity a component names, with the version to ask
// CVE records about.
type firmwareQuery struct {
	id      *Identity
	version string
	match   string
	conf    float64
}

// firmwarePURLTypes are the purl types that name no OSV ecosystem with
// data for firmware (or, for conan, only some): their components are
// matched against CVE records by identity.
var firmwarePURLTypes = map[string]bool{"generic": true, "github": true, "bitbucket": true, "gitlab": true, "conan": true}

// firmwareQueries lists the identities a component names, most certain
// first, one query per identity.
func firmwareQueries(c *Component) []firmwareQuery {
	var out []firmwareQuery
	add := func(id *Identity, version, match string, conf float64) {
		version = strings.TrimSpace(version)
		if id == nil || !concreteVersion(version) {
			return
		}
		for _, q := range out {
			if q.id == id || (q.id.Name == id.Name && id.Name != "") {
				return
			}
		}
		out = append(out, firmwareQuery{id: id, version: version, match: match, conf: conf})
	}
	for _, s := range c.CPEs {
		cp, ok := ident.ParseCPE(s)
		if !ok {
			continue
		}
		v := cp.Version
		if !concreteVersion(v) {
			v = c.Version
		}
		id, ok := IdentityByKey(cp.Vendor, cp.Product)
		if !ok {
			key := productKey(cp.Vendor, cp.Product)
			id = &Identity{Name: key, Keys: []string{key}}
		}
		add(id, v, MatchCPE, confidenceCPE)
	}
	// repos may name an unknown project's repository (matched against the
	// CVE records listing it); urls only find table rows.
	var repos, urls []string
	name := c.Name
	version := c.Version
	if c.PURL != "" {
		p, err := purl.ParseLenient(c.PURL)
		if err == nil {
			if p.Version != "" {
				version = p.Version
			}
			if !firmwarePURLTypes[p.Type] {
				// an ecosystem or distro purl: OSV covers it, or it is no-data
				return out
			}
			name = p.Name
			switch p.Type {
			case "github", "bitbucket", "gitlab":
				host := map[string]string{"github": "github.com", "bitbucket": "bitbucket.org", "gitlab": "gitlab.com"}[p.Type]
				repos = append(repos, host+"/"+p.Namespace+"/"+p.Name)
			}
			repos = append(repos, p.Qualifier("vcs_url"))
			urls = append(urls, p.Qualifier("download_url"))
		}
	}
	repos = append(repos, c.SourceURL)
	urls = append(urls, c.DownloadURL)
	for i, r := range append(repos, urls...) {
		if r == "" {
			continue
		}
		if id, ok := identityByURL(r); ok {
			add(id, version, MatchCVEProduct, confidenceRepo)
		} else if i < len(repos) {
			norm := advisory.NormalizeRepo(r)
			add(&Identity{Name: norm, Repos: []string{norm}}, version, MatchCVEProduct, confidenceRepo)
		}
	}
	if id, ok := IdentityByName(name); ok {
		conf := confidenceName
		if c.PURL != "" {
			conf = confidenceRepo
		}
		add(id, version, MatchCVEProduct, conf)
	}
	return out
}

// identityByURL finds the table row of a repository or download URL: the
// URL is, or lies under, one of its repositories.
func identityByURL(u string) (*Identity, bool) {
	if id, ok := IdentityByRepo(u); ok {
		return id, true
	}
	n := advisory.NormalizeRepo(u)
	for i := range FirmwareIdentities {
		for _, r := range FirmwareIdentities[i].Repos {
			if strings.HasPrefix(n, r+"/") {
				return &FirmwareIdentities[i], true
			}
		}
	}
	return nil, false
}

// cveRecords returns the CVE records indexed under an identity's keys and
// repositories, each once, cached per key.
func (m *matcher) cveRecords(id *Identity) ([]*advisory.Record, error) {
	var out []*advisory.Record
	seen := map[*advisory.Record]bool{}
	take := func(k string, look func() ([]*advisory.Record, error)) error {
		recs, ok := m.cve[k]
		if !ok {
			all, err := look()
			if err != nil {
				return err
			}
			for _, r := range all {
				if r.CVE != nil && r.CVE.State != "REJECTED" {
					recs = append(recs, r)
				}
			}
			m.cve[k] = recs
		}
		for _, r := range recs {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		return nil
	}
	for _, k := range id.Keys {
		vendor, product, _ := strings.Cut(k, ":")
		if err := take("cpe\x00"+k, func() ([]*advisory.Record, error) { return m.lookupCPE(vendor, product) }); err != nil {
			return nil, fmt.Errorf("look up CPE %s: %w", k, err)
		}
	}
	for _, r := range id.Repos {
		if err := take("repo\x00"+r, func() ([]*advisory.Record, error) { return m.src.LookupRepo(r) }); err != nil {
			return nil, fmt.Errorf("look up repository %s: %w", r, err)
		}
	}
	return out, nil
}

// matchFirmware decides every CVE record of a component's identities
// with the record format's algorithm. covered is false when no CVE record
// names any of them (no data, rather than not affected).
func (m *matcher) matchFirmware(queries []firmwareQuery) (hits []hit, covered bool, err error) {
	// one hit per record id (two sources' records of one CVE, two
	// identities): a map, as an old kernel has over a thousand hits
	byID := map[string]int{}
	for i := range queries {
		q := &queries[i]
		recs, err := m.cveRecords(q.id)
		if err != nil {
			return nil, false, err
		}
		if len(recs) > 0 {
			covered = true
		}
		for _, r := range recs {
			m.sel = q.selectEntries(m.recordPlan(r), m.sel)
			if len(m.sel) == 0 {
				continue
			}
			d := r.CVE.DecideEntries(m.sel, q.version)
			if d.Status != cve5.StatusAffected {
				continue
			}
			h := hit{rec: r, match: q.match, eco: "CVE", confidence: q.conf, fixed: d.Fixed,
				container: d.Container, provider: d.Provider}
			h.desktop = m.desktopOf(r)
			if j, ok := byID[r.ID]; ok {
				hits[j].fixed = mergeFixed(hits[j].fixed, h.fixed)
				continue
			}
			byID[r.ID] = len(hits)
			hits = append(hits, h)
		}
	}
	return hits, covered, nil
}

// selects is the identity's selector for this query's version, leaving out
// two kinds of entries CISA's ADP writes for the Linux kernel that would
// otherwise answer for every release: ranges whose bounds are git commit
// ids labelled "custom" (the CNA's git ranges copied), which no numbered
// release can be ordered against, and entries without ranges whose CPEs
// all name one concrete version other than the queried one (a CPE for 5.3
// listing version 5.3 with defaultStatus "affected" says nothing about
// 6.11.5). selectEntries computes the same from a record's plan.
func (q *firmwareQuery) selects(p *cve5.Product, n *productNames) bool {
	return q.id.selects(n) && !commitRanges(p) && q.versionSelects(p)
}

// versionSelects is the version-dependent half of selects: an entry
// without ranges whose CPEs all name concrete versions is selected only
// when one of them is the queried version.
func (q *firmwareQuery) versionSelects(p *cve5.Product) bool {
	pinned := pinnedVersions(p)
	return pinned == nil || slices.Contains(pinned, q.version)
}

// pinnedVersions returns the CPE versions of an entry without ranges
// whose CPEs all name a concrete version, or nil (any version selected).
func pinnedVersions(p *cve5.Product) []string {
	for _, v := range p.Versions {
		if v.LessThan != "" || v.LessThanOrEqual != "" {
			// a range: the CPE's version is only where it starts
			return nil
		}
	}
	var out []string
	for _, s := range p.CPEs {
		c, ok := ident.ParseCPE(s)
		if !ok || !concreteVersion(c.Version) {
			return nil
		}
		out = append(out, c.Version)
	}
	return out
}

// commitRanges reports whether an entry has a range bounded by git commit
// ids under a versionType other than git: its ordering of numbered
// releases cannot be trusted.
func commitRanges(p *cve5.Product) bool {
	for _, v := range p.Versions {
		if v.VersionType == "git" || (v.LessThan == "" && v.LessThanOrEqual == "") {
			continue
		}
		if commitID(v.Version) || commitID(v.LessThan) || commitID(v.LessThanOrEqual) {
			return true
		}
	}
	return false
}

// commitID reports a string that looks like an abbreviated or full git
// commit id: 7 to 40 hex digits with at least one letter.
func commitID(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f':
			letter = true
		default:
			return false
		}
	}
	return letter
}

// mergeFixed adds the fixed versions of add missing from dst.
func mergeFixed(dst, add []string) []string {
	for _, f := range add {
		if !slices.Contains(dst, f) {
			dst = append(dst, f)
		}
	}
	return dst
}

// recordPlan is what firmware matching needs of a CVE record's affected
// entries, computed once per matcher: each entry's names and the
// version-independent half of the selector, and, for records with many
// entries, an index from vendor:product key to entries, so that a query
// decides only the entries its keys name (a record listing hundreds of
// products was otherwise asked about every entry by each of them: a
// quadratic share of a firmware scan).
type recordPlan struct {
	entries []planEntry
	// byKey maps a vendor:product key to the positions in entries of the
	// entries naming it: built for records with many entries on their
	// planIndexAfter-th query (most records are asked once or twice, and
	// building the index costs more than asking every entry once).
	byKey map[string][]int32
	// queries counts the queries asked of the plan.
	queries int
}

// planEntry is one affected entry of a record.
type planEntry struct {
	ref   cve5.Entry
	p     *cve5.Product
	names productNames
	// excluded entries are never selected: ranges bounded by commit ids
	// under a versionType other than git (commitRanges).
	excluded bool
	// pinned lists the concrete versions of an entry without ranges whose
	// CPEs all name one (versionSelects); nil when any version is selected.
	pinned []string
}

// planMinIndexed is the number of entries from which a record gets a key
// index, on its planIndexAfter-th query.
const (
	planMinIndexed = 8
	planIndexAfter = 3
)

// recordPlan returns the plan of a CVE record, computed once per matcher.
func (m *matcher) recordPlan(r *advisory.Record) *recordPlan {
	if pl, ok := m.plans[r]; ok {
		return pl
	}
	n := 0
	for i := range r.CVE.Containers {
		n += len(r.CVE.Containers[i].Affected)
	}
	pl := &recordPlan{entries: make([]planEntry, 0, n)}
	for i := range r.CVE.Containers {
		c := &r.CVE.Containers[i]
		for j := range c.Affected {
			p := &c.Affected[j]
			pl.entries = append(pl.entries, planEntry{ref: cve5.Entry{Container: i, Index: j}, p: p,
				excluded: commitRanges(p), pinned: pinnedVersions(p)})
			namesInto(&pl.entries[len(pl.entries)-1].names, p)
		}
	}
	m.plans[r] = pl
	return pl
}

// index builds the plan's key index.
func (pl *recordPlan) index() {
	pl.byKey = make(map[string][]int32, len(pl.entries))
	for i := range pl.entries {
		for _, k := range pl.entries[i].names.keys {
			pl.byKey[k] = append(pl.byKey[k], int32(i))
		}
	}
}

// selectEntries returns, in record order, the entries of a record the
// query selects (see firmwareQuery.selects), reusing buf.
func (q *firmwareQuery) selectEntries(pl *recordPlan, buf []cve5.Entry) []cve5.Entry {
	out := buf[:0]
	pl.queries++
	if pl.byKey == nil && pl.queries >= planIndexAfter && len(pl.entries) >= planMinIndexed {
		pl.index()
	}
	take := func(e *planEntry) {
		if !e.excluded && q.id.selects(&e.names) && (e.pinned == nil || slices.Contains(e.pinned, q.version)) {
			out = append(out, e.ref)
		}
	}
	if pl.byKey == nil || len(q.id.Packages) > 0 || len(q.id.Repos) > 0 {
		// few entries, or an identity that also selects by packageName
		// or repository: ask every entry
		for i := range pl.entries {
			take(&pl.entries[i])
		}
		return out
	}
	var idx []int32
	for _, k := range q.id.Keys {
		idx = append(idx, pl.byKey[k]...)
	}
	if len(q.id.Keys) > 1 {
		slices.Sort(idx)
		idx = slices.Compact(idx)
	}
	for _, i := range idx {
		take(&pl.entries[i])
	}
	return out
}

// desktopOf returns cveDesktopOnly of a record, computed once per matcher.
func (m *matcher) desktopOf(r *advisory.Record) string {
	d, ok := m.desktop[r]
	if !ok {
		d = cveDesktopOnly(r.CVE)
		m.desktop[r] = d
	}
	return d
}
