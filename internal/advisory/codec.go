package advisory

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// The database stores each record in a compact binary form rather than as
// JSON: decoding it is a sequence of length-prefixed copies, several times
// faster than encoding/json, which keeps a cold scan's lookups cheap. Every
// Record field is kept, so a record round-trips exactly (times in UTC).

// codecVersion is written first in every encoded record. Version 2 adds
// the element counts that let the decoder allocate all of a record's list
// strings, severities, ranges, events, packages and raw JSON bytes in six
// slices instead of one allocation per list. Version 3 splits the record
// into a head (everything matching reads: id, aliases, summary, severity,
// affected, database_specific), prefixed by its byte length, and a tail
// (details, references, credits), so that a brief decode copies and
// decodes only the head: the tail is about half of the encoded bytes of
// the staged data (details 29 %, references 21 %). Version 4 ends the head
// with the CVE record (Record.CVE: containers, affected products, metrics,
// SSVC) after a presence flag, so brief records carry everything
// matching evaluates; its description and references are not repeated
// (they are Details and References, and a full decode restores them).
const codecVersion = 4

// encoder appends the binary form of values to a buffer.
type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) raw(r json.RawMessage) { e.str(string(r)) }

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// time writes a zero flag or 1 followed by seconds and nanoseconds.
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.uvarint(0)
		return
	}
	e.uvarint(1)
	e.b = binary.AppendVarint(e.b, t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

func (e *encoder) timep(t *time.Time) {
	if t == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(1)
	e.time(*t)
}

func (e *encoder) severities(s []Severity) {
	e.uvarint(uint64(len(s)))
	for _, v := range s {
		e.str(v.Type)
		e.str(v.Score)
	}
}

// encodeRecord appends the binary form of r to dst.
func encodeRecord(dst []byte, r *Record) []byte {
	e := encoder{b: dst}
	e.uvarint(codecVersion)
	nStr := len(r.Aliases) + len(r.Upstream) + len(r.Related)
	nSev, nRange, nEvent := len(r.Severity), 0, 0
	for _, a := range r.Affected {
		nStr += len(a.Versions)
		nSev += len(a.Severity)
		nRange += len(a.Ranges)
		for _, rg := range a.Ranges {
			nEvent += len(rg.Events)
		}
	}
	for _, c := range r.Credits {
		nStr += len(c.Contact)
	}
	nPkg, nRaw := 0, len(r.DatabaseSpecific)
	for _, a := range r.Affected {
		if a.Package != nil {
			nPkg++
		}
		nRaw += len(a.EcosystemSpecific) + len(a.DatabaseSpecific)
		for _, rg := range a.Ranges {
			nRaw += len(rg.DatabaseSpecific)
		}
	}
	for _, n := range []int{nStr, nSev, nRange, nEvent, nPkg, nRaw} {
		e.uvarint(uint64(n))
	}
	h := encoder{b: make([]byte, 0, 256)}
	h.encodeHead(r)
	e.uvarint(uint64(len(h.b)))
	e.b = append(e.b, h.b...)
	e.str(r.Details)
	e.uvarint(uint64(len(r.References)))
	for _, ref := range r.References {
		e.str(ref.Type)
		e.str(ref.URL)
	}
	e.uvarint(uint64(len(r.Credits)))
	for _, c := range r.Credits {
		e.str(c.Name)
		e.strs(c.Contact)
		e.str(c.Type)
	}
	return e.b
}

// encodeHead writes the part of a record that matching reads.
func (e *encoder) encodeHead(r *Record) {
	e.str(r.SchemaVersion)
	e.str(r.ID)
	e.time(r.Modified)
	e.timep(r.Published)
	e.timep(r.Withdrawn)
	e.strs(r.Aliases)
	e.strs(r.Upstream)
	e.strs(r.Related)
	e.str(r.Summary)
	e.severities(r.Severity)
	e.uvarint(uint64(len(r.Affected)))
	for _, a := range r.Affected {
		if a.Package == nil {
			e.uvarint(0)
		} else {
			e.uvarint(1)
			e.str(a.Package.Ecosystem)
			e.str(a.Package.Name)
			e.str(a.Package.PURL)
		}
		e.severities(a.Severity)
		e.uvarint(uint64(len(a.Ranges)))
		for _, rg := range a.Ranges {
			e.str(rg.Type)
			e.str(rg.Repo)
			e.uvarint(uint64(len(rg.Events)))
			for _, ev := range rg.Events {
				e.str(ev.Introduced)
				e.str(ev.Fixed)
				e.str(ev.LastAffected)
				e.str(ev.Limit)
			}
			e.raw(rg.DatabaseSpecific)
		}
		e.strs(a.Versions)
		e.raw(a.EcosystemSpecific)
		e.raw(a.DatabaseSpecific)
	}
	e.raw(r.DatabaseSpecific)
	if r.CVE == nil {
		e.uvarint(0)
	} else {
		e.uvarint(1)
		e.encodeCVE(r.CVE)
	}
}

// errCorruptRecord reports an encoded record that does not decode.
var errCorruptRecord = errors.New("corrupt record encoding")

// decoder reads the binary form; the first error sticks and later reads
// return zero values, so a corrupt record never panics. Strings are
// substrings of one copy of the whole record (one allocation instead of
// one per field).
type decoder struct {
	b    []byte // the encoded record
	s    string // b[base:] as a string, for zero-copy substrings
	base int    // offset of s in b
	i    int    // read position in b
	err  error
	// Arenas the record's lists are cut from.
	strs_  []string
	sevs   []Severity
	ranges []Range
	events []Event
	pkgs   []Package
	raws   []byte
}

// arena cuts n elements off the front of *a, failing when the record's
// declared counts run out (a corrupt record).
func arena[T any](d *decoder, a *[]T, n int) []T {
	if n > len(*a) {
		d.fail()
		return nil
	}
	s := (*a)[:n:n]
	*a = (*a)[n:]
	return s
}

// newDecoder returns a decoder of b whose strings are substrings of one
// copy of b.
func newDecoder(b []byte) decoder { return decoder{b: b, s: string(b)} }

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorruptRecord
	}
	d.i = len(d.b)
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.i += n
	return v
}

// count reads a slice length and checks it against the bytes left (every
// element takes at least one byte), so a corrupt length cannot make the
// decoder allocate gigabytes.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.i) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if n == 0 || d.i < d.base {
		return ""
	}
	s := d.s[d.i-d.base : d.i-d.base+n]
	d.i += n
	return s
}

func (d *decoder) raw() json.RawMessage {
	n := d.count()
	if n == 0 {
		return nil
	}
	r := arena(d, &d.raws, n)
	if r == nil { // the declared raw byte count ran out: corrupt
		return nil
	}
	copy(r, d.b[d.i:])
	d.i += n
	return r
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := arena(d, &d.strs_, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *decoder) time() time.Time {
	if d.uvarint() == 0 {
		return time.Time{}
	}
	sec, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		d.fail()
		return time.Time{}
	}
	d.i += n
	ns := d.uvarint()
	if ns >= 1e9 || sec > math.MaxInt64/2 || sec < math.MinInt64/2 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *decoder) timep() *time.Time {
	if d.uvarint() == 0 {
		return nil
	}
	t := d.time()
	return &t
}

func (d *decoder) severities() []Severity {
	n := d.count()
	if n == 0 {
		return nil
	}
	s := arena(d, &d.sevs, n)
	for i := range s {
		s[i] = Severity{Type: d.str(), Score: d.str()}
	}
	return s
}

// decodeRecord decodes the binary form written by encodeRecord.
func decodeRecord(b []byte) (*Record, error) { return decode(b, true) }

// decodeBrief decodes only the head of a record: Details, References and
// Credits stay empty. It copies and walks about half the bytes of a full
// decode.
func decodeBrief(b []byte) (*Record, error) { return decode(b, false) }

func decode(b []byte, full bool) (*Record, error) {
	d := decoder{b: b}
	if v := d.uvarint(); v != codecVersion && d.err == nil {
		return nil, fmt.Errorf("record encoding version %d, want %d", v, codecVersion)
	}
	nStr, nSev, nRange, nEvent, nPkg, nRaw := d.count(), d.count(), d.count(), d.count(), d.count(), d.count()
	headEnd := d.i + d.count()
	if d.err != nil {
		return nil, d.err
	}
	d.strs_ = make([]string, nStr)
	d.sevs = make([]Severity, nSev)
	d.ranges = make([]Range, nRange)
	d.events = make([]Event, nEvent)
	d.pkgs = make([]Package, nPkg)
	d.raws = make([]byte, nRaw)
	end := len(b)
	if !full {
		end = headEnd
		d.b = b[:headEnd]
	}
	// One copy of the bytes read; every string is a substring of it. The
	// prefix already read is not copied.
	d.s = string(b[d.i:end])
	d.base = d.i
	r := &Record{
		SchemaVersion: d.str(),
		ID:            d.str(),
		Modified:      d.time(),
		Published:     d.timep(),
		Withdrawn:     d.timep(),
		Aliases:       d.strs(),
		Upstream:      d.strs(),
		Related:       d.strs(),
		Summary:       d.str(),
		Severity:      d.severities(),
	}
	if n := d.count(); n > 0 {
		r.Affected = make([]Affected, n)
		for i := range r.Affected {
			r.Affected[i] = d.affected()
		}
	}
	r.DatabaseSpecific = d.raw()
	if d.uvarint() == 1 {
		r.CVE = d.decodeCVE(r.ID)
	}
	if d.err == nil && d.i != headEnd {
		d.err = fmt.Errorf("%w: record head ends at %d, declared %d", errCorruptRecord, d.i, headEnd)
	}
	if full {
		r.Details = d.str()
		if n := d.count(); n > 0 {
			r.References = make([]Reference, n)
			for i := range r.References {
				r.References[i] = Reference{Type: d.str(), URL: d.str()}
			}
		}
		if n := d.count(); n > 0 {
			r.Credits = make([]Credit, n)
			for i := range r.Credits {
				r.Credits[i] = Credit{Name: d.str(), Contact: d.strs(), Type: d.str()}
			}
		}
	}
	if d.err == nil && d.i != len(d.b) {
		d.err = fmt.Errorf("%w: %d trailing bytes", errCorruptRecord, len(d.b)-d.i)
	}
	if full && r.CVE != nil && d.err == nil {
		r.CVE.Description = r.Details
		for _, ref := range r.References {
			r.CVE.References = append(r.CVE.References, ref.URL)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}

func (d *decoder) affected() Affected {
	var a Affected
	if d.uvarint() == 1 {
		if p := arena(d, &d.pkgs, 1); p != nil {
			p[0] = Package{Ecosystem: d.str(), Name: d.str(), PURL: d.str()}
			a.Package = &p[0]
		}
	}
	a.Severity = d.severities()
	if n := d.count(); n > 0 {
		a.Ranges = arena(d, &d.ranges, n)
		for i := range a.Ranges {
			rg := &a.Ranges[i]
			rg.Type, rg.Repo = d.str(), d.str()
			if m := d.count(); m > 0 {
				rg.Events = arena(d, &d.events, m)
				for j := range rg.Events {
					rg.Events[j] = Event{Introduced: d.str(), Fixed: d.str(), LastAffected: d.str(), Limit: d.str()}
				}
			}
			rg.DatabaseSpecific = d.raw()
		}
	}
	a.Versions = d.strs()
	a.EcosystemSpecific = d.raw()
	a.DatabaseSpecific = d.raw()
	return a
}
