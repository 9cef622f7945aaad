package store

import (
	"context"
	"slices"
	"testing"
)

// TestMonitorConformance runs the monitor's store code on every driver: the
// reverse index stores a shared component once, a re-match commit opens,
// changes, resolves and reopens findings with their history, verdict
// changes and checksums, and the crisis lookups find findings by alias and
// respect the organisation filter.
func TestMonitorConformance(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			f := seed(t, s)
			un, err := s.UnindexedVersions(ctx, 10)
			must(t, err)
			if len(un) != 2 {
				t.Fatalf("unindexed %v", un)
			}
			kernel := IndexedComponent{Component: Component{Digest: "k1", Name: "linux-kernel", Version: "5.15.150", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:5.15.150:*:*:*:*:*:*:*"}},
				Keys: []string{"c:linux:linux_kernel"}, Ref: "k", Path: "fw > linux-kernel"}
			curl := IndexedComponent{Component: Component{Digest: "c1", Name: "curl", Version: "8.5.0", PURL: "pkg:generic/curl@8.5.0"}, Keys: []string{"c:haxx:curl"}, Ref: "c"}
			must(t, s.IndexVersion(ctx, &VersionIndex{VersionID: f.va.ID, Platform: "linux", Facts: "f1\tdefault\tpsirt@a.example\tEU", Components: []IndexedComponent{kernel, curl}}))
			must(t, s.IndexVersion(ctx, &VersionIndex{VersionID: f.vb.ID, Platform: "linux", Components: []IndexedComponent{kernel}}))
			st, err := s.ReverseIndexStats(ctx)
			must(t, err)
			if st != (IndexStats{Versions: 2, Components: 2, Keys: 2, Edges: 3}) {
				t.Fatalf("stats %+v", st)
			}
			ids, err := s.ComponentsByKeys(ctx, []string{"c:linux:linux_kernel", "c:nobody:nothing"})
			must(t, err)
			if len(ids) != 1 {
				t.Fatalf("by keys %v", ids)
			}
			edges, err := s.EdgesOfComponents(ctx, ids)
			must(t, err)
			if len(edges) != 2 {
				t.Fatalf("edges %v", edges)
			}
			kid := ids[0]
			pa, pb := Pair{f.va.ID, kid}, Pair{f.vb.ID, kid}
			epss := 0.5
			open := func(v string, kev bool) FindingState {
				return FindingState{VersionID: v, ComponentID: kid, VulnID: "CVE-2024-1086", Aliases: []string{"GHSA-TEST-0001"}, Severity: "high", KEV: kev, EPSS: &epss, Fixed: []string{"6.8"}}
			}
			for _, j := range []string{"j1", "j2", "j3", "j4", "j5"} {
				must(t, s.StartJob(ctx, &Job{ID: j, Kind: "full", Plan: "{}"}))
			}
			ch, vc, err := s.CommitRematch(ctx, &Rematch{JobID: "j1", Scope: []Pair{pa, pb}, States: []FindingState{open(f.va.ID, false), open(f.vb.ID, false)}, Sums: map[string]uint64{"CVE-2024-1086": 1 << 63}, Full: true})
			must(t, err)
			if len(ch) != 2 || ch[0].Kind != EventOpened || len(vc) != 2 {
				t.Fatalf("first commit: %+v %+v", ch, vc)
			}
			sums, err := s.AdvisorySums(ctx)
			must(t, err)
			if sums["CVE-2024-1086"] != 1<<63 {
				t.Fatalf("sums %v", sums)
			}
			// KEV-listed: changed, with KEVAdded; then resolved on one version; then reopened
			ch, vc, err = s.CommitRematch(ctx, &Rematch{JobID: "j2", Scope: []Pair{pa, pb}, States: []FindingState{open(f.va.ID, true), open(f.vb.ID, true)}})
			must(t, err)
			if len(ch) != 2 || ch[0].Kind != EventChanged || !ch[0].KEVAdded || len(vc) != 2 {
				t.Fatalf("KEV commit: %+v %+v", ch, vc)
			}
			ch, _, err = s.CommitRematch(ctx, &Rematch{JobID: "j3", Scope: []Pair{pb}, Reasons: map[string]string{"CVE-2024-1086": ResolvedWithdrawn}})
			must(t, err)
			if len(ch) != 1 || ch[0].Kind != EventResolved || ch[0].Finding.Reason != ResolvedWithdrawn {
				t.Fatalf("resolve: %+v", ch)
			}
			ch, _, err = s.CommitRematch(ctx, &Rematch{JobID: "j4", Scope: []Pair{pb}, States: []FindingState{open(f.vb.ID, true)}})
			must(t, err)
			if len(ch) != 1 || ch[0].Kind != EventReopened {
				t.Fatalf("reopen: %+v", ch)
			}
			if ch, _, _ := s.CommitRematch(ctx, &Rematch{JobID: "j5", Scope: []Pair{pa, pb}, States: []FindingState{open(f.va.ID, true), open(f.vb.ID, true)}}); len(ch) != 0 {
				t.Fatalf("unchanged states changed %d findings", len(ch))
			}
			// found by an alias, any case; the organisation filter
			all, err := s.Findings(ctx, FindingQuery{IDs: []string{"ghsa-test-0001"}, Open: true})
			must(t, err)
			own, err := s.Findings(ctx, FindingQuery{IDs: []string{"CVE-2024-1086"}, OrgID: f.a.ID})
			must(t, err)
			if len(all) != 2 || len(own) != 1 || own[0].VersionID != f.va.ID || !own[0].KEV || *own[0].EPSS != 0.5 || !slices.Equal(own[0].Fixed, []string{"6.8"}) {
				t.Fatalf("findings: all %+v own %+v", all, own)
			}
			ev, err := s.FindingEvents(ctx, []int64{all[1].ID})
			must(t, err)
			var kinds []string
			for _, e := range ev[all[1].ID] {
				kinds = append(kinds, e.Kind)
			}
			if !slices.Equal(kinds, []string{EventOpened, EventChanged, EventResolved, EventReopened}) {
				t.Fatalf("history %v", kinds)
			}
			snaps, err := s.Snapshots(ctx)
			must(t, err)
			if len(snaps) != 1 || !snaps[0].KEV {
				t.Fatalf("snapshots %+v", snaps)
			}
			rows, err := s.VersionRows(ctx, f.b.ID, []string{f.va.ID, f.vb.ID})
			must(t, err)
			if len(rows) != 1 || rows[f.vb.ID] == nil || rows[f.vb.ID].OrgName != f.b.Name {
				t.Fatalf("version rows %+v", rows)
			}
			must(t, s.AddLabel(ctx, sys, &Label{ID: "l1", VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.a.ID, ProductDigest: "d", LogIndex: 1, Bundle: []byte("{}")}))
			rows, err = s.VersionRows(ctx, "", []string{f.va.ID, f.vb.ID})
			must(t, err)
			if l := rows[f.va.ID].Label; l == nil || l.ID != "l1" || l.Status != StatusValid || rows[f.vb.ID].Label != nil {
				t.Fatalf("labels %+v %+v", rows[f.va.ID].Label, rows[f.vb.ID].Label)
			}
			// the crisis query's one read: by an alias, any case; stored facts
			// (the dossier only without them); the newest label; the org filter
			ar, err := s.AffectedRows(ctx, []string{"ghsa-test-0001"}, "")
			must(t, err)
			byV := map[string]AffectedRow{}
			for _, r := range ar {
				byV[r.VersionID] = r
			}
			ra, rb := byV[f.va.ID], byV[f.vb.ID]
			if len(ar) != 2 || ra.Version == nil || rb.Version == nil || ra.Version.Facts != "f1\tdefault\tpsirt@a.example\tEU" || ra.Version.Dossier != nil ||
				rb.Version.Facts != "" || len(rb.Version.Dossier) == 0 || ra.Version.Label == nil || ra.Version.Label.ID != "l1" || rb.Version.Label != nil ||
				ra.Version.OrgName != f.a.Name || !ra.KEV || ra.EPSS == nil || *ra.EPSS != 0.5 {
				t.Fatalf("affected rows %+v", ar)
			}
			if own, err := s.AffectedRows(ctx, []string{"CVE-2024-1086"}, f.b.ID); err != nil || len(own) != 1 || own[0].VersionID != f.vb.ID {
				t.Fatalf("affected rows of b: %+v, %v", own, err)
			}
			paths, err := s.EdgePaths(ctx, []string{f.va.ID}, []int64{kid})
			must(t, err)
			if got := paths[pa]; len(got) != 1 || got[0] != "fw > linux-kernel" {
				t.Fatalf("paths %v", paths)
			}
			changes, err := s.VerdictChanges(ctx, f.vb.ID)
			must(t, err)
			if len(changes) != 4 {
				t.Fatalf("verdict changes of vb: %+v", changes)
			}
			last, err := s.LastJob(ctx)
			must(t, err)
			if last != "j5" {
				t.Fatalf("last job %q", last)
			}
			must(t, s.StartJob(ctx, &Job{ID: "j6", Kind: "delta", Plan: `{"kind":"delta"}`}))
			running, err := s.RunningJobs(ctx)
			must(t, err)
			if len(running) != 1 || running[0].ID != "j6" || running[0].Plan != `{"kind":"delta"}` {
				t.Fatalf("running %+v", running)
			}
			if _, all, err := s.ReverseIndexBytes(ctx); err != nil || all <= 0 {
				t.Fatalf("index bytes %d, %v", all, err)
			}
		})
	}
}
