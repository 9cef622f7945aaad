package match

import (
	"fmt"
	"slices"
	"sort"

	"github.com/dualmark/dualmark/internal/advisory"
)

// Why slots: comparing a version with every event of every record of a
// package (osv-scalibr keeps version components as big.Int) ran at 255,000
// component checks/s on the 10,000-component benchmark SBOM. All that
// matters for OSV's algorithm is where a version falls among the package's
// distinct event versions ("boundaries"). So each package sorts its
// boundaries once; a version is placed by binary search into one of 2n+1
// slots (below b0, equal b0, between b0 and b1, ...), and the affected
// records of a slot are computed once, with the same walk, from ranks.

// pkgMatch holds the compiled entries of one package and its slot table.
type pkgMatch struct {
	eco     string
	entries []*entry
	bounds  []*ver        // sorted, distinct
	slots   map[int][]hit // per slot, computed on first use
	// listed are the indices of the entries with an explicit versions
	// list (sorted, searched per query). An index of version → entries
	// built per package allocated 5.4 MB per cold 10k scan (BenchmarkColdScan
	// 64.1 → 58.6 MB/op without it), for packages mostly queried once or twice.
	listed []int
	ranged bool // some entry has a SEMVER/ECOSYSTEM range
	// merged caches, per (slot, listed version), the slot's hits merged
	// with the entries listing that version.
	merged map[mergedKey][]hit
	// skipped sums the entries' skipped ranges.
	skipped int
	// A compiled matcher (compiled.go) has no bounds but their numbers in
	// vt, parsed when compared, and resolves an entry's record through
	// recs when the entry matches; err is the first failure doing either.
	vt        *verTable
	boundVids []uint32
	recs      *advisory.CompiledPackage
	err       error
}

// nbounds is the number of boundary versions.
func (pm *pkgMatch) nbounds() int {
	if pm.vt != nil {
		return len(pm.boundVids)
	}
	return len(pm.bounds)
}

// bound is boundary version i.
func (pm *pkgMatch) bound(i int) *ver {
	if pm.vt != nil {
		return pm.vt.get(int(pm.boundVids[i]))
	}
	return pm.bounds[i]
}

// record is the record of an entry, decoded (brief) on first use for a
// compiled entry; nil after a failure, which pm.err keeps.
func (pm *pkgMatch) record(e *entry) *advisory.Record {
	if e.rec != nil || pm.recs == nil {
		return e.rec
	}
	if f, ok, err := pm.recs.Facts(e.post); err != nil || ok {
		var r *advisory.Record
		var en *recordEnrichment
		if err == nil {
			if r, en, err = decodeFacts(f); err != nil {
				err = fmt.Errorf("%w: record facts: %v; re-import the database", advisory.ErrCorrupt, err)
			}
		}
		if err != nil {
			if pm.err == nil {
				pm.err = err
			}
			return nil
		}
		e.rec, e.en = r, en
		return r
	}
	r, err := pm.recs.Record(e.post)
	if err != nil {
		if pm.err == nil {
			pm.err = err
		}
		return nil
	}
	e.rec = r
	return r
}

// failure is the first error of a compiled matcher: a record that did not
// decode or a version that did not parse (the database was compiled by
// another version order).
func (pm *pkgMatch) failure() error {
	if pm.err != nil {
		return pm.err
	}
	if pm.vt != nil {
		return pm.vt.err
	}
	return nil
}

type mergedKey struct {
	slot int
	raw  string
}

// withListed merges the hits of a slot with the entries whose versions
// list holds raw (computed once per slot and version).
func (pm *pkgMatch) withListed(hits []hit, slot int, raw string, v *ver) []hit {
	k := mergedKey{slot, raw}
	if h, ok := pm.merged[k]; ok {
		return h
	}
	h := mergeHits(slices.Clone(hits), pm.listedHits(raw, v))
	if pm.merged == nil {
		pm.merged = map[mergedKey][]hit{}
	}
	pm.merged[k] = h
	return h
}

// prepare ranks every event of the package's ranges and indexes the
// explicit versions lists.
func (pm *pkgMatch) prepare() {
	var evs []*event
	for ei, e := range pm.entries {
		pm.ranged = pm.ranged || len(e.ranges) > 0
		for ri := range e.ranges {
			r := &e.ranges[ri]
			for i := range r.events {
				if !r.events[i].zero {
					evs = append(evs, &r.events[i])
				}
			}
			for i := range r.limits {
				evs = append(evs, &r.limits[i])
			}
		}
		if len(e.versions) > 0 {
			pm.listed = append(pm.listed, ei)
		}
	}
	// sort each distinct version once (events share *ver within a package)
	uniq := make([]*ver, 0, len(evs))
	seen := make(map[*ver]int, len(evs))
	for _, ev := range evs {
		if _, ok := seen[ev.v]; !ok {
			seen[ev.v] = 0
			uniq = append(uniq, ev.v)
		}
	}
	slices.SortStableFunc(uniq, func(a, b *ver) int { return max(a.compare(b), -1) })
	for _, v := range uniq {
		n := len(pm.bounds)
		if n > 0 && pm.bounds[n-1].compare(v) == 0 {
			seen[v] = n - 1
			continue
		}
		pm.bounds = append(pm.bounds, v)
		seen[v] = n
	}
	for _, ev := range evs {
		ev.rank = seen[ev.v]
	}
	pm.slots = make(map[int][]hit, 2)
}

// slot places v among the boundaries: 2i+1 when v equals bounds[i], 2i when
// it lies below bounds[i] (and above bounds[i-1]).
func (pm *pkgMatch) slot(v *ver) int {
	n := pm.nbounds()
	i := sort.Search(n, func(i int) bool { return pm.bound(i).compare(v) >= 0 })
	if i < n {
		if pm.bound(i).compare(v) == 0 {
			return 2*i + 1
		}
	}
	return 2 * i
}

// at returns the records whose ranges contain versions of slot s, one hit
// per record id, with the fixed versions above the slot.
func (pm *pkgMatch) at(s int) []hit {
	if h, ok := pm.slots[s]; ok {
		return h
	}
	cmp := func(ev *event) int {
		switch d := s - (2*ev.rank + 1); {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
		return 0
	}
	var hits []hit
	for _, e := range pm.entries {
		in := false
		var fixed []string
		for i := range e.ranges {
			r := &e.ranges[i]
			if !r.walk(cmp) {
				continue
			}
			in = true
			// the fix of the interval the version is in: the first fixed
			// event above it in this range
			for j := range r.events {
				if ev := &r.events[j]; ev.kind == evFixed && cmp(ev) < 0 {
					fixed = appendNew(fixed, ev.raw)
					break
				}
			}
		}
		if !in {
			continue
		}
		rec := pm.record(e)
		if rec == nil {
			return nil
		}
		hits = mergeHits(hits, []hit{{rec: rec, en: e.en, match: MatchPURL, eco: e.eco, fixed: fixed}})
	}
	if pm.slots == nil {
		pm.slots = make(map[int][]hit, 2)
	}
	pm.slots[s] = hits
	return hits
}

// listedHits are the entries whose explicit versions list holds raw; their
// fixed versions are those above v (all when v is nil).
func (pm *pkgMatch) listedHits(raw string, v *ver) []hit {
	var hits []hit
	for _, ei := range pm.listed {
		if e := pm.entries[ei]; e.lists(raw) {
			rec := pm.record(e)
			if rec == nil {
				return nil
			}
			hits = append(hits, hit{rec: rec, en: e.en, match: MatchPURL, eco: e.eco, fixed: e.fixedAbove(v, nil)})
		}
	}
	return hits
}

// lists reports whether some entry's explicit versions list holds raw.
func (pm *pkgMatch) lists(raw string) bool {
	for _, ei := range pm.listed {
		if pm.entries[ei].lists(raw) {
			return true
		}
	}
	return false
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
