package csaf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Problem is one failed check: the test id ("schema" or a CSAF 2.0
// section 6.1 id such as "6.1.1"), the JSON pointer and a message.
type Problem struct {
	Test    string `json:"test"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// String formats a problem as "test pointer: message".
func (p Problem) String() string { return p.Test + " " + p.Pointer + ": " + p.Message }

// Mandatory lists the mandatory tests implemented, by id and name
// (CSAF 2.0 section 6.1).
var Mandatory = []struct{ ID, Name string }{
	{"6.1.1", "Missing Definition of Product ID"},
	{"6.1.2", "Multiple Definition of Product ID"},
	{"6.1.3", "Circular Definition of Product ID"},
	{"6.1.4", "Missing Definition of Product Group ID"},
	{"6.1.5", "Multiple Definition of Product Group ID"},
	{"6.1.6", "Contradicting Product Status"},
	{"6.1.7", "Multiple Scores with same Version per Product"},
	{"6.1.8", "Invalid CVSS"},
	{"6.1.9", "Invalid CVSS computation"},
	{"6.1.10", "Inconsistent CVSS"},
	{"6.1.12", "Language"},
	{"6.1.13", "purl"},
	{"6.1.14", "Sorted Revision History"},
	{"6.1.15", "Translator"},
	{"6.1.16", "Latest Document Version"},
	{"6.1.17", "Document Status Draft"},
	{"6.1.18", "Released Revision History"},
	{"6.1.19", "Revision History Entries for Pre-release Versions"},
	{"6.1.20", "Non-draft Document Version"},
	{"6.1.21", "Missing Item in Revision History"},
	{"6.1.22", "Multiple Definition in Revision History"},
	{"6.1.23", "Multiple Use of Same CVE"},
	{"6.1.24", "Multiple Definition in Involvements"},
	{"6.1.25", "Multiple Use of Same Hash Algorithm"},
	{"6.1.26", "Prohibited Document Category Name"},
	{"6.1.27.1", "Document Notes"},
	{"6.1.27.2", "Document References"},
	{"6.1.27.3", "Vulnerabilities (informational advisory)"},
	{"6.1.27.4", "Product Tree"},
	{"6.1.27.5", "Vulnerability Notes"},
	{"6.1.27.6", "Product Status"},
	{"6.1.27.7", "VEX Product Status"},
	{"6.1.27.8", "Vulnerability ID"},
	{"6.1.27.9", "Impact Statement"},
	{"6.1.27.10", "Action Statement"},
	{"6.1.27.11", "Vulnerabilities (security advisory, VEX)"},
	{"6.1.28", "Translation"},
	{"6.1.29", "Remediation without Product Reference"},
	{"6.1.30", "Mixed Integer and Semantic Versioning"},
	{"6.1.31", "Version Range in Product Version"},
	{"6.1.32", "Flag without Product Reference"},
	{"6.1.33", "Multiple Flags with VEX Justification Codes per Product"},
}

type ref struct{ id, ptr string }

func jp(parts ...any) string {
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteByte('/')
		switch v := p.(type) {
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			b.WriteString(fmt.Sprint(v))
		}
	}
	return b.String()
}

// definitions returns every product ID definition with its pointer.
func definitions(pt *ProductTree) []ref {
	if pt == nil {
		return nil
	}
	var out []ref
	var walk func(bs []Branch, base string)
	walk = func(bs []Branch, base string) {
		for i, b := range bs {
			p := base + jp("branches", i)
			if b.Product != nil {
				out = append(out, ref{b.Product.ProductID, p + "/product/product_id"})
			}
			walk(b.Branches, p)
		}
	}
	walk(pt.Branches, "/product_tree")
	for i, f := range pt.FullProductNames {
		out = append(out, ref{f.ProductID, jp("product_tree", "full_product_names", i, "product_id")})
	}
	for i, r := range pt.Relationships {
		out = append(out, ref{r.FullProductName.ProductID, jp("product_tree", "relationships", i, "full_product_name", "product_id")})
	}
	return out
}

// statusGroups are the product-status lists of 6.1.6, by contradiction group.
func statusLists(ps *ProductStatus) []struct {
	name, group string
	ids         []string
} {
	return []struct {
		name, group string
		ids         []string
	}{
		{"first_affected", "affected", ps.FirstAffected},
		{"known_affected", "affected", ps.KnownAffected},
		{"last_affected", "affected", ps.LastAffected},
		{"known_not_affected", "not affected", ps.KnownNotAffected},
		{"first_fixed", "fixed", ps.FirstFixed},
		{"fixed", "fixed", ps.Fixed},
		{"under_investigation", "under investigation", ps.UnderInvestigation},
		{"recommended", "", ps.Recommended},
	}
}

// appendRefs adds one reference per ID, at pointer parts/<index>.
func appendRefs(out []ref, ids []string, parts ...any) []ref {
	for j, id := range ids {
		out = append(out, ref{id, jp(append(parts, j)...)})
	}
	return out
}

// productRefs returns every use of a product ID with its pointer.
func productRefs(a *Advisory) []ref {
	var out []ref
	add := func(ids []string, parts ...any) { out = appendRefs(out, ids, parts...) }
	if pt := a.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			add(g.ProductIDs, "product_tree", "product_groups", i, "product_ids")
		}
		for i, r := range pt.Relationships {
			out = append(out, ref{r.ProductReference, jp("product_tree", "relationships", i, "product_reference")},
				ref{r.RelatesToProductReference, jp("product_tree", "relationships", i, "relates_to_product_reference")})
		}
	}
	for i, v := range a.Vulnerabilities {
		if v.ProductStatus != nil {
			for _, l := range statusLists(v.ProductStatus) {
				add(l.ids, "vulnerabilities", i, "product_status", l.name)
			}
		}
		for k, r := range v.Remediations {
			add(r.ProductIDs, "vulnerabilities", i, "remediations", k, "product_ids")
		}
		for k, s := range v.Scores {
			add(s.Products, "vulnerabilities", i, "scores", k, "products")
		}
		for k, t := range v.Threats {
			add(t.ProductIDs, "vulnerabilities", i, "threats", k, "product_ids")
		}
		for k, f := range v.Flags {
			add(f.ProductIDs, "vulnerabilities", i, "flags", k, "product_ids")
		}
	}
	return out
}

func groupRefs(a *Advisory) []ref {
	var out []ref
	add := func(ids []string, parts ...any) { out = appendRefs(out, ids, parts...) }
	for i, v := range a.Vulnerabilities {
		for k, r := range v.Remediations {
			add(r.GroupIDs, "vulnerabilities", i, "remediations", k, "group_ids")
		}
		for k, t := range v.Threats {
			add(t.GroupIDs, "vulnerabilities", i, "threats", k, "group_ids")
		}
		for k, f := range v.Flags {
			add(f.GroupIDs, "vulnerabilities", i, "flags", k, "group_ids")
		}
	}
	return out
}

// missingAndMultiple implements the pair "missing definition" /
// "multiple definition" over definitions and uses.
func missingAndMultiple(defs, uses []ref, missingTest, multipleTest, what string) []Problem {
	var out []Problem
	seen := map[string]string{}
	for _, d := range defs {
		if first, ok := seen[d.id]; ok {
			out = append(out, Problem{multipleTest, d.ptr, fmt.Sprintf("%s %q already defined at %s", what, d.id, first)})
			continue
		}
		seen[d.id] = d.ptr
	}
	for _, u := range uses {
		if _, ok := seen[u.id]; !ok {
			out = append(out, Problem{missingTest, u.ptr, fmt.Sprintf("%s %q is not defined", what, u.id)})
		}
	}
	return out
}

// MandatoryTests runs tests 6.1.1–6.1.7 on a decoded document, and 6.1.8
// when schemas is not nil.
func MandatoryTests(a *Advisory, schemas *Schemas) ([]Problem, error) {
	out := missingAndMultiple(definitions(a.ProductTree), productRefs(a), "6.1.1", "6.1.2", "product ID")
	var groups []ref
	if pt := a.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			groups = append(groups, ref{g.GroupID, jp("product_tree", "product_groups", i, "group_id")})
		}
		// 6.1.3: a relationship may not define a product from itself.
		for i, r := range pt.Relationships {
			id := r.FullProductName.ProductID
			if id == r.ProductReference || id == r.RelatesToProductReference {
				out = append(out, Problem{"6.1.3", jp("product_tree", "relationships", i, "full_product_name", "product_id"),
					fmt.Sprintf("product ID %q is defined by a relationship that refers to itself", id)})
			}
		}
	}
	out = append(out, missingAndMultiple(groups, groupRefs(a), "6.1.4", "6.1.5", "product group ID")...)
	for i, v := range a.Vulnerabilities {
		if v.ProductStatus != nil {
			group := map[string]string{}
			for _, l := range statusLists(v.ProductStatus) {
				if l.group == "" {
					continue
				}
				for j, id := range l.ids {
					if g, ok := group[id]; ok && g != l.group {
						out = append(out, Problem{"6.1.6", jp("vulnerabilities", i, "product_status", l.name, j),
							fmt.Sprintf("product ID %q is both %s and %s", id, g, l.group)})
						continue
					}
					group[id] = l.group
				}
			}
		}
		seen := map[string]int{}
		for k, s := range v.Scores {
			for _, raw := range []json.RawMessage{s.CVSSv2, s.CVSSv3} {
				if len(raw) == 0 {
					continue
				}
				var head struct {
					Version string `json:"version"`
				}
				_ = json.Unmarshal(raw, &head)
				for j, p := range s.Products {
					key := p + "\x00" + head.Version
					if first, ok := seen[key]; ok {
						out = append(out, Problem{"6.1.7", jp("vulnerabilities", i, "scores", k, "products", j),
							fmt.Sprintf("product ID %q already has a CVSS %s score in scores[%d]", p, head.Version, first)})
						continue
					}
					seen[key] = k
				}
			}
		}
		if schemas != nil {
			ps, err := cvssProblems(schemas, v.Scores, i)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Test < out[j].Test })
	return out, nil
}

// cvssSchema maps a CVSS object's version to the FIRST schema.
var cvssSchema = map[string]string{
	"2.0": "https://www.first.org/cvss/cvss-v2.0.json",
	"3.0": "https://www.first.org/cvss/cvss-v3.0.json",
	"3.1": "https://www.first.org/cvss/cvss-v3.1.json",
}

// cvssProblems is test 6.1.8: each CVSS object validates against the FIRST
// schema of its version.
func cvssProblems(schemas *Schemas, scores []Score, vi int) ([]Problem, error) {
	var out []Problem
	for k, s := range scores {
		for name, raw := range map[string]json.RawMessage{"cvss_v2": s.CVSSv2, "cvss_v3": s.CVSSv3} {
			if len(raw) == 0 {
				continue
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				out = append(out, Problem{"6.1.8", jp("vulnerabilities", vi, "scores", k, name), err.Error()})
				continue
			}
			ver, _ := v.(map[string]any)["version"].(string)
			url, ok := cvssSchema[ver]
			if !ok || (name == "cvss_v2") != (ver == "2.0") {
				out = append(out, Problem{"6.1.8", jp("vulnerabilities", vi, "scores", k, name, "version"), fmt.Sprintf("CVSS version %q not valid in %s", ver, name)})
				continue
			}
			ps, err := schemas.validate(url, "6.1.8", v)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				p.Pointer = jp("vulnerabilities", vi, "scores", k, name) + p.Pointer
				out = append(out, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out, nil
}

// MaxDocumentBytes bounds a CSAF document read whole (Check).
const MaxDocumentBytes = 64 << 20

// Check reads one CSAF document and runs the schema and the mandatory
// tests. A document that is not JSON gives an error; schema and test
// failures are problems.
func Check(r io.Reader, schemas *Schemas) ([]Problem, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxDocumentBytes)
	}
	return CheckBytes(data, schemas)
}

// CheckBytes is Check on a document in memory.
func CheckBytes(data []byte, schemas *Schemas) ([]Problem, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	out, err := schemas.validate(CSAFSchemaURL, "schema", v)
	if err != nil {
		return nil, err
	}
	var a Advisory
	if err := json.Unmarshal(data, &a); err != nil {
		// The schema already reported the mistyped field.
		if len(out) == 0 {
			out = append(out, Problem{"schema", "", err.Error()})
		}
		return out, nil
	}
	ps, err := MandatoryTests(&a, schemas)
	if err != nil {
		return nil, err
	}
	out = append(out, ps...)
	return append(out, moreMandatoryTests(v)...), nil
}
