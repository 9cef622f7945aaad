package advisory

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime/debug"
)

// PackageKey returns the package-index key Lookup(ecosystem, name) reads:
// the form Keys returns for a record's affected packages. Callers that keep
// their own index of what they looked up (the registry's reverse index) use
// it, so that one key compares with another without a second normaliser.
func PackageKey(ecosystem, name string) string {
	base := BaseEcosystem(ecosystem)
	return pkgKey(base, NormalizeName(base, name))
}

// CPEKey returns the CPE-index key LookupCPE(vendor, product) reads.
func CPEKey(vendor, product string) string { return cpeKey(vendor, product) }

// RecordSums returns, for every record id of the database (upper case, as
// LookupID takes it), a checksum of the encodings of the records stored
// under that id (an OSV and a CVE record may share one). Two databases'
// sums compared give the ids of the records added, changed or removed
// between them without decoding a record.
func (db *DB) RecordSums() (_ map[string]uint64, err error) {
	if db.unmap != nil { // a file truncated under the reader is an error, not SIGBUS (store.go's guard)
		if err := db.faulted(); err != nil {
			return nil, err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	ix := db.idx[tableID]
	out := make(map[string]uint64, ix.n)
	for i := 0; i < ix.n; i++ {
		id := string(ix.key(i))
		ords, err := ix.find(id)
		if err != nil {
			return nil, fmt.Errorf("%s: %w; re-import the database", db.path, err)
		}
		var sum uint64
		for _, o := range ords {
			if int(o) >= len(db.offsets)/8 {
				return nil, fmt.Errorf("%s: %w: record %d out of range; re-import the database", db.path, ErrCorrupt, o)
			}
			off := binary.LittleEndian.Uint64(db.offsets[8*o:])
			if off > uint64(len(db.records)) || uint64(len(db.records))-off < 8 {
				return nil, fmt.Errorf("%s: %w: record %d lies outside the file; re-import the database", db.path, ErrCorrupt, o)
			}
			// length and CRC32C of the encoding, as stored before each record
			sum = sum*1000003 + binary.LittleEndian.Uint64(db.records[off:])
		}
		out[id] = sum
	}
	return out, nil
}

// AddDB adds every record, KEV entry and EPSS score of db to the Builder,
// and db's sources to its provenance: importing files on top of an existing
// database (a registry's admin import). Records added later replace db's by
// the usual rule (the newer modified time wins); KEV entries and EPSS
// scores added later replace db's for the same CVE.
func (b *Builder) AddDB(db *DB) (err error) {
	if db.unmap != nil { // a file truncated under the reader is an error, not SIGBUS (store.go's guard)
		if err := db.faulted(); err != nil {
			return err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	n := len(db.offsets) / 8
	for i := 0; i < n; i++ {
		off := binary.LittleEndian.Uint64(db.offsets[8*i:])
		if off > uint64(len(db.records)) || uint64(len(db.records))-off < 8 {
			return fmt.Errorf("%s: %w: record %d lies outside the file; re-import the database", db.path, ErrCorrupt, i)
		}
		size := uint64(binary.LittleEndian.Uint32(db.records[off:]))
		if size > uint64(len(db.records))-off-8 {
			return fmt.Errorf("%s: %w: record %d overruns the file; re-import the database", db.path, ErrCorrupt, i)
		}
		r, err := decode(db.records[off+8:off+8+size], true)
		if err != nil {
			return fmt.Errorf("%s: %w: record %d: %v; re-import the database", db.path, ErrCorrupt, i, err)
		}
		b.AddRecord(r)
	}
	t := db.kev
	for i := 0; i < t.n; i++ {
		a, e := binary.LittleEndian.Uint32(t.offs[4*i:]), binary.LittleEndian.Uint32(t.offs[4*i+4:])
		if a > e || int(e) > len(t.body) {
			return fmt.Errorf("%s: %w: KEV entry %d out of range", db.path, ErrCorrupt, i)
		}
		d := newDecoder(t.body[a:e])
		k := KEVEntry{CVE: d.str(), VendorProject: d.str(), Product: d.str(), Name: d.str(), DateAdded: d.time(), KnownRansomware: d.uvarint() == 1}
		if d.err != nil {
			return fmt.Errorf("%s: %w: KEV entry %d: %v", db.path, ErrCorrupt, i, d.err)
		}
		b.kev[binary.LittleEndian.Uint64(t.keys[8*i:])] = k
	}
	epss := db.epssScores()
	for i := 0; i+epssRow <= len(epss.b); i += epssRow {
		row := epss.b[i:]
		b.epss[binary.LittleEndian.Uint64(row)] = EPSSScore{Score: math.Float64frombits(binary.LittleEndian.Uint64(row[8:])), Percentile: math.Float64frombits(binary.LittleEndian.Uint64(row[16:]))}
	}
	b.sources = append(b.sources, db.prov.Sources...)
	if b.kevCat == "" {
		b.kevCat = db.prov.KEVCatalog
	}
	if b.epssDay == "" {
		b.epssDay = db.prov.EPSSDate
	}
	return nil
}
