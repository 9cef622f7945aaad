package assess

import (
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

// timeline is which EU rules apply to the product on the assessment date
// (CRA Art. 69 and 71; Delegated Regulation (EU) 2022/30).
type timeline struct {
	on time.Time
	// craFull: the CRA applies in full to units placed on the market from
	// 11 December 2027 (or to a product substantially modified after it).
	craFull bool
	// craReporting: Art. 14 applies, to every product on the market,
	// whenever it was placed (Art. 69(3)).
	craReporting bool
	// redDA: the RED Delegated Regulation applies to radio equipment
	// placed on the market before the CRA applies.
	redDA bool
	// radio: the product has a radio interface (radio equipment under
	// Directive 2014/53/EU).
	radio bool
	rules []string
	notes []string
}

func day(t time.Time) string { return t.Format(dossier.DateLayout) }

// timelineOf works out the rules in force on day on for the product's
// placing-on-market dates. A product not yet placed is judged as if placed
// on that day (a readiness check).
func timelineOf(d *dossier.Dossier, on time.Time) timeline {
	t := timeline{on: on, radio: len(d.Interfaces.Radios) > 0}
	m := d.Market
	placedBy := func(x time.Time) bool { return m.FirstPlaced == nil || !m.FirstPlaced.After(x) }
	switch {
	case m.FirstPlaced == nil:
		t.notes = append(t.notes, "market.firstPlaced is not stated: the product is judged as if on the market on "+day(on))
	case m.FirstPlaced.After(on):
		t.notes = append(t.notes, fmt.Sprintf("the first unit is placed on %s, after the assessment date: judged as if placed on %s", m.FirstPlaced, day(on)))
	}
	stillPlaced := m.LastPlaced == nil || !m.LastPlaced.Before(catalog.CRAAppliesFrom)
	modified := m.SubstantiallyModified != nil && !m.SubstantiallyModified.Before(catalog.CRAAppliesFrom) && !m.SubstantiallyModified.After(on)
	inForce := !on.Before(catalog.CRAAppliesFrom)
	switch {
	case inForce && (stillPlaced || modified):
		t.craFull = true
		what := "units placed on the market from " + day(catalog.CRAAppliesFrom)
		if modified && !stillPlaced {
			what = fmt.Sprintf("the product, substantially modified on %s (Art. 69(2))", m.SubstantiallyModified)
		}
		t.rules = append(t.rules, "CRA (Regulation (EU) 2024/2847) in full, for "+what+" (Art. 71(2))")
	case inForce:
		t.rules = append(t.rules, fmt.Sprintf("CRA Annex I, Art. 13 and the conformity rules do not apply: the last unit was placed on %s, before %s, and no substantial modification is stated (Art. 69(2))", m.LastPlaced, day(catalog.CRAAppliesFrom)))
	default:
		t.rules = append(t.rules, fmt.Sprintf("CRA Annex I, Art. 13 and the conformity rules apply from %s (Art. 71(2)); until then they are shown as readiness only", day(catalog.CRAAppliesFrom)))
	}
	if !on.Before(catalog.CRAReportingFrom) && placedBy(on) {
		t.craReporting = true
		t.rules = append(t.rules, fmt.Sprintf("CRA Art. 14 reporting applies from %s to every product on the market, whenever placed (Art. 69(3), 71(2))", day(catalog.CRAReportingFrom)))
	} else if on.Before(catalog.CRAReportingFrom) {
		t.rules = append(t.rules, fmt.Sprintf("CRA Art. 14 reporting applies from %s (Art. 71(2))", day(catalog.CRAReportingFrom)))
	}
	switch {
	case !t.radio:
		t.rules = append(t.rules, "RED Delegated Regulation (EU) 2022/30: not radio equipment (no interfaces.radios), not applicable")
	case !on.Before(catalog.REDDAFrom) && on.Before(catalog.CRAAppliesFrom):
		t.redDA = true
		t.rules = append(t.rules, fmt.Sprintf("RED Delegated Regulation (EU) 2022/30 (Directive 2014/53/EU Art. 3(3)(d)(e)(f)) applies to radio equipment placed on the market from %s until the CRA applies", day(catalog.REDDAFrom)))
	case on.Before(catalog.REDDAFrom):
		t.rules = append(t.rules, fmt.Sprintf("RED Delegated Regulation (EU) 2022/30 applies from %s", day(catalog.REDDAFrom)))
	default:
		t.rules = append(t.rules, fmt.Sprintf("RED Delegated Regulation (EU) 2022/30: units placed from %s fall under the CRA instead [S: regulatory.md; the repeal of the delegated act is not checked here]", day(catalog.CRAAppliesFrom)))
	}
	return t
}

// notInForce says why a requirement does not apply on the assessment date,
// or "" when it does.
func (t timeline) notInForce(r catalog.Requirement) string {
	switch r.Regime {
	case catalog.RegimeCRA:
		if strings.HasPrefix(r.ID, "CRA-14.") {
			if !t.craReporting {
				return fmt.Sprintf("Art. 14 does not apply on %s (it applies from %s to products on the market)", day(t.on), day(catalog.CRAReportingFrom))
			}
			return ""
		}
		if !t.craFull {
			return fmt.Sprintf("not in force for this product on %s: the CRA applies to units placed on the market from %s (Art. 69, 71)", day(t.on), day(catalog.CRAAppliesFrom))
		}
	case catalog.RegimeRED:
		if !t.redDA {
			return fmt.Sprintf("RED Delegated Regulation (EU) 2022/30 does not apply to this product on %s", day(t.on))
		}
	}
	return ""
}

// CRADeclaration returns what an EU declaration of conformity rests on:
// the CRA verdict where the CRA applies on the assessment date, otherwise
// its readiness verdict (for units placed from 11 December 2027), and
// whether the chosen conformity-assessment module is open. ok is false when
// the CRA was not assessed.
func (a *Assessment) CRADeclaration() (verdict, reason string, inForce, routeOpen, ok bool) {
	rr := a.Regimes[RegimeCRA]
	if rr == nil {
		return "", "", false, false, false
	}
	verdict, reason, inForce = rr.Verdict, rr.VerdictReason, rr.Readiness == ""
	if !inForce {
		verdict, reason = rr.Readiness, rr.ReadinessReason
	}
	routeOpen = rr.Route != nil && rr.Route.ChosenAllowed != nil && *rr.Route.ChosenAllowed
	return verdict, reason, inForce, routeOpen, true
}
