package assess

import (
	"fmt"
	"github.com/dualmark/dualmark/internal/aibom"
	"slices"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
)

// Catalog is what the engine needs from the requirement catalog;
// *catalog.Catalog implements it.
type Catalog interface {
	ByRegime(regime string) []catalog.Requirement
	Get(id string) (catalog.Requirement, bool)
	Map(id string) []catalog.Mapping
	RoutesFor(class string, b catalog.RouteBasis) []catalog.RouteDecision
	LookupCited(act, reference string) (catalog.CitedStandard, bool)
}

// Inputs are everything Evaluate looks at besides the dossier.
type Inputs struct {
	// Catalog is the requirement catalog (catalog.Load()).
	Catalog Catalog
	// SBOM describes the SBOM and its quality-profile result; nil when no
	// SBOM was read. SummariseSBOM builds it from a parsed document.
	SBOM *SBOMSummary
	// Scan is the vulnerability scan of the SBOM; nil when not scanned.
	Scan *match.Result
	// Regimes are the assessment regimes to report (AllRegimes when empty).
	Regimes []string
	// Checks replaces the check table (Checks when nil); for tests.
	Checks []Check
	// On is the assessment date: the rules in force on that day decide
	// (zero: today, in UTC).
	On time.Time
	// Version is dualmark's version, recorded in Assessment.Generator
	// (empty: "unknown").
	Version string
	// Database is the snapshot of the advisory database the scan used;
	// nil when there was no scan.
	Database *DatabaseSnapshot
	// Files are the inputs read besides the dossier and the CBOM (the
	// SBOM, VEX documents), with their digests; Evaluate adds the dossier
	// and the CBOM it reads itself.
	Files []Input
	// AI is the AI inventory of the SBOM (aibom.Check); nil when no SBOM
	// was read.
	AI *aibom.Report
}

// decision is one source's say on one requirement.
type decision struct {
	status   string
	reason   string
	evidence string
	next     string
	// producer is who produced the evidence behind a met decision
	// (catalog.ProducerManufacturer for dossier facts).
	producer string
}

// state collects what is known about one requirement while evaluating.
type state struct {
	req       catalog.Requirement
	decisions []decision
	hints     []string
	reused    []Reuse
	notes     []string // remarks that do not decide the status
	// applies are the reasons checks gave for a conditional requirement's
	// condition holding (Outcome.Applies).
	applies []string
	// holds are the reasons checks gave for keeping the requirement from
	// being met (Outcome.Hold), each with what to do.
	holds []decision
}

// precedence orders statuses when sources disagree: a fact that shows a
// requirement is not met wins over a not-applicable claim, which wins over
// evidence that it is met; unknown is what is left.
var precedence = map[string]int{Unknown: 0, Met: 1, NotApplicable: 2, NotMet: 3}

func (s *state) status() string {
	st := Unknown
	for _, d := range s.decisions {
		if precedence[d.status] > precedence[st] {
			st = d.status
		}
	}
	return st
}

// assessedRegimes are the catalog regimes whose requirements are evaluated;
// all of them take part in crosswalk reuse even when not reported.
var assessedRegimes = []string{catalog.RegimeCRA, catalog.RegimeRED, catalog.RegimeNISTIR8425, catalog.RegimeFCC, catalog.RegimeEN303645}

// Evaluate assesses d against every requirement of the selected regimes.
// It never panics on dossier content; it fails only on a bad regime name or
// a missing catalog.
func Evaluate(d *dossier.Dossier, in Inputs) (*Assessment, error) {
	if d == nil {
		return nil, fmt.Errorf("assess: no dossier given")
	}
	if in.Catalog == nil {
		return nil, fmt.Errorf("assess: no requirement catalog given")
	}
	regimes, err := normaliseRegimes(in.Regimes)
	if err != nil {
		return nil, err
	}
	checks := in.Checks
	if checks == nil {
		checks = Checks
	}
	on := in.On
	if on.IsZero() {
		on = time.Now().UTC()
	}
	on = time.Date(on.Year(), on.Month(), on.Day(), 0, 0, 0, 0, time.UTC)
	tl := timelineOf(d, on)
	e := &evaluator{cat: in.Catalog, states: map[string]*state{}, claimed: map[string]bool{}, tl: tl}
	for _, r := range assessedRegimes {
		for _, req := range in.Catalog.ByRegime(r) {
			st := &state{req: req}
			e.states[req.ID] = st
			e.order = append(e.order, st)
		}
	}
	cbom := loadCBOM(d)
	facts := &Facts{Dossier: d, SBOM: in.SBOM, Scan: in.Scan, On: on, CBOM: cbom}
	e.runChecks(checks, facts)
	e.noteAI(in.AI)
	e.applyClaims(d)
	e.applyEvidence(d)
	e.reuse()

	a := &Assessment{
		Product:   productOf(d),
		Regimes:   map[string]*RegimeResult{},
		Order:     regimes,
		SBOM:      in.SBOM,
		Scan:      summariseScan(in.Scan),
		On:        day(on),
		Rules:     append(tl.rules, tl.notes...),
		Generator: Generator{Name: "dualmark", Version: cmpOr(in.Version, "unknown")},
		Database:  in.Database,
		Inputs:    inputsOf(d, in.Files, cbom),
	}
	a.SupportPeriod, a.UpdatePolicy = supportOf(d), updatesOf(d)
	var pqWarn string
	a.PostQuantum, pqWarn = postQuantumOf(d, cbom, on)
	a.Reuse.ByRegime = map[string]float64{}
	all := e.results()
	route, basisWarnings := craRoute(in.Catalog, d, tl)
	a.Warnings = append(basisWarnings, supportWarnings(d, on)...)
	if pqWarn != "" {
		a.Warnings = append(a.Warnings, pqWarn)
	}
	for _, r := range regimes {
		rr := e.regimeResult(r, all)
		rr.Versions = versions(in.Catalog, r)
		switch r {
		case RegimeCRA:
			rr.Route = route
			applyRoute(rr, route, tl)
		case RegimeREDDA:
			applyRED(rr, in.Catalog, d, tl)
		}
		a.Regimes[r] = rr
		a.Reuse.Settled += rr.Reuse.Settled
		a.Reuse.Partial += rr.Reuse.Partial
		a.Reuse.Total += rr.Counts.Total
		a.Reuse.ByRegime[r] = rr.Reuse.Share
	}
	a.Reuse.Share = share(a.Reuse.Settled, a.Reuse.Total)
	if cra := a.Regimes[RegimeCRA]; cra != nil {
		all = map[string]RequirementResult{}
		for _, r := range cra.Requirements {
			all[r.ID] = r
		}
	}
	a.AI = aiSummary(d, in.AI, all)
	return a, nil
}

// normaliseRegimes checks and de-duplicates regime names, keeping order.
func normaliseRegimes(in []string) ([]string, error) {
	if len(in) == 0 {
		return slices.Clone(AllRegimes), nil
	}
	var out []string
	for _, r := range in {
		r = strings.TrimSpace(strings.ToLower(r))
		if _, ok := regimeCatalogs[r]; !ok {
			return nil, fmt.Errorf("assess: unknown regime %q; choose from %s", r, strings.Join(AllRegimes, ", "))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

type evaluator struct {
	cat     Catalog
	states  map[string]*state
	order   []*state
	claimed map[string]bool // requirements with a not-applicable claim
	tl      timeline        // the rules in force on the assessment date
}

func (e *evaluator) add(id string, d decision) {
	if st, ok := e.states[id]; ok {
		st.decisions = append(st.decisions, d)
	}
}

// runChecks applies every check's outcomes, then spreads the failures of
// propagating checks along the crosswalk.
func (e *evaluator) runChecks(checks []Check, f *Facts) {
	for _, c := range checks {
		for _, o := range c.Eval(f) {
			for _, id := range o.IDs {
				st, ok := e.states[id]
				if !ok {
					continue
				}
				if o.Status == "" {
					st.hints = append(st.hints, o.Next)
					if o.Applies {
						st.applies = append(st.applies, o.Reason)
					}
					if o.Hold {
						st.holds = append(st.holds, decision{status: Unknown, reason: o.Reason, evidence: "check:" + c.Name, next: o.Next})
					}
					continue
				}
				st.decisions = append(st.decisions, decision{status: o.Status, reason: o.Reason, evidence: "check:" + c.Name, next: o.Next, producer: catalog.ProducerManufacturer})
				if o.Status == NotMet && c.PropagateFail {
					e.propagateFail(id, c.Name, o)
				}
			}
		}
	}
}

// propagateFail marks not met the counterparts of id that ask at least what
// id asks (equivalent, or id is a subset of them): if they were met, id
// would be met too.
func (e *evaluator) propagateFail(id, check string, o Outcome) {
	for _, m := range e.cat.Map(id) {
		if m.Relation == catalog.Overlaps || m.Relation == catalog.Superset {
			// The counterpart may still be met; tell the reviewer.
			if st, ok := e.states[m.To]; ok {
				st.notes = append(st.notes, fmt.Sprintf("note: %s (%s this requirement) is not met: %s", id, relationPhrase(m.Relation), o.Reason))
			}
			continue
		}
		if m.Relation != catalog.Equivalent && m.Relation != catalog.Subset {
			continue
		}
		e.add(m.To, decision{status: NotMet, evidence: "check:" + check,
			reason: fmt.Sprintf("not met because %s is not met (%s is %s it through the crosswalk): %s", id, m.To, relationPhrase(catalog.Invert(m.Relation)), o.Reason),
			next:   o.Next})
	}
}

func relationPhrase(rel string) string {
	switch rel {
	case catalog.Superset:
		return "a superset of"
	case catalog.Subset:
		return "a subset of"
	case catalog.Overlaps:
		return "overlapping"
	}
	return "equivalent to"
}

// applyClaims records the dossier's justified not-applicable claims.
func (e *evaluator) applyClaims(d *dossier.Dossier) {
	for _, na := range d.NotApplicable {
		e.claimed[na.Requirement] = true
		e.add(na.Requirement, decision{status: NotApplicable, evidence: "not-applicable claim",
			reason: "claimed not applicable: " + strings.TrimSpace(na.Justification)})
	}
}

// applyEvidence records every evidence document for the requirements it
// claims to demonstrate.
func (e *evaluator) applyEvidence(d *dossier.Dossier) {
	for _, ev := range d.Evidence {
		ref := ev.Path
		if ref == "" {
			ref = ev.URL
		}
		what := ev.Kind
		if what == "" {
			what = "document"
		}
		if ev.Title != "" {
			what += fmt.Sprintf(" %q", ev.Title)
		}
		date := ""
		if ev.Date != nil {
			date = ", " + ev.Date.String()
		}
		producer, by := producerOf(ev)
		for _, id := range ev.Demonstrates {
			reason := fmt.Sprintf("%s by %s (%s)%s demonstrates it", what, ev.Issuer, by, date)
			if st, ok := e.states[id]; ok && !kindFits(ev.Kind, st.req.Evidence) {
				reason += fmt.Sprintf(" (note: the catalog expects %s for this requirement)", strings.Join(st.req.Evidence, " or "))
			}
			e.add(id, decision{status: Met, evidence: ref, reason: reason, producer: producer})
		}
	}
}

// evidenceKind maps a dossier evidence kind to the catalog's evidence kinds.
var evidenceKind = map[string]string{
	"test-report": "test-report", "certificate": "test-report", "sbom": "sbom", "scan-result": "scan-result",
}

// kindFits reports whether a document of the dossier kind is what the
// catalog asks for. Only requirements that ask for nothing but test
// reports, SBOMs or scan results are picky: for those a policy or a manual
// does not fit. Any document fits every other requirement. A misfit is
// noted in the reasons, never held against the status: the reviewer judges
// the document.
func kindFits(kind string, want []string) bool {
	for _, w := range want {
		if w != "test-report" && w != "sbom" && w != "scan-result" {
			return true
		}
	}
	return len(want) == 0 || slices.Contains(want, evidenceKind[kind])
}

// reuse lets a requirement met by a check or by evidence count for its
// crosswalk counterparts that nothing else decides: fully when the two are
// equivalent or the source asks more, partially otherwise.
func (e *evaluator) reuse() {
	direct := map[string]string{}
	for _, st := range e.order {
		direct[st.req.ID] = st.status()
	}
	for _, src := range e.order {
		if direct[src.req.ID] != Met {
			continue
		}
		for _, m := range e.cat.Map(src.req.ID) {
			dst, ok := e.states[m.To]
			if !ok || direct[m.To] != Unknown {
				continue
			}
			r := Reuse{From: src.req.ID, Relation: m.Relation, Derived: m.Derived, by: src.producers()}
			switch m.Relation {
			case catalog.Equivalent, catalog.Superset:
				r.Coverage = "full"
			case catalog.Subset, catalog.Overlaps:
				r.Coverage = "partial"
				r.Needed = neededFor(dst.req, src.req.ID, m)
			default:
				continue
			}
			dst.reused = append(dst.reused, r)
		}
	}
}

// neededFor says what a partial reuse leaves to show.
func neededFor(dst catalog.Requirement, from string, m catalog.Mapping) string {
	why := ""
	if m.Rationale != "" {
		why = " (" + m.Rationale + ")"
	}
	if m.Relation == catalog.Subset {
		return fmt.Sprintf("%s asks more than %s%s: show the rest of %q", dst.ID, from, why, dst.Title)
	}
	return fmt.Sprintf("%s only overlaps %s%s: show the parts of %q that %s does not cover", dst.ID, from, why, dst.Title, from)
}

// full reports whether any reuse of st is full.
func (st *state) fullReuse() bool {
	return slices.ContainsFunc(st.reused, func(r Reuse) bool { return r.Coverage == "full" })
}

// result turns the collected state into the requirement's result.
func (e *evaluator) result(st *state) (r RequirementResult) {
	r = RequirementResult{ID: st.req.ID, Title: st.req.Title, Obligation: st.req.Obligation, Confidence: st.req.Confidence,
		Status: st.status(), Reasons: []string{}, Evidence: []string{}, ReusedFrom: []Reuse{}, NotInForce: e.tl.notInForce(st.req)}
	held := len(st.holds) > 0 && r.Status == Met
	if held {
		// A fact keeps it open (an open known vulnerability): the
		// evidence counts as given, but does not settle it.
		r.Status = Unknown
		for _, h := range st.holds {
			r.Reasons = append(r.Reasons, h.reason)
			r.Evidence = append(r.Evidence, h.evidence)
			if r.Next == "" {
				r.Next = h.next
			}
		}
	}
	prepared := r.Status == Met && !st.producedBy(st.req.Producers)
	if prepared {
		// The manufacturer's own evidence prepares the requirement but
		// cannot settle it: reuse never upgrades evidence either.
		r.Status = Unknown
	}
	// Deciding reasons first, then the others (for example evidence that a
	// failing fact overrides).
	for pass := 0; pass < 2; pass++ {
		for _, d := range st.decisions {
			if (d.status == r.Status) != (pass == 0) {
				continue
			}
			r.Reasons = append(r.Reasons, d.reason)
			if !slices.Contains(r.Evidence, d.evidence) {
				r.Evidence = append(r.Evidence, d.evidence)
			}
			if pass == 0 && d.next != "" && r.Next == "" {
				r.Next = d.next
			}
		}
	}
	r.Applies = len(st.applies) > 0
	if r.Applies && r.Status == Unknown {
		r.Reasons = append(r.Reasons, st.applies...)
	}
	defer func() { r.Reasons = append(r.Reasons, st.notes...) }()
	if r.Status == Unknown {
		r.ReusedFrom = append(r.ReusedFrom, st.reused...)
		if held || len(st.holds) > 0 && len(st.decisions) == 0 {
			// kept open by a fact: neither evidence nor reuse settles it
			if !held {
				r.Next = st.holds[0].next
			}
		} else if prepared || (st.fullReuse() && !st.fullReuseBy(st.req.Producers)) {
			e.awaiting(st, &r)
		} else if st.fullReuse() {
			r.Status = Met
			for _, u := range st.reused {
				if u.Coverage == "full" {
					r.Reasons = append(r.Reasons, fmt.Sprintf("met through the crosswalk: the evidence for %s counts here (%s is %s it%s)",
						u.From, u.From, relationPhrase(u.Relation), derivedNote(u.Derived)))
					r.Evidence = append(r.Evidence, "reuse:"+u.From)
				}
			}
		} else {
			r.Next = e.nextFor(st)
			for _, u := range st.reused {
				r.Reasons = append(r.Reasons, "partly covered by the evidence for "+u.From+": "+u.Needed)
			}
			if len(r.Reasons) == 0 {
				r.Reasons = append(r.Reasons, "no check, evidence or claim decides it")
			}
		}
	}
	if r.NotInForce != "" {
		r.Reasons = append(r.Reasons, r.NotInForce)
	}
	return r
}

func derivedNote(derived bool) string {
	if derived {
		return ", derived through EN 303 645"
	}
	return ""
}

// nextFor says what would settle an unknown requirement.
func (e *evaluator) nextFor(st *state) string {
	if len(st.hints) > 0 {
		return st.hints[0]
	}
	kinds := "evidence"
	if len(st.req.Evidence) > 0 {
		kinds = strings.Join(st.req.Evidence, " or ")
	}
	next := fmt.Sprintf("add %s demonstrating %s to the dossier's evidence, or claim it not applicable with a justification", kinds, st.req.ID)
	if st.req.Obligation == catalog.Conditional && st.req.Condition != "" {
		next = "applies when " + st.req.Condition + ": if so, " + next + "; if not, claim it not applicable"
		next = strings.Replace(next, ", or claim it not applicable with a justification;", ";", 1)
	}
	return next
}

// decides reports whether a requirement takes part in the verdict:
// mandatory ones always; conditional ones once something shows their
// condition holds (a check, evidence or reuse decided them, or a check said
// the condition applies), so an unknown conditional requirement whose
// condition nobody showed is a gap to look at but does not hold the verdict
// back. Recommendations are reported but never decide.
func decides(r RequirementResult) bool {
	switch r.Obligation {
	case catalog.Mandatory:
		return true
	case catalog.Conditional:
		return r.Status != Unknown || r.Applies
	}
	return false
}

// results computes every requirement's result, then rolls children up into
// parents that nothing else decides: a parent is not met when one of its
// items is not met, and met when all of them are met or not applicable.
func (e *evaluator) results() map[string]RequirementResult {
	out := make(map[string]RequirementResult, len(e.order))
	children := map[string][]string{}
	for _, st := range e.order {
		out[st.req.ID] = e.result(st)
		if st.req.Parent != "" {
			children[st.req.Parent] = append(children[st.req.Parent], st.req.ID)
		}
	}
	for _, st := range e.order {
		kids := children[st.req.ID]
		r := out[st.req.ID]
		if len(kids) == 0 || r.Status == NotApplicable {
			continue
		}
		var failing, open []string
		awaiting := ""
		for _, k := range kids {
			switch out[k].Status {
			case NotMet:
				failing = append(failing, k)
			case Unknown:
				open = append(open, k)
				switch w := out[k].Awaiting; {
				case len(open) == 1:
					awaiting = w
				case w != awaiting:
					awaiting = ""
				}
			}
		}
		switch {
		case len(failing) > 0 && r.Status != NotMet:
			// A failing item is a fact; evidence for the parent as a whole
			// does not outweigh it.
			r.Reasons = append([]string{"not met because its item(s) " + strings.Join(failing, ", ") + " are not met"}, r.Reasons...)
			r.Status, r.Next = NotMet, "settle "+strings.Join(failing, ", ")
		case r.Status != Unknown:
			continue
		case len(open) == 0:
			r.Status, r.Reasons, r.Next = Met, []string{"all its items are met or not applicable: " + strings.Join(kids, ", ")}, ""
		case awaiting != "":
			// Every open item waits for the same producer: so does the parent.
			r.Awaiting = awaiting
			r.Next = "have its items " + strings.Join(open, ", ") + " assessed: " + producerNeed[awaiting]
			r.Reasons = append([]string{"its open items await evidence from the " + awaiting + ": " + strings.Join(open, ", ")}, r.Reasons...)
		default:
			r.Next = "settle its open items: " + strings.Join(open, ", ")
		}
		r.Evidence = append(r.Evidence, "items:"+strings.Join(kids, ","))
		out[st.req.ID] = r
	}
	e.justifications(out)
	return out
}

// regimeResult assembles one assessment regime.
func (e *evaluator) regimeResult(regime string, all map[string]RequirementResult) *RegimeResult {
	rr := &RegimeResult{Regime: regime, Title: catalog.AssessmentTitle(regime), Requirements: []RequirementResult{}}
	rr.Reuse.IDs = []string{}
	var failing, open, waiting, allFailing, allOpen, allWaiting []string
	inForce, allDeciding := 0, 0
	for _, cr := range regimeCatalogs[regime] {
		for _, st := range e.order {
			if st.req.Regime != cr {
				continue
			}
			r := all[st.req.ID]
			rr.Requirements = append(rr.Requirements, r)
			rr.Counts.add(r.Status)
			if slices.ContainsFunc(r.ReusedFrom, func(u Reuse) bool { return u.Coverage == "full" }) && r.Status == Met {
				rr.Reuse.Settled++
				rr.Reuse.IDs = append(rr.Reuse.IDs, r.ID)
			} else if len(r.ReusedFrom) > 0 {
				rr.Reuse.Partial++
			}
			if r.NotInForce == "" {
				inForce++
			}
			if !decides(r) {
				continue
			}
			allDeciding++
			classify(r, &allFailing, &allOpen, &allWaiting)
			if r.NotInForce != "" {
				continue
			}
			rr.Counts.Deciding++
			classify(r, &failing, &open, &waiting)
		}
	}
	rr.Reuse.Share = share(rr.Reuse.Settled, rr.Counts.Total)
	rr.Rules = e.tl.regimeRules(regime)
	if inForce == 0 {
		rr.Verdict = NotInForce
		rr.VerdictReason = fmt.Sprintf("none of its rules applies to this product on %s", day(e.tl.on))
	} else {
		rr.Verdict, rr.VerdictReason = verdictOf(regime, failing, open, waiting, rr.Counts.Deciding)
	}
	if inForce < rr.Counts.Total && inForce > 0 {
		rr.VerdictReason = fmt.Sprintf("judged on the %d requirement(s) in force on %s: %s", inForce, day(e.tl.on), rr.VerdictReason)
	}
	if inForce < rr.Counts.Total {
		rr.Readiness, rr.ReadinessReason = verdictOf(regime, allFailing, allOpen, allWaiting, allDeciding)
		rr.ReadinessReason = "if all its requirements applied: " + rr.ReadinessReason
	}
	return rr
}

func (c *Counts) add(status string) {
	c.Total++
	switch status {
	case Met:
		c.Met++
	case NotMet:
		c.NotMet++
	case NotApplicable:
		c.NotApplicable++
	default:
		c.Unknown++
	}
}

// listShort joins up to eight IDs and says how many more there are.
func listShort(ids []string) string {
	const max = 8
	if len(ids) <= max {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:max], ", ") + fmt.Sprintf(" and %d more", len(ids)-max)
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(total)*1000+0.5)) / 1000
}

func productOf(d *dossier.Dossier) Product {
	return Product{
		Name: d.Product.Name, Manufacturer: d.Manufacturer.Name, Brand: d.Product.Brand, Model: d.Product.Model,
		Type: d.Product.Type, FirmwareVersion: d.Product.FirmwareVersion, HardwareVersion: d.Product.HardwareVersion,
		Class: d.Category.Class, ClassItem: d.Category.Item, Dossier: d.File,
		Identifiers: identifiersOf(d),
	}
}

func identifiersOf(d *dossier.Dossier) []Identifier {
	var out []Identifier
	for _, id := range d.Product.Identifiers {
		out = append(out, Identifier{Type: id.Type, Value: id.Value})
	}
	return out
}

// supportOf is the dossier's support period; nil when it states no date.
func supportOf(d *dossier.Dossier) *SupportPeriod {
	sp := d.SupportPeriod
	if sp.Start == nil && sp.End == nil {
		return nil
	}
	out := &SupportPeriod{}
	if sp.Start != nil {
		out.Start = day(sp.Start.Time)
	}
	if sp.End != nil {
		out.End = day(sp.End.Time)
	}
	return out
}

// updatesOf is the dossier's update policy; nil without a mechanism.
func updatesOf(d *dossier.Dossier) *UpdatePolicy {
	u := d.Updates
	if u.Mechanism == "" {
		return nil
	}
	return &UpdatePolicy{Mechanism: u.Mechanism, Automatic: u.Automatic, Signed: u.Signed}
}

// inputsOf lists the files read: the dossier first, then the given ones,
// then the CBOM.
func inputsOf(d *dossier.Dossier, files []Input, cbom *cbomFile) []Input {
	out := []Input{}
	if d.File != "" && d.SHA256 != "" {
		out = append(out, Input{Role: InputDossier, Path: d.File, SHA256: d.SHA256})
	}
	out = append(out, files...)
	if cbom != nil && cbom.err == nil {
		out = append(out, Input{Role: InputCBOM, Path: cbom.path, SHA256: cbom.digest})
	}
	return out
}

// summariseScan condenses a scan result; nil when there was no scan.
// cmpOr returns s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func summariseScan(res *match.Result) *ScanSummary {
	if res == nil {
		return nil
	}
	s := &ScanSummary{Components: res.Summary.Components, Findings: len(res.Findings), Suppressed: res.Summary.Suppressed,
		KEV: res.Summary.KEV, BySeverity: map[string]int{}, Blocking: []FindingSummary{}, Other: []FindingSummary{}}
	for k, v := range res.Summary.BySeverity {
		s.BySeverity[k] = v
	}
	for i := range res.Findings {
		fd := &res.Findings[i]
		fs := FindingSummary{Advisory: fd.Advisory.ID, Aliases: fd.Advisory.Aliases,
			Component: fd.Component.Name, Version: fd.Component.Version, PURL: fd.Component.PURL,
			Severity: fd.Severity, KEV: fd.KEV, Fixed: fd.Fixed, Suppressed: fd.Suppressed}
		if ok, why := Blocking(fd); ok {
			fs.Why = why
			s.Blocking = append(s.Blocking, fs)
			continue
		}
		fs.Why = notBlockingWhy(fd)
		s.Other = append(s.Other, fs)
	}
	slices.SortStableFunc(s.Other, func(a, b FindingSummary) int {
		if a.Suppressed != b.Suppressed {
			if a.Suppressed {
				return 1
			}
			return -1
		}
		return severityRank(a.Severity) - severityRank(b.Severity)
	})
	return s
}

// notBlockingWhy says why a finding does not make CRA-I.2.a not met.
func notBlockingWhy(fd *match.Finding) string {
	switch {
	case fd.Suppressed:
		return "suppressed by VEX"
	case fd.Severity == "critical":
		return "critical, but no fixed version is known and it is not KEV-listed"
	}
	return "not KEV-listed and not critical with a fix"
}

// severityRank orders severities, most severe first.
func severityRank(s string) int {
	switch s {
	case "critical":
		return 0
	case "high":
		return 1
	case "medium":
		return 2
	case "low":
		return 3
	}
	return 4
}

// versions names the catalog texts behind an assessment regime, when the
// catalog can say (catalog.Catalog can; test doubles need not).
func versions(c Catalog, regime string) []string {
	out := []string{}
	rc, ok := c.(interface {
		Regime(id string) (catalog.RegimeInfo, bool)
	})
	if !ok {
		return out
	}
	for _, cr := range regimeCatalogs[regime] {
		if info, ok := rc.Regime(cr); ok {
			out = append(out, strings.TrimSpace(info.Name+", "+info.Version))
		}
	}
	return out
}

// idENJustify is EN 303 645 provision 4-1: a justification is recorded for
// every recommendation that is not applicable or not fulfilled.
const idENJustify = "EN303645-4-1"

// justifications decides EN 303 645 4-1 from the other EN 303 645
// results: a recommendation that a fact shows not fulfilled, with no
// not-applicable claim recording why, fails it (whatever documents say:
// the dossier is where the justification is recorded); when every
// recommendation is met, not applicable or justified by a claim, it is
// met; otherwise it is left as the evidence has it.
func (e *evaluator) justifications(out map[string]RequirementResult) {
	r, ok := out[idENJustify]
	if !ok {
		return
	}
	var unjustified, open []string
	for _, st := range e.order {
		if st.req.Regime != catalog.RegimeEN303645 || st.req.Obligation != catalog.Recommended || e.claimed[st.req.ID] {
			continue
		}
		switch out[st.req.ID].Status {
		case NotMet:
			unjustified = append(unjustified, st.req.ID)
		case Unknown:
			open = append(open, st.req.ID)
		}
	}
	switch {
	case len(unjustified) > 0:
		r.Reasons = append([]string{"recommendation(s) not fulfilled without a recorded justification: " + strings.Join(unjustified, ", ")}, r.Reasons...)
		r.Status, r.Next = NotMet, "fulfil "+strings.Join(unjustified, ", ")+", or record why not under notApplicable"
	case r.Status != Unknown:
		return
	case len(open) == 0:
		r.Status, r.Reasons, r.Next = Met, []string{"every recommendation is met, not applicable or justified"}, ""
	default:
		r.Next = "settle the recommendations " + listShort(open) + ", or record why they are not applicable"
	}
	r.Evidence = append(r.Evidence, "recommendations")
	out[idENJustify] = r
}
