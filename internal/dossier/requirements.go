package dossier

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dualmark/dualmark/internal/catalog"
)

// minRegimeSize is the number of requirements from which a regime's catalog
// data counts as loaded. Below it (the catalog is still a stub for that
// regime) only the ID shape is checked, so that dossiers written against the
// full catalog keep loading while its data grows.
const minRegimeSize = 10

// requirementKnown reports an error when id is not a requirement ID of the
// catalog (internal/catalog: Load, Get, Suggest).
var requirementKnown = func(id string) error {
	regime := catalog.RegimeOf(id)
	if regime == "" || !idShape.MatchString(id) {
		return fmt.Errorf("%q is not a requirement ID (IDs start with CRA-, NISTIR8425-, EN303645-, FCC- or TR03183-, e.g. EN303645-5.1-1); run \"dualmark catalog list\" to see them", id)
	}
	cat, sizes, err := loadCatalog()
	if err != nil || sizes[regime] < minRegimeSize {
		return nil
	}
	if _, ok := cat.Get(id); ok {
		return nil
	}
	msg := fmt.Sprintf("%q is not in the %s catalog", id, regime)
	if s := cat.Suggest(id, 3); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	} else {
		msg += "; run \"dualmark catalog list\" to see the IDs"
	}
	return fmt.Errorf("%s", msg)
}

// loadCatalog loads the catalog once and counts its requirements per regime.
func loadCatalog() (*catalog.Catalog, map[string]int, error) {
	c := catalogOnce()
	return c.cat, c.sizes, c.err
}

var catalogOnce = sync.OnceValue(func() (c struct {
	cat   *catalog.Catalog
	sizes map[string]int
	err   error
}) {
	c.cat, c.err = catalog.Load()
	if c.err != nil {
		return c
	}
	c.sizes = map[string]int{}
	for _, r := range c.cat.All() {
		c.sizes[r.Regime]++
	}
	return c
})

var idShape = regexp.MustCompile(`^(CRA-[A-Za-z0-9.()]+|NISTIR8425-[0-9]+(\.[0-9]+)?[a-z]?(\.[ivx]+)?|EN303645-[0-9](\.[0-9]+)?-[0-9]+[A-B]?|FCC-(REG-[0-9]+|8\.208c\.[0-9]+)|TR03183-[0-9]:[A-Za-z.]+)$`)
