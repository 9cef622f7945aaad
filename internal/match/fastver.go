package match

import (
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// ver is a version prepared for fast comparison. osv-scalibr's semantic
// versions keep numbers as big.Int and allocate on every comparison; the
// common case — a purely numeric dotted version ("2.6.7") in an ecosystem
// whose order for such versions is numeric with zero padding — is compared
// here on uint64s instead. Anything else goes through semantic, so the order
// stays exactly OSV's (TestFastOrderAgreesWithSemantic checks this on every
// boundary version of the staged advisories).
type ver struct {
	n    int  // number of numeric components; -1: no usable numeric part
	pre  bool // nums are only the leading components; a build/pre-release tail follows
	nums [maxFastComponents]uint64
	sv   semantic.Version // nil until needed
	raw  string
	eco  string
}

const maxFastComponents = 8

// fastPath can be turned off by tests to compare with semantic alone.
var fastPath = true

// fastComponents is how many numeric components an ecosystem's order
// compares numerically with zero padding; 0: no fast path. For the
// semver-like ecosystems (3 and NuGet's 4) the leading components decide
// the order whenever they differ, whatever tail follows (osv-scalibr
// compares components first, then the build/pre-release string), so a
// version with a tail keeps its numeric prefix too.
func fastComponents(eco string) int {
	switch baseEcosystem(eco) {
	case "Go", "npm", "crates.io", "Bitnami", "SwiftURL", "Hex", "Pub", "ConanCenter", "Julia", "GHC":
		return 3 // semver: a 4th component becomes build metadata
	case "NuGet":
		return 4
	case "Maven", "PyPI", "RubyGems":
		return maxFastComponents
	}
	return 0
}

// newVer prepares raw (already normalised) in eco. The semantic parse is
// done now only when the fast path does not apply; err is its error.
func newVer(eco, raw string) (*ver, error) {
	v := &ver{}
	if err := v.set(eco, raw); err != nil {
		return nil, err
	}
	return v, nil
}

// set prepares v for raw in eco, reusing v's memory.
func (v *ver) set(eco, raw string) error {
	*v = ver{n: -1, raw: raw, eco: eco}
	if limit := fastComponents(eco); fastPath && limit > 0 {
		if parseNumeric(trimMavenRelease(eco, raw), limit, v) {
			return nil
		}
		if limit <= 4 {
			parsePrefix(raw, limit, v)
		}
	}
	if v.pre {
		return nil // parsed by semantic only if the numeric prefix ties
	}
	sv, err := semantic.Parse(raw, eco)
	if err != nil {
		return err
	}
	v.sv = sv
	return nil
}

// parseNumeric fills v.nums when s is 1..limit dot-separated decimal
// numbers of at most 18 digits each.
func parseNumeric(s string, limit int, v *ver) bool {
	if s == "" {
		return false
	}
	n, cur, digits := 0, uint64(0), 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n == limit {
				return false
			}
			v.nums[n] = cur
			n++
			cur, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 18 {
			return false
		}
		cur = cur*10 + uint64(c-'0')
		digits++
	}
	v.n = n
	return true
}

// parsePrefix fills v.nums with the leading dot-separated numbers of s
// when a non-numeric tail follows them ("1.2.3-rc.1", "0.0.0-2021…-abc")
// and there are at most limit of them; otherwise v stays without numbers.
func parsePrefix(s string, limit int, v *ver) {
	end := 0
	for end < len(s) && (s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	if end == 0 || end == len(s) || s[end-1] == '.' {
		return
	}
	var w ver
	if parseNumeric(s[:end], limit, &w) {
		// a further numeric component right after the tail starts would
		// not matter: the tail begins with a non-digit, non-dot character
		v.n, v.nums, v.pre = w.n, w.nums, true
	}
}

// semantic returns the semantic version, parsing it on first use.
func (v *ver) semantic() semantic.Version {
	if v.sv == nil {
		v.sv, _ = semantic.Parse(v.raw, v.eco)
	}
	return v.sv
}

// compare orders a and b as OSV does (-1, 0, +1); -2 when they cannot be
// compared.
func (a *ver) compare(b *ver) int {
	if a.n >= 0 && b.n >= 0 {
		for i := 0; i < max(a.n, b.n); i++ {
			var x, y uint64
			if i < a.n {
				x = a.nums[i]
			}
			if i < b.n {
				y = b.nums[i]
			}
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		if !a.pre && !b.pre {
			return 0
		}
	}
	as, bs := a.semantic(), b.semantic()
	if as == nil || bs == nil {
		return -2
	}
	c, err := as.Compare(bs)
	if err != nil {
		return -2
	}
	return c
}

// trimMavenRelease drops a trailing release qualifier ("1.2.3.Final",
// "2.0-GA", "5.1.RELEASE"): Maven orders those equal to the bare version.
func trimMavenRelease(eco, s string) string {
	if eco != "Maven" {
		return s
	}
	for _, q := range []string{"final", "ga", "release"} {
		n := len(s) - len(q) - 1
		if n > 0 && (s[n] == '.' || s[n] == '-') && strings.EqualFold(s[n+1:], q) {
			return s[:n]
		}
	}
	return s
}
