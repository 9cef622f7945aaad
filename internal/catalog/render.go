package catalog

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// newTable returns a tabwriter for terminal tables.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// WriteList renders requirements as a terminal table.
func WriteList(w io.Writer, reqs []Requirement) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tOBLIGATION\tKIND\tCONF\tTITLE")
	for _, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, obligationLabel(r), r.Kind, r.Confidence, r.Title)
	}
	return tw.Flush()
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
func WriteRequirement(w io.Writer, r Requirement, children []Requirement) error {
	tw := newTable(w)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
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
	if err := tw.Flush(); err != nil {
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
func WriteMappings(w io.Writer, ms []Mapping) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "FROM\tRELATION\tTO\tORIGIN\tRATIONALE")
	for _, m := range ms {
		rel := m.Relation
		if m.Derived {
			rel += " (derived)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.From, rel, m.To, m.Origin, m.Rationale)
	}
	return tw.Flush()
}

// WriteCoverage renders the coverage table of every ordered regime pair.
func WriteCoverage(w io.Writer, cov []Coverage) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "FROM\tTO\tTOTAL\tFULL\tPARTIAL\tNONE\tREACH\tDERIVED")
	for _, cv := range cov {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\n", cv.From, cv.To, cv.Total, cv.Full, cv.Partial, cv.None, reach(cv), cv.Derived)
	}
	return tw.Flush()
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
func WriteCategories(w io.Writer, c *Catalog) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tCLASS\tITEM\tCATEGORY")
	for _, cat := range c.Categories() {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", cat.ID, cat.Class, cat.Item, cat.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nConformity-assessment routes (Art. 32):")
	tw = newTable(w)
	fmt.Fprintln(tw, "CLASS\tMODULE\tWHEN")
	for _, class := range Classes {
		for _, r := range c.Routes(class) {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", class, r.Module, r.Condition)
		}
	}
	return tw.Flush()
}

// WriteRegimes renders the assessment regimes (the names and titles every
// report uses) and the catalog regimes they draw from.
func WriteRegimes(w io.Writer, c *Catalog) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ASSESSMENT\tTITLE\tCATALOG REGIMES")
	for _, r := range AssessmentRegimeTable {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Title, strings.Join(r.Catalogs, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = newTable(w)
	fmt.Fprintln(tw, "CATALOG\tNAME\tVERSION")
	for _, id := range Regimes {
		if info, ok := c.Regime(id); ok {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", id, info.Name, info.Version)
		}
	}
	return tw.Flush()
}
