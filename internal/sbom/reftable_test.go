package sbom

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRefTableFindsFirst checks refTable against the binary search of the
// stably sorted index it replaced: the first component in document order
// for a repeated ref, -1 for unknown and empty refs.
func TestRefTableFindsFirst(t *testing.T) {
	var comps []Component
	for i := range 3000 {
		comps = append(comps, Component{Ref: fmt.Sprintf("ref-%d", (i*7919)%1000)})
		if i%97 == 0 {
			comps = append(comps, Component{})
		}
	}
	idx := make([]int32, 0, len(comps))
	for i := range comps {
		if comps[i].Ref != "" {
			idx = append(idx, int32(i))
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return strings.Compare(comps[a].Ref, comps[b].Ref) })
	tab := newRefTable(comps, idx)
	for _, r := range []string{"", "ref-", "ref-1000", "nope"} {
		if got := tab.find(r); got != -1 {
			t.Errorf("find(%q) = %d, want -1", r, got)
		}
	}
	for k := range 1000 {
		r := fmt.Sprintf("ref-%d", k)
		j, ok := slices.BinarySearchFunc(idx, r, func(i int32, t string) int { return strings.Compare(comps[i].Ref, t) })
		if !ok {
			t.Fatalf("%s not in the index", r)
		}
		if got := tab.find(r); got != int(idx[j]) {
			t.Errorf("find(%q) = %d, binary search %d", r, got, idx[j])
		}
	}
}
