package match

import (
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/ident"
)

// event kinds of a compiled range, in OSV's order of evaluation.
const (
	evIntroduced = iota
	evFixed
	evLastAffected
	evLimit
)

type event struct {
	kind int
	raw  string
	zero bool // introduced "0": before every version
	v    *ver // parsed once when the matcher is built (nil in a compiled one: see vid)
	rank int  // index of v among the package's sorted boundaries
	// vid is v's number in the compiled matcher's version table
	// (compiled.go), parsed when first compared; -1 for "0".
	vid int
}

// versionRange is one SEMVER or ECOSYSTEM range with its events parsed and
// sorted, ready to be evaluated against many versions.
type versionRange struct {
	events []event
	limits []event
}

// entry is one affected[] entry of a record, compiled for one ecosystem.
type entry struct {
	rec      *advisory.Record
	eco      string
	versions []string // explicit versions list (exact strings), sorted
	ranges   []versionRange
	git      []gitRange
	// skipped counts range events that did not parse: the range they belong
	// to is left out, the rest of the record still counts.
	skipped int
	// post is rec's index among the records of the package's lookup; a
	// compiled entry (vt set) has rec nil until it matches, and its
	// events' versions in vt.
	post int
	vt   *verTable
	// en is the record's enrichment when the database stored its facts
	// (facts.go): rec then holds only the id, aliases and summary.
	en *recordEnrichment
}

// verOf is the parsed version of a range event.
func (e *entry) verOf(ev *event) *ver {
	if ev.v != nil || e.vt == nil {
		return ev.v
	}
	return e.vt.get(ev.vid)
}

// gitRange keeps what a GIT range lists: matching is by listed commit only.
type gitRange struct {
	repo    string
	commits map[string]bool // introduced/last_affected commits: affected
}

// compileEntry builds the matcher of one affected entry. eco is the
// ecosystem versions are parsed in ("" for GIT-only entries).
// vc, when not nil, shares parsed versions between the entries of one
// package (keyed by the raw string): events naming the same version then
// point at the same *ver, which prepare relies on to sort each version once.
func compileEntry(rec *advisory.Record, a *advisory.Affected, eco string, vc map[string]*ver) *entry {
	e := &entry{rec: rec, eco: eco}
	if len(a.Versions) > 0 {
		e.versions = make([]string, len(a.Versions))
		for i, v := range a.Versions {
			e.versions[i] = normalizeVersion(eco, v)
		}
		slices.Sort(e.versions)
		e.versions = slices.Compact(e.versions)
	}
	for _, r := range a.Ranges {
		switch r.Type {
		case "GIT":
			g := gitRange{repo: NormalizeRepo(r.Repo), commits: map[string]bool{}}
			for _, ev := range r.Events {
				if ev.Introduced != "" && ev.Introduced != "0" {
					g.commits[strings.ToLower(ev.Introduced)] = true
				}
				if ev.LastAffected != "" {
					g.commits[strings.ToLower(ev.LastAffected)] = true
				}
			}
			e.git = append(e.git, g)
		case "SEMVER", "ECOSYSTEM":
			if eco == "" {
				continue
			}
			vr, ok := compileRange(r, eco, vc)
			if !ok {
				e.skipped++
				continue
			}
			e.ranges = append(e.ranges, vr)
		}
	}
	return e
}

func compileRange(r advisory.Range, eco string, vc map[string]*ver) (versionRange, bool) {
	vr := versionRange{events: make([]event, 0, len(r.Events))}
	for _, ev := range r.Events {
		var x event
		switch {
		case ev.Introduced != "":
			x = event{kind: evIntroduced, raw: ev.Introduced, zero: ev.Introduced == "0"}
		case ev.Fixed != "":
			x = event{kind: evFixed, raw: ev.Fixed}
		case ev.LastAffected != "":
			x = event{kind: evLastAffected, raw: ev.LastAffected}
		case ev.Limit != "":
			x = event{kind: evLimit, raw: ev.Limit}
			if x.raw == "*" {
				continue
			}
		default:
			continue
		}
		if !x.zero {
			v, ok := vc[x.raw]
			if !ok {
				var err error
				if v, err = parseVersion(eco, x.raw); err != nil {
					return vr, false
				}
				if vc != nil {
					vc[x.raw] = v
				}
			}
			x.v = v
		}
		if x.kind == evLimit {
			vr.limits = append(vr.limits, x)
			continue
		}
		vr.events = append(vr.events, x)
	}
	slices.SortStableFunc(vr.events, func(a, b event) int {
		switch {
		case a.zero && b.zero:
			return 0
		case a.zero:
			return -1
		case b.zero:
			return 1
		}
		return a.v.compare(b.v)
	})
	return vr, true
}

// contains reports whether v lies in the range.
func (vr *versionRange) contains(v *ver) bool {
	return vr.walk(func(ev *event) int { return v.compare(ev.v) })
}

// walk evaluates the range with OSV's algorithm, given how the version
// compares with each event's version (cmp returns -1, 0, +1, or -2 when the
// two cannot be compared): limits cap the range; walking the sorted events,
// introduced opens it, fixed closes it at the fixed version, last_affected
// closes it after that version.
func (vr *versionRange) walk(cmp func(ev *event) int) bool {
	for i := range vr.limits {
		if c := cmp(&vr.limits[i]); c >= 0 {
			return false
		}
	}
	affected := false
	for i := range vr.events {
		ev := &vr.events[i]
		if affected {
			switch ev.kind {
			case evFixed:
				affected = cmp(ev) == -1
			case evLastAffected:
				c := cmp(ev)
				affected = c == -1 || c == 0
			}
		} else if ev.kind == evIntroduced {
			if ev.zero {
				affected = true
			} else {
				c := cmp(ev)
				affected = c == 0 || c == 1
			}
		}
	}
	return affected
}

// affects reports whether the entry lists raw (exactly) or one of its
// ranges contains v. v may be nil when the version did not parse: then only
// the explicit versions list can match.
func (e *entry) affects(raw string, v *ver) bool {
	if e.lists(raw) {
		return true
	}
	if v == nil {
		return false
	}
	for i := range e.ranges {
		if e.ranges[i].contains(v) {
			return true
		}
	}
	return false
}

// lists reports whether the explicit versions list holds raw.
func (e *entry) lists(raw string) bool {
	_, ok := slices.BinarySearch(e.versions, raw)
	return ok
}

// fixedAbove lists, per range, the first fixed version above v — the fix
// of the interval v is in (every fixed version when v is nil).
func (e *entry) fixedAbove(v *ver, out []string) []string {
	for _, r := range e.ranges {
		for _, ev := range r.events {
			if ev.kind != evFixed {
				continue
			}
			if v != nil {
				if c := v.compare(e.verOf(&ev)); c == -2 || c >= 0 {
					continue
				}
			}
			out = appendNew(out, ev.raw)
			if v != nil {
				break
			}
		}
	}
	return out
}

// parseVersion parses a version the way OSV orders it in eco.
func parseVersion(eco, s string) (*ver, error) {
	return newVer(eco, normalizeVersion(eco, s))
}

// normalizeVersion removes spellings SBOMs add that OSV records do not
// carry: Go's leading "v" and "+incompatible".
func normalizeVersion(eco, s string) string {
	if eco == "Go" {
		s = strings.TrimPrefix(s, "v")
		s = strings.TrimSuffix(s, "+incompatible")
	}
	return s
}

// baseEcosystem strips the release suffix: "Debian:12" → "Debian".
func baseEcosystem(eco string) string {
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		return eco[:i]
	}
	return eco
}

// sameEcosystem reports whether a record's ecosystem applies to a query's:
// equal, or equal bases when one side names no release.
func sameEcosystem(query, rec string) bool {
	if query == rec {
		return true
	}
	qb, rb := baseEcosystem(query), baseEcosystem(rec)
	if qb != rb {
		return false
	}
	return qb == query || rb == rec
}

// NormalizeName spells a package name the way matching compares it in an
// ecosystem: the index's rule, ident.NormalizeName (one rulebook, so that
// the records a lookup finds are the records matching keeps).
func NormalizeName(eco, name string) string { return ident.NormalizeName(eco, name) }
