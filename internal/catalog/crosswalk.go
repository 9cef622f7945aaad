package catalog

import (
	"fmt"
	"slices"
	"sort"
)

// relationRank orders relations from the strongest counterpart to none.
var relationRank = map[string]int{Equivalent: 0, Subset: 1, Superset: 2, Overlaps: 3, None: 4}

// Invert returns the relation read the other way round: if From is subset
// of To, To is superset of From.
func Invert(relation string) string {
	switch relation {
	case Subset:
		return Superset
	case Superset:
		return Subset
	}
	return relation
}

// compose returns the relation of A to C given A r1 B and B r2 C, and false
// when the two rows together say nothing certain about A and C (for example
// A ⊆ B ⊇ C: A and C may be disjoint).
func compose(r1, r2 string) (string, bool) {
	switch {
	case r1 == Equivalent:
		return r2, true
	case r2 == Equivalent:
		return r1, true
	case r1 == r2 && (r1 == Subset || r1 == Superset):
		return r1, true
	case r1 == Superset && (r2 == Subset || r2 == Overlaps):
		// A contains B, and B shares with (or lies in) C: A and C share B's part.
		return Overlaps, true
	case r1 == Overlaps && r2 == Subset:
		// A shares with B, and B lies in C: A shares with C.
		return Overlaps, true
	}
	return "", false
}

func (c *Catalog) parseCrosswalk(file string, data []byte, errs *errorList) {
	var doc crosswalkDoc
	if err := decodeStrict(data, &doc); err != nil {
		errs.add(file, 0, "%v", err)
		return
	}
	seen := map[[2]string]int{}
	for i := range doc.Rows {
		n := &doc.Rows[i]
		var rd rowDoc
		if err := decodeNode(n, &rd); err != nil {
			errs.add(file, n.Line, "row: %v", err)
			continue
		}
		if _, ok := relationRank[rd.Relation]; !ok || rd.Relation == None {
			errs.add(file, n.Line, "relation %q is not equivalent, subset, superset or overlaps (write \"no counterpart\" rows under none:)", rd.Relation)
			continue
		}
		if rd.Rationale == "" || rd.Origin == "" {
			errs.add(file, n.Line, "row needs a rationale and an origin")
		}
		if len(rd.From) == 0 || len(rd.To) == 0 {
			errs.add(file, n.Line, "row needs from and to")
		}
		for _, from := range rd.From {
			for _, to := range rd.To {
				if !c.checkEndpoints(file, n.Line, from, to, errs) {
					continue
				}
				key := [2]string{from, to}
				if prev, dup := seen[key]; dup {
					errs.add(file, n.Line, "%s -> %s: duplicate row (first at line %d)", from, to, prev)
					continue
				}
				seen[key], seen[[2]string{to, from}] = n.Line, n.Line
				m := Mapping{From: from, To: to, Relation: rd.Relation, Rationale: rd.Rationale, Origin: rd.Origin}
				c.addRow(m)
			}
		}
	}
	for i := range doc.None {
		n := &doc.None[i]
		var nd noneDoc
		if err := decodeNode(n, &nd); err != nil {
			errs.add(file, n.Line, "none: %v", err)
			continue
		}
		c.parseNone(file, n.Line, nd, errs)
	}
}

// checkEndpoints reports whether a row from -> to joins two existing
// requirements of different regimes.
func (c *Catalog) checkEndpoints(file string, line int, from, to string, errs *errorList) bool {
	a, okA := c.Get(from)
	b, okB := c.Get(to)
	switch {
	case !okA:
		errs.add(file, line, "from %q is not a requirement of the catalog", from)
	case !okB:
		errs.add(file, line, "to %q is not a requirement of the catalog", to)
	case a.Regime == b.Regime:
		errs.add(file, line, "%s -> %s: a row must join two different regimes", from, to)
	default:
		return true
	}
	return false
}

func (c *Catalog) addRow(m Mapping) {
	c.rows = append(c.rows, m)
	c.direct[m.From] = append(c.direct[m.From], m)
	inv := m
	inv.From, inv.To, inv.Relation = m.To, m.From, Invert(m.Relation)
	c.direct[m.To] = append(c.direct[m.To], inv)
}

func (c *Catalog) parseNone(file string, line int, nd noneDoc, errs *errorList) {
	if !IsRegime(nd.To) {
		errs.add(file, line, "none: to %q is not a regime (%v)", nd.To, Regimes)
		return
	}
	if nd.Reason == "" || nd.Origin == "" {
		errs.add(file, line, "none: a reason and an origin are required")
	}
	from := []string(nd.From)
	bySelect := nd.Select != ""
	switch {
	case nd.Select != "" && len(from) > 0:
		errs.add(file, line, "none: give either from or select, not both")
		return
	case nd.Select != "":
		if !IsRegime(nd.Select) || nd.Select == nd.To {
			errs.add(file, line, "none: select %q is not a regime other than %s", nd.Select, nd.To)
			return
		}
		for _, r := range c.byRegime[nd.Select] {
			if !c.hasDirect(r.ID, nd.To) && (nd.Select == RegimeEN303645 || len(c.derive(r.ID, nd.To)) == 0) {
				from = append(from, r.ID)
			}
		}
	case len(from) == 0:
		errs.add(file, line, "none: from or select is required")
		return
	}
	for _, id := range from {
		r, ok := c.Get(id)
		switch {
		case !ok:
			errs.add(file, line, "none: %q is not a requirement of the catalog", id)
			continue
		case r.Regime == nd.To:
			errs.add(file, line, "none: %s belongs to %s itself", id, nd.To)
			continue
		case c.hasDirect(id, nd.To):
			errs.add(file, line, "none: %s already has a row into %s (a counterpart or another none row)", id, nd.To)
			continue
		}
		m := Mapping{From: id, To: nd.To, Relation: None, Rationale: nd.Reason, Origin: nd.Origin}
		if bySelect {
			c.selected[[2]string{id, nd.To}] = true
		}
		c.rows = append(c.rows, m)
		c.direct[id] = append(c.direct[id], m)
	}
}

// hasDirect reports whether id has a direct row (a counterpart or a none row)
// into regime.
func (c *Catalog) hasDirect(id, regime string) bool {
	for _, m := range c.direct[id] {
		if m.To == regime || RegimeOf(m.To) == regime {
			return true
		}
	}
	return false
}

// Map returns the counterparts of id in every other regime: the direct
// crosswalk rows (read from id's side), the "none" rows, and, for each
// regime with no direct row at all, counterparts derived through EN 303 645
// (Derived = true). The result is ordered by regime, then relation strength,
// then ID. An unknown id gives nil.
func (c *Catalog) Map(id string) []Mapping {
	r, ok := c.Get(id)
	if !ok {
		return nil
	}
	out := append([]Mapping(nil), c.direct[id]...)
	if r.Regime != RegimeEN303645 {
		for _, regime := range Regimes {
			if regime == r.Regime || regime == RegimeEN303645 || c.hasDirect(id, regime) {
				continue
			}
			out = append(out, c.derive(id, regime)...)
		}
	}
	c.sortMappings(out)
	return out
}

// derive composes id -> EN 303 645 rows with EN 303 645 -> regime rows and
// keeps, per target, the strongest relation.
func (c *Catalog) derive(id, regime string) []Mapping {
	best := map[string]Mapping{}
	for _, m1 := range c.direct[id] {
		if RegimeOf(m1.To) != RegimeEN303645 || m1.Relation == None {
			continue
		}
		for _, m2 := range c.direct[m1.To] {
			if RegimeOf(m2.To) != regime || m2.Relation == None {
				continue
			}
			rel, ok := compose(m1.Relation, m2.Relation)
			if !ok {
				continue
			}
			if prev, seen := best[m2.To]; seen && relationRank[prev.Relation] <= relationRank[rel] {
				continue
			}
			best[m2.To] = Mapping{
				From: id, To: m2.To, Relation: rel, Derived: true,
				Rationale: fmt.Sprintf("through %s: %s is %s it, which is %s %s", m1.To, id, phrase(m1.Relation), phrase(m2.Relation), m2.To),
				Origin:    "derived from two crosswalk rows",
			}
		}
	}
	out := make([]Mapping, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	return out
}

// phrase renders a relation inside a sentence.
func phrase(rel string) string {
	switch rel {
	case Subset:
		return "a subset of"
	case Superset:
		return "a superset of"
	case Overlaps:
		return "overlapping"
	}
	return "equivalent to"
}

func (c *Catalog) sortMappings(ms []Mapping) {
	regimeIdx := func(m Mapping) int {
		reg := RegimeOf(m.To)
		if reg == "" {
			reg = m.To
		}
		return slices.Index(Regimes, reg)
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if ra, rb := regimeIdx(a), regimeIdx(b); ra != rb {
			return ra < rb
		}
		if ra, rb := relationRank[a.Relation], relationRank[b.Relation]; ra != rb {
			return ra < rb
		}
		return c.order(a.To) < c.order(b.To)
	})
}

// order is the catalog position of an ID (regime names sort last).
func (c *Catalog) order(id string) int {
	if i, ok := c.byID[id]; ok {
		return i
	}
	return len(c.reqs)
}

// Coverage counts, for one ordered pair of regimes, how many requirements of
// From have a full, partial or no counterpart in To.
type Coverage struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Total   int    `json:"total"`
	Full    int    `json:"full"`    // best counterpart equivalent, or From subset of To
	Partial int    `json:"partial"` // best counterpart overlaps, or From superset of To
	None    int    `json:"none"`    // no counterpart (a "none" row or nothing)
	Derived int    `json:"derived"` // of Full+Partial, those known only through EN 303 645
}

// CoverageOf classifies one requirement against one regime: "full",
// "partial" or "none", and whether the best counterpart was derived.
func (c *Catalog) CoverageOf(id, regime string) (level string, derived bool) {
	best, bestDerived := None, false
	for _, m := range c.Map(id) {
		if RegimeOf(m.To) != regime || m.Relation == None {
			continue
		}
		if relationRank[m.Relation] < relationRank[best] || (relationRank[m.Relation] == relationRank[best] && !m.Derived) {
			best, bestDerived = m.Relation, m.Derived
		}
	}
	switch best {
	case Equivalent, Subset:
		return "full", bestDerived
	case Superset, Overlaps:
		return "partial", bestDerived
	}
	return "none", false
}

// Coverage returns the table for every ordered pair of distinct regimes.
func (c *Catalog) Coverage() []Coverage {
	var out []Coverage
	for _, a := range Regimes {
		for _, b := range Regimes {
			if a == b {
				continue
			}
			cv := Coverage{From: a, To: b}
			for _, r := range c.byRegime[a] {
				cv.Total++
				level, derived := c.CoverageOf(r.ID, b)
				switch level {
				case "full":
					cv.Full++
				case "partial":
					cv.Partial++
				default:
					cv.None++
				}
				if derived {
					cv.Derived++
				}
			}
			out = append(out, cv)
		}
	}
	return out
}
