package catalog

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dualmark/dualmark/internal/termtable"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/CATALOG.md")

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// count returns how many requirements of regime satisfy keep.
func count(c *Catalog, regime string, keep func(Requirement) bool) int {
	n := 0
	for _, r := range c.ByRegime(regime) {
		if keep(r) {
			n++
		}
	}
	return n
}

func inGroup(prefix string) func(Requirement) bool {
	return func(r Requirement) bool { return strings.HasPrefix(r.Group, prefix) }
}

func idPrefix(prefix string) func(Requirement) bool {
	return func(r Requirement) bool { return strings.HasPrefix(r.ID, prefix) }
}

// TestCounts asserts every count the issue and regulatory.md give.
func TestCounts(t *testing.T) {
	c := mustLoad(t)
	all := func(Requirement) bool { return true }
	level := func(l string) func(Requirement) bool { return func(r Requirement) bool { return r.Level == l } }
	tests := []struct {
		name   string
		regime string
		keep   func(Requirement) bool
		want   int
	}{
		{"EN 303 645 provisions", RegimeEN303645, all, 68},
		{"EN 303 645 mandatory", RegimeEN303645, level(Mandatory), 33},
		{"EN 303 645 recommended", RegimeEN303645, level(Recommended), 35},
		{"CRA Annex I Part I", RegimeCRA, inGroup("Annex I Part I "), 14},
		{"CRA Annex I Part II", RegimeCRA, inGroup("Annex I Part II "), 8},
		{"CRA Annex II items 1-9", RegimeCRA, func(r Requirement) bool { return strings.HasPrefix(r.ID, "CRA-AII.") && r.Parent == "" }, 9},
		{"CRA Annex II 8(a)-(f)", RegimeCRA, func(r Requirement) bool { return r.Parent == "CRA-AII.8" }, 6},
		{"CRA Annex V", RegimeCRA, idPrefix("CRA-AV."), 8},
		{"CRA Annex VII", RegimeCRA, idPrefix("CRA-AVII."), 8},
		{"CRA Art. 14 stages and user information", RegimeCRA, idPrefix("CRA-14."), 7},
		{"FCC registry fields", RegimeFCC, idPrefix("FCC-REG-"), 11},
		{"BSI SBOM-level fields", RegimeBSI, idPrefix("TR03183-2:SBOM."), 6},
		{"BSI component-level fields", RegimeBSI, idPrefix("TR03183-2:COMP."), 17},
	}
	for _, tt := range tests {
		if got := count(c, tt.regime, tt.keep); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	outcomes := map[string]bool{}
	for _, r := range c.ByRegime(RegimeNISTIR8425) {
		outcomes[r.Group] = true
	}
	if len(outcomes) != 10 {
		t.Errorf("NIST IR 8425: %d outcomes, want 10: %v", len(outcomes), outcomes)
	}
	classes := map[string]int{}
	for _, cat := range c.Categories() {
		classes[cat.Class]++
	}
	if want := map[string]int{"important-class-I": 19, "important-class-II": 4, "critical": 3}; !equalMaps(classes, want) {
		t.Errorf("CRA categories per class %v, want %v", classes, want)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestArticle14 checks the reporting stages carry the deadlines of Art. 14,
// including the common mistake: the vulnerability final report runs from the
// fix, not from awareness.
func TestArticle14(t *testing.T) {
	c := mustLoad(t)
	want := map[string]string{
		"CRA-14.AEV.EW": "24 hours after becoming aware",
		"CRA-14.AEV.VN": "72 hours after becoming aware",
		"CRA-14.AEV.FR": "14 days after a corrective or mitigating measure is available",
		"CRA-14.INC.EW": "24 hours after becoming aware",
		"CRA-14.INC.IN": "72 hours after becoming aware",
		"CRA-14.INC.FR": "1 month after the incident notification",
	}
	for id, deadline := range want {
		r, ok := c.Get(id)
		if !ok {
			t.Errorf("%s missing", id)
			continue
		}
		if r.Deadline != deadline || r.Kind != KindReporting || len(r.Content) == 0 {
			t.Errorf("%s: deadline %q kind %s content %d; want %q, reporting, some content", id, r.Deadline, r.Kind, len(r.Content), deadline)
		}
		for _, us := range []string{RegimeNISTIR8425, RegimeFCC} {
			if lvl, _ := c.CoverageOf(id, us); lvl != "none" {
				t.Errorf("%s has a %s counterpart in %s; Art. 14 reporting has no US equivalent", id, lvl, us)
			}
		}
	}
}

// TestRoutes checks the conformity-assessment routes per CRA class.
func TestRoutes(t *testing.T) {
	c := mustLoad(t)
	modules := func(class string) []string {
		var m []string
		for _, r := range c.Routes(class) {
			m = append(m, r.Module)
		}
		return m
	}
	if m := modules("default"); !slices.Contains(m, "A") {
		t.Errorf("default class routes %v lack module A", m)
	}
	for _, r := range c.Routes("important-class-II") {
		if r.Module == "A" && !strings.Contains(r.Condition, "open-source") {
			t.Errorf("class II allows module A only for FOSS (Art. 32(5)), got %+v", r)
		}
	}
	if m := modules("critical"); m[0] != "EUCC" {
		t.Errorf("critical routes %v should start with EUCC", m)
	}
}

// TestRequirementsWellFormed re-checks every loaded requirement.
func TestRequirementsWellFormed(t *testing.T) {
	c := mustLoad(t)
	seen := map[string]bool{}
	for _, r := range c.All() {
		if seen[r.ID] {
			t.Errorf("%s: duplicate", r.ID)
		}
		seen[r.ID] = true
		for _, p := range checkRequirement(r) {
			t.Errorf("%s: %s", r.ID, p)
		}
		if RegimeOf(r.ID) != r.Regime {
			t.Errorf("%s: prefix says %q, regime is %q", r.ID, RegimeOf(r.ID), r.Regime)
		}
	}
}

// TestNoRequirementUnmapped: every requirement has, for every other regime,
// a direct row, a "none" row with a reason, or a derived counterpart; and
// every technical or process requirement of the three assessed regimes has
// a counterpart or an explicitly reasoned gap (not a regime-wide catch-all)
// towards the other two.
func TestNoRequirementUnmapped(t *testing.T) {
	c := mustLoad(t)
	main := []string{RegimeCRA, RegimeNISTIR8425, RegimeEN303645}
	for _, r := range c.All() {
		for _, regime := range Regimes {
			if regime == r.Regime {
				continue
			}
			var found bool
			for _, m := range c.Map(r.ID) {
				if RegimeOf(m.To) == regime || m.To == regime {
					found = true
					if m.Relation == None && strings.TrimSpace(m.Rationale) == "" {
						t.Errorf("%s -> %s: none row without a reason", r.ID, regime)
					}
				}
			}
			if !found {
				t.Errorf("%s has nothing towards %s: add a row or a none row with the reason", r.ID, regime)
			}
			if (r.Kind == KindTechnical || r.Kind == KindProcess) && slices.Contains(main, r.Regime) && slices.Contains(main, regime) && c.selected[[2]string{r.ID, regime}] {
				t.Errorf("%s (%s) -> %s: only a catch-all none row; give a counterpart or a specific reason", r.ID, r.Kind, regime)
			}
		}
	}
}

// TestCrosswalkEndpoints checks every direct row joins existing requirements
// of different regimes, and is readable backwards through Map.
func TestCrosswalkEndpoints(t *testing.T) {
	c := mustLoad(t)
	for _, m := range c.Rows() {
		if _, ok := c.Get(m.From); !ok {
			t.Errorf("row from unknown %s", m.From)
		}
		if m.Relation == None {
			if !IsRegime(m.To) {
				t.Errorf("none row %s -> %q: To is not a regime", m.From, m.To)
			}
			continue
		}
		if _, ok := c.Get(m.To); !ok {
			t.Errorf("row to unknown %s", m.To)
		}
		back := false
		for _, b := range c.Map(m.To) {
			if b.To == m.From && b.Relation == Invert(m.Relation) && !b.Derived {
				back = true
			}
		}
		if !back {
			t.Errorf("%s -> %s (%s) is not readable backwards", m.From, m.To, m.Relation)
		}
	}
}

func TestMap(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		id, to, relation string
		derived          bool
	}{
		{"EN303645-5.2-1", "CRA-II.5", Subset, false}, // issue 10: a published policy is only part of "put in place and enforce"
		{"CRA-II.5", "EN303645-5.2-1", Superset, false},
		{"EN303645-5.1-1", "CRA-I.2.d", Subset, false},
		{"CRA-I.2.d", "EN303645-5.1-1", Superset, false}, // read backwards
		{"CRA-14.AEV.EW", RegimeNISTIR8425, None, false},
		{"CRA-I.2.e", "NISTIR8425-3c", Overlaps, true}, // I.2.e ⊇ 5.5-1 ⊆ 3c
	}
	for _, tt := range tests {
		var got *Mapping
		ms := c.Map(tt.id)
		for i := range ms {
			if ms[i].To == tt.to {
				got = &ms[i]
			}
		}
		if got == nil {
			t.Errorf("Map(%s) has no row to %s", tt.id, tt.to)
			continue
		}
		if got.Relation != tt.relation || got.Derived != tt.derived || got.From != tt.id {
			t.Errorf("Map(%s) -> %s = %+v, want relation %s derived %v", tt.id, tt.to, *got, tt.relation, tt.derived)
		}
	}
	if c.Map("NO-SUCH-ID") != nil {
		t.Error("Map of an unknown ID should be nil")
	}
	// EN 303 645 requirements are the hub: nothing is derived for them.
	for _, r := range c.ByRegime(RegimeEN303645) {
		for _, m := range c.Map(r.ID) {
			if m.Derived {
				t.Errorf("%s: derived row %+v", r.ID, m)
			}
		}
	}
}

func TestCompose(t *testing.T) {
	tests := []struct {
		r1, r2, want string
		ok           bool
	}{
		{Equivalent, Overlaps, Overlaps, true},
		{Subset, Equivalent, Subset, true},
		{Subset, Subset, Subset, true},
		{Superset, Superset, Superset, true},
		{Superset, Subset, Overlaps, true},
		{Subset, Superset, "", false},
		{Overlaps, Overlaps, "", false},
		{Overlaps, Subset, Overlaps, true},
		{Overlaps, Superset, "", false},
	}
	for _, tt := range tests {
		got, ok := compose(tt.r1, tt.r2)
		if got != tt.want || ok != tt.ok {
			t.Errorf("compose(%s, %s) = %q, %v; want %q, %v", tt.r1, tt.r2, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCoverage(t *testing.T) {
	c := mustLoad(t)
	cov := c.Coverage()
	if len(cov) != len(Regimes)*(len(Regimes)-1) {
		t.Fatalf("%d pairs, want %d", len(cov), len(Regimes)*(len(Regimes)-1))
	}
	for _, cv := range cov {
		if cv.Full+cv.Partial+cv.None != cv.Total || cv.Total != len(c.ByRegime(cv.From)) {
			t.Errorf("%s -> %s: %d+%d+%d != %d", cv.From, cv.To, cv.Full, cv.Partial, cv.None, cv.Total)
		}
		if cv.Derived > cv.Full+cv.Partial {
			t.Errorf("%s -> %s: derived %d exceeds covered", cv.From, cv.To, cv.Derived)
		}
	}
	lvl, _ := c.CoverageOf("EN303645-5.2-1", RegimeCRA)
	if lvl != "full" {
		t.Errorf("EN303645-5.2-1 in cra: %s, want full", lvl)
	}
}

func TestGetFold(t *testing.T) {
	c := mustLoad(t)
	if r, ok := c.GetFold("tr03183-2:comp.hash"); !ok || r.ID != "TR03183-2:COMP.hash" {
		t.Errorf("GetFold = %v, %v", r.ID, ok)
	}
	if _, ok := c.GetFold("CRA-I.2.n"); ok {
		t.Error("GetFold found a requirement that does not exist")
	}
}

func TestSuggest(t *testing.T) {
	c := mustLoad(t)
	tests := []struct{ in, want string }{
		{"CRA-I.2.z", "CRA-I.2.a"},
		{"cra-i.2.d", "CRA-I.2.d"},
		{"EN303645-5.1-9", "EN303645-5.1-1"},
		{"NISTIR8425-4a.iv", "NISTIR8425-4a.i"},
	}
	for _, tt := range tests {
		if got := c.Suggest(tt.in, 5); !slices.Contains(got, tt.want) {
			t.Errorf("Suggest(%q) = %v, want it to contain %s", tt.in, got, tt.want)
		}
	}
	if got := c.Suggest("completely-different", 5); len(got) != 0 {
		t.Errorf("Suggest(nonsense) = %v, want none", got)
	}
}

// dataFiles returns the embedded data as a writable MapFS.
func dataFiles(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(dataFS, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dataFS, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBrokenData shows that each kind of broken data fails to load with a
// message naming the file, line and problem.
func TestBrokenData(t *testing.T) {
	tests := []struct {
		name, file, old, new, want string
	}{
		{"duplicate ID", "data/fcc.yaml", "FCC-REG-2,", "FCC-REG-1,", "data/fcc.yaml:18: FCC-REG-1: duplicate ID (first at line 17)"},
		{"malformed ID", "data/en303645.yaml", "EN303645-5.13-1,", "EN303645-5.13-x,", "EN303645-5.13-x: ID is not well-formed for regime en303645"},
		{"bad kind", "data/fcc.yaml", "kind: information", "kind: informative", `kind "informative" is not technical`},
		{"bad evidence", "data/fcc.yaml", "evidence: [registry-entry, dossier-fact]}", "evidence: [hearsay]}", `evidence kind "hearsay"`},
		{"bad confidence", "data/fcc.yaml", "confidence: C,", "confidence: X,", `confidence "X" is not C, S or U`},
		{"unknown field", "data/fcc.yaml", "{id: FCC-REG-1,", "{id: FCC-REG-1, colour: red,", `unknown field "colour"`},
		{"endpoint missing", "data/crosswalk.yaml", "to: CRA-II.5, relation: subset", "to: CRA-II.55, relation: subset", `to "CRA-II.55" is not a requirement`},
		{"bad relation", "data/crosswalk.yaml", "to: CRA-II.5, relation: subset", "to: CRA-II.5, relation: same", `relation "same" is not`},
		{"same regime", "data/crosswalk.yaml", "to: CRA-II.5, relation: subset", "to: EN303645-5.2-2, relation: subset", "a row must join two different regimes"},
		{"none contradicts row", "data/crosswalk.yaml", "from: [CRA-I.2.g]\n", "from: [CRA-I.2.b]\n", "CRA-I.2.b already has a row into nistir8425"},
		{"none without reason", "data/crosswalk.yaml", `reason: "IR 8425 has no data-minimisation outcome"`, `reason: ""`, "a reason and an origin are required"},
		{"wrong regime header", "data/bsi-tr03183.yaml", "regime: bsi-tr03183", "regime: bsi", `regime is "bsi", want "bsi-tr03183"`},
		{"not YAML", "data/cra.yaml", "groups:", "groups: [", "data/cra.yaml:0:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := dataFiles(t)
			f := fsys[tt.file]
			if !bytes.Contains(f.Data, []byte(tt.old)) {
				t.Fatalf("%s does not contain %q; update the test", tt.file, tt.old)
			}
			f.Data = bytes.Replace(f.Data, []byte(tt.old), []byte(tt.new), 1)
			_, err := Parse(fsys)
			if err == nil {
				t.Fatal("broken data loaded without error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
	fsys := dataFiles(t)
	delete(fsys, crosswalkFile)
	if _, err := Parse(fsys); err == nil {
		t.Error("missing crosswalk file accepted")
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./internal/catalog -update and review the diff\n--- got:\n%s", p, got)
	}
}

func TestRenderGolden(t *testing.T) {
	c := mustLoad(t)
	render := map[string]func(*bytes.Buffer) error{
		"list-fcc.golden": func(b *bytes.Buffer) error { return WriteList(b, c.ByRegime(RegimeFCC), termtable.Options{}) },
		"show-CRA-14.AEV.FR.golden": func(b *bytes.Buffer) error {
			r, _ := c.Get("CRA-14.AEV.FR")
			return WriteRequirement(b, r, nil, termtable.Options{})
		},
		"show-CRA-AII.8.golden": func(b *bytes.Buffer) error {
			r, _ := c.Get("CRA-AII.8")
			return WriteRequirement(b, r, c.Children("CRA-AII.8"), termtable.Options{})
		},
		"map-CRA-I.2.d.golden": func(b *bytes.Buffer) error { return WriteMappings(b, c.Map("CRA-I.2.d"), termtable.Options{}) },
		"coverage.golden":      func(b *bytes.Buffer) error { return WriteCoverage(b, c.Coverage(), termtable.Options{}) },
		"categories.golden":    func(b *bytes.Buffer) error { return WriteCategories(b, c, termtable.Options{}) },
		"regimes.golden":       func(b *bytes.Buffer) error { return WriteRegimes(b, c, termtable.Options{}) },
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, name, b.Bytes())
		})
	}
}

// TestCatalogDocUpToDate fails when docs/CATALOG.md differs from what
// "dualmark catalog doc" generates.
func TestCatalogDocUpToDate(t *testing.T) {
	c := mustLoad(t)
	var b bytes.Buffer
	if err := WriteMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("..", "..", "docs", "CATALOG.md")
	if *update {
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v: generate it with go run ./cmd/dualmark catalog doc > docs/CATALOG.md", err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Error("docs/CATALOG.md is out of date: regenerate it with go run ./cmd/dualmark catalog doc > docs/CATALOG.md (or go test ./internal/catalog -update)")
	}
}

// FuzzParse replaces one data file of the cut catalog (cutData: the real
// files cut down to a few requirements each) with arbitrary bytes: Parse
// must return a catalog or an error, never panic, and a catalog it returns
// must hold only well-formed requirements.
func FuzzParse(f *testing.F) {
	files := []string{crosswalkFile}
	for _, r := range Regimes {
		files = append(files, regimeFiles[r])
	}
	base := cutData(f)
	for i, name := range files {
		f.Add(uint8(i), base[name].Data)
	}
	f.Add(uint8(0), []byte("rows: [{from: [a, b], to: {x: 1}}]\nnone: [{select: cra, to: cra}]"))
	f.Add(uint8(1), []byte("regime: cra\ngroups: [{name: g, requirements: [{id: CRA-I.1}]}]"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[files[int(which)%len(files)]] = &fstest.MapFile{Data: data}
		c, err := Parse(fsys)
		if err != nil {
			return
		}
		for _, r := range c.All() {
			if p := checkRequirement(r); len(p) > 0 {
				t.Fatalf("%s loaded with problems %v", r.ID, p)
			}
		}
		for _, r := range c.All() {
			c.Map(r.ID)
		}
	})
}

func TestForAssessment(t *testing.T) {
	c := mustLoad(t)
	us, ok := c.ForAssessment("us-ctm")
	if !ok || len(us) != len(c.ByRegime(RegimeNISTIR8425))+len(c.ByRegime(RegimeFCC)) {
		t.Errorf("us-ctm: %d requirements, ok %v", len(us), ok)
	}
	if _, ok := c.ForAssessment("fcc"); ok {
		t.Error("fcc alone is not an assessment regime")
	}
}

// TestWriteListWidth: at a width, long titles wrap under their column and
// keep every word; without one the rendering is the golden one.
func TestWriteListWidth(t *testing.T) {
	c := mustLoad(t)
	reqs := c.ByRegime(RegimeCRA)
	var wide, narrow bytes.Buffer
	if err := WriteList(&wide, reqs, termtable.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteList(&narrow, reqs, termtable.Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(strings.Fields(wide.String()), " ") != strings.Join(strings.Fields(narrow.String()), " ") {
		t.Error("wrapping changed the words of the list")
	}
	if !(strings.Count(narrow.String(), "\n") > strings.Count(wide.String(), "\n")) {
		t.Error("nothing wrapped at width 80")
	}
	for _, l := range strings.Split(narrow.String(), "\n") {
		// Only a word longer than the title column itself may run past.
		if f := strings.Fields(l); termtable.Width(l) > 80 && termtable.Width(f[len(f)-1]) < 24 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}
