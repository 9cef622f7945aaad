package match

import (
	"math/rand/v2"
	"testing"

	"github.com/google/osv-scalibr/semantic"
)

// TestFastOrderAgreesWithSemantic compares the fast numeric order with
// osv-scalibr's order on pairs of real versions: every event and listed
// version of the staged advisories plus the synthetic benchmark SBOM's
// versions, per ecosystem.
func TestFastOrderAgreesWithSemantic(t *testing.T) {
	byEco := map[string]map[string]bool{}
	add := func(eco, v string) {
		if fastComponents(eco) == 0 || v == "" || v == "0" {
			return
		}
		if byEco[eco] == nil {
			byEco[eco] = map[string]bool{}
		}
		byEco[eco][normalizeVersion(eco, v)] = true
	}
	for _, r := range staged(t) {
		for _, a := range r.Affected {
			if a.Package == nil {
				continue
			}
			eco := baseEcosystem(a.Package.Ecosystem)
			for _, v := range a.Versions {
				add(eco, v)
			}
			for _, rg := range a.Ranges {
				if rg.Type == "GIT" {
					continue
				}
				for _, e := range rg.Events {
					add(eco, e.Introduced)
					add(eco, e.Fixed)
					add(eco, e.LastAffected)
				}
			}
		}
	}
	for _, c := range benchComponents(t, "bench/synth-10000.cdx.json") {
		if q, reason := QueryFromPURL(c.PURL); reason == "" {
			add(q.Ecosystem, q.Version)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pairs, fast := 0, 0
	for eco, set := range byEco {
		var vs []*ver
		var ss []semantic.Version
		for raw := range set {
			v, err := newVer(eco, raw)
			sv, serr := semantic.Parse(raw, eco)
			if err != nil || serr != nil {
				continue
			}
			vs, ss = append(vs, v), append(ss, sv)
		}
		for range 5000 {
			i, j := rng.IntN(len(vs)), rng.IntN(len(vs))
			if rng.IntN(4) == 0 {
				j = i
			}
			want, _ := ss[i].Compare(ss[j])
			if got := vs[i].compare(vs[j]); got != want {
				t.Errorf("%s: %q vs %q: fast order %d, semantic %d", eco, vs[i].raw, vs[j].raw, got, want)
			}
			pairs++
			if vs[i].n >= 0 && vs[j].n >= 0 {
				fast++
			}
		}
	}
	t.Logf("%d ecosystems, %d pairs compared, %d on the fast path", len(byEco), pairs, fast)
}
