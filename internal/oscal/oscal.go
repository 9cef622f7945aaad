// Package oscal exports the dualmark catalog as OSCAL 1.2.1 JSON: one
// catalog per regime and the crosswalk as a mapping collection whose
// relationships follow NIST IR 8477 set theory (equivalent-to, subset-of,
// superset-of, intersects-with).
package oscal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/dualmark/dualmark/internal/catalog"
)

// Version is the OSCAL version the documents conform to.
const Version = "1.2.1"

// namespace is the UUID namespace of every UUID dualmark derives (UUIDv5),
// so that the export is stable from run to run.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/dualmark/dualmark/oscal"))

// ns qualifies dualmark's property names.
const ns = "https://github.com/dualmark/dualmark/ns/oscal"

// id returns a stable UUIDv5 for name.
func id(name string) string { return uuid.NewSHA1(namespace, []byte(name)).String() }

// ControlID turns a requirement ID into an OSCAL token (no colon): the BSI
// IDs "TR03183-2:COMP.hash" become "TR03183-2_COMP.hash". The original ID
// stays in the control's "label" property.
func ControlID(reqID string) string { return strings.ReplaceAll(reqID, ":", "_") }

// FileName is the name of the exported catalog of a regime.
func FileName(regime string) string { return regime + ".catalog.json" }

// MappingFileName is the name of the exported mapping collection.
const MappingFileName = "crosswalk.mapping.json"

// Metadata is the OSCAL document metadata.
type Metadata struct {
	Title        string `json:"title"`
	LastModified string `json:"last-modified"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal-version"`
	Props        []Prop `json:"props,omitempty"`
	Remarks      string `json:"remarks,omitempty"`
}

// Prop is an OSCAL property.
type Prop struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

// Part is an OSCAL control part.
type Part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Prose string `json:"prose,omitempty"`
	Parts []Part `json:"parts,omitempty"`
}

// Link is an OSCAL link.
type Link struct {
	Href string `json:"href"`
	Rel  string `json:"rel,omitempty"`
}

// Control is one requirement as an OSCAL control.
type Control struct {
	ID    string `json:"id"`
	Class string `json:"class,omitempty"`
	Title string `json:"title"`
	Props []Prop `json:"props,omitempty"`
	Links []Link `json:"links,omitempty"`
	Parts []Part `json:"parts,omitempty"`
}

// Group is a group of controls (a heading of the regime).
type Group struct {
	ID       string    `json:"id,omitempty"`
	Title    string    `json:"title"`
	Controls []Control `json:"controls,omitempty"`
}

// Catalog is an OSCAL catalog.
type Catalog struct {
	UUID     string   `json:"uuid"`
	Metadata Metadata `json:"metadata"`
	Groups   []Group  `json:"groups,omitempty"`
}

// CatalogDocument is the top-level JSON object of a catalog file.
type CatalogDocument struct {
	Catalog Catalog `json:"catalog"`
}

// BuildCatalog converts one regime of c into an OSCAL catalog.
func BuildCatalog(c *catalog.Catalog, regime string) (*CatalogDocument, error) {
	info, ok := c.Regime(regime)
	if !ok {
		return nil, fmt.Errorf("oscal: unknown regime %q (valid: %s)", regime, strings.Join(catalog.Regimes, ", "))
	}
	doc := &CatalogDocument{Catalog: Catalog{
		UUID: id("catalog/" + regime),
		Metadata: Metadata{
			Title:        info.Name,
			LastModified: catalog.DataDate,
			Version:      catalog.DataVersion,
			OSCALVersion: Version,
			Props:        []Prop{{Name: "regime", NS: ns, Value: regime}, {Name: "source-version", NS: ns, Value: info.Version}},
			Remarks:      strings.TrimSpace("Short paraphrases by dualmark; check the official text before any legal claim. " + info.Note),
		},
	}}
	groupIdx := map[string]int{}
	for _, r := range c.ByRegime(regime) {
		gi, ok := groupIdx[r.Group]
		if !ok {
			gi = len(doc.Catalog.Groups)
			groupIdx[r.Group] = gi
			doc.Catalog.Groups = append(doc.Catalog.Groups, Group{ID: fmt.Sprintf("%s-g%d", regime, gi+1), Title: r.Group})
		}
		g := &doc.Catalog.Groups[gi]
		g.Controls = append(g.Controls, control(r, info.URL))
	}
	return doc, nil
}

// control converts one requirement.
func control(r catalog.Requirement, url string) Control {
	props := []Prop{
		{Name: "label", Value: r.ID},
		{Name: "kind", NS: ns, Value: r.Kind},
		{Name: "obligation", NS: ns, Value: r.Obligation},
		{Name: "level", NS: ns, Value: r.Level},
		{Name: "confidence", NS: ns, Value: r.Confidence},
		{Name: "source", NS: ns, Value: r.Source},
	}
	for _, e := range r.Evidence {
		props = append(props, Prop{Name: "evidence", NS: ns, Value: e})
	}
	if r.Parent != "" {
		props = append(props, Prop{Name: "parent", NS: ns, Value: r.Parent})
	}
	if r.Deadline != "" {
		props = append(props, Prop{Name: "deadline", NS: ns, Value: r.Deadline})
	}
	cid := ControlID(r.ID)
	parts := []Part{{ID: cid + "_smt", Name: "statement", Prose: r.Title}}
	if r.Condition != "" {
		parts = append(parts, Part{ID: cid + "_cond", Name: "condition", Prose: r.Condition})
	}
	if len(r.Content) > 0 {
		items := make([]Part, len(r.Content))
		for i, s := range r.Content {
			items[i] = Part{ID: fmt.Sprintf("%s_item%d", cid, i+1), Name: "item", Prose: s}
		}
		parts = append(parts, Part{ID: cid + "_content", Name: "content", Parts: items})
	}
	c := Control{ID: cid, Class: r.Regime, Title: r.Title, Props: props, Parts: parts}
	if url != "" {
		c.Links = []Link{{Href: url, Rel: "reference"}}
	}
	return c
}

// ResourceRef points at a catalog a mapping relates.
type ResourceRef struct {
	Type string `json:"type"`
	Href string `json:"href"`
}

// Item is a source or target of a map.
type Item struct {
	Type  string `json:"type"`
	IDRef string `json:"id-ref"`
}

// Map is one relationship between controls.
type Map struct {
	UUID         string `json:"uuid"`
	Relationship string `json:"relationship"`
	Sources      []Item `json:"sources"`
	Targets      []Item `json:"targets"`
	Props        []Prop `json:"props,omitempty"`
	Remarks      string `json:"remarks,omitempty"`
}

// GapSummary lists source controls without a counterpart in the target.
type GapSummary struct {
	UUID             string       `json:"uuid"`
	UnmappedControls []SelectByID `json:"unmapped-controls"`
}

// SelectByID selects controls by ID.
type SelectByID struct {
	WithIDs []string `json:"with-ids"`
}

// Mapping relates one source catalog to one target catalog.
type Mapping struct {
	UUID             string      `json:"uuid"`
	SourceResource   ResourceRef `json:"source-resource"`
	TargetResource   ResourceRef `json:"target-resource"`
	Maps             []Map       `json:"maps,omitempty"`
	SourceGapSummary *GapSummary `json:"source-gap-summary,omitempty"`
	Remarks          string      `json:"remarks,omitempty"`
}

// Provenance describes how the mappings were made.
type Provenance struct {
	Method             string `json:"method"`
	MatchingRationale  string `json:"matching-rationale"`
	Status             string `json:"status"`
	MappingDescription string `json:"mapping-description"`
}

// MappingCollection is an OSCAL mapping collection.
type MappingCollection struct {
	UUID       string     `json:"uuid"`
	Metadata   Metadata   `json:"metadata"`
	Provenance Provenance `json:"provenance"`
	Mappings   []Mapping  `json:"mappings"`
}

// MappingDocument is the top-level JSON object of a mapping file.
type MappingDocument struct {
	MappingCollection MappingCollection `json:"mapping-collection"`
}

// Relationship converts a crosswalk relation into its NIST IR 8477 set
// theory relationship token.
func Relationship(relation string) string {
	switch relation {
	case catalog.Equivalent:
		return "equivalent-to"
	case catalog.Subset:
		return "subset-of"
	case catalog.Superset:
		return "superset-of"
	case catalog.Overlaps:
		return "intersects-with"
	}
	return "no-relationship"
}

// BuildMapping converts the crosswalk into a mapping collection: one mapping
// per ordered pair of regimes (source, target), holding every direct row read
// from the source's side (a row and its inverse both appear, in their own
// mappings) and, in the source gap summary, the source requirements without
// a counterpart in the target, whose reasons go into the mapping's remarks.
// Counterparts derived through EN 303 645 are not exported: they are not
// crosswalk data but a reading of it.
func BuildMapping(c *catalog.Catalog) *MappingDocument {
	var mappings []Mapping
	for _, from := range catalog.Regimes {
		for _, to := range catalog.Regimes {
			if from == to {
				continue
			}
			if mp, ok := buildPair(c, from, to); ok {
				mappings = append(mappings, mp)
			}
		}
	}
	return &MappingDocument{MappingCollection: MappingCollection{
		UUID: id("mapping-collection"),
		Metadata: Metadata{
			Title:        "dualmark crosswalk: EU CRA, NIST IR 8425, FCC Cyber Trust Mark, ETSI EN 303 645, BSI TR-03183-2",
			LastModified: catalog.DataDate,
			Version:      catalog.DataVersion,
			OSCALVersion: Version,
			Remarks:      "Own analysis seeded from public mappings (JRC/ENISA 2024, NIST CSWP 33 ipd); not an official EU-US equivalence.",
		},
		Provenance: Provenance{
			Method:             "human",
			MatchingRationale:  "semantic",
			Status:             "draft",
			MappingDescription: "Requirements of each regime related by NIST IR 8477 set-theory relationships; unmapped requirements are listed in each mapping's source gap summary with the reason kept in dualmark's crosswalk data.",
		},
		Mappings: mappings,
	}}
}

// buildPair builds the mapping of one ordered pair; ok is false when the
// pair has no counterpart at all (the schema asks for at least one map).
func buildPair(c *catalog.Catalog, from, to string) (Mapping, bool) {
	mp := Mapping{
		UUID:           id("mapping/" + from + "/" + to),
		SourceResource: ResourceRef{Type: "catalog", Href: FileName(from)},
		TargetResource: ResourceRef{Type: "catalog", Href: FileName(to)},
	}
	var gaps []string
	reasons := map[string][]string{}
	var order []string
	for _, r := range c.ByRegime(from) {
		for _, m := range c.Map(r.ID) {
			switch {
			case m.Derived:
				continue
			case m.Relation == catalog.None && m.To == to:
				gaps = append(gaps, ControlID(m.From))
				if _, seen := reasons[m.Rationale]; !seen {
					order = append(order, m.Rationale)
				}
				reasons[m.Rationale] = append(reasons[m.Rationale], m.From)
			case m.Relation != catalog.None && catalog.RegimeOf(m.To) == to:
				mp.Maps = append(mp.Maps, Map{
					UUID:         id("map/" + m.From + "/" + m.To),
					Relationship: Relationship(m.Relation),
					Sources:      []Item{{Type: "control", IDRef: ControlID(m.From)}},
					Targets:      []Item{{Type: "control", IDRef: ControlID(m.To)}},
					Props:        []Prop{{Name: "origin", NS: ns, Value: m.Origin}},
					Remarks:      m.Rationale,
				})
			}
		}
	}
	if len(gaps) > 0 {
		mp.SourceGapSummary = &GapSummary{UUID: id("gap/" + from + "/" + to), UnmappedControls: []SelectByID{{WithIDs: gaps}}}
		var b strings.Builder
		b.WriteString("Requirements without a counterpart, by reason:\n")
		for _, reason := range order {
			fmt.Fprintf(&b, "\n- %s: %s", strings.Join(reasons[reason], ", "), reason)
		}
		mp.Remarks = b.String()
	}
	return mp, len(mp.Maps) > 0
}

// Export writes one catalog per regime and the mapping collection into dir,
// creating it if needed, and returns the paths written.
func Export(c *catalog.Catalog, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("oscal export: %w", err)
	}
	var paths []string
	write := func(name string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("oscal export: %w", err)
		}
		paths = append(paths, p)
		return nil
	}
	for _, regime := range catalog.Regimes {
		doc, err := BuildCatalog(c, regime)
		if err != nil {
			return paths, err
		}
		if err := write(FileName(regime), doc); err != nil {
			return paths, err
		}
	}
	if err := write(MappingFileName, BuildMapping(c)); err != nil {
		return paths, err
	}
	return paths, nil
}
