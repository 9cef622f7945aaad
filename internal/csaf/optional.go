package csaf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Optional tests (CSAF 2.0 section 6.2). A document that fails one is
// still valid: the registry publishes and imports it and reports each
// failure as a warning with its test id and JSON pointer.

// Optional lists the optional tests implemented, by id and name (CSAF 2.0
// section 6.2; all twenty).
var Optional = []struct{ ID, Name string }{
	{"6.2.1", "Unused Definition of Product ID"},
	{"6.2.2", "Missing Remediation"},
	{"6.2.3", "Missing Score"},
	{"6.2.4", "Build Metadata in Revision History"},
	{"6.2.5", "Older Initial Release Date than Revision History"},
	{"6.2.6", "Older Current Release Date than Revision History"},
	{"6.2.7", "Missing Date in Involvements"},
	{"6.2.8", "Use of MD5 as the only Hash Algorithm"},
	{"6.2.9", "Use of SHA-1 as the only Hash Algorithm"},
	{"6.2.10", "Missing TLP label"},
	{"6.2.11", "Missing Canonical URL"},
	{"6.2.12", "Missing Document Language"},
	{"6.2.13", "Sorting"},
	{"6.2.14", "Use of Private Language"},
	{"6.2.15", "Use of Default Language"},
	{"6.2.16", "Missing Product Identification Helper"},
	{"6.2.17", "CVE in field IDs"},
	{"6.2.18", "Product Version Range without vers"},
	{"6.2.19", "CVSS for Fixed Products"},
	{"6.2.20", "Additional Properties"},
}

// OptionalTests runs the optional tests on one document; 6.2.20 only when
// schemas is not nil (it validates against the OASIS schema with every
// object closed to properties it does not define). A document that is not
// JSON is an error; run it after CheckBytes, on a document that passed.
func OptionalTests(data []byte, schemas *Schemas) ([]Problem, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var out []Problem
	var a Advisory
	if json.Unmarshal(data, &a) == nil && a.Document.Category != "csaf_informational_advisory" {
		out = append(out, unusedProducts(&a)...)
	}
	for _, t := range []func(any) []Problem{missingRemediationOrScore, revisionDates, involvementDates, weakHashes, documentFields,
		languageSubtags, identificationHelpers, cveInIDs, versRanges, fixedCVSS} {
		out = append(out, t(doc)...)
	}
	out = append(out, sorting(data)...)
	if schemas != nil {
		ps, err := schemas.validate(csafStrictSchemaURL, "6.2.20", doc)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	sort.SliceStable(out, func(i, j int) bool { return optionalOrder(out[i].Test) < optionalOrder(out[j].Test) })
	return out, nil
}

// optionalOrder is a test id's place in Optional.
func optionalOrder(id string) int {
	for i, t := range Optional {
		if t.ID == id {
			return i
		}
	}
	return len(Optional)
}

// unusedProducts is 6.2.1: each product ID defined is referenced
// somewhere in the document (but in an informational advisory, which
// speaks of every product of its tree).
func unusedProducts(a *Advisory) []Problem {
	used := map[string]bool{}
	for _, r := range productRefs(a) {
		used[r.id] = true
	}
	var out []Problem
	for _, d := range definitions(a.ProductTree) {
		if !used[d.id] {
			out = append(out, Problem{"6.2.1", d.ptr, fmt.Sprintf("product ID %q is defined but never referenced", d.id)})
		}
	}
	return out
}

// affectedLists are the product status lists of the Affected group;
// 6.2.2 adds under_investigation.
var affectedLists = []string{"first_affected", "known_affected", "last_affected"}

// missingRemediationOrScore is 6.2.2 (each affected or under
// investigation product has a remediation) and 6.2.3 (each affected
// product has a score).
func missingRemediationOrScore(doc any) []Problem {
	var out []Problem
	groups := groupMembers(doc)
	for i, v := range aget(doc, "vulnerabilities") {
		remedied, scored := map[string]bool{}, map[string]bool{}
		for _, r := range aget(v, "remediations") {
			for _, id := range covered(r, groups) {
				remedied[id] = true
			}
		}
		for _, s := range aget(v, "scores") {
			for _, id := range strs(aget(s, "products")) {
				scored[id] = true
			}
		}
		ps := oget(v, "product_status")
		for _, list := range append(affectedLists, "under_investigation") {
			for j, id := range strs(aget(ps, list)) {
				ptr := jp("vulnerabilities", i, "product_status", list, j)
				if !remedied[id] {
					out = append(out, Problem{"6.2.2", ptr, fmt.Sprintf("product %q is %s without a remediation", id, list)})
				}
				if list != "under_investigation" && !scored[id] {
					out = append(out, Problem{"6.2.3", ptr, fmt.Sprintf("product %q is %s without a score", id, list)})
				}
			}
		}
	}
	return out
}

// revisionDates are 6.2.4 (no build metadata in a revision number), 6.2.5
// (the initial release date is not older than the oldest revision) and
// 6.2.6 (the current release date is not older than the newest).
func revisionDates(doc any) []Problem {
	var out []Problem
	tr := oget(oget(doc, "document"), "tracking")
	var oldest, newest time.Time
	for k, r := range aget(tr, "revision_history") {
		if n := sget(r, "number"); strings.Contains(n, "+") {
			out = append(out, Problem{"6.2.4", jp("document", "tracking", "revision_history", k, "number"), fmt.Sprintf("revision number %q has build metadata", n)})
		}
		d, err := time.Parse(time.RFC3339, sget(r, "date"))
		if err != nil {
			continue
		}
		if oldest.IsZero() || d.Before(oldest) {
			oldest = d
		}
		if newest.IsZero() || d.After(newest) {
			newest = d
		}
	}
	if oldest.IsZero() {
		return out
	}
	if d, err := time.Parse(time.RFC3339, sget(tr, "initial_release_date")); err == nil && d.Before(oldest) {
		out = append(out, Problem{"6.2.5", "/document/tracking/initial_release_date", fmt.Sprintf("initial release %s is older than the oldest revision (%s)", d.Format(time.RFC3339), oldest.Format(time.RFC3339))})
	}
	if d, err := time.Parse(time.RFC3339, sget(tr, "current_release_date")); err == nil && d.Before(newest) {
		out = append(out, Problem{"6.2.6", "/document/tracking/current_release_date", fmt.Sprintf("current release %s is older than the newest revision (%s)", d.Format(time.RFC3339), newest.Format(time.RFC3339))})
	}
	return out
}

// involvementDates is 6.2.7: each involvement has a date.
func involvementDates(doc any) []Problem {
	var out []Problem
	for i, v := range aget(doc, "vulnerabilities") {
		for k, inv := range aget(v, "involvements") {
			if sget(inv, "date") == "" {
				out = append(out, Problem{"6.2.7", jp("vulnerabilities", i, "involvements", k), "the involvement has no date"})
			}
		}
	}
	return out
}

// weakHashes are 6.2.8 and 6.2.9: a file's hashes are not MD5 only or
// SHA-1 only.
func weakHashes(doc any) []Problem {
	var out []Problem
	fileHashes(doc, func(hash any, ptr string) {
		algs := map[string]bool{}
		for _, fh := range aget(hash, "file_hashes") {
			algs[strings.ToLower(sget(fh, "algorithm"))] = true
		}
		switch {
		case len(algs) != 1:
		case algs["md5"]:
			out = append(out, Problem{"6.2.8", ptr + "/file_hashes", "MD5 is the only hash algorithm of " + sget(hash, "filename")})
		case algs["sha1"]:
			out = append(out, Problem{"6.2.9", ptr + "/file_hashes", "SHA-1 is the only hash algorithm of " + sget(hash, "filename")})
		}
	})
	return out
}

// documentFields are 6.2.10 (a TLP label), 6.2.11 (a canonical URL: a
// self reference over https ending in the document's file name, section
// 5.1) and 6.2.12 (a document language).
func documentFields(doc any) []Problem {
	var out []Problem
	d := oget(doc, "document")
	if sget(oget(oget(d, "distribution"), "tlp"), "label") == "" {
		out = append(out, Problem{"6.2.10", "/document/distribution/tlp/label", "the document has no TLP label"})
	}
	name := "/" + FileName(sget(oget(d, "tracking"), "id"))
	canonical := false
	for _, r := range aget(d, "references") {
		u := sget(r, "url")
		canonical = canonical || (sget(r, "category") == "self" && strings.HasPrefix(u, "https://") && strings.HasSuffix(u, name))
	}
	if !canonical {
		out = append(out, Problem{"6.2.11", "/document/references", "no self reference is the canonical URL (https://…" + name + ")"})
	}
	if _, ok := d["lang"]; !ok {
		out = append(out, Problem{"6.2.12", "/document/lang", "the document has no language"})
	}
	return out
}

// languageSubtags are 6.2.14 (no subtag reserved for private use) and
// 6.2.15 (not the default language i-default) on lang and source_lang.
func languageSubtags(doc any) []Problem {
	var out []Problem
	d := oget(doc, "document")
	for _, f := range []string{"lang", "source_lang"} {
		tag := sget(d, f)
		if tag == "" {
			continue
		}
		if strings.EqualFold(tag, "i-default") {
			out = append(out, Problem{"6.2.15", "/document/" + f, "i-default is the default language, not a language"})
			continue
		}
		if sub := privateSubtag(tag); sub != "" {
			out = append(out, Problem{"6.2.14", "/document/" + f, fmt.Sprintf("%q has the subtag %q reserved for private use", tag, sub)})
		}
	}
	return out
}

// privateSubtag returns the first subtag of a BCP 47 tag that is reserved
// for private use (RFC 5646: languages qaa–qtz, scripts Qaaa–Qabx, regions
// AA, QM–QZ, XA–XZ and ZZ, and the x singleton), or "".
func privateSubtag(tag string) string {
	for i, s := range strings.Split(tag, "-") {
		l := strings.ToLower(s)
		switch {
		case l == "x":
			return s
		case i == 0 && len(l) == 3 && l[0] == 'q' && l[1] >= 'a' && l[1] <= 't':
			return s
		case i > 0 && len(l) == 4 && l >= "qaaa" && l <= "qabx":
			return s
		case i > 0 && len(l) == 2 && (l == "aa" || l == "zz" || (l[0] == 'q' && l[1] >= 'm') || l[0] == 'x'):
			return s
		case i > 0 && len(l) == 1:
			return "" // an extension: what follows is not a region or script
		}
	}
	return ""
}

// identificationHelpers is 6.2.16: each full product name has a product
// identification helper.
func identificationHelpers(doc any) []Problem {
	var out []Problem
	products(doc, func(p obj, ptr string) {
		if _, ok := p["product_identification_helper"]; !ok {
			out = append(out, Problem{"6.2.16", ptr, fmt.Sprintf("product %q has no product identification helper", sget(p, "product_id"))})
		}
	})
	return out
}

var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// cveInIDs is 6.2.17: a CVE is given as cve, not among ids.
func cveInIDs(doc any) []Problem {
	var out []Problem
	for i, v := range aget(doc, "vulnerabilities") {
		for k, id := range aget(v, "ids") {
			if t := sget(id, "text"); cveID.MatchString(t) {
				out = append(out, Problem{"6.2.17", jp("vulnerabilities", i, "ids", k, "text"), t + " is a CVE: give it as cve"})
			}
		}
	}
	return out
}

// versRanges is 6.2.18: a product_version_range branch is a vers range.
func versRanges(doc any) []Problem {
	var out []Problem
	branches(doc, func(b any, p string) {
		if name := sget(b, "name"); sget(b, "category") == "product_version_range" && !strings.HasPrefix(name, "vers:") {
			out = append(out, Problem{"6.2.18", p + "/name", fmt.Sprintf("product_version_range %q is not a vers range", name)})
		}
	})
	return out
}

// fixedCVSS is 6.2.19: a CVSS score of a fixed product says, in its
// environmental metrics, that the product is not affected: CVSS v3 with
// the modified confidentiality, integrity and availability impacts None,
// CVSS v2 with the target distribution None (each in the vector or as a
// property).
func fixedCVSS(doc any) []Problem {
	var out []Problem
	for i, v := range aget(doc, "vulnerabilities") {
		fixed := map[string]bool{}
		ps := oget(v, "product_status")
		for _, list := range []string{"first_fixed", "fixed"} {
			for _, id := range strs(aget(ps, list)) {
				fixed[id] = true
			}
		}
		for k, s := range aget(v, "scores") {
			var hit string
			for _, id := range strs(aget(s, "products")) {
				if fixed[id] {
					hit = id
					break
				}
			}
			if hit == "" {
				continue
			}
			for _, name := range []string{"cvss_v3", "cvss_v2"} {
				c := oget(s, name)
				if c == nil || environmentNone(name, c) {
					continue
				}
				out = append(out, Problem{"6.2.19", jp("vulnerabilities", i, "scores", k, name), fmt.Sprintf("fixed product %q has a %s score whose environmental metrics do not say not affected", hit, name)})
			}
		}
	}
	return out
}

// environmentNone reports whether a CVSS object's environmental metrics
// reduce its score to 0 (see fixedCVSS).
func environmentNone(name string, c obj) bool {
	metrics := map[string]string{}
	for _, m := range strings.Split(sget(c, "vectorString"), "/") {
		if k, v, ok := strings.Cut(m, ":"); ok {
			metrics[k] = v
		}
	}
	none := func(metric, property string) bool { return metrics[metric] == "N" || sget(c, property) == "NONE" }
	if name == "cvss_v2" {
		return none("TD", "targetDistribution")
	}
	return none("MC", "modifiedConfidentialityImpact") && none("MI", "modifiedIntegrityImpact") && none("MA", "modifiedAvailabilityImpact")
}

// sorting is 6.2.13: the keys of every object are in alphabetical order
// (read from the bytes: decoding loses their order). It names the first
// objects out of order and counts the rest.
func sorting(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []Problem
	unsorted := 0
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			prev := ""
			reported := false
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				if k < prev && !reported {
					unsorted++
					if unsorted <= maxUnsorted {
						out = append(out, Problem{"6.2.13", path + "/" + escapeToken(k), fmt.Sprintf("key %q comes after %q: the keys are not sorted", k, prev)})
					}
					reported = true
				}
				prev = k
				if err := walk(path + "/" + escapeToken(k)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s/%d", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(""); err != nil && err != io.EOF {
		return nil
	}
	if unsorted > maxUnsorted {
		out = append(out, Problem{"6.2.13", "", fmt.Sprintf("and %d more objects whose keys are not sorted", unsorted-maxUnsorted)})
	}
	return out
}

// maxUnsorted is how many objects 6.2.13 names before it only counts.
const maxUnsorted = 10

// Marshal encodes a document as indented JSON, ending in a newline, with
// the keys of every object in alphabetical order, as optional test 6.2.13
// asks (encoding/json writes a struct's fields in declaration order and a
// map's keys sorted, so the document goes through a map once).
func Marshal(a *Advisory) ([]byte, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
