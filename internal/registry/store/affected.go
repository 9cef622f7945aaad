package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AffectedRow is one finding the crisis query reads, with its version's
// product, organisation, stored dossier facts and newest label.
type AffectedRow struct {
	Finding
	// Version is the version's row (shared by the rows of one version).
	Version *VersionRow
	// HasNewer says the product has a registered version after this one
	// (only then does the crisis query read the product's versions).
	HasNewer bool
}

// AffectedRows returns every finding known under one of ids (record ids or
// aliases, any case), of orgID's versions only when it is not empty, each
// with its version's row — in one query, without passing version lists
// back to the database. The dossier is read only of versions indexed
// without facts. Rows are ordered by version, component and vulnerability.
func (s *DB) AffectedRows(ctx context.Context, ids []string, orgID string) ([]AffectedRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, strings.ToUpper(strings.TrimSpace(id)))
	}
	where := `f.id IN (SELECT finding_id FROM finding_ids WHERE vid IN (` + inList(len(ids)) + `))`
	if s.d.name == "postgres" {
		// the same set as an array computed first: PostgreSQL then reads
		// findings by primary key (EXPLAIN ANALYZE, 1,000 affected versions of
		// 490,000 findings: 20 ms cold) where the IN form hash-joins a
		// parallel scan of every finding and JIT-compiles it (510 ms)
		where = `f.id = ANY(ARRAY(SELECT finding_id FROM finding_ids WHERE vid IN (` + inList(len(ids)) + `)))`
	}
	if orgID != "" {
		where += ` AND v.org_id = ?`
		args = append(args, orgID)
	}
	return s.affectedRows(ctx, where, args, 0)
}

// AffectedFindings returns the findings AffectedRows returns, without
// their versions' rows (the crisis cache keeps those: CrisisVersionRows),
// unordered.
func (s *DB) AffectedFindings(ctx context.Context, ids []string, orgID string) ([]Finding, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, strings.ToUpper(strings.TrimSpace(id)))
	}
	// the columns scanFinding reads (findingCols)
	cols := `f.` + strings.ReplaceAll(findingCols, ", ", ", f.")
	query := `SELECT ` + cols + `
 FROM findings f WHERE f.id IN (SELECT finding_id FROM finding_ids WHERE vid IN (` + inList(len(ids)) + `))`
	if s.d.name == "postgres" {
		// as in AffectedRows: an index scan of findings_pkey
		query = `SELECT ` + cols + `
 FROM findings f WHERE f.id = ANY(ARRAY(SELECT finding_id FROM finding_ids WHERE vid IN (` + inList(len(ids)) + `)))`
	}
	if orgID != "" {
		query += ` AND f.version_id IN (SELECT id FROM versions WHERE org_id = ?)`
		args = append(args, orgID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// CrisisVersion is what the crisis query reads of a version: its row
// (product, organisation, stored facts, newest label) and whether its
// product has a newer version.
type CrisisVersion struct {
	Row      *VersionRow
	HasNewer bool
}

// CrisisVersionRows returns the CrisisVersion of each of ids that exists,
// as AffectedRows joins it.
func (s *DB) CrisisVersionRows(ctx context.Context, ids []string) (map[string]CrisisVersion, error) {
	out := make(map[string]CrisisVersion, len(ids))
	err := chunks(ids, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT v.id, v.product_id, v.org_id, v.version, p.name, p.manufacturer, p.model, o.name, o.contact, v.created, COALESCE(m.facts, ''),
 CASE WHEN COALESCE(m.facts, '') = '' THEN (SELECT data FROM blobs WHERE digest = v.dossier) END,
 COALESCE(l.id, ''), COALESCE(l.status, ''), COALESCE(l.issued, 0),
 CASE WHEN EXISTS (SELECT 1 FROM versions n WHERE n.product_id = v.product_id AND n.id > v.id) THEN 1 ELSE 0 END
 FROM versions v
 JOIN products p ON p.id = v.product_id
 JOIN orgs o ON o.id = v.org_id
 LEFT JOIN version_monitor m ON m.version_id = v.id
 LEFT JOIN labels l ON l.id = (SELECT l2.id FROM labels l2 WHERE l2.version_id = v.id ORDER BY l2.issued DESC, l2.id DESC LIMIT 1)
 WHERE v.id IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var vr VersionRow
			var created, issued int64
			var labelID, labelStatus string
			var newer int
			if err := rows.Scan(&vr.VersionID, &vr.ProductID, &vr.OrgID, &vr.Version, &vr.Product, &vr.Manufacturer, &vr.Model, &vr.OrgName, &vr.OrgContact, &created, &vr.Facts, &vr.Dossier,
				&labelID, &labelStatus, &issued, &newer); err != nil {
				return err
			}
			vr.Created = fromMicros(created)
			if labelID != "" {
				vr.Label = &Label{ID: labelID, VersionID: vr.VersionID, Status: labelStatus, Issued: fromMicros(issued)}
			}
			out[vr.VersionID] = CrisisVersion{Row: &vr, HasNewer: newer != 0}
		}
		return rows.Err()
	})
	return out, err
}

// OpenFindingQuery selects open findings (not resolved) by what the
// findings table holds; the zero value selects every open finding.
type OpenFindingQuery struct {
	// KEV keeps findings listed in CISA's KEV catalogue.
	KEV bool
	// MinEPSS, when set, keeps findings with an EPSS score of at least it.
	MinEPSS *float64
	// Severities, when not empty, keeps findings of these severities.
	Severities []string
	// OrgID, when not empty, keeps this organisation's versions.
	OrgID string
	// Limit, when > 0, makes more matching findings than it an error
	// (ErrTooMany).
	Limit int
}

// ErrTooMany is returned when more findings match than a query's limit.
var ErrTooMany = errors.New("more findings match than the limit")

// OpenFindingRows returns the open findings q selects, each with its
// version's row, as AffectedRows does.
func (s *DB) OpenFindingRows(ctx context.Context, q OpenFindingQuery) ([]AffectedRow, error) {
	where := `f.resolved IS NULL`
	var args []any
	if q.KEV {
		where += ` AND f.kev = 1`
	}
	if q.MinEPSS != nil {
		where += ` AND f.epss >= ?`
		args = append(args, *q.MinEPSS)
	}
	if len(q.Severities) > 0 {
		where += ` AND f.severity IN (` + inList(len(q.Severities)) + `)`
		for _, sv := range q.Severities {
			args = append(args, sv)
		}
	}
	if q.OrgID != "" {
		where += ` AND v.org_id = ?`
		args = append(args, q.OrgID)
	}
	return s.affectedRows(ctx, where, args, q.Limit)
}

// affectedRows runs the crisis query's join over the findings where
// selects (over f, the findings, and v, their versions).
func (s *DB) affectedRows(ctx context.Context, where string, args []any, limit int) ([]AffectedRow, error) {
	query := `SELECT f.id, f.version_id, f.component_id, f.vuln_id, f.aliases, f.severity, f.kev, f.epss, f.fixed, f.vex_status, f.first_seen, f.last_changed, f.resolved, f.reason,
 v.product_id, v.org_id, v.version, p.name, p.manufacturer, p.model, o.name, o.contact, v.created, COALESCE(m.facts, ''),
 CASE WHEN COALESCE(m.facts, '') = '' THEN (SELECT data FROM blobs WHERE digest = v.dossier) END,
 COALESCE(l.id, ''), COALESCE(l.status, ''), COALESCE(l.issued, 0),
 CASE WHEN EXISTS (SELECT 1 FROM versions n WHERE n.product_id = v.product_id AND n.id > v.id) THEN 1 ELSE 0 END
 FROM findings f
 JOIN versions v ON v.id = f.version_id
 JOIN products p ON p.id = v.product_id
 JOIN orgs o ON o.id = v.org_id
 LEFT JOIN version_monitor m ON m.version_id = v.id
 LEFT JOIN labels l ON l.id = (SELECT l2.id FROM labels l2 WHERE l2.version_id = v.id ORDER BY l2.issued DESC, l2.id DESC LIMIT 1)
 WHERE ` + where
	if limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(limit+1)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AffectedRow
	byVersion := map[string]*VersionRow{}
	for rows.Next() {
		var r AffectedRow
		var aliases, fixed string
		var kev, newer int
		var epss sql.NullFloat64
		var first, last, created, issued int64
		var res sql.NullInt64
		var vr VersionRow
		var labelID, labelStatus string
		if err := rows.Scan(&r.ID, &r.VersionID, &r.ComponentID, &r.VulnID, &aliases, &r.Severity, &kev, &epss, &fixed, &r.VEXStatus, &first, &last, &res, &r.Reason,
			&vr.ProductID, &vr.OrgID, &vr.Version, &vr.Product, &vr.Manufacturer, &vr.Model, &vr.OrgName, &vr.OrgContact, &created, &vr.Facts, &vr.Dossier,
			&labelID, &labelStatus, &issued, &newer); err != nil {
			return nil, err
		}
		r.Aliases, r.Fixed, r.KEV, r.HasNewer = splitList(aliases), splitList(fixed), kev != 0, newer != 0
		if epss.Valid {
			v := epss.Float64
			r.EPSS = &v
		}
		r.FirstSeen, r.LastChanged, r.Resolved = fromMicros(first), fromMicros(last), optMicros(res)
		if r.Version = byVersion[r.VersionID]; r.Version == nil {
			vr.VersionID, vr.Created = r.VersionID, fromMicros(created)
			if labelID != "" {
				vr.Label = &Label{ID: labelID, VersionID: r.VersionID, Status: labelStatus, Issued: fromMicros(issued)}
			}
			r.Version = &vr
			byVersion[r.VersionID] = &vr
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if limit > 0 && len(out) > limit {
		return nil, fmt.Errorf("%w (%d)", ErrTooMany, limit)
	}
	// sorted here, not by the database: its sorter would copy every row
	slices.SortFunc(out, func(a, b AffectedRow) int {
		if c := strings.Compare(a.VersionID, b.VersionID); c != 0 {
			return c
		}
		if a.ComponentID != b.ComponentID {
			return cmp.Compare(a.ComponentID, b.ComponentID)
		}
		return strings.Compare(a.VulnID, b.VulnID)
	})
	return out, nil
}
