package match

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
)

// recordVersions lists every version a record's items name (versions,
// bounds, changes): the boundaries where a decision can change.
func recordVersions(r *cve5.Record) []string {
	var out []string
	for _, c := range r.Containers {
		for _, p := range c.Affected {
			for _, v := range p.Versions {
				out = append(out, v.Version, v.LessThan, v.LessThanOrEqual)
				for _, ch := range v.Changes {
					out = append(out, ch.At)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameDecision compares two decisions field by field.
func sameDecision(a, b cve5.Decision) bool {
	return a.Status == b.Status && a.Container == b.Container && a.Provider == b.Provider &&
		a.Product == b.Product && slices.Equal(a.Fixed, b.Fixed)
}

// TestDecideEntriesDifferential proves the firmware scan's fast path (a
// record's plan selects the entries, cve5.DecideEntries decides only
// those) answers exactly as the selector it replaced (Decide asking
// firmwareQuery.selects of every entry): for every staged CVE record the
// Linux kernel or OpenSSL row of the table selects, at the versions every
// record names and the router example's, and for every staged record with
// enough entries to be indexed by key, under the identity of each of its
// CPE keys (the indexed path).
func TestDecideEntriesDifferential(t *testing.T) {
	recs := stagedCVERecords(t)
	m := newMatcher(nil)
	kernel, _ := IdentityByName("linux")
	openssl, _ := IdentityByName("openssl")
	fixed := map[*Identity][]string{
		kernel:  {"4.4.94", "5.15.150", "5.15.161", "6.1.55", "6.1.94", "6.5", "6.8-rc1", "6.11.5", "2.6.12", "0"},
		openssl: {"1.1.1w", "1.1.1za", "1.0.2", "1.0.2u", "3.0.0", "3.0.13", "3.3.1", "0.9.8"},
	}
	compared, decided, affected := 0, 0, 0
	check := func(r *advisory.Record, q *firmwareQuery) {
		pl := m.recordPlan(r)
		sel := q.selectEntries(pl, nil)
		old := r.CVE.Decide(func(p *cve5.Product) bool { return q.selects(p, namesOf(p)) }, q.version)
		var got cve5.Decision
		if len(sel) == 0 {
			got = cve5.Decision{Status: cve5.StatusUnknown}
		} else {
			got = r.CVE.DecideEntries(sel, q.version)
		}
		compared++
		if old.Status != cve5.StatusUnknown {
			decided++
		}
		if old.Status == cve5.StatusAffected {
			affected++
		}
		if !sameDecision(old, got) {
			t.Errorf("%s, %s %s: Decide %s/%s fixed %v, DecideEntries %s/%s fixed %v", r.ID, q.id.Name, q.version,
				old.Status, old.Container, old.Fixed, got.Status, got.Container, got.Fixed)
		}
	}
	indexed := 0
	for _, r := range recs {
		pl := m.recordPlan(r)
		if len(pl.entries) >= planMinIndexed {
			pl.index()
		}
		for _, id := range []*Identity{kernel, openssl} {
			sel := (&firmwareQuery{id: id, version: "1"}).selectEntries(pl, nil)
			any := false
			for _, e := range pl.entries {
				if id.selects(&e.names) {
					any = true
				}
			}
			if !any && len(sel) == 0 {
				continue
			}
			for _, v := range append(fixed[id], recordVersions(r.CVE)...) {
				check(r, &firmwareQuery{id: id, version: v})
			}
		}
		if pl.byKey == nil {
			continue
		}
		indexed++
		keys := make([]string, 0, len(pl.byKey))
		for k := range pl.byKey {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		vs := append([]string{"1.0", "0.1"}, recordVersions(r.CVE)...)
		if len(vs) > 6 {
			vs = vs[:6]
		}
		if len(keys) > 40 {
			// records listing hundreds of products: every 40th key
			// would do as well; the first 40 are asked
			keys = keys[:40]
		}
		for _, k := range keys {
			id := &Identity{Name: k, Keys: []string{k}}
			for _, v := range vs {
				check(r, &firmwareQuery{id: id, version: v})
			}
		}
	}
	t.Logf("%d decisions compared (%d definite, %d affected), %d indexed records", compared, decided, affected, indexed)
	if indexed == 0 || affected == 0 {
		t.Fatal("the staged data exercised neither the indexed path nor an affected decision")
	}
}

// TestDecideEntriesOrder pins DecideEntries' contract on a small record:
// the listed entries only, and an empty list is no answer.
func TestDecideEntriesOrder(t *testing.T) {
	r := &cve5.Record{ID: "CVE-0000-0001", Containers: []cve5.Container{
		{Kind: cve5.KindCNA, Affected: []cve5.Product{
			{Vendor: "a", Product: "x", DefaultStatus: "unaffected"},
			{Vendor: "a", Product: "y", Versions: []cve5.Version{{Version: "1.0", LessThan: "2.0", Status: "affected", VersionType: "semver"}}},
		}},
		{Kind: cve5.KindADP, Affected: []cve5.Product{{Vendor: "a", Product: "x", DefaultStatus: "affected"}}},
	}}
	tests := []struct {
		entries []cve5.Entry
		want    string
	}{
		{nil, cve5.StatusUnknown},
		{[]cve5.Entry{{Container: 0, Index: 0}}, "unaffected/cna"},
		{[]cve5.Entry{{Container: 0, Index: 1}}, "affected/cna"},
		{[]cve5.Entry{{Container: 0, Index: 0}, {Container: 0, Index: 1}}, "affected/cna"},
		{[]cve5.Entry{{Container: 1, Index: 0}}, "affected/adp"},
		{[]cve5.Entry{{Container: 0, Index: 7}}, cve5.StatusUnknown},
	}
	for _, tt := range tests {
		d := r.DecideEntries(tt.entries, "1.5")
		got := d.Status
		if d.Container != "" {
			got = fmt.Sprintf("%s/%s", d.Status, d.Container)
		}
		if got != tt.want {
			t.Errorf("%v: %s, want %s", tt.entries, got, tt.want)
		}
	}
}

// TestProductKey pins productKey's fast path against the rule it
// implements (lower case, trimmed, inner spaces as "_").
func TestProductKey(t *testing.T) {
	for _, tt := range []struct{ vendor, product, want string }{
		{"Linux", "Linux", "linux:linux"},
		{" The GNU C Library ", "glibc", "the_gnu_c_library:glibc"},
		{"openssl", "openssl", "openssl:openssl"},
		{"Zürich AG", "Ä Tool", "zürich_ag:ä_tool"},
		{"", "", ":"},
	} {
		if got := productKey(tt.vendor, tt.product); got != tt.want {
			t.Errorf("productKey(%q, %q) = %q, want %q", tt.vendor, tt.product, got, tt.want)
		}
	}
}
