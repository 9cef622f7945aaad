package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
