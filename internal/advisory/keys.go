package advisory

import (
	"encoding/binary"
	"fmt"
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
func (db *DB) RecordSums() (map[string]uint64, error) {
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
