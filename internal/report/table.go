package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dualmark/dualmark/internal/assess"
)

// Table writes the assessment for a terminal: a summary, one table per
// regime and the gaps.
func Table(w io.Writer, a *assess.Assessment) error {
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
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REGIME\tVERDICT\tMET\tNOT MET\tN/A\tUNKNOWN\tREUSED")
	for _, rr := range regimes(a) {
		c := rr.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d (%s)\n", rr.Title, verdictCell(rr), c.Met, c.NotMet, c.NotApplicable, c.Unknown, rr.Reuse.Settled, percent(rr.Reuse.Share))
	}
	tw.Flush()
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
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tOBLIGATION\tREASON")
		for _, r := range rr.Requirements {
			reason := firstReason(r)
			if reused(r) {
				reason = "[reused from " + reuseNote(r) + "] " + reason
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", idLabel(r), statusLabel(r), r.Obligation, clip(reason, 110))
		}
		tw.Flush()
	}
	ew.printf("\n[U] = the catalog could not confirm the requirement's wording against the official text.\n")
	gaps := Gaps(a)
	if len(gaps) > 0 {
		ew.printf("\nGaps and what to do next (%d):\n", len(gaps))
		for _, g := range gaps {
			ew.printf("  %-9s %-18s %-8s %s\n", g.Regime, g.ID, g.Status, g.Next)
		}
	}
	return ew.err
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

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
