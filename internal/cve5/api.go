package cve5

import (
	"fmt"
	"strings"
)

// Compare orders two versions under a versionType: -1, 0 or +1, or an error
// when either does not parse in it or the versionType is unknown.
//
//   - semver: lenient about missing components ("1.2" = "1.2.0") and extra
//     ones, a leading "v", pre-releases and build metadata (osv-scalibr's
//     semantic ordering);
//   - custom: dotted numerics with letter releases (OpenSSL 1.1.1w <
//     1.1.1za < 1.1.1zb) and pre-release words (6.8-rc1 < 6.8);
//   - rpm, maven, python: the ecosystems' own orderings (osv-scalibr's
//     semantic: Red Hat, Maven, PyPI);
//   - git: equality of commit ids only (an abbreviated id equals the full
//     one); two different commits are an error wrapping ErrNoOrder.
//
// For every type but git, "*" is above every version and a bound ending in
// ".*" ("4.19.*") is above every version of that series: the record
// format's infinity, not a pattern. An unknown versionType is an error
// wrapping ErrUnknownType; a version that does not parse, ErrBadVersion.
func Compare(versionType, a, b string) (int, error) {
	vt := knownType(versionType)
	if vt == "" {
		return 0, fmt.Errorf("versionType %q: %w", versionType, ErrUnknownType)
	}
	c, err := compare(vt, a, b)
	if err == ErrBadVersion { // name the version that does not parse
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		for _, s := range []string{a, b, strings.TrimSuffix(a, ".*"), strings.TrimSuffix(b, ".*")} {
			if hasWildcard(s) {
				continue
			}
			if e := check(vt, s); e != nil {
				return 0, e
			}
		}
		return 0, fmt.Errorf("%q, %q (%s): %w", a, b, vt, ErrBadVersion)
	}
	return c, err
}
