package advisory

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// Compiled matchers (format 5, issue 9): a scan of 10,000 packages spent
// about half its matching time decoding every record of every package and
// parsing and sorting the versions of their ranges, to find that most of
// those records do not affect the version at hand. At import time the
// package's matcher — its range events pre-parsed, ranked among the
// package's sorted boundary versions, its explicit version lists sorted —
// is compiled once per package key and stored beside the records; a scan
// reads it and decodes only the records that do match. The matcher's
// encoding is the compiler's own (internal/match registers it, since the
// version orders live there, and advisory cannot import match): this
// package stores it per key, checksummed, with the compiler's version in
// the provenance, and hands it back unread.
//
// Layout: section secMatchIdx holds (n+1) u32 offsets into section
// secMatchData, one per key of the pkg index (n keys) in its sorted order,
// so that the one search that finds a package's records finds its matcher;
// matcher i is CRC-32C u32 then its bytes, from offset i to offset i+1. The
// data section is not checksummed at open (like the records one): each
// matcher's CRC is checked when it is read.

// MatchCompileFunc compiles the matcher of one package key: ecosystem is
// the key's base ecosystem, name the key's normalised name, records the
// brief records stored under the key, in the order Lookup returns them.
// It returns the matcher's bytes, which refer to records by their index in
// records.
type MatchCompileFunc func(ecosystem, name string, records []*Record) []byte

var (
	compilerMu      sync.RWMutex
	compilerVersion int
	compiler        MatchCompileFunc
)

// RegisterMatchCompiler installs the function databases written from now
// on compile each package's matcher with, and its version (≥ 1), which the
// database records (Provenance.MatchCompiler): a reader asks for matchers
// of its own compiler's version and gets none from a database compiled by
// another. internal/match registers its compiler at init; a program that
// does not link it writes databases without compiled matchers, which scans
// then match from the records.
func RegisterMatchCompiler(version int, f MatchCompileFunc) {
	compilerMu.Lock()
	defer compilerMu.Unlock()
	compilerVersion, compiler = version, f
}

func registeredCompiler() (int, MatchCompileFunc) {
	compilerMu.RLock()
	defer compilerMu.RUnlock()
	if compiler == nil || compilerVersion < 1 {
		return 0, nil
	}
	return compilerVersion, compiler
}

// compileMatchers builds the two compiled-matcher sections from the
// package table (key → record ordinals) and the encoded records; nil, nil
// when no compiler is registered. The records of a key are decoded brief,
// each once however many keys name it, and the keys are compiled by up to
// four goroutines (the result does not depend on their number).
func compileMatchers(pkg map[string][]uint32, enc func(uint32) []byte) (idx, data []byte, err error) {
	_, f := registeredCompiler()
	if f == nil {
		return nil, nil, nil
	}
	keys := make([]string, 0, len(pkg))
	for k := range pkg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	blobs := make([][]byte, len(keys))
	var (
		decoded sync.Map // ordinal → *Record
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		next    = make(chan int, len(keys))
	)
	for i := range keys {
		next <- i
	}
	close(next)
	record := func(o uint32) (*Record, error) {
		if r, ok := decoded.Load(o); ok {
			return r.(*Record), nil
		}
		r, err := decode(enc(o), false)
		if err != nil {
			return nil, err
		}
		decoded.Store(o, r)
		return r, nil
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ords := pkg[keys[i]]
				recs := make([]*Record, len(ords))
				for j, o := range ords {
					r, err := record(o)
					if err != nil {
						mu.Lock()
						if first == nil {
							first = fmt.Errorf("compile matcher of %q: record %d: %w", keys[i], o, err)
						}
						mu.Unlock()
						return
					}
					recs[j] = r
				}
				eco, name, _ := strings.Cut(keys[i], "\x00")
				blobs[i] = f(eco, name, recs)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, nil, first
	}
	for i := range keys {
		idx = binary.LittleEndian.AppendUint32(idx, uint32(len(data)))
		data = binary.LittleEndian.AppendUint32(data, crc32.Checksum(blobs[i], castagnoli))
		data = append(data, blobs[i]...)
	}
	idx = binary.LittleEndian.AppendUint32(idx, uint32(len(data)))
	if data == nil {
		data = []byte{}
	}
	return idx, data, nil
}

// CompiledPackage is the compiled matcher of one package, as the
// registered compiler wrote it at import, with the records it refers to.
type CompiledPackage struct {
	// Matcher is the compiler's encoding, copied out of the database file
	// (empty when no record names the package).
	Matcher string
	db      *DB
	ords    []uint32
}

// Records is the number of records the matcher may refer to.
func (p *CompiledPackage) Records() int { return len(p.ords) }

// Record returns the brief record (see LookupBrief) the matcher refers to
// as number i: the i-th record LookupBrief returns for the package.
func (p *CompiledPackage) Record(i int) (_ *Record, err error) {
	if i < 0 || i >= len(p.ords) {
		return nil, fmt.Errorf("%s: %w: compiled matcher names record %d of %d; re-import the database", p.db.path, ErrCorrupt, i, len(p.ords))
	}
	db := p.db
	if db.unmap != nil {
		if err := db.faulted(); err != nil {
			return nil, err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	return db.record(p.ords[i], true)
}

// MatchCompiler returns the version of the compiler the database's
// matchers were compiled by, 0 when it holds none.
func (db *DB) MatchCompiler() int {
	if db.matchData == nil {
		return 0
	}
	return db.prov.MatchCompiler
}

// LookupCompiled returns the compiled matcher of a package, or ok false
// when the database holds no matchers of compiler version (another
// compiler's, or none) or when the ecosystem is not the base spelling the
// matchers are keyed by ("Debian:12", where Lookup filters records by
// release): the caller then matches from the records. With ok true and an
// empty Matcher no record names the package.
func (db *DB) LookupCompiled(ecosystem, name string, version int) (_ *CompiledPackage, ok bool, err error) {
	if db.matchData == nil || version < 1 || db.prov.MatchCompiler != version {
		return nil, false, nil
	}
	base := BaseEcosystem(ecosystem)
	if base != ecosystem {
		return nil, false, nil
	}
	if db.unmap != nil {
		if err := db.faulted(); err != nil {
			return nil, false, err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	key := pkgKey(base, NormalizeName(base, name))
	ix := &db.idx[tablePkg]
	i, found := ix.search(key)
	if !found {
		return &CompiledPackage{db: db}, true, nil
	}
	ords, err := ix.postingsAt(i, key)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w; re-import the database", db.path, err)
	}
	p := &CompiledPackage{db: db, ords: ords}
	d := db.matchData
	a, b := uint64(binary.LittleEndian.Uint32(db.matchIdx[4*i:])), uint64(binary.LittleEndian.Uint32(db.matchIdx[4*i+4:]))
	if a > b || b > uint64(len(d)) || b-a < 4 {
		return nil, false, fmt.Errorf("%s: %w: compiled matcher of %q lies outside the file; re-import the database", db.path, ErrCorrupt, key)
	}
	body := d[a+4 : b]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(d[a:]) {
		return nil, false, fmt.Errorf("%s: %w: compiled matcher of %q checksum mismatch at offset %d; re-import the database", db.path, ErrCorrupt, key, a)
	}
	p.Matcher = string(body)
	return p, true, nil
}

// verifyMatchers checks every compiled matcher's bounds and checksum (for
// Verify).
func (db *DB) verifyMatchers() error {
	if db.matchData == nil {
		return nil
	}
	le := binary.LittleEndian
	for i := 0; i < db.idx[tablePkg].n; i++ {
		a, b := uint64(le.Uint32(db.matchIdx[4*i:])), uint64(le.Uint32(db.matchIdx[4*i+4:]))
		if a > b || b > uint64(len(db.matchData)) || b-a < 4 {
			return fmt.Errorf("%s: %w: compiled matcher %d lies outside the file; re-import the database", db.path, ErrCorrupt, i)
		}
		if crc32.Checksum(db.matchData[a+4:b], castagnoli) != le.Uint32(db.matchData[a:]) {
			return fmt.Errorf("%s: %w: compiled matcher %d checksum mismatch at offset %d; re-import the database", db.path, ErrCorrupt, i, a)
		}
	}
	return nil
}

// Record facts (issue 9): a scan that finds a package's version affected
// decoded each matching record (about a tenth of a cold 10,000-component
// scan's CPU), then looked up its aliased CVE records, rated its severity
// and looked up KEV and EPSS — the same answers for every scan of the
// database. The facts function internal/match registers computes them at
// import, per record a package key names, and the database stores them
// beside the records: a scan reads a matching record's facts instead of the
// record. The facts are computed by reading the database image being
// written (its id index, KEV and EPSS tables), through the same lookups a
// scan makes, so they are what a scan would compute; they are stored only
// with compiled matchers, under the same compiler version (a reader of
// another version reads neither).
//
// Layout: section secFactsIdx holds (n+1) u32 offsets into section
// secFactsData, one per record ordinal (n records); a record without
// facts has an empty span, one with facts CRC-32C u32 then its bytes.

// RecordFactsFunc computes the facts of one record from the database db
// holding it (an image being written, read through its lookups): the
// bytes the facts' reader (CompiledPackage.Facts) is handed back.
type RecordFactsFunc func(db *DB, r *Record) []byte

var factsFunc RecordFactsFunc

// RegisterRecordFacts installs the function databases written from now on
// compute each record's facts with; they are written only beside compiled
// matchers (RegisterMatchCompiler), whose version covers them.
func RegisterRecordFacts(f RecordFactsFunc) {
	compilerMu.Lock()
	defer compilerMu.Unlock()
	factsFunc = f
}

func registeredFacts() RecordFactsFunc {
	compilerMu.RLock()
	defer compilerMu.RUnlock()
	return factsFunc
}

// compileFacts builds the two facts sections for the records the package
// table names (nrec records in all), reading the sections of the database
// being written as a database (without laying out a second image of it);
// nil, nil when no facts function is registered. Up to four goroutines
// compute them (the result does not depend on their number).
func compileFacts(sections []section, pkg map[string][]uint32, nrec int) (idx, data []byte, err error) {
	f := registeredFacts()
	if f == nil {
		return nil, nil, nil
	}
	secs := make(map[uint32][]byte, len(sections))
	for _, s := range sections {
		secs[s.id] = s.data
	}
	db, err := openSectionMap(secs, nil, "(database being written)", false)
	if err != nil {
		return nil, nil, err
	}
	named := make([]bool, nrec)
	var ords []uint32
	for _, ps := range pkg {
		for _, o := range ps {
			if int(o) < nrec && !named[o] {
				named[o] = true
				ords = append(ords, o)
			}
		}
	}
	blobs := make([][]byte, nrec)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan uint32, len(ords))
	)
	for _, o := range ords {
		next <- o
	}
	close(next)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				r, err := db.record(o, true)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("facts of record %d: %w", o, err)
					}
					mu.Unlock()
					return
				}
				blobs[o] = f(db, r)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, nil, first
	}
	for o := range nrec {
		idx = binary.LittleEndian.AppendUint32(idx, uint32(len(data)))
		if named[o] {
			data = binary.LittleEndian.AppendUint32(data, crc32.Checksum(blobs[o], castagnoli))
			data = append(data, blobs[o]...)
		}
	}
	idx = binary.LittleEndian.AppendUint32(idx, uint32(len(data)))
	if data == nil {
		data = []byte{}
	}
	return idx, data, nil
}

// facts returns the stored facts of record o: ok false when the database
// holds none for it.
func (db *DB) facts(o uint32) (_ string, ok bool, err error) {
	if db.factsData == nil || int(o) >= len(db.factsIdx)/4-1 {
		return "", false, nil
	}
	le := binary.LittleEndian
	a, b := uint64(le.Uint32(db.factsIdx[4*o:])), uint64(le.Uint32(db.factsIdx[4*o+4:]))
	if a == b {
		return "", false, nil
	}
	if a > b || b > uint64(len(db.factsData)) || b-a < 4 {
		return "", false, fmt.Errorf("%s: %w: facts of record %d lie outside the file; re-import the database", db.path, ErrCorrupt, o)
	}
	body := db.factsData[a+4 : b]
	if crc32.Checksum(body, castagnoli) != le.Uint32(db.factsData[a:]) {
		return "", false, fmt.Errorf("%s: %w: facts of record %d checksum mismatch at offset %d; re-import the database", db.path, ErrCorrupt, o, a)
	}
	return string(body), true, nil
}

// Facts returns the facts (RegisterRecordFacts) of the record the matcher
// refers to as number i, as the facts function wrote them at import; ok
// is false when the database holds none for it (the caller then reads the
// record).
func (p *CompiledPackage) Facts(i int) (_ string, ok bool, err error) {
	if i < 0 || i >= len(p.ords) {
		return "", false, fmt.Errorf("%s: %w: compiled matcher names record %d of %d; re-import the database", p.db.path, ErrCorrupt, i, len(p.ords))
	}
	db := p.db
	if db.unmap != nil {
		if err := db.faulted(); err != nil {
			return "", false, err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	return db.facts(p.ords[i])
}

// verifyFacts checks every record's facts' bounds and checksum (for
// Verify).
func (db *DB) verifyFacts() error {
	if db.factsData == nil {
		return nil
	}
	for o := 0; o < len(db.factsIdx)/4-1; o++ {
		if _, _, err := db.facts(uint32(o)); err != nil {
			return err
		}
	}
	return nil
}
