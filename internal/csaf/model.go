// Package csaf reads and writes OASIS CSAF 2.0 documents: CSAF VEX from a
// scan result and VEX decisions, security advisories drafted from an
// Article 14 case, the schema check and the mandatory tests 6.1.1–6.1.8,
// the trusted-provider directory layout, and a streaming reader of
// advisories' product trees into a matchable form.
package csaf

import "encoding/json"

// Version is the CSAF version written and read.
const Version = "2.0"

// Document categories dualmark writes.
const (
	CategoryVEX      = "csaf_vex"
	CategoryAdvisory = "csaf_security_advisory"
)

// Advisory is a CSAF 2.0 document (the fields dualmark reads and writes).
type Advisory struct {
	Document        Document        `json:"document"`
	ProductTree     *ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}

// Document is /document.
type Document struct {
	Category          string        `json:"category"`
	CSAFVersion       string        `json:"csaf_version"`
	Title             string        `json:"title"`
	Lang              string        `json:"lang,omitempty"`
	Publisher         Publisher     `json:"publisher"`
	Tracking          Tracking      `json:"tracking"`
	Distribution      *Distribution `json:"distribution,omitempty"`
	AggregateSeverity *struct {
		Namespace string `json:"namespace,omitempty"`
		Text      string `json:"text"`
	} `json:"aggregate_severity,omitempty"`
	Notes      []Note      `json:"notes,omitempty"`
	References []Reference `json:"references,omitempty"`
}

// Publisher is /document/publisher.
type Publisher struct {
	Category       string `json:"category"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
	ContactDetails string `json:"contact_details,omitempty"`
}

// Tracking is /document/tracking.
type Tracking struct {
	ID                 string     `json:"id"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
	InitialReleaseDate string     `json:"initial_release_date"`
	CurrentReleaseDate string     `json:"current_release_date"`
	RevisionHistory    []Revision `json:"revision_history"`
	Generator          *Generator `json:"generator,omitempty"`
}

// Revision is one entry of the revision history.
type Revision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

// Generator names the tool that wrote the document.
type Generator struct {
	Date   string `json:"date,omitempty"`
	Engine struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	} `json:"engine"`
}

// Distribution is /document/distribution.
type Distribution struct {
	Text string `json:"text,omitempty"`
	TLP  *TLP   `json:"tlp,omitempty"`
}

// TLP is the traffic-light label of a document (CSAF 2.0 uses TLP 1.0:
// WHITE, GREEN, AMBER, RED).
type TLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// Note is a note of the document or of a vulnerability.
type Note struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

// Reference is a reference of the document or of a vulnerability.
type Reference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// ProductTree is /product_tree.
type ProductTree struct {
	Branches         []Branch          `json:"branches,omitempty"`
	FullProductNames []FullProductName `json:"full_product_names,omitempty"`
	ProductGroups    []ProductGroup    `json:"product_groups,omitempty"`
	Relationships    []Relationship    `json:"relationships,omitempty"`
}

// Branch is one node of the branch tree.
type Branch struct {
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Branches []Branch         `json:"branches,omitempty"`
	Product  *FullProductName `json:"product,omitempty"`
}

// FullProductName defines a product ID.
type FullProductName struct {
	Name      string  `json:"name"`
	ProductID string  `json:"product_id"`
	Helper    *Helper `json:"product_identification_helper,omitempty"`
}

// Helper is the product identification helper.
type Helper struct {
	CPE           string   `json:"cpe,omitempty"`
	PURL          string   `json:"purl,omitempty"`
	ModelNumbers  []string `json:"model_numbers,omitempty"`
	SerialNumbers []string `json:"serial_numbers,omitempty"`
	SKUs          []string `json:"skus,omitempty"`
}

// ProductGroup groups product IDs.
type ProductGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
	Summary    string   `json:"summary,omitempty"`
}

// Relationship combines two products into a new one.
type Relationship struct {
	Category                  string          `json:"category"`
	FullProductName           FullProductName `json:"full_product_name"`
	ProductReference          string          `json:"product_reference"`
	RelatesToProductReference string          `json:"relates_to_product_reference"`
}

// Vulnerability is one item of /vulnerabilities.
type Vulnerability struct {
	CVE           string         `json:"cve,omitempty"`
	IDs           []ID           `json:"ids,omitempty"`
	Title         string         `json:"title,omitempty"`
	Notes         []Note         `json:"notes,omitempty"`
	ProductStatus *ProductStatus `json:"product_status,omitempty"`
	Remediations  []Remediation  `json:"remediations,omitempty"`
	Scores        []Score        `json:"scores,omitempty"`
	Threats       []Threat       `json:"threats,omitempty"`
	Flags         []Flag         `json:"flags,omitempty"`
	References    []Reference    `json:"references,omitempty"`
	ReleaseDate   string         `json:"release_date,omitempty"`
}

// ID is a vulnerability ID of another system.
type ID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

// ProductStatus lists product IDs by status.
type ProductStatus struct {
	FirstAffected      []string `json:"first_affected,omitempty"`
	FirstFixed         []string `json:"first_fixed,omitempty"`
	Fixed              []string `json:"fixed,omitempty"`
	KnownAffected      []string `json:"known_affected,omitempty"`
	KnownNotAffected   []string `json:"known_not_affected,omitempty"`
	LastAffected       []string `json:"last_affected,omitempty"`
	Recommended        []string `json:"recommended,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
}

// Remediation is one remediation of a vulnerability.
type Remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	Date       string   `json:"date,omitempty"`
	URL        string   `json:"url,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}

// Score is one set of CVSS scores for products.
type Score struct {
	Products []string        `json:"products"`
	CVSSv2   json.RawMessage `json:"cvss_v2,omitempty"`
	CVSSv3   json.RawMessage `json:"cvss_v3,omitempty"`
}

// Threat is one threat of a vulnerability (category impact carries a VEX
// impact statement).
type Threat struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	Date       string   `json:"date,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}

// Flag is a machine-readable VEX justification.
type Flag struct {
	Label      string   `json:"label"`
	Date       string   `json:"date,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}
