package match

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dualmark/dualmark/internal/advisory"
)

// Record facts (issue 9): what a finding reads of its record — the id,
// aliases and summary, and the record's enrichment (severity and its
// source, SSVC exploitation, the desktop platform its aliased CVE record
// limits it to, KEV, EPSS) — computed at import by recordFacts, which this
// package registers with advisory, and stored per record beside the
// compiled matchers. A scan that finds a compiled package's version
// affected reads the matching records' facts instead of decoding the
// records, their aliased CVE records and the KEV and EPSS tables: in a cold
// 10,000-component scan that was about a fifth of the matching. The facts
// are computed by enrichment over the database being written, through
// DBSource, exactly as a scan of it from the records computes them
// (TestCompiledScanSameResult compares both paths); their encoding is
// covered by compilerVersion.

// recordFacts is the registered advisory.RecordFactsFunc.
func recordFacts(db *advisory.DB, r *advisory.Record) []byte {
	m := newMatcher(DBSource{DB: db})
	return encodeFacts(r, m.enrichment(r))
}

// Encoding of a record's facts (uvarints; a string is its length then its
// bytes; a float is its IEEE 754 bits, u64 little-endian):
//
//	id, alias count, aliases, summary,
//	severity vector, score (float), level, severity source, exploitation,
//	desktop platform,
//	KEV flag (0 or 1; if 1: date added, known-ransomware 0 or 1),
//	EPSS flag (0 or 1; if 1: score and percentile, floats)
func encodeFacts(r *advisory.Record, en recordEnrichment) []byte {
	b := make([]byte, 0, 64+len(r.Summary))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	flt := func(f float64) { b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f)) }
	flag := func(ok bool) {
		if ok {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	str(r.ID)
	b = binary.AppendUvarint(b, uint64(len(r.Aliases)))
	for _, a := range r.Aliases {
		str(a)
	}
	str(r.Summary)
	str(en.sev.Vector)
	flt(en.sev.Score)
	str(en.sev.Level)
	str(en.sevSource)
	str(en.exploitation)
	str(en.desktop)
	flag(en.kev != nil)
	if en.kev != nil {
		str(en.kev.DateAdded)
		flag(en.kev.KnownRansomware)
	}
	flag(en.epss != nil)
	if en.epss != nil {
		flt(en.epss.Score)
		flt(en.epss.Percentile)
	}
	return b
}

// decodeFacts reads a record's facts into the record a finding needs (id,
// aliases, summary: nothing else is set) and its enrichment.
func decodeFacts(s string) (*advisory.Record, *recordEnrichment, error) {
	r := &matcherReader{s: s}
	flt := func() float64 {
		if r.err != nil || len(r.s)-r.off < 8 {
			if r.err == nil {
				r.err = fmt.Errorf("%w: float at byte %d overruns the facts", errCompiled, r.off)
			}
			return 0
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[r.off : r.off+8])))
		r.off += 8
		return f
	}
	flag := func() bool {
		v := r.uvarint()
		if v > 1 && r.err == nil {
			r.err = fmt.Errorf("%w: flag %d at byte %d", errCompiled, v, r.off)
		}
		return v == 1
	}
	rec := &advisory.Record{ID: r.str()}
	if n := r.count(1); n > 0 {
		rec.Aliases = make([]string, n)
		for i := range rec.Aliases {
			rec.Aliases[i] = r.str()
		}
	}
	rec.Summary = r.str()
	en := &recordEnrichment{}
	en.sev.Vector = r.str()
	en.sev.Score = flt()
	en.sev.Level = r.str()
	en.sevSource, en.exploitation, en.desktop = r.str(), r.str(), r.str()
	if flag() {
		en.kev = &KEVInfo{DateAdded: r.str(), KnownRansomware: flag()}
	}
	if flag() {
		en.epss = &EPSS{Score: flt(), Percentile: flt()}
	}
	switch {
	case r.err != nil:
		return nil, nil, r.err
	case r.off != len(r.s):
		return nil, nil, fmt.Errorf("%w: %d bytes after the facts", errCompiled, len(r.s)-r.off)
	}
	return rec, en, nil
}
