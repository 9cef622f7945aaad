package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/termtable"
)

// Table writes the assessment for a terminal with no width limit and no
// colour (the rendering the golden files pin); see TableWith.
func Table(w io.Writer, a *assess.Assessment) error { return TableWith(w, a, termtable.Options{}) }

// TableWith writes the assessment for a terminal: a summary, one table per
// regime and the gaps. With a width, the reasons and the next steps wrap
// onto further lines instead of running past it; nothing is cut. With
// colour, verdicts and statuses are coloured.
func TableWith(w io.Writer, a *assess.Assessment, opts termtable.Options) error {
	ew := &errWriter{w: w}
	for _, l := range headerLines(a) {
		ew.printf("%s\n", l)
	}
	ew.printf("\n%s\n", productLine(a))
	ew.printf("CRA class: %s\n", classLine(a))
	for _, l := range dateLines(a) {
		ew.printf("%s\n", l)
	}
	for _, l := range productFactLines(a) {
		ew.printf("%s\n", l)
	}
	if l := sbomLine(a); l != "" {
		ew.printf("SBOM: %s\n", l)
	}
	if l := scanLine(a); l != "" {
		ew.printf("Scan: %s\n", l)
	}
	for _, l := range blockingLines(a) {
		ew.printf("  blocking: %s\n", l)
	}
	for _, l := range sbomFailures(a) {
		ew.printf("  SBOM rule failed: %s\n", l)
	}
	if ai := aiLines(a); len(ai) > 0 {
		ew.printf("AI components:\n")
		for _, l := range ai {
			ew.printf("  %s\n", l)
		}
	}
	ew.printf("\n")
	tt := termtable.New(opts, "REGIME", "VERDICT", "MET", "NOT MET", "N/A", "UNKNOWN", "REUSED").Paint(1, verdictColour)
	for _, rr := range regimes(a) {
		c := rr.Counts
		tt.Row(rr.Title, verdictCell(rr), itoa(c.Met), itoa(c.NotMet), itoa(c.NotApplicable), itoa(c.Unknown), fmt.Sprintf("%d (%s)", rr.Reuse.Settled, percent(rr.Reuse.Share)))
	}
	tt.Write(ew)
	for _, rr := range regimes(a) {
		ew.printf("\n%s: %s — %s\n", rr.Title, strings.ToUpper(rr.Verdict), rr.VerdictReason)
		for _, v := range rr.Versions {
			ew.printf("Assessed against: %s\n", v)
		}
		if l := readinessLine(rr); l != "" {
			ew.printf("Readiness: %s\n", l)
		}
		if rr.Route != nil {
			ew.printf("CRA route: %s\n", routeLine(rr.Route))
		}
		if l := reuseLine(rr); l != "" {
			ew.printf("Reuse: %s\n", l)
		}
		tt := termtable.New(opts, "ID", "STATUS", "OBLIGATION", "REASON").Wrap(3).Paint(1, statusColour)
		for _, r := range rr.Requirements {
			reason := firstReason(r)
			if reused(r) {
				reason = "[reused from " + reuseNote(r) + "] " + reason
			}
			tt.Row(idLabel(r), statusLabel(r), r.Obligation, reason)
		}
		tt.Write(ew)
	}
	ew.printf("\n[U] = the catalog could not confirm the requirement's wording against the official text.\n")
	gaps := Gaps(a)
	if len(gaps) > 0 {
		ew.printf("\nGaps and what to do next (%d):\n", len(gaps))
		for _, g := range gaps {
			// The next step wraps under itself, after the fixed columns.
			termtable.Hang(ew, opts, fmt.Sprintf("  %-9s %-18s %-8s ", g.Regime, g.ID, g.Status), g.Next)
		}
	}
	return ew.err
}

// verdictColour and statusColour colour a verdict or a requirement status
// on a terminal: green when it holds, red when it fails, yellow when it is
// open.
func verdictColour(cell string) termtable.Colour {
	switch v, _, _ := strings.Cut(cell, " "); v {
	case assess.Conforms:
		return termtable.Green
	case assess.DoesNotConform:
		return termtable.Red
	case assess.Incomplete:
		return termtable.Yellow
	}
	return termtable.None
}

func statusColour(cell string) termtable.Colour {
	switch s, _, _ := strings.Cut(cell, " "); s {
	case assess.Met:
		return termtable.Green
	case assess.NotMet:
		return termtable.Red
	case assess.Unknown:
		return termtable.Yellow
	}
	return termtable.None
}

func itoa(n int) string { return fmt.Sprint(n) }

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed; it always reports success
// so that formatters keep going, and the first error is returned at the end.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
