package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
)

// findingEvents writes, inside a re-match's transaction, the outbox events
// of its changes: finding.new for a finding opened or reopened,
// finding.kev for an open finding whose vulnerability became KEV-listed,
// finding.fix-available for an open finding that gained its first fixed
// version. One event per product version, vulnerability and kind — a
// vulnerability found in two components of one version is one event,
// naming both components — so a manufacturer's webhook fires once per
// affected version. The events commit with the changes or not at all, so a
// crash before the commit leaves neither and the resumed job writes both.
func (s *DB) findingEvents(ctx context.Context, tx *sql.Tx, changes []Change, at time.Time) error {
	type key struct{ version, vuln, kind string }
	type agg struct {
		ev    *notify.Event
		comps []int64
		fixed []string
	}
	groups := map[key]*agg{}
	var order []key
	for i := range changes {
		c := &changes[i]
		f := &c.Finding
		var kinds []string
		switch {
		case c.Kind == EventOpened || c.Kind == EventReopened:
			kinds = append(kinds, notify.KindFindingNew)
			if c.Kind == EventReopened && c.KEVAdded {
				kinds = append(kinds, notify.KindFindingKEV)
			}
		case c.Kind == EventChanged:
			if c.KEVAdded {
				kinds = append(kinds, notify.KindFindingKEV)
			}
			if c.FixAdded {
				kinds = append(kinds, notify.KindFindingFix)
			}
		}
		for _, kind := range kinds {
			k := key{f.VersionID, f.VulnID, kind}
			g := groups[k]
			if g == nil {
				g = &agg{ev: &notify.Event{Kind: kind, VersionID: f.VersionID, Vulnerability: f.VulnID, OccurredAt: at}}
				groups[k] = g
				order = append(order, k)
			}
			if sev := eventSeverity(f.Severity); notify.SeverityRank(sev) > notify.SeverityRank(g.ev.Severity) || g.ev.Severity == "" {
				g.ev.Severity = sev
			}
			g.ev.KEV = g.ev.KEV || f.KEV
			if f.EPSS != nil && *f.EPSS > g.ev.EPSS {
				g.ev.EPSS = *f.EPSS
			}
			g.comps = append(g.comps, f.ComponentID)
			for _, fx := range f.Fixed {
				if !slices.Contains(g.fixed, fx) {
					g.fixed = append(g.fixed, fx)
				}
			}
		}
	}
	if len(order) == 0 {
		return nil
	}
	owner, err := tx.PrepareContext(ctx, s.q(`SELECT org_id, product_id FROM versions WHERE id = ?`))
	if err != nil {
		return err
	}
	defer owner.Close()
	type org struct{ org, product string }
	owners := map[string]org{}
	evs := make([]*notify.Event, 0, len(order))
	for _, k := range order {
		g := groups[k]
		o, ok := owners[k.version]
		if !ok {
			if err := owner.QueryRowContext(ctx, k.version).Scan(&o.org, &o.product); err != nil {
				return mapErr(err)
			}
			owners[k.version] = o
		}
		g.ev.OrgID, g.ev.ProductID = o.org, o.product
		sort.Slice(g.comps, func(i, j int) bool { return g.comps[i] < g.comps[j] })
		sort.Strings(g.fixed)
		g.ev.Payload, _ = json.Marshal(map[string]any{"componentIds": slices.Compact(g.comps), "fixed": nonNil(g.fixed)})
		evs = append(evs, g.ev)
	}
	_, err = s.enqueueEvents(ctx, tx, evs...)
	return err
}

// eventSeverity maps a finding's severity to one of notify.Severities
// ("" when unknown).
func eventSeverity(s string) string {
	s = strings.ToLower(s)
	if slices.Contains(notify.Severities, s) {
		return s
	}
	return ""
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
