package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml
var dataFS embed.FS

// regimeFiles maps each regime to its data file inside the data directory.
var regimeFiles = map[string]string{
	RegimeCRA:        "data/cra.yaml",
	RegimeNISTIR8425: "data/nistir8425.yaml",
	RegimeFCC:        "data/fcc.yaml",
	RegimeEN303645:   "data/en303645.yaml",
	RegimeBSI:        "data/bsi-tr03183.yaml",
	RegimeRED:        "data/red-da.yaml",
}

// crosswalkFile is the data file of the crosswalk rows.
const crosswalkFile = "data/crosswalk.yaml"

// idPatterns are the well-formed requirement IDs of each regime (the scheme of
// regulatory.md §0, extended for CRA Articles 13 and 14 and BSI field names).
var idPatterns = map[string]*regexp.Regexp{
	RegimeCRA:        regexp.MustCompile(`^CRA-(I\.1|I\.2\.[a-m]|II\.[1-8]|AII\.[1-9]|AII\.8\.[a-f]|AV\.[1-8]|AVII\.[1-8]|13\.[1-9][0-9]?|14\.(AEV\.(EW|VN|FR)|INC\.(EW|IN|FR)|8))$`),
	RegimeNISTIR8425: regexp.MustCompile(`^NISTIR8425-([1-6][a-c](\.(i|ii|iii))?|(7|8|9|10)\.[12][a-g]?)$`),
	RegimeFCC:        regexp.MustCompile(`^FCC-(REG-([1-9]|1[01])|8\.208c\.[1-8]|8\.208[dfgij]|8\.215)$`),
	RegimeEN303645:   regexp.MustCompile(`^EN303645-(4-1|5\.([1-9]|1[0-3])-([1-9]|1[0-6])|6-[1-5])$`),
	RegimeBSI:        regexp.MustCompile(`^TR03183-2:(SBOM|COMP)\.[a-z][A-Za-z]*$`),
	RegimeRED:        regexp.MustCompile(`^RED-(3\.3\.[def]|[A-Z]{3})$`),
}

var categoryID = regexp.MustCompile(`^CRA-(AIII\.(I|II)|AIV)\.[1-9][0-9]?$`)

// Classes are the CRA product classes, as the dossier names them.
var Classes = []string{"default", "important-class-I", "important-class-II", "critical"}

// regimeDoc is the layout of one regime data file.
type regimeDoc struct {
	Regime     string      `yaml:"regime"`
	Name       string      `yaml:"name"`
	Version    string      `yaml:"version"`
	URL        string      `yaml:"url"`
	Note       string      `yaml:"note"`
	Groups     []yaml.Node `yaml:"groups"`
	Categories []yaml.Node `yaml:"categories"`
	Routes     map[string][]Route
}

// groupDoc is one group of requirements sharing a heading and defaults.
type groupDoc struct {
	Name         string      `yaml:"name"`
	Defaults     reqDoc      `yaml:"defaults"`
	Requirements []yaml.Node `yaml:"requirements"`
}

// reqDoc is one requirement as written in YAML.
type reqDoc struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Kind       string   `yaml:"kind"`
	Obligation string   `yaml:"obligation"`
	Condition  string   `yaml:"condition"`
	Source     string   `yaml:"source"`
	Confidence string   `yaml:"confidence"`
	Evidence   []string `yaml:"evidence"`
	Parent     string   `yaml:"parent"`
	Deadline   string   `yaml:"deadline"`
	Content    []string `yaml:"content"`
	Producers  []string `yaml:"producers"`
}

// rowDoc is one crosswalk row as written in YAML: from and to may each be one
// ID or a list, and the row stands for every pair.
type rowDoc struct {
	From      stringList `yaml:"from"`
	To        stringList `yaml:"to"`
	Relation  string     `yaml:"relation"`
	Rationale string     `yaml:"rationale"`
	Origin    string     `yaml:"origin"`
}

// noneDoc says that the listed requirements have no counterpart in a regime.
// Instead of a list, it may select every requirement of a regime that has no
// direct row into the To regime (select: regime name).
type noneDoc struct {
	From   stringList `yaml:"from"`
	Select string     `yaml:"select"`
	To     string     `yaml:"to"`
	Reason string     `yaml:"reason"`
	Origin string     `yaml:"origin"`
}

// crosswalkDoc is the layout of crosswalk.yaml.
type crosswalkDoc struct {
	Rows []yaml.Node `yaml:"rows"`
	None []yaml.Node `yaml:"none"`
}

// stringList accepts a YAML scalar or a sequence of scalars.
type stringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: want an ID or a list of IDs", n.Line)
}

// errorList collects data problems, each naming file and line.
type errorList []string

func (e *errorList) add(file string, line int, format string, args ...any) {
	*e = append(*e, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
}

func (e errorList) err() error {
	if len(e) == 0 {
		return nil
	}
	const maxShown = 20
	shown := e
	more := ""
	if len(e) > maxShown {
		shown, more = e[:maxShown], fmt.Sprintf("\n(and %d more)", len(e)-maxShown)
	}
	return errors.New("catalog data is broken:\n" + strings.Join(shown, "\n") + more)
}

// Parse reads and checks catalog data from fsys, which must hold the files of
// the embedded data directory (data/cra.yaml, …, data/crosswalk.yaml).
// Every structural problem is reported with its file and line.
func Parse(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{
		regimes:  map[string]RegimeInfo{},
		byID:     map[string]int{},
		byRegime: map[string][]Requirement{},
		direct:   map[string][]Mapping{},
		routes:   map[string][]Route{},
		selected: map[[2]string]bool{},
	}
	var errs errorList
	lines := map[string]int{} // requirement ID -> line, for messages
	for _, regime := range Regimes {
		file := regimeFiles[regime]
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		c.parseRegime(file, regime, data, lines, &errs)
	}
	data, err := fs.ReadFile(fsys, crosswalkFile)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c.parseCrosswalk(crosswalkFile, data, &errs)
	if err := c.parseOJ(fsys, &errs); err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeStrict decodes node into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// decodeNode decodes one mapping node into the struct v, refusing unknown
// fields; errors keep the node's own line numbers.
func decodeNode(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping (key: value pairs)")
	}
	known := yamlKeys(reflect.TypeOf(v).Elem())
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !known[k] {
			return fmt.Errorf("unknown field %q (known: %s)", k, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
	}
	return n.Decode(v)
}

// yamlKeys returns the YAML keys of a struct type's fields.
func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys[name] = true
	}
	return keys
}

func (c *Catalog) parseRegime(file, regime string, data []byte, lines map[string]int, errs *errorList) {
	var doc regimeDoc
	if err := decodeStrict(data, &doc); err != nil {
		errs.add(file, 0, "%v", err)
		return
	}
	if doc.Regime != regime {
		errs.add(file, 1, "regime is %q, want %q", doc.Regime, regime)
	}
	c.regimes[regime] = RegimeInfo{ID: regime, Name: doc.Name, Version: doc.Version, URL: doc.URL, Note: doc.Note}
	for i := range doc.Groups {
		gn := &doc.Groups[i]
		var g groupDoc
		if err := decodeNode(gn, &g); err != nil {
			errs.add(file, gn.Line, "group: %v", err)
			continue
		}
		if g.Name == "" {
			errs.add(file, gn.Line, "group has no name")
		}
		for j := range g.Requirements {
			rn := &g.Requirements[j]
			var rd reqDoc
			if err := decodeNode(rn, &rd); err != nil {
				errs.add(file, rn.Line, "requirement: %v", err)
				continue
			}
			r := merge(rd, g.Defaults)
			r.Regime, r.Group = regime, g.Name
			if prev, dup := lines[r.ID]; dup {
				errs.add(file, rn.Line, "%s: duplicate ID (first at line %d)", r.ID, prev)
				continue
			}
			lines[r.ID] = rn.Line
			for _, p := range checkRequirement(r) {
				errs.add(file, rn.Line, "%s: %s", r.ID, p)
			}
			c.byID[r.ID] = len(c.reqs)
			c.reqs = append(c.reqs, r)
			c.byRegime[regime] = append(c.byRegime[regime], r)
		}
	}
	for _, r := range c.byRegime[regime] {
		if r.Parent == "" {
			continue
		}
		if p, ok := c.Get(r.Parent); !ok || p.Regime != regime {
			errs.add(file, lines[r.ID], "%s: parent %q is not a requirement of %s", r.ID, r.Parent, regime)
		}
	}
	c.parseCRAExtras(file, doc, errs)
}

// parseCRAExtras reads the product categories and conformity routes, which
// only the CRA file carries.
func (c *Catalog) parseCRAExtras(file string, doc regimeDoc, errs *errorList) {
	if doc.Regime != RegimeCRA {
		if len(doc.Categories) > 0 || len(doc.Routes) > 0 {
			errs.add(file, 1, "categories and routes belong in the CRA file only")
		}
		return
	}
	seen := map[string]bool{}
	for i := range doc.Categories {
		n := &doc.Categories[i]
		var cat Category
		if err := decodeNode(n, &cat); err != nil {
			errs.add(file, n.Line, "category: %v", err)
			continue
		}
		switch {
		case !categoryID.MatchString(cat.ID):
			errs.add(file, n.Line, "category ID %q is not of the form CRA-AIII.I.n, CRA-AIII.II.n or CRA-AIV.n", cat.ID)
		case seen[cat.ID]:
			errs.add(file, n.Line, "category %s: duplicate ID", cat.ID)
		case !slices.Contains(Classes[1:], cat.Class):
			errs.add(file, n.Line, "category %s: class %q is not one of %s", cat.ID, cat.Class, strings.Join(Classes[1:], ", "))
		case cat.Title == "" || cat.Item < 1:
			errs.add(file, n.Line, "category %s: needs a title and an item number", cat.ID)
		case !validConfidence(cat.Confidence):
			errs.add(file, n.Line, "category %s: confidence %q is not C, S or U", cat.ID, cat.Confidence)
		}
		seen[cat.ID] = true
		c.categories = append(c.categories, cat)
	}
	for _, class := range Classes {
		if len(doc.Routes[class]) == 0 {
			errs.add(file, 1, "routes: class %s has no conformity-assessment route", class)
		}
	}
	for class, rs := range doc.Routes {
		if !slices.Contains(Classes, class) {
			errs.add(file, 1, "routes: %q is not a class (%s)", class, strings.Join(Classes, ", "))
		}
		for _, r := range rs {
			for _, prob := range checkRoute(r) {
				errs.add(file, 1, "routes: %s %s: %s", class, r.Module, prob)
			}
		}
		c.routes[class] = rs
	}
}

// merge fills the empty fields of r from the group defaults d.
func merge(r, d reqDoc) Requirement {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	ev := r.Evidence
	if ev == nil {
		ev = d.Evidence
	}
	producers := r.Producers
	if producers == nil {
		producers = d.Producers
	}
	level := pick(r.Obligation, d.Obligation)
	obligation := level
	cond := pick(r.Condition, d.Condition)
	if cond != "" {
		obligation = Conditional
	}
	return Requirement{
		ID: r.ID, Title: r.Title,
		Kind:       pick(r.Kind, d.Kind),
		Obligation: obligation,
		Condition:  cond,
		Level:      level,
		Source:     pick(r.Source, d.Source),
		Confidence: pick(r.Confidence, d.Confidence),
		Evidence:   append([]string(nil), ev...),
		Parent:     pick(r.Parent, d.Parent),
		Deadline:   r.Deadline,
		Content:    r.Content,
		Producers:  append([]string(nil), producers...),
	}
}

func validConfidence(s string) bool { return s == "C" || s == "S" || s == "U" }

// checkRequirement returns the structural problems of one requirement.
func checkRequirement(r Requirement) []string {
	var p []string
	if re := idPatterns[r.Regime]; re == nil || !re.MatchString(r.ID) {
		p = append(p, fmt.Sprintf("ID is not well-formed for regime %s", r.Regime))
	}
	if strings.TrimSpace(r.Title) == "" {
		p = append(p, "title is empty")
	}
	if len(r.Title) > 120 {
		p = append(p, fmt.Sprintf("title has %d characters; keep it short (at most 120)", len(r.Title)))
	}
	if !slices.Contains([]string{KindTechnical, KindProcess, KindDocumentation, KindReporting, KindInformation}, r.Kind) {
		p = append(p, fmt.Sprintf("kind %q is not technical, process, documentation, reporting or information", r.Kind))
	}
	if r.Level != Mandatory && r.Level != Recommended && r.Level != Permitted {
		p = append(p, fmt.Sprintf("obligation %q is not mandatory, recommended or permitted (a condition makes it conditional)", r.Level))
	}
	if r.Source == "" {
		p = append(p, "source is empty")
	}
	if !validConfidence(r.Confidence) {
		p = append(p, fmt.Sprintf("confidence %q is not C, S or U", r.Confidence))
	}
	if len(r.Evidence) == 0 {
		p = append(p, "no evidence kind")
	}
	for _, pr := range r.Producers {
		if !slices.Contains(Producers, pr) {
			p = append(p, fmt.Sprintf("producer %q is not one of %s", pr, strings.Join(Producers, ", ")))
		}
	}
	for _, e := range r.Evidence {
		if !slices.Contains(EvidenceKinds, e) {
			p = append(p, fmt.Sprintf("evidence kind %q is not one of %s", e, strings.Join(EvidenceKinds, ", ")))
		}
	}
	return p
}
