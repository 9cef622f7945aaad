package assess

import (
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

// annexOf names the CRA annex that lists a class.
var annexOf = map[string]string{
	"important-class-I":  "Annex III, class I",
	"important-class-II": "Annex III, class II",
	"critical":           "Annex IV",
}

// routeBasis reads the facts that open conditional routes from the
// dossier's standards and FOSS statement, checked against the OJ table.
// It returns the basis, the lines explaining it, and warnings for
// standard references dualmark does not know.
func routeBasis(c Catalog, d *dossier.Dossier) (catalog.RouteBasis, []string, []string) {
	var b catalog.RouteBasis
	lines, warnings := []string{}, []string{}
	for i, s := range d.Conformity.Standards {
		act := s.Act
		if act == "" {
			act = catalog.OJActCRA
		}
		field := fmt.Sprintf("conformity.standards[%d]", i)
		cited, ok := c.LookupCited(act, s.Reference)
		switch {
		case ok && act == catalog.OJActCRA && s.Applied == "full":
			b.HarmonisedInFull = true
			lines = append(lines, fmt.Sprintf("%s is cited in the OJ for the CRA (%s) and applied in full", s.Reference, cited.OJ))
		case ok:
			line := fmt.Sprintf("%s is cited in the OJ for %s (%s)", s.Reference, act, cited.OJ)
			if s.Applied != "full" {
				line += "; applied in part or not said to be applied in full (" + field + ".applied): presumption only for the parts applied"
			}
			for _, r := range cited.Restrictions {
				line += "; OJ restriction: " + r
			}
			lines = append(lines, line)
		case !catalog.KnownStandard(s.Reference):
			warnings = append(warnings, fmt.Sprintf("%s: unknown standard reference %q; it is not in dualmark's OJ table, so it counts as not harmonised (check the reference)", field, s.Reference))
			lines = append(lines, fmt.Sprintf("%s: unknown reference, counted as not harmonised", s.Reference))
		case s.Harmonised != nil && *s.Harmonised:
			lines = append(lines, fmt.Sprintf("%s: %s.harmonised is true, but it is not cited in the OJ for %s (dualmark's OJ table): it gives no presumption of conformity", s.Reference, field, act))
		default:
			lines = append(lines, fmt.Sprintf("%s is not a harmonised standard for %s: no presumption of conformity", s.Reference, act))
		}
	}
	if f := d.Conformity.FOSS; f != nil && strings.TrimSpace(f.DocumentationURL) != "" {
		b.FOSS = true
		lines = append(lines, "free and open-source software with public technical documentation at "+f.DocumentationURL+" (Art. 32(5))")
	}
	return b, lines, warnings
}

// craRoute decides the conformity-assessment routes of the product's class
// (CRA Art. 32) and whether the module the dossier names is open.
func craRoute(c Catalog, d *dossier.Dossier, tl timeline) (*Route, []string) {
	class := d.Category.Class
	r := &Route{Class: class, Allowed: []RouteOption{}, Chosen: d.Conformity.Module}
	if a, ok := annexOf[class]; ok {
		r.Annex = a
		if d.Category.Item > 0 {
			r.Annex += fmt.Sprintf(", item %d", d.Category.Item)
		}
	}
	basis, lines, warnings := routeBasis(c, d)
	r.Basis = lines
	var chosen *catalog.RouteDecision
	for _, rd := range c.RoutesFor(class, basis) {
		r.Allowed = append(r.Allowed, RouteOption{Module: rd.Module, Condition: rd.Condition, Article: rd.Article, Open: rd.Open, Why: rd.Why})
		if rd.Module == r.Chosen {
			rd := rd
			chosen = &rd
		}
	}
	if r.Chosen == "" {
		return r, warnings
	}
	ok := chosen != nil && chosen.Open
	r.ChosenAllowed = &ok
	switch {
	case chosen == nil:
		r.Note = fmt.Sprintf("conformity.module: Module %s is not a procedure Art. 32 offers to %s products", r.Chosen, class)
	case !chosen.Open:
		r.Note = fmt.Sprintf("conformity.module: Module %s is not open to this %s product: %s", r.Chosen, class, chosen.Why)
	case r.Chosen == "B+C" || r.Chosen == "H":
		if nb := needsNotifiedBody(d); nb != "" {
			r.Note = nb
		}
	}
	if tl.on.Before(catalog.CRANotifiedBodiesFrom) && (r.Chosen == "B+C" || r.Chosen == "H") {
		r.Note = strings.TrimPrefix(r.Note+"; notified bodies can be notified under the CRA only from "+day(catalog.CRANotifiedBodiesFrom)+" (Art. 71(2))", "; ")
	}
	return r, warnings
}

// needsNotifiedBody says what is missing for Modules B+C and H: the
// notified body and its certificate as evidence.
func needsNotifiedBody(d *dossier.Dossier) string {
	nb := d.Conformity.NotifiedBody
	if nb == nil || nb.Number == "" {
		return "Module " + d.Conformity.Module + " needs a notified body: state conformity.notifiedBody with its four-digit NANDO number"
	}
	for _, ev := range d.Evidence {
		if p, _ := producerOf(ev); p == catalog.ProducerNotifiedBody {
			return ""
		}
	}
	return "Module " + d.Conformity.Module + " needs the notified body's certificate or examination report as evidence (evidence with producer: notified-body and nandoNumber)"
}

// applyRoute lets the route decide the CRA verdict where the CRA applies:
// a chosen module that is not open makes it does-not-conform, a missing
// module or notified body leaves it incomplete. Before the CRA applies the
// same judgement goes into the readiness verdict.
func applyRoute(rr *RegimeResult, r *Route, tl timeline) {
	verdict, reason := &rr.Verdict, &rr.VerdictReason
	if !tl.craFull {
		if rr.Readiness == "" {
			return
		}
		verdict, reason = &rr.Readiness, &rr.ReadinessReason
	}
	switch {
	case r.ChosenAllowed != nil && !*r.ChosenAllowed:
		*verdict = DoesNotConform
		*reason = r.Note + "; " + *reason
	case r.Chosen == "" && !Negative(*verdict):
		*verdict = Incomplete
		*reason = "no conformity-assessment procedure is chosen (conformity.module; Art. 32)"
	case r.Note != "" && (r.Chosen == "B+C" || r.Chosen == "H") && !Negative(*verdict):
		*verdict = Incomplete
		*reason = r.Note
	}
}

// supportWarnings warns when the support period ends within 12 months of
// the assessment date, or has ended.
func supportWarnings(d *dossier.Dossier, on time.Time) []string {
	end := d.SupportPeriod.End
	switch {
	case end == nil:
		return nil
	case end.Before(on):
		return []string{fmt.Sprintf("supportPeriod.end: the support period ended on %s, before the assessment date %s", end, day(on))}
	case end.Before(on.AddDate(1, 0, 0)):
		return []string{fmt.Sprintf("supportPeriod.end: the support period ends on %s, within 12 months of %s: plan the end-of-support notice (Art. 13(19)) or extend it", end, day(on))}
	}
	return nil
}

// redPresumption says whether the product has a presumption of conformity
// with RED Art. 3(3)(d)-(f): an EN 18031 part cited in the OJ, applied in
// full, with no OJ restriction that takes the presumption away. Without it,
// RED Art. 17(3) rules out internal control: EU-type examination (Module
// B+C) or full quality assurance (Module H) by a notified body is needed.
func redPresumption(c Catalog, d *dossier.Dossier) (bool, string) {
	var cited []string
	for _, s := range d.Conformity.Standards {
		if _, ok := c.LookupCited(catalog.OJActRED, s.Reference); ok && s.Act == catalog.OJActRED && s.Applied == "full" {
			cited = append(cited, s.Reference)
		}
	}
	switch {
	case len(cited) == 0:
		return false, "no EN 18031 part cited in the OJ is applied in full (conformity.standards with act: red-da, applied: full)"
	case isTrue(d.Authentication.PasswordOptional):
		return false, "the user may choose not to set or use a password (authentication.passwordOptional): the OJ citation of EN 18031 gives no presumption for authentication then"
	}
	return true, strings.Join(cited, ", ") + " applied in full: presumption of conformity (Directive 2014/53/EU Art. 16)"
}

// applyRED makes the RED DA verdict incomplete when there is no presumption
// of conformity and no notified-body evidence (Directive 2014/53/EU Art.
// 17(3)).
func applyRED(rr *RegimeResult, c Catalog, d *dossier.Dossier, tl timeline) {
	ok, why := redPresumption(c, d)
	rr.Rules = append(rr.Rules, "presumption of conformity: "+why)
	if ok || !tl.redDA || Negative(rr.Verdict) {
		return
	}
	for _, ev := range d.Evidence {
		if p, _ := producerOf(ev); p == catalog.ProducerNotifiedBody {
			return
		}
	}
	rr.Verdict = Incomplete
	rr.VerdictReason = "without a presumption of conformity (" + why + "), Directive 2014/53/EU Art. 17(3) needs EU-type examination (Module B+C) or full quality assurance (Module H) by a notified body: add its evidence (producer: notified-body); " + rr.VerdictReason
}
