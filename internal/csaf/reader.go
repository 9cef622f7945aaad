package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Entry is an advisory read for matching: its identity, every product of
// its product tree in matchable form, and per vulnerability the product IDs
// by status.
type Entry struct {
	TrackingID      string       `json:"trackingId"`
	Title           string       `json:"title"`
	Category        string       `json:"category"`
	Publisher       string       `json:"publisher"`
	Released        string       `json:"released"`
	Products        []Product    `json:"products"`
	Vulnerabilities []VulnStatus `json:"vulnerabilities"`
}

// Product is one product ID of a product tree with what identifies it:
// the branch path (vendor, family, name, version or version range,
// architecture), the identification helper (CPE, purl, model numbers,
// SKUs) and whether its names say hardware or firmware.
type Product struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Vendor       string   `json:"vendor,omitempty"`
	Family       string   `json:"family,omitempty"`
	ProductName  string   `json:"productName,omitempty"`
	Version      string   `json:"version,omitempty"`
	VersionRange string   `json:"versionRange,omitempty"`
	Architecture string   `json:"architecture,omitempty"`
	CPE          string   `json:"cpe,omitempty"`
	PURL         string   `json:"purl,omitempty"`
	ModelNumbers []string `json:"modelNumbers,omitempty"`
	SKUs         []string `json:"skus,omitempty"`
	// Kind is "firmware" or "hardware" when a branch or product name says
	// so, else empty.
	Kind string `json:"kind,omitempty"`
	// Relationship is set for products defined by a relationship.
	Relationship *Rel `json:"relationship,omitempty"`
}

// Rel is the relationship that defines a product.
type Rel struct {
	Category  string `json:"category"`
	Product   string `json:"product"`
	RelatesTo string `json:"relatesTo"`
}

// VulnStatus is one vulnerability's IDs and product IDs by status.
type VulnStatus struct {
	CVE                string   `json:"cve,omitempty"`
	IDs                []string `json:"ids,omitempty"`
	Affected           []string `json:"affected,omitempty"` // first_affected, known_affected, last_affected
	Fixed              []string `json:"fixed,omitempty"`    // first_fixed, fixed
	NotAffected        []string `json:"notAffected,omitempty"`
	UnderInvestigation []string `json:"underInvestigation,omitempty"`
	// Scores are the vulnerability's CVSS base scores and severities by
	// product (CVSS v3 where given, else v2), Remediations its
	// remediations by product: what a finding on a device shows.
	Scores       []ProductScore       `json:"scores,omitempty"`
	Remediations []ProductRemediation `json:"remediations,omitempty"`
}

// ProductScore is one CVSS score of a vulnerability and the product IDs it
// is for.
type ProductScore struct {
	Products []string `json:"products"`
	Version  string   `json:"version"`
	Score    float64  `json:"score"`
	// Severity is the CVSS v3 baseSeverity in lower case ("" for v2,
	// which has none).
	Severity string `json:"severity,omitempty"`
	Vector   string `json:"vector,omitempty"`
}

// ProductRemediation is one remediation of a vulnerability and the product
// IDs it is for.
type ProductRemediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	URL        string   `json:"url,omitempty"`
	ProductIDs []string `json:"productIds,omitempty"`
}

// Limits bound what Read accepts from one document.
type Limits struct {
	MaxDepth    int // branch nesting; default 32
	MaxProducts int // product IDs; default 1,000,000
}

// ReadError is a read failure with the JSON pointer and byte offset.
type ReadError struct {
	Pointer string
	Offset  int64
	Err     error
}

// Error implements error.
func (e *ReadError) Error() string {
	return fmt.Sprintf("%s (offset %d): %v", e.Pointer, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *ReadError) Unwrap() error { return e.Err }

type reader struct {
	dec *json.Decoder
	lim Limits
	e   *Entry
}

func (r *reader) fail(ptr string, err error) error {
	var re *ReadError
	if errors.As(err, &re) {
		return err
	}
	return &ReadError{Pointer: ptr, Offset: r.dec.InputOffset(), Err: err}
}

// Read streams one CSAF document: the product tree is walked token by
// token (branches need not list category and name before their children),
// vulnerabilities are decoded one at a time keeping only IDs and product
// status, and every other member is skipped without being kept, so memory
// grows with the products and the largest single vulnerability, not with
// the document.
func Read(in io.Reader, lim Limits) (*Entry, error) {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = 32
	}
	if lim.MaxProducts <= 0 {
		lim.MaxProducts = 1_000_000
	}
	r := &reader{dec: json.NewDecoder(in), lim: lim, e: &Entry{}}
	r.dec.UseNumber()
	err := r.object("", func(key, ptr string) error {
		switch key {
		case "document":
			var d struct {
				Category  string    `json:"category"`
				Title     string    `json:"title"`
				Publisher Publisher `json:"publisher"`
				Tracking  struct {
					ID                 string `json:"id"`
					InitialReleaseDate string `json:"initial_release_date"`
				} `json:"tracking"`
			}
			if err := r.dec.Decode(&d); err != nil {
				return r.fail(ptr, err)
			}
			r.e.Category, r.e.Title, r.e.Publisher = d.Category, d.Title, d.Publisher.Name
			r.e.TrackingID, r.e.Released = d.Tracking.ID, d.Tracking.InitialReleaseDate
			return nil
		case "product_tree":
			return r.productTree(ptr)
		case "vulnerabilities":
			return r.array(ptr, func(i int, p string) error { return r.vulnerability(p) })
		}
		return r.skip(ptr)
	})
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, r.fail("", fmt.Errorf("data after the document"))
	}
	if r.e.TrackingID == "" {
		return nil, r.fail("/document/tracking/id", fmt.Errorf("missing"))
	}
	return r.e, nil
}

// delim reads one token and checks it is the delimiter d.
func (r *reader) delim(ptr string, d json.Delim) error {
	t, err := r.dec.Token()
	if err != nil {
		return r.fail(ptr, err)
	}
	if t != d {
		return r.fail(ptr, fmt.Errorf("want %q, found %v", d, t))
	}
	return nil
}

func (r *reader) object(ptr string, member func(key, ptr string) error) error {
	if err := r.delim(ptr, '{'); err != nil {
		return err
	}
	for r.dec.More() {
		t, err := r.dec.Token()
		if err != nil {
			return r.fail(ptr, err)
		}
		key, _ := t.(string)
		if err := member(key, ptr+"/"+escapeToken(key)); err != nil {
			return err
		}
	}
	return r.delim(ptr, '}')
}

func (r *reader) array(ptr string, item func(i int, ptr string) error) error {
	if err := r.delim(ptr, '['); err != nil {
		return err
	}
	for i := 0; r.dec.More(); i++ {
		if err := item(i, ptr+"/"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return r.delim(ptr, ']')
}

// skip consumes one value without keeping it.
func (r *reader) skip(ptr string) error {
	depth := 0
	for {
		t, err := r.dec.Token()
		if err != nil {
			return r.fail(ptr, err)
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func (r *reader) add(ptr string, p Product) error {
	if len(r.e.Products) >= r.lim.MaxProducts {
		return r.fail(ptr, fmt.Errorf("more than %d products", r.lim.MaxProducts))
	}
	r.e.Products = append(r.e.Products, p)
	return nil
}

func (r *reader) productTree(ptr string) error {
	return r.object(ptr, func(key, p string) error {
		switch key {
		case "branches":
			return r.array(p, func(i int, bp string) error { return r.branch(bp, 1) })
		case "full_product_names":
			return r.array(p, func(i int, fp string) error {
				var f FullProductName
				if err := r.dec.Decode(&f); err != nil {
					return r.fail(fp, err)
				}
				return r.add(fp, fromFull(f))
			})
		case "relationships":
			return r.array(p, func(i int, rp string) error {
				var rel Relationship
				if err := r.dec.Decode(&rel); err != nil {
					return r.fail(rp, err)
				}
				pr := fromFull(rel.FullProductName)
				pr.Relationship = &Rel{Category: rel.Category, Product: rel.ProductReference, RelatesTo: rel.RelatesToProductReference}
				return r.add(rp, pr)
			})
		}
		return r.skip(p)
	})
}

func fromFull(f FullProductName) Product {
	p := Product{ID: f.ProductID, Name: f.Name}
	if h := f.Helper; h != nil {
		p.CPE, p.PURL, p.ModelNumbers, p.SKUs = h.CPE, h.PURL, h.ModelNumbers, h.SKUs
	}
	p.Kind = kindOf(f.Name)
	return p
}

func kindOf(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "firmware"):
		return "firmware"
	case strings.Contains(n, "hardware"):
		return "hardware"
	}
	return ""
}

// branch walks one branch. The products found below it are those added
// to the entry after start; when the branch's category and name are known
// (which may be after its children), they fill the products' empty fields.
func (r *reader) branch(ptr string, depth int) error {
	if depth > r.lim.MaxDepth {
		return r.fail(ptr, fmt.Errorf("branches nested deeper than %d", r.lim.MaxDepth))
	}
	start := len(r.e.Products)
	var category, name string
	err := r.object(ptr, func(key, p string) error {
		switch key {
		case "category", "name":
			var s string
			if err := r.dec.Decode(&s); err != nil {
				return r.fail(p, err)
			}
			if key == "category" {
				category = s
			} else {
				name = s
			}
			return nil
		case "branches":
			return r.array(p, func(i int, bp string) error { return r.branch(bp, depth+1) })
		case "product":
			var f FullProductName
			if err := r.dec.Decode(&f); err != nil {
				return r.fail(p, err)
			}
			return r.add(p, fromFull(f))
		}
		return r.skip(p)
	})
	if err != nil {
		return err
	}
	for i := start; i < len(r.e.Products); i++ {
		pr := &r.e.Products[i]
		var field *string
		switch category {
		case "vendor":
			field = &pr.Vendor
		case "product_family":
			field = &pr.Family
		case "product_name":
			field = &pr.ProductName
		case "product_version":
			field = &pr.Version
		case "product_version_range":
			field = &pr.VersionRange
		case "architecture":
			field = &pr.Architecture
		}
		if field != nil && *field == "" {
			*field = name
		}
		if pr.Kind == "" {
			pr.Kind = kindOf(name)
		}
	}
	return nil
}

func (r *reader) vulnerability(ptr string) error {
	var v struct {
		CVE string `json:"cve"`
		IDs []struct {
			Text string `json:"text"`
		} `json:"ids"`
		ProductStatus *ProductStatus `json:"product_status"`
		Scores        []struct {
			Products []string `json:"products"`
			CVSSv3   *struct {
				Version      string  `json:"version"`
				BaseScore    float64 `json:"baseScore"`
				BaseSeverity string  `json:"baseSeverity"`
				Vector       string  `json:"vectorString"`
			} `json:"cvss_v3"`
			CVSSv2 *struct {
				Version   string  `json:"version"`
				BaseScore float64 `json:"baseScore"`
				Vector    string  `json:"vectorString"`
			} `json:"cvss_v2"`
		} `json:"scores"`
		Remediations []Remediation `json:"remediations"`
	}
	if err := r.dec.Decode(&v); err != nil {
		return r.fail(ptr, err)
	}
	vs := VulnStatus{CVE: v.CVE}
	for _, id := range v.IDs {
		vs.IDs = append(vs.IDs, id.Text)
	}
	if ps := v.ProductStatus; ps != nil {
		vs.Affected = concat(ps.FirstAffected, ps.KnownAffected, ps.LastAffected)
		vs.Fixed = concat(ps.FirstFixed, ps.Fixed)
		vs.NotAffected, vs.UnderInvestigation = ps.KnownNotAffected, ps.UnderInvestigation
	}
	for _, sc := range v.Scores {
		switch {
		case sc.CVSSv3 != nil:
			vs.Scores = append(vs.Scores, ProductScore{Products: sc.Products, Version: sc.CVSSv3.Version, Score: sc.CVSSv3.BaseScore,
				Severity: strings.ToLower(sc.CVSSv3.BaseSeverity), Vector: sc.CVSSv3.Vector})
		case sc.CVSSv2 != nil:
			vs.Scores = append(vs.Scores, ProductScore{Products: sc.Products, Version: sc.CVSSv2.Version, Score: sc.CVSSv2.BaseScore, Vector: sc.CVSSv2.Vector})
		}
	}
	for _, rm := range v.Remediations {
		vs.Remediations = append(vs.Remediations, ProductRemediation{Category: rm.Category, Details: rm.Details, URL: rm.URL, ProductIDs: rm.ProductIDs})
	}
	r.e.Vulnerabilities = append(r.e.Vulnerabilities, vs)
	return nil
}

func concat(ls ...[]string) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l...)
	}
	return out
}

var tokenEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escapeToken escapes a JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return tokenEscaper.Replace(s)
}
