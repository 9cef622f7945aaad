package report

import (
	"io"
	"strings"

	"github.com/dualmark/dualmark/internal/assess"
)

// Markdown writes the assessment as a Markdown document: summary, one table
// per regime, then the gaps.
func Markdown(w io.Writer, a *assess.Assessment) error {
	ew := &errWriter{w: w}
	ew.printf("# Assessment: %s\n\n", mdEscape(a.Product.Name))
	var head []string
	for _, l := range headerLines(a) {
		head = append(head, mdEscape(l))
	}
	ew.printf("*%s*\n\n", strings.Join(head, "*  \n*"))
	meta := []string{mdEscape(productLine(a)), "CRA class: " + classLine(a)}
	for _, l := range dateLines(a) {
		meta = append(meta, mdEscape(l))
	}
	for _, l := range productFactLines(a) {
		meta = append(meta, mdEscape(l))
	}
	if l := sbomLine(a); l != "" {
		meta = append(meta, "SBOM: "+mdEscape(l))
	}
	if l := scanLine(a); l != "" {
		meta = append(meta, "Scan: "+mdEscape(l))
	}
	ew.printf("%s\n", strings.Join(meta, "  \n"))
	if bl := blockingLines(a); len(bl) > 0 {
		ew.printf("\nFindings that block CRA-I.2.a:\n\n")
		for _, l := range bl {
			ew.printf("- %s\n", mdEscape(l))
		}
	}
	if sf := sbomFailures(a); len(sf) > 0 {
		ew.printf("\nSBOM quality rules failed:\n\n")
		for _, l := range sf {
			ew.printf("- %s\n", mdEscape(l))
		}
	}
	if ai := aiLines(a); len(ai) > 0 {
		ew.printf("\nAI components:\n\n")
		for _, l := range ai {
			ew.printf("- %s\n", mdEscape(l))
		}
	}
	ew.printf("\n## Summary\n\n| Regime | Verdict | Met | Not met | N/A | Unknown | Settled by reuse |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, rr := range regimes(a) {
		c := rr.Counts
		ew.printf("| %s | **%s** | %d | %d | %d | %d | %d (%s) |\n", rr.Title, rr.Verdict, c.Met, c.NotMet, c.NotApplicable, c.Unknown, rr.Reuse.Settled, percent(rr.Reuse.Share))
	}
	for _, rr := range regimes(a) {
		ew.printf("\n## %s: %s\n\n%s\n", rr.Title, rr.Verdict, mdEscape(rr.VerdictReason))
		if len(rr.Versions) > 0 {
			ew.printf("\nAssessed against: %s\n", mdEscape(strings.Join(rr.Versions, "; ")))
		}
		if l := readinessLine(rr); l != "" {
			ew.printf("\nReadiness: %s\n", mdEscape(l))
		}
		if rr.Route != nil {
			ew.printf("\nCRA conformity-assessment route: %s\n", mdEscape(routeLine(rr.Route)))
		}
		if l := reuseLine(rr); l != "" {
			ew.printf("\nReuse: %s\n", mdEscape(l))
		}
		ew.printf("\n| ID | Title | Obligation | Status | Reasons | Evidence |\n|---|---|---|---|---|---|\n")
		for _, r := range rr.Requirements {
			reasons := strings.Join(r.Reasons, "; ")
			if reused(r) {
				reasons = "*reused from " + reuseNote(r) + "* — " + reasons
			}
			ew.printf("| %s | %s | %s | %s | %s | %s |\n", mdEscape(idLabel(r)), mdEscape(r.Title), r.Obligation, statusLabel(r), mdEscape(reasons), mdEscape(strings.Join(r.Evidence, ", ")))
		}
	}
	ew.printf("\n\\[U\\] = the catalog could not confirm the requirement's wording against the official text.\n")
	if gaps := Gaps(a); len(gaps) > 0 {
		ew.printf("\n## Gaps and what to do next\n\n| Regime | ID | Status | What to do |\n|---|---|---|---|\n")
		for _, g := range gaps {
			ew.printf("| %s | %s | %s | %s |\n", g.Regime, g.ID, g.Status, mdEscape(g.Next))
		}
	}
	return ew.err
}

// mdEscape keeps text from breaking a Markdown table or turning into markup.
var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "\\`", "[", `\[`, "]", `\]`)

func mdEscape(s string) string { return mdReplacer.Replace(s) }
