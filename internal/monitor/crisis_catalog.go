package monitor

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// The crisis catalogue: what the crisis query reads beside the findings —
// each version's row (product, organisation, stored facts, newest label,
// whether a newer version exists), the components and the dependency
// paths — kept per store while its crisis generation's Catalog is
// unchanged (the tables those come from bump it by trigger; the findings do
// not). After a re-match, which changes only findings, a crisis query then
// reads just the findings (store.AffectedFindings). Everything kept under
// a generation was read after that generation was read, so it is never
// older than it.
type crisisCatalog struct {
	gen      int64
	versions map[string]store.CrisisVersion
	comps    map[int64]*store.Component
	// paths has an entry (nil for none) for every pair read
	paths map[store.Pair][]string
}

func newCatalog(gen int64) *crisisCatalog {
	return &crisisCatalog{gen: gen, versions: map[string]store.CrisisVersion{}, comps: map[int64]*store.Component{}, paths: map[store.Pair][]string{}}
}

// catalogMax bounds a catalogue's versions (it is emptied when full).
const catalogMax = 200000

var catalogs = struct {
	sync.Mutex
	m map[*store.DB]*crisisCatalog
}{m: map[*store.DB]*crisisCatalog{}}

// catalogRows joins findings with their versions' rows from the catalogue
// of generation gen (reading what it lacks), ordered as store.AffectedRows
// orders them, and returns the catalogue view the rows need (components,
// paths). Findings of versions that no longer exist are left out, as the
// join leaves them out.
func (m *Monitor) catalogRows(ctx context.Context, gen int64, fs []store.Finding) ([]store.AffectedRow, *crisisCatalog, error) {
	catalogs.Lock()
	c := catalogs.m[m.st]
	switch {
	case c == nil || c.gen < gen || len(c.versions) > catalogMax:
		c = newCatalog(gen)
		catalogs.m[m.st] = c
	case c.gen > gen:
		// read after ours: a catalogue of a later generation is not ours
		c = newCatalog(gen)
	}
	view := newCatalog(gen)
	var needV []string
	var needC []int64
	var needP []store.Pair
	asked := map[any]bool{}
	for _, f := range fs {
		if _, ok := view.versions[f.VersionID]; !ok && !asked[f.VersionID] {
			if v, ok := c.versions[f.VersionID]; ok {
				view.versions[f.VersionID] = v
			} else {
				asked[f.VersionID] = true
				needV = append(needV, f.VersionID)
			}
		}
		if _, ok := view.comps[f.ComponentID]; !ok && !asked[f.ComponentID] {
			if x, ok := c.comps[f.ComponentID]; ok {
				view.comps[f.ComponentID] = x
			} else {
				asked[f.ComponentID] = true
				needC = append(needC, f.ComponentID)
			}
		}
		p := store.Pair{VersionID: f.VersionID, ComponentID: f.ComponentID}
		if _, ok := view.paths[p]; !ok && !asked[p] {
			if x, ok := c.paths[p]; ok {
				view.paths[p] = x
			} else {
				asked[p] = true
				needP = append(needP, p)
			}
		}
	}
	catalogs.Unlock()
	if err := m.fillCatalog(ctx, view, needV, needC, needP); err != nil {
		return nil, nil, err
	}
	if len(needV)+len(needC)+len(needP) > 0 {
		catalogs.Lock()
		if catalogs.m[m.st] == c {
			for _, v := range needV {
				if x, ok := view.versions[v]; ok {
					c.versions[v] = x
				}
			}
			for _, id := range needC {
				if x, ok := view.comps[id]; ok {
					c.comps[id] = x
				}
			}
			for _, p := range needP {
				c.paths[p] = view.paths[p]
			}
		}
		catalogs.Unlock()
	}
	out := make([]store.AffectedRow, 0, len(fs))
	for _, f := range fs {
		v, ok := view.versions[f.VersionID]
		if !ok {
			continue
		}
		out = append(out, store.AffectedRow{Finding: f, Version: v.Row, HasNewer: v.HasNewer})
	}
	slices.SortFunc(out, func(a, b store.AffectedRow) int {
		if c := strings.Compare(a.VersionID, b.VersionID); c != 0 {
			return c
		}
		if a.ComponentID != b.ComponentID {
			return cmp.Compare(a.ComponentID, b.ComponentID)
		}
		return strings.Compare(a.VulnID, b.VulnID)
	})
	return out, view, nil
}

// fillCatalog reads into view the versions, components and pairs' paths
// it lacks.
func (m *Monitor) fillCatalog(ctx context.Context, view *crisisCatalog, vids []string, cids []int64, pairs []store.Pair) error {
	if len(vids) > 0 {
		vs, err := m.st.CrisisVersionRows(ctx, vids)
		if err != nil {
			return err
		}
		for id, v := range vs {
			view.versions[id] = v
		}
	}
	if len(cids) > 0 {
		cs, err := m.st.Components(ctx, dedup(cids))
		if err != nil {
			return err
		}
		for id, x := range cs {
			view.comps[id] = x
		}
	}
	if len(pairs) > 0 {
		var pv []string
		var pc []int64
		for _, p := range pairs {
			pv = append(pv, p.VersionID)
			pc = append(pc, p.ComponentID)
		}
		paths, err := m.st.EdgePaths(ctx, pv, pc)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			view.paths[p] = paths[p]
		}
	}
	return nil
}
