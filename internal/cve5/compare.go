package cve5

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// Version types Compare orders.
const (
	TypeSemver = "semver"
	TypeCustom = "custom"
	TypeRPM    = "rpm"
	TypeMaven  = "maven"
	TypePython = "python"
	TypeGit    = "git"
)

// ErrUnknownType is wrapped by Compare's error for a versionType it does
// not order: the status of such a version item is unknown, never a match.
var ErrUnknownType = errors.New("unknown versionType")

// ErrNoOrder is wrapped by Compare's error for two different git commits:
// their order needs the repository's commit graph, which a record does not
// carry, so it is never guessed.
var ErrNoOrder = errors.New("git commits are ordered only by the repository's commit graph")

// ErrBadVersion is wrapped by Compare's error for a version that does not
// parse in its versionType.
var ErrBadVersion = errors.New("not a version of this versionType")

// knownType returns the canonical name of a versionType Compare orders, or
// "" (the record format's names are lower case; "Custom" and "Semver" occur
// in real records and are accepted).
func knownType(vt string) string {
	switch vt {
	case TypeSemver, TypeCustom, TypeRPM, TypeMaven, TypePython, TypeGit:
		return vt
	}
	// other spellings, without allocating (asked for every version item)
	t := strings.TrimSpace(vt)
	for _, k := range [...]string{TypeSemver, TypeCustom, TypeRPM, TypeMaven, TypePython, TypeGit} {
		if strings.EqualFold(t, k) {
			return k
		}
	}
	return ""
}

// compare is Compare for a canonical versionType.
func compare(vt, a, b string) (int, error) {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if vt == "" {
		return 0, ErrUnknownType
	}
	if vt != TypeGit {
		if wa, wb := hasWildcard(a), hasWildcard(b); wa || wb {
			return compareWildcard(vt, a, b, wa, wb)
		}
	}
	if !valid(vt, a) || !valid(vt, b) {
		// the bare sentinel: matching asks about bad versions often and
		// only tests the error; Compare words it
		return 0, ErrBadVersion
	}
	switch vt {
	case TypeGit:
		if gitEqual(a, b) {
			return 0, nil
		}
		return 0, ErrNoOrder
	case TypeCustom:
		return compareCustom(a, b), nil
	case TypeSemver:
		return semantic.ParseSemverVersion(strings.TrimLeft(a, "vV")).CompareStr(strings.TrimLeft(b, "vV"))
	case TypeRPM:
		return semantic.ParseRedHatVersion(a).CompareStr(b)
	case TypeMaven:
		return semantic.ParseMavenVersion(a).CompareStr(b)
	case TypePython:
		pa, err := semantic.ParsePyPIVersion(a)
		if err != nil {
			return 0, ErrBadVersion
		}
		return pa.CompareStr(b)
	}
	return 0, ErrUnknownType
}

// hasWildcard reports whether a version ends in the record format's "*"
// ("*" alone or a last dotted component "*", as in "4.19.*").
func hasWildcard(s string) bool { return s == "*" || strings.HasSuffix(s, ".*") }

// compareWildcard orders versions of which one or both end in "*". The
// record format defines "*" in an upper bound as infinity, not a pattern:
// "*" is above every version, and "4.19.*" is above every version of the
// 4.19 series and below 4.20. A version is compared with such a bound by
// its first components (as many as the bound has before the "*").
func compareWildcard(vt, a, b string, wa, wb bool) (int, error) {
	if wa && wb {
		pa, pb := strings.TrimSuffix(strings.TrimSuffix(a, "*"), "."), strings.TrimSuffix(strings.TrimSuffix(b, "*"), ".")
		if pa == "" || pb == "" { // "*" is above every series
			return boolCmp(pb == "", pa == ""), nil
		}
		return compare(vt, pa, pb)
	}
	if wb {
		c, err := compareWildcard(vt, b, a, true, false)
		return -c, err
	}
	// a is the wildcard bound, b a plain version.
	if !valid(vt, b) {
		return 0, ErrBadVersion
	}
	if a == "*" {
		return 1, nil
	}
	prefix := strings.TrimSuffix(a, ".*")
	if !valid(vt, prefix) {
		return 0, ErrBadVersion
	}
	n := strings.Count(prefix, ".") + 1
	head := truncate(vt, b, n)
	c, err := compare(vt, prefix, head)
	if err != nil {
		return 0, err
	}
	if c == 0 {
		return 1, nil // the series' infinity is above every version in it
	}
	return c, nil
}

// truncate returns the first n components of v: dotted components for
// semver, rpm, maven and python; for custom, the numeric and letter runs of
// compareCustom, so that "1.1.1w" truncated to three components is "1.1.1".
func truncate(vt, v string, n int) string {
	if vt == TypeCustom {
		var b strings.Builder
		count := 0
		for _, t := range customTokens(v) {
			if !t.num || count == n {
				break
			}
			count++
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t.s)
		}
		return b.String()
	}
	parts := strings.SplitN(v, ".", n+1)
	if len(parts) > n {
		parts = parts[:n]
	}
	last := parts[len(parts)-1]
	// "5.15.150-rc1" truncated to two components is "5.15"; a pre-release
	// or build suffix belongs to the last component only.
	if i := strings.IndexAny(last, "-+~"); i > 0 && len(parts) == n && strings.Count(v, ".") >= n {
		parts[len(parts)-1] = last[:i]
	}
	return strings.Join(parts, ".")
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// check reports whether s parses as a version of vt. Every type except git
// needs a digit first (after an optional "v"): record placeholders such as
// "n/a", "unspecified" or "<= 9.3.0" are not versions.
func check(vt, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty version: %w", ErrBadVersion)
	case valid(vt, s):
		return nil
	case vt == TypeGit:
		return fmt.Errorf("%q is not a commit id: %w", s, ErrBadVersion)
	}
	return fmt.Errorf("%q (%s): %w", s, vt, ErrBadVersion)
}

// valid is check without the error (no allocation).
func valid(vt, s string) bool {
	if s == "" {
		return false
	}
	if vt == TypeGit {
		return isHex(s) && len(s) >= 7 && len(s) <= 64
	}
	t := strings.TrimLeft(s, "vV")
	if vt == TypePython {
		if i := strings.IndexByte(t, '!'); i > 0 {
			t = t[i+1:]
		}
	}
	if t == "" || t[0] < '0' || t[0] > '9' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("._-+~:^", c) >= 0) {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// gitEqual compares commit ids, full or abbreviated (one a prefix of the
// other, as the kernel CNA's 12-digit ids are of full ones).
func gitEqual(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a)
}

// customToken is a run of digits or of letters of a custom version.
type customToken struct {
	s   string
	num bool
	// sep is set when a separator ('.', '-', '_', '+', '~') came before it.
	sep bool
	// pre marks a pre-release word (alpha, beta, rc, pre, preview, dev,
	// snapshot) or any letters after "~": such a token sorts before the end
	// of the version, so 6.8-rc1 < 6.8.
	pre bool
}

// customTokens splits a custom version into runs of digits and letters.
func customTokens(v string) []customToken {
	var out []customToken
	sep, tilde := false, false
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			for j < len(v) && v[j] >= '0' && v[j] <= '9' {
				j++
			}
			out = append(out, customToken{s: v[i:j], num: true, sep: sep})
			i, sep, tilde = j, false, false
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(v) && (v[j]|0x20 >= 'a' && v[j]|0x20 <= 'z') {
				j++
			}
			w := strings.ToLower(v[i:j])
			out = append(out, customToken{s: w, sep: sep, pre: tilde || preWord(w)})
			i, sep, tilde = j, false, false
		default:
			sep = true
			if c == '~' {
				tilde = true
			}
			i++
		}
	}
	// A leading "v" is not part of the version.
	if len(out) > 1 && out[0].s == "v" && out[1].num {
		out = out[1:]
	}
	return out
}

func preWord(w string) bool {
	switch w {
	case "alpha", "beta", "rc", "pre", "preview", "dev", "snapshot":
		return true
	}
	return false
}

// compareCustom orders dotted numerics with letter releases: numbers
// numerically, letters alphabetically, so OpenSSL's 1.1.1w < 1.1.1za <
// 1.1.1zb and 1.0.2 < 1.0.2a; a version that goes on where the other ends
// is greater (1.1 < 1.1.1, 1.1.1 < 1.1.1a) unless it goes on with a
// pre-release word (6.8-rc1 < 6.8). A number sorts after letters at the
// same place. It reads the tokens of customTokens one at a time, without
// allocating (a firmware scan compares versions millions of times).
func compareCustom(a, b string) int {
	ta, tb := newTokenizer(a), newTokenizer(b)
	for {
		x, okx := ta.next()
		y, oky := tb.next()
		switch {
		case !okx && !oky:
			return 0
		case !okx:
			if y.pre {
				return 1
			}
			return -1
		case !oky:
			if x.pre {
				return -1
			}
			return 1
		}
		if c := compareToken(x, y); c != 0 {
			return c
		}
	}
}

// tokenizer yields the tokens of customTokens one by one.
type tokenizer struct {
	v          string
	i          int
	sep, tilde bool
}

// newTokenizer returns a tokenizer of v that skips a leading "v" before a
// number, as customTokens does.
func newTokenizer(v string) tokenizer {
	t := tokenizer{v: v}
	save := t
	if first, ok := t.next(); ok && first.s == "v" {
		after := t
		if second, ok := t.next(); ok && second.num {
			return after
		}
	}
	return save
}

// next returns the next token, or false at the end.
func (t *tokenizer) next() (customToken, bool) {
	v := t.v
	for t.i < len(v) {
		c := v[t.i]
		switch {
		case c >= '0' && c <= '9':
			j := t.i
			for j < len(v) && v[j] >= '0' && v[j] <= '9' {
				j++
			}
			tok := customToken{s: v[t.i:j], num: true, sep: t.sep}
			t.i, t.sep, t.tilde = j, false, false
			return tok, true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := t.i
			for j < len(v) && (v[j]|0x20 >= 'a' && v[j]|0x20 <= 'z') {
				j++
			}
			w := strings.ToLower(v[t.i:j])
			tok := customToken{s: w, sep: t.sep, pre: t.tilde || preWord(w)}
			t.i, t.sep, t.tilde = j, false, false
			return tok, true
		default:
			t.sep = true
			if c == '~' {
				t.tilde = true
			}
			t.i++
		}
	}
	return customToken{}, false
}

func compareToken(x, y customToken) int {
	if x.num != y.num {
		if x.num {
			return 1
		}
		return -1
	}
	if x.num {
		xs, ys := strings.TrimLeft(x.s, "0"), strings.TrimLeft(y.s, "0")
		if len(xs) != len(ys) {
			if len(xs) < len(ys) {
				return -1
			}
			return 1
		}
		return strings.Compare(xs, ys)
	}
	if x.pre != y.pre {
		if x.pre {
			return -1
		}
		return 1
	}
	return strings.Compare(x.s, y.s)
}
