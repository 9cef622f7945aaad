package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// RouteBasis holds the facts about a product that open the conditional
// conformity-assessment routes of CRA Art. 32.
type RouteBasis struct {
	// HarmonisedInFull: a standard cited in the OJ for the CRA (or a
	// common specification, or an EU scheme at "substantial" or higher)
	// was applied in full.
	HarmonisedInFull bool
	// FOSS: the product is free and open-source software whose technical
	// documentation is public (Art. 32(5)).
	FOSS bool
	// DelegatedAct: a delegated act under Art. 8(1) requires European
	// cybersecurity certification for the product's category.
	DelegatedAct bool
}

// RouteDecision is one route of a class with whether it is open for a
// product and why.
type RouteDecision struct {
	Route
	Open bool   `json:"open"`
	Why  string `json:"why"`
}

// needPhrases say in words what each condition of Route.Needs asks.
var needPhrases = map[string]string{
	NeedsFullHarmonised: "harmonised standards, common specifications or an EU cybersecurity certification scheme at level \"substantial\" or higher applied in full",
	NeedsFOSS:           "free and open-source software with public technical documentation",
	NeedsDelegatedAct:   "a delegated act under Art. 8(1) requiring European cybersecurity certification [U: none known to dualmark]",
}

func (b RouteBasis) holds(need string) bool {
	switch need {
	case NeedsFullHarmonised:
		return b.HarmonisedInFull
	case NeedsFOSS:
		return b.FOSS
	case NeedsDelegatedAct:
		return b.DelegatedAct
	}
	return false
}

// RoutesFor decides, for every route the catalog lists for class, whether
// it is open to a product with the given facts (CRA Art. 32). An unknown
// class gives nil.
func (c *Catalog) RoutesFor(class string, b RouteBasis) []RouteDecision {
	var out []RouteDecision
	for _, r := range c.routes[class] {
		d := RouteDecision{Route: r, Open: len(r.Needs) == 0}
		var phrases []string
		for _, n := range r.Needs {
			phrases = append(phrases, needPhrases[n])
			if b.holds(n) {
				d.Open = true
			}
		}
		switch {
		case len(r.Needs) == 0:
			d.Why = fmt.Sprintf("open to every %s product (%s)", class, r.Article)
		case d.Open:
			d.Why = fmt.Sprintf("open: %s (%s)", strings.Join(phrases, ", or "), r.Article)
		default:
			d.Why = fmt.Sprintf("closed: needs %s (%s)", strings.Join(phrases, ", or "), r.Article)
		}
		out = append(out, d)
	}
	return out
}

// RouteFor returns the decision for one module of a class, and false when
// the catalog lists no such route for the class at all.
func (c *Catalog) RouteFor(class, module string, b RouteBasis) (RouteDecision, bool) {
	i := slices.IndexFunc(c.RoutesFor(class, b), func(d RouteDecision) bool { return d.Module == module })
	if i < 0 {
		return RouteDecision{}, false
	}
	return c.RoutesFor(class, b)[i], true
}

// checkRoute returns the structural problems of one route entry.
func checkRoute(r Route) []string {
	var p []string
	if r.Module == "" || r.Article == "" {
		p = append(p, "a route needs a module and an article")
	}
	for _, n := range r.Needs {
		if _, ok := needPhrases[n]; !ok {
			p = append(p, fmt.Sprintf("needs %q is not one of %s, %s, %s", n, NeedsFullHarmonised, NeedsFOSS, NeedsDelegatedAct))
		}
	}
	return p
}
