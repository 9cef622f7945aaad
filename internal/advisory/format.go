package advisory

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"sort"
	"strconv"
	"strings"
)

// On-disk layout of a database file (all integers little-endian):
//
//	header    64 bytes: magic "DMADVDB\n", format version u32, section
//	          count u32, file size u64, CRC-32C of the section table u32
//	sections  a table of (id u32, CRC-32C u32, offset u64, length u64), then
//	          the sections themselves:
//	  provenance  JSON
//	  offsets     u64 per record: where it starts in the records section
//	  records     per record: length u32, CRC-32C u32, binary form (codec.go)
//	  pkg/cpe/repo index: key count u32; (key count+1) u32 key offsets;
//	          (key count+1) u32 posting offsets; sorted key bytes; u32
//	          record ordinals
//	  kev     entry count u32; packed CVE u64 per entry (sorted); (count+1)
//	          u32 offsets; entries in the record string encoding
//	  epss    per score: packed CVE u64, score f64, percentile f64 (sorted)
//	  id      index as above, keyed by upper-case record id (an OSV and a
//	          CVE record may share one)
//
// Opening checks magic, version, size and every section's CRC except the
// records one; each record's own CRC is checked when it is decoded. Nothing
// else is read until it is looked up.
const (
	magic      = "DMADVDB\n"
	headerSize = 64
	dirEntry   = 24
)

// Section ids.
const (
	secProvenance = iota + 1
	secOffsets
	secRecords
	secPkg
	secCPE
	secRepo
	secKEV
	secEPSS
	secID // id index (format 4): upper-case record id → record ordinals
	// compiled matchers (format 5, compiled.go; optional: a database written
	// without a registered compiler has neither)
	secMatchIdx  // per pkg index key, in its order: (keys+1) u32 offsets into secMatchData
	secMatchData // per matcher: CRC-32C u32, the compiler's bytes
	// record facts (compiled.go; optional, written with the compiled
	// matchers when a facts function is registered)
	secFactsIdx  // per record ordinal: (records+1) u32 offsets into secFactsData
	secFactsData // per record with facts: CRC-32C u32, the facts function's bytes
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrNoDatabase is matched (errors.Is) by the *NoDatabaseError OpenDB
// returns when the folder holds no database file.
var ErrNoDatabase = errors.New("no advisory database")

// NoDatabaseError reports a folder without a database file.
type NoDatabaseError struct {
	Dir string // the folder given
}

// Error names the folder and the missing file.
func (e *NoDatabaseError) Error() string {
	return fmt.Sprintf("%v in %s (%s missing)", ErrNoDatabase, e.Dir, FileName)
}

// Is makes errors.Is(err, ErrNoDatabase) true.
func (e *NoDatabaseError) Is(target error) bool { return target == ErrNoDatabase }

// ErrCorrupt is wrapped by every error about a damaged database file.
var ErrCorrupt = errors.New("advisory database is corrupt or incomplete")

// index is a sorted key → record ordinals table over a byte section.
type index struct {
	n        int
	keyOffs  []byte // (n+1) u32
	postOffs []byte // (n+1) u32
	keys     []byte
	posts    []byte
}

func parseIndex(b []byte) (index, error) {
	if len(b) < 4 {
		return index{}, fmt.Errorf("%w: index section too short", ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(b))
	need := 4 + 2*4*(n+1)
	if n < 0 || n > len(b) || need > len(b) {
		return index{}, fmt.Errorf("%w: index of %d keys does not fit %d bytes", ErrCorrupt, n, len(b))
	}
	ix := index{n: n, keyOffs: b[4 : 4+4*(n+1)], postOffs: b[4+4*(n+1) : need]}
	keyLen := int(binary.LittleEndian.Uint32(ix.keyOffs[4*n:]))
	if keyLen > len(b)-need {
		return index{}, fmt.Errorf("%w: index keys overrun the section", ErrCorrupt)
	}
	ix.keys = b[need : need+keyLen]
	ix.posts = b[need+keyLen:]
	if int(binary.LittleEndian.Uint32(ix.postOffs[4*n:]))*4 != len(ix.posts) {
		return index{}, fmt.Errorf("%w: index postings do not match the section length", ErrCorrupt)
	}
	return ix, nil
}

func (ix index) u32(tab []byte, i int) int { return int(binary.LittleEndian.Uint32(tab[4*i:])) }

func (ix index) key(i int) []byte {
	a, b := ix.u32(ix.keyOffs, i), ix.u32(ix.keyOffs, i+1)
	if a > b || b > len(ix.keys) {
		return nil
	}
	return ix.keys[a:b]
}

// find returns the record ordinals stored under key.
func (ix index) find(key string) ([]uint32, error) {
	i, ok := ix.search(key)
	if !ok {
		return nil, nil
	}
	return ix.postingsAt(i, key)
}

// search returns the position of key among the sorted keys.
func (ix index) search(key string) (int, bool) {
	// a hand-written binary search: sort.Search's closure and
	// bytes.Compare were a tenth of a compiled lookup
	lo, hi := 0, ix.n
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if string(ix.key(h)) < key {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo, lo < ix.n && string(ix.key(lo)) == key
}

// postingsAt returns the record ordinals of key number i (key names it in
// the error).
func (ix index) postingsAt(i int, key string) ([]uint32, error) {
	a, b := ix.u32(ix.postOffs, i), ix.u32(ix.postOffs, i+1)
	if a > b || 4*b > len(ix.posts) {
		return nil, fmt.Errorf("%w: postings of key %q out of range", ErrCorrupt, key)
	}
	out := make([]uint32, b-a)
	for j := range out {
		out[j] = binary.LittleEndian.Uint32(ix.posts[4*(a+j):])
	}
	return out, nil
}

// buildIndex serialises key → ordinals.
func buildIndex(m map[string][]uint32) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := len(keys)
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	off := 0
	for i := 0; i <= n; i++ {
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		if i < n {
			off += len(keys[i])
		}
	}
	off = 0
	for i := 0; i <= n; i++ {
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		if i < n {
			off += len(m[keys[i]])
		}
	}
	for _, k := range keys {
		b = append(b, k...)
	}
	for _, k := range keys {
		for _, o := range m[k] {
			b = binary.LittleEndian.AppendUint32(b, o)
		}
	}
	return b
}

// packCVE turns "CVE-2021-44228" into year<<32 | number; ok is false for
// anything else.
func packCVE(id string) (uint64, bool) {
	s := strings.ToUpper(strings.TrimSpace(id))
	rest, found := strings.CutPrefix(s, "CVE-")
	if !found {
		return 0, false
	}
	y, num, found := strings.Cut(rest, "-")
	if !found || len(y) != 4 || len(num) < 4 || len(num) > 9 {
		return 0, false
	}
	year, err1 := strconv.ParseUint(y, 10, 16)
	n, err2 := strconv.ParseUint(num, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return year<<32 | n, true
}

// buildKEV serialises KEV entries sorted by CVE.
func buildKEV(entries map[uint64]KEVEntry) []byte {
	keys := make([]uint64, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	var body encoder
	offs := make([]uint32, 0, len(keys)+1)
	for _, k := range keys {
		offs = append(offs, uint32(len(body.b)))
		e := entries[k]
		body.str(e.CVE)
		body.str(e.VendorProject)
		body.str(e.Product)
		body.str(e.Name)
		body.time(e.DateAdded)
		rw := uint64(0)
		if e.KnownRansomware {
			rw = 1
		}
		body.uvarint(rw)
	}
	offs = append(offs, uint32(len(body.b)))
	for _, o := range offs {
		b = binary.LittleEndian.AppendUint32(b, o)
	}
	return append(b, body.b...)
}

// kevTable reads the KEV section lazily.
type kevTable struct {
	n    int
	keys []byte
	offs []byte
	body []byte
}

func parseKEV(b []byte) (kevTable, error) {
	if len(b) < 4 {
		return kevTable{}, fmt.Errorf("%w: KEV section too short", ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > len(b) || 4+8*n+4*(n+1) > len(b) {
		return kevTable{}, fmt.Errorf("%w: KEV table of %d entries does not fit", ErrCorrupt, n)
	}
	t := kevTable{n: n, keys: b[4 : 4+8*n], offs: b[4+8*n : 4+8*n+4*(n+1)], body: b[4+8*n+4*(n+1):]}
	return t, nil
}

func (t kevTable) get(cve string) (KEVEntry, bool) {
	k, ok := packCVE(cve)
	if !ok {
		return KEVEntry{}, false
	}
	i := sort.Search(t.n, func(i int) bool { return binary.LittleEndian.Uint64(t.keys[8*i:]) >= k })
	if i == t.n || binary.LittleEndian.Uint64(t.keys[8*i:]) != k {
		return KEVEntry{}, false
	}
	a, b := binary.LittleEndian.Uint32(t.offs[4*i:]), binary.LittleEndian.Uint32(t.offs[4*i+4:])
	if a > b || int(b) > len(t.body) {
		return KEVEntry{}, false
	}
	d := newDecoder(t.body[a:b])
	e := KEVEntry{CVE: d.str(), VendorProject: d.str(), Product: d.str(), Name: d.str(), DateAdded: d.time(), KnownRansomware: d.uvarint() == 1}
	return e, d.err == nil
}

// epssTable is the sorted EPSS score table.
type epssTable struct{ b []byte }

const epssRow = 24

func buildEPSS(scores map[uint64]EPSSScore) []byte {
	keys := make([]uint64, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	b := make([]byte, 0, epssRow*len(keys))
	for _, k := range keys {
		s := scores[k]
		b = binary.LittleEndian.AppendUint64(b, k)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Score))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Percentile))
	}
	return b
}

func (t epssTable) get(cve string) (EPSSScore, bool) {
	k, ok := packCVE(cve)
	if !ok {
		return EPSSScore{}, false
	}
	n := len(t.b) / epssRow
	i := sort.Search(n, func(i int) bool { return binary.LittleEndian.Uint64(t.b[epssRow*i:]) >= k })
	if i == n || binary.LittleEndian.Uint64(t.b[epssRow*i:]) != k {
		return EPSSScore{}, false
	}
	row := t.b[epssRow*i:]
	return EPSSScore{Score: math.Float64frombits(binary.LittleEndian.Uint64(row[8:])), Percentile: math.Float64frombits(binary.LittleEndian.Uint64(row[16:]))}, true
}
