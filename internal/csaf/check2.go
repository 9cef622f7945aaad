package csaf

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	"golang.org/x/text/language"

	"github.com/dualmark/dualmark/internal/purl"
)

// Mandatory tests 6.1.9 onwards (CSAF 2.0 section 6.1), on the document
// as generic JSON (objects, arrays, strings, json.Number): the typed model
// keeps only what the generators write.

type obj = map[string]any

func oget(m any, k string) obj {
	o, _ := m.(obj)
	v, _ := o[k].(obj)
	return v
}

func aget(m any, k string) []any {
	o, _ := m.(obj)
	v, _ := o[k].([]any)
	return v
}

func sget(m any, k string) string {
	o, _ := m.(obj)
	v, _ := o[k].(string)
	return v
}

func strs(list []any) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// moreMandatoryTests runs the tests from 6.1.9 on that are implemented.
func moreMandatoryTests(doc any) []Problem {
	var out []Problem
	for _, t := range []func(any) []Problem{cvssComputation, cvssConsistency, languageTests, purlTest, revisionTests,
		multipleCVE, multipleInvolvements, hashAlgorithms, categoryName, profileTests, productReferences, multipleFlags, versionRanges} {
		out = append(out, t(doc)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Test < out[j].Test })
	return out
}

// scores calls fn for every cvss_v2 / cvss_v3 object with its pointer.
func scores(doc any, fn func(name string, c obj, ptr string)) {
	for i, v := range aget(doc, "vulnerabilities") {
		for k, s := range aget(v, "scores") {
			for _, name := range []string{"cvss_v2", "cvss_v3"} {
				if c := oget(s, name); c != nil {
					fn(name, c, jp("vulnerabilities", i, "scores", k, name))
				}
			}
		}
	}
}

type cvssVector interface {
	BaseScore() float64
	TemporalScore() float64
	EnvironmentalScore() float64
	Get(string) (string, error)
}

func parseCVSS(name string, c obj) (cvssVector, string) {
	vec := sget(c, "vectorString")
	switch sget(c, "version") {
	case "2.0":
		v, err := cvss20.ParseVector(vec)
		if err != nil {
			return nil, err.Error()
		}
		return v, ""
	case "3.0":
		v, err := cvss30.ParseVector(vec)
		if err != nil {
			return nil, err.Error()
		}
		return v, ""
	case "3.1":
		v, err := cvss31.ParseVector(vec)
		if err != nil {
			return nil, err.Error()
		}
		return v, ""
	}
	return nil, "unknown CVSS version"
}

func number(c obj, k string) (float64, bool) {
	n, ok := c[k].(json.Number)
	if !ok {
		f, ok := c[k].(float64)
		return f, ok
	}
	f, err := n.Float64()
	return f, err == nil
}

// severity is the CVSS v3 qualitative rating of a score.
func severity(score float64) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9:
		return "HIGH"
	}
	return "CRITICAL"
}

// cvssComputation is 6.1.9: the scores and severities given are those the
// vector computes to.
func cvssComputation(doc any) []Problem {
	var out []Problem
	scores(doc, func(name string, c obj, ptr string) {
		v, _ := parseCVSS(name, c)
		if v == nil {
			return // 6.1.8 reports an invalid vector
		}
		for _, k := range []struct {
			score, sev string
			fn         func() float64
		}{{"baseScore", "baseSeverity", v.BaseScore}, {"temporalScore", "temporalSeverity", v.TemporalScore}, {"environmentalScore", "environmentalSeverity", v.EnvironmentalScore}} {
			got, ok := number(c, k.score)
			want := k.fn()
			if ok && math.Abs(got-want) > 1e-9 {
				out = append(out, Problem{"6.1.9", ptr + "/" + k.score, fmt.Sprintf("%s %v, but the vector %s computes to %v", k.score, got, sget(c, "vectorString"), want)})
			}
			if s := sget(c, k.sev); name == "cvss_v3" && s != "" && s != severity(want) {
				out = append(out, Problem{"6.1.9", ptr + "/" + k.sev, fmt.Sprintf("%s %s, but the score %v is %s", k.sev, s, want, severity(want))})
			}
		}
	})
	return out
}

// cvssFields maps the CVSS objects' properties to their vector metric and
// the property values to the metric's abbreviations.
var cvssFields = map[string]map[string]struct {
	metric string
	values map[string]string
}{
	"cvss_v3": {},
	"cvss_v2": {},
}

func init() {
	v3 := cvssFields["cvss_v3"]
	nlh := map[string]string{"NONE": "N", "LOW": "L", "HIGH": "H"}
	av := map[string]string{"NETWORK": "N", "ADJACENT_NETWORK": "A", "LOCAL": "L", "PHYSICAL": "P"}
	lh := map[string]string{"LOW": "L", "HIGH": "H"}
	ui := map[string]string{"NONE": "N", "REQUIRED": "R"}
	sc := map[string]string{"UNCHANGED": "U", "CHANGED": "C"}
	withX := func(m map[string]string) map[string]string {
		o := map[string]string{"NOT_DEFINED": "X"}
		for k, v := range m {
			o[k] = v
		}
		return o
	}
	for p, m := range map[string]struct {
		metric string
		values map[string]string
	}{
		"attackVector": {"AV", av}, "attackComplexity": {"AC", lh}, "privilegesRequired": {"PR", nlh}, "userInteraction": {"UI", ui},
		"scope": {"S", sc}, "confidentialityImpact": {"C", nlh}, "integrityImpact": {"I", nlh}, "availabilityImpact": {"A", nlh},
		"exploitCodeMaturity":        {"E", withX(map[string]string{"UNPROVEN": "U", "PROOF_OF_CONCEPT": "P", "FUNCTIONAL": "F", "HIGH": "H"})},
		"remediationLevel":           {"RL", withX(map[string]string{"OFFICIAL_FIX": "O", "TEMPORARY_FIX": "T", "WORKAROUND": "W", "UNAVAILABLE": "U"})},
		"reportConfidence":           {"RC", withX(map[string]string{"UNKNOWN": "U", "REASONABLE": "R", "CONFIRMED": "C"})},
		"confidentialityRequirement": {"CR", withX(map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H"})},
		"integrityRequirement":       {"IR", withX(map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H"})},
		"availabilityRequirement":    {"AR", withX(map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H"})},
		"modifiedAttackVector":       {"MAV", withX(av)}, "modifiedAttackComplexity": {"MAC", withX(lh)}, "modifiedPrivilegesRequired": {"MPR", withX(nlh)},
		"modifiedUserInteraction": {"MUI", withX(ui)}, "modifiedScope": {"MS", withX(sc)}, "modifiedConfidentialityImpact": {"MC", withX(nlh)},
		"modifiedIntegrityImpact": {"MI", withX(nlh)}, "modifiedAvailabilityImpact": {"MA", withX(nlh)},
	} {
		v3[p] = m
	}
	v2 := cvssFields["cvss_v2"]
	ncp := map[string]string{"NONE": "N", "PARTIAL": "P", "COMPLETE": "C"}
	nd := func(m map[string]string) map[string]string {
		o := map[string]string{"NOT_DEFINED": "ND"}
		for k, v := range m {
			o[k] = v
		}
		return o
	}
	lmh := nd(map[string]string{"LOW": "L", "MEDIUM": "M", "HIGH": "H"})
	for p, m := range map[string]struct {
		metric string
		values map[string]string
	}{
		"accessVector": {"AV", map[string]string{"NETWORK": "N", "ADJACENT_NETWORK": "A", "LOCAL": "L"}}, "accessComplexity": {"AC", map[string]string{"HIGH": "H", "MEDIUM": "M", "LOW": "L"}},
		"authentication": {"Au", map[string]string{"MULTIPLE": "M", "SINGLE": "S", "NONE": "N"}}, "confidentialityImpact": {"C", ncp}, "integrityImpact": {"I", ncp}, "availabilityImpact": {"A", ncp},
		"exploitability":             {"E", nd(map[string]string{"UNPROVEN": "U", "PROOF_OF_CONCEPT": "POC", "FUNCTIONAL": "F", "HIGH": "H"})},
		"remediationLevel":           {"RL", nd(map[string]string{"OFFICIAL_FIX": "OF", "TEMPORARY_FIX": "TF", "WORKAROUND": "W", "UNAVAILABLE": "U"})},
		"reportConfidence":           {"RC", nd(map[string]string{"UNCONFIRMED": "UC", "UNCORROBORATED": "UR", "CONFIRMED": "C"})},
		"collateralDamagePotential":  {"CDP", nd(map[string]string{"NONE": "N", "LOW": "L", "LOW_MEDIUM": "LM", "MEDIUM_HIGH": "MH", "HIGH": "H"})},
		"targetDistribution":         {"TD", nd(map[string]string{"NONE": "N", "LOW": "L", "MEDIUM": "M", "HIGH": "H"})},
		"confidentialityRequirement": {"CR", lmh}, "integrityRequirement": {"IR", lmh}, "availabilityRequirement": {"AR", lmh},
	} {
		v2[p] = m
	}
}

// cvssConsistency is 6.1.10: every metric property agrees with the vector.
func cvssConsistency(doc any) []Problem {
	var out []Problem
	scores(doc, func(name string, c obj, ptr string) {
		v, _ := parseCVSS(name, c)
		if v == nil {
			return
		}
		props := make([]string, 0, len(c))
		for p := range c {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			f, ok := cvssFields[name][p]
			s, isStr := c[p].(string)
			if !ok || !isStr {
				continue
			}
			want, err := v.Get(f.metric)
			if err != nil {
				continue
			}
			if abbr, known := f.values[s]; known && abbr != want {
				out = append(out, Problem{"6.1.10", ptr + "/" + p, fmt.Sprintf("%s %s, but the vector %s says %s:%s", p, s, sget(c, "vectorString"), f.metric, want)})
			}
		}
	})
	return out
}

// languageTests are 6.1.12 (lang and source_lang are language tags) and
// 6.1.28 (a translation's lang is not its source_lang); 6.1.15 (a
// translator's document names its source language).
func languageTests(doc any) []Problem {
	var out []Problem
	d := oget(doc, "document")
	for _, k := range []string{"lang", "source_lang"} {
		if s := sget(d, k); s != "" {
			if _, err := language.Parse(s); err != nil {
				out = append(out, Problem{"6.1.12", "/document/" + k, fmt.Sprintf("%q is not a valid language tag: %v", s, err)})
			}
		}
	}
	if l, s := sget(d, "lang"), sget(d, "source_lang"); l != "" && s != "" && strings.EqualFold(l, s) {
		out = append(out, Problem{"6.1.28", "/document/lang", fmt.Sprintf("a translation's language %q is its source language", l)})
	}
	if sget(oget(d, "publisher"), "category") == "translator" && sget(d, "source_lang") == "" {
		out = append(out, Problem{"6.1.15", "/document/source_lang", "the publisher is a translator but the document names no source language"})
	}
	return out
}

// products calls fn for every full product name object with its pointer.
func products(doc any, fn func(p obj, ptr string)) {
	pt := oget(doc, "product_tree")
	var walk func(bs []any, base string)
	walk = func(bs []any, base string) {
		for i, b := range bs {
			p := base + jp("branches", i)
			if prod := oget(b, "product"); prod != nil {
				fn(prod, p+"/product")
			}
			walk(aget(b, "branches"), p)
		}
	}
	walk(aget(pt, "branches"), "/product_tree")
	for i, f := range aget(pt, "full_product_names") {
		if o, ok := f.(obj); ok {
			fn(o, jp("product_tree", "full_product_names", i))
		}
	}
	for i, r := range aget(pt, "relationships") {
		if o := oget(r, "full_product_name"); o != nil {
			fn(o, jp("product_tree", "relationships", i, "full_product_name"))
		}
	}
}

// purlTest is 6.1.13: every purl is a valid package URL.
func purlTest(doc any) []Problem {
	var out []Problem
	products(doc, func(p obj, ptr string) {
		h := oget(p, "product_identification_helper")
		if s := sget(h, "purl"); s != "" {
			if _, err := purl.Parse(s); err != nil {
				out = append(out, Problem{"6.1.13", ptr + "/product_identification_helper/purl", fmt.Sprintf("%q is not a valid package URL: %v", s, err)})
			}
		}
	})
	return out
}

// fileHashes calls fn for every product identification helper's hashes
// item (a file and its file_hashes) with its pointer.
func fileHashes(doc any, fn func(h any, ptr string)) {
	products(doc, func(p obj, ptr string) {
		for i, h := range aget(oget(p, "product_identification_helper"), "hashes") {
			fn(h, ptr+jp("product_identification_helper", "hashes", i))
		}
	})
}

// hashAlgorithms is 6.1.25: one hash per algorithm in each file_hashes.
func hashAlgorithms(doc any) []Problem {
	var out []Problem
	fileHashes(doc, func(h any, ptr string) {
		seen := map[string]bool{}
		for j, fh := range aget(h, "file_hashes") {
			alg := sget(fh, "algorithm")
			if seen[alg] {
				out = append(out, Problem{"6.1.25", ptr + jp("file_hashes", j, "algorithm"), fmt.Sprintf("algorithm %q used twice for one file", alg)})
			}
			seen[alg] = true
		}
	})
	return out
}

var (
	intVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	semVersion = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// docVersion is a /document/tracking/version or revision number.
type docVersion struct {
	raw        string
	semver     bool
	nums       [3]int
	pre, build string
	ok         bool
}

func parseVersion(s string) docVersion {
	v := docVersion{raw: s}
	if intVersion.MatchString(s) {
		n, err := strconv.Atoi(s)
		v.nums[0], v.ok = n, err == nil
		return v
	}
	m := semVersion.FindStringSubmatch(s)
	if m == nil {
		return v
	}
	v.semver, v.ok = true, true
	for i := 0; i < 3; i++ {
		v.nums[i], _ = strconv.Atoi(m[i+1])
	}
	v.pre, v.build = m[4], m[5]
	return v
}

// compare orders two versions of the same scheme (semver precedence;
// build metadata ignored).
func (v docVersion) compare(w docVersion) int {
	for i := 0; i < 3; i++ {
		if v.nums[i] != w.nums[i] {
			if v.nums[i] < w.nums[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.pre == w.pre:
		return 0
	case v.pre == "":
		return 1
	case w.pre == "":
		return -1
	}
	a, b := strings.Split(v.pre, "."), strings.Split(w.pre, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		na, ea := strconv.Atoi(a[i])
		nb, eb := strconv.Atoi(b[i])
		switch {
		case ea == nil && eb == nil:
			if na < nb {
				return -1
			}
			return 1
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		case a[i] < b[i]:
			return -1
		default:
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// key is the version as compared by 6.1.16: build metadata dropped, and
// the pre-release part too when dropPre.
func (v docVersion) key(dropPre bool) string {
	if !v.semver {
		return v.raw
	}
	s := fmt.Sprintf("%d.%d.%d", v.nums[0], v.nums[1], v.nums[2])
	if v.pre != "" && !dropPre {
		s += "-" + v.pre
	}
	return s
}

type revItem struct {
	index int
	date  time.Time
	v     docVersion
}

// revisionTests are the tracking tests: 6.1.14 sorted revision history,
// 6.1.16 latest document version, 6.1.17 draft status, 6.1.18 released
// revision history, 6.1.19 pre-release revision entries, 6.1.20
// non-draft document version, 6.1.21 missing revision item, 6.1.22
// multiple revision numbers, 6.1.30 mixed integer and semantic versioning.
func revisionTests(doc any) []Problem {
	var out []Problem
	tr := oget(oget(doc, "document"), "tracking")
	if tr == nil {
		return nil
	}
	status := sget(tr, "status")
	released := status == "final" || status == "interim"
	ver := parseVersion(sget(tr, "version"))
	var items []revItem
	seen := map[string]int{}
	mixed := false
	for i, r := range aget(tr, "revision_history") {
		num := sget(r, "number")
		v := parseVersion(num)
		d, _ := time.Parse(time.RFC3339, sget(r, "date"))
		items = append(items, revItem{i, d, v})
		ptr := jp("document", "tracking", "revision_history", i, "number")
		if first, dup := seen[num]; dup {
			out = append(out, Problem{"6.1.22", ptr, fmt.Sprintf("revision number %q already used by revision_history[%d]", num, first)})
		} else {
			seen[num] = i
		}
		if v.ok && ver.ok && v.semver != ver.semver {
			mixed = true
		}
		if v.semver && v.pre != "" {
			out = append(out, Problem{"6.1.19", ptr, fmt.Sprintf("revision number %q is a pre-release", num)})
		}
		if released && v.ok && v.nums[0] == 0 {
			out = append(out, Problem{"6.1.18", ptr, fmt.Sprintf("a %s document's revision history has the pre-release number %q", status, num)})
		}
	}
	for _, it := range items {
		if it.v.ok && items[0].v.ok && it.v.semver != items[0].v.semver {
			mixed = true
		}
	}
	if mixed {
		out = append(out, Problem{"6.1.30", "/document/tracking/version", "integer and semantic versioning are mixed in the version and the revision history"})
	}
	if ver.ok && (ver.nums[0] == 0 || ver.pre != "") && status != "draft" {
		out = append(out, Problem{"6.1.17", "/document/tracking/status", fmt.Sprintf("version %q calls for status draft, not %q", ver.raw, status)})
	}
	if released && ver.pre != "" {
		out = append(out, Problem{"6.1.20", "/document/tracking/version", fmt.Sprintf("a %s document's version %q has a pre-release part", status, ver.raw)})
	}
	if mixed || len(items) == 0 {
		return out
	}
	// by date, and by number among equal dates
	sorted := append([]revItem(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].date.Equal(sorted[j].date) {
			return sorted[i].date.Before(sorted[j].date)
		}
		return sorted[i].v.ok && sorted[j].v.ok && sorted[i].v.compare(sorted[j].v) < 0
	})
	for k := 1; k < len(sorted); k++ {
		a, b := sorted[k-1], sorted[k]
		if a.v.ok && b.v.ok && a.v.compare(b.v) > 0 {
			out = append(out, Problem{"6.1.14", jp("document", "tracking", "revision_history", b.index, "number"),
				fmt.Sprintf("revision %q is dated after revision %q but numbered before it", b.v.raw, a.v.raw)})
			break
		}
	}
	last := sorted[len(sorted)-1]
	if ver.ok && last.v.ok && ver.key(status == "draft") != last.v.key(status == "draft") {
		out = append(out, Problem{"6.1.16", "/document/tracking/version", fmt.Sprintf("version %q is not the latest revision's number %q", ver.raw, last.v.raw)})
	}
	if first := sorted[0]; first.v.ok && first.v.nums[0] > 1 {
		out = append(out, Problem{"6.1.21", jp("document", "tracking", "revision_history", first.index, "number"), fmt.Sprintf("the first revision is %q, not 0 or 1", first.v.raw)})
	}
	for k := 1; k < len(sorted); k++ {
		a, b := sorted[k-1].v, sorted[k].v
		if a.ok && b.ok && b.nums[0]-a.nums[0] > 1 {
			out = append(out, Problem{"6.1.21", jp("document", "tracking", "revision_history", sorted[k].index, "number"),
				fmt.Sprintf("the revision history goes from %q to %q: a version is missing", a.raw, b.raw)})
		}
	}
	return out
}

// multipleCVE is 6.1.23: a CVE is the subject of one vulnerability item.
func multipleCVE(doc any) []Problem {
	var out []Problem
	seen := map[string]int{}
	for i, v := range aget(doc, "vulnerabilities") {
		c := sget(v, "cve")
		if c == "" {
			continue
		}
		if first, ok := seen[c]; ok {
			out = append(out, Problem{"6.1.23", jp("vulnerabilities", i, "cve"), fmt.Sprintf("%s is also vulnerabilities[%d]", c, first)})
			continue
		}
		seen[c] = i
	}
	return out
}

// multipleInvolvements is 6.1.24: one involvement per party and date.
func multipleInvolvements(doc any) []Problem {
	var out []Problem
	for i, v := range aget(doc, "vulnerabilities") {
		type pd struct {
			party string
			date  int64
			raw   string
		}
		seen := map[pd]int{}
		for k, inv := range aget(v, "involvements") {
			key := pd{party: sget(inv, "party")}
			if d, err := time.Parse(time.RFC3339, sget(inv, "date")); err == nil {
				key.date = d.UnixNano()
			} else {
				key.raw = sget(inv, "date")
			}
			if first, ok := seen[key]; ok {
				out = append(out, Problem{"6.1.24", jp("vulnerabilities", i, "involvements", k), fmt.Sprintf("party %s at this date is already involvements[%d]", key.party, first)})
				continue
			}
			seen[key] = k
		}
	}
	return out
}

// profileCategories are the document categories of the profiles other
// than CSAF Base (6.1.26, 6.1.27).
var profileCategories = []string{"csaf_security_incident_response", "csaf_informational_advisory", "csaf_security_advisory", "csaf_vex"}

// categoryName is 6.1.26: a CSAF Base document's category is not a
// profile's name or value written differently, and does not take the
// reserved prefix csaf_.
func categoryName(doc any) []Problem {
	cat := sget(oget(doc, "document"), "category")
	if cat == "" || cat == "csaf_base" {
		return nil
	}
	for _, p := range profileCategories {
		if cat == p {
			return nil
		}
	}
	norm := func(s string) string {
		return strings.NewReplacer("-", "", "_", "", "\u2212", "").Replace(strings.ToLower(s))
	}
	if strings.HasPrefix(strings.ToLower(cat), "csaf_") {
		return []Problem{{"6.1.26", "/document/category", fmt.Sprintf("category %q takes the reserved prefix csaf_", cat)}}
	}
	for _, p := range profileCategories {
		if n := norm(cat); n == norm(p) || n == norm(strings.TrimPrefix(p, "csaf_")) {
			return []Problem{{"6.1.26", "/document/category", fmt.Sprintf("category %q is the profile category %s written differently", cat, p)}}
		}
	}
	return nil
}

// groupMembers returns the product IDs of each product group.
func groupMembers(doc any) map[string][]string {
	out := map[string][]string{}
	for _, g := range aget(oget(doc, "product_tree"), "product_groups") {
		out[sget(g, "group_id")] = strs(aget(g, "product_ids"))
	}
	return out
}

// covered returns the product IDs an element names directly and through
// its group_ids.
func covered(el any, groups map[string][]string) []string {
	ids := strs(aget(el, "product_ids"))
	for _, g := range strs(aget(el, "group_ids")) {
		ids = append(ids, groups[g]...)
	}
	return ids
}

// profileTests are 6.1.27.1–6.1.27.11, by the document's category.
func profileTests(doc any) []Problem {
	var out []Problem
	d := oget(doc, "document")
	cat := sget(d, "category")
	vulns := aget(doc, "vulnerabilities")
	root, _ := doc.(obj)
	_, hasVulns := root["vulnerabilities"]
	switch cat {
	case "csaf_informational_advisory", "csaf_security_incident_response":
		ok := false
		for _, n := range aget(d, "notes") {
			switch sget(n, "category") {
			case "description", "details", "general", "summary":
				ok = true
			}
		}
		if !ok {
			out = append(out, Problem{"6.1.27.1", "/document/notes", "the profile needs a document note of category description, details, general or summary"})
		}
		ok = false
		for _, r := range aget(d, "references") {
			if sget(r, "category") == "external" {
				ok = true
			}
		}
		if !ok {
			out = append(out, Problem{"6.1.27.2", "/document/references", "the profile needs an external reference"})
		}
		if cat == "csaf_informational_advisory" && hasVulns {
			out = append(out, Problem{"6.1.27.3", "/vulnerabilities", "an informational advisory has no vulnerabilities"})
		}
	case "csaf_security_advisory", "csaf_vex":
		if oget(doc, "product_tree") == nil {
			out = append(out, Problem{"6.1.27.4", "/product_tree", "the profile needs a product tree"})
		}
		if !hasVulns {
			out = append(out, Problem{"6.1.27.11", "/vulnerabilities", "the profile needs vulnerabilities"})
		}
		groups := groupMembers(doc)
		for i, v := range vulns {
			if len(aget(v, "notes")) == 0 {
				out = append(out, Problem{"6.1.27.5", jp("vulnerabilities", i, "notes"), "the profile needs notes on each vulnerability"})
			}
			ps := oget(v, "product_status")
			if cat == "csaf_security_advisory" {
				if ps == nil {
					out = append(out, Problem{"6.1.27.6", jp("vulnerabilities", i, "product_status"), "a security advisory needs a product status for each vulnerability"})
				}
				continue
			}
			if len(aget(ps, "fixed"))+len(aget(ps, "known_affected"))+len(aget(ps, "known_not_affected"))+len(aget(ps, "under_investigation")) == 0 {
				out = append(out, Problem{"6.1.27.7", jp("vulnerabilities", i, "product_status"), "a VEX vulnerability needs one of fixed, known_affected, known_not_affected, under_investigation"})
			}
			if sget(v, "cve") == "" && len(aget(v, "ids")) == 0 {
				out = append(out, Problem{"6.1.27.8", jp("vulnerabilities", i), "a VEX vulnerability needs a cve or ids"})
			}
			impact := map[string]bool{}
			for _, f := range aget(v, "flags") {
				for _, id := range covered(f, groups) {
					impact[id] = true
				}
			}
			for _, t := range aget(v, "threats") {
				if sget(t, "category") == "impact" {
					for _, id := range covered(t, groups) {
						impact[id] = true
					}
				}
			}
			for j, id := range strs(aget(ps, "known_not_affected")) {
				if !impact[id] {
					out = append(out, Problem{"6.1.27.9", jp("vulnerabilities", i, "product_status", "known_not_affected", j), fmt.Sprintf("product %q is known_not_affected without an impact statement (flag or impact threat)", id)})
				}
			}
			action := map[string]bool{}
			for _, r := range aget(v, "remediations") {
				for _, id := range covered(r, groups) {
					action[id] = true
				}
			}
			for j, id := range strs(aget(ps, "known_affected")) {
				if !action[id] {
					out = append(out, Problem{"6.1.27.10", jp("vulnerabilities", i, "product_status", "known_affected", j), fmt.Sprintf("product %q is known_affected without an action statement (remediation)", id)})
				}
			}
		}
	}
	return out
}

// productReferences are 6.1.29 (a remediation names products or groups)
// and 6.1.32 (a flag does).
func productReferences(doc any) []Problem {
	var out []Problem
	for i, v := range aget(doc, "vulnerabilities") {
		for k, r := range aget(v, "remediations") {
			if len(aget(r, "product_ids")) == 0 && len(aget(r, "group_ids")) == 0 {
				out = append(out, Problem{"6.1.29", jp("vulnerabilities", i, "remediations", k), "the remediation names no product_ids or group_ids"})
			}
		}
		for k, f := range aget(v, "flags") {
			if len(aget(f, "product_ids")) == 0 && len(aget(f, "group_ids")) == 0 {
				out = append(out, Problem{"6.1.32", jp("vulnerabilities", i, "flags", k), "the flag names no product_ids or group_ids"})
			}
		}
	}
	return out
}

// multipleFlags is 6.1.33: one VEX justification flag per product and
// vulnerability.
func multipleFlags(doc any) []Problem {
	var out []Problem
	groups := groupMembers(doc)
	for i, v := range aget(doc, "vulnerabilities") {
		seen := map[string]int{}
		for k, f := range aget(v, "flags") {
			done := map[string]bool{}
			for _, id := range covered(f, groups) {
				if done[id] {
					continue
				}
				done[id] = true
				if first, ok := seen[id]; ok {
					out = append(out, Problem{"6.1.33", jp("vulnerabilities", i, "flags", k), fmt.Sprintf("product %q already has the flag flags[%d]", id, first)})
					continue
				}
				seen[id] = k
			}
		}
	}
	return out
}

// rangeWords are the words that make a product_version name a range
// (6.1.31), compared case-insensitively with each blank-separated word.
var rangeWords = map[string]bool{"after": true, "all": true, "before": true, "earlier": true, "later": true, "prior": true, "versions": true}

// versionRanges is 6.1.31: a product_version branch names one version,
// never a range (that is product_version_range's job).
func versionRanges(doc any) []Problem {
	var out []Problem
	branches(doc, func(b any, p string) {
		if sget(b, "category") == "product_version" {
			name := sget(b, "name")
			bad := strings.ContainsAny(name, "<>")
			for _, w := range strings.Fields(strings.ToLower(name)) {
				bad = bad || rangeWords[w]
			}
			if bad {
				out = append(out, Problem{"6.1.31", p + "/name", fmt.Sprintf("product_version %q is a version range: use product_version_range", name)})
			}
		}
	})
	return out
}

// branches calls fn for every branch of the product tree, depth first,
// with its pointer.
func branches(doc any, fn func(b any, ptr string)) {
	var walk func(bs []any, base string)
	walk = func(bs []any, base string) {
		for i, b := range bs {
			p := base + jp("branches", i)
			fn(b, p)
			walk(aget(b, "branches"), p)
		}
	}
	walk(aget(oget(doc, "product_tree"), "branches"), "/product_tree")
}
