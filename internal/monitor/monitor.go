// Package monitor keeps a registry's findings current as advisories change
// (issue 13): it fills the store's reverse index (each distinct component
// stored once, edges from product versions to it with the dependency path),
// computes the delta between the advisory database the findings were last
// matched against and a new one (records added, changed or withdrawn, and
// KEV/EPSS changes of open findings), re-evaluates only the (product
// version, component) pairs that delta touches, and commits the findings,
// their history and the versions' scan-state changes in one transaction
// under a resumable job row. A full re-match evaluates every pair and gives
// the same findings. The committed store.Change list is the hook point for
// notifications.
package monitor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/vex"
)

// Monitor re-matches a store's findings against advisory databases.
type Monitor struct {
	st *store.DB
	// sums caches the advisory checksums of the last re-match this Monitor
	// committed (job sumsJob); another writer's job invalidates it.
	mu      sync.Mutex
	sums    map[string]uint64
	sumsJob string
	// BeforeCommit, when set, runs after a re-match computed its findings
	// and before it commits them (the crash point of the kill -9 test).
	BeforeCommit func(jobID string)
}

// New returns a Monitor over st.
func New(st *store.DB) *Monitor { return &Monitor{st: st} }

// Key prefixes of the reverse index: advisory package, CPE and repository
// index keys, as advisory.Keys returns them for a record.
const (
	keyPkg  = "p:"
	keyCPE  = "c:"
	keyRepo = "r:"
)

// storedKey is an advisory index key in the form the store keeps: the
// package key's NUL separator (which PostgreSQL text cannot hold) as U+001F.
func storedKey(prefix, k string) string { return prefix + strings.ReplaceAll(k, "\x00", "\x1f") }

// RecordKeys returns the reverse-index keys a record touches.
func RecordKeys(r *advisory.Record) []string {
	pkgs, cpes, repos := advisory.Keys(r)
	out := make([]string, 0, len(pkgs)+len(cpes)+len(repos))
	for _, k := range pkgs {
		out = append(out, storedKey(keyPkg, k))
	}
	for _, k := range cpes {
		out = append(out, keyCPE+k)
	}
	for _, k := range repos {
		out = append(out, keyRepo+k)
	}
	return out
}

// recorder is a match.Source that records the index keys matching looks a
// component up under, so the reverse index holds exactly what the matcher
// asks and no second normaliser exists.
type recorder struct {
	src  match.DBSource
	keys map[string]bool
}

func (r *recorder) Lookup(eco, name string) ([]*advisory.Record, error) {
	r.keys[storedKey(keyPkg, advisory.PackageKey(eco, name))] = true
	return r.src.Lookup(eco, name)
}

func (r *recorder) LookupCPE(vendor, product string) ([]*advisory.Record, error) {
	r.keys[keyCPE+advisory.CPEKey(vendor, product)] = true
	return r.src.LookupCPE(vendor, product)
}

func (r *recorder) LookupRepo(url string) ([]*advisory.Record, error) {
	r.keys[keyRepo+advisory.NormalizeRepo(url)] = true
	return r.src.LookupRepo(url)
}

func (r *recorder) KEV(cve string) (match.KEVInfo, bool)           { return r.src.KEV(cve) }
func (r *recorder) EPSS(cve string) (match.EPSS, bool)             { return r.src.EPSS(cve) }
func (r *recorder) LookupID(id string) ([]*advisory.Record, error) { return r.src.LookupID(id) }

var emptyDB = advisory.NewMemDB(nil, nil, nil)

// componentDigest is the identity of a component in the reverse index.
func componentDigest(c *match.Component) string {
	h := sha256.New()
	for _, f := range []string{c.Name, c.Version, c.PURL, strings.Join(c.CPEs, "\x01"), c.Type, c.SourceURL, c.DownloadURL} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// maxPath bounds a stored dependency path (storage per edge).
const maxPath = 240

// paths returns, per component ref, the dependency path from the SBOM's
// subject (or a root) to it: names joined by " > ", "" when the SBOM has no
// dependency graph reaching it.
func paths(doc *sbom.Document) map[string]string {
	if len(doc.Dependencies) == 0 {
		return nil
	}
	names := map[string]string{}
	for i := range doc.Components {
		names[doc.Components[i].Ref] = doc.Components[i].Name
	}
	children := map[string][]string{}
	hasParent := map[string]bool{}
	for _, d := range doc.Dependencies {
		children[d.Ref] = append(children[d.Ref], d.DependsOn...)
		for _, c := range d.DependsOn {
			hasParent[c] = true
		}
	}
	var roots []string
	if doc.Subject != nil && doc.Subject.Ref != "" {
		roots = append(roots, doc.Subject.Ref)
		names[doc.Subject.Ref] = doc.Subject.Name
	}
	for _, d := range doc.Dependencies {
		if !hasParent[d.Ref] && !slices.Contains(roots, d.Ref) {
			roots = append(roots, d.Ref)
		}
	}
	out := map[string]string{}
	type item struct{ ref, path string }
	var queue []item
	for _, r := range roots {
		if _, ok := out[r]; !ok {
			out[r] = names[r]
			queue = append(queue, item{r, names[r]})
		}
	}
	for len(queue) > 0 { // breadth first: the shortest path wins
		it := queue[0]
		queue = queue[1:]
		for _, c := range children[it.ref] {
			if _, ok := out[c]; ok {
				continue
			}
			p := it.path + " > " + names[c]
			if len(p) > maxPath {
				p = "… > " + names[c]
			}
			out[c] = p
			queue = append(queue, item{c, p})
		}
	}
	return out
}

// platformOf is the platform the upload's scan used: the dossier's
// operating system, else what the SBOM shows.
func platformOf(dossierYAML []byte, cs []match.Component) string {
	if d, ok := readDossier(dossierYAML); ok {
		if p := match.NormalizePlatform(d.Product.OperatingSystem); p != "" {
			return p
		}
	}
	return match.DerivePlatform(cs)
}

// IndexVersion puts a stored version into the reverse index: its SBOM's
// components (new ones with the keys matching looks them up under in db,
// or in an empty database when db is nil) and their dependency paths.
func (m *Monitor) IndexVersion(ctx context.Context, v *store.Version, db *advisory.DB) error {
	if v.SBOM == nil {
		full, err := m.st.Version(ctx, "", v.ID)
		if err != nil {
			return err
		}
		v = full
	}
	doc, err := sbom.Parse(bytes.NewReader(v.SBOM), "version "+v.ID+" SBOM", sbom.Options{})
	if err != nil {
		return fmt.Errorf("version %s: %w", v.ID, err)
	}
	cs := match.Components(doc)
	vi := &store.VersionIndex{VersionID: v.ID, Platform: platformOf(v.Dossier, cs), Facts: encodeFacts(factsOf(v.Dossier))}
	ps := paths(doc)
	src := match.DBSource{DB: emptyDB}
	if db != nil {
		src.DB = db
	}
	seen := map[string]bool{}
	digests := make([]string, len(cs))
	for i := range cs {
		digests[i] = componentDigest(&cs[i])
	}
	known, err := m.st.ComponentDigests(ctx, digests)
	if err != nil {
		return err
	}
	for i := range cs {
		c := &cs[i]
		d := digests[i]
		if seen[d+"\x00"+c.Ref] {
			continue
		}
		seen[d+"\x00"+c.Ref] = true
		ic := store.IndexedComponent{Component: store.Component{Digest: d, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs,
			Type: c.Type, SourceURL: c.SourceURL, DownloadURL: c.DownloadURL}, Ref: c.Ref, Path: ps[c.Ref]}
		if !known[d] {
			rec := &recorder{src: src, keys: map[string]bool{}}
			one := *c
			if _, err := match.Scan([]match.Component{one}, rec, match.Options{Platform: vi.Platform}); err != nil {
				return fmt.Errorf("version %s component %q: %w", v.ID, c.Name, err)
			}
			for k := range rec.keys {
				ic.Keys = append(ic.Keys, k)
			}
			sort.Strings(ic.Keys)
			known[d] = true
		}
		vi.Components = append(vi.Components, ic)
	}
	// the device itself, for CSAF advisories (devices.go)
	if err := m.indexDevice(ctx, v, doc, vi); err != nil {
		return err
	}
	return m.st.IndexVersion(ctx, vi)
}

// Backfill indexes every stored version the reverse index does not hold,
// and returns how many it indexed.
func (m *Monitor) Backfill(ctx context.Context, db *advisory.DB) (int, error) {
	n := 0
	for {
		ids, err := m.st.UnindexedVersions(ctx, 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			if err := m.IndexVersion(ctx, &store.Version{ID: id}, db); err != nil {
				return n, err
			}
			n++
		}
	}
}

// Job kinds.
const (
	KindDelta   = "delta"
	KindFull    = "full"
	KindVersion = "version"
)

// Plan is what a job re-evaluates; it is stored in the job row, so a
// resumed job does the same work.
type Plan struct {
	Kind string `json:"kind"`
	// Records are the advisory record ids added, changed or removed.
	Records []string `json:"records,omitempty"`
	// Vulns are vulnerability ids of open findings whose KEV or EPSS data
	// changed.
	Vulns []string `json:"vulns,omitempty"`
	// Version is the version a KindVersion job matches.
	Version string `json:"version,omitempty"`
	// CSAF are the store IDs of the CSAF documents a KindCSAF job imported
	// (Records their tracking IDs: devices.go).
	CSAF []string `json:"csaf,omitempty"`
}

// Result says what a re-match did.
type Result struct {
	JobID string `json:"jobId"`
	Kind  string `json:"kind"`
	// Records and Vulns are the plan's sizes.
	Records int `json:"changedRecords"`
	Vulns   int `json:"enrichmentChanged"`
	// Keys are the index keys the changed records touch, Pairs the
	// (version, component) pairs re-evaluated, Versions the versions
	// those belong to.
	Keys     int `json:"keys"`
	Pairs    int `json:"pairs"`
	Versions int `json:"versions"`
	// Changes are the findings changes committed: the notification hook.
	Changes  []store.Change        `json:"changes"`
	Verdicts []store.VerdictChange `json:"verdictChanges"`
	Elapsed  time.Duration         `json:"elapsedNs"`
	// Phases are the times of the steps: plan (checksums compared, KEV and
	// EPSS snapshots checked), pairs (reverse-index lookups), match,
	// verdicts, commit.
	Phases map[string]time.Duration `json:"phasesNs"`
}

// Rematch brings the findings up to date with db: a delta re-match from the
// records the findings were last matched against, or, with all (or before
// any re-match), a full one.
func (m *Monitor) Rematch(ctx context.Context, db *advisory.DB, all bool) (*Result, error) {
	start := time.Now()
	sums, err := db.RecordSums()
	if err != nil {
		return nil, err
	}
	old, err := m.lastSums(ctx)
	if err != nil {
		return nil, err
	}
	plan := Plan{Kind: KindFull}
	if !all && len(old) > 0 {
		plan.Kind = KindDelta
		for id, s := range sums {
			if o, ok := old[id]; !ok || o != s {
				plan.Records = append(plan.Records, id)
			}
		}
		for id := range old {
			if _, ok := sums[id]; !ok {
				plan.Records = append(plan.Records, id)
			}
		}
		sort.Strings(plan.Records)
		if plan.Vulns, err = m.enrichmentChanged(ctx, db); err != nil {
			return nil, err
		}
	}
	planned := time.Since(start)
	res, err := m.run(ctx, db, plan, "", sums)
	if res != nil {
		res.Elapsed = time.Since(start)
		res.Phases["plan"] = planned
	}
	return res, err
}

// Baseline runs a full re-match when none has run yet (the store holds no
// advisory checksums to compute a delta from), and reports whether it ran.
func (m *Monitor) Baseline(ctx context.Context, db *advisory.DB) (*Result, error) {
	old, err := m.st.AdvisorySums(ctx)
	if err != nil || len(old) > 0 {
		return nil, err
	}
	return m.Rematch(ctx, db, true)
}

// lastSums returns the advisory checksums the findings were last matched
// against, from the cache when no other job finished since.
func (m *Monitor) lastSums(ctx context.Context) (map[string]uint64, error) {
	last, err := m.st.LastJob(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sums != nil && last != "" && last == m.sumsJob {
		return m.sums, nil
	}
	sums, err := m.st.AdvisorySums(ctx)
	if err != nil {
		return nil, err
	}
	m.sums, m.sumsJob = sums, last
	return sums, nil
}

// committed updates the checksum cache after job committed rm.
func (m *Monitor) committed(jobID string, rm *store.Rematch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case rm.Full:
		m.sums = maps.Clone(rm.Sums)
	case m.sums == nil:
		return
	default:
		for id, v := range rm.Sums {
			m.sums[id] = v
		}
		for _, id := range rm.Gone {
			delete(m.sums, id)
		}
	}
	m.sumsJob = jobID
}

// MatchVersion matches one (indexed) version against db: a new upload's
// first findings.
func (m *Monitor) MatchVersion(ctx context.Context, db *advisory.DB, versionID string) (*Result, error) {
	return m.run(ctx, db, Plan{Kind: KindVersion, Version: versionID}, "", nil)
}

// Resume re-runs the jobs a crash left running, against db.
func (m *Monitor) Resume(ctx context.Context, db *advisory.DB) ([]*Result, error) {
	jobs, err := m.st.RunningJobs(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for _, j := range jobs {
		var p Plan
		if err := json.Unmarshal([]byte(j.Plan), &p); err != nil {
			_ = m.st.FailJob(ctx, j.ID, "unreadable plan: "+err.Error())
			continue
		}
		var sums map[string]uint64
		if p.Kind != KindVersion {
			if sums, err = db.RecordSums(); err != nil {
				return out, err
			}
		}
		r, err := m.run(ctx, db, p, j.ID, sums)
		if err != nil {
			return out, fmt.Errorf("resuming job %s: %w", j.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// cveIDs are the CVE ids among a vulnerability's id and aliases.
func cveIDs(id string, aliases []string) []string {
	var out []string
	for _, a := range append([]string{id}, aliases...) {
		if strings.HasPrefix(strings.ToUpper(a), "CVE-") {
			out = append(out, a)
		}
	}
	return out
}

// enrichment is what matching gives a vulnerability from KEV and EPSS:
// KEV-listed when any of its CVE ids is, the highest EPSS score.
func enrichment(db *advisory.DB, id string, aliases []string) (bool, *float64) {
	kev := false
	var epss *float64
	for _, c := range cveIDs(id, aliases) {
		if _, ok := db.KEV(c); ok {
			kev = true
		}
		if e, ok := db.EPSS(c); ok && (epss == nil || e.Score > *epss) {
			s := e.Score
			epss = &s
		}
	}
	return kev, epss
}

// enrichmentChanged returns the vulnerability ids of findings whose KEV or
// EPSS snapshot differs from db.
func (m *Monitor) enrichmentChanged(ctx context.Context, db *advisory.DB) ([]string, error) {
	snaps, err := m.st.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, sn := range snaps {
		kev, epss := enrichment(db, sn.VulnID, sn.Aliases)
		if kev != sn.KEV || !sameEPSS(epss, sn.EPSS) {
			set[sn.VulnID] = true
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

func sameEPSS(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

// run executes a plan as job jobID ("" starts a new job row).
func (m *Monitor) run(ctx context.Context, db *advisory.DB, plan Plan, jobID string, sums map[string]uint64) (*Result, error) {
	res := &Result{Kind: plan.Kind, Records: len(plan.Records), Vulns: len(plan.Vulns), Phases: map[string]time.Duration{}}
	if jobID == "" {
		pj, _ := json.Marshal(plan)
		j := &store.Job{Kind: plan.Kind, Plan: string(pj)}
		if err := m.st.StartJob(ctx, j); err != nil {
			return nil, err
		}
		jobID = j.ID
	}
	res.JobID = jobID
	rm, err := m.evaluate(ctx, db, plan, sums, res)
	if err != nil {
		_ = m.st.FailJob(ctx, jobID, err.Error())
		return nil, err
	}
	rm.JobID = jobID
	if m.BeforeCommit != nil {
		m.BeforeCommit(jobID)
	}
	t := time.Now()
	if res.Changes, res.Verdicts, err = m.st.CommitRematch(ctx, rm); err != nil {
		return nil, err // the job stays running: Resume re-does it
	}
	res.Phases["commit"] = time.Since(t)
	if plan.Kind != KindVersion {
		m.committed(jobID, rm)
	} else {
		m.mu.Lock()
		m.sumsJob = "" // re-read the checksums at the next delta
		m.mu.Unlock()
	}
	if res.Changes == nil {
		res.Changes = []store.Change{}
	}
	if res.Verdicts == nil {
		res.Verdicts = []store.VerdictChange{}
	}
	return res, nil
}

// evaluate computes the pairs of a plan and their findings.
func (m *Monitor) evaluate(ctx context.Context, db *advisory.DB, plan Plan, sums map[string]uint64, res *Result) (*store.Rematch, error) {
	rm := &store.Rematch{Reasons: map[string]string{}}
	t0 := time.Now()
	var pairs []store.Pair
	switch plan.Kind {
	case KindFull:
		// the pairs with their state digests, which the commit compares
		// (read once here, not again in the commit)
		known, err := m.st.AllPairStates(ctx)
		if err != nil {
			return nil, err
		}
		pairs = slices.AppendSeq(make([]store.Pair, 0, len(known.States)), maps.Keys(known.States))
		rm.Sums, rm.Full, rm.Known = sums, true, known
	case KindVersion:
		edges, err := m.st.EdgesOfVersion(ctx, plan.Version)
		if err != nil {
			return nil, err
		}
		for _, e := range edges {
			pairs = append(pairs, store.Pair{VersionID: e.VersionID, ComponentID: e.ComponentID})
		}
	case KindDelta:
		keySet := map[string]bool{}
		for _, id := range plan.Records {
			recs, err := db.LookupIDBrief(id)
			if err != nil {
				return nil, err
			}
			withdrawn := len(recs) == 0
			for _, r := range recs {
				if r.Withdrawn != nil {
					withdrawn = true
				}
				for _, k := range RecordKeys(r) {
					keySet[k] = true
				}
			}
			if withdrawn {
				rm.Reasons[id] = store.ResolvedWithdrawn
			}
			if s, ok := sums[id]; ok {
				if rm.Sums == nil {
					rm.Sums = map[string]uint64{}
				}
				rm.Sums[id] = s
			} else {
				rm.Gone = append(rm.Gone, id)
			}
		}
		keys := make([]string, 0, len(keySet))
		for k := range keySet {
			keys = append(keys, k)
		}
		res.Keys = len(keys)
		comps, err := m.st.ComponentsByKeys(ctx, keys)
		if err != nil {
			return nil, err
		}
		known, err := m.st.PairStatesOfComponents(ctx, comps)
		if err != nil {
			return nil, err
		}
		rm.Known = known
		pairs = slices.AppendSeq(make([]store.Pair, 0, len(known.States)), maps.Keys(known.States))
		byVuln, err := m.st.PairsOfVulns(ctx, append(slices.Clone(plan.Records), plan.Vulns...))
		if err != nil {
			return nil, err
		}
		for _, p := range byVuln {
			if _, ok := known.States[p]; !ok {
				pairs = append(pairs, p)
			}
		}
	case KindCSAF: // devices.go
		var err error
		if pairs, err = m.csafPairs(ctx, plan); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown job kind %q", plan.Kind)
	}
	res.Pairs = len(pairs)
	res.Phases["pairs"] = time.Since(t0)
	t1 := time.Now()
	// the devices themselves are matched against CSAF documents (devices.go)
	devStates, rest, err := m.splitDevices(ctx, db, pairs)
	if err != nil {
		return nil, err
	}
	states, err := m.match(ctx, db, rest)
	if err != nil {
		return nil, err
	}
	res.Phases["match"] = time.Since(t1)
	// devices' states are per pair (one device per version), components'
	// shared by the versions of a matching context
	rm.Scope, rm.States, rm.Shared = pairs, devStates, states
	res.Versions = len(versionSet(pairs))
	return rm, nil
}

// context is what a version's matching depends on beyond its components.
type mctx struct{ platform, vex string }

// match evaluates pairs against db: each distinct component is matched once
// per matching context (platform and VEX statements) and its findings go to
// every version of that context that contains it.
func (m *Monitor) match(ctx context.Context, db *advisory.DB, pairs []store.Pair) ([]store.SharedStates, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	vids := map[string]bool{}
	cids := map[int64]bool{}
	for _, p := range pairs {
		vids[p.VersionID] = true
		cids[p.ComponentID] = true
	}
	mons, err := m.st.VersionMonitors(ctx, keysOf(vids))
	if err != nil {
		return nil, err
	}
	comps, err := m.st.Components(ctx, keysOf(cids))
	if err != nil {
		return nil, err
	}
	groups := map[mctx][]store.Pair{}
	for _, p := range pairs {
		vm := mons[p.VersionID]
		k := mctx{vm.Platform, vm.VEX}
		groups[k] = append(groups[k], p)
	}
	src := match.DBSource{DB: db}
	var out []store.SharedStates
	gkeys := make([]mctx, 0, len(groups))
	for k := range groups {
		gkeys = append(gkeys, k)
	}
	sort.Slice(gkeys, func(i, j int) bool {
		return gkeys[i].platform+"\x00"+gkeys[i].vex < gkeys[j].platform+"\x00"+gkeys[j].vex
	})
	for _, g := range gkeys {
		gp := groups[g]
		ids := map[int64]bool{}
		for _, p := range gp {
			ids[p.ComponentID] = true
		}
		cs := make([]match.Component, 0, len(ids))
		for _, id := range keysOf(ids) {
			c := comps[id]
			if c == nil {
				continue
			}
			cs = append(cs, match.Component{Ref: strconv.FormatInt(id, 10), Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs,
				Type: c.Type, SourceURL: c.SourceURL, DownloadURL: c.DownloadURL})
		}
		opts := match.Options{Platform: g.platform}
		if g.vex != "" {
			var st []vex.Statement
			if err := json.Unmarshal([]byte(g.vex), &st); err != nil {
				return nil, fmt.Errorf("stored VEX statements: %w", err)
			}
			opts.VEX = st
		}
		// An empty platform: the whole SBOM showed none, and Scan derives
		// none from a subset of it either (DerivePlatform looks for one
		// component that names it).
		r, err := match.Scan(cs, src, opts)
		if err != nil {
			return nil, err
		}
		// each component's states once, shared by every version of the
		// group that contains it: the commit digests them once and expands
		// them only for pairs whose findings change
		per := map[int64][]store.FindingState{}
		for i := range r.Findings {
			f := &r.Findings[i]
			id, _ := strconv.ParseInt(f.Component.Ref, 10, 64)
			per[id] = append(per[id], stateOf(store.Pair{ComponentID: id}, f))
		}
		versions := map[int64][]string{}
		for _, p := range gp {
			versions[p.ComponentID] = append(versions[p.ComponentID], p.VersionID)
		}
		for _, id := range slices.Sorted(maps.Keys(versions)) {
			out = append(out, store.SharedStates{ComponentID: id, Versions: versions[id], States: per[id]})
		}
	}
	return out, nil
}

func keysOf[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// stateOf is the stored snapshot of a finding.
func stateOf(p store.Pair, f *match.Finding) store.FindingState {
	st := store.FindingState{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: f.Advisory.ID, Aliases: slices.Clone(f.Advisory.Aliases),
		Severity: f.Severity, KEV: f.KEV, Fixed: slices.Clone(f.Fixed), SSVC: f.Exploitation}
	sort.Strings(st.Aliases)
	sort.Strings(st.Fixed)
	if f.EPSS != nil {
		s := f.EPSS.Score
		st.EPSS = &s
	}
	switch {
	case f.SuppressedBy != nil:
		st.VEXStatus = string(f.SuppressedBy.Status)
	case len(f.VEX) > 0:
		st.VEXStatus = string(f.VEX[0].Status)
	}
	return st
}

func versionSet(pairs []store.Pair) map[string]bool {
	out := map[string]bool{}
	for _, p := range pairs {
		out[p.VersionID] = true
	}
	return out
}

// ErrNoDatabase is returned when a re-match is asked without an advisory
// database.
var ErrNoDatabase = errors.New("no advisory database to re-match against")
