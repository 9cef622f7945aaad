package vex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/fsread"
)

// maxDocument bounds what Parse reads (a CSAF document of Red Hat's runs to
// a few MB).
const maxDocument = 256 << 20

// Document is a VEX file as read: where it is, the SHA-256 of its bytes
// (for an assessment's list of inputs) and its statements.
type Document struct {
	// Path is the file, as the caller named it.
	Path string
	// SHA256 is the hex SHA-256 of the bytes the statements were read from.
	SHA256 string
	// Statements are the document's statements.
	Statements []Statement
}

// LoadDocument reads a VEX document from a file once: its statements and
// the digest of the same bytes.
func LoadDocument(path string) (*Document, error) {
	data, err := fsread.ReadFile(path, "VEX document", maxDocument)
	if err != nil {
		return nil, fmt.Errorf("vex: %w", err)
	}
	st, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &Document{Path: path, SHA256: hex.EncodeToString(sum[:]), Statements: st}, nil
}

// Load reads a VEX document from a file and returns its statements.
func Load(path string) ([]Statement, error) {
	d, err := LoadDocument(path)
	if err != nil {
		return nil, err
	}
	return d.Statements, nil
}

// Statements returns the statements of the documents, in order.
func Statements(docs []*Document) []Statement {
	var out []Statement
	for _, d := range docs {
		out = append(out, d.Statements...)
	}
	return out
}

// Parse reads an OpenVEX (v0.0.1, v0.2.0), CycloneDX VEX (JSON) or CSAF VEX
// (2.0) document; name is used in errors and in each statement's Source.
func Parse(data []byte, name string) ([]Statement, error) {
	if len(data) > maxDocument {
		return nil, fmt.Errorf("vex %s: %d bytes is larger than the %d MiB limit", name, len(data), maxDocument>>20)
	}
	var probe struct {
		Context   json.RawMessage `json:"@context"`
		BOMFormat string          `json:"bomFormat"`
		Document  *struct {
			CSAFVersion string `json:"csaf_version"`
			Category    string `json:"category"`
		} `json:"document"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("vex %s: not a JSON VEX document (OpenVEX, CycloneDX or CSAF): %s", name, jsonErr(data, err))
	}
	var (
		out []Statement
		err error
	)
	switch {
	case bytes.Contains(probe.Context, []byte("openvex")):
		out, err = parseOpenVEX(data, name)
	case probe.BOMFormat == "CycloneDX":
		out, err = parseCycloneDX(data, name)
	case probe.Document != nil && probe.Document.CSAFVersion != "":
		out, err = parseCSAF(data, name)
	default:
		return nil, fmt.Errorf("vex %s: neither OpenVEX (@context), CycloneDX (bomFormat) nor CSAF (document.csaf_version): give a VEX document", name)
	}
	if err != nil {
		return nil, fmt.Errorf("vex %s: %w", name, err)
	}
	return out, nil
}

// jsonErr adds the line of a syntax error.
func jsonErr(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, err)
	}
	return err.Error()
}

// normStatus maps status words of every format to the OpenVEX statuses.
func normStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "not_affected", "known_not_affected", "false_positive":
		return StatusNotAffected
	case "affected", "known_affected", "exploitable":
		return StatusAffected
	case "fixed", "resolved", "resolved_with_pedigree", "first_fixed":
		return StatusFixed
	case "under_investigation", "in_triage":
		return StatusUnderInvestigation
	}
	return ""
}

type openVEXDoc struct {
	Timestamp  string `json:"timestamp"`
	Statements []struct {
		Vulnerability json.RawMessage   `json:"vulnerability"`
		Products      []json.RawMessage `json:"products"`
		Status        string            `json:"status"`
		Justification string            `json:"justification"`
		Impact        string            `json:"impact_statement"`
		Action        string            `json:"action_statement"`
		Timestamp     string            `json:"timestamp"`
	} `json:"statements"`
}

type openVEXProduct struct {
	ID            string           `json:"@id"`
	Identifiers   map[string]any   `json:"identifiers"`
	Subcomponents []openVEXProduct `json:"subcomponents"`
}

func (p *openVEXProduct) ids() []string {
	var out []string
	if p.ID != "" {
		out = append(out, p.ID)
	}
	if s, ok := p.Identifiers["purl"].(string); ok && s != p.ID {
		out = append(out, s)
	}
	for i := range p.Subcomponents {
		out = append(out, p.Subcomponents[i].ids()...)
	}
	return out
}

func parseOpenVEX(data []byte, name string) ([]Statement, error) {
	var doc openVEXDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("OpenVEX: %s", jsonErr(data, err))
	}
	out := make([]Statement, 0, len(doc.Statements))
	for i, st := range doc.Statements {
		loc := fmt.Sprintf("%s#/statements/%d", name, i)
		s := Statement{Status: normStatus(st.Status), Justification: st.Justification, Impact: st.Impact,
			Action: st.Action, Timestamp: st.Timestamp, Format: "openvex", Source: loc}
		if s.Timestamp == "" {
			s.Timestamp = doc.Timestamp
		}
		if s.Status == "" {
			return nil, fmt.Errorf("%s/status: %q is not an OpenVEX status (not_affected, affected, fixed, under_investigation)", loc, st.Status)
		}
		// v0.0.1: "vulnerability": "CVE-…"; v0.2.0: {"name", "@id", "aliases"}
		var id string
		if json.Unmarshal(st.Vulnerability, &id) != nil {
			var v struct {
				ID      string   `json:"@id"`
				Name    string   `json:"name"`
				Aliases []string `json:"aliases"`
			}
			if err := json.Unmarshal(st.Vulnerability, &v); err != nil {
				return nil, fmt.Errorf("%s/vulnerability: %v", loc, err)
			}
			id, s.Aliases = v.Name, v.Aliases
			if id == "" {
				id = v.ID
			}
		}
		if id == "" {
			return nil, fmt.Errorf("%s/vulnerability: no name: say which vulnerability the statement is about", loc)
		}
		s.Vulnerability = id
		for j, raw := range st.Products {
			var p string
			if json.Unmarshal(raw, &p) == nil {
				s.Products = append(s.Products, p)
				continue
			}
			var prod openVEXProduct
			if err := json.Unmarshal(raw, &prod); err != nil {
				return nil, fmt.Errorf("%s/products/%d: %v", loc, j, err)
			}
			s.Products = append(s.Products, prod.ids()...)
		}
		out = append(out, s)
	}
	return out, nil
}

type cdxVEXDoc struct {
	Components []cdxComp `json:"components"`
	Metadata   struct {
		Component *cdxComp `json:"component"`
	} `json:"metadata"`
	Vulnerabilities []struct {
		ID         string `json:"id"`
		References []struct {
			ID string `json:"id"`
		} `json:"references"`
		Analysis *struct {
			State         string   `json:"state"`
			Justification string   `json:"justification"`
			Response      []string `json:"response"`
			Detail        string   `json:"detail"`
			LastUpdated   string   `json:"lastUpdated"`
		} `json:"analysis"`
		Affects []struct {
			Ref string `json:"ref"`
		} `json:"affects"`
	} `json:"vulnerabilities"`
}

type cdxComp struct {
	Ref        string    `json:"bom-ref"`
	PURL       string    `json:"purl"`
	Components []cdxComp `json:"components"`
}

func collectRefs(cs []cdxComp, m map[string]string) {
	for _, c := range cs {
		if c.Ref != "" && c.PURL != "" {
			m[c.Ref] = c.PURL
		}
		collectRefs(c.Components, m)
	}
}

func parseCycloneDX(data []byte, name string) ([]Statement, error) {
	var doc cdxVEXDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("CycloneDX VEX: %s", jsonErr(data, err))
	}
	purls := map[string]string{}
	collectRefs(doc.Components, purls)
	if doc.Metadata.Component != nil {
		collectRefs([]cdxComp{*doc.Metadata.Component}, purls)
	}
	var out []Statement
	for i, v := range doc.Vulnerabilities {
		if v.Analysis == nil || v.Analysis.State == "" {
			continue // a vulnerability without analysis is a VDR entry, not a VEX statement
		}
		loc := fmt.Sprintf("%s#/vulnerabilities/%d", name, i)
		s := Statement{Vulnerability: v.ID, Status: normStatus(v.Analysis.State), Justification: v.Analysis.Justification,
			Impact: v.Analysis.Detail, Action: strings.Join(v.Analysis.Response, ", "), Timestamp: v.Analysis.LastUpdated,
			Format: "cyclonedx", Source: loc}
		if s.Status == "" {
			return nil, fmt.Errorf("%s/analysis/state: %q is not a CycloneDX analysis state", loc, v.Analysis.State)
		}
		if s.Vulnerability == "" {
			return nil, fmt.Errorf("%s/id: missing: say which vulnerability the analysis is about", loc)
		}
		for _, r := range v.References {
			if r.ID != "" {
				s.Aliases = append(s.Aliases, r.ID)
			}
		}
		for _, a := range v.Affects {
			ref := a.Ref
			if i := strings.LastIndexByte(ref, '#'); strings.HasPrefix(ref, "urn:cdx:") && i >= 0 {
				ref = ref[i+1:] // BOM-link to a component of another BOM
			}
			if p, ok := purls[ref]; ok {
				s.Products = append(s.Products, p)
			} else if strings.HasPrefix(ref, "pkg:") {
				s.Products = append(s.Products, ref)
			} else {
				s.Products = append(s.Products, "ref:"+ref)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

type csafDoc struct {
	Document struct {
		Tracking struct {
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Branches         []csafBranch  `json:"branches"`
		FullProductNames []csafProduct `json:"full_product_names"`
		Relationships    []struct {
			ProductReference string      `json:"product_reference"`
			FullProductName  csafProduct `json:"full_product_name"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE string `json:"cve"`
		IDs []struct {
			Text string `json:"text"`
		} `json:"ids"`
		ProductStatus map[string][]string `json:"product_status"`
		Flags         []struct {
			Label      string   `json:"label"`
			ProductIDs []string `json:"product_ids"`
		} `json:"flags"`
		Threats []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
		} `json:"threats"`
		Remediations []struct {
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
		} `json:"remediations"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Branches []csafBranch `json:"branches"`
	Product  *csafProduct `json:"product"`
}

type csafProduct struct {
	ID     string `json:"product_id"`
	Name   string `json:"name"`
	Helper *struct {
		PURL string `json:"purl"`
		CPE  string `json:"cpe"`
	} `json:"product_identification_helper"`
}

func (p csafProduct) ident() string {
	if p.Helper != nil && p.Helper.PURL != "" {
		return p.Helper.PURL
	}
	if p.Helper != nil && p.Helper.CPE != "" {
		return p.Helper.CPE
	}
	return "csaf:" + p.Name
}

func walkCSAF(bs []csafBranch, m map[string]string) {
	for _, b := range bs {
		if b.Product != nil && b.Product.ID != "" {
			m[b.Product.ID] = b.Product.ident()
		}
		walkCSAF(b.Branches, m)
	}
}

// csafStatus maps CSAF product_status keys to statuses; "recommended",
// "last_affected" and the like carry no VEX meaning and are skipped.
var csafStatus = map[string]string{
	"known_not_affected": StatusNotAffected, "fixed": StatusFixed, "first_fixed": StatusFixed,
	"known_affected": StatusAffected, "first_affected": StatusAffected, "last_affected": StatusAffected,
	"under_investigation": StatusUnderInvestigation,
}

func parseCSAF(data []byte, name string) ([]Statement, error) {
	var doc csafDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("CSAF: %s", jsonErr(data, err))
	}
	ids := map[string]string{}
	walkCSAF(doc.ProductTree.Branches, ids)
	for _, p := range doc.ProductTree.FullProductNames {
		ids[p.ID] = p.ident()
	}
	for _, r := range doc.ProductTree.Relationships {
		// "component X installed on Y": the statement is about X as shipped
		if ref, ok := ids[r.ProductReference]; ok {
			ids[r.FullProductName.ID] = ref
		} else {
			ids[r.FullProductName.ID] = r.FullProductName.ident()
		}
	}
	var out []Statement
	for i, v := range doc.Vulnerabilities {
		vid := v.CVE
		var aliases []string
		for _, x := range v.IDs {
			if vid == "" {
				vid = x.Text
			} else {
				aliases = append(aliases, x.Text)
			}
		}
		if vid == "" {
			return nil, fmt.Errorf("%s#/vulnerabilities/%d: neither cve nor ids: say which vulnerability it is", name, i)
		}
		for _, key := range []string{"known_not_affected", "fixed", "first_fixed", "known_affected", "first_affected", "last_affected", "under_investigation"} {
			pids := v.ProductStatus[key]
			for _, pid := range pids {
				s := Statement{Vulnerability: vid, Aliases: aliases, Status: csafStatus[key], Format: "csaf",
					Timestamp: doc.Document.Tracking.CurrentReleaseDate,
					Source:    fmt.Sprintf("%s#/vulnerabilities/%d/product_status/%s", name, i, key)}
				p, ok := ids[pid]
				if !ok {
					p = "csaf:" + pid
				}
				s.Products = []string{p}
				for _, f := range v.Flags {
					if contains(f.ProductIDs, pid) {
						s.Justification = f.Label
					}
				}
				for _, t := range v.Threats {
					if t.Category == "impact" && contains(t.ProductIDs, pid) {
						s.Impact = t.Details
					}
				}
				for _, r := range v.Remediations {
					if contains(r.ProductIDs, pid) {
						s.Action = r.Details
					}
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
