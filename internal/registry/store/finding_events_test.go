package store

import (
	"context"
	"testing"

	"github.com/dualmark/dualmark/internal/notify"
)

// TestFindingEvents: each re-match commit writes the outbox events of its
// changes in its own transaction, per driver — finding.new for an opened
// finding (one per version and vulnerability, however many components),
// finding.kev when it became KEV-listed, finding.fix-available when its
// first fixed version appeared, none for a resolution or a change of
// EPSS only — each for the version's organisation.
func TestFindingEvents(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) {
		ctx := context.Background()
		k1, k2 := kernel("k1", "linux-kernel", "k"), kernel("k2", "linux", "k2")
		ids := indexKernels(t, s, VersionIndex{VersionID: f.va.ID, Platform: "linux", Components: []IndexedComponent{k1, k2}},
			VersionIndex{VersionID: f.vb.ID, Platform: "linux", Components: []IndexedComponent{k1}})
		if len(ids) != 2 {
			t.Fatalf("components %v", ids)
		}
		var scope []Pair
		for _, c := range ids {
			scope = append(scope, Pair{f.va.ID, c})
		}
		scope = append(scope, Pair{f.vb.ID, ids[0]})
		epss := 0.2
		state := func(p Pair, kev bool, epss float64, fixed ...string) FindingState {
			return FindingState{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: "CVE-2024-1086", Severity: "HIGH", KEV: kev, EPSS: &epss, Fixed: fixed}
		}
		all := func(kev bool, epss float64, fixed ...string) []FindingState {
			var out []FindingState
			for _, p := range scope {
				out = append(out, state(p, kev, epss, fixed...))
			}
			return out
		}
		kinds := func(org string) map[string]int {
			evs, _, err := s.ListEvents(ctx, org, Page{Limit: 100})
			must(t, err)
			out := map[string]int{}
			for _, ev := range evs {
				if ev.Vulnerability != "CVE-2024-1086" || ev.Severity != "high" {
					t.Errorf("event %+v", ev)
				}
				out[ev.Kind]++
			}
			return out
		}
		steps := []struct {
			name   string
			states []FindingState
			a, b   map[string]int // events so far per kind
		}{
			{"opened", all(false, epss), map[string]int{notify.KindFindingNew: 1}, map[string]int{notify.KindFindingNew: 1}},
			{"EPSS only", all(false, 0.3), map[string]int{notify.KindFindingNew: 1}, map[string]int{notify.KindFindingNew: 1}},
			{"KEV-listed", all(true, 0.3), map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1}, map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1}},
			{"fix known", all(true, 0.3, "6.8"), map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}, map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}},
			{"second fix", all(true, 0.3, "6.8", "6.1.76"), map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}, map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}},
			{"resolved", nil, map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}, map[string]int{notify.KindFindingNew: 1, notify.KindFindingKEV: 1, notify.KindFindingFix: 1}},
		}
		for i, st := range steps {
			job := "j" + string(rune('a'+i))
			must(t, s.StartJob(ctx, &Job{ID: job, Kind: "delta", Plan: "{}"}))
			if _, _, err := s.CommitRematch(ctx, &Rematch{JobID: job, Scope: scope, States: st.states}); err != nil {
				t.Fatal(err)
			}
			if got := kinds(f.a.ID); !mapsEqual(got, st.a) {
				t.Errorf("%s: org A events %v, want %v", st.name, got, st.a)
			}
			if got := kinds(f.b.ID); !mapsEqual(got, st.b) {
				t.Errorf("%s: org B events %v, want %v", st.name, got, st.b)
			}
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestFindingEventsBacklog: a store's first full re-match (no advisory
// checksums yet) writes its findings without events — they are the backlog
// of versions registered before monitoring — and the next change does.
func TestFindingEventsBacklog(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) {
		ctx := context.Background()
		ids := indexKernels(t, s, VersionIndex{VersionID: f.va.ID, Platform: "linux", Components: []IndexedComponent{kernel("k1", "linux-kernel", "k")}})
		p := Pair{f.va.ID, ids[0]}
		st := FindingState{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: "CVE-2024-1086", Severity: "high"}
		for i, c := range []struct {
			rm   Rematch
			want int
		}{
			{Rematch{Scope: []Pair{p}, States: []FindingState{st}, Sums: map[string]uint64{"CVE-2024-1086": 1}, Full: true}, 0},
			{Rematch{Scope: []Pair{p}, States: []FindingState{{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: "CVE-2024-1086", Severity: "high", KEV: true}}}, 1},
		} {
			c.rm.JobID = "j" + string(rune('0'+i))
			must(t, s.StartJob(ctx, &Job{ID: c.rm.JobID, Kind: "full", Plan: "{}"}))
			ch, _, err := s.CommitRematch(ctx, &c.rm)
			must(t, err)
			if len(ch) != 1 {
				t.Fatalf("commit %d: changes %+v", i, ch)
			}
			evs, _, err := s.ListEvents(ctx, f.a.ID, Page{Limit: 10})
			must(t, err)
			if len(evs) != c.want {
				t.Fatalf("commit %d: %d events, want %d: %+v", i, len(evs), c.want, evs)
			}
		}
	})
}
