package catalog

import (
	"fmt"
	"io"
	"strings"

	"github.com/dualmark/dualmark/internal/termtable"
)

// The Write functions render terminal tables laid out with opts (width
// and colour, decided by the caller); long titles, conditions and
// rationales wrap at opts.Width. The zero Options give the unwrapped
// rendering the golden files pin.

// WriteList renders requirements as a terminal table.
func WriteList(w io.Writer, reqs []Requirement, opts termtable.Options) error {
	tt := termtable.New(opts, "ID", "OBLIGATION", "KIND", "CONF", "TITLE").Wrap(4)
	for _, r := range reqs {
		tt.Row(r.ID, obligationLabel(r), r.Kind, r.Confidence, r.Title)
	}
	return tt.Write(w)
}

// obligationLabel shows a conditional requirement's level too, e.g.
// "conditional (M)".
func obligationLabel(r Requirement) string {
	if r.Obligation != Conditional {
		return r.Obligation
	}
	return fmt.Sprintf("conditional (%s)", strings.ToUpper(r.Level[:1]))
}

// WriteRequirement renders one requirement with its details.
func WriteRequirement(w io.Writer, r Requirement, children []Requirement, opts termtable.Options) error {
	tt := termtable.New(opts).Wrap(1)
	row := func(k, v string) {
		if v != "" {
			tt.Row(k+":", v)
		}
	}
	row("ID", r.ID)
	row("Regime", r.Regime)
	row("Title", r.Title)
	row("Group", r.Group)
	row("Kind", r.Kind)
	row("Obligation", r.Obligation)
	if r.Obligation == Conditional {
		row("Level", r.Level)
	}
	row("Condition", r.Condition)
	row("Source", r.Source)
	row("Confidence", r.Confidence+" ("+confidenceText(r.Confidence)+")")
	row("Evidence", strings.Join(r.Evidence, ", "))
	row("Parent", r.Parent)
	row("Deadline", r.Deadline)
	if err := tt.Write(w); err != nil {
		return err
	}
	if len(r.Content) > 0 {
		fmt.Fprintln(w, "Content:")
		for _, s := range r.Content {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if len(children) > 0 {
		fmt.Fprintln(w, "Details:")
		for _, ch := range children {
			fmt.Fprintf(w, "  %s  %s\n", ch.ID, ch.Title)
		}
	}
	return nil
}

func confidenceText(c string) string {
	switch c {
	case "C":
		return "confirmed against the official text"
	case "S":
		return "from a good secondary source"
	}
	return "unconfirmed, verify before relying on it"
}

// WriteMappings renders the counterparts of one requirement.
func WriteMappings(w io.Writer, ms []Mapping, opts termtable.Options) error {
	tt := termtable.New(opts, "FROM", "RELATION", "TO", "ORIGIN", "RATIONALE").Wrap(4)
	for _, m := range ms {
		rel := m.Relation
		if m.Derived {
			rel += " (derived)"
		}
		tt.Row(m.From, rel, m.To, m.Origin, m.Rationale)
	}
	return tt.Write(w)
}

// WriteCoverage renders the coverage table of every ordered regime pair.
func WriteCoverage(w io.Writer, cov []Coverage, opts termtable.Options) error {
	tt := termtable.New(opts, "FROM", "TO", "TOTAL", "FULL", "PARTIAL", "NONE", "REACH", "DERIVED")
	for _, cv := range cov {
		tt.Row(cv.From, cv.To, fmt.Sprint(cv.Total), fmt.Sprint(cv.Full), fmt.Sprint(cv.Partial), fmt.Sprint(cv.None), reach(cv), fmt.Sprint(cv.Derived))
	}
	return tt.Write(w)
}

// reach is the share of requirements with a full or partial counterpart.
func reach(cv Coverage) string {
	if cv.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", (cv.Full+cv.Partial)*100/cv.Total)
}

// WriteCategories renders the CRA product categories and, per class, the
// conformity-assessment routes.
func WriteCategories(w io.Writer, c *Catalog, opts termtable.Options) error {
	tt := termtable.New(opts, "ID", "CLASS", "ITEM", "CATEGORY").Wrap(3)
	for _, cat := range c.Categories() {
		tt.Row(cat.ID, cat.Class, fmt.Sprint(cat.Item), cat.Title)
	}
	if err := tt.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nConformity-assessment routes (Art. 32):")
	tt = termtable.New(opts, "CLASS", "MODULE", "WHEN").Wrap(2)
	for _, class := range Classes {
		for _, r := range c.Routes(class) {
			tt.Row(class, r.Module, r.Condition)
		}
	}
	return tt.Write(w)
}

// WriteRegimes renders the assessment regimes (the names and titles every
// report uses) and the catalog regimes they draw from.
func WriteRegimes(w io.Writer, c *Catalog, opts termtable.Options) error {
	tt := termtable.New(opts, "ASSESSMENT", "TITLE", "CATALOG REGIMES").Wrap(1, 2)
	for _, r := range AssessmentRegimeTable {
		tt.Row(r.ID, r.Title, strings.Join(r.Catalogs, ", "))
	}
	if err := tt.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tt = termtable.New(opts, "CATALOG", "NAME", "VERSION").Wrap(1, 2)
	for _, id := range Regimes {
		if info, ok := c.Regime(id); ok {
			tt.Row(id, info.Name, info.Version)
		}
	}
	return tt.Write(w)
}
