package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
)

// TestImportIntoSkipsBadRecords: importing a JSON-lines file with one
// malformed record and one good one on top of a database keeps the old
// records, adds the good one and reports the bad one with its line.
func TestImportIntoSkipsBadRecords(t *testing.T) {
	dir := t.TempDir()
	b := advisory.NewBuilder()
	b.AddRecord(&advisory.Record{ID: "GO-2024-0001", Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Affected: []advisory.Affected{{Package: &advisory.Package{Ecosystem: "Go", Name: "example.com/a"}}}})
	b.AddKEV(advisory.KEVEntry{CVE: "CVE-2024-1086", DateAdded: time.Date(2024, 5, 30, 0, 0, 0, 0, time.UTC)})
	if _, err := b.Write(filepath.Join(dir, "db")); err != nil {
		t.Fatal(err)
	}
	lines := `{"id": "GO-2024-0002", "modified": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/b"}}]}
{"id": "GO-2024-0003", "modified": "not a time"
`
	in := filepath.Join(dir, "update.jsonl")
	if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	prov, issues, err := ImportInto(filepath.Join(dir, "db"), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || issues[0].Line != 2 {
		t.Fatalf("issues %+v", issues)
	}
	db, err := advisory.OpenDB(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range []string{"GO-2024-0001", "GO-2024-0002"} {
		if recs, err := db.LookupID(id); err != nil || len(recs) != 1 {
			t.Errorf("%s: %d records, %v", id, len(recs), err)
		}
	}
	if _, ok := db.KEV("CVE-2024-1086"); !ok || prov.KEVEntries != 1 {
		t.Errorf("the KEV entry was lost (%d entries)", prov.KEVEntries)
	}
	if _, _, err := ImportInto(filepath.Join(dir, "none"), in); err == nil {
		t.Error("importing into a missing database succeeded")
	}
}

// TestKeysHoldNoNUL: the reverse index's keys are stored as PostgreSQL text,
// which cannot hold NUL, while the advisory package keys separate ecosystem
// and name with one: the recorded and the record keys both replace it, and
// the two forms still meet.
func TestKeysHoldNoNUL(t *testing.T) {
	r := &advisory.Record{ID: "GO-2024-0002", Affected: []advisory.Affected{{Package: &advisory.Package{Ecosystem: "Go", Name: "example.com/b"}}}}
	keys := RecordKeys(r)
	rec := &recorder{src: match.DBSource{DB: advisory.NewMemDB([]*advisory.Record{r}, nil, nil)}, keys: map[string]bool{}}
	if _, err := rec.Lookup("Go", "example.com/b"); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !rec.keys[keys[0]] || strings.ContainsRune(keys[0], 0) {
		t.Fatalf("record keys %q, recorded %v", keys, rec.keys)
	}
}
