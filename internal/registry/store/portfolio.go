package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/notify"
)

// LatestRecords returns one page, by product ID, of every product's newest
// version with its public record (for the daily support-period job).
func (s *DB) LatestRecords(ctx context.Context, p Page) ([]LatestRecord, string, error) {
	n := PageLimit(p)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT v.org_id, v.product_id, v.id, v.version, b.data FROM versions v JOIN blobs b ON b.digest = v.public
 WHERE v.product_id > ? AND v.id = (SELECT MAX(w.id) FROM versions w WHERE w.product_id = v.product_id) ORDER BY v.product_id`+fmt.Sprintf(` LIMIT %d`, n+1)), p.After)
	out, err := collect(rows, err, func(sc interface{ Scan(...any) error }) (*LatestRecord, error) {
		var r LatestRecord
		return &r, sc.Scan(&r.OrgID, &r.ProductID, &r.VersionID, &r.Version, &r.Public)
	})
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(r LatestRecord) string { return r.ProductID })
}

// CountPortfolio counts, per organisation, products, versions, labels by
// status and open findings by severity and KEV (a finding counted once per
// version and vulnerability, at its highest severity across components;
// the registry adds the support-period count).
func (s *DB) CountPortfolio(ctx context.Context) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	add := func(org, metric string, v int64) {
		if out[org] == nil {
			out[org] = map[string]int64{}
		}
		out[org][metric] += v
	}
	for _, q := range []struct{ query, metric string }{
		{`SELECT org_id, '', COUNT(*) FROM products GROUP BY org_id`, MetricProducts},
		{`SELECT org_id, '', COUNT(*) FROM versions GROUP BY org_id`, MetricVersions},
		{`SELECT org_id, status, COUNT(*) FROM labels GROUP BY org_id, status`, ""},
	} {
		rows, err := s.db.QueryContext(ctx, q.query)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var org, status string
			var v int64
			if err := rows.Scan(&org, &status, &v); err != nil {
				rows.Close()
				return nil, err
			}
			m := q.metric
			if m == "" {
				m = "labels." + status
			}
			add(org, m, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// open findings: one row per (version, vulnerability) with its highest
	// severity and whether it is KEV-listed
	rows, err := s.db.QueryContext(ctx, `SELECT v.org_id, f.version_id, f.vuln_id, f.severity, f.kev FROM findings f JOIN versions v ON v.id = f.version_id WHERE f.resolved IS NULL`)
	if err != nil {
		return nil, err
	}
	type vv struct{ org, version, vuln string }
	type sk struct {
		sev string
		kev bool
	}
	open := map[vv]sk{}
	for rows.Next() {
		var k vv
		var sev string
		var kev int
		if err := rows.Scan(&k.org, &k.version, &k.vuln, &sev, &kev); err != nil {
			rows.Close()
			return nil, err
		}
		sev = strings.ToLower(sev)
		if !slices.Contains(notify.Severities, sev) {
			sev = "unknown"
		}
		cur, ok := open[k]
		if !ok || (cur.sev == "unknown" && sev != "unknown") || (sev != "unknown" && notify.SeverityRank(sev) > notify.SeverityRank(cur.sev)) {
			cur.sev = sev
		}
		cur.kev = cur.kev || kev != 0
		open[k] = cur
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, v := range open {
		add(k.org, MetricFindingsOpen+v.sev, 1)
		if v.kev {
			add(k.org, MetricFindingsKEV, 1)
		}
	}
	return out, nil
}

// AppendPortfolio stores one day's counts in one transaction. The table is
// append-only: counts already stored for that day, organisation and metric
// stay as they were (the first computation of a day stands), and it returns
// how many rows were new.
func (s *DB) AppendPortfolio(ctx context.Context, day string, counts []PortfolioCount) (int, error) {
	n := 0
	ts := micros(now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range counts {
			r, err := s.exec(ctx, tx, `INSERT INTO portfolio_counts (day, org_id, metric, value, computed) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				day, c.OrgID, c.Metric, c.Value, ts)
			if err != nil {
				return err
			}
			k, err := r.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Portfolio returns an organisation's daily counts ("" = the whole
// registry) from fromDay (YYYY-MM-DD, "" = all) on, by day and metric.
func (s *DB) Portfolio(ctx context.Context, orgID, fromDay string) ([]PortfolioCount, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT day, org_id, metric, value FROM portfolio_counts WHERE org_id = ? AND day >= ? ORDER BY day, metric`), orgID, fromDay)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*PortfolioCount, error) {
		var c PortfolioCount
		return &c, sc.Scan(&c.Day, &c.OrgID, &c.Metric, &c.Value)
	})
}
