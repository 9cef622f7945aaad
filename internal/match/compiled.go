package match

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dualmark/dualmark/internal/advisory"
)

// Compiled matchers (issue 9): the database stores each package's matcher
// as buildPkgMatch leaves it — entries with their explicit versions sorted,
// range events sorted and ranked among the package's boundary versions —
// compiled at import time by compilePackage, which this package registers
// with advisory (advisory cannot import match, where the version orders
// live). A scan decodes the matcher, places the component's version among
// the boundaries by binary search (parsing only the boundaries it compares
// with), walks the ranges by rank and decodes only the records that match;
// the answers are those of buildPkgMatch over the records, which
// TestCompiledMatchesRecords checks on every staged package.
//
// compilerVersion must change whenever what compilePackage writes would
// change for the same records: the encoding below, buildPkgMatch or
// compileEntry, the version orders (fastver.go, osv-scalibr's semantic) or
// the name and ecosystem rules (ident). A database compiled by another
// version is then matched from its records, as one without matchers is.
// TestCompiledGolden fails when the encoding of its records changes.
// Version 2 adds the record facts (facts.go), which it covers too.
const compilerVersion = 2

func init() {
	advisory.RegisterMatchCompiler(compilerVersion, compilePackage)
	advisory.RegisterRecordFacts(recordFacts)
}

// compilePackage is the registered advisory.MatchCompileFunc: the matcher
// of the package key (ecosystem, name) over its records, encoded.
func compilePackage(ecosystem, name string, recs []*advisory.Record) []byte {
	return encodePkgMatch(buildPkgMatch(ecosystem, name, recs))
}

// compiledSource is implemented by sources holding compiled matchers; ok
// is false when there is none for the package, which is then matched from
// the records.
type compiledSource interface {
	lookupCompiled(ecosystem, name string) (pm *pkgMatch, ok bool, err error)
}

// lookupCompiled implements compiledSource.
func (s DBSource) lookupCompiled(ecosystem, name string) (*pkgMatch, bool, error) {
	cp, ok, err := s.DB.LookupCompiled(ecosystem, name, compilerVersion)
	if err != nil || !ok {
		return nil, false, err
	}
	pm, err := decodePkgMatch(ecosystem, cp)
	if err != nil {
		return nil, false, fmt.Errorf("%w: compiled matcher of %s/%s: %v; re-import the database", advisory.ErrCorrupt, ecosystem, name, err)
	}
	return pm, true, nil
}

// verTable holds a compiled matcher's distinct versions, read and parsed
// on first comparison: a scan compares a version with a few boundaries of
// its package (binary search), so the table keeps only where each version
// is written in the matcher (a table of parsed versions, mostly unused,
// was 25 MB of a cold 10k scan's heap).
type verTable struct {
	s    string   // the matcher
	offs []uint32 // where version i's ecosystem and raw string are written
	vs   []*ver
	// err is the first version that did not parse: it did at import, so
	// the database was compiled under another version order.
	err error
}

// get returns version i, parsing it on first use.
func (t *verTable) get(i int) *ver {
	if v := t.vs[i]; v != nil {
		return v
	}
	r := &matcherReader{s: t.s, off: int(t.offs[i])}
	eco, raw := r.str(), r.str()
	v := &ver{}
	if err := v.set(eco, raw); err != nil || r.err != nil {
		if t.err == nil {
			t.err = fmt.Errorf("%w: compiled version %q (%s) does not parse: %v; re-import the database", advisory.ErrCorrupt, raw, eco, errors.Join(err, r.err))
		}
		*v = ver{n: -1, raw: raw, eco: eco} // compares as -2
	}
	t.vs[i] = v
	return v
}

// Encoding of a compiled matcher (uvarints; a string is its length then
// its bytes):
//
//	totals    ranges and events (limits included) of all entries, so that
//	          the decoder allocates each kind once
//	versions  count; per version: ecosystem, normalised raw string
//	bounds    count; per boundary: version number
//	entries   count; per entry: record index, ecosystem, skipped ranges,
//	          explicit versions (count, strings), ranges (count; per range:
//	          events then limits, each a count and per event: kind | 4 if
//	          "0", rank, version number + 1 (0 for "0"), raw string)
//
// GIT ranges are not kept: a package's matcher never reads them
// (repositories are matched by matchRepo, from the records).

func encodePkgMatch(pm *pkgMatch) []byte {
	var b []byte
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	vid := map[*ver]int{}
	var vers []*ver
	id := func(v *ver) int {
		i, ok := vid[v]
		if !ok {
			i = len(vers)
			vid[v] = i
			vers = append(vers, v)
		}
		return i
	}
	for _, v := range pm.bounds {
		id(v)
	}
	for _, e := range pm.entries {
		for _, r := range e.ranges {
			for _, ev := range r.events {
				if !ev.zero {
					id(ev.v)
				}
			}
			for _, ev := range r.limits {
				id(ev.v)
			}
		}
	}
	nr, nev := 0, 0
	for _, e := range pm.entries {
		nr += len(e.ranges)
		for _, r := range e.ranges {
			nev += len(r.events) + len(r.limits)
		}
	}
	b = binary.AppendUvarint(b, uint64(nr))
	b = binary.AppendUvarint(b, uint64(nev))
	b = binary.AppendUvarint(b, uint64(len(vers)))
	for _, v := range vers {
		str(v.eco)
		str(v.raw)
	}
	b = binary.AppendUvarint(b, uint64(len(pm.bounds)))
	for _, v := range pm.bounds {
		b = binary.AppendUvarint(b, uint64(vid[v]))
	}
	events := func(evs []event) {
		b = binary.AppendUvarint(b, uint64(len(evs)))
		for _, ev := range evs {
			k, n := uint64(ev.kind), uint64(0)
			if ev.zero {
				k |= 4
			} else {
				n = uint64(vid[ev.v]) + 1
			}
			b = binary.AppendUvarint(b, k)
			b = binary.AppendUvarint(b, uint64(ev.rank))
			b = binary.AppendUvarint(b, n)
			str(ev.raw)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(pm.entries)))
	for _, e := range pm.entries {
		b = binary.AppendUvarint(b, uint64(e.post))
		str(e.eco)
		b = binary.AppendUvarint(b, uint64(e.skipped))
		b = binary.AppendUvarint(b, uint64(len(e.versions)))
		for _, v := range e.versions {
			str(v)
		}
		b = binary.AppendUvarint(b, uint64(len(e.ranges)))
		for _, r := range e.ranges {
			events(r.events)
			events(r.limits)
		}
	}
	return b
}

// errCompiled is the decoding error of a damaged matcher.
var errCompiled = errors.New("bad encoding")

// matcherReader reads a compiled matcher; its strings are substrings of
// the matcher, which the database copied once.
type matcherReader struct {
	s   string
	off int
	err error
}

func (r *matcherReader) uvarint() int {
	if r.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for {
		if r.off >= len(r.s) || shift > 63 {
			r.err = fmt.Errorf("%w at byte %d", errCompiled, r.off)
			return 0
		}
		c := r.s[r.off]
		r.off++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	if x > uint64(len(r.s)) && x > 1<<20 {
		r.err = fmt.Errorf("%w: count %d at byte %d", errCompiled, x, r.off)
		return 0
	}
	return int(x)
}

// count reads a count of items of at least min bytes each, checked
// against what is left.
func (r *matcherReader) count(min int) int {
	n := r.uvarint()
	if r.err == nil && n*min > len(r.s)-r.off {
		r.err = fmt.Errorf("%w: %d items at byte %d overrun the matcher", errCompiled, n, r.off)
		return 0
	}
	return n
}

func (r *matcherReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > len(r.s)-r.off {
		r.err = fmt.Errorf("%w: string of %d bytes at byte %d overruns the matcher", errCompiled, n, r.off)
		return ""
	}
	s := r.s[r.off : r.off+n]
	r.off += n
	return s
}

// decodePkgMatch reads a compiled matcher into the pkgMatch the scan
// uses, for the query ecosystem eco.
func decodePkgMatch(eco string, cp *advisory.CompiledPackage) (*pkgMatch, error) {
	// the matcher and its version table in one allocation, the slot
	// table made on the first slot asked (pkgMatch.at)
	both := &struct {
		pm pkgMatch
		vt verTable
	}{pm: pkgMatch{eco: eco, recs: cp}}
	pm := &both.pm
	if cp.Matcher == "" {
		return pm, nil
	}
	r := &matcherReader{s: cp.Matcher}
	// the ranges and events of all entries, allocated once: a slice per
	// range was most of the decoder's allocations
	rangeArena, eventArena := make([]versionRange, 0, r.count(2)), make([]event, 0, r.count(4))
	nv := r.count(2)
	// the boundaries are distinct versions of the table, so at most nv:
	// their numbers go after the versions' offsets, in one allocation
	offs := make([]uint32, nv, 2*nv)
	vt := &both.vt
	*vt = verTable{s: cp.Matcher, offs: offs, vs: make([]*ver, nv)}
	for i := 0; i < nv; i++ {
		vt.offs[i] = uint32(r.off)
		r.str()
		r.str()
	}
	pm.vt = vt
	nb := r.count(1)
	if nb <= nv {
		pm.boundVids = offs[nv : nv+nb : nv+nb]
	} else { // a damaged matcher: the check below fails it
		pm.boundVids = make([]uint32, nb)
	}
	for i := range pm.boundVids {
		v := r.uvarint()
		if v >= nv {
			return nil, fmt.Errorf("%w: boundary %d names version %d of %d", errCompiled, i, v, nv)
		}
		pm.boundVids[i] = uint32(v)
	}
	ne := r.count(5)
	ents := make([]entry, ne)
	pm.entries = make([]*entry, ne)
	var rerr error
	evs := func() []event {
		n := r.count(4)
		if n > cap(eventArena)-len(eventArena) {
			if r.err == nil {
				rerr = fmt.Errorf("%w: more events than the %d declared", errCompiled, cap(eventArena))
			}
			return nil
		}
		start := len(eventArena)
		for j := 0; j < n && r.err == nil; j++ {
			k, rank, n := r.uvarint(), r.uvarint(), r.uvarint()
			ev := event{kind: k &^ 4, zero: k&4 != 0, rank: rank, vid: n - 1, raw: r.str()}
			if ev.kind > evLimit || ev.zero != (n == 0) || ev.vid >= nv || (!ev.zero && rank >= nb) {
				rerr = fmt.Errorf("%w: bad event at byte %d", errCompiled, r.off)
			}
			eventArena = append(eventArena, ev)
		}
		return eventArena[start:len(eventArena):len(eventArena)]
	}
	for i := range ents {
		e := &ents[i]
		e.vt = vt
		e.post, e.eco, e.skipped = r.uvarint(), r.str(), r.uvarint()
		if e.post >= cp.Records() {
			return nil, fmt.Errorf("%w: entry %d names record %d of %d", errCompiled, i, e.post, cp.Records())
		}
		if n := r.count(1); n > 0 {
			e.versions = make([]string, n)
			for j := range e.versions {
				e.versions[j] = r.str()
			}
		}
		if n := r.count(2); n > 0 {
			if n > cap(rangeArena)-len(rangeArena) {
				return nil, fmt.Errorf("%w: more ranges than the %d declared", errCompiled, cap(rangeArena))
			}
			start := len(rangeArena)
			rangeArena = rangeArena[:start+n]
			e.ranges = rangeArena[start : start+n : start+n]
			for j := range e.ranges {
				e.ranges[j].events = evs()
				e.ranges[j].limits = evs()
			}
		}
		if r.err != nil || rerr != nil {
			break
		}
		pm.skipped += e.skipped
		pm.ranged = pm.ranged || len(e.ranges) > 0
		if len(e.versions) > 0 {
			pm.listed = append(pm.listed, i)
		}
		pm.entries[i] = e
	}
	switch {
	case r.err != nil:
		return nil, r.err
	case rerr != nil:
		return nil, rerr
	case r.off != len(r.s):
		return nil, fmt.Errorf("%w: %d bytes after the matcher", errCompiled, len(r.s)-r.off)
	}
	return pm, nil
}
