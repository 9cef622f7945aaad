package assess

import (
	"fmt"
	"slices"

	"github.com/dualmark/dualmark/internal/dossier"
)

// annexOf names the CRA annex that lists a class.
var annexOf = map[string]string{
	"important-class-I":  "Annex III, class I",
	"important-class-II": "Annex III, class II",
	"critical":           "Annex IV",
}

// craRoute lists the conformity-assessment procedures the catalog allows for
// the product's class (CRA Art. 32) and checks the module the dossier names.
func craRoute(c Catalog, d *dossier.Dossier) *Route {
	class := d.Category.Class
	r := &Route{Class: class, Allowed: []RouteOption{}, Chosen: d.Conformity.Module}
	if a, ok := annexOf[class]; ok {
		r.Annex = a
		if d.Category.Item > 0 {
			r.Annex += fmt.Sprintf(", item %d", d.Category.Item)
		}
	}
	for _, rt := range c.Routes(class) {
		r.Allowed = append(r.Allowed, RouteOption{Module: rt.Module, Condition: rt.Condition})
	}
	if r.Chosen != "" {
		r.ChosenAllowed = slices.ContainsFunc(r.Allowed, func(o RouteOption) bool { return o.Module == r.Chosen })
		if !r.ChosenAllowed {
			r.Note = fmt.Sprintf("the dossier names module %s, which the %s class does not allow", r.Chosen, class)
		} else if class == "important-class-I" && r.Chosen == "A" && len(d.Conformity.Standards) == 0 {
			r.Note = "module A is open to class I products only when harmonised standards, common specifications or an EU scheme were applied in full; the dossier lists none (conformity.standards)"
			r.ChosenAllowed = false
		}
	}
	return r
}
