package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Component is one distinct component of the reverse index: what matching
// reads of an SBOM component (everything but its document-local ref). Each
// distinct component is stored once, whichever versions contain it.
type Component struct {
	ID          int64    `json:"id"`
	Digest      string   `json:"digest"` // SHA-256 of the fields below, the identity in the table
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	PURL        string   `json:"purl,omitempty"`
	CPEs        []string `json:"cpes,omitempty"`
	Type        string   `json:"type,omitempty"`
	SourceURL   string   `json:"sourceUrl,omitempty"`
	DownloadURL string   `json:"downloadUrl,omitempty"`
}

// IndexedComponent is one component of a version as the reverse index
// receives it: the component, the advisory index keys matching looks it up
// under, and where it sits in the version's SBOM.
type IndexedComponent struct {
	Component
	Keys []string
	Ref  string // the SBOM's ref of it
	Path string // dependency path from the product ("firmware > busybox"), "" when the SBOM has none
}

// VersionIndex is what the reverse index keeps of one product version.
type VersionIndex struct {
	VersionID string
	Platform  string // the platform matching uses for the whole SBOM
	VEX       string // VEX statements (JSON) applied to its findings, "" for none
	// Facts is what the crisis query reads of the version's dossier,
	// encoded by the monitor ("" for not computed).
	Facts      string
	Components []IndexedComponent
}

// VersionMonitor is a version's matching context.
type VersionMonitor struct {
	VersionID string
	Platform  string
	VEX       string
}

// Edge is a product version containing a component.
type Edge struct {
	VersionID   string
	ComponentID int64
	Ref, Path   string
}

// IndexStats counts the reverse index.
type IndexStats struct {
	Versions   int `json:"versions"`
	Components int `json:"components"`
	Keys       int `json:"keys"`
	Edges      int `json:"edges"`
}

func joinList(s []string) string { return strings.Join(s, "\n") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// IndexVersion stores a version's components in the reverse index in one
// transaction, replacing what was indexed for it before. Components already
// stored (same digest) are reused; their key lists are extended.
func (s *DB) IndexVersion(ctx context.Context, vi *VersionIndex) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.indexVersion(ctx, tx, vi) })
}

func (s *DB) indexVersion(ctx context.Context, tx *sql.Tx, vi *VersionIndex) error {
	if _, err := s.exec(ctx, tx, `DELETE FROM version_components WHERE version_id = ?`, vi.VersionID); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM version_monitor WHERE version_id = ?`, vi.VersionID); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO version_monitor (version_id, platform, vex, facts, indexed) VALUES (?, ?, ?, ?, ?)`,
		vi.VersionID, vi.Platform, vi.VEX, vi.Facts, micros(time.Now())); err != nil {
		return err
	}
	// the components already stored, by digest, in one query per chunk
	ids := map[string]int64{}
	digests := make([]string, 0, len(vi.Components))
	for i := range vi.Components {
		digests = append(digests, vi.Components[i].Digest)
	}
	read := func(digests []string) error {
		return eachIn(ctx, s, tx, `SELECT id, digest FROM components WHERE digest IN (?)`, digests, func(rows *sql.Rows) error {
			var id int64
			var d string
			if err := rows.Scan(&id, &d); err != nil {
				return err
			}
			ids[d] = id
			return nil
		})
	}
	if err := read(digests); err != nil {
		return err
	}
	// the new ones, many per statement, then their IDs and keys
	ins := s.newBatch(tx, `INSERT INTO components (digest, name, version, purl, cpes, type, source_url, download_url) VALUES `, ` ON CONFLICT (digest) DO NOTHING`, 8)
	defer ins.close()
	var added []string
	isNew := map[string]bool{}
	for i := range vi.Components {
		c := &vi.Components[i]
		if _, ok := ids[c.Digest]; ok || isNew[c.Digest] {
			continue
		}
		isNew[c.Digest] = true
		added = append(added, c.Digest)
		if err := ins.add(ctx, c.Digest, c.Name, c.Version, c.PURL, joinList(c.CPEs), c.Type, c.SourceURL, c.DownloadURL); err != nil {
			return mapErr(err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return err
	}
	if err := read(added); err != nil {
		return err
	}
	key := s.newBatch(tx, `INSERT INTO component_keys (key, component_id) VALUES `, ` ON CONFLICT DO NOTHING`, 2)
	defer key.close()
	edge := s.newBatch(tx, `INSERT INTO version_components (component_id, version_id, ref, path, state) VALUES `, ` ON CONFLICT DO NOTHING`, 5)
	defer edge.close()
	for i := range vi.Components {
		c := &vi.Components[i]
		id := ids[c.Digest]
		if id == 0 {
			return fmt.Errorf("component %s (%s) not stored", c.Name, c.Digest)
		}
		if isNew[c.Digest] {
			delete(isNew, c.Digest) // its keys once
			for _, k := range c.Keys {
				if err := key.add(ctx, k, id); err != nil {
					return mapErr(err)
				}
			}
		}
		c.ID = id
		if err := edge.add(ctx, id, vi.VersionID, c.Ref, c.Path, "?"); err != nil {
			return fmt.Errorf("edges of %s: %w", vi.VersionID, mapErr(err))
		}
	}
	if err := key.flush(ctx); err != nil {
		return mapErr(err)
	}
	if err := edge.flush(ctx); err != nil {
		return fmt.Errorf("edges of %s: %w", vi.VersionID, mapErr(err))
	}
	return nil
}

// UnindexedVersions returns up to limit IDs of versions the reverse index
// does not hold yet (the backfill's work list), oldest first.
func (s *DB) UnindexedVersions(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM versions WHERE id NOT IN (SELECT version_id FROM version_monitor) ORDER BY id LIMIT %d`, limit))
	return collectStrings(rows, err)
}

// IndexedVersions returns the matching context of every indexed version.
func (s *DB) IndexedVersions(ctx context.Context) ([]VersionMonitor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version_id, platform, vex FROM version_monitor ORDER BY version_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VersionMonitor
	for rows.Next() {
		var v VersionMonitor
		if err := rows.Scan(&v.VersionID, &v.Platform, &v.VEX); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func collectStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// chunks calls fn with the values in groups small enough for one IN list.
func chunks[T any](vals []T, fn func([]T) error) error {
	const n = 500
	for len(vals) > 0 {
		k := min(n, len(vals))
		if err := fn(vals[:k]); err != nil {
			return err
		}
		vals = vals[k:]
	}
	return nil
}

func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](vals []T) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

// queryer is what eachIn reads through: the database or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachIn runs query once per chunk of vals, its one "IN (?)" widened to
// the chunk's list and the chunk's values as its arguments, and calls row
// for every row read: the one chunked IN-list read of the store.
func eachIn[V any](ctx context.Context, s *DB, qr queryer, query string, vals []V, row func(*sql.Rows) error) error {
	before, after, ok := strings.Cut(query, "IN (?)")
	if !ok {
		return fmt.Errorf("store: query without IN (?): %s", query)
	}
	return chunks(vals, func(part []V) error {
		rows, err := qr.QueryContext(ctx, s.q(before+"IN ("+inList(len(part))+")"+after), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// distinctIn reads the one column query selects (see eachIn) for every
// chunk of vals, each value once, in the order first read.
func distinctIn[T comparable, V any](ctx context.Context, s *DB, query string, vals []V) ([]T, error) {
	seen := map[T]bool{}
	var out []T
	err := eachIn(ctx, s, s.db, query, vals, func(rows *sql.Rows) error {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// ComponentsByKeys returns the IDs of the components indexed under any of
// keys (advisory index keys: what a changed record touches).
func (s *DB) ComponentsByKeys(ctx context.Context, keys []string) ([]int64, error) {
	return distinctIn[int64](ctx, s, `SELECT DISTINCT component_id FROM component_keys WHERE key IN (?)`, keys)
}

// EdgesOfComponents returns every edge to the given components.
func (s *DB) EdgesOfComponents(ctx context.Context, ids []int64) ([]Edge, error) {
	var out []Edge
	err := chunks(ids, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT version_id, component_id, ref, path FROM version_components WHERE component_id IN (`+inList(len(part))+`)`), anys(part)...)
		got, err := scanEdges(rows, err)
		out = append(out, got...)
		return err
	})
	return out, err
}

// EdgesOfVersion returns a version's edges.
func (s *DB) EdgesOfVersion(ctx context.Context, versionID string) ([]Edge, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT version_id, component_id, ref, path FROM version_components WHERE version_id = ?`), versionID)
	return scanEdges(rows, err)
}

// PairStates are (version, component) pairs of the reverse index with the
// digest of their finding states as last committed ('?' before the first
// commit), and the number of re-match jobs finished when they were read: a
// re-match hands them to CommitRematch (Rematch.Known), which then need not
// read them again unless another job finished in between.
type PairStates struct {
	States map[Pair]string
	Jobs   int64
}

// finishedJobs counts the finished re-match jobs (the freshness check of
// PairStates).
func (s *DB) finishedJobs(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM monitor_jobs WHERE state = ?`), JobDone).Scan(&n)
	return n, err
}

// AllPairStates reads every pair of the reverse index with its state
// digest (what a full re-match evaluates), without the edges' refs and
// paths.
func (s *DB) AllPairStates(ctx context.Context) (*PairStates, error) {
	jobs, err := s.finishedJobs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	ps := &PairStates{States: map[Pair]string{}, Jobs: jobs}
	rows, err := s.db.QueryContext(ctx, `SELECT component_id, version_id, state FROM version_components`)
	if err != nil {
		return nil, err
	}
	return ps, scanPairStates(rows, ps.States)
}

// PairStatesOfComponents reads the pairs of the given components with
// their state digests (what a delta re-match evaluates).
func (s *DB) PairStatesOfComponents(ctx context.Context, ids []int64) (*PairStates, error) {
	jobs, err := s.finishedJobs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	ps := &PairStates{States: map[Pair]string{}, Jobs: jobs}
	err = chunks(ids, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT component_id, version_id, state FROM version_components WHERE component_id IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		return scanPairStates(rows, ps.States)
	})
	return ps, err
}

// scanPairStates reads (component, version, state) rows into into; the
// version IDs and digests repeat across millions of rows, so each distinct
// one is allocated once.
func scanPairStates(rows *sql.Rows, into map[Pair]string) error {
	defer rows.Close()
	intern := map[string]string{}
	str := func(b sql.RawBytes) string {
		if v, ok := intern[string(b)]; ok {
			return v
		}
		v := string(b)
		intern[v] = v
		return v
	}
	var vid, st sql.RawBytes
	for rows.Next() {
		var p Pair
		if err := rows.Scan(&p.ComponentID, &vid, &st); err != nil {
			return err
		}
		p.VersionID = str(vid)
		into[p] = str(st)
	}
	return rows.Err()
}

// AllEdges calls fn for every edge of the index, by component.
func (s *DB) AllEdges(ctx context.Context, fn func(Edge) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT version_id, component_id, ref, path FROM version_components ORDER BY component_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Edge
		if err := rows.Scan(&e.VersionID, &e.ComponentID, &e.Ref, &e.Path); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanEdges(rows *sql.Rows, err error) ([]Edge, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Edge
	for rows.Next() {
		var e Edge
		if err := rows.Scan(&e.VersionID, &e.ComponentID, &e.Ref, &e.Path); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Components returns the components with the given IDs.
func (s *DB) Components(ctx context.Context, ids []int64) (map[int64]*Component, error) {
	out := make(map[int64]*Component, len(ids))
	err := eachIn(ctx, s, s.db, `SELECT id, digest, name, version, purl, cpes, type, source_url, download_url FROM components WHERE id IN (?)`, ids, func(rows *sql.Rows) error {
		var c Component
		var cpes string
		if err := rows.Scan(&c.ID, &c.Digest, &c.Name, &c.Version, &c.PURL, &cpes, &c.Type, &c.SourceURL, &c.DownloadURL); err != nil {
			return err
		}
		c.CPEs = splitList(cpes)
		out[c.ID] = &c
		return nil
	})
	return out, err
}

// VersionMonitors returns the matching context of the given versions.
func (s *DB) VersionMonitors(ctx context.Context, ids []string) (map[string]VersionMonitor, error) {
	out := make(map[string]VersionMonitor, len(ids))
	err := eachIn(ctx, s, s.db, `SELECT version_id, platform, vex FROM version_monitor WHERE version_id IN (?)`, ids, func(rows *sql.Rows) error {
		var v VersionMonitor
		if err := rows.Scan(&v.VersionID, &v.Platform, &v.VEX); err != nil {
			return err
		}
		out[v.VersionID] = v
		return nil
	})
	return out, err
}

// ReverseIndexStats counts the reverse index.
func (s *DB) ReverseIndexStats(ctx context.Context) (IndexStats, error) {
	var st IndexStats
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM version_monitor), (SELECT COUNT(*) FROM components), (SELECT COUNT(*) FROM component_keys), (SELECT COUNT(*) FROM version_components)`).
		Scan(&st.Versions, &st.Components, &st.Keys, &st.Edges)
	return st, err
}

// VersionRow is a version's place in the portfolio, for the crisis query.
type VersionRow struct {
	VersionID, ProductID, OrgID, Version string
	Product, Manufacturer, Model         string
	OrgName, OrgContact                  string
	Created                              time.Time
	// Facts are the dossier facts stored when the version was indexed
	// (VersionIndex.Facts); Dossier is read only when they are "".
	Facts   string
	Dossier []byte
	Label   *Label // newest label: ID, status and issue time only
}

// VersionRows returns the product, organisation and dossier facts of
// versions (the dossier itself only of versions indexed without facts), only
// of orgID when it is not empty.
func (s *DB) VersionRows(ctx context.Context, orgID string, ids []string) (map[string]*VersionRow, error) {
	out := map[string]*VersionRow{}
	err := chunks(ids, func(part []string) error {
		query := `SELECT v.id, v.product_id, v.org_id, v.version, p.name, p.manufacturer, p.model, o.name, o.contact, v.created, COALESCE(m.facts, ''),
 CASE WHEN COALESCE(m.facts, '') = '' THEN (SELECT data FROM blobs WHERE digest = v.dossier) END
 FROM versions v JOIN products p ON p.id = v.product_id JOIN orgs o ON o.id = v.org_id LEFT JOIN version_monitor m ON m.version_id = v.id
 WHERE v.id IN (` + inList(len(part)) + `)`
		args := anys(part)
		if orgID != "" {
			query += ` AND v.org_id = ?`
			args = append(args, orgID)
		}
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r VersionRow
			var c int64
			if err := rows.Scan(&r.VersionID, &r.ProductID, &r.OrgID, &r.Version, &r.Product, &r.Manufacturer, &r.Model, &r.OrgName, &r.OrgContact, &c, &r.Facts, &r.Dossier); err != nil {
				return err
			}
			r.Created = fromMicros(c)
			out[r.VersionID] = &r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// the newest label of each version, in one query per chunk
	vids := make([]string, 0, len(out))
	for id := range out {
		vids = append(vids, id)
	}
	err = eachIn(ctx, s, s.db, `SELECT id, version_id, status, issued FROM labels WHERE version_id IN (?) ORDER BY version_id, issued DESC, id DESC`, vids, func(rows *sql.Rows) error {
		var l Label
		var issued int64
		if err := rows.Scan(&l.ID, &l.VersionID, &l.Status, &issued); err != nil {
			return err
		}
		if r := out[l.VersionID]; r != nil && r.Label == nil {
			l.Issued = fromMicros(issued)
			r.Label = &l
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ProductVersionIDs returns, per product, its versions' IDs in upload order.
func (s *DB) ProductVersionIDs(ctx context.Context, productIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := eachIn(ctx, s, s.db, `SELECT product_id, id FROM versions WHERE product_id IN (?) ORDER BY id`, productIDs, func(rows *sql.Rows) error {
		var p, v string
		if err := rows.Scan(&p, &v); err != nil {
			return err
		}
		out[p] = append(out[p], v)
		return nil
	})
	return out, err
}

// ComponentDigests reports which of the component digests are stored.
func (s *DB) ComponentDigests(ctx context.Context, digests []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := chunks(digests, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT digest FROM components WHERE digest IN (`+inList(len(part))+`)`), anys(part)...)
		got, err := collectStrings(rows, err)
		for _, d := range got {
			out[d] = true
		}
		return err
	})
	return out, err
}

// EdgePaths returns the dependency paths of the edges between the versions
// and components given (read by component, the primary key's prefix).
func (s *DB) EdgePaths(ctx context.Context, versionIDs []string, componentIDs []int64) (map[Pair][]string, error) {
	want := map[string]bool{}
	for _, v := range versionIDs {
		want[v] = true
	}
	seen := map[int64]bool{}
	var comps []int64
	for _, c := range componentIDs {
		if !seen[c] {
			seen[c] = true
			comps = append(comps, c)
		}
	}
	out := map[Pair][]string{}
	err := eachIn(ctx, s, s.db, `SELECT version_id, component_id, path FROM version_components WHERE component_id IN (?)`, comps, func(rows *sql.Rows) error {
		var p Pair
		var path string
		if err := rows.Scan(&p.VersionID, &p.ComponentID, &path); err != nil {
			return err
		}
		if want[p.VersionID] {
			out[p] = append(out[p], path)
		}
		return nil
	})
	return out, err
}

// ReverseIndexBytes returns the bytes the edges (table and index) and the
// whole reverse index (with components and their keys) take on disk
// (SQLite's dbstat, PostgreSQL's pg_total_relation_size).
func (s *DB) ReverseIndexBytes(ctx context.Context) (edges, all int64, err error) {
	if s.d.name == "postgres" {
		err = s.db.QueryRowContext(ctx, `SELECT pg_total_relation_size('version_components'),
 pg_total_relation_size('version_components') + pg_total_relation_size('components') + pg_total_relation_size('component_keys')`).Scan(&edges, &all)
		return edges, all, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT
 COALESCE((SELECT SUM(pgsize) FROM dbstat WHERE name IN ('version_components', 'version_components_version')), 0),
 COALESCE((SELECT SUM(pgsize) FROM dbstat WHERE name IN ('version_components', 'version_components_version', 'components', 'sqlite_autoindex_components_1', 'component_keys')), 0)`).Scan(&edges, &all)
	return edges, all, err
}
