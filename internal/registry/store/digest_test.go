package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
)

// fmtDigest is stateDigest as it was first written (fmt.Fprintf): the
// digests stored in version_components.state must stay comparable.
func fmtDigest(states map[string]*FindingState) string {
	if len(states) == 0 {
		return ""
	}
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		st := states[id]
		epss := "-"
		if st.EPSS != nil {
			epss = strconv.FormatFloat(*st.EPSS, 'g', -1, 64)
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%s\x00%s\x00%s\x01", id, joinList(st.Aliases), st.Severity, st.KEV, epss, joinList(st.Fixed), st.VEXStatus)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func TestStateDigestEncodingUnchanged(t *testing.T) {
	e1, e2 := 0.97, 1e-5
	for _, c := range []map[string]*FindingState{
		nil,
		{"CVE-2024-1086": {VulnID: "CVE-2024-1086", Severity: "high", KEV: true, EPSS: &e1, Fixed: []string{"6.1.76", "6.6.15"}}},
		{"GHSA-x": {VulnID: "GHSA-x", Aliases: []string{"CVE-1", "GO-2"}, VEXStatus: "not_affected", EPSS: &e2},
			"CVE-3": {VulnID: "CVE-3", Severity: "critical"}},
	} {
		if got, want := stateDigest(c), fmtDigest(c); got != want {
			t.Errorf("stateDigest %q, the stored encoding gives %q", got, want)
		}
	}
}

// TestSharedStates: states given once for several versions (Rematch.Shared)
// open a finding per version, a second commit of the same states with the
// digests the job read (Known) changes nothing, a changed state changes both,
// and the scan-state count gives the same over IN lists and in one pass.
func TestSharedStates(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) {
		ctx := context.Background()
		k := kernel("k1", "linux-kernel", "k")
		ids := indexKernels(t, s, VersionIndex{VersionID: f.va.ID, Components: []IndexedComponent{k}}, VersionIndex{VersionID: f.vb.ID, Components: []IndexedComponent{k}})
		kid := ids[0]
		st := FindingState{VulnID: "CVE-2024-1086", Aliases: []string{"GHSA-TEST-0001"}, Severity: "high"}
		commit := func(job string, st FindingState) []Change {
			t.Helper()
			must(t, s.StartJob(ctx, &Job{ID: job, Kind: "delta", Plan: "{}"}))
			known, err := s.PairStatesOfComponents(ctx, []int64{kid})
			must(t, err)
			if len(known.States) != 2 {
				t.Fatalf("pair states %v", known.States)
			}
			ch, _, err := s.CommitRematch(ctx, &Rematch{JobID: job, Known: known,
				Shared: []SharedStates{{ComponentID: kid, Versions: []string{f.va.ID, f.vb.ID}, States: []FindingState{st}}}})
			must(t, err)
			return ch
		}
		ch := commit("j1", st)
		if len(ch) != 2 || ch[0].Finding.VersionID == ch[1].Finding.VersionID || ch[0].Finding.ID == 0 || ch[0].Finding.ComponentID != kid {
			t.Fatalf("first commit: %+v", ch)
		}
		if ch := commit("j2", st); len(ch) != 0 {
			t.Fatalf("unchanged states changed %+v", ch)
		}
		st.KEV = true
		if ch := commit("j3", st); len(ch) != 2 || ch[0].Kind != EventChanged || !ch[0].KEVAdded {
			t.Fatalf("KEV added: %+v", ch)
		}
		got, err := s.Findings(ctx, FindingQuery{IDs: []string{"ghsa-test-0001"}})
		must(t, err)
		if len(got) != 2 || !got[0].KEV || got[0].VersionID == got[1].VersionID {
			t.Fatalf("findings by alias %+v", got)
		}
		tx, err := s.db.BeginTx(ctx, nil)
		must(t, err)
		defer tx.Rollback()
		few, err := s.scanStates(ctx, tx, []string{f.va.ID, f.vb.ID})
		must(t, err)
		many := []string{f.va.ID, f.vb.ID}
		for i := 0; len(many) < allVersionsAt; i++ {
			many = append(many, fmt.Sprintf("no-such-version-%d", i))
		}
		all, err := s.scanStates(ctx, tx, many)
		must(t, err)
		if len(few) != 2 || few[f.va.ID] != (ScanState{Open: 1, KEV: 1}) || !maps.Equal(few, all) {
			t.Fatalf("scan states %v, in one pass %v", few, all)
		}
	})
}
