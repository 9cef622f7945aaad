package dossier

import (
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/catalog"
)

// maxSuggestLen bounds the IDs for which close IDs are searched (an edit
// distance against every requirement), so that hostile input stays cheap.
const maxSuggestLen = 40

// requirementKnown reports an error when id is not a requirement ID of the
// catalog (internal/catalog), suggesting close IDs.
func requirementKnown(id string) error {
	if catalog.RegimeOf(id) == "" {
		return fmt.Errorf("%q is not a requirement ID (IDs start with CRA-, NISTIR8425-, EN303645-, FCC- or TR03183-, e.g. EN303645-5.1-1)", id)
	}
	cat, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("cannot check %q: %w", id, err)
	}
	if _, ok := cat.Get(id); ok {
		return nil
	}
	msg := fmt.Sprintf("%q is not in the %s catalog", id, catalog.RegimeOf(id))
	if len(id) > maxSuggestLen {
		return fmt.Errorf("%s", msg)
	}
	if s := cat.Suggest(id, 3); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	}
	return fmt.Errorf("%s", msg)
}
