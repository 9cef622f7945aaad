package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/registry/store"
	"gopkg.in/yaml.v3"
)

// Affected is the answer to "which registered products does this
// vulnerability hit": every product version with a finding known under the
// id or one of its aliases.
type Affected struct {
	// Query is the id asked for; IDs are the ids it was resolved to
	// (itself, the advisory records of that id and their aliases).
	Query     string            `json:"query"`
	IDs       []string          `json:"ids"`
	Generated time.Time         `json:"generated"`
	Versions  []AffectedVersion `json:"versions"`
	// Filter is the situation query answered (Monitor.Query), nil for a
	// vulnerability's crisis query; Query then describes it and IDs are
	// the vulnerabilities found.
	Filter *SituationQuery `json:"filter,omitempty"`
}

// AffectedVersion is one registered product version a vulnerability hits
// (or hit: Status says whether it is resolved).
type AffectedVersion struct {
	VersionID    string `json:"versionId"`
	ProductID    string `json:"productId"`
	OrgID        string `json:"orgId"`
	Manufacturer string `json:"manufacturer"`
	// Contact is the vulnerability contact of the dossier, else the
	// organisation's contact.
	Contact string `json:"contact,omitempty"`
	Product string `json:"product"`
	Model   string `json:"model,omitempty"`
	Version string `json:"version"`
	// CRAClass is the dossier's category.class (default,
	// important-class-I, important-class-II, critical).
	CRAClass string `json:"craClass"`
	// Markets are where the dossier shows the product is sold: "EU" when it
	// states an EU placing date or a CRA class, "US" when it states US
	// Cyber Trust Mark facts. The dossier format names no member states.
	Markets         []string `json:"markets"`
	Vulnerabilities []string `json:"vulnerabilities"`
	Severity        string   `json:"severity"`
	KEV             bool     `json:"kev"`
	EPSS            *float64 `json:"epss,omitempty"`
	Fixed           []string `json:"fixedVersions,omitempty"`
	VEXStatus       string   `json:"vexStatus,omitempty"`
	// Status is "affected" while a finding is open, else "resolved".
	Status string `json:"status"`
	// Reason is why it was resolved.
	Reason string `json:"reason,omitempty"`
	// FixedIn is a newer registered version of the product that is not
	// affected.
	FixedIn    string              `json:"fixedIn,omitempty"`
	Components []AffectedComponent `json:"components"`
	Label      *LabelState         `json:"label,omitempty"`
	FirstSeen  time.Time           `json:"firstSeen"`
	Resolved   *time.Time          `json:"resolved,omitempty"`
}

// AffectedComponent is the component of a version the vulnerability is in,
// with its dependency path inside the SBOM.
type AffectedComponent struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl,omitempty"`
	Path    string `json:"path,omitempty"`
	// Match is MatchCSAF for the device itself, hit by a CSAF advisory's
	// product tree (devices.go), else empty (an SBOM component).
	Match string `json:"match,omitempty"`
}

// LabelState is a version's current label.
type LabelState struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Active bool   `json:"active"`
}

// Status values of AffectedVersion.
const (
	StatusAffected = "affected"
	StatusResolved = "resolved"
)

// ResolveIDs returns the ids a vulnerability is known under: id itself,
// and the id and aliases of every record db holds under id (db may be nil).
func ResolveIDs(db *advisory.DB, id string) ([]string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	set := map[string]bool{id: true}
	if db != nil {
		recs, err := db.LookupIDBrief(id)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			set[strings.ToUpper(r.ID)] = true
			for _, a := range r.Aliases {
				set[strings.ToUpper(a)] = true
			}
		}
	}
	out := keysOf(set)
	sort.Strings(out)
	return out, nil
}

// dossierFacts is what the crisis query reads of a dossier.
type dossierFacts struct {
	class, contact string
	markets        []string
}

// factsCache keeps parsed dossier facts by the dossier's digest.
var factsCache = struct {
	sync.Mutex
	m map[[32]byte]dossierFacts
}{m: map[[32]byte]dossierFacts{}}

// storedDossier is what the monitor reads of a stored dossier. A stored
// dossier is read without its files (SBOM, evidence), which the strict
// loader requires, so only these fields are decoded, with the loader's
// YAML names.
type storedDossier struct {
	Product struct {
		OperatingSystem string `yaml:"operatingSystem"`
	} `yaml:"product"`
	Manufacturer struct {
		Email string `yaml:"email"`
	} `yaml:"manufacturer"`
	Category struct {
		Class string `yaml:"class"`
	} `yaml:"category"`
	Market struct {
		FirstPlaced string `yaml:"firstPlaced"`
	} `yaml:"market"`
	VulnerabilityHandling struct {
		Contact string `yaml:"contact"`
	} `yaml:"vulnerabilityHandling"`
	USLabel struct {
		FCCID  string `yaml:"fccID"`
		Status string `yaml:"status"`
		CLA    any    `yaml:"cla"`
	} `yaml:"usLabel"`
}

func readDossier(data []byte) (*storedDossier, bool) {
	var d storedDossier
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, false
	}
	return &d, true
}

func factsOf(data []byte) dossierFacts {
	k := sha256.Sum256(data)
	factsCache.Lock()
	f, ok := factsCache.m[k]
	factsCache.Unlock()
	if ok {
		return f
	}
	if d, ok := readDossier(data); ok {
		f.class = d.Category.Class
		f.contact = d.VulnerabilityHandling.Contact
		if f.contact == "" {
			f.contact = d.Manufacturer.Email
		}
		if d.Market.FirstPlaced != "" || d.Category.Class != "" {
			f.markets = append(f.markets, "EU")
		}
		if d.USLabel.FCCID != "" || (d.USLabel.Status != "" && d.USLabel.Status != "not-applied") || d.USLabel.CLA != nil {
			f.markets = append(f.markets, "US")
		}
	}
	factsCache.Lock()
	if len(factsCache.m) > 100000 {
		factsCache.m = map[[32]byte]dossierFacts{}
	}
	factsCache.m[k] = f
	factsCache.Unlock()
	return f
}

// factsVersion prefixes an encoded dossierFacts, so a change of what is
// stored can be told from the old encoding.
const factsVersion = "f1"

// encodeFacts is the version_monitor.facts form of a dossier's facts:
// factsVersion, class, contact and markets (comma-separated), tab-separated
// (tabs and line breaks inside a field become spaces).
func encodeFacts(f dossierFacts) string {
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	return strings.Join([]string{factsVersion, clean.Replace(f.class), clean.Replace(f.contact), strings.Join(f.markets, ",")}, "\t")
}

// decodeFacts reads encodeFacts' form; false when s is not one (not
// computed, or another encoding).
func decodeFacts(s string) (dossierFacts, bool) {
	parts := strings.Split(s, "\t")
	if len(parts) != 4 || parts[0] != factsVersion {
		return dossierFacts{}, false
	}
	f := dossierFacts{class: parts[1], contact: parts[2]}
	if parts[3] != "" {
		f.markets = strings.Split(parts[3], ",")
	}
	return f, true
}

// rowFacts is a version's dossier facts: the stored ones, else (versions
// indexed before they were stored) read from its dossier.
func rowFacts(row *store.VersionRow) dossierFacts {
	if f, ok := decodeFacts(row.Facts); ok {
		return f
	}
	return factsOf(row.Dossier)
}

// dedup returns ids without repeats, in first-seen order.
func dedup(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

var severityRank = map[string]int{match.SeverityCritical: 5, match.SeverityHigh: 4, match.SeverityMedium: 3, match.SeverityLow: 2}

// Affected answers the crisis query for id: the versions (of orgID only when
// it is not empty) with a finding known under id or its aliases, resolved
// ones included when withResolved. The answer may be shared with other
// callers (the crisis cache): it must not be modified.
func (m *Monitor) Affected(ctx context.Context, db *advisory.DB, id, orgID string, withResolved bool) (*Affected, error) {
	e, err := m.affectedEntry(ctx, db, id, orgID, withResolved)
	if err != nil {
		return nil, err
	}
	return e.a, nil
}

// AffectedJSON is Affected encoded as the registry's API writes it
// (indented by two spaces, one trailing line break), kept with the cached
// answer so that asking again costs neither the query nor the encoding.
func (m *Monitor) AffectedJSON(ctx context.Context, db *advisory.DB, id, orgID string, withResolved bool) ([]byte, *Affected, error) {
	e, err := m.affectedEntry(ctx, db, id, orgID, withResolved)
	if err != nil {
		return nil, nil, err
	}
	e.jsonOnce.Do(func() {
		e.json, e.jsonErr = json.MarshalIndent(e.a, "", "  ")
		e.json = append(e.json, '\n')
	})
	return e.json, e.a, e.jsonErr
}

// The crisis cache keeps answers by store, advisory database, query and
// caller's view, each with the store's crisis generation read before it
// was computed (store.DB.CrisisGeneration): an answer is used while the
// generation is unchanged, so it is never older than the last write it
// depends on. Queries of one key that arrive while it is being computed
// wait for that computation instead of running their own.
type crisisKey struct {
	st           *store.DB
	db           *advisory.DB
	id, org      string
	withResolved bool
}

type crisisEntry struct {
	gen      int64
	done     chan struct{}
	a        *Affected
	err      error
	jsonOnce sync.Once
	json     []byte
	jsonErr  error
}

// crisisCacheMax bounds the cache (it is emptied when full).
const crisisCacheMax = 256

var crisisCache = struct {
	sync.Mutex
	m map[crisisKey]*crisisEntry
}{m: map[crisisKey]*crisisEntry{}}

// crisisCacheOff turns the answer cache and the crisis catalogue off (the
// benchmark's cold load: the cost after an upload); crisisAnswerOff only
// the answer cache (the cost after a re-match).
var crisisCacheOff, crisisAnswerOff atomic.Bool

func (m *Monitor) affectedEntry(ctx context.Context, db *advisory.DB, id, orgID string, withResolved bool) (*crisisEntry, error) {
	if crisisCacheOff.Load() {
		a, err := m.affected(ctx, db, id, orgID, withResolved, nil)
		return &crisisEntry{a: a}, err
	}
	g, err := m.st.CrisisGeneration(ctx)
	if err != nil {
		return nil, err
	}
	if crisisAnswerOff.Load() {
		a, err := m.affected(ctx, db, id, orgID, withResolved, &g)
		return &crisisEntry{a: a}, err
	}
	k := crisisKey{st: m.st, db: db, id: id, org: orgID, withResolved: withResolved}
	crisisCache.Lock()
	// an entry of a later generation was read after ours: as new or newer
	gen := g.N
	if e := crisisCache.m[k]; e != nil && e.gen >= gen {
		crisisCache.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e, nil
		}
		// the computation waited for failed (its caller's context, say)
		a, err := m.affected(ctx, db, id, orgID, withResolved, &g)
		return &crisisEntry{a: a}, err
	}
	e := &crisisEntry{gen: gen, done: make(chan struct{})}
	if len(crisisCache.m) >= crisisCacheMax {
		clear(crisisCache.m)
	}
	crisisCache.m[k] = e
	crisisCache.Unlock()
	e.a, e.err = m.affected(ctx, db, id, orgID, withResolved, &g)
	close(e.done)
	if e.err != nil {
		crisisCache.Lock()
		if crisisCache.m[k] == e {
			delete(crisisCache.m, k)
		}
		crisisCache.Unlock()
		return nil, e.err
	}
	return e, nil
}

// affected computes the crisis answer (Affected without the answer
// cache): with gen, the findings are read alone and the versions' rows,
// components and paths come from the crisis catalogue; without, in one
// join (store.AffectedRows).
func (m *Monitor) affected(ctx context.Context, db *advisory.DB, id, orgID string, withResolved bool, gen *store.CrisisGen) (*Affected, error) {
	ids, err := ResolveIDs(db, id)
	if err != nil {
		return nil, err
	}
	out := &Affected{Query: id, IDs: ids, Generated: time.Now().UTC().Truncate(time.Second), Versions: []AffectedVersion{}}
	if gen != nil {
		fs, err := m.st.AffectedFindings(ctx, ids, orgID)
		if err != nil {
			return nil, err
		}
		frs, cat, err := m.catalogRows(ctx, gen.Catalog, fs)
		if err != nil {
			return nil, err
		}
		return out, m.assemble(ctx, out, frs, withResolved, cat)
	}
	// one query: the findings with their versions' rows (dossier facts,
	// newest label, whether a newer version exists)
	frs, err := m.st.AffectedRows(ctx, ids, orgID)
	if err != nil {
		return nil, err
	}
	return out, m.assemble(ctx, out, frs, withResolved, nil)
}

// assemble fills out.Versions from the finding rows: one entry per
// version, with its components and their dependency paths.
// With cat, the components and paths are taken from it.
func (m *Monitor) assemble(ctx context.Context, out *Affected, frs []store.AffectedRow, withResolved bool, cat *crisisCatalog) error {
	byVersion := map[string][]store.Finding{}
	rows := map[string]*store.VersionRow{}
	var vids []string
	var cids []int64
	newer := map[string]bool{}
	for _, fr := range frs {
		if rows[fr.VersionID] == nil {
			rows[fr.VersionID] = fr.Version
			vids = append(vids, fr.VersionID)
		}
		byVersion[fr.VersionID] = append(byVersion[fr.VersionID], fr.Finding)
		cids = append(cids, fr.ComponentID)
		if fr.HasNewer {
			newer[fr.Version.ProductID] = true
		}
	}
	var comps map[int64]*store.Component
	var paths map[store.Pair][]string
	if cat != nil {
		comps, paths = cat.comps, cat.paths
	} else {
		var err error
		if comps, err = m.st.Components(ctx, dedup(cids)); err != nil {
			return err
		}
		if paths, err = m.st.EdgePaths(ctx, vids, cids); err != nil {
			return err
		}
	}
	// the versions of products with a version after an affected one, for
	// fixedIn (none for products with one version)
	siblings, err := m.st.ProductVersionIDs(ctx, keysOf(newer))
	if err != nil {
		return err
	}
	for _, vid := range vids {
		row := rows[vid]
		if row == nil {
			continue
		}
		av := versionOf(row, byVersion[vid], comps, paths)
		if av.Status != StatusAffected && !withResolved {
			continue
		}
		av.FixedIn = fixedIn(row, siblings[row.ProductID], byVersion, rows)
		out.Versions = append(out.Versions, av)
	}
	sort.Slice(out.Versions, func(i, j int) bool {
		a, b := &out.Versions[i], &out.Versions[j]
		if a.Manufacturer != b.Manufacturer {
			return a.Manufacturer < b.Manufacturer
		}
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return a.VersionID < b.VersionID
	})
	return nil
}

// fixedIn is the first newer registered version of the product without an
// open finding for the vulnerability (its label or public page says which).
func fixedIn(row *store.VersionRow, siblings []string, byVersion map[string][]store.Finding, rows map[string]*store.VersionRow) string {
	for _, sib := range siblings {
		if sib <= row.VersionID {
			continue
		}
		open := false
		for _, f := range byVersion[sib] {
			if f.Resolved == nil {
				open = true
			}
		}
		if !open {
			if r := rows[sib]; r != nil {
				return r.Version
			}
			return sib
		}
	}
	return ""
}

func versionOf(row *store.VersionRow, fs []store.Finding, comps map[int64]*store.Component, paths map[store.Pair][]string) AffectedVersion {
	facts := rowFacts(row)
	av := AffectedVersion{VersionID: row.VersionID, ProductID: row.ProductID, OrgID: row.OrgID, Manufacturer: row.OrgName, Contact: facts.contact,
		Product: row.Product, Model: row.Model, Version: row.Version, CRAClass: facts.class, Markets: facts.markets, Status: StatusResolved}
	if av.Contact == "" {
		av.Contact = row.OrgContact
	}
	if av.Markets == nil {
		av.Markets = []string{}
	}
	if row.Label != nil {
		av.Label = &LabelState{ID: row.Label.ID, Status: row.Label.Status, Active: row.Label.Status == store.StatusValid}
	}
	seenComp := map[int64]bool{}
	for i, f := range fs {
		if i == 0 || f.FirstSeen.Before(av.FirstSeen) {
			av.FirstSeen = f.FirstSeen
		}
		if !slices.Contains(av.Vulnerabilities, f.VulnID) {
			av.Vulnerabilities = append(av.Vulnerabilities, f.VulnID)
		}
		if f.Resolved == nil {
			av.Status, av.Reason, av.Resolved = StatusAffected, "", nil
		} else if av.Status == StatusResolved && (av.Resolved == nil || f.Resolved.After(*av.Resolved)) {
			av.Resolved, av.Reason = f.Resolved, f.Reason
		}
		if severityRank[f.Severity] > severityRank[av.Severity] || av.Severity == "" {
			av.Severity = f.Severity
		}
		av.KEV = av.KEV || f.KEV
		if f.EPSS != nil && (av.EPSS == nil || *f.EPSS > *av.EPSS) {
			v := *f.EPSS
			av.EPSS = &v
		}
		for _, x := range f.Fixed {
			if !slices.Contains(av.Fixed, x) {
				av.Fixed = append(av.Fixed, x)
			}
		}
		if f.VEXStatus != "" {
			av.VEXStatus = f.VEXStatus
		}
		if !seenComp[f.ComponentID] {
			seenComp[f.ComponentID] = true
			c := comps[f.ComponentID]
			if c == nil {
				continue
			}
			ps := paths[store.Pair{VersionID: row.VersionID, ComponentID: f.ComponentID}]
			if len(ps) == 0 {
				ps = []string{""}
			}
			for _, p := range ps {
				av.Components = append(av.Components, AffectedComponent{Name: c.Name, Version: c.Version, PURL: c.PURL, Path: p, Match: matchKind(c)})
			}
		}
	}
	if av.Status == StatusAffected {
		av.Resolved = nil
	}
	sort.Strings(av.Vulnerabilities)
	sort.Strings(av.Fixed)
	return av
}
