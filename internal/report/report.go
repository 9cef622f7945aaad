// Package report renders an assessment for people and tools: a terminal
// table, JSON (the contract of issue 5), a self-contained printable HTML
// page, Markdown and SARIF 2.1.0 for code-scanning dashboards. Every format
// shows the same facts: the product, a verdict per regime, every
// requirement's status with its reasons and reuse, and the gaps with what
// to do next.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/termtable"
)

// Formats lists the output formats Write accepts.
var Formats = []string{"table", "json", "html", "markdown", "sarif"}

// Extension returns the file extension for a format ("" for an unknown one).
func Extension(format string) string {
	switch format {
	case "table":
		return ".txt"
	case "json":
		return ".json"
	case "html":
		return ".html"
	case "markdown":
		return ".md"
	case "sarif":
		return ".sarif"
	}
	return ""
}

// Write renders a in the given format.
func Write(w io.Writer, a *assess.Assessment, format string) error {
	return WriteWith(w, a, format, termtable.Options{})
}

// WriteWith is Write with the terminal options the table format is laid
// out with (its width and colour); the other formats ignore them.
func WriteWith(w io.Writer, a *assess.Assessment, format string, term termtable.Options) error {
	switch format {
	case "table":
		return TableWith(w, a, term)
	case "json":
		return JSON(w, a)
	case "html":
		return HTML(w, a)
	case "markdown":
		return Markdown(w, a)
	case "sarif":
		return SARIF(w, a)
	}
	return fmt.Errorf("unknown report format %q; choose one of %s", format, strings.Join(Formats, ", "))
}

// regimes returns the regime results in report order.
func regimes(a *assess.Assessment) []*assess.RegimeResult {
	order := a.Order
	if len(order) == 0 {
		for _, r := range assess.AllRegimes {
			if _, ok := a.Regimes[r]; ok {
				order = append(order, r)
			}
		}
	}
	out := make([]*assess.RegimeResult, 0, len(order))
	for _, r := range order {
		if rr, ok := a.Regimes[r]; ok {
			out = append(out, rr)
		}
	}
	return out
}

// Gap is a requirement that keeps a regime from conforming.
type Gap struct {
	Regime string
	assess.RequirementResult
}

// Gaps lists, regime by regime, the requirements that keep it from
// conforming, most urgent first: not met, then mandatory ones still
// unknown, then conditional ones whose condition is still to be checked;
// each group in catalog order. Recommendations are left out.
func Gaps(a *assess.Assessment) []Gap {
	groups := []func(r assess.RequirementResult) bool{
		func(r assess.RequirementResult) bool { return r.Status == assess.NotMet },
		func(r assess.RequirementResult) bool {
			return r.Status == assess.Unknown && r.Obligation == "mandatory"
		},
		func(r assess.RequirementResult) bool {
			return r.Status == assess.Unknown && r.Obligation == "conditional"
		},
	}
	var out []Gap
	for _, rr := range regimes(a) {
		for _, in := range groups {
			for _, r := range rr.Requirements {
				if r.Obligation != "recommended" && in(r) {
					out = append(out, Gap{Regime: rr.Regime, RequirementResult: r})
				}
			}
		}
	}
	return out
}

// reused reports whether r rests on evidence reused through the crosswalk.
func reused(r assess.RequirementResult) bool {
	return r.Status == assess.Met && slices.ContainsFunc(r.ReusedFrom, func(u assess.Reuse) bool { return u.Coverage == "full" })
}

// reuseNote renders the reuse of r in a few words ("" when none).
func reuseNote(r assess.RequirementResult) string {
	var parts []string
	for _, u := range r.ReusedFrom {
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", u.From, u.Relation, u.Coverage))
	}
	return strings.Join(parts, "; ")
}

// firstReason returns the deciding reason.
func firstReason(r assess.RequirementResult) string {
	if len(r.Reasons) == 0 {
		return ""
	}
	return r.Reasons[0]
}

// productLine describes the product in one line.
func productLine(a *assess.Assessment) string {
	p := a.Product
	s := p.Name
	if p.Model != "" && !strings.Contains(p.Name, p.Model) {
		s += " (" + p.Model + ")"
	}
	if p.FirmwareVersion != "" {
		s += ", firmware " + p.FirmwareVersion
	}
	s += " — " + p.Manufacturer
	return s
}

// classLine describes the CRA class.
func classLine(a *assess.Assessment) string {
	p := a.Product
	if p.ClassItem > 0 {
		return fmt.Sprintf("%s (item %d)", p.Class, p.ClassItem)
	}
	return p.Class
}

// routeLine describes the CRA conformity-assessment route.
func routeLine(rt *assess.Route) string {
	if rt == nil {
		return ""
	}
	var open, closed []string
	for _, o := range rt.Allowed {
		m := "Module " + o.Module
		if o.Module == "EUCC" {
			m = o.Module
		}
		if o.Open {
			open = append(open, m)
		} else {
			closed = append(closed, m+" ("+o.Why+")")
		}
	}
	s := "open: " + strings.Join(open, ", ")
	if len(closed) > 0 {
		s += "; closed: " + strings.Join(closed, ", ")
	}
	if rt.Chosen != "" {
		s += "; dossier names " + rt.Chosen
		if rt.ChosenAllowed != nil && *rt.ChosenAllowed {
			s += " (open)"
		} else {
			s += " (not open)"
		}
	}
	if len(rt.Basis) > 0 {
		s += "; basis: " + strings.Join(rt.Basis, "; ")
	}
	if rt.Note != "" {
		s += "; " + rt.Note
	}
	return s
}

// statusLabel shows a requirement's status, with what it awaits and
// whether it is in force on the assessment date.
func statusLabel(r assess.RequirementResult) string {
	s := r.Status
	if r.Awaiting != "" {
		s += " (awaits " + r.Awaiting + ")"
	}
	if r.NotInForce != "" {
		s += " (not in force)"
	}
	return s
}

// headerLines head every report: its date, the version of dualmark that
// made it and the advisory database snapshot the scan used.
func headerLines(a *assess.Assessment) []string {
	return []string{
		fmt.Sprintf("%s %s · assessment date %s", a.Generator.Name, a.Generator.Version, a.On),
		"Advisory database: " + databaseLine(a.Database),
	}
}

// databaseLine describes the database snapshot, or says there was none.
func databaseLine(db *assess.DatabaseSnapshot) string {
	if db == nil {
		return "no database (the SBOM was not scanned)"
	}
	s := "built " + db.Built.UTC().Format("2006-01-02 15:04 MST")
	if !db.NewestRecord.IsZero() {
		s += ", newest record " + db.NewestRecord.UTC().Format("2006-01-02")
	} else {
		s += ", newest record unknown"
	}
	s += fmt.Sprintf(", %d records", db.Records)
	if db.KEVCatalog != "" {
		s += ", KEV catalogue " + db.KEVCatalog
	}
	if db.EPSSDate != "" {
		s += ", EPSS of " + db.EPSSDate
	}
	return s
}

// findingRows lists every finding of the scan, blocking ones first, each
// marked with whether it blocks CRA-I.2.a and why.
func findingRows(a *assess.Assessment) []findingRow {
	if a.Scan == nil {
		return nil
	}
	var out []findingRow
	for _, f := range a.Scan.Blocking {
		out = append(out, findingRow{f, true})
	}
	for _, f := range a.Scan.Other {
		out = append(out, findingRow{f, false})
	}
	return out
}

// findingRow is one finding as the HTML report lists it.
type findingRow struct {
	assess.FindingSummary
	Blocks bool
}

// dateLines state the assessment date, the rules that applied and the
// warnings.
func dateLines(a *assess.Assessment) []string {
	out := []string{"Assessment date: " + a.On}
	for _, r := range a.Rules {
		out = append(out, "Rule: "+r)
	}
	for _, w := range a.Warnings {
		out = append(out, "Warning: "+w)
	}
	return out
}

// readinessLine says what the verdict would be if every requirement
// applied ("" when all apply).
// verdictCell is the verdict with the readiness beside it where they
// differ, so that a regime judged only on the rules in force (the CRA's
// Art. 14 before 11 December 2027) never reads "conforms" alone.
func verdictCell(rr *assess.RegimeResult) string {
	if rr.Readiness == "" || rr.Readiness == rr.Verdict {
		return rr.Verdict
	}
	return rr.Verdict + " (readiness: " + rr.Readiness + ")"
}

func readinessLine(rr *assess.RegimeResult) string {
	if rr.Readiness == "" {
		return ""
	}
	return rr.Readiness + " — " + rr.ReadinessReason
}

// sbomLine and scanLine summarise the inputs ("" when absent).
func sbomLine(a *assess.Assessment) string {
	s := a.SBOM
	if s == nil {
		return ""
	}
	out := fmt.Sprintf("%s %s, %d components", s.Format, s.SpecVersion, s.Components)
	switch {
	case s.Profile == "":
		out += "; quality not checked: " + s.Note
	case s.Pass:
		out += "; quality: passes " + s.Profile
	default:
		out += fmt.Sprintf("; quality: fails %s (%d rule(s); a finding beside CRA-II.1, not its legal test)", s.Profile, len(s.Failed))
	}
	return out
}

func scanLine(a *assess.Assessment) string {
	s := a.Scan
	if s == nil {
		return ""
	}
	return fmt.Sprintf("%d components, %d findings (%d suppressed by VEX, %d KEV-listed), %d blocking CRA-I.2.a",
		s.Components, s.Findings, s.Suppressed, s.KEV, len(s.Blocking))
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// idLabel is the requirement ID, marked "[U]" when the catalog could not
// confirm its wording.
func idLabel(r assess.RequirementResult) string {
	if r.Confidence == "U" {
		return r.ID + " [U]"
	}
	return r.ID
}

// blockingLines describes the findings that block CRA-I.2.a, one per line.
func blockingLines(a *assess.Assessment) []string {
	if a.Scan == nil {
		return nil
	}
	var out []string
	for _, b := range a.Scan.Blocking {
		id := b.Advisory
		if len(b.Aliases) > 0 {
			id += " (" + strings.Join(b.Aliases, ", ") + ")"
		}
		out = append(out, fmt.Sprintf("%s in %s %s: %s, %s", id, b.Component, b.Version, b.Severity, b.Why))
	}
	return out
}

// sbomFailures lists the SBOM quality rules that failed.
func sbomFailures(a *assess.Assessment) []string {
	if a.SBOM == nil {
		return nil
	}
	return a.SBOM.Failed
}

// reuseLine lists the requirements of a regime settled by reuse and where
// their evidence came from ("" when none).
func reuseLine(rr *assess.RegimeResult) string {
	var parts []string
	for _, r := range rr.Requirements {
		if reused(r) {
			var from []string
			for _, u := range r.ReusedFrom {
				if u.Coverage == "full" {
					from = append(from, u.From+" ("+u.Relation+")")
				}
			}
			parts = append(parts, r.ID+" ← "+strings.Join(from, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d requirements (%s) settled by evidence given for another regime: %s",
		rr.Reuse.Settled, rr.Counts.Total, percent(rr.Reuse.Share), strings.Join(parts, "; "))
}

// productFactLines are the facts a label summarises that the assessment
// carries besides the verdicts: the support period and update policy, the
// post-quantum readiness, and the inputs with their digests.
func productFactLines(a *assess.Assessment) []string {
	var out []string
	if sp := a.SupportPeriod; sp != nil {
		out = append(out, "Support period: "+cmpOr(sp.Start, "(start not stated)")+" to "+cmpOr(sp.End, "(end not stated)"))
	}
	if u := a.UpdatePolicy; u != nil {
		out = append(out, "Updates: "+u.Mechanism+", "+yesNo(u.Automatic, "automatic", "not automatic", "automatic not stated")+", "+
			yesNo(u.Signed, "signed", "not signed", "signing not stated"))
	}
	if pq := a.PostQuantum; pq != nil {
		out = append(out, fmt.Sprintf("Post-quantum readiness: %s (rated from the %s %s, PQC policy %s)", pq.Readiness, pqInput(pq.Input), pq.File, pq.PolicyVersion))
	}
	for _, in := range a.Inputs {
		out = append(out, fmt.Sprintf("Input: %s %s (sha256 %s)", in.Role, in.Path, in.SHA256))
	}
	return out
}

func pqInput(input string) string {
	if input == "cbom" {
		return "CBOM"
	}
	return "dossier's cryptography in"
}

func yesNo(b *bool, yes, no, unknown string) string {
	switch {
	case b == nil:
		return unknown
	case *b:
		return yes
	}
	return no
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// aiLines describe the SBOM's ML models and datasets with their
// provenance, and a declared high-risk AI use with the CRA Art. 12 link
// ("" lines when there is nothing to say).
func aiLines(a *assess.Assessment) []string {
	ai := a.AI
	if ai == nil {
		return nil
	}
	var out []string
	for _, group := range []struct {
		kind  string
		items []assess.AIItem
	}{{"ML model", ai.Models}, {"dataset", ai.Datasets}} {
		for _, it := range group.items {
			name := it.Name
			if it.Version != "" {
				name += " " + it.Version
			}
			var missing, advice []string
			for _, c := range it.Checks {
				switch {
				case c.Pass:
				case c.Mandatory:
					missing = append(missing, c.ID+" ("+c.Detail+")")
				default:
					advice = append(advice, c.ID)
				}
			}
			line := group.kind + " " + name + ": "
			if len(missing) == 0 {
				line += "provenance complete"
			} else {
				line += "provenance missing: " + strings.Join(missing, "; ")
			}
			if len(advice) > 0 {
				line += "; advice: " + strings.Join(advice, ", ")
			}
			out = append(out, line+" ["+it.Location+"]")
		}
	}
	if hr := ai.HighRisk; hr != nil {
		basis := "AI Act Art. 6(1), safety component of a product under Annex I legislation"
		if hr.Basis == "annex-iii" {
			basis = "AI Act Annex III: " + hr.AnnexIIIUse
		}
		if hr.Description != "" {
			basis += "; " + hr.Description
		}
		l := hr.Article12
		state := "the presumption holds: every covered CRA requirement is met or not applicable"
		if !l.Holds {
			state = fmt.Sprintf("the presumption does not hold yet: %d met, %d not met, %d open", l.Met, l.NotMet, l.Open)
		}
		if l.NotInForce > 0 {
			state += fmt.Sprintf(" (%d of them not in force on the assessment date: readiness only)", l.NotInForce)
		}
		out = append(out, fmt.Sprintf("High-risk AI use (%s). %s. Covered: %s. Here %s [%s].", basis, l.Text, strings.Join(l.Covers, ", "), state, l.Confidence))
	}
	return out
}
