package sbom

import (
	"sort"
	"strings"
)

// Summary is what `dualmark sbom inspect` reports about a document.
type Summary struct {
	Format         string `json:"format"`
	SpecVersion    string `json:"specVersion"`
	Encoding       string `json:"encoding"`
	Name           string `json:"name,omitempty"`
	Created        string `json:"created,omitempty"`
	Subject        string `json:"subject,omitempty"`
	ComponentCount int    `json:"componentCount"`
	// ByType and ByEcosystem count components per type ("unknown" when
	// unset) and per purl type ("none" without a purl).
	ByType      map[string]int `json:"byType"`
	ByEcosystem map[string]int `json:"byEcosystem"`
	// Coverage counts components carrying each identifier or field.
	Coverage        Coverage           `json:"coverage"`
	DependencyEdges int                `json:"dependencyEdges"`
	Components      []ComponentSummary `json:"components"`
	Warnings        []Warning          `json:"warnings"`
}

// Coverage counts how many components carry an identifier or field.
type Coverage struct {
	PURL        int `json:"purl"`
	PURLDerived int `json:"purlDerived"`
	CPE         int `json:"cpe"`
	Hash        int `json:"hash"`
	Version     int `json:"version"`
	Supplier    int `json:"supplier"`
	License     int `json:"license"`
	// Identified counts components with a purl (stated or derived) or a CPE.
	Identified int `json:"identified"`
}

// ComponentSummary is one row of the inspect output.
type ComponentSummary struct {
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	PURL     string   `json:"purl"`
	CPEs     []string `json:"cpes"`
	Type     string   `json:"type"`
	Location string   `json:"location,omitempty"`
}

// Summarize counts the components of doc by type and ecosystem and reports
// identifier coverage.
func Summarize(doc *Document) Summary {
	s := Summary{
		Format: doc.Format, SpecVersion: doc.SpecVersion, Encoding: doc.Encoding, Name: doc.Name,
		ComponentCount: len(doc.Components), ByType: map[string]int{}, ByEcosystem: map[string]int{},
		Components: make([]ComponentSummary, 0, len(doc.Components)), Warnings: doc.Warnings,
	}
	if s.Warnings == nil {
		s.Warnings = []Warning{}
	}
	if !doc.Created.IsZero() {
		s.Created = doc.Created.UTC().Format("2006-01-02T15:04:05Z")
	}
	if doc.Subject != nil {
		s.Subject = strings.TrimSpace(doc.Subject.Name + " " + doc.Subject.Version)
	}
	for _, d := range doc.Dependencies {
		s.DependencyEdges += len(d.DependsOn)
	}
	for i := range doc.Components {
		c := &doc.Components[i]
		s.ByType[firstNonEmpty(c.Type, "unknown")]++
		s.ByEcosystem[Ecosystem(c.PURL)]++
		cov := &s.Coverage
		switch {
		case c.PURL != "" && c.PURLDerived:
			cov.PURLDerived++
		case c.PURL != "":
			cov.PURL++
		}
		if len(c.CPEs) > 0 {
			cov.CPE++
		}
		if c.PURL != "" || len(c.CPEs) > 0 {
			cov.Identified++
		}
		if len(c.Hashes) > 0 {
			cov.Hash++
		}
		if c.Version != "" {
			cov.Version++
		}
		if c.Supplier != "" {
			cov.Supplier++
		}
		if c.Licenses != "" {
			cov.License++
		}
		cpes := c.CPEs
		if cpes == nil {
			cpes = []string{}
		}
		s.Components = append(s.Components, ComponentSummary{Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: cpes, Type: c.Type, Location: c.Location})
	}
	return s
}

// Ecosystem returns the purl type of p ("npm", "maven", ...) or "none".
func Ecosystem(p string) string {
	rest, ok := strings.CutPrefix(p, "pkg:")
	if !ok {
		return "none"
	}
	t, _, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	return strings.ToLower(t)
}

// SortedKeys returns the keys of m, largest count first, then by name.
func SortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
