package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
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
		cp, ok := ParseCPE(s)
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
		p, err := ParsePURL(c.PURL)
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
			repos = append(repos, p.Qualifiers["vcs_url"])
			urls = append(urls, p.Qualifiers["download_url"])
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
		if err := take("cpe\x00"+k, func() ([]*advisory.Record, error) { return m.src.LookupCPE(vendor, product) }); err != nil {
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
			names := m.recordNames(r)
			d := r.CVE.Decide(func(p *cve5.Product) bool { return q.selects(p, names.of(p)) }, q.version)
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
// 6.11.5).
func (q *firmwareQuery) selects(p *cve5.Product, n *productNames) bool {
	if !q.id.selects(n) || commitRanges(p) {
		return false
	}
	for _, v := range p.Versions {
		if v.LessThan != "" || v.LessThanOrEqual != "" {
			// a range: the CPE's version is only where it starts
			return true
		}
	}
	concrete, same := 0, false
	for _, s := range p.CPEs {
		c, ok := ParseCPE(s)
		if !ok || !concreteVersion(c.Version) {
			return true
		}
		concrete++
		same = same || c.Version == q.version
	}
	return concrete == 0 || same
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

// entryNames are the names of a record's affected entries: a short list
// searched by pointer, or a map for records with many entries (a map
// lookup for every entry was a third of a firmware scan, a list search
// quadratic on records listing hundreds of products).
type entryNames struct {
	ps    []*cve5.Product
	ns    []*productNames
	index map[*cve5.Product]*productNames
}

func (e *entryNames) of(p *cve5.Product) *productNames {
	if e.index != nil {
		if n, ok := e.index[p]; ok {
			return n
		}
	} else {
		for i, q := range e.ps {
			if q == p {
				return e.ns[i]
			}
		}
	}
	return namesOf(p)
}

// recordNames returns the names of every affected entry of a CVE record,
// computed once per matcher.
func (m *matcher) recordNames(r *advisory.Record) *entryNames {
	if e, ok := m.pnames[r]; ok {
		return e
	}
	e := &entryNames{}
	for i := range r.CVE.Containers {
		c := &r.CVE.Containers[i]
		for j := range c.Affected {
			e.ps = append(e.ps, &c.Affected[j])
			e.ns = append(e.ns, namesOf(&c.Affected[j]))
		}
	}
	if len(e.ps) > 8 {
		e.index = make(map[*cve5.Product]*productNames, len(e.ps))
		for i, p := range e.ps {
			e.index[p] = e.ns[i]
		}
	}
	m.pnames[r] = e
	return e
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
