package advisory

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
)

// FileName is the name of the database file inside a database directory.
const FileName = "advisories.db"

// formatVersion is the version of the on-disk format this code reads and
// writes; a file of another version must be re-imported. Version 2: record
// encoding 2 (element counts up front). Version 3: record encoding 3 (head
// and tail, for brief decoding). Version 4: record encoding 4 (CVE records)
// and the id index section. Version 5: the compiled matchers of each
// package key (compiled.go), so a scan decodes only the records that match.
const formatVersion = 5

// Index tables of a database.
const (
	tablePkg = iota
	tableCPE
	tableRepo
	tableID
	numTables
)

// DB is an advisory database: OSV records indexed by package, CPE and
// repository, with KEV and EPSS tables. It reads its file lazily: opening
// checks the header and the index checksums, and a record is decoded only
// when a lookup returns it (then cached). It is safe for concurrent use.
// Records returned by its methods are shared: callers must not modify them.
type DB struct {
	path    string
	prov    Provenance
	data    []byte
	unmap   func() error
	offsets []byte // u64 per record
	records []byte
	idx     [numTables]index
	kev     kevTable
	epss    epssTable
	// epssMapped is the EPSS section in the mapping until epssOnce has
	// copied it into epss (nil for an image in memory).
	epssMapped []byte
	epssOnce   sync.Once
	// matchIdx and matchData are the compiled matchers (compiled.go);
	// matchData is nil in a database written without a compiler.
	matchIdx  []byte // (pkg keys+1) u32 offsets into matchData
	matchData []byte
	// factsIdx and factsData are the record facts (compiled.go); nil in
	// a database written without a facts function.
	factsIdx  []byte // (records+1) u32 offsets into factsData
	factsData []byte
	cache     []atomic.Pointer[Record]
	// brief caches records decoded by the Brief lookups (no Details,
	// References or Credits).
	brief []atomic.Pointer[Record]
	// fault is set once a read of the mapped file faulted (the file was
	// truncated under the reader); every later lookup returns it.
	fault atomic.Pointer[error]
}

// NewMemDB returns an in-memory database of the given records, KEV entries
// and EPSS scores (keyed by CVE id). It applies the same rules as an import
// (for a repeated id the record with the newest modified time wins) and
// uses the same encoding as a database on disk. It is meant for tests and
// for callers that already hold records.
func NewMemDB(records []*Record, kev []KEVEntry, epss map[string]EPSSScore) *DB {
	b := NewBuilder()
	for _, r := range records {
		if r != nil {
			b.AddRecord(r)
		}
	}
	for _, e := range kev {
		b.AddKEV(e)
	}
	for c, s := range epss {
		b.AddEPSS(c, s)
	}
	db, err := openImage(b.Image(), "memory")
	if err != nil {
		panic("advisory: NewMemDB built an unreadable image: " + err.Error()) // a bug, not bad input
	}
	return db
}

// OpenDB opens the database in directory dir without reading it whole.
// A missing, corrupt or half-written database is an error that tells the
// user to re-import. The file is memory-mapped: if it is truncated while
// the DB is open (never by dualmark, which replaces a database by
// renaming, but by another program), a lookup that reaches past the new
// end returns an ErrCorrupt error instead of the process dying of SIGBUS
// (see guard), and the KEV and EPSS tables, which answer without an
// error, are copied to memory when the database is opened.
func OpenDB(dir string) (*DB, error) {
	path := filepath.Join(dir, FileName)
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		what := "not a regular file (mode " + st.Mode().String() + ")"
		if st.IsDir() {
			what = "a directory, not a database file"
		}
		return nil, fmt.Errorf("%s: %w: it is %s; remove it before importing the database again", path, ErrCorrupt, what)
	}
	data, unmap, err := mapFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &NoDatabaseError{Dir: dir}
		}
		return nil, fmt.Errorf("open advisory database: %w", err)
	}
	db, err := openMapped(data, path)
	if err != nil {
		if unmap != nil {
			_ = unmap()
		}
		return nil, fmt.Errorf("%w; re-import the database", err)
	}
	db.unmap = unmap
	return db, nil
}

// openMapped is openImage over a mapped file, turning a fault while the
// sections are checked into an error.
func openMapped(data []byte, path string) (db *DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
			db, err = nil, changedError(path, len(data))
		}
	}()
	return openSections(data, path, true)
}

// changedError is the error of a read that faulted in a mapped database
// file of size bytes.
func changedError(path string, size int) error {
	now := "it is gone"
	if st, err := os.Stat(path); err == nil {
		now = fmt.Sprintf("it has %d bytes now", st.Size())
	}
	return fmt.Errorf("%s: %w: the file changed while it was being read (it had %d bytes when opened, %s: truncated or overwritten in place by another program)", path, ErrCorrupt, size, now)
}

// guard, deferred by every method that reads the mapped file after
// debug.SetPanicOnFault(true), turns the memory fault of a read past the
// end of a file truncated under the reader (SIGBUS) into an ErrCorrupt
// error in *err, and makes every later lookup fail with it. Other panics
// go on.
func (db *DB) guard(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(interface{ Addr() uintptr }); !ok {
		panic(r)
	}
	e := changedError(db.path, len(db.data))
	db.fault.CompareAndSwap(nil, &e)
	*err = *db.fault.Load()
}

// faulted returns the error of an earlier faulting read, if any.
func (db *DB) faulted() error {
	if e := db.fault.Load(); e != nil {
		return *e
	}
	return nil
}

// openImage checks a database image held in memory and sets up lazy
// access to it.
func openImage(data []byte, path string) (*DB, error) { return openSections(data, path, false) }

// openSections is openImage. When mapped, the KEV section (read whole by
// its checksum anyway) is copied, so that its lookups, which return no
// error, never touch the mapping; the EPSS section (8.6 MB of the staged
// data) is copied on its first lookup (epssScores), since a scan whose
// records' facts carry their EPSS scores looks up none: copying it at
// open was about 4 % of a cold 10,000-component scan's CPU.
func openSections(data []byte, path string, mapped bool) (*DB, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: "+format, append([]any{path, ErrCorrupt}, a...)...)
	}
	if len(data) < headerSize || string(data[:len(magic)]) != magic {
		return nil, bad("not an advisory database written by dualmark (bad header)")
	}
	le := binary.LittleEndian
	if v := le.Uint32(data[8:]); v != formatVersion {
		return nil, bad("format version %d, this build reads version %d", v, formatVersion)
	}
	nsec := int(le.Uint32(data[12:]))
	if size := le.Uint64(data[16:]); size != uint64(len(data)) {
		return nil, bad("file is %d bytes, header says %d (truncated or half-written)", len(data), size)
	}
	if nsec > 64 || headerSize+dirEntry*nsec > len(data) {
		return nil, bad("section table of %d entries does not fit", nsec)
	}
	table := data[headerSize : headerSize+dirEntry*nsec]
	if crc32.Checksum(table, castagnoli) != le.Uint32(data[24:]) {
		return nil, bad("section table checksum mismatch")
	}
	secs := map[uint32][]byte{}
	for i := 0; i < nsec; i++ {
		e := table[dirEntry*i:]
		id, sum, off, n := le.Uint32(e), le.Uint32(e[4:]), le.Uint64(e[8:]), le.Uint64(e[16:])
		if off > uint64(len(data)) || n > uint64(len(data))-off {
			return nil, bad("section %d lies outside the file", id)
		}
		s := data[off : off+n]
		if id != secRecords && id != secMatchData && id != secFactsData && crc32.Checksum(s, castagnoli) != sum {
			return nil, bad("section %d checksum mismatch", id)
		}
		secs[id] = s
	}
	return openSectionMap(secs, data, path, mapped)
}

// openSectionMap is openSections over the sections found, by id (data is
// the whole file, nil for sections that are not laid out in one).
func openSectionMap(secs map[uint32][]byte, data []byte, path string, mapped bool) (*DB, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: "+format, append([]any{path, ErrCorrupt}, a...)...)
	}
	for id := uint32(secProvenance); id <= secID; id++ {
		if _, ok := secs[id]; !ok {
			return nil, bad("section %d missing", id)
		}
	}
	if mapped {
		c := bytes.Clone(secs[secKEV])
		release(data, secs[secKEV]) // the copy is read from now on
		secs[secKEV] = c
	}
	db := &DB{path: path, data: data, offsets: secs[secOffsets], records: secs[secRecords], epss: epssTable{secs[secEPSS]}}
	if mapped {
		db.epssMapped = secs[secEPSS]
	}
	if err := json.Unmarshal(secs[secProvenance], &db.prov); err != nil {
		return nil, bad("provenance: %v", err)
	}
	if len(db.offsets)%8 != 0 || len(db.epss.b)%epssRow != 0 {
		return nil, bad("record offset or EPSS table has a partial row")
	}
	var err error
	for i, id := range []uint32{secPkg, secCPE, secRepo, secID} {
		if db.idx[i], err = parseIndex(secs[id]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if db.kev, err = parseKEV(secs[secKEV]); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	mi, hasIdx := secs[secMatchIdx]
	md, hasData := secs[secMatchData]
	switch {
	case hasIdx != hasData || (hasIdx && db.prov.MatchCompiler < 1):
		return nil, bad("compiled matchers incomplete (index %v, data %v, compiler version %d)", hasIdx, hasData, db.prov.MatchCompiler)
	case hasIdx:
		if len(mi) != 4*(db.idx[tablePkg].n+1) {
			return nil, bad("compiled matcher table of %d bytes for %d package keys", len(mi), db.idx[tablePkg].n)
		}
		db.matchIdx, db.matchData = mi, md
		if db.matchData == nil {
			db.matchData = []byte{}
		}
	}
	fi, hasFactsIdx := secs[secFactsIdx]
	fd, hasFactsData := secs[secFactsData]
	switch {
	case hasFactsIdx != hasFactsData || (hasFactsIdx && db.matchData == nil):
		return nil, bad("record facts incomplete (index %v, data %v, compiled matchers %v)", hasFactsIdx, hasFactsData, db.matchData != nil)
	case hasFactsIdx:
		if len(fi) != 4*(len(db.offsets)/8+1) {
			return nil, bad("record facts table of %d bytes for %d records", len(fi), len(db.offsets)/8)
		}
		db.factsIdx, db.factsData = fi, fd
		if db.factsData == nil {
			db.factsData = []byte{}
		}
	}
	db.cache = make([]atomic.Pointer[Record], len(db.offsets)/8)
	db.brief = make([]atomic.Pointer[Record], len(db.offsets)/8)
	return db, nil
}

// Close releases the database file. Records already returned stay valid;
// the DB must not be used afterwards.
func (db *DB) Close() error {
	if db.unmap == nil {
		return nil
	}
	u := db.unmap
	db.unmap, db.data, db.records, db.offsets = nil, nil, nil, nil
	db.idx = [numTables]index{}
	db.matchIdx, db.matchData = nil, nil
	db.factsIdx, db.factsData = nil, nil
	db.epssOnce.Do(func() {}) // a lookup after Close copies nothing
	db.kev, db.epss, db.epssMapped = kevTable{}, epssTable{}, nil
	return u()
}

// record returns record number i, decoding and caching it on first use.
// A brief record has no Details, References or Credits; a full one is
// returned for a brief request when it is already cached.
func (db *DB) record(i uint32, brief bool) (*Record, error) {
	if int(i) >= len(db.cache) {
		return nil, fmt.Errorf("%s: %w: record %d out of range; re-import the database", db.path, ErrCorrupt, i)
	}
	if r := db.cache[i].Load(); r != nil {
		return r, nil
	}
	if brief {
		if r := db.brief[i].Load(); r != nil {
			return r, nil
		}
	}
	off := binary.LittleEndian.Uint64(db.offsets[8*i:])
	if off > uint64(len(db.records)) || uint64(len(db.records))-off < 8 {
		return nil, fmt.Errorf("%s: %w: record %d lies outside the file; re-import the database", db.path, ErrCorrupt, i)
	}
	n := uint64(binary.LittleEndian.Uint32(db.records[off:]))
	sum := binary.LittleEndian.Uint32(db.records[off+4:])
	if n > uint64(len(db.records))-off-8 {
		return nil, fmt.Errorf("%s: %w: record %d overruns the file; re-import the database", db.path, ErrCorrupt, i)
	}
	body := db.records[off+8 : off+8+n]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%s: %w: record %d checksum mismatch at offset %d; re-import the database", db.path, ErrCorrupt, i, off)
	}
	r, err := decode(body, !brief)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: record %d: %v; re-import the database", db.path, ErrCorrupt, i, err)
	}
	if brief {
		db.brief[i].Store(r)
	} else {
		db.cache[i].Store(r)
	}
	return r, nil
}

func (db *DB) postings(table int, key string, brief bool) (_ []*Record, err error) {
	if db.unmap != nil {
		if err := db.faulted(); err != nil {
			return nil, err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	ords, err := db.idx[table].find(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; re-import the database", db.path, err)
	}
	if len(ords) == 0 {
		return nil, nil
	}
	out := make([]*Record, 0, len(ords))
	for _, o := range ords {
		r, err := db.record(o, brief)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (db *DB) kevEntry(cve string) (KEVEntry, bool) { return db.kev.get(cve) }

func (db *DB) epssScore(cve string) (EPSSScore, bool) { return db.epssScores().get(cve) }

// epssScores returns the EPSS table, copying it out of the mapping on first
// use so that its lookups, which return no error, never touch the mapping
// afterwards. When the copy faults (the file was truncated under the
// reader before any EPSS lookup), the table is empty and the fault is kept
// as every later lookup's error (DB.Err).
func (db *DB) epssScores() epssTable {
	if db.epssMapped == nil {
		return db.epss
	}
	db.epssOnce.Do(func() {
		var err error
		func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer db.guard(&err)
			db.epss = epssTable{bytes.Clone(db.epssMapped)}
		}()
		if err != nil {
			db.epss = epssTable{}
			return
		}
		release(db.data, db.epssMapped) // the copy is read from now on
	})
	return db.epss
}

// Err returns the error of an earlier read that faulted because the
// database file changed under the reader, nil if none did: lookups that
// return no error (KEV, EPSS) answer nothing after such a fault, so a
// caller that used them checks Err at the end.
func (db *DB) Err() error { return db.faulted() }

// pending is a record accepted by a Builder, kept in encoded form.
type pending struct {
	id       string
	modified time.Time
	newest   time.Time // modified or published, whichever is later
	enc      []byte
	keys     keys
	ecos     []string
	cve      bool // a CVE record (Record.CVE set)
	rejected bool // a withdrawn CVE record (state REJECTED)
}

// recKey is the Builder's key of a record: its id, with a suffix for CVE
// records so that an OSV record and a CVE record of the same id are both
// kept.
func recKey(r *Record) string {
	if r.CVE != nil {
		return r.ID + "\x00cve"
	}
	return r.ID
}

// Builder accumulates records, KEV entries and EPSS scores and writes them
// as a database. For a repeated record id the newest modified time wins
// (the first seen on a tie); an OSV record and a CVE record (Record.CVE
// set) with the same id are different records and both kept. A Builder is
// not safe for concurrent use.
type Builder struct {
	recs    map[string]*pending
	kev     map[uint64]KEVEntry
	kevCat  string
	epss    map[uint64]EPSSScore
	epssDay string
	sources []Source
	skipped int
	built   time.Time
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{recs: map[string]*pending{}, kev: map[uint64]KEVEntry{}, epss: map[uint64]EPSSScore{}}
}

// AddRecord adds a record (validate it first with Validate); a record with
// the id of one already added replaces it only when its modified time is
// newer.
func (b *Builder) AddRecord(r *Record) {
	key := recKey(r)
	if old, ok := b.recs[key]; ok && !r.Modified.After(old.modified) {
		return
	}
	b.addPending(key, newPending(r))
}

// newPending encodes a record and computes its keys; it touches no
// Builder state, so importers may call it concurrently.
func newPending(r *Record) *pending {
	p := &pending{id: r.ID, modified: r.Modified, newest: newestRecordDate(r), enc: encodeRecord(nil, r), keys: recordKeys(r), cve: r.CVE != nil}
	if p.cve {
		p.rejected = r.CVE.State == "REJECTED"
	} else {
		for e := range countEcosystems([]*Record{r}) {
			p.ecos = append(p.ecos, e)
		}
	}
	return p
}

// addPending adds a prepared record under AddRecord's rule.
func (b *Builder) addPending(key string, p *pending) {
	if old, ok := b.recs[key]; ok && !p.modified.After(old.modified) {
		return
	}
	b.recs[key] = p
}

// AddKEV adds or replaces a KEV entry; it reports false when the entry's
// CVE field is not a CVE id.
func (b *Builder) AddKEV(e KEVEntry) bool {
	k, ok := packCVE(e.CVE)
	if ok {
		b.kev[k] = e
	}
	return ok
}

// AddEPSS adds or replaces the EPSS score of a CVE; it reports false when
// cve is not a CVE id.
func (b *Builder) AddEPSS(cve string, s EPSSScore) bool {
	k, ok := packCVE(cve)
	if ok {
		b.epss[k] = s
	}
	return ok
}

// Provenance returns the provenance the database will record.
func (b *Builder) Provenance() Provenance {
	p := Provenance{FormatVersion: formatVersion, Built: b.built, Sources: b.sources, Records: len(b.recs),
		Skipped: b.skipped, Ecosystems: map[string]int{}, KEVEntries: len(b.kev), KEVCatalog: b.kevCat,
		EPSSScores: len(b.epss), EPSSDate: b.epssDay}
	p.MatchCompiler, _ = registeredCompiler()
	if p.Built.IsZero() {
		p.Built = time.Now().UTC().Truncate(time.Second)
	}
	for _, r := range b.recs {
		for _, e := range r.ecos {
			p.Ecosystems[e]++
		}
		if r.cve {
			p.CVERecords++
			if r.rejected {
				p.CVEWithdrawn++
			}
		}
		if r.newest.After(p.NewestRecord) && !r.newest.After(p.Built.Add(48*time.Hour)) {
			p.NewestRecord = r.newest.UTC()
		}
	}
	return p
}

// Image returns the database file's bytes.
func (b *Builder) Image() []byte {
	ids := make([]string, 0, len(b.recs))
	for id := range b.recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	recBytes := 0
	for _, p := range b.recs {
		recBytes += 8 + len(p.enc)
	}
	offsets, records := make([]byte, 0, 8*len(ids)), make([]byte, 0, recBytes)
	maps := [numTables]map[string][]uint32{{}, {}, {}, {}}
	for i, id := range ids {
		p := b.recs[id]
		idKey := strings.ToUpper(p.id)
		maps[tableID][idKey] = append(maps[tableID][idKey], uint32(i))
		offsets = binary.LittleEndian.AppendUint64(offsets, uint64(len(records)))
		records = binary.LittleEndian.AppendUint32(records, uint32(len(p.enc)))
		records = binary.LittleEndian.AppendUint32(records, crc32.Checksum(p.enc, castagnoli))
		records = append(records, p.enc...)
		for t, ks := range [3][]string{p.keys.pkgs, p.keys.cpes, p.keys.repos} {
			for _, k := range ks {
				maps[t][k] = append(maps[t][k], uint32(i))
			}
		}
	}
	prov, _ := json.Marshal(b.Provenance())
	sections := []section{
		{secProvenance, prov}, {secOffsets, offsets}, {secRecords, records},
		{secPkg, buildIndex(maps[tablePkg])}, {secCPE, buildIndex(maps[tableCPE])}, {secRepo, buildIndex(maps[tableRepo])},
		{secKEV, buildKEV(b.kev)}, {secEPSS, buildEPSS(b.epss)}, {secID, buildIndex(maps[tableID])},
	}
	midx, mdata, err := compileMatchers(maps[tablePkg], func(o uint32) []byte { return b.recs[ids[o]].enc })
	if err != nil {
		// the records were encoded by this Builder: one that does not
		// decode is a bug of the codec, not bad input
		panic("advisory: " + err.Error())
	}
	if midx == nil {
		return layout(sections)
	}
	sections = append(sections, section{secMatchIdx, midx}, section{secMatchData, mdata})
	// the record facts are computed by reading these sections as a
	// database, so that they are what a scan of it would compute from the
	// records
	fidx, fdata, err := compileFacts(sections, maps[tablePkg], len(ids))
	if err != nil {
		panic("advisory: " + err.Error())
	}
	if fidx != nil {
		sections = append(sections, section{secFactsIdx, fidx}, section{secFactsData, fdata})
	}
	return layout(sections)
}

// section is one section of a database image.
type section struct {
	id   uint32
	data []byte
}

// layout writes the header, the section table and the sections.
func layout(sections []section) []byte {
	le := binary.LittleEndian
	size := headerSize + dirEntry*len(sections)
	for _, s := range sections {
		size += len(s.data)
	}
	out := make([]byte, headerSize, size)
	copy(out, magic)
	le.PutUint32(out[8:], formatVersion)
	le.PutUint32(out[12:], uint32(len(sections)))
	le.PutUint64(out[16:], uint64(size))
	off := headerSize + dirEntry*len(sections)
	for _, s := range sections {
		out = le.AppendUint32(out, s.id)
		out = le.AppendUint32(out, crc32.Checksum(s.data, castagnoli))
		out = le.AppendUint64(out, uint64(off))
		out = le.AppendUint64(out, uint64(len(s.data)))
		off += len(s.data)
	}
	le.PutUint32(out[24:], crc32.Checksum(out[headerSize:], castagnoli))
	for _, s := range sections {
		out = append(out, s.data...)
	}
	return out
}

// Write writes the database into directory dir (created if needed),
// replacing any database there atomically: the file is written and synced
// under a temporary name and then renamed over the old one, so a reader
// sees either the old or the new database, never a mix or a partial file.
// Writers lock the directory (flock, on unix) for the time they
// write, and remove the temporary files of earlier writers killed before
// their rename (all of them under the lock; elsewhere those older than
// StaleTempAge).
func (b *Builder) Write(dir string) (Provenance, error) {
	if b.built.IsZero() {
		b.built = time.Now().UTC().Truncate(time.Second)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Provenance{}, fmt.Errorf("create database directory: %w", err)
	}
	target := filepath.Join(dir, FileName)
	if st, err := os.Lstat(target); err == nil && st.IsDir() {
		return Provenance{}, fmt.Errorf("%s is a directory, not a database file: remove it to write the database there", target)
	}
	unlock, exclusive, err := lockWriter(dir)
	if err != nil {
		return Provenance{}, err
	}
	defer unlock()
	age := StaleTempAge
	if exclusive {
		age = 0 // no other writer is running: every temporary file is abandoned
	}
	_, _ = fsread.RemoveStale(dir, "."+FileName+".*.tmp", age)
	img := b.Image()
	f, err := os.CreateTemp(dir, "."+FileName+".*.tmp")
	if err != nil {
		return Provenance{}, fmt.Errorf("write advisory database: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(img); err != nil {
		f.Close()
		return Provenance{}, fmt.Errorf("write advisory database %s: %w", tmp, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return Provenance{}, fmt.Errorf("write advisory database %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return Provenance{}, fmt.Errorf("sync advisory database %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return Provenance{}, fmt.Errorf("close advisory database %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return Provenance{}, fmt.Errorf("replace advisory database: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return b.Provenance(), nil
}

// StaleTempAge is the age from which a temporary database file
// (".advisories.db.*.tmp", left by a writer killed before its rename) is
// removed by the next Write where writers cannot lock the directory. With
// the lock (unix), every such file is removed: none belongs to a live
// writer.
const StaleTempAge = 10 * time.Minute

// Verify checks every record's checksum and encoding and that every index
// entry points at a record, reading the whole file. OpenDB checks only the
// header and the indexes; Verify is the full check behind
// `dualmark db status --verify`. It does not fill the record cache.
func (db *DB) Verify() (err error) {
	if db.unmap != nil {
		if err := db.faulted(); err != nil {
			return err
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer db.guard(&err)
	}
	n := uint32(len(db.cache))
	for i := uint32(0); i < n; i++ {
		if db.cache[i].Load() != nil {
			continue
		}
		if _, err := db.record(i, false); err != nil {
			return err
		}
		db.cache[i].Store(nil)
	}
	if err := db.verifyFacts(); err != nil {
		return err
	}
	if err := db.verifyMatchers(); err != nil {
		return err
	}
	for t, ix := range db.idx {
		for k := 0; k < ix.n; k++ {
			ords, err := ix.find(string(ix.key(k)))
			if err != nil {
				return fmt.Errorf("%s: %w; re-import the database", db.path, err)
			}
			for _, o := range ords {
				if o >= n {
					return fmt.Errorf("%s: %w: index %d key %q names record %d of %d; re-import the database", db.path, ErrCorrupt, t, ix.key(k), o, n)
				}
			}
		}
	}
	return nil
}
