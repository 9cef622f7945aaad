package advisory

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/testdata"
)

// fuzzSeeds returns real advisory documents from the staged samples.
func fuzzSeeds(f *testing.F, patterns ...string) [][]byte {
	var out [][]byte
	for _, pat := range patterns {
		matches, _ := filepath.Glob(filepath.Join(testdata.Path(f, "advisories"), pat))
		for _, m := range matches {
			if data, err := os.ReadFile(m); err == nil {
				out = append(out, data)
			}
		}
	}
	return out
}

// FuzzDecodeRecord feeds arbitrary bytes to the record decoder, which
// reads database files: it must never panic, what it accepts must
// re-encode to an equal record, and the brief decode of it must be the same
// record without its tail (Details, References, Credits).
func FuzzDecodeRecord(f *testing.F) {
	for _, doc := range fuzzSeeds(f, "osv/*/samples/*.json", "osv-schema/linter-testdata/*.json") {
		var r Record
		if json.Unmarshal(doc, &r) == nil {
			f.Add(encodeRecord(nil, &r))
		}
	}
	for _, line := range cveLines(f, "CVE-2016-2105", "CVE-2023-0872") {
		if c, err := cve5.Parse(line); err == nil {
			f.Add(encodeRecord(nil, FromCVE(c)))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		brief, briefErr := decodeBrief(b)
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		head := *r
		head.Details, head.References, head.Credits = "", nil, nil
		if r.CVE != nil { // a brief CVE record has no description or references either
			c := *r.CVE
			c.Description, c.References = "", nil
			head.CVE = &c
		}
		if briefErr != nil || !reflect.DeepEqual(&head, brief) {
			t.Fatalf("brief decode differs from the full record's head: %v", briefErr)
		}
		again, err := decodeRecord(encodeRecord(nil, r))
		if err != nil || !reflect.DeepEqual(r, again) {
			t.Fatalf("re-encoding changed the record: %v", err)
		}
	})
}

// FuzzOpenImage feeds damaged database images, with their checksums
// repaired so that the section parsers behind them are reached, to the
// reader: opening and every lookup must fail cleanly or succeed, never
// panic. (Damage the checksums catch is tested in TestCorruptDatabase.)
func FuzzOpenImage(f *testing.F) {
	var recs []*Record
	for _, doc := range fuzzSeeds(f, "osv/*/samples/*.json") {
		var r Record
		if json.Unmarshal(doc, &r) == nil {
			recs = append(recs, &r)
		}
	}
	b := NewBuilder()
	for _, r := range recs[:min(1, len(recs))] { // Go's fuzzer stalls on images of a few large records
		b.AddRecord(r)
	}
	b.AddKEV(KEVEntry{CVE: "CVE-2021-44228", VendorProject: "Apache"})
	b.AddEPSS("CVE-2021-44228", EPSSScore{Score: 0.9, Percentile: 0.99})
	f.Add(b.Image())
	f.Add(NewBuilder().Image())
	f.Fuzz(func(t *testing.T, img []byte) {
		db, err := openImage(fixChecksums(img), "fuzz")
		if err != nil {
			return
		}
		for i := range db.cache {
			_, _ = db.record(uint32(i), false)
		}
		for _, r := range recs {
			for _, a := range r.Affected {
				if a.Package != nil {
					_, _ = db.Lookup(a.Package.Ecosystem, a.Package.Name)
				}
			}
		}
		_, _ = db.LookupCPE("apache", "solr")
		_, _ = db.LookupRepo("https://github.com/file/file")
		db.KEV("CVE-2021-44228")
		db.EPSS("CVE-2021-44228")
	})
}

// fixChecksums rewrites the size and checksums of a mutated image so that
// the fuzzer reaches the index, KEV, EPSS and record parsers behind them.
func fixChecksums(img []byte) []byte {
	if len(img) < headerSize {
		return img
	}
	img = append([]byte(nil), img...)
	le := binary.LittleEndian
	le.PutUint64(img[16:], uint64(len(img)))
	n := int(le.Uint32(img[12:]))
	if n < 0 || n > 64 || headerSize+dirEntry*n > len(img) {
		return img
	}
	for i := 0; i < n; i++ {
		e := img[headerSize+dirEntry*i:]
		off, size := le.Uint64(e[8:]), le.Uint64(e[16:])
		if off <= uint64(len(img)) && size <= uint64(len(img))-off {
			le.PutUint32(e[4:], crc32.Checksum(img[off:off+size], castagnoli))
		}
	}
	le.PutUint32(img[24:], crc32.Checksum(img[headerSize:headerSize+dirEntry*n], castagnoli))
	return img
}

// importNames selects the format a fuzzed document is read as.
var importNames = []string{"x.json", "x.yaml", "x.jsonl", "x.csv", "x.json.gz"}

// FuzzImportDocument feeds arbitrary documents to the importer in every
// format: no panic, and every record it keeps passes Validate.
func FuzzImportDocument(f *testing.F) {
	for i, doc := range fuzzSeeds(f, "osv/*/samples/*.json", "osv/*/samples/*.yaml", "osv-schema/linter-testdata/*.json") {
		f.Add(doc, uint8(i%2))
	}
	if kev, err := os.ReadFile(testdata.Path(f, "kev/known_exploited_vulnerabilities.json")); err == nil {
		f.Add(kev[:4096], uint8(0))
	}
	if epss, err := os.ReadFile(testdata.Path(f, "epss/kev-epss-nvd.csv")); err == nil {
		f.Add(epss[:4096], uint8(3))
	}
	f.Add([]byte("{\"id\":\"A\",\"modified\":\"2024-01-01T00:00:00Z\"}\n{\"id\":\"B\"}\n"), uint8(2))
	for _, line := range cveLines(f, "CVE-2016-2105") {
		f.Add(append(append([]byte(nil), line...), '\n'), uint8(2))
	}
	if nvd, err := os.ReadFile("../cve5/testdata/nvd-single.json"); err == nil {
		f.Add(nvd, uint8(0))
	}
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		im := NewImporter()
		if err := im.AddReader(bytes.NewReader(doc), importNames[int(kind)%len(importNames)]); err != nil {
			t.Fatalf("AddReader returned an error for in-memory input: %v", err)
		}
		for id, p := range im.recs {
			r, err := decodeRecord(p.enc)
			if err != nil {
				t.Fatalf("%s: kept record does not decode: %v", id, err)
			}
			if err := Validate(r); err != nil {
				t.Fatalf("%s: kept record fails validation: %v", id, err)
			}
		}
	})
}
