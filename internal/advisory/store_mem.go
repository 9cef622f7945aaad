package advisory

import "fmt"

// Index tables of a database.
const (
	tablePkg = iota
	tableCPE
	tableRepo
)

// formatVersion is the version of the on-disk format this code reads and
// writes.
const formatVersion = 1

func (db *DB) postings(table int, key string) ([]*Record, error) {
	var m map[string][]int
	switch table {
	case tablePkg:
		m = db.byPkg
	case tableCPE:
		m = db.byCPE
	default:
		m = db.byRepo
	}
	ids := m[key]
	out := make([]*Record, 0, len(ids))
	for _, i := range ids {
		out = append(out, db.records[i])
	}
	return out, nil
}

func (db *DB) kevEntry(cve string) (KEVEntry, bool) { e, ok := db.kev[cve]; return e, ok }

func (db *DB) epssScore(cve string) (EPSSScore, bool) { s, ok := db.epss[cve]; return s, ok }

func (db *DB) close() error { return nil }

func openFile(dir string) (*DB, error) {
	return nil, fmt.Errorf("open advisory database %s: the on-disk format is not implemented yet", dir)
}
