package cve5

import (
	"sort"
	"strings"
)

// placeholder reports whether a version string is one of the values CNAs
// write where they know no version ("n/a", "unspecified", "-", "all
// versions", ...). As a range's lower bound it means "no lower bound", as
// "0" does by the record format's convention; as a single version it names
// no version and is compared with nothing.
func placeholder(s string) bool {
	if s != "" && s[0] >= '1' && s[0] <= '9' { // a release number (most calls)
		return false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "*", "-", "n/a", "na", "unspecified", "unknown", "all", "all versions", "any":
		return true
	}
	return false
}

// seriesStart reads a range's lower bound: a bound ending in ".*" names
// the start of that series ("8.0.*" <= V < "8.0.29" is PHP's 8.0 series
// from 8.0 on; "2.3.*.*" QNAP's 2.3 series), as "*" in an upper bound is
// the series' end. The record format defines "*" for upper bounds only;
// read as infinity, a lower bound "8.0.*" would put every 8.0 release
// below the range and out of it. Other bounds are returned trimmed.
func seriesStart(s string) string {
	s = strings.TrimSpace(s)
	for len(s) > 2 && strings.HasSuffix(s, ".*") {
		s = s[:len(s)-2]
	}
	return s
}

// isRange reports whether a version item is the record format's range form.
func (it *Version) isRange() bool { return it.LessThan != "" || it.LessThanOrEqual != "" }

// itemStatus evaluates one version item against v: matched says whether
// the item covers v (then status is its status there); comparable is false
// when the item cannot be compared with v at all (unknown versionType, git
// ids against a release number, a placeholder), which is not a "no".
func (it *Version) itemStatus(v string) (status string, matched, comparable bool) {
	vt := knownType(it.VersionType)
	if vt == "" && it.VersionType != "" {
		return it.unknownType(v)
	}
	if vt != "" && vt != TypeGit && it.commitBound(v) {
		// a commit id is not a release version: no ordering but git's
		// places it (semver would read "7a8aa775…" as release 7)
		return "", false, false
	}
	if !it.isRange() && len(it.Changes) == 0 {
		return it.single(vt, v)
	}
	if vt == "" || it.LessThan != "" && it.LessThanOrEqual != "" {
		// no versionType, or two upper bounds (a warning): not comparable
		return "", false, false
	}
	if !valid(vt, v) {
		return "", false, false
	}
	if vt == TypeGit {
		return it.gitStatus(v)
	}
	if !placeholder(it.Version) {
		c, err := compare(vt, seriesStart(it.Version), v)
		if err != nil {
			return "", false, false
		}
		if c > 0 {
			return "", false, true
		}
	}
	switch {
	case it.LessThan != "":
		if it.LessThan != "*" {
			c, err := compare(vt, v, it.LessThan)
			if err != nil {
				return "", false, false
			}
			if c >= 0 {
				return "", false, true
			}
		}
	case it.LessThanOrEqual != "":
		if it.LessThanOrEqual != "*" {
			c, err := compare(vt, v, it.LessThanOrEqual)
			if err != nil {
				return "", false, false
			}
			if c > 0 {
				return "", false, true
			}
		}
	}
	status = it.Status
	changes, ok := sortedChanges(vt, it.Changes)
	if !ok {
		return "", false, false
	}
	for _, ch := range changes {
		c, err := compare(vt, ch.At, v)
		if err != nil {
			return "", false, false
		}
		if c <= 0 {
			status = ch.Status
		}
	}
	return status, true, true
}

// commitBound reports whether v or one of the item's versions or bounds
// looks like a git commit id (commitLike): under any ordering but git's
// such a value is not a release version, so the item answers nothing for
// it.
func (it *Version) commitBound(v string) bool {
	if commitLike(v) || commitLike(it.Version) || commitLike(it.LessThan) || commitLike(it.LessThanOrEqual) {
		return true
	}
	for _, ch := range it.Changes {
		if commitLike(ch.At) {
			return true
		}
	}
	return false
}

// commitLike reports whether s looks like a git commit id rather than a
// release version: a full id (40 or 64 hex digits), or an abbreviated one
// of 7 to 39 lower-case hex digits holding both a letter and a digit (the
// kernel's "992de06308d9" that CISA's ADP copies under versionType custom).
// Upper-case hex ("AFE130C", a Lenovo BIOS release) and all-digit or
// all-letter strings are versions.
func commitLike(s string) bool {
	s = strings.TrimSpace(s)
	n := len(s)
	if n < 7 || n > 64 || (n > 40 && n != 64) {
		return false
	}
	letter, digit, upper := false, false, false
	for i := 0; i < n; i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f':
			letter = true
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return false
		}
	}
	if n == 40 || n == 64 {
		return true
	}
	return letter && digit && !upper
}

// unknownType evaluates an item of a versionType Compare does not order
// (the kernel CNA's "original_commit_for_fix", "patch", "release", ...).
// Its own status is never taken: where the item would cover v under the
// custom ordering it answers StatusUnknown (so the entry's defaultStatus
// does not apply to a version the item speaks about); elsewhere it does
// not match; when v cannot be compared even so, the item is not
// comparable.
func (it *Version) unknownType(v string) (string, bool, bool) {
	c := *it
	c.VersionType = TypeCustom
	c.Changes = nil
	if _, matched, comparable := c.itemStatus(v); !matched {
		return "", false, comparable
	}
	return StatusUnknown, true, true
}

// gitStatus evaluates a git range item against commit v using equality
// only: v equal to the introducing commit lies in the range (the record
// says it precedes the bound), v equal to a lessThan bound lies outside,
// v equal to a lessThanOrEqual bound inside; any other commit, and any
// range with changes, cannot be placed without the commit graph.
func (it *Version) gitStatus(v string) (string, bool, bool) {
	if len(it.Changes) > 0 || it.malformed() {
		return "", false, false
	}
	switch {
	case it.LessThan != "" && it.LessThan != "*" && valid(TypeGit, it.LessThan) && gitEqual(v, it.LessThan):
		return "", false, true
	case it.LessThanOrEqual != "" && valid(TypeGit, it.LessThanOrEqual) && gitEqual(v, it.LessThanOrEqual):
		return it.Status, true, true
	case !placeholder(it.Version) && valid(TypeGit, it.Version) && gitEqual(v, it.Version):
		return it.Status, true, true
	}
	return "", false, false
}

// single evaluates a single-version item: equal under its versionType when
// it names one, else as strings (trimmed, case-insensitive). Placeholders
// and strings that are not version literals ("< 4.4.13", "9.3.x and
// below") are compared with nothing.
func (it *Version) single(vt, v string) (string, bool, bool) {
	iv := strings.TrimSpace(it.Version)
	if it.VersionType != "" && vt == "" {
		return "", false, false
	}
	if vt != "" {
		if iv == "*" {
			return "", false, false
		}
		c, err := compare(vt, iv, v)
		if err != nil {
			return "", false, false
		}
		return it.Status, c == 0, true
	}
	if placeholder(iv) || !literal(iv) || !literal(v) {
		return "", false, false
	}
	return it.Status, strings.EqualFold(iv, strings.TrimSpace(v)), true
}

// literal reports whether s looks like one version: no spaces, comparison
// operators, commas or wildcards.
func literal(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t<>=,*()[]") && !strings.HasSuffix(strings.ToLower(s), ".x")
}

// sortedChanges returns the changes in increasing order of their "at"
// version, or ok=false when two of them cannot be ordered.
func sortedChanges(vt string, changes []Change) ([]Change, bool) {
	if len(changes) < 2 {
		return changes, true
	}
	out := append([]Change(nil), changes...)
	ok := true
	sort.SliceStable(out, func(i, j int) bool {
		c, err := compare(vt, out[i].At, out[j].At)
		if err != nil {
			ok = false
		}
		return c < 0
	})
	return out, ok
}

// Status is the record format's version-status algorithm for one affected
// entry: the first version item that covers v gives the status (refined by
// its changes); when none does, the entry's defaultStatus (unknown when
// absent). ok is false when none of its version items can be compared with
// v (for example git-only ranges against a numbered release), which is no
// answer rather than the defaultStatus; so is an entry with a malformed
// item (a string that does not parse in its versionType) that may cover v
// (Version.mayCover) when no other item covers it. An entry without version
// items answers with its defaultStatus.
func (p *Product) Status(v string) (status string, ok bool) {
	st, _, ok := p.status(v)
	return st, ok
}

// blockedItem is status's item index for "no answer because a malformed
// item may cover v": an explicit statement about v that cannot be read,
// which also keeps other entries' defaultStatus from deciding (decide).
const blockedItem = -2

// status is Status that also returns the index of the item that decided
// (-1 for the default, blockedItem when a malformed item may cover v).
func (p *Product) status(v string) (string, int, bool) {
	comparable, blocked := len(p.Versions) == 0, false
	for i := range p.Versions {
		// a malformed item (Version.malformed) never matches here: its
		// bad string does not compare; it is comparable only where a bound
		// that parses places v outside it, so only incomparable items are
		// asked whether they are malformed (a firmware scan asks millions)
		it := &p.Versions[i]
		st, matched, cmp := it.itemStatus(v)
		if matched {
			return normStatus(st), i, true
		}
		if cmp {
			comparable = true
		} else if !blocked && it.malformed() && it.mayCover(v) {
			blocked = true
		}
	}
	if blocked {
		return StatusUnknown, blockedItem, false
	}
	if !comparable {
		return StatusUnknown, -1, false
	}
	return normStatus(p.DefaultStatus), -1, true
}

// mayCover reports whether a malformed item may cover v: false only when a
// bound of the item that does parse places v outside it (v below its lower
// bound, or at or above its upper bound), as 6.0 lies outside "7.4 <= V <
// 7.4 errata 009" whatever the errata is. A git item, a v that does not
// parse in the item's versionType and (but for its lower bound) an item
// with two upper bounds may always be covered.
func (it *Version) mayCover(v string) bool {
	vt := knownType(it.VersionType)
	if vt == "" || vt == TypeGit || !valid(vt, strings.TrimSpace(v)) {
		return true
	}
	if lo := seriesStart(it.Version); !placeholder(lo) && valid(vt, lo) {
		if c, err := compare(vt, lo, v); err == nil && c > 0 {
			return false
		}
	}
	if it.LessThan != "" && it.LessThanOrEqual != "" {
		return true // which upper bound is meant is not known
	}
	if hi := strings.TrimSpace(it.LessThan); hi != "" && (hasWildcard(hi) || valid(vt, hi)) {
		if c, err := compare(vt, v, hi); err == nil && c >= 0 {
			return false
		}
	}
	if hi := strings.TrimSpace(it.LessThanOrEqual); hi != "" && (hasWildcard(hi) || valid(vt, hi)) {
		if c, err := compare(vt, v, hi); err == nil && c > 0 {
			return false
		}
	}
	return true
}

func normStatus(s string) string {
	switch s {
	case StatusAffected, StatusUnaffected:
		return s
	}
	return StatusUnknown
}

// fixed returns the lowest version above v at which the entry names an end
// of being affected: the upper bound of the item that decided (its lessThan,
// or the version after an unaffected change), else the lower bound of an
// unaffected range item or an unaffected change above v.
func (p *Product) fixed(v string, decided int) []string {
	type cand struct{ vt, v string }
	var own, other []cand
	for i, it := range p.Versions {
		vt := knownType(it.VersionType)
		if vt == "" || vt == TypeGit || !it.isRange() && len(it.Changes) == 0 {
			continue
		}
		var list *[]cand
		if i == decided {
			list = &own
		} else {
			list = &other
		}
		if normStatus(it.Status) == StatusAffected && it.LessThan != "" && !hasWildcard(it.LessThan) {
			*list = append(*list, cand{vt, it.LessThan})
		}
		if normStatus(it.Status) == StatusUnaffected && !placeholder(it.Version) {
			*list = append(*list, cand{vt, seriesStart(it.Version)})
		}
		for _, ch := range it.Changes {
			if normStatus(ch.Status) == StatusUnaffected {
				*list = append(*list, cand{vt, ch.At})
			}
		}
	}
	lowest := func(cs []cand) []string {
		best := cand{}
		for _, c := range cs {
			if above, err := compare(c.vt, c.v, v); err != nil || above <= 0 || commitLike(c.v) {
				continue // not above v, or a commit, which is no fixed release
			}
			if best.v == "" {
				best = c
				continue
			}
			if lt, err := compare(c.vt, c.v, best.v); err == nil && lt < 0 {
				best = c
			}
		}
		if best.v == "" {
			return nil
		}
		return []string{best.v}
	}
	if f := lowest(own); f != nil {
		return f
	}
	return lowest(other)
}

// Decide returns the status of version v for the products of r that
// selected accepts (every product when selected is nil).
//
// Within one container, the selected entries that give a definite answer
// are combined: an entry whose version items cover v (an explicit
// statement about v) outranks one that answers only with its
// defaultStatus, and among answers of the same kind affected outranks
// unaffected; the first entry with the winning answer, in record order,
// decided. (CISA's ADP splits a CNA's ranges into one entry per series,
// each with defaultStatus affected: the explicit "unaffected" of the
// entry that covers v must win over the defaults of the others.) Across containers, the CNA's definite status (affected
// or unaffected) decides; where it gives none, the ADP containers are asked
// in record order and the first definite status decides; an NVD container
// counts as the CNA's when a record has no CNA container. Otherwise the
// decision is StatusUnknown. Fixed holds the lowest version above v at
// which the deciding entry says the vulnerability ends, when it names one.
func (r *Record) Decide(selected func(*Product) bool, v string) Decision {
	for _, ci := range r.containerOrder() {
		c := &r.Containers[ci]
		d, ok := c.decide(selected, nil, v)
		if ok {
			return d
		}
	}
	return Decision{Status: StatusUnknown}
}

// Entry names one affected entry of a record: the index of its container
// in Record.Containers and its index in that container's Affected.
type Entry struct{ Container, Index int }

// DecideEntries is Decide over the listed entries only (the entries a
// caller's index found for a product, instead of a selector asked of every
// entry of the record): the answer is the one Decide gives with a selector
// accepting exactly these entries. entries must be in record order
// (container, then index) without duplicates; entries out of range are
// ignored.
func (r *Record) DecideEntries(entries []Entry, v string) Decision {
	for _, ci := range r.containerOrder() {
		lo := 0
		for lo < len(entries) && entries[lo].Container < ci {
			lo++
		}
		hi := lo
		for hi < len(entries) && entries[hi].Container == ci {
			hi++
		}
		if lo == hi {
			continue
		}
		d, ok := r.Containers[ci].decide(nil, entries[lo:hi], v)
		if ok {
			return d
		}
	}
	return Decision{Status: StatusUnknown}
}

// containerOrder lists the containers in the order they are asked: the CNA
// (or NVD) first, then each ADP in record order.
func (r *Record) containerOrder() []int {
	order := make([]int, 0, len(r.Containers))
	for pass := 0; pass < 2; pass++ {
		for i := range r.Containers {
			if (r.Containers[i].Kind == KindADP) == (pass == 1) {
				order = append(order, i)
			}
		}
	}
	return order
}

// decide combines the selected entries of one container (see Decide):
// those selected accepts, or, when entries is not nil, the listed ones.
func (c *Container) decide(selected func(*Product) bool, entries []Entry, v string) (Decision, bool) {
	var best *Product
	bestRank, bestStatus, bestItem := 0, "", -1
	blocked := false // a malformed item may cover v
	n := len(c.Affected)
	if entries != nil {
		n = len(entries)
	}
	for k := 0; k < n; k++ {
		i := k
		if entries != nil {
			i = entries[k].Index
			if i < 0 || i >= len(c.Affected) {
				continue
			}
		}
		p := &c.Affected[i]
		if selected != nil && !selected(p) {
			continue
		}
		st, item, ok := p.status(v)
		if item == blockedItem {
			blocked = true
		}
		if !ok || st == StatusUnknown {
			continue
		}
		// An entry whose version items cover v outranks one that answers
		// only with its defaultStatus; then affected outranks unaffected.
		rank := 1
		if st == StatusAffected {
			rank = 2
		}
		if item >= 0 {
			rank += 2
		}
		if rank > bestRank {
			best, bestRank, bestStatus, bestItem = p, rank, st, item
		}
	}
	// An unreadable statement that may be about v outranks every entry's
	// defaultStatus, as a readable one does: only an item that covers v
	// still decides.
	if best == nil || blocked && bestItem < 0 {
		return Decision{}, false
	}
	d := Decision{Status: bestStatus, Container: c.Kind, Provider: c.Provider, Product: best}
	if bestStatus == StatusAffected {
		d.Fixed = best.fixed(v, bestItem)
	}
	return d, true
}
