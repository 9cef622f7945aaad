package store

import (
	"context"
	"errors"
	"testing"
)

// TestCasesInRematchTransaction: the Art. 14 cases a re-match opens are in
// its transaction — an opener that fails rolls the findings and their
// events back with it; one that accepts opens one case per product and
// vulnerability however often the finding changes; a finding that is not
// KEV-listed opens none.
func TestCasesInRematchTransaction(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) {
		ctx := context.Background()
		ids := indexKernels(t, s, VersionIndex{VersionID: f.va.ID, Platform: "linux", Components: []IndexedComponent{kernel("k1", "linux-kernel", "k")}})
		p := Pair{f.va.ID, ids[0]}
		state := func(kev bool, sev string) FindingState {
			return FindingState{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: "GHSA-aaaa-bbbb-cccc", Aliases: []string{"CVE-2024-1086"}, Severity: sev, KEV: kev}
		}
		var calls []CaseCandidate
		fail := false
		s.SetCaseOpener(func(c *CaseCandidate) (*Case, error) {
			calls = append(calls, *c)
			if fail {
				return nil, errors.New("opener refuses")
			}
			return &Case{Doc: []byte(`{"id":"x"}`)}, nil
		})
		commit := func(job string, st FindingState) error {
			must(t, s.StartJob(ctx, &Job{ID: job, Kind: "delta", Plan: "{}"}))
			_, _, err := s.CommitRematch(ctx, &Rematch{JobID: job, Scope: []Pair{p}, States: []FindingState{st}})
			return err
		}
		must(t, commit("j1", state(false, "high"))) // not KEV-listed: no case
		if len(calls) != 0 {
			t.Fatalf("opener asked for a finding not KEV-listed: %+v", calls)
		}
		fail = true
		if err := commit("j2", state(true, "high")); err == nil {
			t.Fatal("a failing opener did not fail the commit")
		}
		fs, err := s.Findings(ctx, FindingQuery{VersionIDs: []string{f.va.ID}})
		must(t, err)
		evs, _, err := s.ListEvents(ctx, f.a.ID, Page{Limit: 10})
		must(t, err)
		if len(fs) != 1 || fs[0].KEV || len(evs) != 1 {
			t.Fatalf("after the rolled-back commit: findings %+v, events %d", fs, len(evs))
		}
		fail = false
		must(t, commit("j3", state(true, "high")))
		must(t, commit("j4", state(true, "critical"))) // changed again: no second case
		cs, _, err := s.ListCases(ctx, f.a.ID, Page{})
		must(t, err)
		if len(cs) != 1 || cs[0].VulnID != "CVE-2024-1086" || cs[0].Source != CaseFromMonitoring || cs[0].ProductID != f.pa.ID {
			t.Fatalf("cases %+v", cs)
		}
		last := calls[len(calls)-1]
		if last.VulnID != "CVE-2024-1086" || last.OrgID != f.a.ID || last.ProductName != f.pa.Name || len(last.Dossier) == 0 {
			t.Errorf("candidate %+v", last)
		}
		if other, _, _ := s.ListCases(ctx, f.b.ID, Page{}); len(other) != 0 {
			t.Errorf("another organisation's cases %+v", other)
		}
	})
}
